package org.pysym.graph;

/** One output of a node: the edges of the graph. */
public record NodeEntry(Node node, int index) {
    @Override public String toString() { return node.name + "[" + index + "]"; }

    @Override public boolean equals(Object o) {
        return o instanceof NodeEntry e && e.node == node && e.index == index;
    }

    @Override public int hashCode() { return System.identityHashCode(node) * 31 + index; }
}

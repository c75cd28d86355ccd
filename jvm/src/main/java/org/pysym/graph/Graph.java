package org.pysym.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes reachable from a list of head entries, in MXNet's post-order DFS (inputs in order,
 * each node once), with a dense id for every node output (NNVM's node_row_ptr).
 */
public final class Graph {
    public final List<NodeEntry> heads;
    public final List<Node> nodes;
    private final Map<Node, Integer> index = new IdentityHashMap<>();
    private final int[] entryStart;

    public Graph(List<NodeEntry> heads) {
        this.heads = List.copyOf(heads);
        this.nodes = postOrder(heads);
        entryStart = new int[nodes.size() + 1];
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i), i);
            entryStart[i + 1] = entryStart[i] + nodes.get(i).numOutputs();
        }
    }

    /** Iterative, so deep graphs (long chains) do not overflow the Java stack. */
    static List<Node> postOrder(List<NodeEntry> heads) {
        List<Node> order = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        for (NodeEntry h : heads) {
            if (seen.containsKey(h.node())) continue;
            Deque<Object[]> stack = new ArrayDeque<>();
            stack.push(new Object[] {h.node(), 0});
            seen.put(h.node(), true);
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                Node n = (Node) top[0];
                int next = (Integer) top[1];
                if (next < n.inputs.size()) {
                    top[1] = next + 1;
                    Node child = n.inputs.get(next).node();
                    if (!seen.containsKey(child)) {
                        seen.put(child, true);
                        stack.push(new Object[] {child, 0});
                    }
                } else {
                    stack.pop();
                    order.add(n);
                }
            }
        }
        return order;
    }

    public int nodeId(Node n) {
        Integer i = index.get(n);
        if (i == null) throw new IllegalArgumentException("node " + n + " is not in this graph");
        return i;
    }

    public boolean contains(Node n) { return index.containsKey(n); }

    public int entryId(NodeEntry e) { return entryStart[nodeId(e.node())] + e.index(); }

    public int entryId(int nodeId, int output) { return entryStart[nodeId] + output; }

    public int numEntries() { return entryStart[nodes.size()]; }
}

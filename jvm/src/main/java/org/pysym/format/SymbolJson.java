package org.pysym.format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.pysym.PysymError;
import org.pysym.graph.Graph;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;

/**
 * MXNet's symbol JSON (NNVM graph format): nodes with op/name/attrs/inputs, arg_nodes,
 * node_row_ptr, heads, attrs.mxnet_version. Reads files written by MXNet 1.x (including older ones
 * with "param"/"attr" instead of "attrs", and operator aliases); writes what MXNet 1.9.1 writes.
 */
public final class SymbolJson {
    private SymbolJson() {}

    public static final int MXNET_VERSION = 10901;
    /** Keys MXNet accepts on operators without underscores and stores as __key__. */
    private static final List<String> HIDDEN_KEYS = List.of("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage");

    // ---- writing ----------------------------------------------------------------------------

    public static String write(Symbol sym) {
        Graph g = new Graph(sym.outputs());
        List<String> nodes = new ArrayList<>();
        List<String> argNodes = new ArrayList<>();
        List<String> rowPtr = new ArrayList<>(List.of("0"));
        int rows = 0;
        for (int id = 0; id < g.nodes.size(); id++) {
            Node n = g.nodes.get(id);
            List<String> fields = new ArrayList<>();
            fields.add("\"op\": " + Json.quote(n.isVariable() ? "null" : n.op.name));
            fields.add("\"name\": " + Json.quote(n.name));
            Map<String, String> attrs = new TreeMap<>(n.params.given());
            attrs.putAll(n.attrs);
            if (!attrs.isEmpty()) {
                List<String> kv = new ArrayList<>();
                attrs.forEach((k, v) -> kv.add(Json.quote(k) + ": " + Json.quote(v)));
                fields.add("\"attrs\": " + Json.block('{', '}', kv, kv.size() > 1, 6));
            }
            List<String> inputs = new ArrayList<>();
            List<String> inputNames = n.isVariable() ? List.of() : n.op.inputNames(n.params);
            for (int i = 0; i < n.inputs.size(); i++) {
                NodeEntry e = n.inputs.get(i);
                // NNVM versions a variable each time an op mutates it: aux states are read at version 1
                int version = i < inputNames.size() && n.op.isAux(inputNames.get(i)) && e.node().isVariable() ? 1 : 0;
                inputs.add("[" + g.nodeId(e.node()) + ", " + e.index() + ", " + version + "]");
            }
            fields.add("\"inputs\": " + Json.block('[', ']', inputs, inputs.size() > 10, 6));
            nodes.add(Json.block('{', '}', fields, true, 4));
            if (n.isVariable()) argNodes.add(Integer.toString(id));
            rows += n.numOutputs();
            rowPtr.add(Integer.toString(rows));
        }
        List<String> heads = new ArrayList<>();
        for (NodeEntry e : sym.outputs()) heads.add("[" + g.nodeId(e.node()) + ", " + e.index() + ", 0]");
        List<String> top = List.of(
                "\"nodes\": " + Json.block('[', ']', nodes, true, 2),
                "\"arg_nodes\": " + Json.block('[', ']', argNodes, argNodes.size() > 10, 2),
                "\"node_row_ptr\": " + Json.block('[', ']', rowPtr, rowPtr.size() > 10, 2),
                "\"heads\": " + Json.block('[', ']', heads, heads.size() > 10, 2),
                "\"attrs\": {\"mxnet_version\": [\"int\", " + MXNET_VERSION + "]}");
        return Json.block('{', '}', top, true, 0);
    }

    // ---- reading ----------------------------------------------------------------------------

    public static Symbol read(String text) {
        Object root = Json.parse(text);
        Map<String, Object> top = asMap(root, "the symbol JSON");
        List<Object> jsonNodes = asList(top.get("nodes"), "\"nodes\"");
        List<Node> nodes = new ArrayList<>();
        for (int id = 0; id < jsonNodes.size(); id++) nodes.add(readNode(asMap(jsonNodes.get(id), "node " + id), id, nodes));
        List<Object> heads = asList(top.get("heads"), "\"heads\"");
        PysymError.require(!heads.isEmpty(), "symbol JSON has no heads");
        List<NodeEntry> outs = new ArrayList<>();
        for (Object h : heads) outs.add(entry(h, nodes, nodes.size(), "heads"));
        return Symbol.fromOutputs(outs);
    }

    private static Node readNode(Map<String, Object> jn, int id, List<Node> earlier) {
        String op = asString(jn.get("op"), "node " + id + " \"op\"");
        String name = asString(jn.get("name"), "node " + id + " \"name\"");
        Map<String, String> raw = new LinkedHashMap<>();
        for (String key : List.of("param", "attr", "attrs")) {   // legacy files split params and attributes
            Object a = jn.get(key);
            if (a == null) continue;
            asMap(a, "node " + name + " \"" + key + "\"").forEach((k, v) -> raw.put(k, String.valueOf(v)));
        }
        List<Object> jsonInputs = jn.get("inputs") == null ? List.of() : asList(jn.get("inputs"), "node " + name + " \"inputs\"");
        if (op.equals("null")) {
            PysymError.require(jsonInputs.isEmpty(), "variable node %s (node %d) has inputs", name, id);
            return Node.variable(name, raw);
        }
        PysymError.require(OpRegistry.has(op), "node %s (node %d) uses unknown operator '%s'", name, id, op);
        OpDef def = OpRegistry.op(op);
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, String> attrs = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (def.field(k) != null) params.put(k, v);
            else if (k.startsWith("__") && k.endsWith("__")) attrs.put(k, v);
            else if (HIDDEN_KEYS.contains(k)) attrs.put("__" + k + "__", v);
            else throw PysymError.format("node %s (operator %s): unknown parameter '%s'; valid parameters are %s",
                        name, def.name, k, def.describeParams());
        });
        if (def.variadic && !params.containsKey("num_args")) params.put("num_args", jsonInputs.size());
        Params p;
        try {
            p = Params.parse(def, params);
        } catch (PysymError e) {
            throw PysymError.format("node %s: %s", name, e.getMessage());
        }
        List<NodeEntry> inputs = new ArrayList<>();
        for (Object in : jsonInputs) inputs.add(entry(in, earlier, id, "inputs of node " + name));
        int expected = def.inputNames(p).size();
        PysymError.require(inputs.size() == expected, "node %s (operator %s) has %d inputs, expected %d %s",
                name, def.name, inputs.size(), expected, def.inputNames(p));
        return new Node(def, name, p, attrs, inputs);
    }

    /** [node, output, version]: the node must come earlier (no forward or cyclic references). */
    private static NodeEntry entry(Object o, List<Node> nodes, int limit, String where) {
        List<Object> e = asList(o, where);
        PysymError.require(e.size() == 2 || e.size() == 3, "%s: an entry must be [node, output, version], got %s", where, e);
        long node = asLong(e.get(0), where), index = asLong(e.get(1), where);
        PysymError.require(node >= 0 && node < limit && node < nodes.size(),
                "%s: reference to node %d, expected an earlier node in [0, %d)", where, node, Math.min(limit, nodes.size()));
        Node n = nodes.get((int) node);
        PysymError.require(index >= 0 && index < n.numOutputs(), "%s: node %s has %d outputs, output %d referenced",
                where, n.name, n.numOutputs(), index);
        return new NodeEntry(n, (int) index);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw PysymError.format("symbol JSON: %s must be an object, got %s", what, describe(o));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o, String what) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw PysymError.format("symbol JSON: %s must be an array, got %s", what, describe(o));
    }

    private static String asString(Object o, String what) {
        if (o instanceof String s) return s;
        throw PysymError.format("symbol JSON: %s must be a string, got %s", what, describe(o));
    }

    private static long asLong(Object o, String what) {
        if (o instanceof Long l) return l;
        throw PysymError.format("symbol JSON: %s: expected an integer, got %s", what, describe(o));
    }

    private static String describe(Object o) { return o == null ? "null" : o.getClass().getSimpleName() + " " + o; }
}

package org.pysym.graph;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.PysymError;
import org.pysym.op.DType;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;
import org.pysym.op.Params;
import org.pysym.op.Shape;
import org.pysym.pass.InferShape;
import org.pysym.pass.InferType;

/**
 * A symbolic expression: a list of output entries over an immutable node graph. Composition,
 * naming and the list/infer queries follow MXNet 1.9.1 (NNVM) exactly.
 */
public final class Symbol {
    private final List<NodeEntry> outputs;

    Symbol(List<NodeEntry> outputs) { this.outputs = List.copyOf(outputs); }

    public List<NodeEntry> outputs() { return outputs; }

    // ---- creation ----------------------------------------------------------------------------

    /** Symbol.Variable: attrs holds __shape__/__dtype__/__lr_mult__/... and user attributes. */
    public static Symbol variable(String name, Map<String, String> attrs) {
        PysymError.require(name != null && !name.isEmpty(), "Variable name must be a non-empty string");
        return new Symbol(List.of(new NodeEntry(Node.variable(name, attrs == null ? Map.of() : attrs), 0)));
    }

    public static Symbol variable(String name) { return variable(name, null); }

    /** Variable with MXNet Scala's optional arguments; null means not given. */
    public static Symbol variable(String name, Map<String, String> attr, Shape shape, Double lrMult, Double wdMult,
                                  DType dtype, Map<String, String> kwargs) {
        Map<String, String> a = new LinkedHashMap<>();
        if (shape != null) a.put("__shape__", shape.toString());
        if (lrMult != null) a.put("__lr_mult__", lrMult.toString());
        if (wdMult != null) a.put("__wd_mult__", wdMult.toString());
        if (dtype != null) a.put("__dtype__", Integer.toString(dtype.id));
        if (kwargs != null) {
            for (Map.Entry<String, String> e : kwargs.entrySet()) {
                String k = e.getKey();
                PysymError.require(k.startsWith("__") && k.endsWith("__") && k.length() > 4,
                        "Attribute name=%s is not supported. Additional attributes must start and end with double "
                                + "underscores, e.g, __yourattr__", k);
                a.put(k, e.getValue());
            }
        }
        if (attr != null) a.putAll(attr);
        return variable(name, a);
    }

    /** A symbol over existing output entries (graph readers). */
    public static Symbol fromOutputs(List<NodeEntry> outputs) {
        PysymError.require(!outputs.isEmpty(), "a symbol needs at least one output");
        return new Symbol(outputs);
    }

    /** MXNet's symbol JSON. */
    public String toJson() { return org.pysym.format.SymbolJson.write(this); }

    public static Symbol loadJson(String json) { return org.pysym.format.SymbolJson.read(json); }

    public void save(String path) {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(path), toJson());
        } catch (java.io.IOException e) {
            throw PysymError.format("cannot write symbol file %s: %s", path, e.getMessage());
        }
    }

    public static Symbol load(String path) {
        try {
            return loadJson(java.nio.file.Files.readString(java.nio.file.Path.of(path)));
        } catch (java.io.IOException e) {
            throw PysymError.format("cannot read symbol file %s: %s", path, e.getMessage());
        }
    }

    public static Symbol group(List<Symbol> symbols) {
        List<NodeEntry> outs = new ArrayList<>();
        for (Symbol s : symbols) outs.addAll(s.outputs);
        return new Symbol(outs);
    }

    /**
     * Applies an operator, as MXNet's createSymbolGeneral does: parses parameters against the
     * schema, binds positional then named inputs, auto-creates missing inputs as <name>_<input>.
     *
     * @param calledName the operator name as called (alias or canonical); its lower case is the naming hint
     */
    public static Symbol create(String calledName, String name, Map<String, String> attr, List<Symbol> positional,
                                Map<String, Symbol> named, Map<String, ?> rawParams) {
        OpDef op = OpRegistry.op(calledName);
        List<Symbol> pos = positional == null ? List.of() : positional;
        Map<String, Symbol> kw = named == null ? Map.of() : named;
        Map<String, Object> raw = new LinkedHashMap<>();
        if (rawParams != null) raw.putAll(rawParams);
        if (op.variadic && raw.get("num_args") == null) raw.put("num_args", pos.size());
        Params params = Params.parse(op, raw);
        Map<String, String> attrs = attr == null ? Map.of() : attr;
        for (String k : attrs.keySet())
            PysymError.require(k.startsWith("__") && k.endsWith("__"),
                    "Cannot find argument '%s', Possible Arguments: %s (operator attributes must be of the form __key__)",
                    k, op.describeParams());
        String nodeName = name != null ? name : NameManager.next(calledName.toLowerCase());

        List<String> inputNames = op.inputNames(params);
        PysymError.require(pos.size() <= inputNames.size(), "operator %s (%s) takes at most %d inputs %s, got %d positional",
                op.name, nodeName, inputNames.size(), inputNames, pos.size());
        if (op.variadic)
            PysymError.require(pos.size() == inputNames.size() && kw.isEmpty(),
                    "operator %s takes its %d inputs positionally (num_args=%d), got %d positional and %d named",
                    op.name, inputNames.size(), inputNames.size(), pos.size(), kw.size());
        Symbol[] slots = new Symbol[inputNames.size()];
        for (int i = 0; i < pos.size(); i++) slots[i] = pos.get(i);
        for (Map.Entry<String, Symbol> e : kw.entrySet()) {
            int i = inputNames.indexOf(e.getKey());
            if (i < 0) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < inputNames.size(); j++) sb.append("\n\t[").append(j).append("]").append(inputNames.get(j));
                throw new PysymError("Symbol.ComposeKeyword argument name " + e.getKey() + " not found.\nCandidate arguments:" + sb);
            }
            PysymError.require(slots[i] == null, "input %s of %s given both positionally and by name", e.getKey(), nodeName);
            slots[i] = e.getValue();
        }

        Map<String, String> varAttrs = new LinkedHashMap<>(params.given());
        varAttrs.putAll(attrs);
        List<NodeEntry> inputs = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            Symbol s = slots[i];
            if (s == null) {
                inputs.add(new NodeEntry(Node.variable(nodeName + "_" + inputNames.get(i), varAttrs), 0));
            } else {
                PysymError.require(s.outputs.size() == 1, "Argument %d (%s) of %s is a tuple with %d outputs, single value is required",
                        i, inputNames.get(i), nodeName, s.outputs.size());
                inputs.add(s.outputs.get(0));
            }
        }
        Node node = new Node(op, nodeName, params, attrs, inputs);
        List<NodeEntry> outs = new ArrayList<>();
        for (int i = 0; i < node.numVisibleOutputs(); i++) outs.add(new NodeEntry(node, i));
        return new Symbol(outs);
    }

    public static Symbol create(String calledName, Map<String, ?> params, Symbol... inputs) {
        return create(calledName, null, null, List.of(inputs), null, params);
    }

    // ---- arithmetic (MXNet's operator aliases, so auto-names match: _plus0, _mulscalar0) ------

    public Symbol plus(Symbol o) { return create("_Plus", Map.of(), this, o); }
    public Symbol minus(Symbol o) { return create("_Minus", Map.of(), this, o); }
    public Symbol mul(Symbol o) { return create("_Mul", Map.of(), this, o); }
    public Symbol div(Symbol o) { return create("_Div", Map.of(), this, o); }
    public Symbol pow(Symbol o) { return create("_Power", Map.of(), this, o); }
    public Symbol maximum(Symbol o) { return create("_Maximum", Map.of(), this, o); }
    public Symbol minimum(Symbol o) { return create("_Minimum", Map.of(), this, o); }
    public Symbol plus(double v) { return scalar("_PlusScalar", v); }
    public Symbol minus(double v) { return scalar("_MinusScalar", v); }
    public Symbol rminus(double v) { return scalar("_RMinusScalar", v); }
    public Symbol mul(double v) { return scalar("_MulScalar", v); }
    public Symbol div(double v) { return scalar("_DivScalar", v); }
    public Symbol rdiv(double v) { return scalar("_RDivScalar", v); }
    public Symbol pow(double v) { return scalar("_PowerScalar", v); }
    public Symbol rpow(double v) { return scalar("_RPowerScalar", v); }
    public Symbol maximum(double v) { return scalar("_MaximumScalar", v); }
    public Symbol minimum(double v) { return scalar("_MinimumScalar", v); }
    public Symbol negate() { return mul(-1.0); }

    private Symbol scalar(String op, double v) { return create(op, Map.of("scalar", v), this); }

    // ---- queries ---------------------------------------------------------------------------

    private List<Node> inputVariables(boolean aux) {
        Graph g = new Graph(outputs);
        Map<Node, Boolean> isAux = new IdentityHashMap<>();
        for (Node n : g.nodes) {
            if (n.isVariable()) continue;
            List<String> names = n.op.inputNames(n.params);
            for (int i = 0; i < n.inputs.size(); i++) {
                Node in = n.inputs.get(i).node();
                if (in.isVariable() && n.op.isAux(names.get(i))) isAux.put(in, true);
            }
        }
        List<Node> vars = new ArrayList<>();
        for (Node n : g.nodes)
            if (n.isVariable() && isAux.containsKey(n) == aux) vars.add(n);
        return vars;
    }

    public List<Node> argumentNodes() { return inputVariables(false); }
    public List<Node> auxiliaryNodes() { return inputVariables(true); }

    public List<String> listArguments() { return argumentNodes().stream().map(n -> n.name).toList(); }
    public List<String> listAuxiliaryStates() { return auxiliaryNodes().stream().map(n -> n.name).toList(); }

    public List<String> listOutputs() {
        return outputs.stream().map(e -> e.node().outputName(e.index())).toList();
    }

    public Symbol getInternals() {
        List<NodeEntry> all = new ArrayList<>();
        for (Node n : new Graph(outputs).nodes)
            for (int i = 0; i < n.numVisibleOutputs(); i++) all.add(new NodeEntry(n, i));
        return new Symbol(all);
    }

    public int numOutputs() { return outputs.size(); }

    public Symbol get(int index) {
        PysymError.require(index >= 0 && index < outputs.size(), "output index %d out of range: the symbol has %d outputs",
                index, outputs.size());
        return outputs.size() == 1 ? this : new Symbol(List.of(outputs.get(index)));
    }

    /** Selects an output by name; the last match wins, as in MXNet. */
    public Symbol get(String name) {
        List<String> names = listOutputs();
        int idx = names.lastIndexOf(name);
        PysymError.require(idx >= 0, "Cannot find output that matches name %s: outputs are %s", name, names);
        return get(idx);
    }

    /** The attribute of a single-node symbol; null if absent or if the symbol is grouped. */
    public String attr(String key) {
        if (outputs.size() != 1) return null;
        Node n = outputs.get(0).node();
        if (key.equals("name")) return n.name;
        String v = n.attrs.get(key);
        if (v == null) v = n.params.given().get(key);
        return v;
    }

    public Map<String, String> listAttr() {
        Map<String, String> m = new LinkedHashMap<>();
        if (outputs.size() != 1) return m;
        Node n = outputs.get(0).node();
        m.putAll(n.params.given());
        m.putAll(n.attrs);
        return m;
    }

    public String name() { return outputs.size() == 1 ? outputs.get(0).node().name : null; }

    /** Every node's attributes (parameters in MXNet spelling and user attributes), by node name in DFS order. */
    public Map<String, Map<String, String>> attrMap() {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        for (Node n : new Graph(outputs).nodes) {
            Map<String, String> a = new LinkedHashMap<>(n.params.given());
            a.putAll(n.attrs);
            if (!a.isEmpty()) m.put(n.name, a);
        }
        return m;
    }

    /** NNVM's Symbol::Print layout: the outputs, then each operator with its inputs and attributes. */
    public String debugStr() {
        Graph g = new Graph(outputs);
        StringBuilder sb = new StringBuilder("Symbol Outputs:\n");
        for (int i = 0; i < outputs.size(); i++) sb.append("\toutput[").append(i).append("]=").append(listOutputs().get(i)).append('\n');
        for (Node n : g.nodes) {
            if (n.isVariable()) {
                sb.append("Variable:").append(n.name).append('\n');
                continue;
            }
            sb.append("--------------------\nOp:").append(n.op.name).append(", Name=").append(n.name).append("\nInputs:\n");
            for (int i = 0; i < n.inputs.size(); i++) {
                NodeEntry e = n.inputs.get(i);
                sb.append("\targ[").append(i).append("]=").append(e.node().name).append('(').append(e.index()).append(") version=0\n");
            }
            Map<String, String> a = new LinkedHashMap<>(n.params.given());
            a.putAll(n.attrs);
            if (!a.isEmpty()) {
                sb.append("Attrs:\n");
                a.forEach((k, v) -> sb.append('\t').append(k).append('=').append(v).append('\n'));
            }
        }
        return sb.toString();
    }

    /**
     * MXNet's composition, sym(name, Map(...)): a copy in which each free variable named in inputs is
     * replaced by that (single-output) symbol. Names not among this symbol's variables are an error.
     */
    public Symbol compose(Map<String, Symbol> inputs) {
        List<String> vars = new ArrayList<>(listArguments());
        vars.addAll(listAuxiliaryStates());
        for (Map.Entry<String, Symbol> e : inputs.entrySet()) {
            PysymError.require(vars.contains(e.getKey()), "compose: '%s' is not a variable of this symbol; variables are %s",
                    e.getKey(), vars);
            PysymError.require(e.getValue().outputs.size() == 1, "compose: '%s' must be given a single-output symbol, got %d outputs",
                    e.getKey(), e.getValue().outputs.size());
        }
        Map<Node, Node> copies = new IdentityHashMap<>();
        Map<Node, NodeEntry> replaced = new IdentityHashMap<>();
        for (Node n : new Graph(outputs).nodes) {   // post-order: inputs are rebuilt before their users
            if (n.isVariable()) {
                Symbol by = inputs.get(n.name);
                if (by != null) replaced.put(n, by.outputs.get(0));
                continue;
            }
            List<NodeEntry> ins = new ArrayList<>();
            boolean changed = false;
            for (NodeEntry e : n.inputs) {
                NodeEntry r = replaced.get(e.node());
                Node c = copies.get(e.node());
                NodeEntry now = r != null ? r : c != null ? new NodeEntry(c, e.index()) : e;
                changed |= now != e;
                ins.add(now);
            }
            if (changed) copies.put(n, new Node(n.op, n.name, n.params, n.attrs, ins));
        }
        List<NodeEntry> outs = new ArrayList<>();
        for (NodeEntry e : outputs) {
            NodeEntry r = replaced.get(e.node());
            Node c = copies.get(e.node());
            outs.add(r != null ? r : c != null ? new NodeEntry(c, e.index()) : e);
        }
        return new Symbol(outs);
    }

    // ---- inference -------------------------------------------------------------------------

    public InferShape.Result inferShape(Map<String, Shape> known) { return InferShape.run(this, known); }

    /** Positional form over the non-auxiliary arguments in listArguments() order; null = unknown. */
    public InferShape.Result inferShape(List<Shape> positional) {
        List<String> args = listArguments();
        PysymError.require(positional.size() <= args.size(), "inferShape got %d shapes for %d arguments %s",
                positional.size(), args.size(), args);
        Map<String, Shape> known = new LinkedHashMap<>();
        for (int i = 0; i < positional.size(); i++) if (positional.get(i) != null) known.put(args.get(i), positional.get(i));
        return InferShape.run(this, known);
    }

    public InferType.Result inferType(Map<String, DType> known) { return InferType.run(this, known); }
}

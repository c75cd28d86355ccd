package org.pysym.op;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.pysym.PysymError;

/**
 * One operator, declared once: MXNet's name and aliases, doc, named inputs/outputs/aux states,
 * typed parameters, shape/type/gradient rules and its kernel. Inference, autodiff, planning,
 * execution and the generated Python/Scala APIs all read this declaration.
 */
public final class OpDef {
    /** More inputs than this is a malformed call or file, not a real graph. */
    public static final int MAX_VARIADIC_INPUTS = 1 << 16;

    public final String name;
    public final List<String> aliases;
    public final String doc;
    private final Map<String, Field> fields;
    private final Function<Params, List<String>> inputNames;
    /** Inputs given only positionally, their count in parameter num_args (Concat, ElementWiseSum). */
    public final boolean variadic;
    private final Set<String> auxInputs;
    private final Function<Params, List<String>> outputNames;
    private final Function<Params, Integer> visibleOutputs;
    public final ShapeRule shapeRule;
    public final TypeRule typeRule;
    /** null only together with nonDifferentiable. */
    public final GradRule gradRule;
    public final boolean nonDifferentiable;
    /** null for view operators, whose output aliases input 0 with a new shape. */
    public final Kernel kernel;
    public final boolean view;
    /** Loss heads need no head gradient in backward(). */
    public final boolean loss;
    /** Backward operators: an output nobody uses is not computed (req null). */
    public final boolean skippableOutputs;

    private OpDef(Builder b) {
        this.name = b.name;
        this.aliases = List.copyOf(b.aliases);
        this.doc = b.doc;
        this.fields = b.fields;
        this.inputNames = b.inputNames;
        this.variadic = b.variadic;
        this.auxInputs = Set.copyOf(b.auxInputs);
        this.outputNames = b.outputNames;
        this.visibleOutputs = b.visibleOutputs;
        this.shapeRule = b.shapeRule;
        this.typeRule = b.typeRule;
        this.gradRule = b.gradRule;
        this.nonDifferentiable = b.nonDifferentiable;
        this.kernel = b.kernel;
        this.view = b.view;
        this.loss = b.loss;
        this.skippableOutputs = b.skippableOutputs;
    }

    public static Builder builder(String name) { return new Builder(name); }

    public Field field(String name) { return fields.get(name); }
    public List<Field> fields() { return List.copyOf(fields.values()); }

    public List<String> inputNames(Params p) {
        if (variadic) {
            int n = p.getInt("num_args");
            PysymError.require(n >= 0 && n <= MAX_VARIADIC_INPUTS, "operator %s: num_args=%d is outside [0, %d]",
                    name, n, MAX_VARIADIC_INPUTS);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) names.add("arg" + i);
            return names;
        }
        return inputNames.apply(p);
    }

    /** The input names as MXNet lists them for docs: data, weight, bias. */
    public List<String> declaredInputs() {
        return variadic ? List.of() : inputNames.apply(null);
    }

    public boolean isAux(String inputName) { return auxInputs.contains(inputName); }
    public List<String> outputNames(Params p) { return outputNames.apply(p); }
    public int numOutputs(Params p) { return outputNames.apply(p).size(); }
    public int numVisibleOutputs(Params p) { return visibleOutputs.apply(p); }

    /** Public operators appear in Symbol.api; names starting with '_' are internal, as in MXNet. */
    public boolean isPublic() { return !name.startsWith("_"); }

    public String describeParams() {
        return fields.values().stream().map(f -> f.name + " : " + f.typeString()).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A single doc text: the operator doc, then its inputs and parameters. */
    public String fullDoc() {
        StringBuilder sb = new StringBuilder(doc).append("\n\nParameters\n----------\n");
        if (variadic) sb.append("args : Symbol[]\n    Positional inputs.\n");
        for (String in : declaredInputs())
            sb.append(in).append(" : Symbol").append(isAux(in) ? " (auxiliary state)" : "").append("\n");
        for (Field f : fields.values()) sb.append(f.name).append(" : ").append(f.typeString()).append("\n    ").append(f.doc).append("\n");
        return sb.toString();
    }

    public static final class Builder {
        private final String name;
        private final List<String> aliases = new ArrayList<>();
        private String doc = "";
        private final Map<String, Field> fields = new LinkedHashMap<>();
        private Function<Params, List<String>> inputNames = p -> List.of("data");
        private boolean variadic;
        private final List<String> auxInputs = new ArrayList<>();
        private Function<Params, List<String>> outputNames = p -> List.of("output");
        private Function<Params, Integer> visibleOutputs;
        private ShapeRule shapeRule;
        private TypeRule typeRule = TypeRule.SAME;
        private GradRule gradRule;
        private boolean nonDifferentiable;
        private Kernel kernel;
        private boolean view;
        private boolean loss;
        private boolean skippableOutputs;

        private Builder(String name) { this.name = name; }

        public Builder alias(String... names) { aliases.addAll(List.of(names)); return this; }
        public Builder doc(String d) { doc = d; return this; }
        public Builder param(Field f) { fields.put(f.name, f); return this; }
        public Builder inputs(String... names) { List<String> l = List.of(names); inputNames = p -> l; return this; }
        /** Inputs that depend on parameters (no_bias drops bias); called with null for the declared list. */
        public Builder inputs(Function<Params, List<String>> f) { inputNames = f; return this; }
        public Builder variadic() {
            variadic = true;
            if (!fields.containsKey("num_args"))
                fields.put("num_args", Field.intRequired("num_args", 1, "Number of inputs."));
            return this;
        }
        public Builder aux(String... names) { auxInputs.addAll(List.of(names)); return this; }
        public Builder outputs(String... names) { List<String> l = List.of(names); outputNames = p -> l; return this; }
        public Builder outputs(Function<Params, List<String>> f) { outputNames = f; return this; }
        public Builder visibleOutputs(int n) { visibleOutputs = p -> n; return this; }
        public Builder visibleOutputs(Function<Params, Integer> f) { visibleOutputs = f; return this; }
        public Builder shape(ShapeRule r) { shapeRule = r; return this; }
        public Builder type(TypeRule r) { typeRule = r; return this; }
        public Builder grad(GradRule r) { gradRule = r; return this; }
        public Builder nonDifferentiable() { nonDifferentiable = true; return this; }
        public Builder kernel(Kernel k) { kernel = k; return this; }
        public Builder kernel(String name) { kernel = Kernel.of(name); return this; }
        public Builder kernel(String name, Kernel.Packer packer) { kernel = Kernel.of(name, packer); return this; }
        public Builder view() { view = true; return this; }
        public Builder loss() { loss = true; return this; }
        public Builder backwardOp() { skippableOutputs = true; nonDifferentiable = true; return this; }

        public OpDef build() {
            PysymError.require(shapeRule != null, "operator %s declares no shape rule", name);
            PysymError.require(gradRule != null || nonDifferentiable,
                    "operator %s declares no gradient rule and is not declared non-differentiable", name);
            PysymError.require(view || kernel != null, "operator %s declares no kernel", name);
            if (visibleOutputs == null) {
                Function<Params, List<String>> outs = outputNames;
                visibleOutputs = p -> outs.apply(p).size();
            }
            return new OpDef(this);
        }
    }
}

package org.pysym.pass;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.arr;
import static org.pysym.TestSupport.assertClose;
import static org.pysym.TestSupport.uniform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.TestSupport;
import org.pysym.exec.Executor;
import org.pysym.graph.NameManager;
import org.pysym.graph.Node;
import org.pysym.graph.NodeEntry;
import org.pysym.graph.Symbol;
import org.pysym.graph.Symbols;
import org.pysym.ndarray.NDArray;
import org.pysym.op.OpDef;
import org.pysym.ops.ShapeRules;

/**
 * The Gradient pass: the structure it builds, and, through the Executor, every element-wise
 * operator's gradient against central finite differences of a double-precision reference of
 * its forward formula.
 */
public class GradientTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    @Before public void fresh() { NameManager.reset(); }

    private static Node node(Symbol s) { return s.outputs().get(0).node(); }

    private static Set<Node> wrt(Symbol... vars) {
        Set<Node> s = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Symbol v : vars) s.add(node(v));
        return s;
    }

    // ---- structure ------------------------------------------------------------------------------

    @Test public void productRuleBuildsRegisteredBackwardNodes() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Symbol y = a.mul(b);
        Gradient.Result r = Gradient.run(y.outputs(), wrt(a));
        assertEquals(1, r.argGrads().size());
        NodeEntry ga = r.argGrads().get(node(a));
        assertEquals("elemwise_mul", ga.node().op.name);
        assertEquals("_mul0_backward", ga.node().name);
        Node head = r.headGrads().get(0);
        assertEquals("_head_grad0", head.name);
        assertSame(head, ga.node().inputs.get(0).node());
        assertSame(node(b), ga.node().inputs.get(1).node());
    }

    @Test public void partialGradientsOfAReusedArgumentAreSummed() {
        Symbol a = Symbol.variable("a");
        Gradient.Result r = Gradient.run(a.mul(a).outputs(), wrt(a));
        NodeEntry ga = r.argGrads().get(node(a));
        assertEquals("add_n", ga.node().op.name);
        assertEquals("a_grad_sum", ga.node().name);
        assertEquals(2, ga.node().inputs.size());
        assertEquals(2, ga.node().params.getInt("num_args"));
    }

    @Test public void nonDifferentiablePathGivesAnExplicitZeroGradient() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Symbol y = Symbol.create("zeros_like", Map.of(), a).plus(b);
        Gradient.Result r = Gradient.run(y.outputs(), wrt(a, b));
        NodeEntry ga = r.argGrads().get(node(a));
        assertEquals("zeros_like", ga.node().op.name);
        assertEquals("a_zero_grad", ga.node().name);
        assertSame(r.headGrads().get(0), r.argGrads().get(node(b)).node());
    }

    @Test public void headsThatDoNotDependOnRequestedVariablesNeedNoHeadGradient() {
        Symbol a = Symbol.variable("a"), c = Symbol.variable("c");
        Symbol g = Symbol.group(List.of(Symbol.create("exp", Map.of(), c), a.mul(2)));
        Gradient.Result r = Gradient.run(g.outputs(), wrt(a));
        assertNull(r.headGrads().get(0));
        assertNotNull(r.headGrads().get(1));
        assertEquals("_mul_scalar", r.argGrads().get(node(a)).node().op.name);
    }

    @Test public void lossHeadsTakeNoHeadGradient() {
        Symbol a = Symbol.variable("a");
        Symbol l = Symbols.apply(HALF_SQUARE_LOSS, "loss", a.mul(3));
        Gradient.Result r = Gradient.run(l.outputs(), wrt(a));
        assertNull(r.headGrads().get(0));
        assertNotNull(r.argGrads().get(node(a)));
    }

    /** Identity forward, a loss head whose gradient is its output: L = sum(x^2)/2, dL/dx = x. */
    static final OpDef HALF_SQUARE_LOSS = OpDef.builder("_test_half_square_loss").doc("test loss").shape(ShapeRules.SAME)
            .kernel("copy").loss().grad(g -> List.of(g.op1("_copy", Map.of(), g.output(0)))).build();

    @Test public void lossHeadBackwardNeedsNoHeadGradient() {
        Symbol a = Symbol.variable("a"), b = Symbol.variable("b");
        Symbol l = Symbols.apply(HALF_SQUARE_LOSS, "loss", a.mul(b));
        try (NDArray av = arr(new float[] {1, 2, 3}); NDArray bv = arr(new float[] {4, 5, -6}); NDArray ga = NDArray.zeros(3);
             Executor ex = Executor.bind(l, null, Map.of("a", av, "b", bv), Map.of("a", ga), "write", null)) {
            ex.forward(true);
            ex.backward();
            // d/da (a*b)^2/2 = a*b*b
            assertClose("loss grad", new double[] {16, 50, 108}, ga.toArray(), 0, 0);
        }
    }

    // ---- numeric checks ----------------------------------------------------------------------

    interface Ref { double f(double[] x); }

    /**
     * One check: a symbol over variables x0..x{arity-1}, its double reference, and input ranges.
     * A class, not a record: Gradle 4.4 finds no tests in a class that nests a record.
     */
    static final class Case {
        final String name;
        final int arity;
        final Function<List<Symbol>, Symbol> build;
        final Ref ref;
        final double lo, hi;
        final double[] loHiSecond, kinks;
        final boolean separate;

        Case(String name, int arity, Function<List<Symbol>, Symbol> build, Ref ref, double lo, double hi,
             double[] loHiSecond, double[] kinks, boolean separate) {
            this.name = name;
            this.arity = arity;
            this.build = build;
            this.ref = ref;
            this.lo = lo;
            this.hi = hi;
            this.loHiSecond = loHiSecond;
            this.kinks = kinks;
            this.separate = separate;
        }

        String name() { return name; }
        int arity() { return arity; }
        Function<List<Symbol>, Symbol> build() { return build; }
        Ref ref() { return ref; }
        double lo() { return lo; }
        double hi() { return hi; }
        double[] loHiSecond() { return loHiSecond; }
        double[] kinks() { return kinks; }
        boolean separate() { return separate; }
    }

    private static Case c1(String name, Function<Symbol, Symbol> f, Ref ref, double lo, double hi, double... kinks) {
        return new Case(name, 1, v -> f.apply(v.get(0)), ref, lo, hi, null, kinks, false);
    }

    private static Case c2(String name, Function<List<Symbol>, Symbol> f, Ref ref, double lo, double hi, double lo2, double hi2) {
        return new Case(name, 2, f, ref, lo, hi, new double[] {lo2, hi2}, new double[0], false);
    }

    private static Symbol op(String name, Symbol... in) { return Symbol.create(name, Map.of(), in); }

    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        // binary, same shape
        l.add(c2("_Plus", v -> v.get(0).plus(v.get(1)), x -> x[0] + x[1], -2, 2, -2, 2));
        l.add(c2("_Minus", v -> v.get(0).minus(v.get(1)), x -> x[0] - x[1], -2, 2, -2, 2));
        l.add(c2("_Mul", v -> v.get(0).mul(v.get(1)), x -> x[0] * x[1], -2, 2, -2, 2));
        l.add(c2("_Div", v -> v.get(0).div(v.get(1)), x -> x[0] / x[1], -2, 2, 0.5, 2));
        l.add(c2("_Power", v -> v.get(0).pow(v.get(1)), x -> Math.pow(x[0], x[1]), 0.5, 2, -1.5, 1.5));
        l.add(new Case("_Maximum", 2, v -> v.get(0).maximum(v.get(1)), x -> Math.max(x[0], x[1]), -2, 2, new double[] {-2, 2}, new double[0], true));
        l.add(new Case("_Minimum", 2, v -> v.get(0).minimum(v.get(1)), x -> Math.min(x[0], x[1]), -2, 2, new double[] {-2, 2}, new double[0], true));
        l.add(c2("elemwise_sub", v -> op("elemwise_sub", v.get(0), v.get(1)), x -> x[0] - x[1], -2, 2, -2, 2));
        // with a scalar
        l.add(c1("_PlusScalar", a -> a.plus(2.5), x -> x[0] + 2.5, -2, 2));
        l.add(c1("_MinusScalar", a -> a.minus(2.5), x -> x[0] - 2.5, -2, 2));
        l.add(c1("_RMinusScalar", a -> a.rminus(2.5), x -> 2.5 - x[0], -2, 2));
        l.add(c1("_MulScalar", a -> a.mul(-1.5), x -> -1.5 * x[0], -2, 2));
        l.add(c1("_DivScalar", a -> a.div(4), x -> x[0] / 4, -2, 2));
        l.add(c1("_RDivScalar", a -> a.rdiv(3), x -> 3 / x[0], 0.5, 2));
        l.add(c1("_PowerScalar", a -> a.pow(3), x -> Math.pow(x[0], 3), -2, 2));
        l.add(c1("_PowerScalar 0.5", a -> a.pow(0.5), x -> Math.sqrt(x[0]), 0.5, 3));
        l.add(c1("_RPowerScalar", a -> a.rpow(2), x -> Math.pow(2, x[0]), -2, 2));
        l.add(c1("_RPowerScalar 0.5", a -> a.rpow(0.5), x -> Math.pow(0.5, x[0]), -2, 2));
        l.add(c1("_MaximumScalar", a -> a.maximum(0.3), x -> Math.max(x[0], 0.3), -2, 2, 0.3));
        l.add(c1("_MinimumScalar", a -> a.minimum(0.3), x -> Math.min(x[0], 0.3), -2, 2, 0.3));
        l.add(c1("negate", Symbol::negate, x -> -x[0], -2, 2));
        // unary
        l.add(c1("exp", a -> op("exp", a), x -> Math.exp(x[0]), -2, 2));
        l.add(c1("log", a -> op("log", a), x -> Math.log(x[0]), 0.5, 3));
        l.add(c1("sqrt", a -> op("sqrt", a), x -> Math.sqrt(x[0]), 0.5, 3));
        l.add(c1("square", a -> op("square", a), x -> x[0] * x[0], -2, 2));
        l.add(c1("abs", a -> op("abs", a), x -> Math.abs(x[0]), -2, 2, 0));
        l.add(c1("tanh", a -> op("tanh", a), x -> Math.tanh(x[0]), -2, 2));
        l.add(c1("sigmoid", a -> op("sigmoid", a), x -> sigmoid(x[0]), -4, 4));
        l.add(c1("relu", a -> op("relu", a), x -> Math.max(x[0], 0), -2, 2, 0));
        l.add(c1("negative", a -> op("negative", a), x -> -x[0], -2, 2));
        l.add(c1("_copy", a -> op("_copy", a), x -> x[0], -2, 2));
        l.add(c1("identity", a -> op("identity", a), x -> x[0], -2, 2));
        l.add(new Case("add_n", 3, v -> op("add_n", v.get(0), v.get(1), v.get(2)), x -> x[0] + x[1] + x[2], -2, 2, null, new double[0], false));
        // arguments used more than once, chains, mixed paths
        l.add(c1("a*a", a -> a.mul(a), x -> x[0] * x[0], -2, 2));
        l.add(c1("a+a", a -> a.plus(a), x -> 2 * x[0], -2, 2));
        l.add(c1("a/a", a -> a.div(a), x -> 1, 0.5, 2));
        l.add(c1("exp(a)*a", a -> op("exp", a).mul(a), x -> Math.exp(x[0]) * x[0], -2, 2));
        l.add(c1("tanh(sigmoid(a)*a)", a -> op("tanh", op("sigmoid", a).mul(a)), x -> Math.tanh(sigmoid(x[0]) * x[0]), -2, 2));
        l.add(c1("add_n(a, a*2, exp(a))", a -> op("add_n", a, a.mul(2), op("exp", a)), x -> 3 * x[0] + Math.exp(x[0]), -2, 2));
        l.add(c2("(a*b)+a", v -> v.get(0).mul(v.get(1)).plus(v.get(0)), x -> x[0] * x[1] + x[0], -2, 2, -2, 2));
        l.add(c2("zeros_like(a)+b", v -> op("zeros_like", v.get(0)).plus(v.get(1)), x -> x[1], -2, 2, -2, 2));
        l.add(c2("ones_like(a)*b", v -> op("ones_like", v.get(0)).mul(v.get(1)), x -> x[1], -2, 2, -2, 2));
        l.add(c2("_full_like(a)*b", v -> Symbol.create("_full_like", Map.of("value", 3.5), v.get(0)).mul(v.get(1)),
                x -> 3.5 * x[1], -2, 2, -2, 2));
        l.add(c2("log(a)/sqrt(b)", v -> op("log", v.get(0)).div(op("sqrt", v.get(1))), x -> Math.log(x[0]) / Math.sqrt(x[1]), 0.5, 3, 0.5, 3));
        return l;
    }

    private static float[][] inputs(Case c, int n, long seed) {
        float[][] in = new float[c.arity()][];
        for (int j = 0; j < c.arity(); j++) {
            boolean second = j == 1 && c.loHiSecond() != null;
            in[j] = uniform(seed + j, n, second ? c.loHiSecond()[0] : c.lo(), second ? c.loHiSecond()[1] : c.hi());
            for (int i = 0; i < n; i++)
                for (double k : c.kinks()) if (Math.abs(in[j][i] - k) < 0.05) in[j][i] += 0.1f;
        }
        if (c.separate())   // keep max/min away from ties
            for (int i = 0; i < n; i++) if (Math.abs(in[0][i] - in[1][i]) < 0.05) in[1][i] = in[0][i] + 0.1f;
        return in;
    }

    private static double eval(Case c, float[][] in, int i, int perturb, double delta) {
        double[] x = new double[c.arity()];
        for (int j = 0; j < x.length; j++) x[j] = in[j][i] + (j == perturb ? delta : 0);
        return c.ref().f(x);
    }

    private static void check(Case c, int n, long seed) {
        NameManager.reset();
        List<Symbol> vars = new ArrayList<>();
        for (int j = 0; j < c.arity(); j++) vars.add(Symbol.variable("x" + j));
        Symbol y = c.build().apply(vars);
        float[][] in = inputs(c, n, seed);
        float[] h = uniform(seed + 100, n, 0.5, 1.5);
        List<NDArray> owned = new ArrayList<>();
        try {
            Map<String, NDArray> args = new LinkedHashMap<>(), grads = new LinkedHashMap<>();
            for (int j = 0; j < c.arity(); j++) {
                NDArray a = arr(in[j], 3, n / 3), g = NDArray.full(a.shape(), 123, null, null);
                owned.add(a);
                owned.add(g);
                args.put("x" + j, a);
                grads.put("x" + j, g);
            }
            NDArray head = arr(h, 3, n / 3);
            owned.add(head);
            try (Executor ex = Executor.bind(y, null, args, grads, "write", null)) {
                ex.forward(true);
                double[] expected = new double[n];
                for (int i = 0; i < n; i++) expected[i] = eval(c, in, i, -1, 0);
                assertClose(c.name() + " forward", expected, ex.outputs().get(0).toArray(), 2e-5, 1e-6);
                ex.backward(head);
                for (int j = 0; j < c.arity(); j++) {
                    double[] numeric = new double[n];
                    for (int i = 0; i < n; i++) {
                        double eps = 1e-5 * Math.max(1, Math.abs(in[j][i]));
                        numeric[i] = h[i] * (eval(c, in, i, j, eps) - eval(c, in, i, j, -eps)) / (2 * eps);
                    }
                    assertClose(c.name() + " d/dx" + j, numeric, grads.get("x" + j).toArray(), 1e-4, 1e-5);
                }
            }
        } finally {
            for (NDArray a : owned) a.dispose();
        }
    }

    @Test public void everyElementwiseGradientMatchesFiniteDifferences() {
        for (Case c : cases()) check(c, 12, c.name().hashCode());
    }

    /** Above 2^16 elements the kernels run in parallel. */
    @Test public void largeArraysMatchFiniteDifferencesToo() {
        for (Case c : cases())
            if (List.of("_Mul", "_Div", "tanh", "_Maximum", "a*a", "add_n").contains(c.name())) check(c, 3 * 30000, 99);
    }

    /** Every differentiable forward operator in the catalogue with the SAME shape rule has a case above. */
    @Test public void everyElementwiseOperatorHasACase() {
        Set<String> covered = new java.util.HashSet<>();
        for (Case c : cases()) {
            NameManager.reset();
            List<Symbol> vars = new ArrayList<>();
            for (int j = 0; j < c.arity(); j++) vars.add(Symbol.variable("x" + j));
            for (Node n : new org.pysym.graph.Graph(c.build().apply(vars).outputs()).nodes) if (n.op != null) covered.add(n.op.name);
        }
        List<String> missing = new ArrayList<>();
        for (String name : List.of("elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "_power", "_maximum", "_minimum",
                "_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar", "_rdiv_scalar", "_power_scalar",
                "_rpower_scalar", "_maximum_scalar", "_minimum_scalar", "exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid",
                "relu", "negative", "add_n", "zeros_like", "ones_like", "_full_like", "_copy"))
            if (!covered.contains(name)) missing.add(name);
        assertTrue("no gradient check for " + missing, missing.isEmpty());
    }
}

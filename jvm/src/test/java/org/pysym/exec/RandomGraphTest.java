package org.pysym.exec;

import static org.pysym.TestSupport.assertClose;
import static org.pysym.TestSupport.uniform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.TestSupport;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.ndarray.NDArray;

/**
 * Random element-wise DAGs (shared subexpressions, several heads, mixed gradient requests) run
 * through bind/forward/backward and compared with a double-precision interpreter of the same
 * graph and its central finite differences. Exercises planning, in-place reuse and summation.
 */
public class RandomGraphTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    private static final int VARS = 3, N = 6;

    /** node i = op(u, v, w) over earlier nodes; nodes 0..VARS-1 are the variables. */
    private static final class Dag {
        final List<int[]> nodes = new ArrayList<>();   // {op, u, v, w}
        final List<Symbol> syms = new ArrayList<>();
        int[] heads;

        double[][] eval(double[][] x) {
            double[][] val = new double[nodes.size()][];
            for (int i = 0; i < nodes.size(); i++) {
                int[] d = nodes.get(i);
                if (d[0] < 0) { val[i] = x[i]; continue; }
                double[] r = new double[N], u = val[d[1]], v = val[d[2]], w = val[d[3]];
                for (int k = 0; k < N; k++) {
                    r[k] = switch (d[0]) {
                        case 0 -> u[k] + v[k];
                        case 1 -> u[k] - v[k];
                        case 2 -> u[k] * v[k];
                        case 3 -> Math.tanh(u[k]);
                        case 4 -> 1 / (1 + Math.exp(-u[k]));
                        case 5 -> u[k] * 0.5;
                        case 6 -> u[k] * u[k];
                        case 7 -> u[k] / (1 / (1 + Math.exp(-v[k])) + 1);
                        case 8 -> u[k] + v[k] + w[k];
                        default -> Math.exp(Math.tanh(u[k]));
                    };
                }
                val[i] = r;
            }
            return val;
        }

        /** sum over heads of <head grad, head value>: its gradient is what backward computes. */
        double objective(double[][] x, double[][] h) {
            double[][] val = eval(x);
            double s = 0;
            for (int j = 0; j < heads.length; j++) for (int k = 0; k < N; k++) s += h[j][k] * val[heads[j]][k];
            return s;
        }
    }

    private static Symbol op(String name, Symbol... in) { return Symbol.create(name, Map.of(), in); }

    private static Dag randomDag(Random r) {
        NameManager.reset();
        Dag d = new Dag();
        for (int i = 0; i < VARS; i++) {
            d.nodes.add(new int[] {-1, 0, 0, 0});
            d.syms.add(Symbol.variable("x" + i));
        }
        int n = 2 + r.nextInt(14);
        for (int i = 0; i < n; i++) {
            int size = d.nodes.size();
            // prefer recent nodes so graphs get deep, but keep sharing
            int u = Math.max(0, size - 1 - r.nextInt(Math.min(size, 4))), v = r.nextInt(size), w = r.nextInt(size);
            int code = r.nextInt(10);
            Symbol a = d.syms.get(u), b = d.syms.get(v), c = d.syms.get(w);
            Symbol s = switch (code) {
                case 0 -> a.plus(b);
                case 1 -> a.minus(b);
                case 2 -> a.mul(b);
                case 3 -> op("tanh", a);
                case 4 -> op("sigmoid", a);
                case 5 -> a.mul(0.5);
                case 6 -> op("square", a);
                case 7 -> a.div(op("sigmoid", b).plus(1));
                case 8 -> op("add_n", a, b, c);
                default -> op("exp", op("tanh", a));
            };
            d.nodes.add(new int[] {code, u, v, w});
            d.syms.add(s);
        }
        int last = d.nodes.size() - 1;
        d.heads = r.nextInt(3) == 0 ? new int[] {last, VARS + r.nextInt(n)} : new int[] {last};
        return d;
    }

    @Test public void randomGraphsMatchADoublePrecisionInterpreter() {
        Random r = new Random(2024);
        for (int t = 0; t < 80; t++) runOne(randomDag(r), r, t);
    }

    private static void runOne(Dag d, Random r, int t) {
        List<Symbol> headSyms = new ArrayList<>();
        for (int h : d.heads) headSyms.add(d.syms.get(h));
        Symbol sym = Symbol.group(headSyms);
        List<String> argNames = sym.listArguments();
        Map<String, String> reqs = new LinkedHashMap<>();
        for (String a : argNames) reqs.put(a, List.of("write", "add", "null").get(r.nextInt(3)));
        List<NDArray> owned = new ArrayList<>();
        try {
            Map<String, NDArray> args = new LinkedHashMap<>(), grads = new LinkedHashMap<>();
            for (String a : argNames) {
                NDArray x = NDArray.zeros(2, 3), g = NDArray.zeros(2, 3);
                owned.add(x);
                owned.add(g);
                args.put(a, x);
                grads.put(a, g);
            }
            List<NDArray> headGrads = new ArrayList<>();
            for (int j = 0; j < d.heads.length; j++) {
                NDArray h = NDArray.zeros(2, 3);
                owned.add(h);
                headGrads.add(h);
            }
            double[][] accumulated = new double[VARS][N];
            try (Executor ex = Executor.bind(sym, null, args, grads, reqs, null)) {
                for (int round = 0; round < 2; round++) {
                    long seed = 1000L * t + 10 * round;
                    double[][] x = new double[VARS][];
                    float[][] xf = new float[VARS][];
                    for (int i = 0; i < VARS; i++) {
                        xf[i] = uniform(seed + i, N, -1.5, 1.5);
                        x[i] = toDouble(xf[i]);
                        NDArray a = args.get("x" + i);
                        if (a != null) a.set(xf[i]);
                    }
                    double[][] h = new double[d.heads.length][];
                    for (int j = 0; j < h.length; j++) {
                        float[] hf = uniform(seed + 7 + j, N, -1, 1);
                        h[j] = toDouble(hf);
                        headGrads.get(j).set(hf);
                    }
                    ex.forward(true);
                    double[][] val = d.eval(x);
                    for (int j = 0; j < d.heads.length; j++)
                        assertClose("graph " + t + " round " + round + " output " + j, val[d.heads[j]], ex.outputs().get(j).toArray(), 1e-4, 1e-5);
                    ex.backward(headGrads);
                    for (int i = 0; i < VARS; i++) {
                        String name = "x" + i;
                        if (!args.containsKey(name)) continue;
                        double[] numeric = new double[N];
                        for (int k = 0; k < N; k++) {
                            double eps = 1e-6, keep = x[i][k];
                            x[i][k] = keep + eps;
                            double up = d.objective(x, h);
                            x[i][k] = keep - eps;
                            double down = d.objective(x, h);
                            x[i][k] = keep;
                            numeric[k] = (up - down) / (2 * eps);
                        }
                        String req = reqs.get(name);
                        double[] expected = switch (req) {
                            case "write" -> numeric;
                            case "add" -> {
                                for (int k = 0; k < N; k++) accumulated[i][k] += numeric[k];
                                yield accumulated[i].clone();
                            }
                            default -> new double[N];   // untouched zeros
                        };
                        assertClose("graph " + t + " round " + round + " grad " + name + " (" + req + ")\n" + ex.debugStr(),
                                expected, grads.get(name).toArray(), 1e-3, 1e-4);
                    }
                }
            }
        } finally {
            for (NDArray a : owned) a.dispose();
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}

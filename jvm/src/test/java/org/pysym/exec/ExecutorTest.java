package org.pysym.exec;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.arr;
import static org.pysym.TestSupport.assertClose;
import static org.pysym.TestSupport.assertPysymError;
import static org.pysym.TestSupport.uniform;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.Context;
import org.pysym.TestSupport;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.ndarray.NDArray;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/** Binding, forward/backward semantics (MXNet's "Symbol in Pictures"), gradient requests and bind errors. */
public class ExecutorTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    private Symbol A, B, D;

    @Before public void fresh() {
        NameManager.reset();
        A = Symbol.variable("A");
        B = Symbol.variable("B");
        D = Symbol.variable("D");
    }

    private static Map<String, NDArray> map(Object... kv) {
        Map<String, NDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (NDArray) kv[i + 1]);
        return m;
    }

    // ---- Symbol in Pictures -------------------------------------------------------------------

    @Test public void executorForwardPicture() {
        Symbol E = A.mul(B).plus(D);
        try (NDArray a = NDArray.empty(1); NDArray b = NDArray.ones(1); NDArray d = NDArray.ones(1);
             Executor ex = Executor.bind(E, Context.cpu(), map("A", a, "B", b, "D", d), null, null, null)) {
            a.set(10);
            ex.forward(false);
            assertArrayEquals(new float[] {11f}, ex.outputs().get(0).toArray(), 0f);
            assertEquals(11f, ex.outputs().get(0).toScalar(), 0f);
        }
    }

    @Test public void executorMultiOutputPicture() {
        Symbol C = A.mul(B);
        Symbol G = Symbol.group(List.of(C.plus(D), C));
        try (NDArray a = NDArray.empty(1); NDArray b = NDArray.ones(1); NDArray d = NDArray.ones(1);
             Executor ex = Executor.bind(G, null, map("A", a, "B", b, "D", d), null, null, null)) {
            a.set(10);
            ex.forward(false);
            assertEquals(2, ex.outputs().size());
            assertEquals(11f, ex.outputs().get(0).toScalar(), 0f);
            assertEquals(10f, ex.outputs().get(1).toScalar(), 0f);
        }
    }

    @Test public void executorBackwardPicture() {
        Symbol E = A.mul(B).mul(D);
        try (NDArray a = NDArray.ones(1).mulInPlace(10); NDArray b = NDArray.ones(1); NDArray d = NDArray.ones(1).mulInPlace(2);
             NDArray ga = NDArray.empty(1); NDArray ge = NDArray.ones(1).mulInPlace(2);
             Executor ex = Executor.bind(E, Context.cpu(), map("A", a, "B", b, "D", d), map("A", ga), null, null)) {
            ex.forward(false);
            assertEquals(20f, ex.outputs().get(0).toScalar(), 0f);
            ex.backward(ge);
            assertEquals(4f, ga.toScalar(), 0f);
            assertEquals(List.of("write", "null", "null"), ex.gradReqs());
            assertNull(ex.gradDict().get("B"));
            assertSame(ga, ex.gradDict().get("A"));
        }
    }

    @Test public void listFormsFollowListArgumentsOrder() {
        Symbol E = A.mul(B).plus(D);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {3, 4}); NDArray d = arr(new float[] {5, 6});
             NDArray ga = NDArray.zeros(2); NDArray gb = NDArray.zeros(2); NDArray gd = NDArray.zeros(2); NDArray h = arr(new float[] {1, -1});
             Executor ex = Executor.bind(E, null, List.of(a, b, d), Arrays.asList(ga, gb, gd), List.of("write", "write", "write"), List.of())) {
            ex.forward(true);
            assertArrayEquals(new float[] {1 * 3 + 5, 2 * 4 + 6}, ex.outputs().get(0).toArray(), 0f);
            ex.backward(List.of(h));
            assertArrayEquals(new float[] {3, -4}, ga.toArray(), 0f);
            assertArrayEquals(new float[] {1, -2}, gb.toArray(), 0f);
            assertArrayEquals(new float[] {1, -1}, gd.toArray(), 0f);
            assertEquals(List.of("A", "B", "D"), ex.listArguments());
            assertEquals(List.of(a, b, d), ex.argArrays());
        }
    }

    // ---- gradient requests --------------------------------------------------------------------

    @Test public void gradReqAddAccumulatesOverBackwardCalls() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2, 3}); NDArray b = arr(new float[] {4, 5, 6}); NDArray h = arr(new float[] {1, 2, -1});
             NDArray ga = arr(new float[] {100, 100, 100}); NDArray gb = arr(new float[] {0, 0, 0});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga, "B", gb), "add", null)) {
            ex.forward(true);
            ex.backward(h);
            assertArrayEquals(new float[] {100 + 4, 100 + 10, 100 - 6}, ga.toArray(), 0f);
            ex.backward(h);
            assertArrayEquals(new float[] {100 + 8, 100 + 20, 100 - 12}, ga.toArray(), 0f);
            assertArrayEquals(new float[] {2, 8, -6}, gb.toArray(), 0f);
            ex.forward(true);
            ex.backward(h);
            assertArrayEquals(new float[] {100 + 12, 100 + 30, 100 - 18}, ga.toArray(), 0f);
        }
    }

    @Test public void gradReqWriteOverwrites() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {4, 5}); NDArray h = arr(new float[] {1, 1});
             NDArray ga = arr(new float[] {100, 100});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            ex.backward(h);
            ex.backward(h);
            assertArrayEquals(new float[] {4, 5}, ga.toArray(), 0f);
        }
    }

    @Test public void gradReqNullLeavesTheArrayUntouched() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {4, 5}); NDArray h = arr(new float[] {1, 1});
             NDArray ga = arr(new float[] {7, 7}); NDArray gb = arr(new float[] {7, 7});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga, "B", gb), Map.of("A", "null", "B", "write"), null)) {
            ex.forward(true);
            ex.backward(h);
            assertArrayEquals(new float[] {7, 7}, ga.toArray(), 0f);
            assertArrayEquals(new float[] {1, 2}, gb.toArray(), 0f);
            assertEquals(List.of("null", "write"), ex.gradReqs());
        }
    }

    @Test public void gradReqMapDefaultsMissingNamesToNull() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {4, 5}); NDArray h = arr(new float[] {1, 1});
             NDArray ga = arr(new float[] {7, 7}); NDArray gb = arr(new float[] {7, 7});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga, "B", gb), Map.of("B", "add"), null)) {
            ex.forward(true);
            ex.backward(h);
            assertArrayEquals(new float[] {7, 7}, ga.toArray(), 0f);
            assertArrayEquals(new float[] {8, 9}, gb.toArray(), 0f);
        }
    }

    @Test public void allGradReqsNullNeedsNoHeadGradient() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {4, 5}); NDArray ga = arr(new float[] {7, 7});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga), "null", null)) {
            ex.forward(false);
            ex.backward();
            assertArrayEquals(new float[] {7, 7}, ga.toArray(), 0f);
            assertArrayEquals(new float[] {4, 10}, ex.outputs().get(0).toArray(), 0f);
        }
    }

    /** MXNet keeps forward values for backward: a second backward without a forward in between must see them intact. */
    @Test public void backwardTwiceAfterOneForwardThroughADeepChain() {
        Symbol y = A;
        for (int i = 0; i < 4; i++) y = Symbol.create("tanh", Map.of(), y);
        float[] av = {0.3f, -0.7f, 1.1f};
        float[] hv = {1f, 0.5f, -2f};
        double[] once = new double[3];
        for (int i = 0; i < 3; i++) {
            double x = av[i], g = hv[i];
            double[] t = new double[5];
            t[0] = x;
            for (int k = 1; k <= 4; k++) t[k] = Math.tanh(t[k - 1]);
            for (int k = 4; k >= 1; k--) g *= 1 - t[k] * t[k];
            once[i] = g;
        }
        double[] twice = Arrays.stream(once).map(v -> 2 * v).toArray();
        for (String req : List.of("write", "add")) {
            try (NDArray a = arr(av); NDArray h = arr(hv); NDArray ga = NDArray.zeros(3);
                 Executor ex = Executor.bind(y, null, map("A", a), map("A", ga), req, null)) {
                ex.forward(true);
                ex.backward(h);
                assertClose(req + " first backward", once, ga.toArray(), 1e-5, 1e-6);
                ex.backward(h);
                assertClose(req + " second backward", req.equals("add") ? twice : once, ga.toArray(), 1e-5, 1e-6);
            }
        }
    }

    // ---- arguments, outputs, forward kwargs, simpleBind ----------------------------------------

    @Test public void outputsAreTheSameArraysAcrossForwardCalls() {
        Symbol E = A.plus(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {3, 4}); NDArray a2 = arr(new float[] {10, 20});
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), null, null, null)) {
            ex.forward(false);
            NDArray out = ex.outputs().get(0);
            assertArrayEquals(new float[] {4, 6}, out.toArray(), 0f);
            b.set(new float[] {0, 1});
            ex.forward(false);
            assertSame(out, ex.outputs().get(0));
            assertArrayEquals(new float[] {1, 3}, out.toArray(), 0f);
            ex.forward(false, Map.of("A", a2));
            assertArrayEquals(new float[] {10, 21}, out.toArray(), 0f);
            assertArrayEquals("forward kwargs copy into the bound array", new float[] {10, 20}, a.toArray(), 0f);
            assertSame(a, ex.argDict().get("A"));
            assertPysymError(() -> ex.forward(false, Map.of("Z", a2)), "unknown argument 'Z'", "[A, B]");
            try (NDArray wrong = NDArray.ones(3)) {
                assertPysymError(() -> ex.forward(false, Map.of("A", wrong)), "target shape (2)", "(3)");
            }
        }
    }

    @Test public void variableHeadsAndRepeatedHeadsAreCopiedToTheirOutputs() {
        Symbol s = A.mul(B);
        Symbol g = Symbol.group(List.of(s, A, s));
        try (NDArray a = arr(new float[] {2, 3}); NDArray b = arr(new float[] {5, 7}); NDArray ga = NDArray.zeros(2);
             NDArray h0 = arr(new float[] {1, 1}); NDArray h1 = arr(new float[] {10, 10}); NDArray h2 = arr(new float[] {100, 100});
             Executor ex = Executor.bind(g, null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            assertArrayEquals(new float[] {10, 21}, ex.outputs().get(0).toArray(), 0f);
            assertArrayEquals(new float[] {2, 3}, ex.outputs().get(1).toArray(), 0f);
            assertArrayEquals(new float[] {10, 21}, ex.outputs().get(2).toArray(), 0f);
            ex.backward(List.of(h0, h1, h2));
            // d/dA of sum(h0*A*B + h1*A + h2*A*B) = (h0 + h2) * B + h1
            assertArrayEquals(new float[] {101 * 5 + 10, 101 * 7 + 10}, ga.toArray(), 0f);
        }
    }

    @Test public void headsNotDependingOnGradArgumentsNeedNoHeadGradient() {
        Symbol g = Symbol.group(List.of(A.mul(B), Symbol.create("exp", Map.of(), D)));
        try (NDArray a = arr(new float[] {2}); NDArray b = arr(new float[] {5}); NDArray d = arr(new float[] {0});
             NDArray ga = NDArray.zeros(1); NDArray h = arr(new float[] {3});
             Executor ex = Executor.bind(g, null, map("A", a, "B", b, "D", d), map("A", ga), "write", null)) {
            ex.forward(true);
            assertEquals(1f, ex.outputs().get(1).toScalar(), 0f);
            ex.backward(List.of(h));
            assertEquals(15f, ga.toScalar(), 0f);
            try (NDArray ignored = arr(new float[] {1000})) {
                ex.backward(List.of(h, ignored));   // one per head is accepted too
                assertEquals(15f, ga.toScalar(), 0f);
            }
        }
    }

    @Test public void simpleBindAllocatesZerosAndSkipsDataGradients() {
        Symbol data = Symbol.variable("data");
        Symbol w = Symbol.variable("w");
        Symbol y = data.mul(w).plus(Symbol.variable("bias"));
        long before = org.pysym.memory.TrackingAllocator.liveBytes();
        try (Executor ex = Executor.simpleBind(y, null, "write", Map.of("data", Shape.of(2, 3)))) {
            assertEquals(List.of("data", "w", "bias"), ex.listArguments());
            for (NDArray x : ex.argArrays()) {
                assertEquals(Shape.of(2, 3), x.shape());
                assertArrayEquals(new float[6], x.toArray(), 0f);
            }
            assertNull(ex.gradDict().get("data"));
            assertEquals(Shape.of(2, 3), ex.gradDict().get("w").shape());
            assertEquals(List.of("null", "write", "write"), ex.gradReqs());
            ex.argDict().get("data").set(new float[] {1, 2, 3, 4, 5, 6});
            ex.argDict().get("w").set(2);
            ex.argDict().get("bias").set(0.5);
            ex.forward(true);
            assertArrayEquals(new float[] {2.5f, 4.5f, 6.5f, 8.5f, 10.5f, 12.5f}, ex.outputs().get(0).toArray(), 0f);
            try (NDArray h = NDArray.ones(Shape.of(2, 3))) {
                ex.backward(h);
            }
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ex.gradDict().get("w").toArray(), 0f);
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, ex.gradDict().get("bias").toArray(), 0f);
        }
        assertTrue("simpleBind arrays are owned and freed by the executor", org.pysym.memory.TrackingAllocator.liveBytes() <= before);
    }

    @Test public void simpleBindNeedsEnoughShapes() {
        Symbol y = Symbol.group(List.of(A.plus(B), D));
        assertPysymError(() -> Executor.simpleBind(y, null, "write", Map.of("A", Shape.of(2))), "cannot decide the shapes of [D]");
        assertPysymError(() -> Executor.simpleBind(y, null, "sometimes", Map.of("A", Shape.of(2), "D", Shape.of(1))), "grad_req 'sometimes'");
    }

    @Test public void largeArraysTakeTheParallelPath() {
        int n = 200_000;
        float[] av = uniform(1, n, -1, 1), bv = uniform(2, n, -1, 1);
        try (NDArray a = arr(av); NDArray b = arr(bv); NDArray ga = NDArray.zeros(n); NDArray h = NDArray.ones(n);
             Executor ex = Executor.bind(Symbol.create("tanh", Map.of(), A.mul(B)), null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            ex.backward(h);
            double[] y = new double[n], g = new double[n];
            for (int i = 0; i < n; i++) {
                double t = Math.tanh((double) av[i] * bv[i]);
                y[i] = t;
                g[i] = (1 - t * t) * bv[i];
            }
            assertClose("tanh(a*b)", y, ex.outputs().get(0).toArray(), 1e-5, 1e-6);
            assertClose("d tanh(a*b) / da", g, ga.toArray(), 1e-5, 1e-6);
        }
    }

    @Test public void aBareVariableAndHeadGradientAccumulation() {
        try (NDArray a = arr(new float[] {1, 2}); NDArray ga = arr(new float[] {10, 10}); NDArray h = arr(new float[] {3, 4});
             Executor ex = Executor.bind(A, null, map("A", a), map("A", ga), "add", null)) {
            ex.forward(false);
            assertArrayEquals(new float[] {1, 2}, ex.outputs().get(0).toArray(), 0f);
            ex.backward(h);
            ex.backward(h);
            assertArrayEquals(new float[] {16, 18}, ga.toArray(), 0f);
        }
        // d(A+B)/dA is the head gradient itself, accumulated straight from the caller's array
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {1, 2}); NDArray ga = arr(new float[] {1, 1});
             NDArray h = arr(new float[] {3, 4}); NDArray h2 = arr(new float[] {-1, -1});
             Executor ex = Executor.bind(A.plus(B), null, map("A", a, "B", b), map("A", ga), "add", null)) {
            ex.forward(true);
            ex.backward(h);
            ex.backward(h2);
            assertArrayEquals(new float[] {3, 4}, ga.toArray(), 0f);
        }
    }

    @Test public void emptyAndZeroDimensionalArrays() {
        Symbol y = Symbol.create("tanh", Map.of(), A.mul(B));
        try (NDArray a = NDArray.zeros(0, 3); NDArray b = NDArray.zeros(0, 3); NDArray ga = NDArray.zeros(0, 3); NDArray h = NDArray.zeros(0, 3);
             Executor ex = Executor.bind(y, null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            ex.backward(h);
            assertEquals(Shape.of(0, 3), ex.outputs().get(0).shape());
            assertEquals(0, ex.outputs().get(0).toArray().length);
        }
        try (NDArray a = NDArray.full(Shape.of(), 0.5, null, null); NDArray b = NDArray.full(Shape.of(), 2, null, null);
             NDArray ga = NDArray.zeros(Shape.of()); NDArray h = NDArray.ones(Shape.of());
             Executor ex = Executor.bind(y, null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            ex.backward(h);
            assertEquals(Shape.of(), ex.outputs().get(0).shape());
            assertEquals(Math.tanh(1.0), ex.outputs().get(0).toArray()[0], 1e-6);
            assertEquals(2 * (1 - Math.tanh(1.0) * Math.tanh(1.0)), ga.toArray()[0], 1e-6);
        }
    }

    @Test public void deepChainsBindAndRun() {
        Symbol y = A;
        for (int i = 0; i < 3000; i++) y = y.plus(1);
        try (NDArray a = arr(new float[] {1, 2}); NDArray ga = NDArray.zeros(2); NDArray h = arr(new float[] {2, 3});
             Executor ex = Executor.bind(y, null, map("A", a), map("A", ga), "write", null)) {
            ex.forward(true);
            ex.backward(h);
            assertArrayEquals(new float[] {3001, 3002}, ex.outputs().get(0).toArray(), 0f);
            assertArrayEquals(new float[] {2, 3}, ga.toArray(), 0f);
        }
    }

    /** The Cleaner backstop: an executor and arrays nobody disposed are freed once unreachable. */
    @Test public void unreachableExecutorsAreFreedByTheCleaner() throws InterruptedException {
        long before = org.pysym.memory.TrackingAllocator.liveBytes();
        bindAndDrop();
        long deadline = System.currentTimeMillis() + 10_000;
        while (org.pysym.memory.TrackingAllocator.liveBytes() > before && System.currentTimeMillis() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue("the Cleaner did not free an unreachable executor and its arrays",
                org.pysym.memory.TrackingAllocator.liveBytes() <= before);
    }

    private void bindAndDrop() {
        NDArray a = NDArray.ones(1000), b = NDArray.ones(1000), ga = NDArray.zeros(1000), h = NDArray.ones(1000);
        Executor ex = Executor.bind(Symbol.create("exp", Map.of(), A.mul(B)), null, map("A", a, "B", b), map("A", ga), "write", null);
        ex.forward(true);
        ex.backward(h);
        assertEquals((float) Math.E, ga.toArray()[0], 1e-5f);
    }

    /** MXNet Scala's bind(Map) looks every listArguments() position up by name, so same-named variables share an array. */
    @Test public void sameNamedVariablesBindByName() {
        Symbol y = Symbol.variable("x").mul(Symbol.variable("x"));
        assertEquals(List.of("x", "x"), y.listArguments());
        try (NDArray x = arr(new float[] {3, 4}); Executor ex = Executor.bind(y, null, map("x", x), null, null, null)) {
            ex.forward(false);
            assertArrayEquals(new float[] {9, 16}, ex.outputs().get(0).toArray(), 0f);
        }
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test public void bindErrorsNameTheProblem() {
        Symbol E = A.plus(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {1, 2}); NDArray b3 = arr(new float[] {1, 2, 3});
             NDArray g3 = NDArray.zeros(3); NDArray f64 = NDArray.array(new double[] {1, 2}, null, null, DType.Float64)) {
            assertPysymError(() -> Executor.bind(E, null, map("A", a), null, null, null), "no NDArray given for 'B'");
            assertPysymError(() -> Executor.bind(E, null, List.of(a), null, null, null), "Length of args", "expected 2", "got 1");
            assertPysymError(() -> Executor.bind(E, null, Arrays.asList(a, null), null, null, null), "no NDArray given for 'B'");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b, "C", b), null, null, null), "'C' is not an argument");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b3), null, null, null), "Shape inconsistent");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b), map("A", g3), null, null),
                    "gradient array for 'A'", "(3)", "(2)");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b), map("A", a), "sometimes", null),
                    "grad_req 'sometimes'", "'A'", "null, write, add");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b), null, Map.of("Z", "write"), null), "gradReq", "'Z'");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b), null, List.of("write"), null), "gradReq list has 1 entries");
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", f64), null, null, null), "'B'", "float64");
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("A", a);
            raw.put("B", "x");
            assertPysymError(() -> Executor.bind(E, null, raw, null, null, null), "'B'", "must be an NDArray");
            assertPysymError(() -> Executor.bind(E, null, null, null, null, null), "args must be provided");
            assertPysymError(() -> Executor.bind(E, null, 42, null, null, null), "list or a map");
        }
    }

    @Test public void backwardErrorsNameTheProblem() {
        Symbol E = A.mul(B);
        try (NDArray a = arr(new float[] {1, 2}); NDArray b = arr(new float[] {3, 4}); NDArray ga = NDArray.zeros(2);
             NDArray h3 = NDArray.ones(3); NDArray h = NDArray.ones(2); NDArray h64 = NDArray.array(new double[] {1, 1}, null, null, DType.Float64);
             Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga), "write", null)) {
            ex.forward(true);
            assertPysymError(ex::backward, "expected 1 head gradients", "got 0");
            assertPysymError(() -> ex.backward(List.of(h, h)), "expected 1 head gradients", "got 2");
            assertPysymError(() -> ex.backward(h3), "head gradient 0 has shape (3), expected (2)", "_mul0_output");
            assertPysymError(() -> ex.backward(h64), "float64");
            assertPysymError(() -> ex.backward(Arrays.asList((NDArray) null)), "head gradient 0 is missing");
            ex.backward(h);
            assertArrayEquals(new float[] {3, 4}, ga.toArray(), 0f);
        }
    }

    @Test public void disposedArraysAndExecutorsRaiseInsteadOfCrashing() {
        Symbol E = A.mul(B);
        NDArray a = arr(new float[] {1, 2});
        try (NDArray b = arr(new float[] {3, 4}); NDArray ga = NDArray.zeros(2); NDArray h = NDArray.ones(2)) {
            Executor ex = Executor.bind(E, null, map("A", a, "B", b), map("A", ga), "write", null);
            ex.forward(true);
            a.dispose();
            assertPysymError(() -> ex.forward(true), "argument 'A' has been disposed");
            assertPysymError(() -> ex.backward(h), "argument 'A' has been disposed");
            NDArray out = ex.outputs().get(0);
            ex.dispose();
            assertTrue(ex.isDisposed());
            assertPysymError(() -> ex.forward(true), "Executor has been disposed");
            assertPysymError(out::toArray, "disposed");
            ex.dispose();   // idempotent

            NDArray h2 = NDArray.ones(2);
            try (NDArray a2 = arr(new float[] {1, 2}); Executor ex2 = Executor.bind(E, null, map("A", a2, "B", b), map("A", ga), "write", null)) {
                ex2.forward(true);
                h2.dispose();
                assertPysymError(() -> ex2.backward(h2), "disposed");
            }
            assertPysymError(() -> Executor.bind(E, null, map("A", a, "B", b), null, null, null), "'A' has been disposed");
        }
    }

    @Test public void debugStrListsThePlan() {
        Symbol E = A.mul(B).plus(D);
        try (NDArray a = NDArray.ones(4); NDArray b = NDArray.ones(4); NDArray d = NDArray.ones(4); NDArray ga = NDArray.zeros(4);
             Executor ex = Executor.bind(E, null, map("A", a, "B", b, "D", d), map("A", ga), "write", null)) {
            String s = ex.debugStr();
            assertTrue(s, s.startsWith("MemoryPlan pool="));
            assertTrue(s, s.contains("forward steps=2"));
            assertTrue(s, s.contains("0: OP node"));
            assertTrue(s, s.contains("OUTPUT#0"));
            assertTrue(s, s.contains("GRAD#0"));
            assertEquals(s, 1 + 3, s.split("\n").length);   // header, two forward ops, one backward op
        }
    }

    @Test public void contextPrintsAsMXNet() {
        assertEquals("cpu(0)", Context.cpu().toString());
        assertPysymError(() -> new Context("gpu", 0), "gpu", "cpu only");
    }
}

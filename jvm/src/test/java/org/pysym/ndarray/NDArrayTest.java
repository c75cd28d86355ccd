package org.pysym.ndarray;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.pysym.TestSupport.arr;
import static org.pysym.TestSupport.assertClose;
import static org.pysym.TestSupport.assertPysymError;
import static org.pysym.TestSupport.uniform;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.Context;
import org.pysym.TestSupport;
import org.pysym.op.DType;
import org.pysym.op.Shape;

public class NDArrayTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    @Test public void creation() {
        try (NDArray z = NDArray.zeros(2, 3); NDArray o = NDArray.ones(Shape.of(4)); NDArray f = NDArray.full(Shape.of(3), 2.5, null, null);
             NDArray e = NDArray.empty(5)) {
            assertEquals(Shape.of(2, 3), z.shape());
            assertEquals(6, z.size());
            assertEquals(DType.Float32, z.dtype());
            assertEquals(24, z.byteSize());
            assertEquals(Context.cpu(), z.context());
            assertArrayEquals(new float[6], z.toArray(), 0f);
            assertArrayEquals(new float[] {1, 1, 1, 1}, o.toArray(), 0f);
            assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, f.toArray(), 0f);
            assertEquals(5, e.toArray().length);
            assertEquals(0, e.address() % 64);
        }
    }

    @Test public void arange() {
        try (NDArray a = NDArray.arange(0, 5.0, 1, 1, null, null); NDArray b = NDArray.arange(3, null, 1, 1, null, null);
             NDArray c = NDArray.arange(1, 2.0, 0.25, 2, null, null); NDArray d = NDArray.arange(5, 0.0, -2, 1, null, DType.Float64)) {
            assertArrayEquals(new float[] {0, 1, 2, 3, 4}, a.toArray(), 0f);
            assertArrayEquals(new float[] {0, 1, 2}, b.toArray(), 0f);
            assertArrayEquals(new float[] {1, 1, 1.25f, 1.25f, 1.5f, 1.5f, 1.75f, 1.75f}, c.toArray(), 0f);
            assertArrayEquals(new double[] {5, 3, 1}, d.toFloat64Array(), 0);
            assertEquals(DType.Float64, d.dtype());
        }
        assertPysymError(() -> NDArray.arange(0, 1.0, 0, 1, null, null), "step must be non-zero");
    }

    @Test public void setCopyAndConvert() {
        try (NDArray a = arr(new float[] {1, 2, 3, 4}, 2, 2); NDArray b = NDArray.zeros(2, 2); NDArray c = NDArray.zeros(4)) {
            a.copyTo(b);
            assertArrayEquals(new float[] {1, 2, 3, 4}, b.toArray(), 0f);
            b.set(new float[] {5, 6, 7, 8});
            assertArrayEquals(new float[] {1, 2, 3, 4}, a.toArray(), 0f);
            try (NDArray copy = b.copy()) {
                b.set(0);
                assertArrayEquals(new float[] {5, 6, 7, 8}, copy.toArray(), 0f);
            }
            assertArrayEquals(new float[] {0, 0, 0, 0}, b.toArray(), 0f);
            assertPysymError(() -> a.copyTo(c), "target shape (4)", "(2,2)");
            assertPysymError(() -> a.set(new float[] {1}), "got 1 values", "(2,2)");
            assertPysymError(a::toScalar, "not a scalar");
        }
    }

    @Test public void otherDTypesStoreExactValues() {
        double[] v = {-3, 0.5, 2, 100};
        try (NDArray f64 = NDArray.array(v, null, null, DType.Float64); NDArray f16 = NDArray.array(v, null, null, DType.Float16);
             NDArray i32 = NDArray.array(v, null, null, DType.Int32); NDArray u8 = NDArray.array(new double[] {0, 200, 255}, null, null, DType.UInt8);
             NDArray i8 = NDArray.array(new double[] {-128, 5, 127}, null, null, DType.Int8);
             NDArray i64 = NDArray.array(new double[] {1L << 40, -7}, null, null, DType.Int64)) {
            assertArrayEquals(v, f64.toFloat64Array(), 0);
            assertArrayEquals(v, f16.toFloat64Array(), 0);
            assertArrayEquals(new double[] {-3, 0, 2, 100}, i32.toFloat64Array(), 0);
            assertArrayEquals(new double[] {0, 200, 255}, u8.toFloat64Array(), 0);
            assertArrayEquals(new double[] {-128, 5, 127}, i8.toFloat64Array(), 0);
            assertArrayEquals(new double[] {1L << 40, -7}, i64.toFloat64Array(), 0);
            assertEquals(8, f16.byteSize());
            f64.set(1.25);
            assertArrayEquals(new double[] {1.25, 1.25, 1.25, 1.25}, f64.toFloat64Array(), 0);
            f16.set(new float[] {0.1f, 1, 2, 3});
            assertEquals(0.0999755859375, f16.toFloat64Array()[0], 0);   // nearest binary16 to 0.1
            i32.set(7);
            assertArrayEquals(new float[] {7, 7, 7, 7}, i32.toArray(), 0f);
            assertPysymError(() -> f64.plus(f64), "float32");   // kernels are float32-only: an error, not a crash
        }
        // the native fill rounds to binary16 as Half does: nearest even, subnormals, overflow to infinity
        try (NDArray h = NDArray.full(Shape.of(4), 0.1, null, DType.Float16)) {
            assertEquals(0.0999755859375, h.toFloat64Array()[0], 0);
            h.set(1e-6);
            assertEquals(17 * 0x1p-24, h.toFloat64Array()[1], 0);   // 1e-6 / 2^-24 = 16.78 -> 17
            h.set(65520);
            assertEquals(Double.POSITIVE_INFINITY, h.toFloat64Array()[2], 0);
            h.set(2049);
            assertEquals(2048, h.toFloat64Array()[3], 0);
        }
    }

    @Test public void toStringAsMXNetScala() {
        try (NDArray a = arr(new float[] {1, 2, 3, 4, 5, 6}, 2, 3); NDArray b = arr(new float[] {1.5f, -2})) {
            assertEquals("[\n [1.0,2.0,3.0]\n [4.0,5.0,6.0]\n]\n<NDArray (2,3) cpu(0) float32>", a.toString());
            assertEquals("[1.5,-2.0]\n<NDArray (2) cpu(0) float32>", b.toString());
        }
    }

    private static void binaryCase(String name, BiFunction<NDArray, NDArray, NDArray> f, DoubleBinaryOperator ref, double lo2, int n) {
        float[] x = uniform(name.hashCode(), n, -2, 2), y = uniform(name.hashCode() + 1, n, lo2, 2);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = ref.applyAsDouble(x[i], y[i]);
        try (NDArray a = arr(x); NDArray b = arr(y); NDArray r = f.apply(a, b)) {
            assertClose(name, expected, r.toArray(), 2e-6, 1e-6);
            assertArrayEquals("inputs unchanged", x, a.toArray(), 0f);
        }
    }

    private static void unaryCase(String name, Function<NDArray, NDArray> f, DoubleUnaryOperator ref, double lo, double hi, int n) {
        float[] x = uniform(name.hashCode(), n, lo, hi);
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = ref.applyAsDouble(x[i]);
        try (NDArray a = arr(x); NDArray r = f.apply(a)) {
            assertClose(name, expected, r.toArray(), 2e-6, 1e-6);
        }
    }

    @Test public void arithmeticMatchesPlainJava() {
        for (int n : new int[] {7, 100_000}) {
            binaryCase("plus", NDArray::plus, Double::sum, -2, n);
            binaryCase("minus", NDArray::minus, (p, q) -> p - q, -2, n);
            binaryCase("mul", NDArray::mul, (p, q) -> p * q, -2, n);
            binaryCase("div", NDArray::div, (p, q) -> p / q, 0.5, n);
            binaryCase("maximum", NDArray::maximum, Math::max, -2, n);
            binaryCase("minimum", NDArray::minimum, Math::min, -2, n);
            unaryCase("pow", a -> { try (NDArray e = NDArray.full(a.shape(), 1.5, null, null)) { return a.pow(e); } },
                    v -> Math.pow(v, 1.5), 0.5, 2, n);
            unaryCase("plus 2", a -> a.plus(2), v -> v + 2, -2, 2, n);
            unaryCase("minus 2", a -> a.minus(2), v -> v - 2, -2, 2, n);
            unaryCase("rminus 2", a -> a.rminus(2), v -> 2 - v, -2, 2, n);
            unaryCase("mul 3", a -> a.mul(3), v -> v * 3, -2, 2, n);
            unaryCase("div 4", a -> a.div(4), v -> v / 4, -2, 2, n);
            unaryCase("rdiv 3", a -> a.rdiv(3), v -> 3 / v, 0.5, 2, n);
            unaryCase("pow 2", a -> a.pow(2), v -> v * v, -2, 2, n);
            unaryCase("rpow 3", a -> a.rpow(3), v -> Math.pow(3, v), -2, 2, n);
            unaryCase("maximum 0.5", a -> a.maximum(0.5), v -> Math.max(v, 0.5), -2, 2, n);
            unaryCase("minimum 0.5", a -> a.minimum(0.5), v -> Math.min(v, 0.5), -2, 2, n);
            unaryCase("negate", NDArray::negate, v -> -v, -2, 2, n);
            unaryCase("exp", a -> a.apply("exp"), Math::exp, -2, 2, n);
            unaryCase("log", a -> a.apply("log"), Math::log, 0.1, 3, n);
            unaryCase("sqrt", a -> a.apply("sqrt"), Math::sqrt, 0, 3, n);
            unaryCase("square", a -> a.apply("square"), v -> v * v, -2, 2, n);
            unaryCase("abs", a -> a.apply("abs"), Math::abs, -2, 2, n);
            unaryCase("tanh", a -> a.apply("tanh"), Math::tanh, -3, 3, n);
            unaryCase("sigmoid", a -> a.apply("sigmoid"), v -> 1 / (1 + Math.exp(-v)), -5, 5, n);
            unaryCase("relu", a -> a.apply("relu"), v -> Math.max(v, 0), -2, 2, n);
            unaryCase("negative", a -> a.apply("negative"), v -> -v, -2, 2, n);
        }
    }

    @Test public void inPlaceArithmeticWritesIntoTheReceiver() {
        try (NDArray a = arr(new float[] {1, 2, 3}); NDArray b = arr(new float[] {10, 20, 30})) {
            assertSame(a, a.plusInPlace(b));
            assertArrayEquals(new float[] {11, 22, 33}, a.toArray(), 0f);
            a.minusInPlace(b).mulInPlace(b).divInPlace(b);
            assertArrayEquals(new float[] {1, 2, 3}, a.toArray(), 0f);
            a.plusInPlace(1).mulInPlace(2).minusInPlace(2).divInPlace(4).powInPlace(2);
            assertArrayEquals(new float[] {0.25f, 1, 2.25f}, a.toArray(), 0f);
            try (NDArray two = NDArray.full(Shape.of(3), 2, null, null)) {
                a.powInPlace(two);
            }
            assertArrayEquals(new float[] {0.0625f, 1, 5.0625f}, a.toArray(), 0f);
            assertArrayEquals(new float[] {10, 20, 30}, b.toArray(), 0f);
        }
    }

    @Test public void imperativeErrors() {
        try (NDArray a = NDArray.ones(2, 3); NDArray b = NDArray.ones(3, 2); NDArray c = NDArray.ones(6)) {
            assertPysymError(() -> a.plus(b), "Shape inconsistent");
            assertPysymError(() -> a.plusInPlace(c), "Shape inconsistent");
            assertPysymError(() -> a.apply("no_such_op"), "Unknown operator 'no_such_op'");
            assertPysymError(() -> Imperative.invoke("_plus_scalar", Map.of("scalr", 1), null, a), "Cannot find argument 'scalr'");
            assertPysymError(() -> Imperative.invoke("_backward_div", Map.of(), null, a, a, a), "cannot run imperatively");
        }
    }

    @Test public void reshapeAndSliceAreViewsSharingMemory() {
        try (NDArray a = arr(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)) {
            try (NDArray r = a.reshape(new int[] {2, -1}); NDArray r3 = a.reshape(new int[] {0, -1, 2}); NDArray s = a.slice(1, 3);
                 NDArray row = a.at(2); NDArray one = a.slice(0); NDArray empty = a.slice(1, 1)) {
                assertEquals(Shape.of(2, 6), r.shape());
                assertEquals(Shape.of(3, 2, 2), r3.shape());
                assertArrayEquals(a.toArray(), r.toArray(), 0f);
                assertEquals(Shape.of(2, 4), s.shape());
                assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 11}, s.toArray(), 0f);
                assertEquals(Shape.of(4), row.shape());
                assertArrayEquals(new float[] {8, 9, 10, 11}, row.toArray(), 0f);
                assertEquals(Shape.of(1, 4), one.shape());
                assertEquals(Shape.of(0, 4), empty.shape());
                assertEquals(0, empty.toArray().length);
                s.set(new float[] {40, 50, 60, 70, 80, 90, 100, 110});
                assertArrayEquals(new float[] {0, 1, 2, 3, 40, 50, 60, 70, 80, 90, 100, 110}, a.toArray(), 0f);
                assertEquals(80f, row.toArray()[0], 0f);
                r.mulInPlace(0);
                assertArrayEquals(new float[12], a.toArray(), 0f);
                try (NDArray sub = s.slice(1, 2)) {
                    sub.set(new float[] {1, 2, 3, 4});
                }
                assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, a.toArray(), 0f);
            }
            assertPysymError(() -> a.slice(2, 4), "slice [2, 4) out of range", "length 3");
            assertPysymError(() -> a.slice(2, 1), "out of range");
            assertPysymError(() -> a.reshape(new int[] {5}), "Reshape of (3,4)");
        }
    }
}

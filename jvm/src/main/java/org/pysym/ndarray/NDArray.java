package org.pysym.ndarray;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Map;
import org.pysym.Context;
import org.pysym.PysymError;
import org.pysym.memory.Lease;
import org.pysym.memory.NativeBuffer;
import org.pysym.nativeio.Native;
import org.pysym.op.DType;
import org.pysym.op.Half;
import org.pysym.op.ReshapeSpec;
import org.pysym.op.Shape;

/**
 * A dense array in 64-byte aligned native memory. Each NDArray holds one reference to its
 * buffer (views such as slices and reshapes hold their own), released by dispose()/close(), or
 * by a Cleaner as a backstop. Using a disposed NDArray is an error, never a crash.
 */
public final class NDArray implements AutoCloseable {
    private final NativeBuffer buffer;
    private final long offset;
    private final Shape shape;
    private final DType dtype;
    private final Context context;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean disposed;

    /** Takes over one (already counted) reference to buffer. */
    private NDArray(NativeBuffer buffer, long offset, Shape shape, DType dtype, Context context) {
        this.buffer = buffer;
        this.offset = offset;
        this.shape = shape;
        this.dtype = dtype;
        this.context = context == null ? Context.cpu() : context;
        this.cleanable = buffer.registerOwner(this);
    }

    // ---- creation ------------------------------------------------------------------------

    public static NDArray empty(Shape shape, Context ctx, DType dtype) {
        PysymError.require(shape != null, "NDArray shape must be given");
        DType t = dtype == null ? DType.Float32 : dtype;
        return new NDArray(NativeBuffer.allocate(shape.size() * t.bytes), 0, shape, t, ctx);
    }

    public static NDArray empty(Shape shape) { return empty(shape, null, DType.Float32); }
    public static NDArray empty(int... dims) { return empty(Shape.of(dims)); }

    public static NDArray full(Shape shape, double value, Context ctx, DType dtype) {
        NDArray a = empty(shape, ctx, dtype);
        return a.set(value);
    }

    public static NDArray zeros(Shape shape, Context ctx, DType dtype) { return full(shape, 0, ctx, dtype); }
    public static NDArray zeros(Shape shape) { return zeros(shape, null, null); }
    public static NDArray zeros(int... dims) { return zeros(Shape.of(dims)); }
    public static NDArray ones(Shape shape, Context ctx, DType dtype) { return full(shape, 1, ctx, dtype); }
    public static NDArray ones(Shape shape) { return ones(shape, null, null); }
    public static NDArray ones(int... dims) { return ones(Shape.of(dims)); }

    /** Copies data in; data.length must equal shape.size(). */
    public static NDArray array(float[] data, Shape shape, Context ctx) {
        Shape s = shape == null ? Shape.of(data.length) : shape;
        NDArray a = empty(s, ctx, DType.Float32);
        return a.set(data);
    }

    public static NDArray array(double[] data, Shape shape, Context ctx, DType dtype) {
        Shape s = shape == null ? Shape.of(data.length) : shape;
        NDArray a = empty(s, ctx, dtype == null ? DType.Float64 : dtype);
        return a.set(data);
    }

    /** MXNet's arange: start, start+step, ... below stop, each value repeated. */
    public static NDArray arange(double start, Double stop, double step, int repeat, Context ctx, DType dtype) {
        PysymError.require(step != 0, "arange: step must be non-zero");
        PysymError.require(repeat >= 1, "arange: repeat must be >= 1, got %d", repeat);
        double lo = stop == null ? 0 : start, hi = stop == null ? start : stop;
        long n = (long) Math.max(0, Math.ceil((hi - lo) / step));
        PysymError.require(n * repeat <= Integer.MAX_VALUE, "arange: %d elements is too many", n * repeat);
        double[] v = new double[(int) (n * repeat)];
        for (int i = 0; i < n; i++) for (int r = 0; r < repeat; r++) v[i * repeat + r] = lo + i * step;
        return array(v, Shape.of(v.length), ctx, dtype == null ? DType.Float32 : dtype);
    }

    // ---- properties -------------------------------------------------------------------------

    public Shape shape() { return shape; }
    public long size() { return shape.size(); }
    public DType dtype() { return dtype; }
    public Context context() { return context; }
    public boolean isDisposed() { return disposed; }
    public long byteSize() { return shape.size() * dtype.bytes; }

    /** The data address, for kernels; checked so a disposed array never reaches native code. */
    public long address() {
        PysymError.require(!disposed, "NDArray %s %s has been disposed", shape, dtype);
        return buffer.address() + offset;
    }

    /** A zero-copy borrow of this array's memory that outlives dispose() until closed. */
    public Lease lease() { return new Lease(buffer, address(), byteSize()); }

    public void dispose() {
        if (!disposed) {
            disposed = true;
            cleanable.clean();
        }
    }

    @Override public void close() { dispose(); }

    private ByteBuffer bytes() { return Native.wrap(address(), Math.max(byteSize(), 1)); }

    // ---- contents ---------------------------------------------------------------------------

    public NDArray set(double value) {
        return Imperative.invoke("_full_like", Map.of("value", value), this, this);
    }

    public NDArray set(float[] data) {
        PysymError.require(data.length == size(), "set: got %d values for an NDArray of shape %s (%d elements)",
                data.length, shape, size());
        ByteBuffer b = bytes();
        switch (dtype) {
            case Float32 -> b.asFloatBuffer().put(data);
            default -> {
                double[] d = new double[data.length];
                for (int i = 0; i < d.length; i++) d[i] = data[i];
                return set(d);
            }
        }
        return this;
    }

    public NDArray set(double[] data) {
        PysymError.require(data.length == size(), "set: got %d values for an NDArray of shape %s (%d elements)",
                data.length, shape, size());
        ByteBuffer b = bytes();
        for (int i = 0; i < data.length; i++) {
            double v = data[i];
            switch (dtype) {
                case Float32 -> b.putFloat(4 * i, (float) v);
                case Float64 -> b.putDouble(8 * i, v);
                case Int32 -> b.putInt(4 * i, (int) v);
                case Int64 -> b.putLong(8 * i, (long) v);
                case UInt8, Int8 -> b.put(i, (byte) v);
                case Float16 -> b.putShort(2 * i, Half.fromFloat((float) v));
            }
        }
        return this;
    }

    public NDArray set(NDArray other) { other.copyTo(this); return this; }

    public NDArray copyTo(NDArray other) {
        PysymError.require(other.shape.equals(shape), "copyTo: target shape %s does not match source shape %s", other.shape, shape);
        PysymError.require(other.dtype == dtype, "copyTo: target dtype %s does not match source dtype %s", other.dtype, dtype);
        if (other != this) Native.copy(other.address(), address(), byteSize());
        return other;
    }

    public NDArray copyTo(Context ctx) { return copy(); }

    public NDArray copy() {
        NDArray a = empty(shape, context, dtype);
        return copyTo(a);
    }

    /** The values, flattened, as float32 (MXNet Scala's toArray). */
    public float[] toArray() {
        float[] out = new float[(int) size()];
        ByteBuffer b = bytes();
        if (dtype == DType.Float32) b.asFloatBuffer().get(out);
        else {
            double[] d = toFloat64Array();
            for (int i = 0; i < out.length; i++) out[i] = (float) d[i];
        }
        return out;
    }

    public double[] toFloat64Array() {
        double[] out = new double[(int) size()];
        ByteBuffer b = bytes();
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case Float32 -> b.getFloat(4 * i);
                case Float64 -> b.getDouble(8 * i);
                case Int32 -> b.getInt(4 * i);
                case Int64 -> b.getLong(8 * i);
                case UInt8 -> b.get(i) & 0xff;
                case Int8 -> b.get(i);
                case Float16 -> Half.toFloat(b.getShort(2 * i));
            };
        }
        return out;
    }

    public float toScalar() {
        PysymError.require(shape.equals(Shape.of(1)), "The current array is not a scalar: its shape is %s, expected (1)", shape);
        return toArray()[0];
    }

    // ---- views --------------------------------------------------------------------------------

    private NDArray view(long byteOffset, Shape s) {
        address();
        buffer.retain();
        return new NDArray(buffer, offset + byteOffset, s, dtype, context);
    }

    /** A view with MXNet's reshape codes (0, -1, -2, -3, -4); shares memory. */
    public NDArray reshape(int[] spec) { return view(0, ReshapeSpec.resolve(shape, spec, false)); }

    public NDArray reshape(Shape s) { return reshape(s.toArray()); }

    /** Rows [start, stop) along the first axis; shares memory. */
    public NDArray slice(int start, int stop) {
        PysymError.require(shape.ndim() >= 1, "slice: a 0-d array cannot be sliced");
        int n = shape.get(0);
        PysymError.require(0 <= start && start <= stop && stop <= n, "slice [%d, %d) out of range for first axis of length %d",
                start, stop, n);
        long row = shape.size() / Math.max(n, 1) * dtype.bytes;
        return view(start * row, shape.withDim(0, stop - start));
    }

    public NDArray slice(int i) { return slice(i, i + 1); }

    /** Row i with the first axis dropped; shares memory. */
    public NDArray at(int i) {
        NDArray s = slice(i, i + 1);
        NDArray v = s.view(0, shape.drop(1));
        s.dispose();
        return v;
    }

    // ---- arithmetic (elementwise; shapes must match, as MXNet's NDArray ops) -----------------

    private NDArray binary(String op, NDArray o, NDArray out) { return Imperative.invoke(op, Map.of(), out, this, o); }
    private NDArray scalar(String op, double v, NDArray out) { return Imperative.invoke(op, Map.of("scalar", v), out, this); }

    public NDArray plus(NDArray o) { return binary("elemwise_add", o, null); }
    public NDArray minus(NDArray o) { return binary("elemwise_sub", o, null); }
    public NDArray mul(NDArray o) { return binary("elemwise_mul", o, null); }
    public NDArray div(NDArray o) { return binary("elemwise_div", o, null); }
    public NDArray pow(NDArray o) { return binary("_power", o, null); }
    public NDArray maximum(NDArray o) { return binary("_maximum", o, null); }
    public NDArray minimum(NDArray o) { return binary("_minimum", o, null); }
    public NDArray plus(double v) { return scalar("_plus_scalar", v, null); }
    public NDArray minus(double v) { return scalar("_minus_scalar", v, null); }
    public NDArray rminus(double v) { return scalar("_rminus_scalar", v, null); }
    public NDArray mul(double v) { return scalar("_mul_scalar", v, null); }
    public NDArray div(double v) { return scalar("_div_scalar", v, null); }
    public NDArray rdiv(double v) { return scalar("_rdiv_scalar", v, null); }
    public NDArray pow(double v) { return scalar("_power_scalar", v, null); }
    public NDArray rpow(double v) { return scalar("_rpower_scalar", v, null); }
    public NDArray maximum(double v) { return scalar("_maximum_scalar", v, null); }
    public NDArray minimum(double v) { return scalar("_minimum_scalar", v, null); }
    public NDArray negate() { return mul(-1.0); }

    public NDArray plusInPlace(NDArray o) { return binary("elemwise_add", o, this); }
    public NDArray minusInPlace(NDArray o) { return binary("elemwise_sub", o, this); }
    public NDArray mulInPlace(NDArray o) { return binary("elemwise_mul", o, this); }
    public NDArray divInPlace(NDArray o) { return binary("elemwise_div", o, this); }
    public NDArray powInPlace(NDArray o) { return binary("_power", o, this); }
    public NDArray plusInPlace(double v) { return scalar("_plus_scalar", v, this); }
    public NDArray minusInPlace(double v) { return scalar("_minus_scalar", v, this); }
    public NDArray mulInPlace(double v) { return scalar("_mul_scalar", v, this); }
    public NDArray divInPlace(double v) { return scalar("_div_scalar", v, this); }
    public NDArray powInPlace(double v) { return scalar("_power_scalar", v, this); }

    /** Applies a registered unary operator (exp, sqrt, relu, ...) and returns a new array. */
    public NDArray apply(String op) { return Imperative.invoke(op, Map.of(), null, this); }

    // ---- printing ---------------------------------------------------------------------------

    /** MXNet Scala's format: nested rows, then <NDArray (2,3) cpu(0) float32>. */
    @Override public String toString() {
        if (disposed) return "<NDArray " + shape + " " + context + " " + dtype + " (disposed)>";
        StringBuilder sb = new StringBuilder();
        double[] v = toFloat64Array();
        format(sb, v, 0, 0, "");
        return sb.append("\n<NDArray ").append(shape).append(' ').append(context).append(' ').append(dtype).append('>').toString();
    }

    private int format(StringBuilder sb, double[] v, int dim, int pos, String indent) {
        if (shape.ndim() == 0) { sb.append(fmt(v[0])); return pos + 1; }
        int n = shape.get(dim);
        if (dim == shape.ndim() - 1) {
            sb.append('[');
            for (int i = 0; i < n; i++) sb.append(i > 0 ? "," : "").append(fmt(v[pos + i]));
            sb.append(']');
            return pos + n;
        }
        sb.append("[\n");
        for (int i = 0; i < n; i++) {
            sb.append(indent).append(' ');
            pos = format(sb, v, dim + 1, pos, indent + " ");
            sb.append('\n');
        }
        sb.append(indent).append(']');
        return pos;
    }

    private String fmt(double d) {
        return dtype == DType.Float32 || dtype == DType.Float16 ? Float.toString((float) d) : Double.toString(d);
    }
}

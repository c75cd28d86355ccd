package org.pysym.op;

import java.util.Arrays;
import org.pysym.PysymError;

/** An immutable tensor shape; prints as MXNet's Scala Shape does: (2,3). */
public final class Shape {
    public static final int MAX_NDIM = 8;
    private final int[] dims;

    private Shape(int[] dims) { this.dims = dims; }

    private static void checkRank(int[] dims) {
        PysymError.require(dims.length <= MAX_NDIM, "shape %s has %d dimensions: at most %d are supported",
                Arrays.toString(dims), dims.length, MAX_NDIM);
    }

    /** A tensor shape: every dimension must be non-negative. */
    /** Element counts stay far from long overflow, so byte sizes (count x 8) are always exact. */
    public static final long MAX_ELEMENTS = 1L << 48;

    public static Shape of(int... dims) {
        long n = 1;
        for (int d : dims) {
            PysymError.require(d >= 0, "shape %s has a negative dimension", Arrays.toString(dims));
            n = d == 0 || n == 0 ? 0 : (n > MAX_ELEMENTS / d ? MAX_ELEMENTS + 1 : n * d);
        }
        PysymError.require(n <= MAX_ELEMENTS, "shape %s has more than 2^48 elements", Arrays.toString(dims));
        checkRank(dims);
        return new Shape(dims.clone());
    }

    /** An integer tuple parameter (Reshape codes, axes): negative entries allowed. */
    public static Shape ofSigned(int... dims) { return new Shape(dims.clone()); }

    public static Shape of(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            PysymError.require(dims[i] >= 0 && dims[i] <= Integer.MAX_VALUE, "shape dimension %d out of range", dims[i]);
            d[i] = (int) dims[i];
        }
        return of(d);
    }

    public int ndim() { return dims.length; }
    public int get(int axis) { return dims[axis]; }
    public int[] toArray() { return dims.clone(); }

    public long size() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    public Shape withDim(int axis, int value) {
        int[] d = dims.clone();
        d[axis] = value;
        return Shape.of(d);
    }

    public Shape drop(int n) { return new Shape(Arrays.copyOfRange(dims, n, dims.length)); }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }
    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(dims[i]);
        }
        return sb.append(')').toString();
    }

    /** MXNet's attribute spelling, as Python writes it: (2, 3) and (5,) for one dim. */
    public String toMXString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(dims[i]);
        }
        if (dims.length == 1) sb.append(',');
        return sb.append(')').toString();
    }
}

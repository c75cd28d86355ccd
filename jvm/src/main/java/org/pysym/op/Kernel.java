package org.pysym.op;

/** How a node runs natively: a kernel name from the C table and its parameters flattened to doubles. */
public record Kernel(String name, Packer packer) {
    @FunctionalInterface
    public interface Packer {
        double[] pack(Params p, Shape[] in, Shape[] out);
    }

    public static final Packer NO_PARAMS = (p, in, out) -> new double[0];

    public static Kernel of(String name) { return new Kernel(name, NO_PARAMS); }
    public static Kernel of(String name, Packer packer) { return new Kernel(name, packer); }
}

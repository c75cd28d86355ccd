package org.pysym.ops;

import org.pysym.op.OpRegistry;

/** The operator catalogue: one class per family, each registering its declarations. */
public final class Catalogue {
    private Catalogue() {}

    public static void registerAll(OpRegistry r) {
        Elementwise.register(r);
        ShapeOps.register(r);
        Reduce.register(r);
        Broadcast.register(r);
        Loss.register(r);
        Dense.register(r);
        Nn.register(r);
    }
}

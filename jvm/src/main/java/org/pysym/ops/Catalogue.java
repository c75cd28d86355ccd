package org.pysym.ops;

import org.pysym.op.OpRegistry;

/** The operator catalogue: one class per family, each registering its declarations. */
public final class Catalogue {
    private Catalogue() {}

    public static void registerAll(OpRegistry r) {
        r.family("Elementwise", Elementwise::register);
        r.family("ShapeOps", ShapeOps::register);
        r.family("Reduce", Reduce::register);
        r.family("Broadcast", Broadcast::register);
        r.family("Loss", Loss::register);
        r.family("Dense", Dense::register);
        r.family("Nn", Nn::register);
    }
}

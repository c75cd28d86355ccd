package org.pysym.format;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.pysym.Context;
import org.pysym.TestSupport;
import org.pysym.exec.Executor;
import org.pysym.op.Shape;

/** An MXNet 1.9.1 checkpoint, loaded and bound for inference in one call from the JVM, gives MXNet's outputs. */
public class CheckpointTest {
    @Rule public final TestSupport.LeakCheck leaks = new TestSupport.LeakCheck();

    private static float[] floats(NDArrayFileTest.Npy n) {
        ByteBuffer b = ByteBuffer.wrap(n.data()).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[n.data().length / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    @Test public void bindForInferenceGivesMXNetOutputs() throws IOException {
        for (String model : new String[] {"mlp", "lenet", "bn_residual"}) {
            Map<String, NDArrayFileTest.Npy> io = NDArrayFileTest.readNpz(new File(NDArrayFileTest.FIXTURES, model + "-io.npz"));
            NDArrayFileTest.Npy data = io.get("arg/data");
            String prefix = new File(NDArrayFileTest.FIXTURES, model).getPath();
            try (Executor ex = Checkpoint.bindForInference(prefix, 0, Context.cpu(), Map.of("data", Shape.of(data.shape())))) {
                ex.argDict().get("data").set(floats(data));
                ex.forward(false);
                float[] want = floats(io.get("out_infer/0"));
                float[] got = ex.outputs().get(0).toArray();
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++)
                    assertEquals(model + " output " + i, want[i], got[i], 1e-5 + 1e-4 * Math.abs(want[i]));
                for (var g : ex.gradDict().values()) assertNull(g);
            }
        }
    }

    @Test public void saveThenLoadRoundTrips() throws IOException {
        String prefix = new File(NDArrayFileTest.FIXTURES, "concat_net").getPath();
        File dir = java.nio.file.Files.createTempDirectory("ck").toFile();
        try (Checkpoint.Loaded a = Checkpoint.load(prefix, 0)) {
            String copy = new File(dir, "copy").getPath();
            Checkpoint.save(copy, 3, a.symbol(), a.argParams(), a.auxParams());
            try (Checkpoint.Loaded b = Checkpoint.load(copy, 3)) {
                assertEquals(a.symbol().toJson(), b.symbol().toJson());
                assertEquals(a.argParams().keySet(), b.argParams().keySet());
                for (String k : a.argParams().keySet())
                    assertArrayEquals(a.argParams().get(k).toArray(), b.argParams().get(k).toArray(), 0f);
            }
        }
    }
}

package org.pysym.viz;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;
import org.pysym.graph.NameManager;
import org.pysym.graph.Symbol;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/** The picture and summary of MXNet's tutorial MLP; expected texts are MXNet 1.9.1's (tests/fixtures/mxnet/viz.json). */
public class VizTest {
    private Symbol mlp;

    @Before public void build() {
        NameManager.reset();
        Symbol fc1 = Symbol.create("FullyConnected", "fc1", null, List.of(Symbol.variable("data")), null, Map.of("num_hidden", 16));
        Symbol relu = Symbol.create("Activation", "relu1", null, List.of(fc1), null, Map.of("act_type", "relu"));
        Symbol fc2 = Symbol.create("FullyConnected", "fc2", null, List.of(relu), null, Map.of("num_hidden", 10));
        mlp = Symbol.create("SoftmaxOutput", "softmax", null, List.of(fc2), null, Map.of());
    }

    private static final String BOX = " fixedsize=true height=0.8034 shape=box style=filled width=1.3]";
    private static final String OVAL = " fixedsize=true height=0.8034 shape=oval style=filled width=1.3]";

    @Test public void plotWithShapesIsMXNets() {
        Dot dot = NetworkPlot.plot(mlp, "plot", Map.of("data", Shape.of(4, 20)), null, null, true);
        assertEquals(String.join("\n",
                "digraph plot {",
                "\tdata [label=data fillcolor=\"#8dd3c7\"" + OVAL,
                "\tfc1 [label=\"FullyConnected\n16\" fillcolor=\"#fb8072\"" + BOX,
                "\trelu1 [label=\"Activation\nrelu\" fillcolor=\"#ffffb3\"" + BOX,
                "\tfc2 [label=\"FullyConnected\n10\" fillcolor=\"#fb8072\"" + BOX,
                "\tsoftmax_label [label=softmax_label fillcolor=\"#8dd3c7\"" + OVAL,
                "\tsoftmax [label=softmax fillcolor=\"#fccde5\"" + BOX,
                "\tfc1 -> data [label=20 arrowtail=open dir=back]",
                "\trelu1 -> fc1 [label=16 arrowtail=open dir=back]",
                "\tfc2 -> relu1 [label=16 arrowtail=open dir=back]",
                "\tsoftmax -> fc2 [label=10 arrowtail=open dir=back]",
                "\tsoftmax -> softmax_label [label=\"\" arrowtail=open dir=back]",
                "}"), dot.source());
    }

    @Test public void weightsShownAsEdgesOnlyAndDtypesOnEdges() {
        String src = NetworkPlot.plot(mlp, "plot", null, Map.of("data", DType.Float64), null, false).source();
        assertTrue(src, src.contains("\tfc1 -> fc1_weight [label=\"(float64)\" arrowtail=open dir=back]"));
        assertTrue(src, !src.contains("\tfc1_weight ["));
    }

    @Test public void summaryIsMXNets() {
        String rule = "_".repeat(80) + "\n";
        String expected = rule
                + "Layer (type)                  Output Shape        Param #     Previous Layer    \n"
                + "=".repeat(80) + "\n"
                + "data(null)                    20                  0                             \n" + rule
                + "fc1(FullyConnected)           16                  336         data              \n" + rule
                + "relu1(Activation)             16                  0           fc1               \n" + rule
                + "fc2(FullyConnected)           10                  170         relu1             \n" + rule
                + "softmax(SoftmaxOutput)        10                  0           fc2               \n"
                + "=".repeat(80) + "\n"
                + "Total params: 506\n" + rule;
        assertEquals(expected, NetworkSummary.text(mlp, Map.of("data", Shape.of(4, 20)), 80, new double[] {30, 50, 62, 80}));
        // relative positions: int(80 * p) as Python truncates
        assertEquals(expected, NetworkSummary.text(mlp, Map.of("data", Shape.of(4, 20)), 80, new double[] {.375, .625, .775, 1}));
    }

    @Test public void quotingFollowsGraphviz() {
        assertEquals("a_1", Dot.quote("a_1"));
        assertEquals("-4.2", Dot.quote("-4.2"));
        assertEquals(".42", Dot.quote(".42"));
        assertEquals("\"4x5\"", Dot.quote("4x5"));
        assertEquals("\"\"", Dot.quote(""));
        assertEquals("\"Node\"", Dot.quote("Node"));
        assertEquals("\"say \\\"hi\\\"\"", Dot.quote("say \"hi\""));
        assertEquals("<<b>x</b>>", Dot.quote("<<b>x</b>>"));
        assertEquals("\"a b\":p:n", Dot.quoteEdge("a b:p:n"));
        assertEquals("a", Dot.quoteEdge("a:"));
    }

    @Test public void badInput() {
        assertPysymError(() -> NetworkPlot.plot(mlp, "p", Map.of(), null, null, true), "Input shape is incomplete");
        assertPysymError(() -> NetworkPlot.plot(null, "p", null, null, null, true), "symbol must be a Symbol");
        Map<String, String> label = new LinkedHashMap<>();
        label.put("label", "x");
        assertPysymError(() -> NetworkPlot.plot(mlp, "p", null, null, label, true), "label argument");
        assertPysymError(() -> NetworkSummary.text(mlp, null, 0, new double[] {1, 2, 3, 4}), "line_length must be positive");
        assertPysymError(() -> NetworkSummary.text(mlp, null, 80, new double[] {1, 2}), "positions needs 4");
        Dot dot = new Dot("g");
        assertPysymError(() -> dot.render("dott", "svg", "g.gv", "/tmp"), "unknown engine 'dott'");
        assertPysymError(() -> dot.render("dot", "svgg", "g.gv", "/tmp"), "unknown format 'svgg'");
        assertPysymError(() -> dot.node(null, null, null), "node name must not be null");
    }

    @Test public void renderWritesSourceAndImage() throws Exception {
        org.junit.Assume.assumeTrue("Graphviz's dot binary is not installed", onPath("dot"));
        Path dir = Files.createTempDirectory("pysym-viz");
        Dot dot = NetworkPlot.plot(mlp, "mlp", Map.of("data", Shape.of(4, 20)), null, null, true);
        String svg = dot.render("dot", "svg", null, dir.toString());
        assertEquals(dir.resolve("mlp.gv.svg").toString(), svg);
        assertEquals(dot.source() + "\n", Files.readString(dir.resolve("mlp.gv")));
        String text = Files.readString(Path.of(svg));
        assertTrue(text, text.contains("<svg") && text.contains(">FullyConnected</text>") && text.contains("<title>fc1&#45;&gt;data</title>"));
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            if (Files.isExecutable(Path.of(d, exe))) return true;
        return false;
    }
}

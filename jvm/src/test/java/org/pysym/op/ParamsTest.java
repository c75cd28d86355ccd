package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.pysym.ops.ShapeRules;

/** Field parsing of MXNet's string spellings and Params validation, on a schema with one field of each kind. */
public class ParamsTest {
    private static final OpDef OP = OpDef.builder("TestOp")
            .param(Field.shapeRequired("kernel", "kernel size"))
            .param(Field.intParam("num_filter", 1, 1, 100, "filters"))
            .param(Field.floatParam("eps", 1e-3, 0.0, 1.0, "epsilon"))
            .param(Field.boolParam("no_bias", false, "no bias"))
            .param(Field.enumParam("act_type", "relu", List.of("relu", "sigmoid", "tanh"), "activation"))
            .param(Field.stringParam("layout", null, "layout"))
            .param(Field.dtypeParam("dtype", DType.Float32, "type"))
            .param(Field.intParam("axis", null, "axis or None"))
            .shape(ShapeRules.SAME).kernel("copy").nonDifferentiable().build();

    private static Params parse(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return Params.parse(OP, m);
    }

    @Test public void parsesMXNetStringSpellings() {
        Params p = parse("kernel", "(5, 5)", "num_filter", "20", "eps", "0.5", "no_bias", "True",
                "act_type", "sigmoid", "layout", "NCHW", "dtype", "float64", "axis", "None");
        assertEquals(Shape.of(5, 5), p.getShape("kernel"));
        assertEquals(20, p.getInt("num_filter"));
        assertEquals(0.5, p.getDouble("eps"), 0);
        assertTrue(p.getBool("no_bias"));
        assertEquals("sigmoid", p.getString("act_type"));
        assertEquals("NCHW", p.getString("layout"));
        assertEquals(DType.Float64, p.getDType("dtype"));
        assertNull(p.get("axis"));
        assertTrue(p.isNone("axis"));
    }

    @Test public void parsesJavaValues() {
        Params p = parse("kernel", new int[] {3, 2}, "num_filter", 7L, "eps", 1, "no_bias", true, "dtype", 4);
        assertEquals(Shape.of(3, 2), p.getShape("kernel"));
        assertEquals(7, p.getInt("num_filter"));
        assertEquals(1.0, p.getDouble("eps"), 0);
        assertTrue(p.getBool("no_bias"));
        assertEquals(DType.Int32, p.getDType("dtype"));
        assertEquals(Shape.of(4), parse("kernel", List.of(4)).getShape("kernel"));
        assertEquals(Shape.of(4), parse("kernel", 4).getShape("kernel"));
        assertEquals(Shape.of(2, 3), parse("kernel", "[2,3]").getShape("kernel"));
        assertEquals(Shape.of(2, 3), parse("kernel", "(2L, 3L)").getShape("kernel"));
        assertEquals(Shape.of(5), parse("kernel", "(5,)").getShape("kernel"));
        assertEquals(3, parse("kernel", "(1,)", "num_filter", 3.0).getInt("num_filter"));
    }

    @Test public void booleanSpellings() {
        for (Object t : new Object[] {"True", "true", "1", 1, true}) assertTrue(String.valueOf(t), parse("kernel", "(1,)", "no_bias", t).getBool("no_bias"));
        for (Object f : new Object[] {"False", "false", "0", 0, false}) assertFalse(String.valueOf(f), parse("kernel", "(1,)", "no_bias", f).getBool("no_bias"));
    }

    @Test public void floatSpecialValues() {
        assertEquals(Double.POSITIVE_INFINITY, Params.parse(OpRegistry.op("_plus_scalar"), Map.of("scalar", "inf")).getDouble("scalar"), 0);
        Params p = Params.parse(OpRegistry.op("_plus_scalar"), Map.of("scalar", "-inf"));
        assertEquals(Double.NEGATIVE_INFINITY, p.getDouble("scalar"), 0);
        assertTrue(Double.isNaN(Params.parse(OpRegistry.op("_plus_scalar"), Map.of("scalar", "nan")).getDouble("scalar")));
    }

    @Test public void defaultsFilledAndOnlyGivenValuesRemembered() {
        Params p = parse("kernel", "(3,3)");
        assertEquals(1, p.getInt("num_filter"));
        assertEquals(1e-3, p.getDouble("eps"), 0);
        assertFalse(p.getBool("no_bias"));
        assertEquals("relu", p.getString("act_type"));
        assertNull(p.get("layout"));
        assertEquals(DType.Float32, p.getDType("dtype"));
        assertEquals(Map.of("kernel", "(3,3)"), p.given());
    }

    @Test public void givenStringsKeepTheirSpellingOtherValuesUsePythonStr() {
        Params p = parse("kernel", new int[] {5}, "no_bias", "1", "eps", "0.25", "num_filter", 4, "act_type", "tanh");
        assertEquals("(5,)", p.given().get("kernel"));
        assertEquals("1", p.given().get("no_bias"));
        assertEquals("0.25", p.given().get("eps"));
        assertEquals("4", p.given().get("num_filter"));
        Params q = parse("kernel", new int[] {2, 3}, "no_bias", true, "eps", 0.5, "dtype", DType.Float16);
        assertEquals("(2, 3)", q.given().get("kernel"));
        assertEquals("True", q.given().get("no_bias"));
        assertEquals("0.5", q.given().get("eps"));
        assertEquals("float16", q.given().get("dtype"));
        assertEquals("None", Field.format(null));
        assertEquals("False", Field.format(false));
    }

    @Test public void floatsFormatAsPythonRepr() {
        double[] v = {1.0, 0.1, -2.5, 1e-5, 0.0001, 1e16, 1e15, 123456.789, 1.0000000000000002, 1e22, -0.0, 0.0,
                Double.POSITIVE_INFINITY, Double.NaN, 1.7976931348623157e308, 3e-7};
        String[] python = {"1.0", "0.1", "-2.5", "1e-05", "0.0001", "1e+16", "1000000000000000.0", "123456.789",
                "1.0000000000000002", "1e+22", "-0.0", "0.0", "inf", "nan", "1.7976931348623157e+308", "3e-07"};
        for (int i = 0; i < v.length; i++) assertEquals("repr of " + v[i], python[i], Field.format(v[i]));
    }

    /** Python's repr is the shortest string that round-trips; Java 17's Double.toString is not always (JDK-4511638, fixed in 19). */
    @Test public void floatsFormatAsPythonReprInHardCases() {
        assertEquals("1e+23", Field.format(1e23));
        assertEquals("2.82879384806159e+17", Field.format(2.82879384806159e17));
        assertEquals("5e-324", Field.format(5e-324));
    }

    @Test public void unknownParameterNamesItAndListsValidOnes() {
        assertPysymError(() -> parse("kernel", "(1,)", "num_filters", 3),
                "Cannot find argument 'num_filters'", "TestOp", "kernel", "num_filter", "act_type", "no_bias");
    }

    @Test public void missingRequiredParameterNamesIt() {
        assertPysymError(() -> parse("num_filter", 3), "Required parameter kernel", "TestOp", "Possible Arguments");
        assertPysymError(() -> Params.parse(OpRegistry.op("add_n"), Map.of()), "num_args", "add_n");
    }

    @Test public void wrongTypedValuesNameTheParameter() {
        assertPysymError(() -> parse("kernel", "(1,)", "num_filter", "abc"), "num_filter", "'abc'", "TestOp", "int");
        assertPysymError(() -> parse("kernel", "(1,)", "num_filter", 2.5), "num_filter", "not an integer");
        assertPysymError(() -> parse("kernel", "(1,)", "no_bias", "yes"), "no_bias", "'yes'", "boolean");
        assertPysymError(() -> parse("kernel", "(1,)", "act_type", "softmax"), "act_type", "'softmax'", "relu", "sigmoid", "tanh");
        assertPysymError(() -> parse("kernel", "(a,b)"), "kernel", "Shape(tuple)");
        assertPysymError(() -> parse("kernel", "(1,)", "dtype", "float128"), "dtype", "float128");
        assertPysymError(() -> parse("kernel", "(1,)", "eps", "x"), "eps", "float");
        assertPysymError(() -> parse("kernel", 1.5), "kernel");
        assertPysymError(() -> parse("kernel", "(1,)", "num_filter", 3_000_000_000L), "num_filter", "overflow");
    }

    @Test public void boundsAreChecked() {
        assertPysymError(() -> parse("kernel", "(1,)", "num_filter", 0), "num_filter", "outside [1, 100]");
        assertPysymError(() -> parse("kernel", "(1,)", "num_filter", 101), "num_filter", "outside");
        assertPysymError(() -> parse("kernel", "(1,)", "eps", -0.5), "eps", "outside");
        assertEquals(100, parse("kernel", "(1,)", "num_filter", 100).getInt("num_filter"));
    }

    @Test public void nullValueMeansNotGiven() {
        Map<String, Object> m = new HashMap<>();
        m.put("kernel", "(2,)");
        m.put("num_filter", null);
        assertEquals(1, Params.parse(OP, m).getInt("num_filter"));
    }

    @Test public void unknownNameOnParamsGet() {
        assertPysymError(() -> parse("kernel", "(1,)").get("nope"), "nope");
    }

    @Test public void typeStringsAsMXNetDocs() {
        assertEquals("Shape(tuple), required", OP.field("kernel").typeString());
        assertEquals("int, optional, default=1", OP.field("num_filter").typeString());
        assertEquals("{'relu', 'sigmoid', 'tanh'}, optional, default=relu", OP.field("act_type").typeString());
        assertEquals("string, optional, default=None", OP.field("layout").typeString());
        assertEquals("int, required", Field.intRequired("num_hidden", 1, "").typeString());
        assertEquals(1, OP.field("act_type").ordinal("sigmoid"));
        assertTrue(OP.field("kernel").required());
        assertFalse(OP.field("eps").required());
    }

    @Test public void booleanDefaultTypeStringAsMXNetDocs() {
        assertEquals("boolean, optional, default=0", OP.field("no_bias").typeString());
        assertEquals("boolean, optional, default=1", Field.boolParam("flatten", true, "").typeString());
    }

    @Test public void describeParamsListsEveryField() {
        String d = OP.describeParams();
        for (String n : List.of("kernel", "num_filter", "eps", "no_bias", "act_type", "layout", "dtype", "axis"))
            assertTrue(d, d.contains(n + " : "));
    }
}

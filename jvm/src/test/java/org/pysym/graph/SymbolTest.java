package org.pysym.graph;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.pysym.TestSupport.assertPysymError;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.Before;
import org.junit.Test;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/** Composition, MXNet (NNVM) naming and the list queries. */
public class SymbolTest {
    private Symbol a, b, c;

    @Before public void fresh() {
        NameManager.reset();
        a = Symbol.variable("a");
        b = Symbol.variable("b");
        c = Symbol.variable("c");
    }

    @Test public void arithmeticAutoNames() {
        assertEquals("_plus0", a.plus(b).name());
        assertEquals("_plus1", a.plus(b).name());
        assertEquals("_minus0", a.minus(b).name());
        assertEquals("_mul0", a.mul(b).name());
        assertEquals("_div0", a.div(b).name());
        assertEquals("_power0", a.pow(b).name());
        assertEquals("_maximum0", a.maximum(b).name());
        assertEquals("_minimum0", a.minimum(b).name());
        assertEquals("_plusscalar0", a.plus(1).name());
        assertEquals("_minusscalar0", a.minus(1).name());
        assertEquals("_rminusscalar0", a.rminus(1).name());
        assertEquals("_mulscalar0", a.mul(2).name());
        assertEquals("_divscalar0", a.div(2).name());
        assertEquals("_rdivscalar0", a.rdiv(2).name());
        assertEquals("_powerscalar0", a.pow(2).name());
        assertEquals("_rpowerscalar0", a.rpow(2).name());
        assertEquals("_maximumscalar0", a.maximum(2).name());
        assertEquals("_minimumscalar0", a.minimum(2).name());
        assertEquals("_mulscalar1", a.negate().name());
        assertEquals("_plusscalar1", a.plus(1).name());
    }

    @Test public void namedOperatorsUseTheCalledNameLowerCased() {
        assertEquals("exp0", Symbol.create("exp", Map.of(), a).name());
        assertEquals("elemwise_add0", Symbol.create("elemwise_add", Map.of(), a, b).name());
        assertEquals("elementwisesum0", Symbol.create("ElementWiseSum", Map.of(), a, b, c).name());
        assertEquals("mine", Symbol.create("exp", "mine", null, List.of(a), null, null).name());
        NameManager.reset();
        assertEquals("exp0", Symbol.create("exp", Map.of(), a).name());
    }

    @Test public void outputsAreNamedAfterTheNode() {
        assertEquals(List.of("_plus0_output"), a.plus(b).listOutputs());
        assertEquals(List.of("a"), a.listOutputs());
        Symbol d = Symbol.create("_backward_div", Map.of(), a, b, c);
        assertEquals(List.of("_backward_div0_lhs_grad", "_backward_div0_rhs_grad"), d.listOutputs());
        assertEquals(List.of("_backward_div0_rhs_grad"), d.get(1).listOutputs());
    }

    @Test public void listArgumentsIsPostOrderDfsEachVariableOnce() {
        // (a + b) * (c - a): a, b first (left subtree), then c; a only once
        Symbol s = a.plus(b).mul(c.minus(a));
        assertEquals(List.of("a", "b", "c"), s.listArguments());
        Symbol t = c.mul(a.plus(b));
        assertEquals(List.of("c", "a", "b"), t.listArguments());
        assertEquals(List.of(), s.listAuxiliaryStates());
    }

    @Test public void missingInputsAreCreatedAsNodeNameUnderscoreInput() {
        Symbol s = Symbol.create("elemwise_add", null, null, List.of(a), null, null);
        assertEquals(List.of("a", "elemwise_add0_rhs"), s.listArguments());
        Symbol e = Symbol.create("exp", "e1", null, null, null, null);
        assertEquals(List.of("e1_data"), e.listArguments());
        Symbol k = Symbol.create("_Plus", "p", null, List.of(), Map.of("rhs", b), null);
        assertEquals(List.of("p_lhs", "b"), k.listArguments());
    }

    @Test public void namedInputs() {
        Symbol s = Symbol.create("_Minus", null, null, List.of(), Map.of("rhs", a, "lhs", b), null);
        assertEquals(List.of("b", "a"), s.listArguments());
        assertSame(b.outputs().get(0).node(), s.outputs().get(0).node().inputs.get(0).node());
    }

    @Test public void getInternalsListsEveryOutputInPostOrder() {
        Symbol s = a.plus(b).mul(c);
        Symbol in = s.getInternals();
        assertEquals(List.of("a", "b", "_plus0_output", "c", "_mul0_output"), in.listOutputs());
        Symbol plus = in.get("_plus0_output");
        assertEquals(List.of("_plus0_output"), plus.listOutputs());
        assertEquals(List.of("a", "b"), plus.listArguments());
        assertEquals(List.of("c"), in.get(3).listArguments());
        assertPysymError(() -> in.get("_nothing_output"), "Cannot find output that matches name _nothing_output", "_plus0_output");
        assertPysymError(() -> in.get(5), "output index 5 out of range", "5 outputs");
    }

    @Test public void groupKeepsOrderAndFlattens() {
        Symbol e = a.mul(b).plus(c);
        Symbol m = a.mul(b);
        Symbol g = Symbol.group(List.of(e, m));
        assertEquals(List.of("_plus0_output", "_mul1_output"), g.listOutputs());
        assertEquals(List.of("a", "b", "c"), g.listArguments());
        Symbol gg = Symbol.group(List.of(g, a));
        assertEquals(List.of("_plus0_output", "_mul1_output", "a"), gg.listOutputs());
        assertEquals(3, gg.numOutputs());
        assertNull(g.name());
        assertNull(g.attr("name"));
    }

    @Test public void composeKeywordErrorListsCandidates() {
        assertPysymError(() -> Symbol.create("exp", null, null, null, Map.of("x", a), null),
                "Symbol.ComposeKeyword argument name x not found", "Candidate arguments:", "[0]data");
        assertPysymError(() -> Symbol.create("_Plus", null, null, null, Map.of("left", a), null),
                "argument name left not found", "[0]lhs", "[1]rhs");
    }

    @Test public void compositionErrors() {
        assertPysymError(() -> Symbol.create("exp", Map.of(), a, b), "at most 1 inputs", "got 2 positional");
        assertPysymError(() -> Symbol.create("_Plus", null, null, List.of(a), Map.of("lhs", b), null),
                "input lhs", "both positionally and by name");
        Symbol g = Symbol.group(List.of(a, b));
        assertPysymError(() -> Symbol.create("exp", Map.of(), g), "tuple with 2 outputs");
        assertPysymError(() -> Symbol.create("nope", Map.of(), a), "Unknown operator 'nope'");
        assertPysymError(() -> Symbol.create("_plus_scalar", Map.of("scalr", 1), a), "Cannot find argument 'scalr'", "scalar");
        assertPysymError(() -> Symbol.create("exp", null, Map.of("mood", "x"), List.of(a), null, null), "mood", "__key__");
        assertPysymError(() -> Symbol.variable(""), "non-empty");
    }

    @Test public void variadicOperatorsCountTheirInputs() {
        Symbol s = Symbol.create("add_n", Map.of(), a, b, c);
        assertEquals(List.of("a", "b", "c"), s.listArguments());
        assertEquals("3", s.attr("num_args"));
        assertPysymError(() -> Symbol.create("add_n", null, null, List.of(a), Map.of("arg1", b), null), "positionally");
        assertPysymError(() -> Symbol.create("add_n", Map.of("num_args", 3), a, b), "num_args=3", "got 2 positional");
    }

    @Test public void parametersAndAttributes() {
        Symbol s = a.plus(2.5);
        assertEquals("2.5", s.attr("scalar"));
        assertNull(s.attr("is_int"));
        assertEquals("_plusscalar0", s.attr("name"));
        Symbol t = Symbol.create("exp", "e", Map.of("__mood__", "happy"), List.of(a), null, null);
        assertEquals("happy", t.attr("__mood__"));
        assertEquals(Map.of("__mood__", "happy"), t.listAttr());
        assertEquals(Map.of("scalar", "2.5"), s.listAttr());
    }

    @Test public void variableAttributes() {
        Map<String, String> kw = new LinkedHashMap<>();
        kw.put("__init__", "zeros");
        Symbol v = Symbol.variable("w", Map.of("__mood__", "calm"), Shape.of(2, 3), 0.5, 2.0, DType.Float32, kw);
        assertEquals("(2,3)", v.attr("__shape__"));
        assertEquals("0.5", v.attr("__lr_mult__"));
        assertEquals("2.0", v.attr("__wd_mult__"));
        assertEquals("0", v.attr("__dtype__"));
        assertEquals("zeros", v.attr("__init__"));
        assertEquals("calm", v.attr("__mood__"));
        assertNull(v.attr("__absent__"));
        assertPysymError(() -> Symbol.variable("w", null, null, null, null, null, Map.of("init", "x")),
                "Attribute name=init is not supported");
    }

    @Test public void symbolsAreImmutableValues() {
        Symbol s = a.plus(b);
        Symbol t = s.mul(c);
        assertEquals(List.of("a", "b"), s.listArguments());
        assertEquals(List.of("a", "b", "c"), t.listArguments());
        assertSame(s.get(0), s);
    }
}

package org.pysym.op;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.pysym.TestSupport.assertPysymError;

import java.util.ArrayList;
import java.util.List;
import org.junit.Test;
import org.pysym.PysymError;
import org.pysym.nativeio.Native;
import org.pysym.ops.ShapeRules;

public class OpRegistryTest {
    @Test public void aliasesResolveToOneDeclaration() {
        assertSame(OpRegistry.op("elemwise_add"), OpRegistry.op("_Plus"));
        assertSame(OpRegistry.op("elemwise_add"), OpRegistry.op("_plus"));
        assertSame(OpRegistry.op("elemwise_add"), OpRegistry.op("_add"));
        assertSame(OpRegistry.op("_rminus_scalar"), OpRegistry.op("_RMinusScalar"));
        assertSame(OpRegistry.op("add_n"), OpRegistry.op("ElementWiseSum"));
        assertSame(OpRegistry.op("_copy"), OpRegistry.op("identity"));
        assertEquals("elemwise_mul", OpRegistry.op("_Mul").name);
        assertTrue(OpRegistry.has("_MinusScalar"));
        assertFalse(OpRegistry.has("no_such_op"));
    }

    @Test public void unknownOperator() {
        assertPysymError(() -> OpRegistry.op("Convolutionx"), "Unknown operator 'Convolutionx'");
    }

    @Test public void duplicateRegistrationIsRejected() {
        OpDef dup = OpDef.builder("exp").shape(ShapeRules.SAME).kernel("exp").nonDifferentiable().build();
        int before = OpRegistry.all().size();
        assertPysymError(() -> OpRegistry.get().register(dup), "exp", "registered twice");
        assertEquals(before, OpRegistry.all().size());
        OpDef dupAlias = OpDef.builder("fresh_name_for_test").alias("_Plus").shape(ShapeRules.SAME).kernel("add")
                .nonDifferentiable().build();
        assertPysymError(() -> OpRegistry.get().register(dupAlias), "_Plus", "registered twice");
        assertFalse("a rejected registration must not leave its other names behind", OpRegistry.has("fresh_name_for_test"));
    }

    /** Every declared kernel must exist in the native library: a typo would only show at bind time. */
    @Test public void everyKernelIsInTheNativeLibrary() {
        List<String> missing = new ArrayList<>();
        for (OpDef op : OpRegistry.all()) {
            if (op.kernel == null) continue;
            try {
                Native.kernelId(op.kernel.name());
            } catch (PysymError e) {
                missing.add(op.name + " -> " + op.kernel.name());
            }
        }
        assertTrue("operators whose kernel is not in libpysym: " + missing, missing.isEmpty());
    }

    @Test public void everyOperatorIsCompleteDeclaration() {
        for (OpDef op : OpRegistry.all()) {
            assertTrue(op.name, op.shapeRule != null && op.typeRule != null);
            assertTrue(op.name + " needs a gradient rule or a non-differentiable mark", op.gradRule != null || op.nonDifferentiable);
            assertTrue(op.name + " needs a kernel", op.view || op.kernel != null);
            assertFalse(op.name + " has no doc", op.doc.isEmpty());
        }
    }

    @Test public void builderRejectsIncompleteDeclarations() {
        assertPysymError(() -> OpDef.builder("x").kernel("copy").nonDifferentiable().build(), "x", "no shape rule");
        assertPysymError(() -> OpDef.builder("x").shape(ShapeRules.SAME).kernel("copy").build(), "x", "no gradient rule");
        assertPysymError(() -> OpDef.builder("x").shape(ShapeRules.SAME).nonDifferentiable().build(), "x", "no kernel");
    }

    @Test public void publicAndDoc() {
        OpDef add = OpRegistry.op("elemwise_add");
        assertTrue(add.isPublic());
        assertFalse(OpRegistry.op("_plus_scalar").isPublic());
        assertEquals(List.of("lhs", "rhs"), add.declaredInputs());
        String doc = OpRegistry.op("_plus_scalar").fullDoc();
        assertTrue(doc, doc.contains("scalar : float, optional"));
        assertTrue(doc, doc.contains("data : Symbol"));
        assertTrue(OpRegistry.op("add_n").fullDoc().contains("args : Symbol[]"));
    }
}

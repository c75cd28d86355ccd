package org.pysym.codegen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pysym.op.Field;
import org.pysym.op.OpDef;
import org.pysym.op.OpRegistry;

/**
 * The operator API reference, one Markdown page per operator family, written from the registry
 * (no native library needed): each public operator's doc, inputs, typed parameters with defaults,
 * and its Python and Scala signatures. The pages are committed under docs/api; a test checks them
 * against a fresh rendering so they cannot drift.
 */
public final class ApiDocGenerator {
    private ApiDocGenerator() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "docs/api");
        Files.createDirectories(dir);
        for (Map.Entry<String, String> page : render().entrySet()) Files.writeString(dir.resolve(page.getKey()), page.getValue());
    }

    /** File name -> Markdown text. */
    public static Map<String, String> render() {
        Map<String, List<OpDef>> byFamily = new LinkedHashMap<>();
        for (OpDef op : OpRegistry.all())
            if (op.isPublic()) byFamily.computeIfAbsent(OpRegistry.familyOf(op), k -> new ArrayList<>()).add(op);
        Map<String, String> pages = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("# Operator reference\n\n")
                .append("Generated from the operator registry by `org.pysym.codegen.ApiDocGenerator`; do not edit.\n")
                .append("Regenerate with `gradle -q apiDocs`. Python: `Symbol.api.<Op>(...)`; Scala: `Symbol.api.<Op>(...)` ")
                .append("(typed) and `Symbol.<Op>(name)()(Map(...))` (legacy).\n\n| family | operators |\n|---|---|\n");
        for (Map.Entry<String, List<OpDef>> f : byFamily.entrySet()) {
            String file = f.getKey().toLowerCase() + ".md";
            index.append("| [").append(f.getKey()).append("](").append(file).append(") | ")
                 .append(String.join(", ", f.getValue().stream().map(o -> "`" + o.name + "`").toList())).append(" |\n");
            StringBuilder page = new StringBuilder("# ").append(f.getKey()).append(" operators\n\n")
                    .append("Generated from the operator registry by `org.pysym.codegen.ApiDocGenerator`; do not edit.\n");
            for (OpDef op : f.getValue()) operator(page, op);
            pages.put(file, page.toString());
        }
        pages.put("README.md", index.toString());
        return pages;
    }

    private static void operator(StringBuilder sb, OpDef op) {
        sb.append("\n## ").append(op.name).append("\n\n");
        List<String> aliases = op.aliases.stream().filter(a -> !a.startsWith("_")).toList();
        if (!aliases.isEmpty()) sb.append("Aliases: ").append(String.join(", ", aliases.stream().map(a -> "`" + a + "`").toList())).append("\n\n");
        sb.append(op.doc.strip()).append("\n\n");
        sb.append("Python:\n```python\n").append(pythonSignature(op)).append("\n```\n");
        sb.append("Scala:\n```scala\n").append(scalaSignature(op)).append("\n```\n\n");
        sb.append("| input | |\n|---|---|\n");
        if (op.variadic) sb.append("| `*args` | Symbols, given positionally (`num_args` of them) |\n");
        for (String in : op.declaredInputs())
            sb.append("| `").append(in).append("` | ").append(op.isAux(in) ? "auxiliary state" : "Symbol").append(" |\n");
        if (!op.fields().isEmpty()) {
            sb.append("\n| parameter | type | description |\n|---|---|---|\n");
            for (Field f : op.fields())
                sb.append("| `").append(f.name).append("` | ").append(f.typeString().replace("|", "\\|")).append(" | ")
                  .append(f.doc.replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
    }

    static String pythonSignature(OpDef op) {
        List<String> parts = new ArrayList<>();
        if (op.variadic) parts.add("*args");
        for (String in : op.declaredInputs()) parts.add(in + "=None");
        for (Field f : op.fields()) {
            if (op.variadic && f.name.equals("num_args")) continue;
            parts.add(f.required() ? f.name : f.name + "=" + pythonDefault(f));
        }
        parts.add("name=None");
        parts.add("attr=None");
        return "Symbol.api." + op.name + "(" + String.join(", ", parts) + ")";
    }

    private static String pythonDefault(Field f) {
        Object d = f.defaultValue();
        if (d == null) return "None";
        if (f.kind == Field.Kind.STRING || f.kind == Field.Kind.ENUM || f.kind == Field.Kind.DTYPE) return "'" + d + "'";
        return Field.format(d);
    }

    static String scalaSignature(OpDef op) {
        List<String> parts = new ArrayList<>();
        if (op.variadic) parts.add((op.name.equals("add_n") ? "args" : "data") + ": Array[Symbol]");
        for (String in : op.declaredInputs()) parts.add(ScalaApiGenerator.ident(in) + ": Option[Symbol] = None");
        for (Field f : op.fields()) {
            String t = ScalaApiGenerator.scalaType(f).replace("org.pysym.", "");
            parts.add(ScalaApiGenerator.ident(f.name) + ": " + (f.required() ? t : "Option[" + t + "] = None"));
        }
        parts.add("name: String = null");
        parts.add("attr: Map[String, String] = null");
        return "def " + ScalaApiGenerator.ident(op.name) + "(" + String.join(", ", parts) + "): Symbol";
    }
}

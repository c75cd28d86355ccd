package org.pysym.op;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pysym.PysymError;

/** One typed operator parameter: MXNet's name, type, default (or required), bounds and doc. */
public final class Field {
    public enum Kind { INT, FLOAT, BOOL, STRING, ENUM, SHAPE, DTYPE }

    private static final Object REQUIRED = new Object();

    public final String name;
    public final Kind kind;
    public final String doc;
    private final Object defaultValue;      // REQUIRED, null (= None), or a parsed value
    private final List<String> choices;     // ENUM only
    private final double min, max;          // INT/FLOAT bounds, inclusive

    private Field(String name, Kind kind, Object defaultValue, List<String> choices, double min, double max, String doc) {
        this.name = name;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.choices = choices;
        this.min = min;
        this.max = max;
        this.doc = doc;
    }

    public static Field intRequired(String name, int min, String doc) {
        return new Field(name, Kind.INT, REQUIRED, null, min, Integer.MAX_VALUE, doc);
    }
    public static Field intRequired(String name, int min, int max, String doc) {
        return new Field(name, Kind.INT, REQUIRED, null, min, max, doc);
    }
    public static Field intParam(String name, Integer def, String doc) {
        return new Field(name, Kind.INT, def, null, Integer.MIN_VALUE, Integer.MAX_VALUE, doc);
    }
    public static Field intParam(String name, Integer def, int min, int max, String doc) {
        return new Field(name, Kind.INT, def, null, min, max, doc);
    }
    public static Field floatParam(String name, Double def, String doc) {
        return new Field(name, Kind.FLOAT, def, null, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, doc);
    }
    public static Field floatParam(String name, Double def, double min, double max, String doc) {
        return new Field(name, Kind.FLOAT, def, null, min, max, doc);
    }
    public static Field floatRequired(String name, String doc) {
        return new Field(name, Kind.FLOAT, REQUIRED, null, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, doc);
    }
    public static Field boolParam(String name, boolean def, String doc) {
        return new Field(name, Kind.BOOL, def, null, 0, 0, doc);
    }
    public static Field stringParam(String name, String def, String doc) {
        return new Field(name, Kind.STRING, def, null, 0, 0, doc);
    }
    public static Field enumParam(String name, String def, List<String> choices, String doc) {
        return new Field(name, Kind.ENUM, def, List.copyOf(choices), 0, 0, doc);
    }
    public static Field enumRequired(String name, List<String> choices, String doc) {
        return new Field(name, Kind.ENUM, REQUIRED, List.copyOf(choices), 0, 0, doc);
    }
    public static Field shapeParam(String name, Shape def, String doc) {
        return new Field(name, Kind.SHAPE, def, null, 0, 0, doc);
    }
    public static Field shapeRequired(String name, String doc) {
        return new Field(name, Kind.SHAPE, REQUIRED, null, 0, 0, doc);
    }
    public static Field dtypeParam(String name, DType def, String doc) {
        return new Field(name, Kind.DTYPE, def, null, 0, 0, doc);
    }
    public static Field dtypeRequired(String name, String doc) {
        return new Field(name, Kind.DTYPE, REQUIRED, null, 0, 0, doc);
    }

    public boolean required() { return defaultValue == REQUIRED; }
    public Object defaultValue() { return defaultValue == REQUIRED ? null : defaultValue; }
    public List<String> choices() { return choices; }

    public int ordinal(String choice) { return choices.indexOf(choice); }

    /** MXNet's type string, as its operator docs print it: "int, required", "boolean, optional, default=1". */
    public String typeString() {
        String t = switch (kind) {
            case INT -> "int";
            case FLOAT -> "float";
            case BOOL -> "boolean";
            case STRING -> "string";
            case ENUM -> "{" + String.join(", ", choices.stream().map(c -> "'" + c + "'").toList()) + "}";
            case SHAPE -> "Shape(tuple)";
            case DTYPE -> "dtype";
        };
        if (required()) return t + ", required";
        if (defaultValue instanceof Boolean b) return t + ", optional, default=" + (b ? "1" : "0");
        return t + ", optional, default=" + (defaultValue == null ? "None" : format(defaultValue));
    }

    /** Parses a user value (Java object or MXNet string spelling) into this field's typed value. */
    public Object parse(String op, Object v) {
        if (v instanceof String s && s.equals("None")) return null;
        try {
            Object parsed = switch (kind) {
                case INT -> parseInt(v);
                case FLOAT -> parseFloat(v);
                case BOOL -> parseBool(v);
                case STRING -> v.toString();
                case ENUM -> parseEnum(v);
                case SHAPE -> parseShape(v);
                case DTYPE -> parseDType(v);
            };
            checkBounds(op, parsed);
            return parsed;
        } catch (PysymError | IllegalArgumentException e) {
            throw PysymError.format("Invalid parameter %s=%s for operator %s: expected %s (%s)",
                    name, show(v), op, typeString(), e.getMessage());
        }
    }

    private void checkBounds(String op, Object parsed) {
        if (parsed instanceof Integer i && (i < min || i > max))
            throw new IllegalArgumentException("value " + i + " outside [" + (long) min + ", " + (long) max + "]");
        if (parsed instanceof Double d && (d < min || d > max))
            throw new IllegalArgumentException("value " + d + " outside [" + min + ", " + max + "]");
    }

    private static String show(Object v) { return v instanceof String ? "'" + v + "'" : String.valueOf(v); }

    private static int parseInt(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            long l = ((Number) v).longValue();
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw new IllegalArgumentException("integer overflow");
            return (int) l;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d != Math.rint(d)) throw new IllegalArgumentException("not an integer");
            return (int) d;
        }
        if (v instanceof String s) return Integer.parseInt(s.trim());
        throw new IllegalArgumentException("got " + v.getClass().getSimpleName());
    }

    private static double parseFloat(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.equals("inf") || t.equals("+inf")) return Double.POSITIVE_INFINITY;
            if (t.equals("-inf")) return Double.NEGATIVE_INFINITY;
            if (t.equals("nan")) return Double.NaN;
            return Double.parseDouble(t);
        }
        throw new IllegalArgumentException("got " + v.getClass().getSimpleName());
    }

    private static boolean parseBool(Object v) {
        if (v instanceof Boolean b) return b;
        if (v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) return n.doubleValue() == 1;
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "1": return true;
                case "false", "0": return false;
                default: throw new IllegalArgumentException("not a boolean");
            }
        }
        throw new IllegalArgumentException("got " + v.getClass().getSimpleName());
    }

    private String parseEnum(Object v) {
        String s = v.toString();
        if (!choices.contains(s)) throw new IllegalArgumentException("not one of " + choices);
        return s;
    }

    static Shape parseShape(Object v) {
        if (v instanceof Shape s) return s;
        if (v instanceof int[] a) return Shape.ofSigned(a);
        if (v instanceof long[] a) return Shape.ofSigned(java.util.Arrays.stream(a).mapToInt(Math::toIntExact).toArray());
        if (v instanceof Number) return Shape.ofSigned(parseInt(v));
        if (v instanceof Iterable<?> it) {
            List<Integer> dims = new ArrayList<>();
            for (Object o : it) dims.add(parseInt(o));
            return Shape.ofSigned(dims.stream().mapToInt(Integer::intValue).toArray());
        }
        if (v instanceof String s) {
            String t = s.trim();
            if ((t.startsWith("(") && t.endsWith(")")) || (t.startsWith("[") && t.endsWith("]")))
                t = t.substring(1, t.length() - 1);
            List<Integer> dims = new ArrayList<>();
            for (String part : t.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) continue;
                if (p.endsWith("L")) p = p.substring(0, p.length() - 1);
                dims.add(Integer.parseInt(p));
            }
            return Shape.ofSigned(dims.stream().mapToInt(Integer::intValue).toArray());
        }
        throw new IllegalArgumentException("got " + v.getClass().getSimpleName());
    }

    private static DType parseDType(Object v) {
        if (v instanceof DType t) return t;
        if (v instanceof Number n) return DType.byId(n.intValue());
        return DType.byName(v.toString().trim());
    }

    /** The value in MXNet's string spelling (Python's str()), as symbol JSON stores it. */
    public static String format(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Shape s) return s.toMXString();
        if (v instanceof Double d) return pythonRepr(d);
        return v.toString();
    }

    /** Python's repr of a float (1e-05, 0.0001, 2.0, inf): the spelling MXNet files carry. */
    static String pythonRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return 1 / d < 0 ? "-0.0" : "0.0";
        double a = Math.abs(d);
        java.math.BigDecimal exact = shortest(d);
        if (a >= 1e-4 && a < 1e16) {
            String plain = exact.stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        java.math.BigDecimal unscaled = exact.stripTrailingZeros();
        int exp = unscaled.precision() - unscaled.scale() - 1;
        String digits = unscaled.unscaledValue().abs().toString();
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** The fewest significant digits that parse back to d, correctly rounded (Java 17's Double.toString
     * is not always shortest: 1e23 would print as 9.999999999999999E22). */
    private static java.math.BigDecimal shortest(double d) {
        java.math.BigDecimal exact = new java.math.BigDecimal(d);
        for (int p = 1; p < 17; p++) {
            java.math.BigDecimal r = exact.round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) return r;
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN));
    }
}

package org.pysym.train.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pysym.PysymError;
import org.pysym.op.DType;
import org.pysym.op.Shape;

/**
 * The name, shape, dtype and layout of one data or label input, as MXNet Scala's DataDesc case class:
 * dtype defaults to float32 and layout to Layout.UNDEFINED; a defined layout names every axis.
 */
public final class DataDesc {
    private final String name;
    private final Shape shape;
    private final DType dtype;
    private final String layout;

    public DataDesc(String name, Shape shape, DType dtype, String layout) {
        PysymError.require(name != null && !name.isEmpty(), "DataDesc: name must be a non-empty string");
        PysymError.require(shape != null, "DataDesc '%s': shape must be given", name);
        String l = layout == null ? Layout.UNDEFINED : layout;
        PysymError.require(l.equals(Layout.UNDEFINED) || l.length() == shape.ndim(),
                "DataDesc '%s': layout %s names %d axes but shape %s has %d", name, l, l.length(), shape, shape.ndim());
        this.name = name;
        this.shape = shape;
        this.dtype = dtype == null ? DType.Float32 : dtype;
        this.layout = l;
    }

    public DataDesc(String name, Shape shape, DType dtype) { this(name, shape, dtype, Layout.UNDEFINED); }
    public DataDesc(String name, Shape shape) { this(name, shape, DType.Float32, Layout.UNDEFINED); }

    public String name() { return name; }
    public Shape shape() { return shape; }
    public DType dtype() { return dtype; }
    public String layout() { return layout; }

    /**
     * The axis holding the batch: the position of 'N' in layout, or 0 when the layout is null or
     * undefined (as MXNet Scala's DataDesc.getBatchAxis). A layout without 'N' is an error.
     */
    public static int getBatchAxis(String layout) {
        if (layout == null || layout.equals(Layout.UNDEFINED)) return 0;
        int axis = layout.indexOf('N');
        PysymError.require(axis >= 0, "layout %s has no batch axis: expected an 'N' in it", layout);
        return axis;
    }

    /** name -> shape in order, MXNet's provideData form of a list of descriptions (null stays null). */
    public static Map<String, Shape> toShapeMap(List<DataDesc> descs) {
        if (descs == null) return null;
        Map<String, Shape> out = new LinkedHashMap<>();
        for (DataDesc d : descs) out.put(d.name, d.shape);
        return out;
    }

    @Override public boolean equals(Object o) {
        return o instanceof DataDesc d && d.name.equals(name) && d.shape.equals(shape) && d.dtype == dtype && d.layout.equals(layout);
    }

    @Override public int hashCode() { return Objects.hash(name, shape, dtype, layout); }

    /** MXNet Scala's form: DataDesc[data,(32,784),float32,__undefined__]. */
    @Override public String toString() { return "DataDesc[" + name + "," + shape + "," + dtype + "," + layout + "]"; }
}

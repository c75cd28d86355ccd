package org.pysym.op;

import org.pysym.PysymError;

/** Element types, with MXNet's type-flag ids; sizes feed memory planning. Only float32 has kernels for now. */
public enum DType {
    Float32(0, "float32", 4, "<f4"),
    Float64(1, "float64", 8, "<f8"),
    Float16(2, "float16", 2, "<f2"),
    UInt8(3, "uint8", 1, "|u1"),
    Int32(4, "int32", 4, "<i4"),
    Int8(5, "int8", 1, "|i1"),
    Int64(6, "int64", 8, "<i8");

    public final int id;
    public final String mxName;
    public final int bytes;
    /** NumPy array-interface type string. */
    public final String typestr;

    DType(int id, String mxName, int bytes, String typestr) {
        this.id = id;
        this.mxName = mxName;
        this.bytes = bytes;
        this.typestr = typestr;
    }

    @Override public String toString() { return mxName; }

    public static DType byId(int id) {
        for (DType t : values()) if (t.id == id) return t;
        throw PysymError.format("unknown dtype id %d: expected one of 0..6", id);
    }

    public static DType byName(String name) {
        for (DType t : values()) if (t.mxName.equals(name) || t.name().equalsIgnoreCase(name)) return t;
        throw PysymError.format("unknown dtype '%s': expected one of float32, float64, float16, uint8, int32, int8, int64", name);
    }
}

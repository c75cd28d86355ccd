package org.pysym.op;

/** IEEE 754 binary16 conversions (Java 17 has none); round to nearest even, as NumPy does. */
public final class Half {
    private Half() {}

    public static float toFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >> 10) & 0x1f, man = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (man << 13));
        if (exp == 0) {
            float f = man * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (man << 13));
    }

    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000, exp = (x >>> 23) & 0xff, man = x & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (man != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 31) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            man |= 0x800000;
            int shift = 14 - e, half = man >> shift, rest = man & ((1 << shift) - 1), mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = sign | (e << 10) | (man >> 13), rest = man & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) half++;
        return (short) half;
    }
}

/* vmath.h - float exp/tanh/sigmoid written so that gcc vectorises loops over them (glibc's expf and
 * tanhf are scalar calls: tanh alone took 5 of LeNet's 17 ms). Accuracy: a few ulp over the whole
 * range; NaN propagates, +-inf saturate. */
#ifndef PYSYM_VMATH_H
#define PYSYM_VMATH_H

#include <stdint.h>
#include <string.h>

/* exp(x): x = n ln2 + r with |r| <= ln2/2, Cephes' degree-6 polynomial for exp(r), 2^n from the
 * exponent bits. Clamped so 2^n stays a normal float; below -87.3 (where exp is denormal) it is 0. */
static inline float pysym_expf(float x) {
    float c = x > 88.7f ? 88.7f : (x < -87.3f ? -87.3f : x);
    const float shifter = 12582912.0f;                 /* 1.5 * 2^23: adding it rounds to an integer */
    float n = (c * 1.44269504088896341f + shifter) - shifter;
    float r = c - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = p * scale;
    y = x > 88.7f ? __builtin_inff() : (x < -87.3f ? 0.0f : y);
    return x != x ? x : y;
}

/* tanh(x): an odd series near 0 (no cancellation), 1 - 2/(exp(2|x|) + 1) elsewhere. */
static inline float pysym_tanhf(float x) {
    float a = x < 0 ? -x : x;
    float a2 = a * a;
    float small = a * (1.0f + a2 * (-0.333333333f + a2 * (0.133333333f + a2 * (-0.0539682540f + a2 * 0.0218694885f))));
    float big = 1.0f - 2.0f / (pysym_expf(2.0f * (a > 9.0f ? 9.0f : a)) + 1.0f);
    float t = a < 0.2f ? small : (a > 9.0f ? 1.0f : big);
    t = x < 0 ? -t : t;
    return x != x ? x : t;
}

static inline float pysym_sigmoidf(float x) { return 1.0f / (1.0f + pysym_expf(-x)); }

#endif

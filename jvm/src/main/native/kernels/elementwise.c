/* elementwise.c - element-wise arithmetic, unary math and their gradients, fill/copy/accumulate.
 * Every kernel here maps element i of each input to element i of each output, so in-place use
 * (output == input) is safe. Loops run on one thread below PARALLEL_MIN elements. */
#include "pysym.h"
#include "vmath.h"
#include <math.h>
#include <string.h>

#define PARALLEL_MIN (1 << 16)

static int check_f32(const pysym_call *c, int n_in, int n_out, int n_params) {
    if (c->n_in != n_in || c->n_out != n_out || c->n_params < n_params)
        return pysym_fail("expected %d inputs, %d outputs and %d parameters, got %d, %d and %d",
                          n_in, n_out, n_params, c->n_in, c->n_out, c->n_params);
    for (int i = 0; i < n_in; i++) {
        if (c->in[i].dtype != PYSYM_F32) return pysym_fail("input %d has dtype %d, expected float32", i, c->in[i].dtype);
        if (c->in[i].size != c->out[0].size)
            return pysym_fail("input %d has %lld elements, output has %lld", i, (long long)c->in[i].size, (long long)c->out[0].size);
    }
    for (int i = 0; i < n_out; i++) {
        if (c->out[i].dtype != PYSYM_F32) return pysym_fail("output %d has dtype %d, expected float32", i, c->out[i].dtype);
        if (c->out[i].size != c->out[0].size) return pysym_fail("outputs differ in size");
        if (c->req[i] == PYSYM_REQ_ADD) return pysym_fail("output %d: accumulate requests are handled by the planner", i);
    }
    return PYSYM_OK;
}

/* One loop body over i, serial for small n and OpenMP-parallel for large n. */
#define EACH(n, body)                                                   \
    do {                                                                \
        const int64_t n_ = (n);                                         \
        if (n_ < PARALLEL_MIN) {                                        \
            _Pragma("omp simd") for (int64_t i = 0; i < n_; i++) body;  \
        } else {                                                        \
            _Pragma("omp parallel for simd schedule(static)")           \
            for (int64_t i = 0; i < n_; i++) body;                      \
        }                                                               \
    } while (0)

/* ---- binary: inputs lhs, rhs (same size); output out; no params ---- */
#define BINARY(name, expr)                                                         \
    static int name(const pysym_call *c) {                                         \
        if (check_f32(c, 2, 1, 0)) return PYSYM_ERROR;                             \
        const float *a = c->in[0].data, *b = c->in[1].data;                        \
        float *o = c->out[0].data;                                                 \
        EACH(c->out[0].size, o[i] = (expr));                                       \
        return PYSYM_OK;                                                           \
    }
BINARY(k_add, a[i] + b[i])
BINARY(k_sub, a[i] - b[i])
BINARY(k_mul, a[i] * b[i])
BINARY(k_div, a[i] / b[i])
BINARY(k_power, powf(a[i], b[i]))
BINARY(k_maximum, a[i] > b[i] ? a[i] : b[i])
BINARY(k_minimum, a[i] < b[i] ? a[i] : b[i])

/* ---- scalar: input x; output out; params [scalar] ---- */
#define SCALAR(name, expr)                                                         \
    static int name(const pysym_call *c) {                                         \
        if (check_f32(c, 1, 1, 1)) return PYSYM_ERROR;                             \
        const float *x = c->in[0].data;                                            \
        float *o = c->out[0].data;                                                 \
        const float s = (float)c->params[0];                                       \
        EACH(c->out[0].size, o[i] = (expr));                                       \
        return PYSYM_OK;                                                           \
    }
SCALAR(k_plus_scalar, x[i] + s)
SCALAR(k_minus_scalar, x[i] - s)
SCALAR(k_rminus_scalar, s - x[i])
SCALAR(k_mul_scalar, x[i] * s)
SCALAR(k_div_scalar, x[i] / s)
SCALAR(k_rdiv_scalar, s / x[i])
SCALAR(k_power_scalar, powf(x[i], s))
SCALAR(k_rpower_scalar, powf(s, x[i]))
SCALAR(k_maximum_scalar, x[i] > s ? x[i] : s)
SCALAR(k_minimum_scalar, x[i] < s ? x[i] : s)

/* ---- unary: input x; output out; no params ---- */
#define UNARY(name, expr)                                                          \
    static int name(const pysym_call *c) {                                         \
        if (check_f32(c, 1, 1, 0)) return PYSYM_ERROR;                             \
        const float *x = c->in[0].data;                                            \
        float *o = c->out[0].data;                                                 \
        EACH(c->out[0].size, o[i] = (expr));                                       \
        return PYSYM_OK;                                                           \
    }
UNARY(k_exp, pysym_expf(x[i]))
UNARY(k_log, logf(x[i]))
UNARY(k_sqrt, sqrtf(x[i]))
UNARY(k_square, x[i] * x[i])
UNARY(k_abs, fabsf(x[i]))
UNARY(k_tanh, pysym_tanhf(x[i]))
UNARY(k_sigmoid, pysym_sigmoidf(x[i]))
UNARY(k_relu, x[i] > 0.0f ? x[i] : 0.0f)
UNARY(k_negative, -x[i])

/* ---- unary gradients: inputs (out_grad g, v) where v is the forward input x or output y
 * as named; output d_data; params [scalar] for the scalar forms ---- */
#define UNARY_BWD(name, n_params, expr)                                            \
    static int name(const pysym_call *c) {                                         \
        if (check_f32(c, 2, 1, n_params)) return PYSYM_ERROR;                      \
        const float *g = c->in[0].data, *v = c->in[1].data;                        \
        float *o = c->out[0].data;                                                 \
        const float s = n_params ? (float)c->params[0] : 0.0f;                     \
        (void)s;                                                                   \
        EACH(c->out[0].size, o[i] = (expr));                                       \
        return PYSYM_OK;                                                           \
    }
UNARY_BWD(k_log_bwd, 0, g[i] / v[i])                            /* v = x */
UNARY_BWD(k_sqrt_bwd, 0, g[i] / (2.0f * v[i]))                  /* v = y */
UNARY_BWD(k_square_bwd, 0, 2.0f * v[i] * g[i])                  /* v = x */
UNARY_BWD(k_abs_bwd, 0, v[i] > 0.0f ? g[i] : (v[i] < 0.0f ? -g[i] : 0.0f)) /* v = x */
UNARY_BWD(k_tanh_bwd, 0, g[i] * (1.0f - v[i] * v[i]))           /* v = y */
UNARY_BWD(k_sigmoid_bwd, 0, g[i] * v[i] * (1.0f - v[i]))        /* v = y */
UNARY_BWD(k_relu_bwd, 0, v[i] > 0.0f ? g[i] : 0.0f)             /* v = y */
UNARY_BWD(k_rdiv_scalar_bwd, 1, -s * g[i] / (v[i] * v[i]))      /* v = x */
UNARY_BWD(k_power_scalar_bwd, 1, g[i] * s * powf(v[i], s - 1.0f)) /* v = x */
UNARY_BWD(k_rpower_scalar_bwd, 1, g[i] * v[i] * logf(s))        /* v = y */
UNARY_BWD(k_maximum_scalar_bwd, 1, v[i] >= s ? g[i] : 0.0f)     /* v = x, MXNet's ge */
UNARY_BWD(k_minimum_scalar_bwd, 1, v[i] <= s ? g[i] : 0.0f)     /* v = x, MXNet's le */

/* ---- binary gradients: inputs (g, lhs a, rhs b); outputs (d_lhs, d_rhs), either may be
 * req NULL (not wanted) ---- */
#define BINARY_BWD(name, expr_a, expr_b)                                           \
    static int name(const pysym_call *c) {                                         \
        if (check_f32(c, 3, 2, 0)) return PYSYM_ERROR;                             \
        const float *g = c->in[0].data, *a = c->in[1].data, *b = c->in[2].data;    \
        float *da = c->out[0].data, *db = c->out[1].data;                          \
        const int64_t n = c->out[0].size;                                          \
        if (c->req[0] != PYSYM_REQ_NULL) EACH(n, da[i] = (expr_a));                \
        if (c->req[1] != PYSYM_REQ_NULL) EACH(n, db[i] = (expr_b));                \
        return PYSYM_OK;                                                           \
    }
BINARY_BWD(k_div_bwd, g[i] / b[i], -g[i] * a[i] / (b[i] * b[i]))
BINARY_BWD(k_power_bwd, g[i] * b[i] * powf(a[i], b[i] - 1.0f), g[i] * powf(a[i], b[i]) * logf(a[i]))
BINARY_BWD(k_maximum_bwd, a[i] >= b[i] ? g[i] : 0.0f, a[i] < b[i] ? g[i] : 0.0f)
BINARY_BWD(k_minimum_bwd, a[i] <= b[i] ? g[i] : 0.0f, a[i] > b[i] ? g[i] : 0.0f)

/* add_n: n inputs of equal size; output their sum. */
static int k_add_n(const pysym_call *c) {
    if (c->n_out != 1 || c->n_in < 1) return pysym_fail("expected at least one input and one output");
    for (int j = 0; j < c->n_in; j++)
        if (c->in[j].dtype != PYSYM_F32 || c->in[j].size != c->out[0].size)
            return pysym_fail("input %d must be float32 with %lld elements", j, (long long)c->out[0].size);
    float *o = c->out[0].data;
    const float *a = c->in[0].data;
    EACH(c->out[0].size, o[i] = a[i]);
    for (int j = 1; j < c->n_in; j++) {
        const float *b = c->in[j].data;
        EACH(c->out[0].size, o[i] += b[i]);
    }
    return PYSYM_OK;
}

/* accumulate: input src; output dst; dst += src (gradient requests "add"). */
static int k_accumulate(const pysym_call *c) {
    if (c->n_in != 1 || c->n_out != 1 || c->in[0].dtype != PYSYM_F32 || c->out[0].dtype != PYSYM_F32 ||
        c->in[0].size != c->out[0].size)
        return pysym_fail("expected one float32 input and one output of the same size");
    const float *s = c->in[0].data;
    float *d = c->out[0].data;
    EACH(c->out[0].size, d[i] += s[i]);
    return PYSYM_OK;
}

static size_t dtype_bytes(int dtype) {
    switch (dtype) {
    case PYSYM_F64: case PYSYM_I64: return 8;
    case PYSYM_F32: case PYSYM_I32: return 4;
    case PYSYM_F16: return 2;
    default: return 1;
    }
}

/* copy: input src; output dst of the same dtype and size (any dtype). */
static int k_copy(const pysym_call *c) {
    if (c->n_in != 1 || c->n_out != 1 || c->in[0].dtype != c->out[0].dtype || c->in[0].size != c->out[0].size)
        return pysym_fail("expected one input and one output of the same dtype and size");
    if (c->out[0].data != c->in[0].data)
        memmove(c->out[0].data, c->in[0].data, (size_t)c->out[0].size * dtype_bytes(c->out[0].dtype));
    return PYSYM_OK;
}

static uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, man = x & 0x7fffff;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00);
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - e), half = man >> shift, rest = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rest > mid || (rest == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)e << 10) | (man >> 13), rest = man & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;
    return (uint16_t)half;
}

/* fill: optional input (ignored: only the output's shape matters); output out (any dtype);
 * params [value]. */
static int k_fill(const pysym_call *c) {
    if (c->n_out != 1 || c->n_params < 1) return pysym_fail("expected one output and a value");
    const double v = c->params[0];
    const int64_t n = c->out[0].size;
    void *o = c->out[0].data;
    switch (c->out[0].dtype) {
    case PYSYM_F32: { float *p = o; const float f = (float)v; EACH(n, p[i] = f); break; }
    case PYSYM_F64: { double *p = o; EACH(n, p[i] = v); break; }
    case PYSYM_F16: { uint16_t *p = o; const uint16_t h = f32_to_f16((float)v); EACH(n, p[i] = h); break; }
    case PYSYM_U8: { uint8_t *p = o; const uint8_t b = (uint8_t)v; EACH(n, p[i] = b); break; }
    case PYSYM_I8: { int8_t *p = o; const int8_t b = (int8_t)v; EACH(n, p[i] = b); break; }
    case PYSYM_I32: { int32_t *p = o; const int32_t b = (int32_t)v; EACH(n, p[i] = b); break; }
    case PYSYM_I64: { int64_t *p = o; const int64_t b = (int64_t)v; EACH(n, p[i] = b); break; }
    default: return pysym_fail("unknown dtype %d", c->out[0].dtype);
    }
    return PYSYM_OK;
}

const pysym_kernel_entry pysym_kernels_elementwise[] = {
    {"add", k_add, 0}, {"sub", k_sub, 0}, {"mul", k_mul, 0}, {"div", k_div, 0},
    {"power", k_power, 0}, {"maximum", k_maximum, 0}, {"minimum", k_minimum, 0},
    {"plus_scalar", k_plus_scalar, 0}, {"minus_scalar", k_minus_scalar, 0}, {"rminus_scalar", k_rminus_scalar, 0},
    {"mul_scalar", k_mul_scalar, 0}, {"div_scalar", k_div_scalar, 0}, {"rdiv_scalar", k_rdiv_scalar, 0},
    {"power_scalar", k_power_scalar, 0}, {"rpower_scalar", k_rpower_scalar, 0},
    {"maximum_scalar", k_maximum_scalar, 0}, {"minimum_scalar", k_minimum_scalar, 0},
    {"exp", k_exp, 0}, {"log", k_log, 0}, {"sqrt", k_sqrt, 0}, {"square", k_square, 0}, {"abs", k_abs, 0},
    {"tanh", k_tanh, 0}, {"sigmoid", k_sigmoid, 0}, {"relu", k_relu, 0}, {"negative", k_negative, 0},
    {"log_bwd", k_log_bwd, 0}, {"sqrt_bwd", k_sqrt_bwd, 0}, {"square_bwd", k_square_bwd, 0}, {"abs_bwd", k_abs_bwd, 0},
    {"tanh_bwd", k_tanh_bwd, 0}, {"sigmoid_bwd", k_sigmoid_bwd, 0}, {"relu_bwd", k_relu_bwd, 0},
    {"rdiv_scalar_bwd", k_rdiv_scalar_bwd, 0}, {"power_scalar_bwd", k_power_scalar_bwd, 0},
    {"rpower_scalar_bwd", k_rpower_scalar_bwd, 0}, {"maximum_scalar_bwd", k_maximum_scalar_bwd, 0},
    {"minimum_scalar_bwd", k_minimum_scalar_bwd, 0},
    {"div_bwd", k_div_bwd, 0}, {"power_bwd", k_power_bwd, 0}, {"maximum_bwd", k_maximum_bwd, 0},
    {"minimum_bwd", k_minimum_bwd, 0},
    {"add_n", k_add_n, 0}, {"accumulate", k_accumulate, 0}, {"copy", k_copy, 0}, {"fill", k_fill, 0},
};
const int pysym_kernels_elementwise_count = sizeof pysym_kernels_elementwise / sizeof pysym_kernels_elementwise[0];

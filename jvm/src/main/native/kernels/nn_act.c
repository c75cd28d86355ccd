/* nn_act.c - activations, the softmax family, loss-head operators and dropout (own C code).
 *
 * Formulas follow MXNet 1.9.1 on CPU (mshadow_op.h, nn/activation-inl.h, leaky_relu-inl.h,
 * nn/softmax-inl.h, softmax_output-inl.h + mshadow SoftmaxGrad, regression_output-inl.h,
 * make_loss-inl.h, nn/softmax_activation-inl.h, nn/dropout-inl.h): float32 arithmetic, the same
 * choice of out_data or in_data in each backward, and MXNet's quirks where a parity test would
 * see them (each is marked "MXNet quirk"). Elementwise kernels are safe when an output aliases an
 * input of the same shape (MXNet's in-place options); the row kernels are too. */
#include "pysym.h"
#include "vmath.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- shared checks */

static int par(int64_t work) { return pysym_threads_for(work) == 0; }

static int want(const pysym_call *c, int i) { return c->req[i] == PYSYM_REQ_WRITE; }

static void shape_str(const pysym_tensor *t, char *buf, size_t cap) {
    size_t used = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < t->ndim && i < PYSYM_MAX_NDIM && used < cap; ++i)
        used += (size_t)snprintf(buf + used, cap - used, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    if (used < cap) snprintf(buf + used, cap - used, ")");
}

static int same_shape(const pysym_tensor *a, const pysym_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; ++i)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

static int fail_shape(const char *k, const char *what, const pysym_tensor *expected, const pysym_tensor *got) {
    char e[160], g[160];
    shape_str(expected, e, sizeof e);
    shape_str(got, g, sizeof g);
    return pysym_fail("%s: %s has shape %s, expected %s", k, what, g, e);
}

static int check_params(const pysym_call *c, const char *k, int n_params) {
    if (c->n_params != n_params)
        return pysym_fail("%s: expected %d params, got %d", k, n_params, c->n_params);
    if (n_params > 0 && c->params == NULL) return pysym_fail("%s: params pointer is NULL", k);
    return PYSYM_OK;
}

static int check_tensor(const char *k, const char *role, int i, const pysym_tensor *t) {
    if (t->dtype != PYSYM_F32)
        return pysym_fail("%s: %s %d has dtype %d, expected float32 (%d)", k, role, i, t->dtype, PYSYM_F32);
    if (t->ndim < 0 || t->ndim > PYSYM_MAX_NDIM)
        return pysym_fail("%s: %s %d has ndim %d, expected 0..%d", k, role, i, t->ndim, PYSYM_MAX_NDIM);
    if (t->size > 0 && t->data == NULL) return pysym_fail("%s: %s %d has a NULL data pointer", k, role, i);
    return PYSYM_OK;
}

/* Inputs and wanted outputs must be float32; requests must be write or null (the planner does add). */
static int check_io(const pysym_call *c, const char *k, int n_in, int n_out) {
    if (c->n_in != n_in) return pysym_fail("%s: expected %d inputs, got %d", k, n_in, c->n_in);
    if (c->n_out != n_out) return pysym_fail("%s: expected %d outputs, got %d", k, n_out, c->n_out);
    for (int i = 0; i < n_in; ++i)
        if (check_tensor(k, "input", i, &c->in[i])) return PYSYM_ERROR;
    for (int i = 0; i < n_out; ++i) {
        if (c->req[i] == PYSYM_REQ_NULL) continue;
        if (c->req[i] != PYSYM_REQ_WRITE)
            return pysym_fail("%s: output %d has req %d, expected write (1) or null (0)", k, i, c->req[i]);
        if (check_tensor(k, "output", i, &c->out[i])) return PYSYM_ERROR;
    }
    return PYSYM_OK;
}

static int check_same(const char *k, const char *what, const pysym_tensor *ref, const pysym_tensor *t) {
    return same_shape(ref, t) ? PYSYM_OK : fail_shape(k, what, ref, t);
}

static int get_enum(const pysym_call *c, const char *k, int idx, const char *name, int n_values, int *out) {
    double v = c->params[idx];
    if (!(v >= 0 && v < n_values) || v != floor(v))
        return pysym_fail("%s: param %d (%s) is %g, expected an enum ordinal 0..%d", k, idx, name, v, n_values - 1);
    *out = (int)v;
    return PYSYM_OK;
}

static int get_bool(const pysym_call *c, const char *k, int idx, const char *name, int *out) {
    return get_enum(c, k, idx, name, 2, out);
}

/* static_cast<int> as MXNet applies it to labels; out-of-range and NaN map to a value no class has. */
static int to_int(double v) { return (v > -2147483649.0 && v < 2147483648.0) ? (int)v : INT_MIN; }

/* Copy unless the planner ran the op in place. */
static void copy_f32(float *dst, const float *src, int64_t n) {
    if (dst != src && n > 0) memmove(dst, src, (size_t)n * sizeof(float));
}

/* ---------------------------------------------------------------- Activation */

enum { ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTRELU, ACT_SOFTSIGN, ACT_COUNT };

/* activation_fwd  (MXNet Activation)
 * inputs:  0 data
 * outputs: 0 out (shape of data)
 * params:  0 act_type: relu 0, sigmoid 1, tanh 2, softrelu 3, softsign 4
 * relu propagates NaN; softrelu = log1p(exp(x)), and x itself for x > 20 (MXNet's overflow guard). */
static int activation_fwd(const pysym_call *c) {
    const char *k = "activation_fwd";
    int act = 0;
    if (check_params(c, k, 1) || get_enum(c, k, 0, "act_type", ACT_COUNT, &act) || check_io(c, k, 1, 1))
        return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    const float *x = c->in[0].data;
    float *y = c->out[0].data;
    const int64_t n = c->in[0].size;
    switch (act) {
    case ACT_RELU:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] <= 0.0f ? 0.0f : x[i];
        break;
    case ACT_SIGMOID:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = pysym_sigmoidf(x[i]);
        break;
    case ACT_TANH:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = pysym_tanhf(x[i]);
        break;
    case ACT_SOFTRELU:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 20.0f ? x[i] : log1pf(expf(x[i]));
        break;
    default: /* ACT_SOFTSIGN */
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + fabsf(x[i]));
        break;
    }
    return PYSYM_OK;
}

/* activation_bwd  (MXNet _backward_Activation)
 * inputs:  0 out_grad, 1 out_data (forward output), 2 in_data (forward input; required only for
 *          softsign, may be omitted (n_in 2) for the others)
 * outputs: 0 d_data
 * params:  0 act_type as activation_fwd
 * d = out_grad * f'(.) with MXNet's argument: relu (y>0), sigmoid y(1-y), tanh 1-y^2,
 * softrelu -expm1(-y) all from out_data; softsign 1/(1+|x|)^2 from in_data. */
static int activation_bwd(const pysym_call *c) {
    const char *k = "activation_bwd";
    int act = 0;
    if (check_params(c, k, 1) || get_enum(c, k, 0, "act_type", ACT_COUNT, &act)) return PYSYM_ERROR;
    const int n_in = (act == ACT_SOFTSIGN || c->n_in == 3) ? 3 : 2;
    if (check_io(c, k, n_in, 1)) return PYSYM_ERROR;
    const pysym_tensor *og = &c->in[0];
    if (check_same(k, "input 1 (out_data)", og, &c->in[1])) return PYSYM_ERROR;
    if (n_in == 3 && check_same(k, "input 2 (in_data)", og, &c->in[2])) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", og, &c->out[0])) return PYSYM_ERROR;
    const float *g = og->data, *y = c->in[1].data;
    float *d = c->out[0].data;
    const int64_t n = og->size;
    switch (act) {
    case ACT_RELU:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (y[i] > 0.0f ? 1.0f : 0.0f);
        break;
    case ACT_SIGMOID:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (y[i] * (1.0f - y[i]));
        break;
    case ACT_TANH:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (1.0f - y[i] * y[i]);
        break;
    case ACT_SOFTRELU:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * -expm1f(-y[i]);
        break;
    default: { /* ACT_SOFTSIGN */
        const float *x = c->in[2].data;
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) {
            const float t = 1.0f + fabsf(x[i]);
            d[i] = g[i] * (1.0f / (t * t));
        }
        break;
    }
    }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- LeakyReLU */

enum { LR_LEAKY, LR_ELU, LR_PRELU, LR_SELU, LR_GELU, LR_COUNT };

#define SELU_ALPHA 1.6732632423543772848170429916717f
#define SELU_LAMBDA 1.0507009873554804934193349852946f
#define SQRT_2 1.4142135623730950488016887242096f
#define PI_F 3.14159265358979323846f

/* Gamma layout, MXNet's LeakyReLUOp::expand_shape: gamma's dims are matched right to left
 * against data axes 1 and 0 only (equal size, or gamma dim 1); every other data axis broadcasts.
 * So gamma (C,) is per channel of (N, C, ...), (N, C) per sample and channel, (1,) a scalar, and
 * a 1-D gamma that does not fit axis 1 may land on axis 0 (MXNet quirk). r0 and r1 receive gamma's
 * extents along data axes 0 and 1 (1 = broadcast). */
static int prelu_layout(const char *k, const pysym_tensor *x, const pysym_tensor *g, int64_t *r0, int64_t *r1) {
    int64_t r[2] = {1, 1};
    int s = g->ndim - 1;
    for (int i = x->ndim - 1; i >= 0; --i) {
        if (s >= 0 && i <= 1 && (x->shape[i] == g->shape[s] || g->shape[s] == 1)) {
            r[i] = g->shape[s];
            --s;
        }
    }
    if (s != -1) {
        char gs[160], xs[160];
        shape_str(g, gs, sizeof gs);
        shape_str(x, xs, sizeof xs);
        return pysym_fail("%s: cannot broadcast gamma %s to data %s (gamma must match data axis 1, "
                          "or axes 0 and 1)", k, gs, xs);
    }
    *r0 = r[0];
    *r1 = r[1];
    return PYSYM_OK;
}

/* View data as (N, C, inner) and walk it grouped by gamma element, so d_gamma needs no atomics. */
typedef struct { int64_t N, C, inner, r0, r1; } prelu_view;

static void prelu_view_of(const pysym_tensor *x, int64_t r0, int64_t r1, prelu_view *v) {
    v->N = x->ndim > 0 ? x->shape[0] : 1;
    v->C = x->ndim > 1 ? x->shape[1] : 1;
    v->inner = (v->N * v->C) > 0 ? x->size / (v->N * v->C) : 0;
    v->r0 = r0;
    v->r1 = r1;
}

/* leaky_relu_fwd  (MXNet LeakyReLU, act_type leaky|elu|prelu|selu|gelu)
 * inputs:  0 data, 1 gamma (prelu only; see prelu_layout for its shapes)
 * outputs: 0 out (shape of data)
 * params:  0 act_type: leaky 0, elu 1, prelu 2, selu 3, gelu 4;  1 slope (leaky, elu; default 0.25)
 * leaky x>0 ? x : slope*x;  elu x>0 ? x : slope*expm1(x);  prelu x>0 ? x : gamma*x;
 * selu lambda*(x>0 ? x : alpha*expm1(x));  gelu 0.5x(1+erf(x/sqrt2)) (the erf form, as 1.9.1). */
static int leaky_relu_fwd(const pysym_call *c) {
    const char *k = "leaky_relu_fwd";
    int act = 0;
    if (check_params(c, k, 2) || get_enum(c, k, 0, "act_type", LR_COUNT, &act)) return PYSYM_ERROR;
    const int n_in = act == LR_PRELU ? 2 : 1;
    if (check_io(c, k, n_in, 1)) return PYSYM_ERROR;
    const pysym_tensor *xt = &c->in[0];
    int64_t r0 = 1, r1 = 1;
    if (act == LR_PRELU && prelu_layout(k, xt, &c->in[1], &r0, &r1)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", xt, &c->out[0])) return PYSYM_ERROR;
    const float *x = xt->data;
    float *y = c->out[0].data;
    const int64_t n = xt->size;
    const float slope = (float)c->params[1];
    switch (act) {
    case LR_LEAKY:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
        break;
    case LR_ELU:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : slope * expm1f(x[i]);
        break;
    case LR_SELU:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = SELU_LAMBDA * (x[i] > 0.0f ? x[i] : SELU_ALPHA * expm1f(x[i]));
        break;
    case LR_GELU:
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] / SQRT_2));
        break;
    default: { /* LR_PRELU */
        const float *gam = c->in[1].data;
        prelu_view v;
        prelu_view_of(xt, r0, r1, &v);
#pragma omp parallel for collapse(2) if(par(n))
        for (int64_t a = 0; a < v.N; ++a)
            for (int64_t b = 0; b < v.C; ++b) {
                const float gv = gam[(v.r0 > 1 ? a : 0) * v.r1 + (v.r1 > 1 ? b : 0)];
                const int64_t base = (a * v.C + b) * v.inner;
                for (int64_t j = 0; j < v.inner; ++j) {
                    const float xv = x[base + j];
                    y[base + j] = xv > 0.0f ? xv : xv * gv;
                }
            }
        break;
    }
    }
    return PYSYM_OK;
}

/* leaky_relu_bwd  (MXNet _backward_LeakyReLU)
 * inputs:  0 out_grad, 1 data (forward input), 2 out (forward output), 3 gamma (prelu only)
 * outputs: 0 d_data, 1 d_gamma (prelu only; shape of gamma, summed over broadcast axes)
 * params:  as leaky_relu_fwd (act_type, slope)
 * Which tensor each backward reads is MXNet's: leaky og*(y>0 ? 1 : slope), elu og*(y>0 ? 1 : slope+y),
 * selu og*lambda*(y>0 ? 1 : alpha+y) all from the output y; prelu og*(x>0 ? 1 : gamma) and
 * d_gamma = sum og*(x>0 ? 0 : x) from the input x; gelu from x.
 * MXNet quirk: selu's lambda*(alpha+y) is not the derivative lambda*alpha*exp(x) = y + lambda*alpha
 * (it is off by (lambda-1)*y); it is reproduced for parity with MXNet's gradients. */
static int leaky_relu_bwd(const pysym_call *c) {
    const char *k = "leaky_relu_bwd";
    int act = 0;
    if (check_params(c, k, 2) || get_enum(c, k, 0, "act_type", LR_COUNT, &act)) return PYSYM_ERROR;
    const int prelu = act == LR_PRELU;
    if (check_io(c, k, prelu ? 4 : 3, prelu ? 2 : 1)) return PYSYM_ERROR;
    const pysym_tensor *og = &c->in[0];
    if (check_same(k, "input 1 (data)", og, &c->in[1]) || check_same(k, "input 2 (out)", og, &c->in[2]))
        return PYSYM_ERROR;
    int64_t r0 = 1, r1 = 1;
    if (prelu && prelu_layout(k, &c->in[1], &c->in[3], &r0, &r1)) return PYSYM_ERROR;
    const int want_d = want(c, 0), want_g = prelu && want(c, 1);
    if (want_d && check_same(k, "output 0 (d_data)", og, &c->out[0])) return PYSYM_ERROR;
    if (want_g && check_same(k, "output 1 (d_gamma)", &c->in[3], &c->out[1])) return PYSYM_ERROR;
    const float *g = og->data, *x = c->in[1].data, *y = c->in[2].data;
    float *d = want_d ? c->out[0].data : NULL;
    const int64_t n = og->size;
    const float slope = (float)c->params[1];
    if (prelu) {
        if (!want_d && !want_g) return PYSYM_OK;
        const float *gam = c->in[3].data;
        float *dg = want_g ? c->out[1].data : NULL;
        prelu_view v;
        prelu_view_of(&c->in[1], r0, r1, &v);
        const int64_t G = r0 * r1;
        /* one gamma element per iteration: its blocks are disjoint from every other's */
#pragma omp parallel for if(par(n))
        for (int64_t gi = 0; gi < G; ++gi) {
            const int64_t a0 = r0 > 1 ? gi / r1 : 0, a1 = r0 > 1 ? a0 + 1 : v.N;
            const int64_t b0 = r1 > 1 ? gi % r1 : 0, b1 = r1 > 1 ? b0 + 1 : v.C;
            const float gv = gam[gi];
            double acc = 0.0;
            for (int64_t a = a0; a < a1; ++a)
                for (int64_t b = b0; b < b1; ++b) {
                    const int64_t base = (a * v.C + b) * v.inner;
                    for (int64_t j = 0; j < v.inner; ++j) {
                        const float xv = x[base + j], gg = g[base + j];
                        acc += (double)(gg * (xv > 0.0f ? 0.0f : xv));
                        if (d) d[base + j] = gg * (xv > 0.0f ? 1.0f : gv);
                    }
                }
            if (dg) dg[gi] = (float)acc;
        }
        return PYSYM_OK;
    }
    if (!want_d) return PYSYM_OK;
    switch (act) {
    case LR_LEAKY:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (y[i] > 0.0f ? 1.0f : slope);
        break;
    case LR_ELU:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (y[i] > 0.0f ? 1.0f : slope + y[i]);
        break;
    case LR_SELU:
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (SELU_LAMBDA * (y[i] > 0.0f ? 1.0f : SELU_ALPHA + y[i]));
        break;
    default: { /* LR_GELU: 0.5(1 + erf(x/sqrt2)) + x*phi(x), written as MXNet's erf_grad form */
        const float two_over_sqrt_pi = 2.0f / sqrtf(PI_F);
#pragma omp parallel for if(par(n))
        for (int64_t i = 0; i < n; ++i) {
            const float z = x[i] / SQRT_2;
            d[i] = g[i] * (0.5f * (1.0f + erff(z) + x[i] * (two_over_sqrt_pi * expf(-(z * z))) / SQRT_2));
        }
        break;
    }
    }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- softmax rows */

/* Softmax / log-softmax of x along the middle axis of (outer, n, inner), MXNet's nn/softmax-inl.h:
 * max by `if (m < v) m = v`, float sum of exp(x - m) (or of exp((x - m)/t) when t != 1), then
 * exp(z)/sum or z - log(sum). The t == 1 branch skips the division exactly as MXNet does. */
static int softmax_rows(const char *k, const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                        float t, int lg) {
    if (outer == 0 || n == 0 || inner == 0) return PYSYM_OK;
    const int p = par(outer * n * inner);
    if (inner == 1) {
#pragma omp parallel for if(p)
        for (int64_t o = 0; o < outer; ++o) {
            const float *xr = x + o * n;
            float *yr = y + o * n;
            float m = xr[0];
            for (int64_t j = 1; j < n; ++j)
                if (m < xr[j]) m = xr[j];
            float sum = 0.0f;
            if (lg) {
                if (t == 1.0f) {
                    for (int64_t j = 0; j < n; ++j) sum += pysym_expf(xr[j] - m);
                    const float ls = logf(sum);
                    for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) - ls;
                } else {
                    for (int64_t j = 0; j < n; ++j) sum += pysym_expf((xr[j] - m) / t);
                    const float ls = logf(sum);
                    for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) / t - ls;
                }
            } else {
                for (int64_t j = 0; j < n; ++j) {
                    const float e = t == 1.0f ? pysym_expf(xr[j] - m) : pysym_expf((xr[j] - m) / t);
                    yr[j] = e;
                    sum += e;
                }
                for (int64_t j = 0; j < n; ++j) yr[j] /= sum;
            }
        }
        return PYSYM_OK;
    }
    /* strided axis: process a whole (n, inner) slab at once so the inner loops run contiguously */
    int nt = 1;
#ifdef _OPENMP
    if (p) nt = omp_get_max_threads();
#endif
    float *scratch = pysym_alloc((int64_t)nt * 2 * inner * (int64_t)sizeof(float));
    if (!scratch) return pysym_fail("%s: out of memory (scratch of %lld floats)", k, (long long)(nt * 2 * inner));
#pragma omp parallel for if(p) num_threads(nt)
    for (int64_t o = 0; o < outer; ++o) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        float *m = scratch + (int64_t)tid * 2 * inner, *sum = m + inner;
        const float *xs = x + o * n * inner;
        float *ys = y + o * n * inner;
        for (int64_t i = 0; i < inner; ++i) m[i] = xs[i];
        for (int64_t j = 1; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i)
                if (m[i] < xs[j * inner + i]) m[i] = xs[j * inner + i];
        for (int64_t i = 0; i < inner; ++i) sum[i] = 0.0f;
        if (lg) {
            for (int64_t j = 0; j < n; ++j)
                for (int64_t i = 0; i < inner; ++i)
                    sum[i] += t == 1.0f ? pysym_expf(xs[j * inner + i] - m[i]) : pysym_expf((xs[j * inner + i] - m[i]) / t);
            for (int64_t i = 0; i < inner; ++i) sum[i] = logf(sum[i]);
            for (int64_t j = 0; j < n; ++j)
                for (int64_t i = 0; i < inner; ++i) {
                    const float z = t == 1.0f ? xs[j * inner + i] - m[i] : (xs[j * inner + i] - m[i]) / t;
                    ys[j * inner + i] = z - sum[i];
                }
        } else {
            for (int64_t j = 0; j < n; ++j)
                for (int64_t i = 0; i < inner; ++i) {
                    const float e = t == 1.0f ? pysym_expf(xs[j * inner + i] - m[i]) : pysym_expf((xs[j * inner + i] - m[i]) / t);
                    ys[j * inner + i] = e;
                    sum[i] += e;
                }
            for (int64_t j = 0; j < n; ++j)
                for (int64_t i = 0; i < inner; ++i) ys[j * inner + i] /= sum[i];
        }
    }
    pysym_free(scratch);
    return PYSYM_OK;
}

/* Softmax backward along the middle axis of (outer, n, inner), MXNet's SoftmaxGrad:
 * softmax     d = y * (g - sum(g * y))
 * log_softmax d = g - exp(y) * sum(g)
 * then d /= t when t != 1. Accumulation in float as MXNet's default AType. */
static int softmax_grad_rows(const char *k, const float *g, const float *y, float *d, int64_t outer, int64_t n,
                             int64_t inner, float t, int lg) {
    if (outer == 0 || n == 0 || inner == 0) return PYSYM_OK;
    const int p = par(outer * n * inner);
    if (inner == 1) {
#pragma omp parallel for if(p)
        for (int64_t o = 0; o < outer; ++o) {
            const float *gr = g + o * n, *yr = y + o * n;
            float *dr = d + o * n;
            float sum = 0.0f;
            if (lg) {
                for (int64_t j = 0; j < n; ++j) sum += gr[j];
                for (int64_t j = 0; j < n; ++j) {
                    const float v = gr[j] - pysym_expf(yr[j]) * sum;
                    dr[j] = t == 1.0f ? v : v / t;
                }
            } else {
                for (int64_t j = 0; j < n; ++j) sum += gr[j] * yr[j];
                for (int64_t j = 0; j < n; ++j) {
                    const float v = yr[j] * (gr[j] - sum);
                    dr[j] = t == 1.0f ? v : v / t;
                }
            }
        }
        return PYSYM_OK;
    }
    int nt = 1;
#ifdef _OPENMP
    if (p) nt = omp_get_max_threads();
#endif
    float *scratch = pysym_alloc((int64_t)nt * inner * (int64_t)sizeof(float));
    if (!scratch) return pysym_fail("%s: out of memory (scratch of %lld floats)", k, (long long)(nt * inner));
#pragma omp parallel for if(p) num_threads(nt)
    for (int64_t o = 0; o < outer; ++o) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        float *sum = scratch + (int64_t)tid * inner;
        const float *gs = g + o * n * inner, *ys = y + o * n * inner;
        float *ds = d + o * n * inner;
        for (int64_t i = 0; i < inner; ++i) sum[i] = 0.0f;
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i) sum[i] += lg ? gs[j * inner + i] : gs[j * inner + i] * ys[j * inner + i];
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i) {
                const int64_t q = j * inner + i;
                const float v = lg ? gs[q] - pysym_expf(ys[q]) * sum[i] : ys[q] * (gs[q] - sum[i]);
                ds[q] = t == 1.0f ? v : v / t;
            }
    }
    pysym_free(scratch);
    return PYSYM_OK;
}

/* (outer, n, inner) around axis `ax` of t. */
static void axis_view(const pysym_tensor *t, int ax, int64_t *outer, int64_t *n, int64_t *inner) {
    int64_t o = 1, in = 1;
    for (int i = 0; i < ax; ++i) o *= t->shape[i];
    for (int i = ax + 1; i < t->ndim; ++i) in *= t->shape[i];
    *outer = o;
    *n = t->shape[ax];
    *inner = in;
}

static int softmax_params(const pysym_call *c, const char *k, const pysym_tensor *t, int *ax, float *temp) {
    if (check_params(c, k, 2)) return PYSYM_ERROR;
    const double a = c->params[0], tv = c->params[1];
    if (t->ndim < 1) return pysym_fail("%s: data must have ndim >= 1, got %d", k, t->ndim);
    if (!(a >= 0 && a < t->ndim) || a != floor(a))
        return pysym_fail("%s: param 0 (axis) is %g, expected a normalised axis 0..%d", k, a, t->ndim - 1);
    if (!(tv != 0.0) || !isfinite(tv))
        return pysym_fail("%s: param 1 (temperature) is %g, expected a finite non-zero value", k, tv);
    *ax = (int)a;
    *temp = (float)tv;
    return PYSYM_OK;
}

static int softmax_fwd_common(const pysym_call *c, const char *k, int lg) {
    int ax;
    float t;
    if (check_io(c, k, 1, 1) || softmax_params(c, k, &c->in[0], &ax, &t)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    int64_t outer, n, inner;
    axis_view(&c->in[0], ax, &outer, &n, &inner);
    return softmax_rows(k, c->in[0].data, c->out[0].data, outer, n, inner, t, lg);
}

static int softmax_bwd_common(const pysym_call *c, const char *k, int lg) {
    int ax;
    float t;
    if (check_io(c, k, 2, 1) || softmax_params(c, k, &c->in[0], &ax, &t)) return PYSYM_ERROR;
    if (check_same(k, "input 1 (out_data)", &c->in[0], &c->in[1])) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    int64_t outer, n, inner;
    axis_view(&c->in[0], ax, &outer, &n, &inner);
    return softmax_grad_rows(k, c->in[0].data, c->in[1].data, c->out[0].data, outer, n, inner, t, lg);
}

/* softmax_fwd  (MXNet softmax)
 * inputs:  0 data
 * outputs: 0 out (shape of data)
 * params:  0 axis (already normalised to 0..ndim-1), 1 temperature (default 1; non-zero) */
static int softmax_fwd(const pysym_call *c) { return softmax_fwd_common(c, "softmax_fwd", 0); }

/* softmax_bwd  (MXNet _backward_softmax)
 * inputs:  0 out_grad, 1 out_data (forward output)
 * outputs: 0 d_data
 * params:  as softmax_fwd (axis, temperature) */
static int softmax_bwd(const pysym_call *c) { return softmax_bwd_common(c, "softmax_bwd", 0); }

/* log_softmax_fwd  (MXNet log_softmax): contract as softmax_fwd. */
static int log_softmax_fwd(const pysym_call *c) { return softmax_fwd_common(c, "log_softmax_fwd", 1); }

/* log_softmax_bwd  (MXNet _backward_log_softmax): contract as softmax_bwd (out_data is the
 * log-probabilities). */
static int log_softmax_bwd(const pysym_call *c) { return softmax_bwd_common(c, "log_softmax_bwd", 1); }

/* ---------------------------------------------------------------- SoftmaxOutput */

enum { NORM_NULL, NORM_BATCH, NORM_VALID, NORM_COUNT };

typedef struct {
    double grad_scale, ignore_label, smooth_alpha;
    int multi_output, use_ignore, preserve_shape, normalization, out_grad;
} softmax_output_param;

static int softmax_output_params(const pysym_call *c, const char *k, softmax_output_param *p) {
    if (check_params(c, k, 8) || get_bool(c, k, 2, "multi_output", &p->multi_output) ||
        get_bool(c, k, 3, "use_ignore", &p->use_ignore) || get_bool(c, k, 4, "preserve_shape", &p->preserve_shape) ||
        get_enum(c, k, 5, "normalization", NORM_COUNT, &p->normalization) ||
        get_bool(c, k, 6, "out_grad", &p->out_grad))
        return PYSYM_ERROR;
    p->grad_scale = c->params[0];
    p->ignore_label = c->params[1];
    p->smooth_alpha = c->params[7];
    return PYSYM_OK;
}

/* SoftmaxOutput's (rows, classes, inner) view of data: multi_output (N, C, rest) over axis 1;
 * preserve_shape (size/last, last, 1) over the last axis; otherwise (N, size/N, 1). */
static int softmax_output_view(const char *k, const softmax_output_param *p, const pysym_tensor *t,
                               int64_t *rows, int64_t *cls, int64_t *inner) {
    if (p->multi_output) {
        if (t->ndim < 2) return pysym_fail("%s: multi_output needs data with ndim >= 2, got %d", k, t->ndim);
        *rows = t->shape[0];
        *cls = t->shape[1];
        *inner = (*rows * *cls) > 0 ? t->size / (*rows * *cls) : 0;
    } else if (p->preserve_shape) {
        if (t->ndim < 1) return pysym_fail("%s: data must have ndim >= 1, got %d", k, t->ndim);
        *cls = t->shape[t->ndim - 1];
        *rows = *cls > 0 ? t->size / *cls : 0;
        *inner = 1;
    } else {
        if (t->ndim < 1) return pysym_fail("%s: data must have ndim >= 1, got %d", k, t->ndim);
        *rows = t->shape[0];
        *cls = *rows > 0 ? t->size / *rows : 0;
        *inner = 1;
    }
    return PYSYM_OK;
}

/* softmax_output_fwd  (MXNet SoftmaxOutput forward)
 * inputs:  0 data, 1 label (optional; not read by the forward)
 * outputs: 0 out (shape of data) = softmax over the axis chosen by softmax_output_view
 * params:  0 grad_scale (1), 1 ignore_label (-1), 2 multi_output (0/1), 3 use_ignore (0/1),
 *          4 preserve_shape (0/1), 5 normalization: null 0, batch 1, valid 2, 6 out_grad (0/1),
 *          7 smooth_alpha (0). The forward reads only 2 and 4; all 8 keep one layout with the bwd. */
static int softmax_output_fwd(const pysym_call *c) {
    const char *k = "softmax_output_fwd";
    softmax_output_param p;
    if (softmax_output_params(c, k, &p)) return PYSYM_ERROR;
    if (check_io(c, k, c->n_in == 2 ? 2 : 1, 1)) return PYSYM_ERROR;
    int64_t rows = 0, cls = 0, inner = 0;
    if (softmax_output_view(k, &p, &c->in[0], &rows, &cls, &inner)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    return softmax_rows(k, c->in[0].data, c->out[0].data, rows, cls, inner, 1.0f, 0);
}

/* softmax_output_bwd  (MXNet _backward_SoftmaxOutput; the label gets no gradient)
 * inputs:  0 out_data (forward output), 1 label, 2 out_grad (head gradient; only when param
 *          out_grad = 1)
 * outputs: 0 d_data
 * params:  as softmax_output_fwd
 * label shape == data shape: probability labels, d = (out - label) * grad_scale (no
 * normalisation). Otherwise label holds class indices (truncated to int), label.size = rows*inner
 * (e.g. (N,) for (N, C); (N, rest...) for multi_output), and per position
 *   d[class k]     = out - 1 + smooth_alpha,   d[other] = out - smooth_alpha/(C-1)
 * (smooth_alpha 0: out - 1 and out), all zero where use_ignore and label == ignore_label; then
 *   d *= grad_scale / norm:  plain:        null 1, batch rows, valid count
 *                            multi_output: null inner, batch N*inner, valid count
 * where count = labels != ignore_label (counted even without use_ignore, as MXNet), at least 1.
 * Finally d *= out_grad when out_grad = 1. */
static int softmax_output_bwd(const pysym_call *c) {
    const char *k = "softmax_output_bwd";
    softmax_output_param p;
    if (softmax_output_params(c, k, &p) || check_io(c, k, p.out_grad ? 3 : 2, 1)) return PYSYM_ERROR;
    const pysym_tensor *yt = &c->in[0], *lt = &c->in[1];
    if (p.out_grad && check_same(k, "input 2 (out_grad)", yt, &c->in[2])) return PYSYM_ERROR;
    const int prob_label = same_shape(yt, lt);
    int64_t rows = 0, cls = 0, inner = 0;
    if (!prob_label) {
        if (softmax_output_view(k, &p, yt, &rows, &cls, &inner)) return PYSYM_ERROR;
        if (lt->size != rows * inner) {
            char ys[160], ls[160];
            shape_str(yt, ys, sizeof ys);
            shape_str(lt, ls, sizeof ls);
            return pysym_fail("%s: label %s has %lld elements, expected %lld (one class index per %s) "
                              "or the data shape %s", k, ls, (long long)lt->size, (long long)(rows * inner),
                              p.multi_output ? "(sample, position)" : "row", ys);
        }
    }
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", yt, &c->out[0])) return PYSYM_ERROR;
    const float *y = yt->data, *lab = lt->data, *og = p.out_grad ? c->in[2].data : NULL;
    float *d = c->out[0].data;
    const float gs = (float)p.grad_scale;
    const int64_t n = yt->size;
    if (prob_label) {
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = og ? gs * (y[i] - lab[i]) * og[i] : (y[i] - lab[i]) * gs;
        return PYSYM_OK;
    }
    const int ign = to_int(p.ignore_label);
    const float alpha = (float)p.smooth_alpha;
    const float smooth = alpha == 0.0f ? 0.0f : alpha / (float)(cls - 1);
    const int64_t n_lab = rows * inner;
    int64_t valid = n_lab;
    for (int64_t i = 0; i < n_lab; ++i)
        if (to_int(lab[i]) == ign) --valid;
    if (valid == 0) valid = 1;
    float scale;
    if (p.multi_output) {
        const int64_t norm = p.normalization == NORM_BATCH ? rows : p.normalization == NORM_VALID ? valid : 1;
        scale = gs / (float)(p.normalization == NORM_VALID ? 1 : inner) / (float)norm;
    } else {
        scale = p.normalization == NORM_BATCH ? gs / (float)rows : p.normalization == NORM_VALID ? gs / (float)valid : gs;
    }
#pragma omp parallel for collapse(2) if(par(n))
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < inner; ++i) {
            const int kk = to_int(lab[r * inner + i]);
            const int skip = p.use_ignore && kk == ign;
            for (int64_t x = 0; x < cls; ++x) {
                const int64_t q = (r * cls + x) * inner + i;
                float v = skip ? 0.0f : x == kk ? (y[q] - 1.0f) + alpha : y[q] - smooth;
                v *= scale;
                d[q] = og ? v * og[q] : v;
            }
        }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- SoftmaxActivation */

enum { SMA_INSTANCE, SMA_CHANNEL, SMA_COUNT };

/* softmax_activation_fwd  (MXNet SoftmaxActivation)
 * inputs:  0 data
 * outputs: 0 out (shape of data)
 * params:  0 mode: instance 0 (softmax over the last axis: MXNet's FlatTo2D), channel 1 (over axis
 *          1 of (N, C, rest); needs ndim >= 3 as MXNet checks) */
static int softmax_activation_fwd(const pysym_call *c) {
    const char *k = "softmax_activation_fwd";
    int mode = 0;
    if (check_params(c, k, 1) || get_enum(c, k, 0, "mode", SMA_COUNT, &mode) || check_io(c, k, 1, 1))
        return PYSYM_ERROR;
    const pysym_tensor *xt = &c->in[0];
    if (mode == SMA_CHANNEL && xt->ndim < 3)
        return pysym_fail("%s: mode=channel needs data with ndim >= 3, got %d", k, xt->ndim);
    if (xt->ndim < 1) return pysym_fail("%s: data must have ndim >= 1, got %d", k, xt->ndim);
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", xt, &c->out[0])) return PYSYM_ERROR;
    int64_t outer, n, inner;
    axis_view(xt, mode == SMA_CHANNEL ? 1 : xt->ndim - 1, &outer, &n, &inner);
    return softmax_rows(k, xt->data, c->out[0].data, outer, n, inner, 1.0f, 0);
}

/* softmax_activation_bwd  (MXNet _backward_SoftmaxActivation)
 * inputs:  0 out_grad, 1 out_data (forward output)
 * outputs: 0 d_data
 * params:  as softmax_activation_fwd (mode; not read)
 * d = y * (g - sum_axis1(g * y)) over axis 1 of (N, C, rest) in both modes, as MXNet does.
 * MXNet quirk: for mode=instance with ndim > 2 the forward normalises the last axis but this
 * reduces axis 1, so it is not the forward's gradient; it is kept for parity. 1-D data (where
 * MXNet reads past the shape) is treated as one row, matching its forward. */
static int softmax_activation_bwd(const pysym_call *c) {
    const char *k = "softmax_activation_bwd";
    int mode = 0;
    if (check_params(c, k, 1) || get_enum(c, k, 0, "mode", SMA_COUNT, &mode) || check_io(c, k, 2, 1))
        return PYSYM_ERROR;
    const pysym_tensor *gt = &c->in[0];
    if (check_same(k, "input 1 (out_data)", gt, &c->in[1])) return PYSYM_ERROR;
    if (gt->ndim < 1) return pysym_fail("%s: data must have ndim >= 1, got %d", k, gt->ndim);
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", gt, &c->out[0])) return PYSYM_ERROR;
    int64_t outer, n, inner;
    axis_view(gt, gt->ndim == 1 ? 0 : 1, &outer, &n, &inner);
    return softmax_grad_rows(k, gt->data, c->in[1].data, c->out[0].data, outer, n, inner, 1.0f, 0);
}

/* ---------------------------------------------------------------- regression outputs */

enum { REG_LINEAR, REG_LOGISTIC, REG_MAE, REG_COUNT };

/* regression_fwd  (MXNet LinearRegressionOutput / LogisticRegressionOutput / MAERegressionOutput)
 * inputs:  0 data, 1 label (optional; not read by the forward)
 * outputs: 0 out (shape of data): identity (linear, mae) or sigmoid (logistic)
 * params:  0 kind: linear 0, logistic 1, mae 2;  1 grad_scale (1; read by the bwd only) */
static int regression_fwd(const pysym_call *c) {
    const char *k = "regression_fwd";
    int kind = 0;
    if (check_params(c, k, 2) || get_enum(c, k, 0, "kind", REG_COUNT, &kind) ||
        check_io(c, k, c->n_in == 2 ? 2 : 1, 1))
        return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    const float *x = c->in[0].data;
    float *y = c->out[0].data;
    const int64_t n = c->in[0].size;
    if (kind != REG_LOGISTIC) {
        copy_f32(y, x, n);
        return PYSYM_OK;
    }
#pragma omp parallel for if(par(n))
    for (int64_t i = 0; i < n; ++i) y[i] = pysym_sigmoidf(x[i]);
    return PYSYM_OK;
}

/* regression_bwd  (MXNet _backward_*RegressionOutput; the label gets no gradient)
 * inputs:  0 out_data (forward output), 1 label (same element count as data and the same first
 *          dimension, e.g. (N,) for data (N, 1))
 * outputs: 0 d_data
 * params:  as regression_fwd (kind, grad_scale)
 * d = (out - label) * grad_scale / num_output (linear, logistic), or sign(out - label) with
 * sign(0) = -1 (mae, MXNet's minus_sign); num_output = label.size / label.shape[0] in integers. */
static int regression_bwd(const pysym_call *c) {
    const char *k = "regression_bwd";
    int kind = 0;
    if (check_params(c, k, 2) || get_enum(c, k, 0, "kind", REG_COUNT, &kind) || check_io(c, k, 2, 1))
        return PYSYM_ERROR;
    const pysym_tensor *yt = &c->in[0], *lt = &c->in[1];
    if (yt->ndim < 1 || lt->ndim < 1 || lt->size != yt->size || lt->shape[0] != yt->shape[0]) {
        char ys[160], ls[160];
        shape_str(yt, ys, sizeof ys);
        shape_str(lt, ls, sizeof ls);
        return pysym_fail("%s: label %s must have the data's element count and first dimension (data %s)",
                          k, ls, ys);
    }
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", yt, &c->out[0])) return PYSYM_ERROR;
    const int64_t n = yt->size;
    if (n == 0) return PYSYM_OK;
    const float num_output = (float)(lt->size / lt->shape[0]);
    const float scale = (float)c->params[1] / num_output;
    const float *y = yt->data, *l = lt->data;
    float *d = c->out[0].data;
    if (kind == REG_MAE) {
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = (y[i] - l[i] > 0.0f ? 1.0f : -1.0f) * scale;
    } else {
#pragma omp parallel for simd if(par(n))
        for (int64_t i = 0; i < n; ++i) d[i] = (y[i] - l[i]) * scale;
    }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- MakeLoss */

/* make_loss_bwd  (MXNet _backward_MakeLoss; the forward is an identity copy)
 * inputs:  0 data (the forward input or output: identical; values read only for valid)
 * outputs: 0 d_data, a constant:
 *          null grad_scale;  batch grad_scale / rows;  valid grad_scale / max(1, count(data > valid_thresh))
 * params:  0 grad_scale (1), 1 valid_thresh (0), 2 normalization: null 0, batch 1, valid 2
 * MXNet quirk: rows is MXNet's FlatTo2D row count, the product of all dims but the last, so
 * batch divides (N, C, H) by N*C and 1-D (N,) data by 1. */
static int make_loss_bwd(const pysym_call *c) {
    const char *k = "make_loss_bwd";
    int norm = 0;
    if (check_params(c, k, 3) || get_enum(c, k, 2, "normalization", NORM_COUNT, &norm) || check_io(c, k, 1, 1))
        return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    const pysym_tensor *xt = &c->in[0];
    if (check_same(k, "output 0", xt, &c->out[0])) return PYSYM_ERROR;
    const int64_t n = xt->size;
    const float gs = (float)c->params[0];
    float v = gs;
    if (norm == NORM_BATCH) {
        int64_t rows = 1;
        for (int i = 0; i + 1 < xt->ndim; ++i) rows *= xt->shape[i];
        v = gs / (float)rows;
    } else if (norm == NORM_VALID) {
        const float thresh = (float)c->params[1];
        const float *x = xt->data;
        int64_t cnt = 0;
#pragma omp parallel for simd reduction(+ : cnt) if(par(n))
        for (int64_t i = 0; i < n; ++i) cnt += thresh < x[i];
        v = gs / (float)(cnt > 1 ? cnt : 1);
    }
    float *d = c->out[0].data;
#pragma omp parallel for simd if(par(n))
    for (int64_t i = 0; i < n; ++i) d[i] = v;
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- Dropout */

enum { DROP_TRAINING, DROP_ALWAYS, DROP_COUNT };

/* dropout_fwd  (MXNet Dropout)
 * inputs:  0 data
 * outputs: 0 out, 1 mask (both the shape of data; mask is MXNet's hidden second output)
 * params:  0 p (0.5; in [0, 1]), 1 mode: training 0, always 1
 * Active when (is_train or mode == always) and p > 0: per element in row-major order u =
 * pysym_rng_uniform(rng), mask = u >= p ? 1/(1-p) : 0, out = data * mask; so a seeded executor
 * reproduces its masks. p == 1 gives zeros without drawing. Inactive: out = data, mask = 1. */
static int dropout_fwd(const pysym_call *c) {
    const char *k = "dropout_fwd";
    int mode = 0;
    if (check_params(c, k, 2) || get_enum(c, k, 1, "mode", DROP_COUNT, &mode) || check_io(c, k, 1, 2))
        return PYSYM_ERROR;
    const double p = c->params[0];
    if (!(p >= 0.0 && p <= 1.0)) return pysym_fail("%s: param 0 (p) is %g, expected a value in [0, 1]", k, p);
    const pysym_tensor *xt = &c->in[0];
    const int want_y = want(c, 0), want_m = want(c, 1);
    if (want_y && check_same(k, "output 0 (out)", xt, &c->out[0])) return PYSYM_ERROR;
    if (want_m && check_same(k, "output 1 (mask)", xt, &c->out[1])) return PYSYM_ERROR;
    if (!want_y && !want_m) return PYSYM_OK;
    const float *x = xt->data;
    float *y = want_y ? c->out[0].data : NULL, *m = want_m ? c->out[1].data : NULL;
    const int64_t n = xt->size;
    const int active = (c->is_train || mode == DROP_ALWAYS) && p > 0.0;
    if (!active || p >= 1.0) {
        const float mv = active ? 0.0f : 1.0f;
        if (y) {
            if (active) memset(y, 0, (size_t)n * sizeof(float));
            else copy_f32(y, x, n);
        }
        if (m) {
#pragma omp parallel for simd if(par(n))
            for (int64_t i = 0; i < n; ++i) m[i] = mv;
        }
        return PYSYM_OK;
    }
    /* the RNG is one sequential stream, so the mask is drawn serially; MXNet's pkeep and
     * 1/pkeep are float */
    const float scale = 1.0f / (1.0f - (float)p);
    for (int64_t i = 0; i < n; ++i) {
        const float mv = pysym_rng_uniform(c->rng) >= p ? scale : 0.0f;
        if (m) m[i] = mv;
        if (y) y[i] = x[i] * mv;
    }
    return PYSYM_OK;
}

/* dropout_bwd  (MXNet _backward_Dropout)
 * inputs:  0 out_grad, 1 mask (from dropout_fwd)
 * outputs: 0 d_data = out_grad * mask
 * params:  as dropout_fwd (p, mode); not read, the mask already holds the scale. */
static int dropout_bwd(const pysym_call *c) {
    const char *k = "dropout_bwd";
    if (check_params(c, k, 2) || check_io(c, k, 2, 1)) return PYSYM_ERROR;
    if (check_same(k, "input 1 (mask)", &c->in[0], &c->in[1])) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    if (check_same(k, "output 0", &c->in[0], &c->out[0])) return PYSYM_ERROR;
    const float *g = c->in[0].data, *m = c->in[1].data;
    float *d = c->out[0].data;
    const int64_t n = c->in[0].size;
#pragma omp parallel for simd if(par(n))
    for (int64_t i = 0; i < n; ++i) d[i] = g[i] * m[i];
    return PYSYM_OK;
}

/* ---------------------------------------------------------------- table */

const pysym_kernel_entry pysym_kernels_nn_act[] = {
    {"activation_fwd", activation_fwd, NULL},
    {"activation_bwd", activation_bwd, NULL},
    {"leaky_relu_fwd", leaky_relu_fwd, NULL},
    {"leaky_relu_bwd", leaky_relu_bwd, NULL},
    {"softmax_fwd", softmax_fwd, NULL},
    {"softmax_bwd", softmax_bwd, NULL},
    {"log_softmax_fwd", log_softmax_fwd, NULL},
    {"log_softmax_bwd", log_softmax_bwd, NULL},
    {"softmax_output_fwd", softmax_output_fwd, NULL},
    {"softmax_output_bwd", softmax_output_bwd, NULL},
    {"softmax_activation_fwd", softmax_activation_fwd, NULL},
    {"softmax_activation_bwd", softmax_activation_bwd, NULL},
    {"regression_fwd", regression_fwd, NULL},
    {"regression_bwd", regression_bwd, NULL},
    {"make_loss_bwd", make_loss_bwd, NULL},
    {"dropout_fwd", dropout_fwd, NULL},
    {"dropout_bwd", dropout_bwd, NULL},
};
const int pysym_kernels_nn_act_count = sizeof(pysym_kernels_nn_act) / sizeof(pysym_kernels_nn_act[0]);

/* test_nn_act.c - checks every nn_act kernel against naive double-precision references written
 * here, backward kernels against central finite differences of their forward kernel (loss heads
 * against their documented gradient formula), and that bad calls fail with a message. */
#include "pysym.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pysym_kernel_entry pysym_kernels_nn_act[];
extern const int pysym_kernels_nn_act_count;

static int failures = 0, checks = 0;

#define CHECK(cond, ...)                                        \
    do {                                                        \
        ++checks;                                               \
        if (!(cond)) {                                          \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
            printf(__VA_ARGS__);                                \
            printf("\n");                                       \
            ++failures;                                         \
        }                                                       \
    } while (0)

/* ---------------------------------------------------------------- tensors */

static void *allocs[4096];
static int n_allocs = 0;

static pysym_tensor tens_of(const int64_t *shape, int ndim) {
    pysym_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = PYSYM_F32;
    t.ndim = ndim;
    t.size = 1;
    for (int i = 0; i < ndim; ++i) {
        t.shape[i] = shape[i];
        t.size *= shape[i];
    }
    t.data = pysym_alloc(t.size * (int64_t)sizeof(float));
    memset(t.data, 0, (size_t)t.size * sizeof(float));
    allocs[n_allocs++] = t.data;
    return t;
}
#define T(...) tens_of((int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

static void free_all(void) {
    for (int i = 0; i < n_allocs; ++i) pysym_free(allocs[i]);
    n_allocs = 0;
}

static float *F(const pysym_tensor *t) { return (float *)t->data; }

static uint64_t test_seed = 12345;
static double urand(double lo, double hi) {
    return lo + (hi - lo) * pysym_rng_uniform(&test_seed);
}
static void fill(pysym_tensor *t, double lo, double hi) {
    for (int64_t i = 0; i < t->size; ++i) F(t)[i] = (float)urand(lo, hi);
}
/* keeps values at least `gap` away from 0 so finite differences never straddle a kink */
static void fill_away(pysym_tensor *t, double lo, double hi, double gap) {
    for (int64_t i = 0; i < t->size; ++i) {
        double v = urand(lo, hi);
        if (fabs(v) < gap) v = v < 0 ? v - gap : v + gap;
        F(t)[i] = (float)v;
    }
}

/* ---------------------------------------------------------------- calling kernels */

static pysym_kernel_fn find(const char *name) {
    for (int i = 0; i < pysym_kernels_nn_act_count; ++i)
        if (strcmp(pysym_kernels_nn_act[i].name, name) == 0) return pysym_kernels_nn_act[i].fn;
    printf("FAIL: kernel %s not in the nn_act table\n", name);
    exit(2);
}

static uint64_t default_rng = 7;

static int call_full(const char *name, const pysym_tensor *in, int n_in, const pysym_tensor *out, int n_out,
                     const int32_t *req, const double *params, int n_params, int is_train, uint64_t *rng) {
    int32_t reqs[8];
    for (int i = 0; i < n_out; ++i) reqs[i] = req ? req[i] : PYSYM_REQ_WRITE;
    void *state = NULL;
    pysym_call c = {n_in, n_out, n_params, is_train, in, out, reqs, params, &state, rng ? rng : &default_rng};
    int rc = find(name)(&c);
    if (state) printf("FAIL: %s left per-instruction state although it declares none\n", name), ++failures;
    return rc;
}

static int call(const char *name, const pysym_tensor *in, int n_in, const pysym_tensor *out, int n_out,
                const double *params, int n_params) {
    return call_full(name, in, n_in, out, n_out, NULL, params, n_params, 1, NULL);
}

#define RUN(name, in, n_in, out, n_out, params, n_params)                                        \
    do {                                                                                         \
        int rc_ = call(name, in, n_in, out, n_out, params, n_params);                            \
        CHECK(rc_ == PYSYM_OK, "%s returned %d: %s", name, rc_, pysym_last_error());             \
    } while (0)

#define EXPECT_ERROR(name, in, n_in, out, n_out, params, n_params)                               \
    do {                                                                                         \
        pysym_fail("%s", "");                                                                    \
        int rc_ = call(name, in, n_in, out, n_out, params, n_params);                            \
        CHECK(rc_ == PYSYM_ERROR && strstr(pysym_last_error(), name) != NULL,                    \
              "%s: expected an error naming the kernel, got rc %d msg '%s'", name, rc_,          \
              pysym_last_error());                                                               \
    } while (0)

/* ---------------------------------------------------------------- comparisons */

static int close_to(double a, double b, double rtol, double atol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) <= atol + rtol * fmax(fabs(a), fabs(b));
}

static void compare(const char *what, const float *got, const double *want, int64_t n, double rtol, double atol) {
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < n; ++i)
        if (!close_to(got[i], want[i], rtol, atol)) {
            if (first < 0) first = i;
            ++bad;
        }
    CHECK(bad == 0, "%s: %lld of %lld mismatch, first at %lld: got %.7g want %.7g", what, (long long)bad,
          (long long)n, (long long)first, first >= 0 ? got[first] : 0.0, first >= 0 ? want[first] : 0.0);
}

static double *dbuf(int64_t n) {
    double *p = pysym_alloc(n * (int64_t)sizeof(double));
    memset(p, 0, (size_t)n * sizeof(double));
    allocs[n_allocs++] = p;
    return p;
}

/* ---------------------------------------------------------------- finite differences */

typedef struct {
    const char *name;
    pysym_tensor *in;
    int n_in;
    pysym_tensor *out; /* scratch outputs of the forward */
    int n_out;
    const double *params;
    int n_params;
} fwd_t;

/* L = sum(w * forward(in)[0]) in double */
static double fwd_loss(const fwd_t *f, const float *w) {
    int rc = call(f->name, f->in, f->n_in, f->out, f->n_out, f->params, f->n_params);
    if (rc != PYSYM_OK) {
        printf("FAIL: %s during finite differences: %s\n", f->name, pysym_last_error());
        ++failures;
        return NAN;
    }
    double L = 0;
    for (int64_t i = 0; i < f->out[0].size; ++i) L += (double)w[i] * F(&f->out[0])[i];
    return L;
}

/* Compares `analytic` with the central difference of L with respect to input `wrt`. */
static void check_fd(const char *what, const fwd_t *f, int wrt, const float *w, const float *analytic, double eps,
                     double rtol, double atol) {
    pysym_tensor *x = &f->in[wrt];
    double *num = dbuf(x->size);
    for (int64_t i = 0; i < x->size; ++i) {
        const float orig = F(x)[i];
        const float hi = orig + (float)eps, lo = orig - (float)eps;
        F(x)[i] = hi;
        const double lp = fwd_loss(f, w);
        F(x)[i] = lo;
        const double lm = fwd_loss(f, w);
        F(x)[i] = orig;
        num[i] = (lp - lm) / ((double)hi - (double)lo);
    }
    char label[200];
    snprintf(label, sizeof label, "%s (vs finite differences)", what);
    compare(label, analytic, num, x->size, rtol, atol);
}

/* ---------------------------------------------------------------- Activation */

static double act_ref(int act, double x) {
    switch (act) {
    case 0: return x > 0 ? x : 0;
    case 1: return 1 / (1 + exp(-x));
    case 2: return tanh(x);
    case 3: return log1p(exp(x));
    default: return x / (1 + fabs(x));
    }
}

static void test_activation(void) {
    const char *names[] = {"relu", "sigmoid", "tanh", "softrelu", "softsign"};
    for (int act = 0; act < 5; ++act) {
        const double params[1] = {act};
        pysym_tensor x = T(3, 4, 5), y = T(3, 4, 5), y2 = T(3, 4, 5), og = T(3, 4, 5), d = T(3, 4, 5);
        fill_away(&x, -3, 3, 0.05);
        fill(&og, -1, 1);
        RUN("activation_fwd", &x, 1, &y, 1, params, 1);
        double *ref = dbuf(x.size);
        for (int64_t i = 0; i < x.size; ++i) ref[i] = act_ref(act, F(&x)[i]);
        char what[100];
        snprintf(what, sizeof what, "activation_fwd %s", names[act]);
        compare(what, F(&y), ref, x.size, 1e-5, 1e-6);

        pysym_tensor bin[3] = {og, y, x};
        RUN("activation_bwd", bin, 3, &d, 1, params, 1);
        fwd_t f = {"activation_fwd", &x, 1, &y2, 1, params, 1};
        snprintf(what, sizeof what, "activation_bwd %s", names[act]);
        check_fd(what, &f, 0, F(&og), F(&d), 1e-2, 1e-2, 1e-3);
        if (act != 4) { /* in_data may be omitted except for softsign */
            pysym_tensor d2 = T(3, 4, 5);
            RUN("activation_bwd", bin, 2, &d2, 1, params, 1);
            CHECK(memcmp(F(&d), F(&d2), (size_t)d.size * sizeof(float)) == 0, "activation_bwd %s with 2 inputs differs",
                  names[act]);
        } else {
            EXPECT_ERROR("activation_bwd", bin, 2, &d, 1, params, 1);
        }
    }
    /* softrelu's overflow guard returns x above 20; relu keeps NaN; huge inputs stay finite */
    pysym_tensor x = T(4), y = T(4);
    F(&x)[0] = 25.0f, F(&x)[1] = 100.0f, F(&x)[2] = -100.0f, F(&x)[3] = 20.0f;
    const double sr[1] = {3};
    RUN("activation_fwd", &x, 1, &y, 1, sr, 1);
    CHECK(F(&y)[0] == 25.0f && F(&y)[1] == 100.0f && F(&y)[2] >= 0.0f && F(&y)[2] < 1e-30f &&
              fabsf(F(&y)[3] - 20.0f) < 1e-5f,
          "softrelu guard: %g %g %g %g", F(&y)[0], F(&y)[1], F(&y)[2], F(&y)[3]);
    F(&x)[0] = NAN;
    const double relu[1] = {0};
    RUN("activation_fwd", &x, 1, &y, 1, relu, 1);
    CHECK(isnan(F(&y)[0]) && F(&y)[2] == 0.0f, "relu NaN propagation: %g %g", F(&y)[0], F(&y)[2]);
    /* in place: output aliases the input */
    pysym_tensor z = T(6), zr = T(6);
    fill(&z, -2, 2);
    const double tanh_p[1] = {2};
    RUN("activation_fwd", &z, 1, &zr, 1, tanh_p, 1);
    RUN("activation_fwd", &z, 1, &z, 1, tanh_p, 1);
    CHECK(memcmp(F(&z), F(&zr), 6 * sizeof(float)) == 0, "activation_fwd in place differs");
    free_all();
}

/* ---------------------------------------------------------------- LeakyReLU */

#define SELU_A 1.6732632423543772848170429916717
#define SELU_L 1.0507009873554804934193349852946

static double lrelu_ref(int act, double x, double slope) {
    switch (act) {
    case 0: return x > 0 ? x : slope * x;
    case 1: return x > 0 ? x : slope * (exp(x) - 1);
    case 3: return SELU_L * (x > 0 ? x : SELU_A * (exp(x) - 1));
    default: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    }
}

/* reference PReLU with gamma given per (axis0, axis1) extents r0, r1 */
static void prelu_ref(const pysym_tensor *x, const float *gam, int64_t r0, int64_t r1, double *out) {
    const int64_t N = x->ndim > 0 ? x->shape[0] : 1, C = x->ndim > 1 ? x->shape[1] : 1;
    const int64_t inner = x->size / (N * C);
    for (int64_t a = 0; a < N; ++a)
        for (int64_t b = 0; b < C; ++b)
            for (int64_t j = 0; j < inner; ++j) {
                const int64_t q = (a * C + b) * inner + j;
                const double g = gam[(r0 == 1 ? 0 : a) * r1 + (r1 == 1 ? 0 : b)];
                const double v = F(x)[q];
                out[q] = v > 0 ? v : g * v;
            }
}

static void prelu_case(const char *what, pysym_tensor x, pysym_tensor gam, int64_t r0, int64_t r1, int fd) {
    const double params[2] = {2, 0.25};
    fill_away(&x, -2, 2, 0.05);
    fill(&gam, 0.05, 0.6);
    pysym_tensor y = tens_of(x.shape, x.ndim), y2 = tens_of(x.shape, x.ndim), og = tens_of(x.shape, x.ndim),
                 d = tens_of(x.shape, x.ndim), dg = tens_of(gam.shape, gam.ndim);
    fill(&og, -1, 1);
    pysym_tensor in[2] = {x, gam};
    RUN("leaky_relu_fwd", in, 2, &y, 1, params, 2);
    double *ref = dbuf(x.size);
    prelu_ref(&x, F(&gam), r0, r1, ref);
    char label[160];
    snprintf(label, sizeof label, "leaky_relu_fwd prelu %s", what);
    compare(label, F(&y), ref, x.size, 1e-6, 1e-7);
    pysym_tensor bin[4] = {og, x, y, gam}, bout[2] = {d, dg};
    RUN("leaky_relu_bwd", bin, 4, bout, 2, params, 2);
    if (fd) {
        fwd_t f = {"leaky_relu_fwd", in, 2, &y2, 1, params, 2};
        snprintf(label, sizeof label, "leaky_relu_bwd prelu %s d_data", what);
        check_fd(label, &f, 0, F(&og), F(&d), 1e-2, 1e-2, 1e-3);
        snprintf(label, sizeof label, "leaky_relu_bwd prelu %s d_gamma", what);
        check_fd(label, &f, 1, F(&og), F(&dg), 1e-2, 1e-2, 1e-3);
    } else { /* large case: the derivative written out, in double */
        const int64_t N = x.shape[0], C = x.shape[1], inner = x.size / (N * C);
        double *wd = dbuf(x.size), *wg = dbuf(gam.size);
        for (int64_t a = 0; a < N; ++a)
            for (int64_t b = 0; b < C; ++b)
                for (int64_t j = 0; j < inner; ++j) {
                    const int64_t q = (a * C + b) * inner + j, gi = (r0 == 1 ? 0 : a) * r1 + (r1 == 1 ? 0 : b);
                    const double xv = F(&x)[q], g = F(&og)[q];
                    wd[q] = g * (xv > 0 ? 1 : F(&gam)[gi]);
                    wg[gi] += xv > 0 ? 0 : g * xv;
                }
        snprintf(label, sizeof label, "leaky_relu_bwd prelu %s", what);
        compare(label, F(&d), wd, x.size, 1e-6, 1e-7);
        compare(label, F(&dg), wg, gam.size, 1e-5, 1e-5);
    }
    /* d_gamma alone (d_data not requested) */
    pysym_tensor dg2 = tens_of(gam.shape, gam.ndim);
    pysym_tensor bout2[2] = {d, dg2};
    const int32_t req[2] = {PYSYM_REQ_NULL, PYSYM_REQ_WRITE};
    bout2[0].data = NULL;
    int rc = call_full("leaky_relu_bwd", bin, 4, bout2, 2, req, params, 2, 1, NULL);
    CHECK(rc == PYSYM_OK && memcmp(F(&dg), F(&dg2), (size_t)dg.size * sizeof(float)) == 0,
          "leaky_relu_bwd prelu %s: d_gamma alone differs (rc %d %s)", what, rc, pysym_last_error());
}

static void test_leaky_relu(void) {
    const char *names[] = {"leaky", "elu", "prelu", "selu", "gelu"};
    const int acts[] = {0, 1, 3, 4};
    for (int ai = 0; ai < 4; ++ai) {
        const int act = acts[ai];
        const double params[2] = {act, 0.3};
        pysym_tensor x = T(2, 3, 7), y = T(2, 3, 7), y2 = T(2, 3, 7), og = T(2, 3, 7), d = T(2, 3, 7);
        fill_away(&x, -3, 3, 0.05);
        fill(&og, -1, 1);
        RUN("leaky_relu_fwd", &x, 1, &y, 1, params, 2);
        double *ref = dbuf(x.size);
        for (int64_t i = 0; i < x.size; ++i) ref[i] = lrelu_ref(act, F(&x)[i], 0.3);
        char what[100];
        snprintf(what, sizeof what, "leaky_relu_fwd %s", names[act]);
        compare(what, F(&y), ref, x.size, 1e-5, 1e-6);
        pysym_tensor bin[3] = {og, x, y};
        RUN("leaky_relu_bwd", bin, 3, &d, 1, params, 2);
        snprintf(what, sizeof what, "leaky_relu_bwd %s", names[act]);
        if (act != 3) {
            fwd_t f = {"leaky_relu_fwd", &x, 1, &y2, 1, params, 2};
            check_fd(what, &f, 0, F(&og), F(&d), 1e-2, 1e-2, 1e-3);
        } else {
            /* MXNet's selu backward lambda*(y>0 ? 1 : alpha+y), checked as written; it equals the
             * true derivative only for x > 0, which the finite differences confirm */
            double *want = dbuf(x.size), *num = dbuf(x.size);
            for (int64_t i = 0; i < x.size; ++i) {
                const double yy = F(&y)[i];
                want[i] = F(&og)[i] * SELU_L * (yy > 0 ? 1 : SELU_A + yy);
            }
            compare(what, F(&d), want, x.size, 1e-5, 1e-6);
            int64_t pos_bad = 0, neg_differs = 0;
            for (int64_t i = 0; i < x.size; ++i) {
                const double xv = F(&x)[i];
                num[i] = F(&og)[i] * (lrelu_ref(3, xv + 1e-4, 0) - lrelu_ref(3, xv - 1e-4, 0)) / 2e-4;
                if (xv > 0 && !close_to(F(&d)[i], num[i], 1e-3, 1e-5)) ++pos_bad;
                if (xv < -0.5 && fabs(F(&og)[i]) > 0.1 && !close_to(F(&d)[i], num[i], 1e-3, 1e-5)) ++neg_differs;
            }
            CHECK(pos_bad == 0, "leaky_relu_bwd selu: %lld positive inputs differ from the derivative", (long long)pos_bad);
            CHECK(neg_differs > 0, "leaky_relu_bwd selu: expected MXNet's formula to differ from the derivative for x < 0");
        }
    }
    /* PReLU gamma layouts (MXNet expand_shape, matched against axes 1 and 0 only) */
    prelu_case("(2,3,4,5) gamma (3,)", T(2, 3, 4, 5), T(3), 1, 3, 1);
    prelu_case("(2,3,4) gamma (2,3)", T(2, 3, 4), T(2, 3), 2, 3, 1);
    prelu_case("(2,3,4) gamma (1,)", T(2, 3, 4), T(1), 1, 1, 1);
    prelu_case("(5,3) gamma (3,)", T(5, 3), T(3), 1, 3, 1);
    prelu_case("(5,) gamma (5,)", T(5), T(5), 5, 1, 1);
    prelu_case("(3,4,5) gamma (3,) lands on axis 0", T(3, 4, 5), T(3), 3, 1, 1);
    prelu_case("(2,3,4) gamma (1,3)", T(2, 3, 4), T(1, 3), 1, 3, 1);
    prelu_case("(2,3,3) gamma (3,) is per channel, not per last axis", T(2, 3, 3), T(3), 1, 3, 1);
    prelu_case("large (64,8,160)", T(64, 8, 160), T(8), 1, 8, 0); /* threaded path */
    {
        const double params[2] = {2, 0.25};
        pysym_tensor in[2] = {T(2, 3, 4), T(7)}, y = T(2, 3, 4);
        EXPECT_ERROR("leaky_relu_fwd", in, 2, &y, 1, params, 2);                 /* gamma fits no axis */
        EXPECT_ERROR("leaky_relu_fwd", in, 1, &y, 1, params, 2);                 /* prelu without gamma */
        const double bad_act[2] = {5, 0.25};
        EXPECT_ERROR("leaky_relu_fwd", in, 1, &y, 1, bad_act, 2);
    }
    free_all();
}

/* ---------------------------------------------------------------- softmax / log_softmax */

/* reference softmax of x along axis `ax`, temperature t, into out (double) */
static void softmax_ref(const pysym_tensor *x, int ax, double t, int lg, double *out) {
    int64_t outer = 1, inner = 1, n = x->shape[ax];
    for (int i = 0; i < ax; ++i) outer *= x->shape[i];
    for (int i = ax + 1; i < x->ndim; ++i) inner *= x->shape[i];
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            double m = -INFINITY, s = 0;
            for (int64_t j = 0; j < n; ++j) m = fmax(m, F(x)[(o * n + j) * inner + i]);
            for (int64_t j = 0; j < n; ++j) s += exp((F(x)[(o * n + j) * inner + i] - m) / t);
            for (int64_t j = 0; j < n; ++j) {
                const double z = (F(x)[(o * n + j) * inner + i] - m) / t;
                out[(o * n + j) * inner + i] = lg ? z - log(s) : exp(z) / s;
            }
        }
}

static void softmax_case(pysym_tensor x, int ax, double t, int lg, int fd) {
    const char *fwd = lg ? "log_softmax_fwd" : "softmax_fwd", *bwd = lg ? "log_softmax_bwd" : "softmax_bwd";
    const double params[2] = {ax, t};
    fill(&x, -4, 4);
    pysym_tensor y = tens_of(x.shape, x.ndim), y2 = tens_of(x.shape, x.ndim), og = tens_of(x.shape, x.ndim),
                 d = tens_of(x.shape, x.ndim);
    fill(&og, -1, 1);
    RUN(fwd, &x, 1, &y, 1, params, 2);
    double *ref = dbuf(x.size);
    softmax_ref(&x, ax, t, lg, ref);
    char what[120];
    snprintf(what, sizeof what, "%s ndim %d axis %d t %g", fwd, x.ndim, ax, t);
    compare(what, F(&y), ref, x.size, 1e-5, 1e-6);
    pysym_tensor bin[2] = {og, y};
    RUN(bwd, bin, 2, &d, 1, params, 2);
    snprintf(what, sizeof what, "%s ndim %d axis %d t %g", bwd, x.ndim, ax, t);
    if (fd) {
        fwd_t f = {fwd, &x, 1, &y2, 1, params, 2};
        check_fd(what, &f, 0, F(&og), F(&d), 1e-2, 1e-2, 1e-3);
    } else { /* large case: the analytic form in double instead of thousands of forward calls */
        int64_t outer = 1, inner = 1, n = x.shape[ax];
        for (int i = 0; i < ax; ++i) outer *= x.shape[i];
        for (int i = ax + 1; i < x.ndim; ++i) inner *= x.shape[i];
        double *want = dbuf(x.size);
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < inner; ++i) {
                double s = 0;
                for (int64_t j = 0; j < n; ++j) {
                    const int64_t q = (o * n + j) * inner + i;
                    s += lg ? F(&og)[q] : (double)F(&og)[q] * ref[q];
                }
                for (int64_t j = 0; j < n; ++j) {
                    const int64_t q = (o * n + j) * inner + i;
                    want[q] = (lg ? F(&og)[q] - exp(ref[q]) * s : ref[q] * (F(&og)[q] - s)) / t;
                }
            }
        compare(what, F(&d), want, x.size, 1e-4, 1e-6);
    }
}

static void test_softmax(void) {
    for (int lg = 0; lg < 2; ++lg) {
        for (int ax = 0; ax < 3; ++ax) {
            softmax_case(T(2, 3, 4), ax, 1.0, lg, 1);
            softmax_case(T(2, 3, 4), ax, 2.5, lg, 1);
        }
        softmax_case(T(7), 0, 1.0, lg, 1);
        softmax_case(T(300, 300), 1, 1.0, lg, 0);    /* threaded contiguous rows */
        softmax_case(T(100, 30, 30), 1, 0.5, lg, 0); /* threaded strided axis */
    }
    /* in place */
    pysym_tensor x = T(4, 6), y = T(4, 6);
    fill(&x, -3, 3);
    const double p[2] = {1, 1};
    RUN("softmax_fwd", &x, 1, &y, 1, p, 2);
    RUN("softmax_fwd", &x, 1, &x, 1, p, 2);
    CHECK(memcmp(F(&x), F(&y), 24 * sizeof(float)) == 0, "softmax_fwd in place differs");
    /* large logits stay finite (max subtraction) */
    F(&x)[0] = 1000.0f, F(&x)[1] = 999.0f;
    for (int j = 2; j < 6; ++j) F(&x)[j] = -1000.0f;
    RUN("softmax_fwd", &x, 1, &y, 1, p, 2);
    CHECK(fabsf(F(&y)[0] - 0.7310586f) < 1e-6f && F(&y)[2] == 0.0f, "softmax large logits: %g", F(&y)[0]);
    const double bad_axis[2] = {2, 1}, bad_t[2] = {1, 0};
    EXPECT_ERROR("softmax_fwd", &x, 1, &y, 1, bad_axis, 2);
    EXPECT_ERROR("log_softmax_fwd", &x, 1, &y, 1, bad_t, 2);
    pysym_tensor bin[2] = {x, T(4, 5)};
    EXPECT_ERROR("softmax_bwd", bin, 2, &y, 1, p, 2);
    free_all();
}

/* ---------------------------------------------------------------- SoftmaxOutput */

/* params: grad_scale, ignore_label, multi_output, use_ignore, preserve_shape, normalization, out_grad, smooth_alpha */
static void so_params(double *p, double gs, double ign, int multi, int use_ign, int preserve, int norm, int og,
                      double alpha) {
    p[0] = gs, p[1] = ign, p[2] = multi, p[3] = use_ign, p[4] = preserve, p[5] = norm, p[6] = og, p[7] = alpha;
}

/* Reference SoftmaxOutput gradient written from the documented formula. Positions are
 * (row r, class x, inner i); the label for (r, i) is lab[r*inner + i]. */
static void so_grad_ref(const float *y, const float *lab, int64_t rows, int64_t C, int64_t inner, const double *p,
                        double *d) {
    const double gs = p[0], alpha = p[7];
    const int ign = (int)p[1], multi = (int)p[2], use_ign = (int)p[3], norm = (int)p[5];
    int64_t valid = 0;
    for (int64_t q = 0; q < rows * inner; ++q) valid += (int)lab[q] != ign;
    if (valid == 0) valid = 1;
    double div;
    if (norm == 0) div = multi ? (double)inner : 1.0;
    else if (norm == 1) div = multi ? (double)(rows * inner) : (double)rows;
    else div = (double)valid;
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < inner; ++i) {
            const int k = (int)lab[r * inner + i];
            for (int64_t x = 0; x < C; ++x) {
                const int64_t q = (r * C + x) * inner + i;
                double target = x == k ? 1.0 - alpha : alpha / (double)(C - 1);
                if (alpha == 0) target = x == k ? 1.0 : 0.0;
                d[q] = (use_ign && k == ign) ? 0.0 : (y[q] - target) * gs / div;
            }
        }
}

static void test_softmax_output(void) {
    double p[8];
    /* the oracle example from the reference notes: x = [[1,2,3],[1,1,1]], label [2,0] */
    {
        pysym_tensor x = T(2, 3), lab = T(2), y = T(2, 3), d = T(2, 3);
        const float xv[6] = {1, 2, 3, 1, 1, 1};
        memcpy(F(&x), xv, sizeof xv);
        F(&lab)[0] = 2, F(&lab)[1] = 0;
        so_params(p, 1, -1, 0, 0, 0, 0, 0, 0);
        pysym_tensor fin[2] = {x, lab};
        RUN("softmax_output_fwd", fin, 2, &y, 1, p, 8);
        const double yw[6] = {0.09003057, 0.24472847, 0.66524096, 1 / 3.0, 1 / 3.0, 1 / 3.0};
        compare("softmax_output_fwd oracle", F(&y), yw, 6, 1e-5, 1e-6);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        const double dw[6] = {0.09003057, 0.24472847, -0.33475904, -2 / 3.0, 1 / 3.0, 1 / 3.0};
        compare("softmax_output_bwd oracle null", F(&d), dw, 6, 1e-5, 1e-6);
        so_params(p, 1, -1, 0, 0, 0, 1, 0, 0);
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        double half[6];
        for (int i = 0; i < 6; ++i) half[i] = dw[i] / 2;
        compare("softmax_output_bwd oracle batch", F(&d), half, 6, 1e-5, 1e-6);
        /* the label argument is optional in the forward */
        RUN("softmax_output_fwd", fin, 1, &y, 1, p, 8);
        compare("softmax_output_fwd without label", F(&y), yw, 6, 1e-5, 1e-6);
    }
    /* forward axis choice: default flattens (N, rest); preserve_shape the last axis; multi_output axis 1 */
    {
        pysym_tensor x = T(2, 3, 4), y = T(2, 3, 4);
        fill(&x, -3, 3);
        double *ref = dbuf(24);
        pysym_tensor flat = x;
        flat.ndim = 2, flat.shape[0] = 2, flat.shape[1] = 12;
        so_params(p, 1, -1, 0, 0, 0, 0, 0, 0);
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        softmax_ref(&flat, 1, 1, 0, ref);
        compare("softmax_output_fwd flattened", F(&y), ref, 24, 1e-5, 1e-6);
        so_params(p, 1, -1, 0, 0, 1, 0, 0, 0);
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        softmax_ref(&x, 2, 1, 0, ref);
        compare("softmax_output_fwd preserve_shape", F(&y), ref, 24, 1e-5, 1e-6);
        so_params(p, 1, -1, 1, 0, 1, 0, 0, 0); /* multi_output wins over preserve_shape */
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        softmax_ref(&x, 1, 1, 0, ref);
        compare("softmax_output_fwd multi_output", F(&y), ref, 24, 1e-5, 1e-6);
    }
    /* backward, plain 2-D: every normalisation, use_ignore, smoothing, grad_scale */
    for (int norm = 0; norm < 3; ++norm)
        for (int use_ign = 0; use_ign < 2; ++use_ign)
            for (int sm = 0; sm < 2; ++sm) {
                pysym_tensor x = T(6, 5), lab = T(6), y = T(6, 5), d = T(6, 5);
                fill(&x, -2, 2);
                const float lv[6] = {0, 4, 1, 1, 3, 2};
                memcpy(F(&lab), lv, sizeof lv);
                so_params(p, 2.5, 1, 0, use_ign, 0, norm, 0, sm ? 0.1 : 0);
                pysym_tensor fin[2] = {x, lab};
                RUN("softmax_output_fwd", fin, 2, &y, 1, p, 8);
                pysym_tensor bin[2] = {y, lab};
                RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
                double *want = dbuf(30);
                so_grad_ref(F(&y), F(&lab), 6, 5, 1, p, want);
                char what[120];
                snprintf(what, sizeof what, "softmax_output_bwd 2-D norm %d use_ignore %d smooth %d", norm, use_ign, sm);
                compare(what, F(&d), want, 30, 1e-5, 1e-6);
            }
    /* backward, preserve_shape (2,3,4) with label (2,3); multi_output (2,4,3) with label (2,3) */
    for (int norm = 0; norm < 3; ++norm) {
        pysym_tensor x = T(2, 3, 4), lab = T(2, 3), y = T(2, 3, 4), d = T(2, 3, 4);
        fill(&x, -2, 2);
        const float lv[6] = {0, 3, -1, 2, 1, -1};
        memcpy(F(&lab), lv, sizeof lv);
        so_params(p, 1, -1, 0, 1, 1, norm, 0, 0);
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        double *want = dbuf(24);
        so_grad_ref(F(&y), F(&lab), 6, 4, 1, p, want);
        char what[120];
        snprintf(what, sizeof what, "softmax_output_bwd preserve_shape norm %d", norm);
        compare(what, F(&d), want, 24, 1e-5, 1e-6);

        pysym_tensor xm = T(2, 4, 3), ym = T(2, 4, 3), dm = T(2, 4, 3);
        fill(&xm, -2, 2);
        so_params(p, 1.5, -1, 1, 1, 0, norm, 0, 0);
        RUN("softmax_output_fwd", &xm, 1, &ym, 1, p, 8);
        pysym_tensor bm[2] = {ym, lab};
        RUN("softmax_output_bwd", bm, 2, &dm, 1, p, 8);
        so_grad_ref(F(&ym), F(&lab), 2, 4, 3, p, want);
        snprintf(what, sizeof what, "softmax_output_bwd multi_output norm %d", norm);
        compare(what, F(&dm), want, 24, 1e-5, 1e-6);
    }
    /* valid counts ignore_label even without use_ignore; all ignored falls back to 1 */
    {
        pysym_tensor y = T(2, 3), lab = T(2), d = T(2, 3);
        fill(&y, 0, 1);
        F(&lab)[0] = 2, F(&lab)[1] = 2;
        so_params(p, 1, 2, 0, 0, 0, 2, 0, 0);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        double want[6];
        for (int i = 0; i < 6; ++i) want[i] = F(&y)[i] - (i % 3 == 2 ? 1 : 0);
        compare("softmax_output_bwd valid with no valid label", F(&d), want, 6, 1e-6, 1e-7);
    }
    /* probability labels (label shape == data shape): (out - label) * grad_scale, no normalisation */
    {
        pysym_tensor y = T(3, 4), lab = T(3, 4), d = T(3, 4);
        fill(&y, 0, 1);
        fill(&lab, 0, 1);
        so_params(p, 3, -1, 0, 0, 0, 1, 0, 0);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        double *want = dbuf(12);
        for (int i = 0; i < 12; ++i) want[i] = ((double)F(&y)[i] - F(&lab)[i]) * 3;
        compare("softmax_output_bwd probability labels", F(&d), want, 12, 1e-5, 1e-6);
    }
    /* out_grad = 1 multiplies by the head gradient (third input) */
    {
        pysym_tensor y = T(4, 3), lab = T(4), og = T(4, 3), d = T(4, 3);
        fill(&y, 0, 1);
        fill(&og, -1, 1);
        const float lv[4] = {0, 1, 2, 1};
        memcpy(F(&lab), lv, sizeof lv);
        so_params(p, 2, -1, 0, 0, 0, 1, 1, 0);
        pysym_tensor bin[3] = {y, lab, og};
        RUN("softmax_output_bwd", bin, 3, &d, 1, p, 8);
        double *want = dbuf(12);
        so_grad_ref(F(&y), F(&lab), 4, 3, 1, p, want);
        for (int i = 0; i < 12; ++i) want[i] *= F(&og)[i];
        compare("softmax_output_bwd out_grad", F(&d), want, 12, 1e-5, 1e-6);
        EXPECT_ERROR("softmax_output_bwd", bin, 2, &d, 1, p, 8); /* out_grad needs the third input */
    }
    /* (softmax - onehot) is the gradient of -log softmax[label]: check against log_softmax's
     * finite differences */
    {
        pysym_tensor x = T(3, 5), lab = T(3), y = T(3, 5), d = T(3, 5), ls = T(3, 5), w = T(3, 5);
        fill(&x, -2, 2);
        const float lv[3] = {4, 0, 2};
        memcpy(F(&lab), lv, sizeof lv);
        for (int r = 0; r < 3; ++r) F(&w)[r * 5 + (int)lv[r]] = -1.0f;
        so_params(p, 1, -1, 0, 0, 0, 0, 0, 0);
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        const double lp[2] = {1, 1};
        fwd_t f = {"log_softmax_fwd", &x, 1, &ls, 1, lp, 2};
        check_fd("softmax_output_bwd as cross-entropy gradient", &f, 0, F(&w), F(&d), 1e-2, 1e-2, 1e-3);
    }
    /* threaded path */
    {
        pysym_tensor x = T(512, 200), lab = T(512), y = T(512, 200), d = T(512, 200);
        fill(&x, -3, 3);
        for (int i = 0; i < 512; ++i) F(&lab)[i] = (float)(i % 200);
        so_params(p, 1, 7, 0, 1, 0, 2, 0, 0.05);
        RUN("softmax_output_fwd", &x, 1, &y, 1, p, 8);
        double *ref = dbuf(x.size);
        softmax_ref(&x, 1, 1, 0, ref);
        compare("softmax_output_fwd large", F(&y), ref, x.size, 1e-5, 1e-7);
        pysym_tensor bin[2] = {y, lab};
        RUN("softmax_output_bwd", bin, 2, &d, 1, p, 8);
        double *want = dbuf(x.size);
        so_grad_ref(F(&y), F(&lab), 512, 200, 1, p, want);
        compare("softmax_output_bwd large", F(&d), want, x.size, 1e-5, 1e-9);
    }
    /* errors */
    {
        pysym_tensor y = T(4, 3), lab = T(5), d = T(4, 3);
        so_params(p, 1, -1, 0, 0, 0, 0, 0, 0);
        pysym_tensor bin[2] = {y, lab};
        EXPECT_ERROR("softmax_output_bwd", bin, 2, &d, 1, p, 8); /* label count */
        so_params(p, 1, -1, 0, 0, 0, 3, 0, 0);
        pysym_tensor ok[2] = {y, T(4)};
        EXPECT_ERROR("softmax_output_bwd", ok, 2, &d, 1, p, 8); /* normalization 3 */
        EXPECT_ERROR("softmax_output_fwd", ok, 2, &d, 1, p, 7); /* param count */
        so_params(p, 1, -1, 1, 0, 0, 0, 0, 0);
        pysym_tensor one = T(4), one_out = T(4);
        EXPECT_ERROR("softmax_output_fwd", &one, 1, &one_out, 1, p, 8); /* multi_output on 1-D */
    }
    free_all();
}

/* ---------------------------------------------------------------- SoftmaxActivation */

static void test_softmax_activation(void) {
    const double inst[1] = {0}, chan[1] = {1};
    /* instance on 2-D and channel on 3-D: forward against the reference, backward by finite differences */
    struct { pysym_tensor x; const double *p; int ax; const char *what; } cases[2] = {
        {T(3, 5), inst, 1, "instance (3,5)"}, {T(2, 3, 4), chan, 1, "channel (2,3,4)"}};
    for (int ci = 0; ci < 2; ++ci) {
        pysym_tensor x = cases[ci].x;
        fill(&x, -3, 3);
        pysym_tensor y = tens_of(x.shape, x.ndim), y2 = tens_of(x.shape, x.ndim), og = tens_of(x.shape, x.ndim),
                     d = tens_of(x.shape, x.ndim);
        fill(&og, -1, 1);
        RUN("softmax_activation_fwd", &x, 1, &y, 1, cases[ci].p, 1);
        double *ref = dbuf(x.size);
        softmax_ref(&x, cases[ci].ax, 1, 0, ref);
        char what[100];
        snprintf(what, sizeof what, "softmax_activation_fwd %s", cases[ci].what);
        compare(what, F(&y), ref, x.size, 1e-5, 1e-6);
        pysym_tensor bin[2] = {og, y};
        RUN("softmax_activation_bwd", bin, 2, &d, 1, cases[ci].p, 1);
        fwd_t f = {"softmax_activation_fwd", &x, 1, &y2, 1, cases[ci].p, 1};
        snprintf(what, sizeof what, "softmax_activation_bwd %s", cases[ci].what);
        check_fd(what, &f, 0, F(&og), F(&d), 1e-2, 1e-2, 1e-3);
    }
    /* instance on 3-D: forward over the last axis; backward reduces axis 1 as MXNet does */
    {
        pysym_tensor x = T(2, 3, 4), y = T(2, 3, 4), og = T(2, 3, 4), d = T(2, 3, 4);
        fill(&x, -3, 3);
        fill(&og, -1, 1);
        RUN("softmax_activation_fwd", &x, 1, &y, 1, inst, 1);
        double *ref = dbuf(24), *want = dbuf(24);
        softmax_ref(&x, 2, 1, 0, ref);
        compare("softmax_activation_fwd instance (2,3,4)", F(&y), ref, 24, 1e-5, 1e-6);
        pysym_tensor bin[2] = {og, y};
        RUN("softmax_activation_bwd", bin, 2, &d, 1, inst, 1);
        for (int a = 0; a < 2; ++a)
            for (int i = 0; i < 4; ++i) {
                double s = 0;
                for (int cc = 0; cc < 3; ++cc) s += (double)F(&og)[(a * 3 + cc) * 4 + i] * F(&y)[(a * 3 + cc) * 4 + i];
                for (int cc = 0; cc < 3; ++cc) {
                    const int q = (a * 3 + cc) * 4 + i;
                    want[q] = F(&y)[q] * (F(&og)[q] - s);
                }
            }
        compare("softmax_activation_bwd instance (2,3,4) MXNet axis-1 form", F(&d), want, 24, 1e-5, 1e-6);
        pysym_tensor x2 = T(3, 4), y2 = T(3, 4);
        EXPECT_ERROR("softmax_activation_fwd", &x2, 1, &y2, 1, chan, 1); /* channel needs ndim >= 3 */
        const double bad[1] = {2};
        EXPECT_ERROR("softmax_activation_fwd", &x2, 1, &y2, 1, bad, 1);
    }
    free_all();
}

/* ---------------------------------------------------------------- regression outputs */

static void test_regression(void) {
    const char *names[] = {"linear", "logistic", "mae"};
    for (int kind = 0; kind < 3; ++kind) {
        const double p[2] = {kind, 2.0};
        pysym_tensor x = T(4, 3), lab = T(4, 3), y = T(4, 3), d = T(4, 3);
        fill(&x, -3, 3);
        fill(&lab, -1, 1);
        F(&lab)[5] = F(&x)[5]; /* out == label: mae's sign(0) is -1 (kind != logistic) */
        pysym_tensor fin[2] = {x, lab};
        RUN("regression_fwd", fin, 2, &y, 1, p, 2);
        double want[12];
        for (int i = 0; i < 12; ++i) want[i] = kind == 1 ? 1 / (1 + exp(-(double)F(&x)[i])) : F(&x)[i];
        char what[80];
        snprintf(what, sizeof what, "regression_fwd %s", names[kind]);
        compare(what, F(&y), want, 12, 1e-6, 1e-7);
        pysym_tensor bin[2] = {y, lab};
        RUN("regression_bwd", bin, 2, &d, 1, p, 2);
        for (int i = 0; i < 12; ++i) {
            const double diff = (double)F(&y)[i] - F(&lab)[i];
            want[i] = (kind == 2 ? (diff > 0 ? 1 : -1) : diff) * 2.0 / 3.0; /* num_output = 12/4 */
        }
        snprintf(what, sizeof what, "regression_bwd %s", names[kind]);
        compare(what, F(&d), want, 12, 1e-5, 1e-6);
        if (kind == 2) CHECK(fabsf(F(&d)[5] + 2.0f / 3.0f) < 1e-6f, "mae sign(0) should be -1, got %g", F(&d)[5] * 1.5);
    }
    /* data (4,1) with label (4,): num_output 1; the forward takes data alone */
    {
        const double p[2] = {0, 1.0};
        pysym_tensor x = T(4, 1), lab = T(4), y = T(4, 1), d = T(4, 1);
        fill(&x, -1, 1);
        fill(&lab, -1, 1);
        RUN("regression_fwd", &x, 1, &y, 1, p, 2);
        pysym_tensor bin[2] = {y, lab};
        RUN("regression_bwd", bin, 2, &d, 1, p, 2);
        double want[4];
        for (int i = 0; i < 4; ++i) want[i] = (double)F(&x)[i] - F(&lab)[i];
        compare("regression_bwd (4,1) label (4,)", F(&d), want, 4, 1e-6, 1e-7);
        pysym_tensor badl[2] = {y, T(2, 2)};
        EXPECT_ERROR("regression_bwd", badl, 2, &d, 1, p, 2); /* first dim differs */
        pysym_tensor badn[2] = {y, T(5)};
        EXPECT_ERROR("regression_bwd", badn, 2, &d, 1, p, 2);
        const double badk[2] = {3, 1};
        EXPECT_ERROR("regression_fwd", &x, 1, &y, 1, badk, 2);
    }
    free_all();
}

/* ---------------------------------------------------------------- MakeLoss */

static void test_make_loss(void) {
    struct { pysym_tensor x; int norm; double expect_div; const char *what; } cases[] = {
        {T(4, 3), 0, 1, "null"},
        {T(4, 3), 1, 4, "batch (4,3)"},
        {T(2, 3, 4), 1, 6, "batch (2,3,4) divides by FlatTo2D rows"},
        {T(5), 1, 1, "batch 1-D divides by 1"},
    };
    for (int i = 0; i < 4; ++i) {
        const double p[3] = {3.0, 0.0, cases[i].norm};
        pysym_tensor d = tens_of(cases[i].x.shape, cases[i].x.ndim);
        fill(&cases[i].x, -1, 1);
        RUN("make_loss_bwd", &cases[i].x, 1, &d, 1, p, 3);
        double *want = dbuf(d.size);
        for (int64_t q = 0; q < d.size; ++q) want[q] = 3.0 / cases[i].expect_div;
        char what[100];
        snprintf(what, sizeof what, "make_loss_bwd %s", cases[i].what);
        compare(what, F(&d), want, d.size, 1e-6, 0);
    }
    /* valid: count of elements above valid_thresh, at least 1 */
    pysym_tensor x = T(2, 5), d = T(2, 5);
    const float xv[10] = {0.5f, 0.2f, 0.1f, 0.9f, 0.3f, 0.25f, 0.0f, 1.0f, 0.3f, 0.31f};
    memcpy(F(&x), xv, sizeof xv);
    const double p[3] = {2.0, 0.3, 2};
    RUN("make_loss_bwd", &x, 1, &d, 1, p, 3);
    double want[10];
    for (int i = 0; i < 10; ++i) want[i] = 2.0 / 4; /* 0.5, 0.9, 1.0, 0.31 exceed 0.3 */
    compare("make_loss_bwd valid", F(&d), want, 10, 1e-6, 0);
    const double none[3] = {2.0, 5.0, 2};
    RUN("make_loss_bwd", &x, 1, &d, 1, none, 3);
    for (int i = 0; i < 10; ++i) want[i] = 2.0;
    compare("make_loss_bwd valid with nothing above the threshold", F(&d), want, 10, 1e-6, 0);
    const double bad[3] = {1, 0, 3};
    EXPECT_ERROR("make_loss_bwd", &x, 1, &d, 1, bad, 3);
    free_all();
}

/* ---------------------------------------------------------------- Dropout */

static void test_dropout(void) {
    const int64_t n = 200000;
    pysym_tensor x = T(400, 500), y = T(400, 500), m = T(400, 500);
    for (int64_t i = 0; i < n; ++i) F(&x)[i] = 1.0f + (float)(i % 7) * 0.1f;
    const double p[2] = {0.3, 0};
    pysym_tensor outs[2] = {y, m};
    uint64_t rng = 99, rng_ref = 99;
    int rc = call_full("dropout_fwd", &x, 1, outs, 2, NULL, p, 2, 1, &rng);
    CHECK(rc == PYSYM_OK, "dropout_fwd: %s", pysym_last_error());
    /* exact reference: same RNG stream, u >= p keeps with scale 1/(1-p) */
    int64_t zeros = 0, exact_bad = 0;
    double sum_x = 0, sum_y = 0;
    const float scale = 1.0f / (1.0f - 0.3f);
    for (int64_t i = 0; i < n; ++i) {
        const double u = pysym_rng_uniform(&rng_ref);
        const float mv = u >= 0.3 ? scale : 0.0f;
        if (F(&m)[i] != mv || F(&y)[i] != F(&x)[i] * mv) ++exact_bad;
        zeros += F(&m)[i] == 0.0f;
        sum_x += F(&x)[i];
        sum_y += F(&y)[i];
    }
    CHECK(exact_bad == 0, "dropout_fwd: %lld elements differ from the reference stream", (long long)exact_bad);
    CHECK(rng == rng_ref, "dropout_fwd: RNG state should advance by exactly one draw per element");
    const double drop_rate = (double)zeros / n;
    CHECK(fabs(drop_rate - 0.3) < 0.006, "dropout_fwd: drop rate %g, expected 0.3", drop_rate);
    CHECK(fabs(sum_y / sum_x - 1.0) < 0.01, "dropout_fwd: mean ratio %g, expected 1 (inverted scaling)", sum_y / sum_x);
    /* determinism: the same seed reproduces, another seed does not */
    pysym_tensor y2 = T(400, 500), m2 = T(400, 500);
    pysym_tensor outs2[2] = {y2, m2};
    uint64_t rng2 = 99;
    call_full("dropout_fwd", &x, 1, outs2, 2, NULL, p, 2, 1, &rng2);
    CHECK(memcmp(F(&m), F(&m2), (size_t)n * sizeof(float)) == 0, "dropout_fwd: same seed, different mask");
    rng2 = 100;
    call_full("dropout_fwd", &x, 1, outs2, 2, NULL, p, 2, 1, &rng2);
    CHECK(memcmp(F(&m), F(&m2), (size_t)n * sizeof(float)) != 0, "dropout_fwd: different seeds, same mask");
    /* mask not requested: out is unchanged for the same seed */
    const int32_t req_out_only[2] = {PYSYM_REQ_WRITE, PYSYM_REQ_NULL};
    pysym_tensor outs3[2] = {y2, m2};
    outs3[1].data = NULL;
    rng2 = 99;
    rc = call_full("dropout_fwd", &x, 1, outs3, 2, req_out_only, p, 2, 1, &rng2);
    CHECK(rc == PYSYM_OK && memcmp(F(&y), F(&y2), (size_t)n * sizeof(float)) == 0,
          "dropout_fwd: out without mask differs");
    /* backward: out_grad * mask, and the forward is linear in data with that mask */
    pysym_tensor og = T(400, 500), d = T(400, 500);
    fill(&og, -1, 1);
    pysym_tensor bin[2] = {og, m};
    RUN("dropout_bwd", bin, 2, &d, 1, p, 2);
    double *want = dbuf(n);
    for (int64_t i = 0; i < n; ++i) want[i] = (double)F(&og)[i] * F(&m)[i];
    compare("dropout_bwd", F(&d), want, n, 1e-6, 0);
    /* inference with mode=training: identity, mask 1, RNG untouched */
    uint64_t rng3 = 5;
    rc = call_full("dropout_fwd", &x, 1, outs2, 2, NULL, p, 2, 0, &rng3);
    int ident_bad = 0;
    for (int64_t i = 0; i < n; ++i) ident_bad += F(&y2)[i] != F(&x)[i] || F(&m2)[i] != 1.0f;
    CHECK(rc == PYSYM_OK && ident_bad == 0 && rng3 == 5, "dropout_fwd inference: %d non-identity, rng %llu", ident_bad,
          (unsigned long long)rng3);
    /* mode=always drops at inference too */
    const double always[2] = {0.5, 1};
    rc = call_full("dropout_fwd", &x, 1, outs2, 2, NULL, always, 2, 0, &rng3);
    int64_t z2 = 0;
    for (int64_t i = 0; i < n; ++i) z2 += F(&m2)[i] == 0.0f;
    CHECK(rc == PYSYM_OK && fabs((double)z2 / n - 0.5) < 0.01, "dropout_fwd mode=always: drop rate %g", (double)z2 / n);
    /* p = 0 is the identity; p = 1 gives zeros (no 1/0) */
    const double p0[2] = {0, 0}, p1[2] = {1, 0};
    call_full("dropout_fwd", &x, 1, outs2, 2, NULL, p0, 2, 1, &rng3);
    ident_bad = 0;
    for (int64_t i = 0; i < n; ++i) ident_bad += F(&y2)[i] != F(&x)[i] || F(&m2)[i] != 1.0f;
    CHECK(ident_bad == 0, "dropout_fwd p=0: %d elements changed", ident_bad);
    call_full("dropout_fwd", &x, 1, outs2, 2, NULL, p1, 2, 1, &rng3);
    int nonzero = 0;
    for (int64_t i = 0; i < n; ++i) nonzero += F(&y2)[i] != 0.0f || F(&m2)[i] != 0.0f;
    CHECK(nonzero == 0, "dropout_fwd p=1: %d non-zero (or NaN) elements", nonzero);
    /* in place */
    pysym_tensor xi = T(100), yi = T(100), mi = T(100);
    fill(&xi, -1, 1);
    pysym_tensor oi[2] = {yi, mi};
    uint64_t ra = 3, rb = 3;
    call_full("dropout_fwd", &xi, 1, oi, 2, NULL, p, 2, 1, &ra);
    pysym_tensor oi2[2] = {xi, mi};
    call_full("dropout_fwd", &xi, 1, oi2, 2, NULL, p, 2, 1, &rb);
    CHECK(memcmp(F(&xi), F(&yi), 100 * sizeof(float)) == 0, "dropout_fwd in place differs");
    const double badp[2] = {1.5, 0};
    EXPECT_ERROR("dropout_fwd", &x, 1, outs, 2, badp, 2);
    EXPECT_ERROR("dropout_fwd", &x, 1, outs, 1, p, 2); /* mask output missing */
    free_all();
}

/* ---------------------------------------------------------------- generic bad input */

static void test_bad_input(void) {
    pysym_tensor x = T(2, 3), y = T(2, 3), w = T(3, 2);
    const double relu[1] = {0};
    EXPECT_ERROR("activation_fwd", &x, 0, &y, 1, relu, 1);  /* n_in */
    EXPECT_ERROR("activation_fwd", &x, 1, &y, 0, relu, 1);  /* n_out */
    EXPECT_ERROR("activation_fwd", &x, 1, &y, 1, relu, 0);  /* n_params */
    EXPECT_ERROR("activation_fwd", &x, 1, &w, 1, relu, 1);  /* output shape */
    const double bad_act[1] = {5}, frac_act[1] = {1.5};
    EXPECT_ERROR("activation_fwd", &x, 1, &y, 1, bad_act, 1);
    EXPECT_ERROR("activation_fwd", &x, 1, &y, 1, frac_act, 1);
    pysym_tensor xd = x;
    xd.dtype = PYSYM_F64;
    EXPECT_ERROR("activation_fwd", &xd, 1, &y, 1, relu, 1); /* dtype */
    pysym_tensor bin[3] = {x, w, x};
    EXPECT_ERROR("activation_bwd", bin, 3, &y, 1, relu, 1); /* out_data shape */
    /* REQ_ADD is the planner's job */
    const int32_t add[1] = {PYSYM_REQ_ADD};
    pysym_fail("%s", "");
    int rc = call_full("activation_fwd", &x, 1, &y, 1, add, relu, 1, 1, NULL);
    CHECK(rc == PYSYM_ERROR && strstr(pysym_last_error(), "req") != NULL, "REQ_ADD accepted: %s", pysym_last_error());
    /* REQ_NULL output with a NULL pointer is skipped */
    const int32_t none[1] = {PYSYM_REQ_NULL};
    pysym_tensor yn = y;
    yn.data = NULL;
    rc = call_full("activation_fwd", &x, 1, &yn, 1, none, relu, 1, 1, NULL);
    CHECK(rc == PYSYM_OK, "REQ_NULL output rejected: %s", pysym_last_error());
    /* every kernel rejects a call with no tensors */
    for (int i = 0; i < pysym_kernels_nn_act_count; ++i) {
        const double zeros[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        pysym_fail("%s", "");
        pysym_call c = {0, 0, 8, 1, NULL, NULL, NULL, zeros, NULL, &default_rng};
        void *state = NULL;
        c.state = &state;
        rc = pysym_kernels_nn_act[i].fn(&c);
        CHECK(rc == PYSYM_ERROR && pysym_last_error()[0] != '\0', "%s accepted an empty call",
              pysym_kernels_nn_act[i].name);
        CHECK(pysym_kernels_nn_act[i].free_state == NULL, "%s declares state", pysym_kernels_nn_act[i].name);
    }
    free_all();
}

int main(void) {
    test_activation();
    test_leaky_relu();
    test_softmax();
    test_softmax_output();
    test_softmax_activation();
    test_regression();
    test_make_loss();
    test_dropout();
    test_bad_input();
    printf("test_nn_act: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

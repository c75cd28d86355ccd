/* test_dnnl_nn.c - checks the dnnl_nn kernels against naive loops written here, backward
 * kernels against central finite differences of the forward kernels, and bad input handling. */
#define _POSIX_C_SOURCE 200112L
#include "pysym.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const pysym_kernel_entry pysym_kernels_dnnl_nn[];
extern const int pysym_kernels_dnnl_nn_count;

static int failures, checks;

static const pysym_kernel_entry *kernel(const char *name) {
    for (int i = 0; i < pysym_kernels_dnnl_nn_count; i++)
        if (!strcmp(pysym_kernels_dnnl_nn[i].name, name)) return &pysym_kernels_dnnl_nn[i];
    fprintf(stderr, "no kernel %s\n", name);
    exit(2);
}

/* ---------------------------------------------------------------- tensors and calls */

static pysym_tensor mk(int ndim, const int64_t *shape) {
    pysym_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = PYSYM_F32;
    t.ndim = ndim;
    t.size = 1;
    for (int i = 0; i < ndim; i++) t.size *= (t.shape[i] = shape[i]);
    t.data = pysym_alloc(t.size * 4);
    memset(t.data, 0, (size_t)t.size * 4);
    return t;
}
#define MK(...) mk(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), (int64_t[]){__VA_ARGS__})

static float *F(const pysym_tensor *t) { return t->data; }

static uint64_t seed = 88172645463325252ULL;
static double urand(void) { return pysym_rng_uniform(&seed); }
static void fill(pysym_tensor *t, double lo, double hi) {
    for (int64_t i = 0; i < t->size; i++) F(t)[i] = (float)(lo + (hi - lo) * urand());
}
static pysym_tensor clone(const pysym_tensor *t) {
    pysym_tensor c = mk(t->ndim, t->shape);
    memcpy(c.data, t->data, (size_t)t->size * 4);
    return c;
}

/* A kernel bound to its tensors, params and persistent state (like one plan instruction). */
typedef struct {
    const pysym_kernel_entry *k;
    pysym_tensor in[8], out[4];
    int32_t req[4];
    double params[16];
    int n_in, n_out, n_params, is_train;
    void *state;
    uint64_t rng;
} inst;

static int run(inst *s) {
    pysym_call c = {s->n_in, s->n_out, s->n_params, s->is_train, s->in, s->out, s->req, s->params, &s->state, &s->rng};
    return s->k->fn(&c);
}

static void inst_init(inst *s, const char *name, int n_in, int n_out, const double *p, int np) {
    memset(s, 0, sizeof *s);
    s->k = kernel(name);
    s->n_in = n_in;
    s->n_out = n_out;
    s->n_params = np;
    memcpy(s->params, p, sizeof(double) * (size_t)np);
    for (int i = 0; i < n_out; i++) s->req[i] = PYSYM_REQ_WRITE;
    s->is_train = 1;
}

/* Frees tensors and the kernel's state (through its free_state, as exec.c would). */
static void inst_free(inst *s) {
    if (s->state && s->k->free_state) s->k->free_state(s->state);
    s->state = NULL;
    for (int i = 0; i < s->n_in; i++) pysym_free(s->in[i].data);
    for (int i = 0; i < s->n_out; i++) pysym_free(s->out[i].data);
}

static void must_run(inst *s, const char *what) {
    if (run(s) != PYSYM_OK) {
        printf("FAIL %s: %s returned error: %s\n", what, s->k->name, pysym_last_error());
        failures++;
    }
}

/* |a-b| <= atol + rtol*|b| elementwise; prints the first mismatch. */
static void expect_close(const char *what, const float *a, const double *b, int64_t n, double rtol, double atol) {
    checks++;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(a[i]) && isnan(b[i])) continue; /* MXNet's 0/0 cases must stay NaN */
        if (!(fabs(a[i] - b[i]) <= atol + rtol * fabs(b[i]))) {
            printf("FAIL %s: element %lld got %.7g expected %.7g\n", what, (long long)i, a[i], b[i]);
            failures++;
            return;
        }
    }
}

static void expect_true(const char *what, int ok) {
    checks++;
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static void expect_error(const char *what, inst *s) {
    checks++;
    if (run(s) != PYSYM_ERROR || !pysym_last_error()[0]) {
        printf("FAIL %s: expected PYSYM_ERROR with a message\n", what);
        failures++;
    }
}

/* L = sum(out * R) in double. */
static double loss(const pysym_tensor *out, const pysym_tensor *R) {
    double s = 0;
    for (int64_t i = 0; i < out->size; i++) s += (double)F(out)[i] * F(R)[i];
    return s;
}

/* Central finite difference of loss(fwd.out[oi], R) w.r.t. every element of fwd.in[xi]. */
static double *numgrad(inst *fwd, int xi, int oi, const pysym_tensor *R, double eps) {
    pysym_tensor *x = &fwd->in[xi];
    double *g = malloc(sizeof(double) * (size_t)x->size);
    for (int64_t i = 0; i < x->size; i++) {
        float v = F(x)[i];
        F(x)[i] = v + (float)eps;
        run(fwd);
        double lp = loss(&fwd->out[oi], R);
        F(x)[i] = v - (float)eps;
        run(fwd);
        double lm = loss(&fwd->out[oi], R);
        F(x)[i] = v;
        g[i] = (lp - lm) / (2 * eps);
    }
    run(fwd);
    return g;
}

static void check_grad(const char *what, inst *fwd, int xi, int oi, const pysym_tensor *R, const float *analytic,
                       double eps) {
    double *g = numgrad(fwd, xi, oi, R, eps);
    expect_close(what, analytic, g, fwd->in[xi].size, 2e-2, 2e-2);
    free(g);
}

/* ---------------------------------------------------------------- convolution */

typedef struct { int nd; int64_t N, C, F, G, in[2], k[2], s[2], d[2], p[2], adj[2]; int bias, deconv; } ccase;

static int64_t c_out(const ccase *t, int i) {
    int64_t dk = t->d[i] * (t->k[i] - 1) + 1;
    return t->deconv ? (t->in[i] - 1) * t->s[i] - 2 * t->p[i] + dk + t->adj[i]
                     : (t->in[i] + 2 * t->p[i] - dk) / t->s[i] + 1;
}

static int cparams(const ccase *t, double *p) {
    int n = 0;
    p[n++] = t->nd;
    for (int j = 0; j < 2; j++) p[n++] = t->k[j];
    for (int j = 0; j < 2; j++) p[n++] = t->s[j];
    for (int j = 0; j < 2; j++) p[n++] = t->d[j];
    for (int j = 0; j < 2; j++) p[n++] = t->p[j];
    if (t->deconv)
        for (int j = 0; j < 2; j++) p[n++] = t->adj[j];
    p[n++] = t->G;
    p[n++] = !t->bias;
    return n;
}

/* Naive direct definition. Convolution: y[n,f,o] = b[f] + sum_{c in group, k} x[n,c,o*s-p+k*d] w[f,c,k].
 * Deconvolution: x[n,c,i] scatters x*w[c,f,k] onto y[n,f,i*s-p+k*d]. Spatial 1-D uses H = 1. */
static double *conv_ref(const ccase *t, const float *x, const float *w, const float *b) {
    int64_t H = t->nd == 2 ? t->in[0] : 1, W = t->in[t->nd - 1];
    int64_t OH = t->nd == 2 ? c_out(t, 0) : 1, OW = c_out(t, t->nd - 1);
    int64_t KH = t->nd == 2 ? t->k[0] : 1, KW = t->k[t->nd - 1];
    int64_t SH = t->nd == 2 ? t->s[0] : 1, SW = t->s[t->nd - 1], DH = t->nd == 2 ? t->d[0] : 1, DW = t->d[t->nd - 1];
    int64_t PH = t->nd == 2 ? t->p[0] : 0, PW = t->p[t->nd - 1];
    int64_t cg = t->C / t->G, fg = t->F / t->G;
    double *y = calloc((size_t)(t->N * t->F * OH * OW), sizeof(double));
    for (int64_t n = 0; n < t->N; n++)
        for (int64_t f = 0; f < t->F; f++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++)
                    y[((n * t->F + f) * OH + oy) * OW + ox] = b ? b[f] : 0;
    for (int64_t n = 0; n < t->N; n++)
        for (int64_t gi = 0; gi < t->G; gi++)
            for (int64_t fl = 0; fl < fg; fl++)
                for (int64_t cl = 0; cl < cg; cl++)
                    for (int64_t ky = 0; ky < KH; ky++)
                        for (int64_t kx = 0; kx < KW; kx++) {
                            int64_t f = gi * fg + fl, ch = gi * cg + cl;
                            if (!t->deconv) {
                                double wv = w[((f * cg + cl) * KH + ky) * KW + kx];
                                for (int64_t oy = 0; oy < OH; oy++)
                                    for (int64_t ox = 0; ox < OW; ox++) {
                                        int64_t iy = oy * SH - PH + ky * DH, ix = ox * SW - PW + kx * DW;
                                        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                                        y[((n * t->F + f) * OH + oy) * OW + ox] +=
                                            wv * x[((n * t->C + ch) * H + iy) * W + ix];
                                    }
                            } else {
                                double wv = w[((ch * fg + fl) * KH + ky) * KW + kx];
                                for (int64_t iy = 0; iy < H; iy++)
                                    for (int64_t ix = 0; ix < W; ix++) {
                                        int64_t oy = iy * SH - PH + ky * DH, ox = ix * SW - PW + kx * DW;
                                        if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                                        y[((n * t->F + f) * OH + oy) * OW + ox] +=
                                            wv * x[((n * t->C + ch) * H + iy) * W + ix];
                                    }
                            }
                        }
    return y;
}

static void conv_case(const char *label, ccase t) {
    char what[200], name[120];
    const char *pin = getenv("PYSYM_CONV_VARIANT");
    snprintf(name, sizeof name, "%s [%s]", label, pin ? pin : "auto");
    double p[16];
    int np = cparams(&t, p);
    int nd = t.nd;
    int64_t xs[4] = {t.N, t.C, t.in[0], t.in[1]}, ws[4], ys[4] = {t.N, t.F, c_out(&t, 0), c_out(&t, 1)};
    ws[0] = t.deconv ? t.C : t.F;
    ws[1] = t.deconv ? t.F / t.G : t.C / t.G;
    ws[2] = t.k[0];
    ws[3] = t.k[1];
    const char *fn = t.deconv ? "deconvolution_fwd" : "convolution_fwd";
    const char *bn = t.deconv ? "deconvolution_bwd" : "convolution_bwd";
    inst f;
    inst_init(&f, fn, t.bias ? 3 : 2, 1, p, np);
    f.in[0] = mk(2 + nd, xs);
    f.in[1] = mk(2 + nd, ws);
    fill(&f.in[0], -1, 1);
    fill(&f.in[1], -1, 1);
    if (t.bias) {
        f.in[2] = MK(t.F);
        fill(&f.in[2], -1, 1);
    }
    f.out[0] = mk(2 + nd, ys);
    must_run(&f, name);
    void *first_state = f.state;
    must_run(&f, name);
    snprintf(what, sizeof what, "%s keeps and reuses its state", name);
    expect_true(what, first_state && f.state == first_state);
    double *ref = conv_ref(&t, F(&f.in[0]), F(&f.in[1]), t.bias ? F(&f.in[2]) : NULL);
    snprintf(what, sizeof what, "%s forward", name);
    expect_close(what, F(&f.out[0]), ref, f.out[0].size, 1e-4, 1e-4);
    free(ref);

    /* backward against finite differences of L = sum(out * R) */
    pysym_tensor R = mk(2 + nd, ys);
    fill(&R, -1, 1);
    inst b;
    inst_init(&b, bn, 3, t.bias ? 3 : 2, p, np);
    b.in[0] = clone(&R);
    b.in[1] = clone(&f.in[0]);
    b.in[2] = clone(&f.in[1]);
    b.out[0] = mk(2 + nd, xs);
    b.out[1] = mk(2 + nd, ws);
    if (t.bias) b.out[2] = MK(t.F);
    must_run(&b, name);
    must_run(&b, name);
    snprintf(what, sizeof what, "%s d_data", name);
    check_grad(what, &f, 0, 0, &R, F(&b.out[0]), 1e-2);
    snprintf(what, sizeof what, "%s d_weight", name);
    check_grad(what, &f, 1, 0, &R, F(&b.out[1]), 1e-2);
    if (t.bias) {
        snprintf(what, sizeof what, "%s d_bias", name);
        check_grad(what, &f, 2, 0, &R, F(&b.out[2]), 1e-2);
    }

    /* partial requests give the same values */
    for (int skip = 0; skip < (t.bias ? 3 : 2); skip++) {
        inst q;
        inst_init(&q, bn, 3, t.bias ? 3 : 2, p, np);
        for (int i = 0; i < 3; i++) q.in[i] = clone(&b.in[i]);
        for (int i = 0; i < q.n_out; i++) q.out[i] = mk(b.out[i].ndim, b.out[i].shape);
        q.req[skip] = PYSYM_REQ_NULL;
        pysym_free(q.out[skip].data);
        q.out[skip].data = NULL;
        must_run(&q, name);
        for (int i = 0; i < q.n_out; i++) {
            if (i == skip) continue;
            double *e = malloc(sizeof(double) * (size_t)b.out[i].size);
            for (int64_t j = 0; j < b.out[i].size; j++) e[j] = F(&b.out[i])[j];
            snprintf(what, sizeof what, "%s output %d with output %d req null", name, i, skip);
            /* another state may time a different oneDNN variant faster: equal up to rounding */
            expect_close(what, F(&q.out[i]), e, b.out[i].size, 1e-4, 1e-4);
            free(e);
        }
        inst_free(&q);
    }
    pysym_free(R.data);
    inst_free(&f);
    inst_free(&b);
}

static void conv_tests(void) {
    /* 16 channels, 3x3, stride 1: oneDNN's Winograd domain (and the auto trial considers it) */
    conv_case("conv2d 16ch 3x3", (ccase){2, 2, 16, 16, 1, {10, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, 0});
    conv_case("conv2d 16ch 3x3 no_bias", (ccase){2, 3, 16, 32, 1, {7, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 0, 0});
    conv_case("conv2d basic", (ccase){2, 2, 3, 4, 1, {6, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, 0});
    conv_case("conv2d stride/dilate/group", (ccase){2, 2, 4, 6, 2, {9, 8}, {3, 2}, {2, 1}, {1, 2}, {1, 1}, {0, 0}, 1, 0});
    conv_case("conv2d depthwise no_bias", (ccase){2, 1, 4, 4, 4, {5, 5}, {3, 3}, {2, 2}, {1, 1}, {0, 2}, {0, 0}, 0, 0});
    conv_case("conv1d", (ccase){1, 2, 3, 4, 1, {11, 1}, {3, 1}, {2, 1}, {2, 1}, {1, 0}, {0, 0}, 1, 0});
    conv_case("conv1d grouped no_bias", (ccase){1, 2, 4, 6, 2, {7, 1}, {2, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 0, 0});
    conv_case("deconv2d basic", (ccase){2, 2, 3, 4, 1, {4, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, 1});
    conv_case("deconv2d stride/pad/adj/group", (ccase){2, 2, 4, 6, 2, {4, 3}, {3, 4}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1, 1});
    conv_case("deconv2d dilate adj>pad", (ccase){2, 1, 2, 3, 1, {3, 4}, {2, 3}, {3, 2}, {2, 1}, {0, 0}, {2, 1}, 0, 1});
    conv_case("deconv1d", (ccase){1, 2, 3, 2, 1, {5, 1}, {4, 1}, {2, 1}, {1, 1}, {1, 0}, {1, 0}, 1, 1});
}

/* ---------------------------------------------------------------- pooling */

typedef struct { int nd; int64_t N, C, in[2], k[2], s[2], p[2]; int type, full, incl; } pcase;

static int64_t p_out(const pcase *t, int i) {
    double span = (double)(t->in[i] + 2 * t->p[i] - t->k[i]);
    return 1 + (int64_t)(t->full ? ceil(span / t->s[i]) : floor(span / t->s[i]));
}

/* Direct definition: window of output o covers padded positions [o*s-p, o*s-p+k); positions past
 * in+p (full convention's last window) do not exist; the avg divisor counts positions in
 * [-p, in+p) when count_include_pad, else those inside the input. Max ignores padding. */
static double *pool_ref(const pcase *t, const float *x) {
    int64_t H = t->nd == 2 ? t->in[0] : 1, W = t->in[t->nd - 1];
    int64_t OH = t->nd == 2 ? p_out(t, 0) : 1, OW = p_out(t, t->nd - 1);
    int64_t KH = t->nd == 2 ? t->k[0] : 1, KW = t->k[t->nd - 1], SH = t->nd == 2 ? t->s[0] : 1, SW = t->s[t->nd - 1];
    int64_t PH = t->nd == 2 ? t->p[0] : 0, PW = t->p[t->nd - 1];
    double *y = malloc(sizeof(double) * (size_t)(t->N * t->C * OH * OW));
    for (int64_t pl = 0; pl < t->N * t->C; pl++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double mx = -3.4028234663852886e38, sum = 0;
                int64_t cnt_pad = 0, cnt_in = 0;
                for (int64_t ky = 0; ky < KH; ky++)
                    for (int64_t kx = 0; kx < KW; kx++) {
                        int64_t iy = oy * SH - PH + ky, ix = ox * SW - PW + kx;
                        if (iy >= H + PH || ix >= W + PW) continue;
                        cnt_pad++;
                        if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
                        cnt_in++;
                        double v = x[(pl * H + iy) * W + ix];
                        sum += v;
                        if (v > mx) mx = v;
                    }
                double r = t->type == 0 ? mx : t->type == 2 ? sum : sum / (t->incl ? cnt_pad : cnt_in);
                y[(pl * OH + oy) * OW + ox] = r;
            }
    return y;
}

static void pool_case(const char *name, pcase t) {
    char what[160];
    double p[10] = {t.nd, t.k[0], t.k[1], t.s[0], t.s[1], t.p[0], t.p[1], t.type, t.full, t.incl};
    int64_t xs[4] = {t.N, t.C, t.in[0], t.in[1]}, ys[4] = {t.N, t.C, p_out(&t, 0), p_out(&t, 1)};
    inst f;
    inst_init(&f, "pooling_fwd", 1, 1, p, 10);
    f.in[0] = mk(2 + t.nd, xs);
    /* distinct values 0.01 apart in random order, so max windows have no near-ties that a
     * finite-difference step could flip */
    for (int64_t i = 0; i < f.in[0].size; i++) F(&f.in[0])[i] = (float)(0.01 * i - 0.005 * f.in[0].size);
    for (int64_t i = f.in[0].size - 1; i > 0; i--) {
        int64_t j = (int64_t)(urand() * (double)(i + 1));
        float v = F(&f.in[0])[i];
        F(&f.in[0])[i] = F(&f.in[0])[j];
        F(&f.in[0])[j] = v;
    }
    f.out[0] = mk(2 + t.nd, ys);
    must_run(&f, name);
    double *ref = pool_ref(&t, F(&f.in[0]));
    snprintf(what, sizeof what, "%s forward", name);
    expect_close(what, F(&f.out[0]), ref, f.out[0].size, 1e-5, 1e-6);
    free(ref);

    pysym_tensor R = mk(2 + t.nd, ys);
    fill(&R, -1, 1);
    inst b;
    inst_init(&b, "pooling_bwd", 3, 1, p, 10);
    b.in[0] = clone(&R);
    b.in[1] = clone(&f.in[0]);
    b.in[2] = clone(&f.out[0]);
    b.out[0] = mk(2 + t.nd, xs);
    must_run(&b, name);
    snprintf(what, sizeof what, "%s backward", name);
    check_grad(what, &f, 0, 0, &R, F(&b.out[0]), 1e-3);
    pysym_free(R.data);
    inst_free(&f);
    inst_free(&b);
}

static void pool_tests(void) {
    for (int type = 0; type < 3; type++)
        for (int full = 0; full < 2; full++)
            for (int incl = 0; incl < 2; incl++) {
                if (type != 1 && incl == 0) continue;
                char name[96];
                snprintf(name, sizeof name, "pool2d type=%d full=%d incl=%d", type, full, incl);
                pool_case(name, (pcase){2, 2, 3, {7, 9}, {3, 2}, {2, 3}, {1, 1}, type, full, incl});
                snprintf(name, sizeof name, "pool1d type=%d full=%d incl=%d", type, full, incl);
                pool_case(name, (pcase){1, 2, 2, {10, 1}, {3, 1}, {2, 1}, {1, 0}, type, full, incl});
            }
    pool_case("pool2d global avg", (pcase){2, 2, 3, {5, 4}, {5, 4}, {1, 1}, {0, 0}, 1, 0, 1});
    pool_case("pool2d 3x3 s2 max", (pcase){2, 1, 2, {9, 9}, {3, 3}, {2, 2}, {1, 1}, 0, 0, 1});
    pool_case("pool2d 2x2 s2 max", (pcase){2, 2, 3, {7, 9}, {2, 2}, {2, 2}, {0, 0}, 0, 0, 1});
    pool_case("pool2d 2x2 s2 max full", (pcase){2, 2, 3, {7, 9}, {2, 2}, {2, 2}, {0, 0}, 0, 1, 1});

    /* full convention: the last window lies wholly in the padding; avg without
     * count_include_pad is 0/0 there, as in MXNet (checked against the reference's NaN) */
    double pn[10] = {1, 2, 1, 3, 1, 1, 0, 1, 1, 0};
    inst n;
    inst_init(&n, "pooling_fwd", 1, 1, pn, 10);
    n.in[0] = MK(1, 1, 2);
    F(&n.in[0])[0] = 1;
    F(&n.in[0])[1] = 2;
    n.out[0] = MK(1, 1, 2);
    must_run(&n, "pool empty window");
    expect_true("pool empty window: first avg 1, last NaN", F(&n.out[0])[0] == 1 && isnan(F(&n.out[0])[1]));
    inst_free(&n);

    /* ties: the gradient goes to the first maximum in row-major order */
    double p[10] = {2, 2, 2, 2, 2, 0, 0, 0, 0, 1};
    inst b;
    inst_init(&b, "pooling_bwd", 3, 1, p, 10);
    b.in[0] = MK(1, 1, 1, 1);
    b.in[1] = MK(1, 1, 2, 2);
    b.in[2] = MK(1, 1, 1, 1);
    b.out[0] = MK(1, 1, 2, 2);
    F(&b.in[0])[0] = 5;
    float xv[4] = {1, 3, 3, 3};
    memcpy(b.in[1].data, xv, sizeof xv);
    F(&b.in[2])[0] = 3;
    must_run(&b, "pool max ties");
    double e[4] = {0, 5, 0, 0};
    expect_close("pool max ties: gradient to first max", F(&b.out[0]), e, 4, 0, 0);
    inst_free(&b);
}

/* 2x2 stride-2 max pooling (the kernel's vectorised path) with the argmax workspace: output,
 * workspace and the workspace-driven backward against direct loops, including ties (first
 * maximum in row-major order wins) and a window of -inf (gives -FLT_MAX at the first position). */
static void pool_fast_tests(void) {
    double p[10] = {2, 2, 2, 2, 2, 0, 0, 0, 0, 1};
    const int64_t N = 2, C = 3, H = 7, W = 9, OH = 3, OW = 4;
    inst f, b;
    inst_init(&f, "pooling_fwd", 1, 2, p, 10);
    f.in[0] = MK(N, C, H, W);
    for (int64_t i = 0; i < f.in[0].size; i++) F(&f.in[0])[i] = (float)(int)(urand() * 5);   /* many ties */
    for (int i = 0; i < 4; i++) F(&f.in[0])[(0 * H + 2 + i / 2) * W + 4 + i % 2] = -INFINITY;  /* window (1,2) */
    f.out[0] = MK(N, C, OH, OW);
    f.out[1] = MK(N, C, OH, OW);
    must_run(&f, "pool 2x2 s2 max with workspace");
    double *ey = malloc(sizeof(double) * (size_t)f.out[0].size), *ea = malloc(sizeof(double) * (size_t)f.out[0].size);
    double *eg = calloc((size_t)f.in[0].size, sizeof(double));
    pysym_tensor R = MK(N, C, OH, OW);
    fill(&R, -1, 1);
    for (int64_t pl = 0; pl < N * C; pl++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++) {
                double m = -FLT_MAX;
                int64_t at = 2 * oy * W + 2 * ox;
                for (int64_t h = 2 * oy; h < 2 * oy + 2; h++)
                    for (int64_t q = 2 * ox; q < 2 * ox + 2; q++)
                        if (F(&f.in[0])[pl * H * W + h * W + q] > m) { m = F(&f.in[0])[pl * H * W + h * W + q]; at = h * W + q; }
                int64_t o = (pl * OH + oy) * OW + ox;
                ey[o] = m;
                ea[o] = (double)at;
                eg[pl * H * W + at] += F(&R)[o];
            }
    expect_close("pool 2x2 s2 max: output", F(&f.out[0]), ey, f.out[0].size, 0, 0);
    expect_close("pool 2x2 s2 max: workspace argmax", F(&f.out[1]), ea, f.out[0].size, 0, 0);
    expect_true("pool 2x2 s2 max: -inf window gives -FLT_MAX", F(&f.out[0])[1 * OW + 2] == -FLT_MAX);
    inst_init(&b, "pooling_bwd", 4, 1, p, 10);
    b.in[0] = clone(&R);
    b.in[1] = clone(&f.in[0]);
    b.in[2] = clone(&f.out[0]);
    b.in[3] = clone(&f.out[1]);
    b.out[0] = MK(N, C, H, W);
    must_run(&b, "pool 2x2 s2 max backward with workspace");
    expect_close("pool 2x2 s2 max: backward via workspace", F(&b.out[0]), eg, b.out[0].size, 1e-6, 1e-6);
    free(ey);
    free(ea);
    free(eg);
    pysym_free(R.data);
    inst_free(&f);
    inst_free(&b);
}

/* ---------------------------------------------------------------- batch norm */

/* Shapes viewed as (outer, C, inner) through the axis. */
typedef struct { int ndim; int64_t shape[4]; int axis; int fix_gamma, global, train; } bcase;

static void bn_view(const bcase *t, int64_t *outer, int64_t *C, int64_t *inner) {
    int ax = t->axis < 0 ? t->axis + t->ndim : t->axis;
    *outer = *inner = 1;
    for (int i = 0; i < ax; i++) *outer *= t->shape[i];
    for (int i = ax + 1; i < t->ndim; i++) *inner *= t->shape[i];
    *C = t->shape[ax];
}

static void bn_case(const char *name, bcase t) {
    char what[160];
    const double eps = 1e-3, mom = 0.9;
    double p[5] = {eps, mom, t.fix_gamma, t.global, t.axis};
    int64_t O, C, I;
    bn_view(&t, &O, &C, &I);
    inst f;
    inst_init(&f, "batchnorm_fwd", 5, 3, p, 5);
    f.is_train = t.train;
    f.in[0] = mk(t.ndim, t.shape);
    fill(&f.in[0], -2, 3);
    for (int i = 1; i < 5; i++) f.in[i] = MK(C);
    fill(&f.in[1], 0.5, 1.5);
    fill(&f.in[2], -0.5, 0.5);
    fill(&f.in[3], -0.3, 0.3);
    fill(&f.in[4], 0.5, 2);
    f.out[0] = mk(t.ndim, t.shape);
    f.out[1] = MK(C);
    f.out[2] = MK(C);
    must_run(&f, name);

    int batch = t.train && !t.global;
    double *mean = calloc((size_t)C, sizeof(double)), *var = calloc((size_t)C, sizeof(double));
    double *ref = malloc(sizeof(double) * (size_t)f.in[0].size), *inv = malloc(sizeof(double) * (size_t)C);
    const float *x = F(&f.in[0]);
    for (int64_t c = 0; c < C; c++) {
        if (batch) {
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < I; i++) mean[c] += x[(o * C + c) * I + i];
            mean[c] /= (double)(O * I);
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < I; i++) var[c] += pow(x[(o * C + c) * I + i] - mean[c], 2);
            var[c] /= (double)(O * I);
        } else {
            mean[c] = F(&f.in[3])[c];
            var[c] = F(&f.in[4])[c];
        }
        inv[c] = 1 / sqrt(var[c] + eps);
        double gm = t.fix_gamma ? 1 : F(&f.in[1])[c];
        for (int64_t o = 0; o < O; o++)
            for (int64_t i = 0; i < I; i++)
                ref[(o * C + c) * I + i] = (x[(o * C + c) * I + i] - mean[c]) * inv[c] * gm + F(&f.in[2])[c];
    }
    snprintf(what, sizeof what, "%s out", name);
    expect_close(what, F(&f.out[0]), ref, f.out[0].size, 1e-4, 1e-4);
    snprintf(what, sizeof what, "%s saved_mean", name);
    expect_close(what, F(&f.out[1]), mean, C, 1e-4, 1e-5);
    snprintf(what, sizeof what, "%s saved_var (inverse std)", name);
    expect_close(what, F(&f.out[2]), inv, C, 1e-4, 1e-5);

    /* backward vs finite differences of the same-mode forward */
    pysym_tensor R = mk(t.ndim, t.shape);
    fill(&R, -1, 1);
    inst b;
    inst_init(&b, "batchnorm_bwd", 7, 3, p, 5);
    b.is_train = t.train;
    b.in[0] = clone(&R);
    b.in[1] = clone(&f.in[0]);
    b.in[2] = clone(&f.in[1]);
    b.in[3] = clone(&f.out[1]);
    b.in[4] = clone(&f.out[2]);
    b.in[5] = clone(&f.in[3]);
    b.in[6] = clone(&f.in[4]);
    b.out[0] = mk(t.ndim, t.shape);
    b.out[1] = MK(C);
    b.out[2] = MK(C);
    must_run(&b, name);
    snprintf(what, sizeof what, "%s d_data", name);
    check_grad(what, &f, 0, 0, &R, F(&b.out[0]), 1e-2);
    snprintf(what, sizeof what, "%s d_beta", name);
    check_grad(what, &f, 2, 0, &R, F(&b.out[2]), 1e-2);
    snprintf(what, sizeof what, "%s d_gamma", name);
    if (t.fix_gamma) {
        double *z = calloc((size_t)C, sizeof(double));
        expect_close(what, F(&b.out[1]), z, C, 0, 0);
        free(z);
    } else {
        check_grad(what, &f, 1, 0, &R, F(&b.out[1]), 1e-2);
    }

    /* moving statistics: updated only in training without global stats, with biased variance */
    double *em = calloc((size_t)C, sizeof(double)), *ev = calloc((size_t)C, sizeof(double));
    for (int64_t c = 0; c < C; c++) {
        em[c] = batch ? F(&f.in[3])[c] * mom + mean[c] * (1 - mom) : F(&f.in[3])[c];
        ev[c] = batch ? F(&f.in[4])[c] * mom + var[c] * (1 - mom) : F(&f.in[4])[c];
    }
    snprintf(what, sizeof what, "%s moving_mean after backward", name);
    expect_close(what, F(&b.in[5]), em, C, 1e-4, 1e-5);
    snprintf(what, sizeof what, "%s moving_var after backward", name);
    expect_close(what, F(&b.in[6]), ev, C, 1e-4, 1e-5);
    for (int64_t c = 0; c < C; c++) {
        em[c] = F(&f.in[3])[c];
        ev[c] = F(&f.in[4])[c];
    }
    snprintf(what, sizeof what, "%s forward leaves moving stats alone", name);
    must_run(&f, name);
    expect_close(what, F(&f.in[3]), em, C, 0, 0);
    expect_close(what, F(&f.in[4]), ev, C, 0, 0);
    free(em);
    free(ev);
    free(mean);
    free(var);
    free(ref);
    free(inv);
    pysym_free(R.data);
    inst_free(&f);
    inst_free(&b);
}

static void bn_tests(void) {
    bn_case("bn axis1 train", (bcase){4, {3, 4, 3, 2}, 1, 0, 0, 1});
    bn_case("bn axis1 train fix_gamma", (bcase){4, {3, 4, 3, 2}, 1, 1, 0, 1});
    bn_case("bn axis1 inference", (bcase){4, {3, 4, 3, 2}, 1, 0, 0, 0});
    bn_case("bn axis1 use_global_stats", (bcase){4, {2, 3, 2, 2}, 1, 0, 1, 1});
    bn_case("bn axis -1 train", (bcase){3, {3, 2, 5}, -1, 0, 0, 1});
    bn_case("bn axis 2 train", (bcase){4, {2, 3, 4, 2}, 2, 0, 0, 1});
    bn_case("bn 2-D axis1 train", (bcase){2, {6, 3}, 1, 0, 0, 1});
}

/* ---------------------------------------------------------------- LRN */

static void lrn_case(const char *name, int64_t N, int64_t C, int64_t H, int64_t W, int nsize) {
    char what[160];
    double alpha = 0.1, beta = 0.75, knorm = 2;
    double p[4] = {alpha, beta, knorm, nsize};
    inst f;
    inst_init(&f, "lrn_fwd", 1, 1, p, 4);
    f.in[0] = MK(N, C, H, W);
    fill(&f.in[0], -2, 2);
    f.out[0] = MK(N, C, H, W);
    must_run(&f, name);
    double *ref = malloc(sizeof(double) * (size_t)f.in[0].size);
    const float *x = F(&f.in[0]);
    int64_t S = H * W;
    for (int64_t n = 0; n < N; n++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < S; i++) {
                double s = 0;
                for (int64_t k = c - nsize / 2; k <= c + nsize / 2; k++)
                    if (k >= 0 && k < C) s += pow(x[(n * C + k) * S + i], 2);
                ref[(n * C + c) * S + i] = x[(n * C + c) * S + i] / pow(knorm + alpha / nsize * s, beta);
            }
    snprintf(what, sizeof what, "%s forward", name);
    expect_close(what, F(&f.out[0]), ref, f.out[0].size, 1e-4, 1e-5);
    free(ref);
    pysym_tensor R = MK(N, C, H, W);
    fill(&R, -1, 1);
    inst b;
    inst_init(&b, "lrn_bwd", 2, 1, p, 4);
    b.in[0] = clone(&R);
    b.in[1] = clone(&f.in[0]);
    b.out[0] = MK(N, C, H, W);
    must_run(&b, name);
    snprintf(what, sizeof what, "%s backward", name);
    check_grad(what, &f, 0, 0, &R, F(&b.out[0]), 1e-2);
    pysym_free(R.data);
    inst_free(&f);
    inst_free(&b);
}

/* ---------------------------------------------------------------- bad input */

static void bad_input_tests(void) {
    ccase t = {2, 1, 4, 4, 1, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, 0};
    double p[16];
    int np = cparams(&t, p);
    inst f;
    inst_init(&f, "convolution_fwd", 3, 1, p, np);
    f.in[0] = MK(1, 4, 5, 5);
    f.in[1] = MK(4, 4, 3, 3);
    f.in[2] = MK(4);
    f.out[0] = MK(1, 4, 5, 5);
    must_run(&f, "conv bad-input baseline");
    f.n_in = 2;
    expect_error("conv wrong n_in", &f);
    f.n_in = 3;
    f.in[0].dtype = PYSYM_F64;
    expect_error("conv f64 data", &f);
    f.in[0].dtype = PYSYM_F32;
    f.in[1].shape[1] = 3;
    expect_error("conv weight channel mismatch", &f);
    f.in[1].shape[1] = 4;
    f.out[0].shape[3] = 4;
    expect_error("conv wrong output shape", &f);
    f.out[0].shape[3] = 5;
    f.in[0].ndim = 3;
    expect_error("conv wrong data rank", &f);
    f.in[0].ndim = 4;
    f.params[9] = 3;
    expect_error("conv channels not divisible by num_group", &f);
    f.params[9] = 1;
    f.params[0] = 3;
    expect_error("conv ndim 3", &f);
    f.params[0] = 2;
    f.req[0] = PYSYM_REQ_ADD;
    expect_error("conv req add", &f);
    f.req[0] = PYSYM_REQ_WRITE;
    f.n_params = 10;
    expect_error("conv wrong n_params", &f);
    f.n_params = np;
    must_run(&f, "conv after bad calls");
    inst_free(&f);

    double pp[10] = {2, 3, 3, 1, 1, 0, 0, 7, 0, 1};
    inst q;
    inst_init(&q, "pooling_fwd", 1, 1, pp, 10);
    q.in[0] = MK(1, 1, 4, 4);
    q.out[0] = MK(1, 1, 2, 3);
    expect_error("pool bad pool_type", &q);
    q.params[7] = 0;
    expect_error("pool wrong output shape", &q);
    q.params[1] = 9;
    expect_error("pool kernel larger than input", &q);
    inst_free(&q);

    double bp[5] = {1e-3, 0.9, 0, 0, 5};
    inst b;
    inst_init(&b, "batchnorm_fwd", 5, 3, bp, 5);
    b.in[0] = MK(2, 3, 4);
    for (int i = 1; i < 5; i++) b.in[i] = MK(3);
    b.out[0] = MK(2, 3, 4);
    b.out[1] = MK(3);
    b.out[2] = MK(3);
    expect_error("bn axis out of range", &b);
    b.params[4] = 1;
    b.in[3].shape[0] = 4;
    expect_error("bn moving_mean wrong length", &b);
    b.in[3].shape[0] = 3;
    b.n_out = 2;
    expect_error("bn wrong n_out", &b);
    b.n_out = 3;
    must_run(&b, "bn after bad calls");
    inst_free(&b);

    double lp[4] = {1e-4, 0.75, 2, 0};
    inst l;
    inst_init(&l, "lrn_fwd", 1, 1, lp, 4);
    l.in[0] = MK(1, 3, 2, 2);
    l.out[0] = MK(1, 3, 2, 2);
    expect_error("lrn nsize 0", &l);
    l.params[3] = 4;
    expect_error("lrn even nsize", &l);
    inst_free(&l);
}

/* ---------------------------------------------------------------- timing (printed only) */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void timing(void) {
    ccase t = {2, 32, 64, 64, 1, {56, 56}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 0, 0};
    double p[16];
    int np = cparams(&t, p);
    inst f, b;
    inst_init(&f, "convolution_fwd", 2, 1, p, np);
    f.in[0] = MK(32, 64, 56, 56);
    f.in[1] = MK(64, 64, 3, 3);
    f.out[0] = MK(32, 64, 56, 56);
    fill(&f.in[0], -1, 1);
    fill(&f.in[1], -0.1, 0.1);
    inst_init(&b, "convolution_bwd", 3, 2, p, np);
    b.in[0] = clone(&f.out[0]);
    b.in[1] = clone(&f.in[0]);
    b.in[2] = clone(&f.in[1]);
    b.out[0] = MK(32, 64, 56, 56);
    b.out[1] = MK(64, 64, 3, 3);
    must_run(&f, "timing");
    must_run(&b, "timing");
    int reps = 5;
    double t0 = now();
    for (int i = 0; i < reps; i++) run(&f);
    double t1 = now();
    for (int i = 0; i < reps; i++) run(&b);
    double t2 = now();
    printf("time: conv 3x3 32x64x56x56 fwd %.1f ms, bwd %.1f ms\n", (t1 - t0) / reps * 1e3, (t2 - t1) / reps * 1e3);
    inst_free(&f);
    inst_free(&b);

    double bp[5] = {1e-5, 0.9, 0, 0, 1};
    inst bf, bb;
    inst_init(&bf, "batchnorm_fwd", 5, 3, bp, 5);
    bf.in[0] = MK(32, 64, 56, 56);
    fill(&bf.in[0], -1, 1);
    for (int i = 1; i < 5; i++) bf.in[i] = MK(64);
    fill(&bf.in[1], 1, 1);
    fill(&bf.in[4], 1, 1);
    bf.out[0] = MK(32, 64, 56, 56);
    bf.out[1] = MK(64);
    bf.out[2] = MK(64);
    must_run(&bf, "timing");
    inst_init(&bb, "batchnorm_bwd", 7, 3, bp, 5);
    bb.in[0] = clone(&bf.in[0]);
    bb.in[1] = clone(&bf.in[0]);
    bb.in[2] = clone(&bf.in[1]);
    bb.in[3] = clone(&bf.out[1]);
    bb.in[4] = clone(&bf.out[2]);
    bb.in[5] = clone(&bf.in[3]);
    bb.in[6] = clone(&bf.in[4]);
    bb.out[0] = MK(32, 64, 56, 56);
    bb.out[1] = MK(64);
    bb.out[2] = MK(64);
    t0 = now();
    for (int i = 0; i < reps; i++) run(&bf);
    t1 = now();
    for (int i = 0; i < reps; i++) run(&bb);
    t2 = now();
    printf("time: batchnorm 32x64x56x56 fwd %.1f ms, bwd %.1f ms\n", (t1 - t0) / reps * 1e3, (t2 - t1) / reps * 1e3);
    inst_free(&bf);
    inst_free(&bb);

    double pp[10] = {2, 3, 3, 2, 2, 1, 1, 0, 0, 1};
    inst pf, pb;
    inst_init(&pf, "pooling_fwd", 1, 1, pp, 10);
    pf.in[0] = MK(32, 64, 112, 112);
    fill(&pf.in[0], -1, 1);
    pf.out[0] = MK(32, 64, 56, 56);
    inst_init(&pb, "pooling_bwd", 3, 1, pp, 10);
    pb.in[0] = MK(32, 64, 56, 56);
    pb.in[1] = clone(&pf.in[0]);
    pb.out[0] = MK(32, 64, 112, 112);
    must_run(&pf, "timing");
    pb.in[2] = clone(&pf.out[0]);
    t0 = now();
    for (int i = 0; i < reps; i++) run(&pf);
    t1 = now();
    for (int i = 0; i < reps; i++) run(&pb);
    t2 = now();
    printf("time: max pool 3x3 s2 32x64x112x112 fwd %.1f ms, bwd %.1f ms\n", (t1 - t0) / reps * 1e3, (t2 - t1) / reps * 1e3);
    inst_free(&pf);
    inst_free(&pb);
}

/* Every convolution variant pinned in turn (the auto trial may never pick some on tiny shapes). */
static void conv_variant_tests(void) {
    conv_tests();
    static const char *variants[] = {"blocked", "plain", "nhwc"};
    for (int i = 0; i < 3; i++) {
        setenv("PYSYM_CONV_VARIANT", variants[i], 1);
        conv_tests();
    }
    setenv("PYSYM_CONV_VARIANT", "wino", 1);
    conv_case("conv2d 16ch 3x3", (ccase){2, 2, 16, 16, 1, {10, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, 0});
    conv_case("conv2d 16ch 3x3 no_bias", (ccase){2, 3, 16, 32, 1, {7, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 0, 0});
    /* pinned to a variant oneDNN lacks for the shape (Winograd, stride 2): a clear error */
    double p[11] = {2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1};
    inst f;
    inst_init(&f, "convolution_fwd", 2, 1, p, 11);
    f.in[0] = MK(1, 16, 8, 8);
    f.in[1] = MK(16, 16, 3, 3);
    f.out[0] = MK(1, 16, 4, 4);
    expect_error("conv pinned to an unsupported variant", &f);
    inst_free(&f);
    unsetenv("PYSYM_CONV_VARIANT");
}

int main(int argc, char **argv) {
    conv_variant_tests();
    pool_tests();
    pool_fast_tests();
    bn_tests();
    lrn_case("lrn nsize 5", 2, 7, 2, 3, 5);
    lrn_case("lrn nsize 3", 1, 4, 3, 2, 3);
    lrn_case("lrn nsize 1", 2, 3, 2, 2, 1);
    bad_input_tests();
    if (!(argc > 1 && !strcmp(argv[1], "--no-timing"))) timing();
    printf("dnnl_nn: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

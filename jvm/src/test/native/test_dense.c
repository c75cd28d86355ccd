/* test_dense.c - checks the dense kernels against naive loops written here (double accumulation),
 * backward kernels against central finite differences of their forward kernel, MXNet's index
 * rules (Embedding clipping, one_hot out-of-range), bad-input errors, and prints the time of an
 * MLP 784-1024-1024-10 batch-128 forward+backward built from the FullyConnected kernels. */
#define _POSIX_C_SOURCE 199309L
#include "pysym.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const pysym_kernel_entry pysym_kernels_dense[];
extern const int pysym_kernels_dense_count;

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
    printf(__VA_ARGS__); printf("\n"); } } while (0)

static const pysym_kernel_entry *kernel(const char *name) {
    for (int i = 0; i < pysym_kernels_dense_count; i++)
        if (strcmp(pysym_kernels_dense[i].name, name) == 0) return &pysym_kernels_dense[i];
    printf("FAIL: kernel %s not in the table\n", name);
    exit(2);
}

static pysym_tensor tensor(float *data, int ndim, ...) {
    pysym_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.dtype = PYSYM_F32;
    t.ndim = ndim;
    t.size = 1;
    va_list ap;
    va_start(ap, ndim);
    for (int i = 0; i < ndim; i++) {
        t.shape[i] = va_arg(ap, int64_t);
        t.size *= t.shape[i];
    }
    va_end(ap);
    return t;
}
#define T1(d, a) tensor(d, 1, (int64_t)(a))
#define T2(d, a, b) tensor(d, 2, (int64_t)(a), (int64_t)(b))
#define T3(d, a, b, c) tensor(d, 3, (int64_t)(a), (int64_t)(b), (int64_t)(c))
#define T4(d, a, b, c, e) tensor(d, 4, (int64_t)(a), (int64_t)(b), (int64_t)(c), (int64_t)(e))

static const int32_t WRITE3[3] = {PYSYM_REQ_WRITE, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE};

static int run(const char *name, const pysym_tensor *in, int n_in, const pysym_tensor *out, int n_out,
               const int32_t *req, const double *params, int n_params) {
    void *state = NULL;
    uint64_t rng = 42;
    pysym_call c = {n_in, n_out, n_params, 1, in, out, req ? req : WRITE3, params, &state, &rng};
    const pysym_kernel_entry *e = kernel(name);
    int rc = e->fn(&c);
    if (e->free_state && state) e->free_state(state);
    return rc;
}

static float *buf(int64_t n) {
    float *p = pysym_alloc(n * (int64_t)sizeof(float));
    if (!p) { printf("out of memory\n"); exit(2); }
    return p;
}

static uint64_t seed = 12345;
static float frand(void) { return (float)(pysym_rng_uniform(&seed) * 2.0 - 1.0); }
static float *rnd(int64_t n) {
    float *p = buf(n);
    for (int64_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

/* max over i of |got - want| / (1 + |want|) */
static double err(const float *got, const double *want, int64_t n) {
    double e = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]) / (1.0 + fabs(want[i]));
        if (!(d <= e)) e = d;   /* NaN propagates as failure */
    }
    return e;
}

/* Direct definition of a matrix product on stored operands: A(i,k) = ta ? a[k*m+i] : a[i*kk+k],
 * B(k,j) = tb ? b[j*kk+k] : b[k*n+j]. */
static double *naive_mm(int ta, int tb, int64_t m, int64_t n, int64_t kk, const float *a,
                        const float *b) {
    double *c = calloc((size_t)(m * n + 1), sizeof(double));
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t k = 0; k < kk; k++)
                s += (double)(ta ? a[k * m + i] : a[i * kk + k]) * (tb ? b[j * kk + k] : b[k * n + j]);
            c[i * n + j] = s;
        }
    return c;
}

/* ---- finite differences: loss = sum(out * R) over the forward kernel's output ---- */
typedef struct fwd_ctx {
    const char *name;
    pysym_tensor *in;
    int n_in;
    pysym_tensor out;
    const double *params;
    int n_params;
} fwd_ctx;

static double fwd_loss(const fwd_ctx *f, const float *R) {
    if (run(f->name, f->in, f->n_in, &f->out, 1, NULL, f->params, f->n_params) != PYSYM_OK) {
        printf("FAIL: %s forward failed in finite differences: %s\n", f->name, pysym_last_error());
        failures++;
        return NAN;
    }
    const float *y = f->out.data;
    double s = 0;
    for (int64_t i = 0; i < f->out.size; i++) s += (double)y[i] * R[i];
    return s;
}

/* compares analytic gradient ana (n values) of x with central differences */
static void fd_check(const char *label, const fwd_ctx *f, float *x, int64_t n, const float *R,
                     const float *ana) {
    const float eps = 1e-2f;
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v + eps;
        double lp = fwd_loss(f, R);
        x[i] = v - eps;
        double lm = fwd_loss(f, R);
        x[i] = v;
        double num = (lp - lm) / (2.0 * eps);
        double d = fabs(num - ana[i]) / (1.0 + fabs(num));
        if (!(d <= worst)) worst = d;
    }
    CHECK(worst < 1e-2, "%s: finite-difference mismatch %.3g", label, worst);
}

/* ---------------------------------------------------------------------------------------------- */

static void test_fc(void) {
    /* forward vs naive: 2-D data, 3-D data (flatten=false), no_bias */
    for (int nb = 0; nb < 2; nb++) {
        int64_t N = 6, K = 7, M = 5;
        float *x = rnd(N * K), *w = rnd(M * K), *b = rnd(M), *y = buf(N * M);
        pysym_tensor in[3] = {T3(x, 2, 3, K), T2(w, M, K), T1(b, M)};
        pysym_tensor out = T3(y, 2, 3, M);
        double p = nb;
        CHECK(run("fully_connected_fwd", in, nb ? 2 : 3, &out, 1, NULL, &p, 1) == PYSYM_OK, "fc fwd: %s",
              pysym_last_error());
        double *ref = naive_mm(0, 1, N, M, K, x, w);
        for (int64_t i = 0; i < N; i++)
            for (int64_t j = 0; j < M; j++) ref[i * M + j] += nb ? 0.0 : b[j];
        CHECK(err(y, ref, N * M) < 1e-5, "fc fwd no_bias=%d mismatch %.3g", nb, err(y, ref, N * M));
        free(ref);

        /* backward vs finite differences of the forward */
        float *og = rnd(N * M), *dx = buf(N * K), *dw = buf(M * K), *db = buf(M);
        pysym_tensor bin[3] = {T3(og, 2, 3, M), T3(x, 2, 3, K), T2(w, M, K)};
        pysym_tensor bout[3] = {T3(dx, 2, 3, K), T2(dw, M, K), T1(db, M)};
        CHECK(run("fully_connected_bwd", bin, 3, bout, nb ? 2 : 3, NULL, &p, 1) == PYSYM_OK,
              "fc bwd: %s", pysym_last_error());
        fwd_ctx f = {"fully_connected_fwd", in, nb ? 2 : 3, out, &p, 1};
        fd_check("fc d_data", &f, x, N * K, og, dx);
        fd_check("fc d_weight", &f, w, M * K, og, dw);
        if (!nb) fd_check("fc d_bias", &f, b, M, og, db);

        /* req NULL on d_data: skipped, NULL pointer never touched */
        int32_t req[3] = {PYSYM_REQ_NULL, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE};
        float *dw2 = buf(M * K);
        bout[0].data = NULL;
        bout[1].data = dw2;
        CHECK(run("fully_connected_bwd", bin, 3, bout, nb ? 2 : 3, req, &p, 1) == PYSYM_OK,
              "fc bwd req null: %s", pysym_last_error());
        CHECK(memcmp(dw, dw2, (size_t)(M * K) * sizeof(float)) == 0, "fc bwd req null changed d_weight");
        pysym_free(x); pysym_free(w); pysym_free(b); pysym_free(y); pysym_free(og);
        pysym_free(dx); pysym_free(dw); pysym_free(db); pysym_free(dw2);
    }

    /* large shapes take the threaded split paths (split over n in fwd, over m in d_weight) */
    int64_t N = 128, K = 784, M = 1024;
    float *x = rnd(N * K), *w = rnd(M * K), *b = rnd(M), *y = buf(N * M);
    float *og = rnd(N * M), *dx = buf(N * K), *dw = buf(M * K), *db = buf(M);
    double p = 0;
    pysym_tensor in[3] = {T2(x, N, K), T2(w, M, K), T1(b, M)}, out = T2(y, N, M);
    CHECK(run("fully_connected_fwd", in, 3, &out, 1, NULL, &p, 1) == PYSYM_OK, "fc fwd big: %s",
          pysym_last_error());
    double *ref = naive_mm(0, 1, N, M, K, x, w);
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < M; j++) ref[i * M + j] += b[j];
    CHECK(err(y, ref, N * M) < 1e-4, "fc fwd big mismatch %.3g", err(y, ref, N * M));
    free(ref);
    pysym_tensor bin[3] = {T2(og, N, M), T2(x, N, K), T2(w, M, K)};
    pysym_tensor bout[3] = {T2(dx, N, K), T2(dw, M, K), T1(db, M)};
    CHECK(run("fully_connected_bwd", bin, 3, bout, 3, NULL, &p, 1) == PYSYM_OK, "fc bwd big: %s",
          pysym_last_error());
    ref = naive_mm(0, 0, N, K, M, og, w);
    CHECK(err(dx, ref, N * K) < 1e-4, "fc bwd big d_data mismatch %.3g", err(dx, ref, N * K));
    free(ref);
    ref = naive_mm(1, 0, M, K, N, og, x);
    CHECK(err(dw, ref, M * K) < 1e-4, "fc bwd big d_weight mismatch %.3g", err(dw, ref, M * K));
    free(ref);
    double *rb = calloc((size_t)M, sizeof(double));
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < M; j++) rb[j] += og[i * M + j];
    CHECK(err(db, rb, M) < 1e-4, "fc bwd big d_bias mismatch %.3g", err(db, rb, M));
    free(rb);
    pysym_free(x); pysym_free(w); pysym_free(b); pysym_free(y); pysym_free(og);
    pysym_free(dx); pysym_free(dw); pysym_free(db);
}

/* one dot case: shapes of a and b, transposes, the expected out shape (from MXNet's DotShape) */
static void dot_case(int ta, int tb, pysym_tensor a, pysym_tensor b, pysym_tensor out, int64_t m,
                     int64_t n, int64_t kk, int fd) {
    double p[2] = {ta, tb};
    pysym_tensor in[2] = {a, b};
    CHECK(run("dot_fwd", in, 2, &out, 1, NULL, p, 2) == PYSYM_OK, "dot fwd ta=%d tb=%d: %s", ta, tb,
          pysym_last_error());
    double *ref = naive_mm(ta, tb, m, n, kk, a.data, b.data);
    CHECK(err(out.data, ref, m * n) < 1e-4, "dot fwd ta=%d tb=%d (a %dD, b %dD) mismatch %.3g", ta,
          tb, a.ndim, b.ndim, err(out.data, ref, m * n));
    free(ref);
    if (!fd) return;
    float *og = rnd(out.size), *da = buf(a.size), *db = buf(b.size);
    pysym_tensor bin[3] = {out, a, b};
    bin[0].data = og;
    pysym_tensor bout[2] = {a, b};
    bout[0].data = da;
    bout[1].data = db;
    CHECK(run("dot_bwd", bin, 3, bout, 2, NULL, p, 2) == PYSYM_OK, "dot bwd: %s", pysym_last_error());
    fwd_ctx f = {"dot_fwd", in, 2, out, p, 2};
    char label[64];
    snprintf(label, sizeof label, "dot d_a ta=%d tb=%d %dD.%dD", ta, tb, a.ndim, b.ndim);
    fd_check(label, &f, a.data, a.size, og, da);
    snprintf(label, sizeof label, "dot d_b ta=%d tb=%d %dD.%dD", ta, tb, a.ndim, b.ndim);
    fd_check(label, &f, b.data, b.size, og, db);
    pysym_free(og); pysym_free(da); pysym_free(db);
}

static void test_dot(void) {
    float *a = rnd(80000), *b = rnd(80000), *y = buf(80000);
    /* 2-D, all transposes: op(a) is 3x4, op(b) is 4x5 */
    dot_case(0, 0, T2(a, 3, 4), T2(b, 4, 5), T2(y, 3, 5), 3, 5, 4, 1);
    dot_case(1, 0, T2(a, 4, 3), T2(b, 4, 5), T2(y, 3, 5), 3, 5, 4, 1);
    dot_case(0, 1, T2(a, 3, 4), T2(b, 5, 4), T2(y, 3, 5), 3, 5, 4, 1);
    dot_case(1, 1, T2(a, 4, 3), T2(b, 5, 4), T2(y, 3, 5), 3, 5, 4, 1);
    /* N-D: (2,3,4).(4,5) -> (2,3,5); a^T contracts a's FIRST axis: (4,2,3)^T.(4,5) -> (2,3,5) */
    dot_case(0, 0, T3(a, 2, 3, 4), T2(b, 4, 5), T3(y, 2, 3, 5), 6, 5, 4, 1);
    dot_case(1, 0, T3(a, 4, 2, 3), T2(b, 4, 5), T3(y, 2, 3, 5), 6, 5, 4, 1);
    /* b^T contracts b's LAST axis: (2,3,4).(5,2,4)^T -> (2,3,5,2) */
    dot_case(0, 1, T3(a, 2, 3, 4), T3(b, 5, 2, 4), T4(y, 2, 3, 5, 2), 6, 10, 4, 1);
    /* (4).(4,2,3) -> (2,3); (2,3,4).(4) -> (2,3) */
    dot_case(0, 0, T1(a, 4), T3(b, 4, 2, 3), T2(y, 2, 3), 1, 6, 4, 1);
    dot_case(0, 0, T3(a, 2, 3, 4), T1(b, 4), T2(y, 2, 3), 6, 1, 4, 1);
    /* 1-D . 1-D -> (1,) */
    dot_case(0, 0, T1(a, 7), T1(b, 7), T1(y, 1), 1, 1, 7, 1);
    /* big enough to split: over n (m <= n) and over m, with transposes */
    dot_case(0, 0, T2(a, 64, 256), T2(b, 256, 300), T2(y, 64, 300), 64, 300, 256, 0);
    dot_case(1, 1, T2(a, 256, 300), T2(b, 64, 256), T2(y, 300, 64), 300, 64, 256, 0);
    /* a . b^T with short a: the transposed (C^T = b a^T) path, odd sizes for the tile edges */
    dot_case(0, 1, T2(a, 61, 257), T2(b, 301, 257), T2(y, 61, 301), 61, 301, 257, 0);

    /* big backward vs naive formulas (exercises the split paths of dot_bwd) */
    {
        int64_t m = 200, kk = 150, n = 180;
        double p[2] = {1, 0};
        float *og = rnd(m * n), *da = buf(kk * m), *db = buf(kk * n);
        pysym_tensor bin[3] = {T2(og, m, n), T2(a, kk, m), T2(b, kk, n)};
        pysym_tensor bout[2] = {T2(da, kk, m), T2(db, kk, n)};
        CHECK(run("dot_bwd", bin, 3, bout, 2, NULL, p, 2) == PYSYM_OK, "dot bwd big: %s",
              pysym_last_error());
        double *ref = naive_mm(0, 1, kk, m, n, b, og);   /* d_a = b . og^T */
        CHECK(err(da, ref, kk * m) < 1e-4, "dot bwd big d_a mismatch %.3g", err(da, ref, kk * m));
        free(ref);
        ref = naive_mm(0, 0, kk, n, m, a, og);           /* d_b = a . og */
        CHECK(err(db, ref, kk * n) < 1e-4, "dot bwd big d_b mismatch %.3g", err(db, ref, kk * n));
        free(ref);
        pysym_free(og); pysym_free(da); pysym_free(db);
    }
    pysym_free(a); pysym_free(b); pysym_free(y);
}

static void batch_case(int ta, int tb, int64_t B, int64_t m, int64_t n, int64_t kk, int fd) {
    int64_t ar = ta ? kk : m, ac = ta ? m : kk, br = tb ? n : kk, bc = tb ? kk : n;
    float *a = rnd(B * ar * ac), *b = rnd(B * br * bc), *y = buf(B * m * n);
    double p[2] = {ta, tb};
    pysym_tensor in[2] = {T3(a, B, ar, ac), T3(b, B, br, bc)}, out = T3(y, B, m, n);
    CHECK(run("batch_dot_fwd", in, 2, &out, 1, NULL, p, 2) == PYSYM_OK, "batch_dot fwd: %s",
          pysym_last_error());
    double worst = 0;
    for (int64_t i = 0; i < B; i++) {
        double *ref = naive_mm(ta, tb, m, n, kk, a + i * ar * ac, b + i * br * bc);
        double e = err(y + i * m * n, ref, m * n);
        if (!(e <= worst)) worst = e;
        free(ref);
    }
    CHECK(worst < 1e-4, "batch_dot fwd B=%lld ta=%d tb=%d mismatch %.3g", (long long)B, ta, tb, worst);
    float *og = rnd(B * m * n), *da = buf(B * ar * ac), *db = buf(B * br * bc);
    pysym_tensor bin[3] = {T3(og, B, m, n), in[0], in[1]};
    pysym_tensor bout[2] = {T3(da, B, ar, ac), T3(db, B, br, bc)};
    CHECK(run("batch_dot_bwd", bin, 3, bout, 2, NULL, p, 2) == PYSYM_OK, "batch_dot bwd: %s",
          pysym_last_error());
    if (fd) {
        fwd_ctx f = {"batch_dot_fwd", in, 2, out, p, 2};
        char label[64];
        snprintf(label, sizeof label, "batch_dot d_a ta=%d tb=%d", ta, tb);
        fd_check(label, &f, a, B * ar * ac, og, da);
        snprintf(label, sizeof label, "batch_dot d_b ta=%d tb=%d", ta, tb);
        fd_check(label, &f, b, B * br * bc, og, db);
    } else {
        /* large: compare with the naive product rule per batch item, op(a)' = og . op(b)^T */
        double wa = 0, wb = 0;
        for (int64_t i = 0; i < B; i++) {
            const float *ai = a + i * ar * ac, *bi = b + i * br * bc, *gi = og + i * m * n;
            for (int64_t r = 0; r < ar; r++)
                for (int64_t s = 0; s < ac; s++) {
                    int64_t mi = ta ? s : r, ki = ta ? r : s;   /* element (mi, ki) of op(a) */
                    double acc = 0;
                    for (int64_t j = 0; j < n; j++)
                        acc += (double)gi[mi * n + j] * (tb ? bi[j * kk + ki] : bi[ki * n + j]);
                    double d = fabs(da[i * ar * ac + r * ac + s] - acc) / (1 + fabs(acc));
                    if (!(d <= wa)) wa = d;
                }
            for (int64_t r = 0; r < br; r++)
                for (int64_t s = 0; s < bc; s++) {
                    int64_t ki = tb ? s : r, ni = tb ? r : s;   /* element (ki, ni) of op(b) */
                    double acc = 0;
                    for (int64_t q = 0; q < m; q++)
                        acc += (double)(ta ? ai[ki * m + q] : ai[q * kk + ki]) * gi[q * n + ni];
                    double d = fabs(db[i * br * bc + r * bc + s] - acc) / (1 + fabs(acc));
                    if (!(d <= wb)) wb = d;
                }
        }
        CHECK(wa < 1e-4 && wb < 1e-4, "batch_dot bwd B=%lld ta=%d tb=%d mismatch %.3g %.3g",
              (long long)B, ta, tb, wa, wb);
    }
    pysym_free(a); pysym_free(b); pysym_free(y); pysym_free(og); pysym_free(da); pysym_free(db);
}

static void test_batch_dot(void) {
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            batch_case(ta, tb, 3, 2, 4, 3, 1);          /* finite differences */
            batch_case(ta, tb, 9, 40, 48, 64, 0);        /* many items: one per thread */
            batch_case(ta, tb, 3, 96, 112, 80, 0);       /* few large items: each split */
        }
}

static void test_embedding(void) {
    /* MXNet: static_cast truncation, then clip to [0, input_dim-1] */
    float idx[8] = {0.0f, 2.7f, -0.5f, -3.0f, 1e6f, 4.0f, 3.99f, NAN};
    int64_t want_row[8] = {0, 2, 0, 0, 4, 4, 3, 0};
    int64_t V = 5, D = 3;
    float *w = rnd(V * D), *y = buf(8 * D);
    pysym_tensor in[2] = {T2(idx, 2, 4), T2(w, V, D)}, out = T3(y, 2, 4, D);
    CHECK(run("embedding_fwd", in, 2, &out, 1, NULL, NULL, 0) == PYSYM_OK, "embedding fwd: %s",
          pysym_last_error());
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < D; j++)
            CHECK(y[i * D + j] == w[want_row[i] * D + j], "embedding idx %g: got row != row %lld",
                  idx[i], (long long)want_row[i]);
    /* backward: scatter-add with duplicates and clipping, vs naive and finite differences */
    float *og = rnd(8 * D), *dw = buf(V * D);
    for (int64_t i = 0; i < V * D; i++) dw[i] = 99.0f;   /* must be zeroed by the kernel */
    pysym_tensor bin[2] = {T3(og, 2, 4, D), T2(idx, 2, 4)}, bout = T2(dw, V, D);
    CHECK(run("embedding_bwd", bin, 2, &bout, 1, NULL, NULL, 0) == PYSYM_OK, "embedding bwd: %s",
          pysym_last_error());
    double ref[15] = {0};
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < D; j++) ref[want_row[i] * D + j] += og[i * D + j];
    CHECK(err(dw, ref, V * D) < 1e-6, "embedding bwd mismatch %.3g", err(dw, ref, V * D));
    fwd_ctx f = {"embedding_fwd", in, 2, out, NULL, 0};
    fd_check("embedding d_weight", &f, w, V * D, og, dw);
    pysym_free(w); pysym_free(y); pysym_free(og); pysym_free(dw);

    /* large: threaded gather and column-split scatter */
    int64_t n = 3000, V2 = 700, D2 = 100;
    float *ix = buf(n), *w2 = rnd(V2 * D2), *y2 = buf(n * D2), *og2 = rnd(n * D2), *dw2 = buf(V2 * D2);
    for (int64_t i = 0; i < n; i++) ix[i] = (float)((i * 37) % (V2 + 20)) - 10.0f;
    pysym_tensor in2[2] = {T1(ix, n), T2(w2, V2, D2)}, out2 = T2(y2, n, D2);
    CHECK(run("embedding_fwd", in2, 2, &out2, 1, NULL, NULL, 0) == PYSYM_OK, "embedding fwd big: %s",
          pysym_last_error());
    double *r2 = calloc((size_t)(V2 * D2), sizeof(double));
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = ix[i] < 0 ? 0 : ix[i] >= V2 ? V2 - 1 : (int64_t)ix[i];
        for (int64_t j = 0; j < D2; j++) {
            bad |= y2[i * D2 + j] != w2[r * D2 + j];
            r2[r * D2 + j] += og2[i * D2 + j];
        }
    }
    CHECK(!bad, "embedding fwd big gathered wrong rows");
    pysym_tensor bin2[2] = {T2(og2, n, D2), T1(ix, n)}, bout2 = T2(dw2, V2, D2);
    CHECK(run("embedding_bwd", bin2, 2, &bout2, 1, NULL, NULL, 0) == PYSYM_OK, "embedding bwd big: %s",
          pysym_last_error());
    CHECK(err(dw2, r2, V2 * D2) < 1e-5, "embedding bwd big mismatch %.3g", err(dw2, r2, V2 * D2));
    free(r2);
    pysym_free(ix); pysym_free(w2); pysym_free(y2); pysym_free(og2); pysym_free(dw2);
}

static void test_one_hot(void) {
    /* in range, truncation (2.9 -> 2, -0.5 -> 0), out of range -> all off */
    float idx[7] = {1.0f, 2.9f, -0.5f, -1.0f, 4.0f, 7.0f, NAN};
    int64_t hot[7] = {1, 2, 0, -1, -1, -1, -1};
    int64_t depth = 4;
    float y[28];
    double p[3] = {(double)depth, 5.0, -2.0};
    pysym_tensor in = T1(idx, 7), out = T2(y, 7, depth);
    CHECK(run("one_hot_fwd", &in, 1, &out, 1, NULL, p, 3) == PYSYM_OK, "one_hot: %s", pysym_last_error());
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < depth; j++)
            CHECK(y[i * depth + j] == (j == hot[i] ? 5.0f : -2.0f), "one_hot idx %g col %d = %g", idx[i],
                  j, y[i * depth + j]);
    /* N-D indices, large enough to thread */
    int64_t n = 4000, d = 50;
    float *ix = buf(n), *yy = buf(n * d);
    for (int64_t i = 0; i < n; i++) ix[i] = (float)(i % 60) - 5.0f;
    double p2[3] = {(double)d, 1.0, 0.0};
    pysym_tensor in2 = T2(ix, 40, 100), out2 = T3(yy, 40, 100, d);
    CHECK(run("one_hot_fwd", &in2, 1, &out2, 1, NULL, p2, 3) == PYSYM_OK, "one_hot big: %s",
          pysym_last_error());
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) bad |= yy[i * d + j] != ((ix[i] >= 0 && j == (int64_t)ix[i]) ? 1.0f : 0.0f);
    CHECK(!bad, "one_hot big wrong");
    pysym_free(ix); pysym_free(yy);
}

/* The transposed product keeps scratch in the instruction's state: reuse it across calls, resize it
 * when the shapes change, and release it with the entry's free_state. */
static void test_state(void) {
    const pysym_kernel_entry *e = kernel("fully_connected_fwd");
    CHECK(e->free_state != NULL, "fully_connected_fwd keeps scratch but has no free_state");
    void *state = NULL;
    uint64_t rng = 1;
    double p = 0;
    int64_t sizes[3][3] = {{64, 520, 130}, {64, 520, 130}, {37, 600, 200}};   /* N, M, K */
    for (int s = 0; s < 3; s++) {
        int64_t N = sizes[s][0], M = sizes[s][1], K = sizes[s][2];
        float *x = rnd(N * K), *w = rnd(M * K), *b = rnd(M), *y = buf(N * M);
        pysym_tensor in[3] = {T2(x, N, K), T2(w, M, K), T1(b, M)}, out = T2(y, N, M);
        pysym_call c = {3, 1, 1, 1, in, &out, WRITE3, &p, &state, &rng};
        CHECK(e->fn(&c) == PYSYM_OK, "fc fwd with state: %s", pysym_last_error());
        CHECK(state != NULL, "fc fwd %lldx%lldx%lld did not take the transposed path", (long long)N,
              (long long)M, (long long)K);
        double *ref = naive_mm(0, 1, N, M, K, x, w);
        for (int64_t i = 0; i < N; i++)
            for (int64_t j = 0; j < M; j++) ref[i * M + j] += b[j];
        CHECK(err(y, ref, N * M) < 1e-4, "fc fwd with state call %d mismatch %.3g", s, err(y, ref, N * M));
        free(ref);
        pysym_free(x); pysym_free(w); pysym_free(b); pysym_free(y);
    }
    e->free_state(state);
}

static void expect_error(const char *what, const char *name, const pysym_tensor *in, int n_in,
                         const pysym_tensor *out, int n_out, const int32_t *req, const double *params,
                         int n_params) {
    pysym_fail("%s", "");
    int rc = run(name, in, n_in, out, n_out, req, params, n_params);
    CHECK(rc == PYSYM_ERROR, "%s: expected PYSYM_ERROR, got %d", what, rc);
    CHECK(pysym_last_error()[0] != '\0', "%s: no error message", what);
    CHECK(strstr(pysym_last_error(), name) != NULL, "%s: message does not name %s: %s", what, name,
          pysym_last_error());
}

static void test_errors(void) {
    float d[64] = {0};
    double p0 = 0, p1 = 1, pt[2] = {0, 0}, ptt[2] = {1, 0};
    pysym_tensor x = T2(d, 2, 3), w = T2(d, 4, 3), b = T1(d, 4), y = T2(d, 2, 4);
    pysym_tensor in[3] = {x, w, b};
    expect_error("fc wrong n_in", "fully_connected_fwd", in, 2, &y, 1, NULL, &p0, 1);
    expect_error("fc no_bias with bias", "fully_connected_fwd", in, 3, &y, 1, NULL, &p1, 1);
    expect_error("fc no params", "fully_connected_fwd", in, 3, &y, 1, NULL, &p0, 0);
    pysym_tensor bad = in[1];
    bad.dtype = PYSYM_F64;
    pysym_tensor in_dt[3] = {x, bad, b};
    expect_error("fc f64 weight", "fully_connected_fwd", in_dt, 3, &y, 1, NULL, &p0, 1);
    pysym_tensor in_rank[3] = {x, T1(d, 12), b};
    expect_error("fc 1-D weight", "fully_connected_fwd", in_rank, 3, &y, 1, NULL, &p0, 1);
    pysym_tensor in_k[3] = {T2(d, 2, 5), w, b};
    expect_error("fc K mismatch", "fully_connected_fwd", in_k, 3, &y, 1, NULL, &p0, 1);
    pysym_tensor y_bad = T2(d, 2, 5);
    expect_error("fc out shape", "fully_connected_fwd", in, 3, &y_bad, 1, NULL, &p0, 1);
    pysym_tensor in_b[3] = {x, w, T1(d, 3)};
    expect_error("fc bias size", "fully_connected_fwd", in_b, 3, &y, 1, NULL, &p0, 1);
    int32_t add[3] = {PYSYM_REQ_ADD, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE};
    expect_error("fc req add", "fully_connected_fwd", in, 3, &y, 1, add, &p0, 1);
    pysym_tensor bin[3] = {y, x, w}, bout[3] = {x, w, b};
    expect_error("fc bwd n_out", "fully_connected_bwd", bin, 3, bout, 2, NULL, &p0, 1);
    pysym_tensor bout_bad[3] = {x, T2(d, 3, 4), b};
    expect_error("fc bwd d_weight shape", "fully_connected_bwd", bin, 3, bout_bad, 3, NULL, &p0, 1);
    pysym_tensor bin_bad[3] = {T2(d, 2, 5), x, w};
    expect_error("fc bwd out_grad shape", "fully_connected_bwd", bin_bad, 3, bout, 3, NULL, &p0, 1);

    pysym_tensor din[2] = {T2(d, 2, 3), T2(d, 4, 5)}, dy = T2(d, 2, 5);
    expect_error("dot mismatch", "dot_fwd", din, 2, &dy, 1, NULL, pt, 2);
    pysym_tensor vin[2] = {T1(d, 3), T1(d, 3)}, vy = T1(d, 1);
    expect_error("dot transpose vectors", "dot_fwd", vin, 2, &vy, 1, NULL, ptt, 2);
    expect_error("dot missing params", "dot_fwd", vin, 2, &vy, 1, NULL, pt, 1);
    pysym_tensor din2[2] = {T2(d, 2, 3), T2(d, 3, 5)}, dy2 = T2(d, 2, 4);
    expect_error("dot out size", "dot_fwd", din2, 2, &dy2, 1, NULL, pt, 2);
    pysym_tensor dbin[3] = {T2(d, 2, 5), T2(d, 2, 3), T2(d, 3, 5)}, dbout[2] = {T2(d, 2, 3), T2(d, 3, 4)};
    expect_error("dot bwd d_b size", "dot_bwd", dbin, 3, dbout, 2, NULL, pt, 2);

    pysym_tensor bdin[2] = {T3(d, 2, 2, 3), T3(d, 3, 3, 2)}, bdy = T3(d, 2, 2, 2);
    expect_error("batch_dot batch mismatch", "batch_dot_fwd", bdin, 2, &bdy, 1, NULL, pt, 2);
    pysym_tensor bdin2[2] = {T2(d, 2, 3), T3(d, 2, 3, 2)};
    expect_error("batch_dot 2-D", "batch_dot_fwd", bdin2, 2, &bdy, 1, NULL, pt, 2);
    pysym_tensor bdin3[2] = {T3(d, 2, 2, 3), T3(d, 2, 4, 2)};
    expect_error("batch_dot k mismatch", "batch_dot_fwd", bdin3, 2, &bdy, 1, NULL, pt, 2);

    pysym_tensor ein[2] = {T1(d, 4), T2(d, 5, 3)}, ey = T2(d, 4, 2);
    expect_error("embedding out dim", "embedding_fwd", ein, 2, &ey, 1, NULL, NULL, 0);
    pysym_tensor ein2[2] = {T1(d, 4), T1(d, 5)}, ey2 = T2(d, 4, 3);
    expect_error("embedding 1-D weight", "embedding_fwd", ein2, 2, &ey2, 1, NULL, NULL, 0);
    pysym_tensor ebin[2] = {T2(d, 4, 2), T1(d, 4)}, edw = T2(d, 5, 3);
    expect_error("embedding bwd grad size", "embedding_bwd", ebin, 2, &edw, 1, NULL, NULL, 0);

    double oh[3] = {4, 1, 0}, ohbad[3] = {-1, 1, 0};
    pysym_tensor oin = T1(d, 3), oy = T2(d, 3, 5);
    expect_error("one_hot depth mismatch", "one_hot_fwd", &oin, 1, &oy, 1, NULL, oh, 3);
    pysym_tensor oy2 = T1(d, 12);
    expect_error("one_hot out rank", "one_hot_fwd", &oin, 1, &oy2, 1, NULL, oh, 3);
    expect_error("one_hot negative depth", "one_hot_fwd", &oin, 1, &oy, 1, NULL, ohbad, 3);
    pysym_tensor oin_i = oin;
    oin_i.dtype = PYSYM_I32;
    expect_error("one_hot int indices", "one_hot_fwd", &oin_i, 1, &oy, 1, NULL, oh, 3);
}

/* ---- MLP 784-1024-1024-10, batch 128: 3 FC forwards + 3 FC backwards (no activations) ---- */
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* calls one instruction the way the executor does: its state slot persists across steps */
static void step(const char *name, const pysym_tensor *in, int n_in, const pysym_tensor *out, int n_out,
                 const int32_t *req, const double *params, void **state) {
    uint64_t rng = 1;
    pysym_call c = {n_in, n_out, 1, 1, in, out, req ? req : WRITE3, params, state, &rng};
    if (kernel(name)->fn(&c) != PYSYM_OK) {
        printf("FAIL: %s in the MLP timing: %s\n", name, pysym_last_error());
        failures++;
    }
}

static void time_mlp(void) {
    const int64_t B = 128, dims[4] = {784, 1024, 1024, 10};
    float *h[4], *w[3], *b[3], *dh[4], *dw[3], *db[3];
    void *fwd_state[3] = {NULL, NULL, NULL}, *bwd_state[3] = {NULL, NULL, NULL};
    for (int l = 0; l < 4; l++) { h[l] = rnd(B * dims[l]); dh[l] = rnd(B * dims[l]); }
    for (int l = 0; l < 3; l++) {
        w[l] = rnd(dims[l + 1] * dims[l]); dw[l] = buf(dims[l + 1] * dims[l]);
        b[l] = rnd(dims[l + 1]); db[l] = buf(dims[l + 1]);
    }
    double p = 0;
    enum { RUNS = 100 };
    double t[RUNS];
    for (int r = 0; r < RUNS + 5; r++) {
        double t0 = now();
        for (int l = 0; l < 3; l++) {
            pysym_tensor in[3] = {T2(h[l], B, dims[l]), T2(w[l], dims[l + 1], dims[l]), T1(b[l], dims[l + 1])};
            pysym_tensor out = T2(h[l + 1], B, dims[l + 1]);
            step("fully_connected_fwd", in, 3, &out, 1, NULL, &p, &fwd_state[l]);
        }
        for (int l = 2; l >= 0; l--) {
            /* the first layer's d_data is not wanted, as in training */
            int32_t req[3] = {l ? PYSYM_REQ_WRITE : PYSYM_REQ_NULL, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE};
            pysym_tensor in[3] = {T2(dh[l + 1], B, dims[l + 1]), T2(h[l], B, dims[l]),
                                  T2(w[l], dims[l + 1], dims[l])};
            pysym_tensor out[3] = {T2(dh[l], B, dims[l]), T2(dw[l], dims[l + 1], dims[l]),
                                   T1(db[l], dims[l + 1])};
            step("fully_connected_bwd", in, 3, out, 3, req, &p, &bwd_state[l]);
        }
        if (r >= 5) t[r - 5] = now() - t0;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    double flop = 0;
    for (int l = 0; l < 3; l++) flop += 2.0 * B * dims[l] * dims[l + 1] * (l ? 3 : 2);
    printf("TIME mlp 784-1024-1024-10 batch 128 fwd+bwd (FC kernels only, %d runs): best %.3f ms, "
           "median %.3f ms (%.0f MFLOP, %.0f GFLOP/s at best)\n", RUNS, t[0] * 1e3, t[RUNS / 2] * 1e3,
           flop * 1e-6, flop / t[0] * 1e-9);
    for (int l = 0; l < 3; l++) {
        const pysym_kernel_entry *f = kernel("fully_connected_fwd"), *g = kernel("fully_connected_bwd");
        if (f->free_state && fwd_state[l]) f->free_state(fwd_state[l]);
        if (g->free_state && bwd_state[l]) g->free_state(bwd_state[l]);
    }
    for (int l = 0; l < 4; l++) { pysym_free(h[l]); pysym_free(dh[l]); }
    for (int l = 0; l < 3; l++) { pysym_free(w[l]); pysym_free(dw[l]); pysym_free(b[l]); pysym_free(db[l]); }
}

int main(void) {
    test_fc();
    test_dot();
    test_batch_dot();
    test_embedding();
    test_one_hot();
    test_state();
    test_errors();
    /* valgrind runs set this: the timing loop is 100+ GFLOP */
    if (!getenv("PYSYM_SKIP_TIMING")) time_mlp();
    if (failures) {
        printf("test_dense: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_dense: all passed\n");
    return 0;
}

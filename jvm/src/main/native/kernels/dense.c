/* dense.c - matrix-product kernels (FullyConnected, dot, batch_dot) on OpenBLAS / oneDNN sgemm, and the
 * row-gather kernels (Embedding, one_hot). Semantics follow MXNet 1.9.1 CPU
 * (src/operator/nn/fully_connected-inl.h, tensor/dot-inl.h, tensor/indexing_op.h).
 *
 * Threading: OpenBLAS here is the pthread build. Its worker threads and libgomp's (used by every
 * other kernel, and by oneDNN) spin-wait on the same 2 cores; interleaving the two pools made an
 * MLP step ~3x slower (measured). So OpenBLAS is pinned to one thread (process-wide) and each
 * product is either split into per-thread OpenBLAS sub-products under OpenMP or handed to
 * oneDNN's OpenMP sgemm, whichever measured faster for its layout: one thread pool in total. */
#include "pysym.h"
#include <cblas.h>
#include <immintrin.h>
#include <limits.h>
#include <oneapi/dnnl/dnnl.h>
#include <math.h>
#include <omp.h>
#include <string.h>

/* Below ~0.25 M multiply-adds a fork costs more than the second core gives back. */
#define GEMM_SPLIT_MIN (1 << 18)
/* Products handed to oneDNN's sgemm start here (~4 M multiply-adds, see use_dnnl). */
#define DNNL_MIN (1 << 22)
/* Elementwise loops (bias sums, gathers) fork above this many elements. */
#define LOOP_SPLIT_MIN (1 << 16)
/* Column splits are multiples of 16 floats so every thread's block starts on a cache line. */
#define COL_ALIGN 16

/* ---------------------------------------------------------------------------------------------
 * Argument checks shared by all kernels. Each returns PYSYM_OK or the pysym_fail() status. */

static int check_arity(const pysym_call *c, const char *k, int n_in_min, int n_in_max,
                       int n_out_min, int n_out_max, int n_params) {
    if (c->n_in < n_in_min || c->n_in > n_in_max)
        return pysym_fail("%s: expected %d..%d inputs, got %d", k, n_in_min, n_in_max, c->n_in);
    if (c->n_out < n_out_min || c->n_out > n_out_max)
        return pysym_fail("%s: expected %d..%d outputs, got %d", k, n_out_min, n_out_max, c->n_out);
    if (c->n_params < n_params)
        return pysym_fail("%s: expected %d params, got %d", k, n_params, c->n_params);
    for (int i = 0; i < c->n_out; i++) {
        if (c->req[i] != PYSYM_REQ_NULL && c->req[i] != PYSYM_REQ_WRITE)
            return pysym_fail("%s: output %d has req %d; only null (0) and write (1) are supported",
                              k, i, c->req[i]);
    }
    return PYSYM_OK;
}

static int check_f32(const char *k, const char *what, const pysym_tensor *t) {
    if (t->dtype != PYSYM_F32)
        return pysym_fail("%s: %s must be float32 (dtype 0), got dtype %d", k, what, t->dtype);
    if (t->ndim < 0 || t->ndim > PYSYM_MAX_NDIM)
        return pysym_fail("%s: %s has invalid ndim %d", k, what, t->ndim);
    if (t->size > 0 && t->data == NULL)
        return pysym_fail("%s: %s has no data", k, what);
    return PYSYM_OK;
}

static int check_ndim(const char *k, const char *what, const pysym_tensor *t, int ndim) {
    if (t->ndim != ndim)
        return pysym_fail("%s: %s must be %d-D, got %d-D", k, what, ndim, t->ndim);
    return PYSYM_OK;
}

static int check_size(const char *k, const char *what, const pysym_tensor *t, int64_t size) {
    if (t->size != size)
        return pysym_fail("%s: %s must have %lld elements, got %lld", k, what, (long long)size,
                          (long long)t->size);
    return PYSYM_OK;
}

/* sgemm takes 32-bit ints (OpenBLAS without INTERFACE64). */
static int check_blas_dim(const char *k, int64_t d) {
    if (d > INT_MAX) return pysym_fail("%s: dimension %lld exceeds the BLAS int range", k, (long long)d);
    return PYSYM_OK;
}

#define TRY(x) do { int rc_ = (x); if (rc_ != PYSYM_OK) return rc_; } while (0)

static int want(const pysym_call *c, int out) { return c->req[out] == PYSYM_REQ_WRITE; }

/* ---------------------------------------------------------------------------------------------
 * C = op(A) op(B) (+ col_bias broadcast over rows), row-major, split over OpenMP threads. */

typedef struct gemm_t {
    int ta, tb;                 /* op(A) = A^T when ta (A stored k x m), same for B (stored n x k) */
    int64_t m, n, k;
    const float *a; int64_t lda;
    const float *b; int64_t ldb;
    float *c; int64_t ldc;
    const float *col_bias;      /* NULL, or n floats added to every row of C */
} gemm_t;

static void blas_single_thread(void) {
    /* cheap global read; re-pins if some other code raised OpenBLAS's thread count */
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

static void gemm_block(const gemm_t *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    if (m1 <= m0 || n1 <= n0) return;
    float *c = g->c + m0 * g->ldc + n0;
    int64_t bm = m1 - m0, bn = n1 - n0;
    if (g->k == 0) {
        for (int64_t i = 0; i < bm; i++) memset(c + i * g->ldc, 0, (size_t)bn * sizeof(float));
    } else {
        const float *a = g->ta ? g->a + m0 : g->a + m0 * g->lda;
        const float *b = g->tb ? g->b + n0 * g->ldb : g->b + n0;
        cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans,
                    g->tb ? CblasTrans : CblasNoTrans, (int)bm, (int)bn, (int)g->k, 1.0f, a,
                    (int)g->lda, b, (int)g->ldb, 0.0f, c, (int)g->ldc);
    }
    if (g->col_bias) {
        const float *bias = g->col_bias + n0;
        for (int64_t i = 0; i < bm; i++) {
            float *row = c + i * g->ldc;
            for (int64_t j = 0; j < bn; j++) row[j] += bias[j];
        }
    }
}

/* oneDNN's sgemm (OpenMP, same pool) beats the split OpenBLAS product by 5-30% on A B, A^T B and
 * A^T B^T here, but loses on A B^T (128x1024x1024: 2.5 vs 1.6 ms; 1024x128x1024: 1.5 vs 1.4 ms)
 * and its per-call cost loses below a few million multiply-adds (all measured on this machine). */
static int use_dnnl(const gemm_t *g, double mnk) {
    return g->k > 0 && (g->ta || !g->tb) && !g->col_bias && mnk >= DNNL_MIN;
}

/* OpenBLAS path: splits the larger of m, n so each thread packs only its share of the bigger
 * operand (ties go to m: measured 1.4 vs 2.0 ms on a 1024x1024x128 A^T B). */
static void gemm_run(const gemm_t *g) {
    if (g->m == 0 || g->n == 0) return;
    double mnk = (double)g->m * (double)g->n * (double)(g->k ? g->k : 1);
    if (use_dnnl(g, mnk) &&
        dnnl_sgemm(g->ta ? 'T' : 'N', g->tb ? 'T' : 'N', g->m, g->n, g->k, 1.0f, g->a, g->lda,
                   g->b, g->ldb, 0.0f, g->c, g->ldc) == dnnl_success)
        return;
    /* dnnl_sgemm fails only on bad arguments or exhausted scratch memory; OpenBLAS below takes
     * the same arguments and needs no scratch, so a failure just falls through to it */
    blas_single_thread();
    int nt = omp_get_max_threads();
    if (nt < 2 || mnk < GEMM_SPLIT_MIN || omp_in_parallel()) {
        gemm_block(g, 0, g->m, 0, g->n);
        return;
    }
    int split_m = g->m >= g->n;
#pragma omp parallel num_threads(nt)
    {
        int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
        if (split_m) {
            gemm_block(g, g->m * t / T, g->m * (t + 1) / T, 0, g->n);
        } else {
            int64_t units = (g->n + COL_ALIGN - 1) / COL_ALIGN;
            int64_t lo = units * t / T * COL_ALIGN, hi = units * (t + 1) / T * COL_ALIGN;
            gemm_block(g, 0, g->m, lo, hi < g->n ? hi : g->n);
        }
    }
}

static int gemm_dims_ok(const char *k, const gemm_t *g) {
    TRY(check_blas_dim(k, g->m));
    TRY(check_blas_dim(k, g->n));
    TRY(check_blas_dim(k, g->k));
    TRY(check_blas_dim(k, g->lda));
    TRY(check_blas_dim(k, g->ldb));
    TRY(check_blas_dim(k, g->ldc));
    return PYSYM_OK;
}

#ifdef __AVX__
/* d[i][j] = s[j][i] (+ bias[j]) for one 8x8 tile, in registers. */
static inline void transpose8x8(float *d, int64_t ldd, const float *s, int64_t lds, const float *bias) {
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds);
    __m256 r2 = _mm256_loadu_ps(s + 2 * lds), r3 = _mm256_loadu_ps(s + 3 * lds);
    __m256 r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 row[8] = {
        _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
        _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
        _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
        _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
    __m256 b = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(d + i * ldd, _mm256_add_ps(row[i], b));
}
#endif

/* d[i][j] = s[j][i] (+ bias[j]) for i < rows, j < cols; threads own row blocks of d. */
static void transpose(float *d, int64_t ldd, const float *s, int64_t lds, int64_t rows, int64_t cols,
                      const float *bias) {
    int64_t units = (rows + 7) / 8;
#pragma omp parallel if (rows * cols >= LOOP_SPLIT_MIN && units > 1)
    {
        int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t r0 = units * t / T * 8, r1 = units * (t + 1) / T * 8;
        if (r1 > rows) r1 = rows;
        for (int64_t i0 = r0; i0 < r1; i0 += 8)
            for (int64_t j0 = 0; j0 < cols; j0 += 8) {
#ifdef __AVX__
                if (i0 + 8 <= r1 && j0 + 8 <= cols) {
                    transpose8x8(d + i0 * ldd + j0, ldd, s + j0 * lds + i0, lds, bias ? bias + j0 : NULL);
                    continue;
                }
#endif
                int64_t i1 = i0 + 8 < r1 ? i0 + 8 : r1, j1 = j0 + 8 < cols ? j0 + 8 : cols;
                for (int64_t i = i0; i < i1; i++)
                    for (int64_t j = j0; j < j1; j++)
                        d[i * ldd + j] = s[j * lds + i] + (bias ? bias[j] : 0.0f);
            }
    }
}

/* A B^T with a short A (m < n, e.g. FullyConnected forward: batch x hidden) runs as
 * C^T = B A^T with A^T materialised, so oneDNN gets a tall plain product B (A^T): measured 1.31
 * vs 1.45 ms (128x1024x1024) and 1.06 vs 1.19 ms (128x1024x784), both transposes included. */
static int wants_transposed(const gemm_t *g) {
    double mnk = (double)g->m * (double)g->n * (double)g->k;
    return !g->ta && g->tb && g->m < g->n && mnk >= DNNL_MIN;
}

/* Per-instruction scratch for the transposed product, kept in *c->state across calls. Shapes are
 * fixed per instruction, but a different size still reallocates. */
typedef struct scratch_state {
    int64_t floats;
    float *buf;
} scratch_state;

static void scratch_free(void *state) {
    scratch_state *s = state;
    if (s) pysym_free(s->buf);
    pysym_free(s);
}

static float *scratch_get(const pysym_call *c, int64_t floats) {
    scratch_state *s = *c->state;
    if (!s) {
        s = pysym_alloc(sizeof *s);
        if (!s) return NULL;
        s->floats = 0;
        s->buf = NULL;
        *c->state = s;
    }
    if (s->floats != floats) {
        pysym_free(s->buf);
        s->buf = pysym_alloc(floats * (int64_t)sizeof(float));
        s->floats = s->buf ? floats : 0;
    }
    return s->buf;
}

/* gemm_run, plus the transposed route for short A B^T; fails only when scratch is unavailable. */
static int gemm_run_stateful(const pysym_call *c, const char *k, const gemm_t *g) {
    if (wants_transposed(g)) {
        int64_t floats = g->k * g->m + g->n * g->m;
        float *at = scratch_get(c, floats);
        if (!at)
            return pysym_fail("%s: cannot allocate %lld bytes of scratch", k,
                              (long long)(floats * (int64_t)sizeof(float)));
        float *ct = at + g->k * g->m;
        transpose(at, g->m, g->a, g->lda, g->k, g->m, NULL);
        if (dnnl_sgemm('N', 'N', g->n, g->m, g->k, 1.0f, g->b, g->ldb, at, g->m, 0.0f, ct, g->m) ==
            dnnl_success) {
            transpose(g->c, g->ldc, ct, g->m, g->m, g->n, g->col_bias);
            return PYSYM_OK;
        }
    }
    gemm_run(g);
    return PYSYM_OK;
}

/* out[j] = sum_i x[i*cols + j]: column sums, threads own column blocks (no reduction races). */
static void column_sums(const float *x, int64_t rows, int64_t cols, float *out) {
    int64_t units = (cols + COL_ALIGN - 1) / COL_ALIGN;
#pragma omp parallel if (rows * cols >= LOOP_SPLIT_MIN && units > 1)
    {
        int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t lo = units * t / T * COL_ALIGN, hi = units * (t + 1) / T * COL_ALIGN;
        if (hi > cols) hi = cols;
        if (lo < hi) {
            float *o = out + lo;
            int64_t w = hi - lo;
            memset(o, 0, (size_t)w * sizeof(float));
            for (int64_t i = 0; i < rows; i++) {
                const float *r = x + i * cols + lo;
                for (int64_t j = 0; j < w; j++) o[j] += r[j];
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * fully_connected_fwd
 *   inputs : data   any shape, viewed as (N, K) with K = weight.shape[1], N = data.size / K
 *                   (covers flatten=true after Java's reshape and flatten=false (..., K))
 *            weight (M, K)
 *            bias   (M)            -- only when no_bias == 0
 *   outputs: out    N*M elements, last dim M: out = data . weight^T + bias
 *   params : [0] no_bias (0/1)
 *   n_in is 3 when no_bias == 0, else 2. */
static int fully_connected_fwd(const pysym_call *c) {
    const char *k = "fully_connected_fwd";
    TRY(check_arity(c, k, 2, 3, 1, 1, 1));
    int no_bias = c->params[0] != 0.0;
    if (c->n_in != (no_bias ? 2 : 3))
        return pysym_fail("%s: no_bias=%d needs %d inputs, got %d", k, no_bias, no_bias ? 2 : 3,
                          c->n_in);
    const pysym_tensor *x = &c->in[0], *w = &c->in[1], *y = &c->out[0];
    TRY(check_f32(k, "data", x));
    TRY(check_f32(k, "weight", w));
    TRY(check_f32(k, "out", y));
    TRY(check_ndim(k, "weight", w, 2));
    int64_t M = w->shape[0], K = w->shape[1];
    if (x->ndim < 1) return pysym_fail("%s: data must have at least 1 dim", k);
    if (K == 0 ? x->size != 0 : x->size % K != 0)
        return pysym_fail("%s: data has %lld elements, not a multiple of weight.shape[1]=%lld", k,
                          (long long)x->size, (long long)K);
    int64_t N = K ? x->size / K : 0;
    TRY(check_size(k, "out", y, N * M));
    if (y->ndim < 1 || y->shape[y->ndim - 1] != M)
        return pysym_fail("%s: out's last dim must be num_hidden=%lld", k, (long long)M);
    const float *bias = NULL;
    if (!no_bias) {
        TRY(check_f32(k, "bias", &c->in[2]));
        TRY(check_ndim(k, "bias", &c->in[2], 1));
        TRY(check_size(k, "bias", &c->in[2], M));
        bias = c->in[2].data;
    }
    if (!want(c, 0)) return PYSYM_OK;
    gemm_t g = {0, 1, N, M, K, x->data, K, w->data, K, y->data, M, bias};
    TRY(gemm_dims_ok(k, &g));
    return gemm_run_stateful(c, k, &g);
}

/* fully_connected_bwd
 *   inputs : out_grad (N*M elements, last dim M), data (N*K elements), weight (M, K)
 *   outputs: d_data   (data's shape)   = out_grad . weight          (req NULL: skipped)
 *            d_weight (M, K)           = out_grad^T . data
 *            d_bias   (M)              = sum over rows of out_grad  -- only when no_bias == 0
 *   params : [0] no_bias (0/1)
 *   n_out is 3 when no_bias == 0, else 2. */
static int fully_connected_bwd(const pysym_call *c) {
    const char *k = "fully_connected_bwd";
    TRY(check_arity(c, k, 3, 3, 2, 3, 1));
    int no_bias = c->params[0] != 0.0;
    if (c->n_out != (no_bias ? 2 : 3))
        return pysym_fail("%s: no_bias=%d needs %d outputs, got %d", k, no_bias, no_bias ? 2 : 3,
                          c->n_out);
    const pysym_tensor *og = &c->in[0], *x = &c->in[1], *w = &c->in[2];
    TRY(check_f32(k, "out_grad", og));
    TRY(check_f32(k, "data", x));
    TRY(check_f32(k, "weight", w));
    TRY(check_ndim(k, "weight", w, 2));
    int64_t M = w->shape[0], K = w->shape[1];
    if (K == 0 ? x->size != 0 : x->size % K != 0)
        return pysym_fail("%s: data has %lld elements, not a multiple of weight.shape[1]=%lld", k,
                          (long long)x->size, (long long)K);
    int64_t N = K ? x->size / K : 0;
    TRY(check_size(k, "out_grad", og, N * M));
    if (og->ndim < 1 || og->shape[og->ndim - 1] != M)
        return pysym_fail("%s: out_grad's last dim must be num_hidden=%lld", k, (long long)M);
    if (want(c, 0)) {
        TRY(check_f32(k, "d_data", &c->out[0]));
        TRY(check_size(k, "d_data", &c->out[0], x->size));
    }
    if (want(c, 1)) {
        TRY(check_f32(k, "d_weight", &c->out[1]));
        TRY(check_ndim(k, "d_weight", &c->out[1], 2));
        if (c->out[1].shape[0] != M || c->out[1].shape[1] != K)
            return pysym_fail("%s: d_weight must be (%lld, %lld)", k, (long long)M, (long long)K);
    }
    if (!no_bias && want(c, 2)) {
        TRY(check_f32(k, "d_bias", &c->out[2]));
        TRY(check_ndim(k, "d_bias", &c->out[2], 1));
        TRY(check_size(k, "d_bias", &c->out[2], M));
    }
    if (want(c, 0)) {
        gemm_t g = {0, 0, N, K, M, og->data, M, w->data, K, c->out[0].data, K, NULL};
        TRY(gemm_dims_ok(k, &g));
        gemm_run(&g);
    }
    if (want(c, 1)) {
        gemm_t g = {1, 0, M, K, N, og->data, M, x->data, K, c->out[1].data, K, NULL};
        TRY(gemm_dims_ok(k, &g));
        gemm_run(&g);
    }
    if (!no_bias && want(c, 2)) column_sums(og->data, N, M, c->out[2].data);
    return PYSYM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * dot: MXNet views a as 2-D (rows, cols) = (size/last, last), or (shape[0], size/shape[0]) when
 * transpose_a; b as (shape[0], size/shape[0]), or (size/last, last) when transpose_b. Then
 * out = op(a2) . op(b2), out shape = a's free dims ++ b's free dims (Java computes it). 1-D . 1-D
 * (no transposes) is the inner product with out shape (1,). */

typedef struct dot_view {
    int64_t ar, ac, br, bc;     /* stored 2-D views of a and b */
    int64_t m, n, kk;           /* out is m x n, contraction length kk */
} dot_view;

static int dot_view_of(const char *k, const pysym_tensor *a, const pysym_tensor *b, int ta, int tb,
                       dot_view *v) {
    if (a->ndim < 1 || b->ndim < 1) return pysym_fail("%s: inputs must have at least 1 dim", k);
    if (ta) { v->ar = a->shape[0]; v->ac = v->ar ? a->size / v->ar : 0; v->m = v->ac; v->kk = v->ar; }
    else { v->ac = a->shape[a->ndim - 1]; v->ar = v->ac ? a->size / v->ac : 0; v->m = v->ar; v->kk = v->ac; }
    int64_t kb;
    if (tb) { v->bc = b->shape[b->ndim - 1]; v->br = v->bc ? b->size / v->bc : 0; v->n = v->br; kb = v->bc; }
    else { v->br = b->shape[0]; v->bc = v->br ? b->size / v->br : 0; v->n = v->bc; kb = v->br; }
    if (v->kk != kb)
        return pysym_fail("%s: contraction mismatch: a gives %lld, b gives %lld (transpose_a=%d, "
                          "transpose_b=%d)", k, (long long)v->kk, (long long)kb, ta, tb);
    return PYSYM_OK;
}

static int dot_is_vector(const pysym_tensor *a, const pysym_tensor *b) {
    return a->ndim == 1 && b->ndim == 1;
}

/* dot_fwd
 *   inputs : a, b (any ranks >= 1, see above)
 *   outputs: out (m*n elements; (1,) for 1-D . 1-D)
 *   params : [0] transpose_a (0/1), [1] transpose_b (0/1) */
static int dot_fwd(const pysym_call *c) {
    const char *k = "dot_fwd";
    TRY(check_arity(c, k, 2, 2, 1, 1, 2));
    int ta = c->params[0] != 0.0, tb = c->params[1] != 0.0;
    const pysym_tensor *a = &c->in[0], *b = &c->in[1], *y = &c->out[0];
    TRY(check_f32(k, "a", a));
    TRY(check_f32(k, "b", b));
    TRY(check_f32(k, "out", y));
    if (dot_is_vector(a, b)) {
        if (ta || tb) return pysym_fail("%s: cannot transpose 1-D vectors", k);
        if (a->size != b->size)
            return pysym_fail("%s: vector lengths differ: %lld vs %lld", k, (long long)a->size,
                              (long long)b->size);
        TRY(check_size(k, "out", y, 1));
        if (!want(c, 0)) return PYSYM_OK;
        const float *pa = a->data, *pb = b->data;
        float s = 0.0f;
        for (int64_t i = 0; i < a->size; i++) s += pa[i] * pb[i];
        ((float *)y->data)[0] = s;
        return PYSYM_OK;
    }
    dot_view v;
    TRY(dot_view_of(k, a, b, ta, tb, &v));
    TRY(check_size(k, "out", y, v.m * v.n));
    if (!want(c, 0)) return PYSYM_OK;
    gemm_t g = {ta, tb, v.m, v.n, v.kk, a->data, v.ac, b->data, v.bc, y->data, v.n, NULL};
    TRY(gemm_dims_ok(k, &g));
    return gemm_run_stateful(c, k, &g);
}

/* dot_bwd
 *   inputs : out_grad (forward out's shape), a, b
 *   outputs: d_a (a's shape), d_b (b's shape); either may be req NULL
 *   params : [0] transpose_a (0/1), [1] transpose_b (0/1)
 * With A = op(a2), B = op(b2), C = A B:  dA = dC B^T, dB = A^T dC, mapped back through the
 * transposes exactly as MXNet's DotBackward_. */
static int dot_bwd(const pysym_call *c) {
    const char *k = "dot_bwd";
    TRY(check_arity(c, k, 3, 3, 2, 2, 2));
    int ta = c->params[0] != 0.0, tb = c->params[1] != 0.0;
    const pysym_tensor *og = &c->in[0], *a = &c->in[1], *b = &c->in[2];
    TRY(check_f32(k, "out_grad", og));
    TRY(check_f32(k, "a", a));
    TRY(check_f32(k, "b", b));
    if (want(c, 0)) {
        TRY(check_f32(k, "d_a", &c->out[0]));
        TRY(check_size(k, "d_a", &c->out[0], a->size));
    }
    if (want(c, 1)) {
        TRY(check_f32(k, "d_b", &c->out[1]));
        TRY(check_size(k, "d_b", &c->out[1], b->size));
    }
    if (dot_is_vector(a, b)) {
        if (ta || tb) return pysym_fail("%s: cannot transpose 1-D vectors", k);
        if (a->size != b->size)
            return pysym_fail("%s: vector lengths differ: %lld vs %lld", k, (long long)a->size,
                              (long long)b->size);
        TRY(check_size(k, "out_grad", og, 1));
        float g0 = ((const float *)og->data)[0];
        const float *pa = a->data, *pb = b->data;
        if (want(c, 0)) {
            float *da = c->out[0].data;
            for (int64_t i = 0; i < a->size; i++) da[i] = g0 * pb[i];
        }
        if (want(c, 1)) {
            float *db = c->out[1].data;
            for (int64_t i = 0; i < b->size; i++) db[i] = g0 * pa[i];
        }
        return PYSYM_OK;
    }
    dot_view v;
    TRY(dot_view_of(k, a, b, ta, tb, &v));
    TRY(check_size(k, "out_grad", og, v.m * v.n));
    if (want(c, 0)) {
        /* d_a2 (ar x ac): !ta: dC(m x n) . op(b2)^T ; ta: op(b2) . dC^T */
        gemm_t g = ta ? (gemm_t){tb, 1, v.ar, v.ac, v.n, b->data, v.bc, og->data, v.n,
                                 c->out[0].data, v.ac, NULL}
                      : (gemm_t){0, !tb, v.ar, v.ac, v.n, og->data, v.n, b->data, v.bc,
                                 c->out[0].data, v.ac, NULL};
        TRY(gemm_dims_ok(k, &g));
        gemm_run(&g);
    }
    if (want(c, 1)) {
        /* d_b2 (br x bc): !tb: op(a2)^T . dC ; tb: dC^T . op(a2) */
        gemm_t g = tb ? (gemm_t){1, ta, v.br, v.bc, v.m, og->data, v.n, a->data, v.ac,
                                 c->out[1].data, v.bc, NULL}
                      : (gemm_t){!ta, 0, v.br, v.bc, v.m, a->data, v.ac, og->data, v.n,
                                 c->out[1].data, v.bc, NULL};
        TRY(gemm_dims_ok(k, &g));
        gemm_run(&g);
    }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * batch_dot: out[i] = op(a[i]) . op(b[i]) for 3-D a (B, r, s), b (B, t, u). */

typedef struct batch_view {
    int64_t B, m, n, kk, ar, ac, br, bc;
} batch_view;

static int batch_view_of(const char *k, const pysym_tensor *a, const pysym_tensor *b, int ta,
                         int tb, batch_view *v) {
    TRY(check_ndim(k, "a", a, 3));
    TRY(check_ndim(k, "b", b, 3));
    if (a->shape[0] != b->shape[0])
        return pysym_fail("%s: batch sizes differ: %lld vs %lld", k, (long long)a->shape[0],
                          (long long)b->shape[0]);
    v->B = a->shape[0];
    v->ar = a->shape[1]; v->ac = a->shape[2];
    v->br = b->shape[1]; v->bc = b->shape[2];
    v->m = ta ? v->ac : v->ar;
    v->kk = ta ? v->ar : v->ac;
    v->n = tb ? v->br : v->bc;
    int64_t kb = tb ? v->bc : v->br;
    if (v->kk != kb)
        return pysym_fail("%s: contraction mismatch: a gives %lld, b gives %lld (transpose_a=%d, "
                          "transpose_b=%d)", k, (long long)v->kk, (long long)kb, ta, tb);
    return PYSYM_OK;
}

/* Runs g once per batch item, advancing a, b, c by their strides. Many small products go one per
 * thread (sgemm single-threaded); few large ones are each split by gemm_run. */
static void gemm_batched(const gemm_t *g, int64_t B, int64_t sa, int64_t sb, int64_t sc) {
    if (B == 0 || g->m == 0 || g->n == 0) return;
    blas_single_thread();
    int nt = omp_get_max_threads();
    double mnk = (double)g->m * (double)g->n * (double)(g->k ? g->k : 1);
    int per_item = B >= 4 * (int64_t)nt || B % nt == 0 || mnk < GEMM_SPLIT_MIN;
    if (per_item) {
#pragma omp parallel for schedule(static) if (nt > 1 && B > 1 && mnk * B >= GEMM_SPLIT_MIN)
        for (int64_t i = 0; i < B; i++) {
            gemm_t gi = *g;
            gi.a += i * sa; gi.b += i * sb; gi.c += i * sc;
            gemm_block(&gi, 0, gi.m, 0, gi.n);
        }
    } else {
        for (int64_t i = 0; i < B; i++) {
            gemm_t gi = *g;
            gi.a += i * sa; gi.b += i * sb; gi.c += i * sc;
            gemm_run(&gi);
        }
    }
}

/* batch_dot_fwd
 *   inputs : a (B, r, s), b (B, t, u)
 *   outputs: out (B, m, n), m = transpose_a ? s : r, n = transpose_b ? t : u
 *   params : [0] transpose_a (0/1), [1] transpose_b (0/1) */
static int batch_dot_fwd(const pysym_call *c) {
    const char *k = "batch_dot_fwd";
    TRY(check_arity(c, k, 2, 2, 1, 1, 2));
    int ta = c->params[0] != 0.0, tb = c->params[1] != 0.0;
    const pysym_tensor *a = &c->in[0], *b = &c->in[1], *y = &c->out[0];
    TRY(check_f32(k, "a", a));
    TRY(check_f32(k, "b", b));
    TRY(check_f32(k, "out", y));
    batch_view v;
    TRY(batch_view_of(k, a, b, ta, tb, &v));
    TRY(check_ndim(k, "out", y, 3));
    if (y->shape[0] != v.B || y->shape[1] != v.m || y->shape[2] != v.n)
        return pysym_fail("%s: out must be (%lld, %lld, %lld)", k, (long long)v.B, (long long)v.m,
                          (long long)v.n);
    if (!want(c, 0)) return PYSYM_OK;
    gemm_t g = {ta, tb, v.m, v.n, v.kk, a->data, v.ac, b->data, v.bc, y->data, v.n, NULL};
    TRY(gemm_dims_ok(k, &g));
    gemm_batched(&g, v.B, v.ar * v.ac, v.br * v.bc, v.m * v.n);
    return PYSYM_OK;
}

/* batch_dot_bwd
 *   inputs : out_grad (B, m, n), a (B, r, s), b (B, t, u)
 *   outputs: d_a (B, r, s), d_b (B, t, u); either may be req NULL
 *   params : [0] transpose_a (0/1), [1] transpose_b (0/1) */
static int batch_dot_bwd(const pysym_call *c) {
    const char *k = "batch_dot_bwd";
    TRY(check_arity(c, k, 3, 3, 2, 2, 2));
    int ta = c->params[0] != 0.0, tb = c->params[1] != 0.0;
    const pysym_tensor *og = &c->in[0], *a = &c->in[1], *b = &c->in[2];
    TRY(check_f32(k, "out_grad", og));
    TRY(check_f32(k, "a", a));
    TRY(check_f32(k, "b", b));
    batch_view v;
    TRY(batch_view_of(k, a, b, ta, tb, &v));
    TRY(check_ndim(k, "out_grad", og, 3));
    if (og->shape[0] != v.B || og->shape[1] != v.m || og->shape[2] != v.n)
        return pysym_fail("%s: out_grad must be (%lld, %lld, %lld)", k, (long long)v.B,
                          (long long)v.m, (long long)v.n);
    if (want(c, 0)) {
        TRY(check_f32(k, "d_a", &c->out[0]));
        TRY(check_size(k, "d_a", &c->out[0], a->size));
    }
    if (want(c, 1)) {
        TRY(check_f32(k, "d_b", &c->out[1]));
        TRY(check_size(k, "d_b", &c->out[1], b->size));
    }
    int64_t sa = v.ar * v.ac, sb = v.br * v.bc, sc = v.m * v.n;
    if (want(c, 0)) {
        gemm_t g = ta ? (gemm_t){tb, 1, v.ar, v.ac, v.n, b->data, v.bc, og->data, v.n,
                                 c->out[0].data, v.ac, NULL}
                      : (gemm_t){0, !tb, v.ar, v.ac, v.n, og->data, v.n, b->data, v.bc,
                                 c->out[0].data, v.ac, NULL};
        TRY(gemm_dims_ok(k, &g));
        /* operand strides follow the operand order chosen above */
        gemm_batched(&g, v.B, ta ? sb : sc, ta ? sc : sb, sa);
    }
    if (want(c, 1)) {
        gemm_t g = tb ? (gemm_t){1, ta, v.br, v.bc, v.m, og->data, v.n, a->data, v.ac,
                                 c->out[1].data, v.bc, NULL}
                      : (gemm_t){!ta, 0, v.br, v.bc, v.m, a->data, v.ac, og->data, v.n,
                                 c->out[1].data, v.bc, NULL};
        TRY(gemm_dims_ok(k, &g));
        gemm_batched(&g, v.B, tb ? sc : sa, tb ? sa : sc, sb);
    }
    return PYSYM_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Embedding and one_hot take float32 index values. MXNet converts with static_cast (truncation
 * toward zero); Embedding then clips to [0, input_dim-1] in both passes (TakeZeroAxisCPU<clip>,
 * AddTakeGrad), one_hot leaves rows with an out-of-range index all off_value. */

/* trunc, then clip; NaN goes to row 0 like the x86 conversion MXNet relies on */
static inline int64_t clip_row(float v, int64_t rows) {
    if (!(v >= 1.0f)) return 0;
    if ((double)v >= (double)rows) return rows - 1;
    return (int64_t)v;
}

/* embedding_fwd
 *   inputs : indices (any shape, float32 values), weight (input_dim, output_dim)
 *   outputs: out (indices.shape ++ (output_dim,)): out[i, :] = weight[clip(trunc(indices[i])), :]
 *   params : none (input_dim/output_dim come from weight's shape) */
static int embedding_fwd(const pysym_call *c) {
    const char *k = "embedding_fwd";
    TRY(check_arity(c, k, 2, 2, 1, 1, 0));
    const pysym_tensor *idx = &c->in[0], *w = &c->in[1], *y = &c->out[0];
    TRY(check_f32(k, "indices", idx));
    TRY(check_f32(k, "weight", w));
    TRY(check_f32(k, "out", y));
    TRY(check_ndim(k, "weight", w, 2));
    int64_t rows = w->shape[0], D = w->shape[1], n = idx->size;
    if (rows < 1) return pysym_fail("%s: weight must have at least one row (input_dim >= 1)", k);
    TRY(check_size(k, "out", y, n * D));
    if (y->ndim != idx->ndim + 1 || y->shape[y->ndim - 1] != D)
        return pysym_fail("%s: out must be indices.shape + (%lld,)", k, (long long)D);
    if (!want(c, 0)) return PYSYM_OK;
    const float *pi = idx->data, *pw = w->data;
    float *py = y->data;
#pragma omp parallel for schedule(static) if (n * D >= LOOP_SPLIT_MIN)
    for (int64_t i = 0; i < n; i++)
        memcpy(py + i * D, pw + clip_row(pi[i], rows) * D, (size_t)D * sizeof(float));
    return PYSYM_OK;
}

/* embedding_bwd
 *   inputs : out_grad (indices.shape ++ (output_dim,)), indices (any shape, float32 values)
 *   outputs: d_weight (input_dim, output_dim): zeroed, then d_weight[clip(trunc(idx[i])), :] +=
 *            out_grad[i, :] (indices get no gradient)
 *   params : none */
static int embedding_bwd(const pysym_call *c) {
    const char *k = "embedding_bwd";
    TRY(check_arity(c, k, 2, 2, 1, 1, 0));
    const pysym_tensor *og = &c->in[0], *idx = &c->in[1], *dw = &c->out[0];
    TRY(check_f32(k, "out_grad", og));
    TRY(check_f32(k, "indices", idx));
    TRY(check_f32(k, "d_weight", dw));
    TRY(check_ndim(k, "d_weight", dw, 2));
    int64_t rows = dw->shape[0], D = dw->shape[1], n = idx->size;
    if (rows < 1) return pysym_fail("%s: d_weight must have at least one row", k);
    TRY(check_size(k, "out_grad", og, n * D));
    if (!want(c, 0)) return PYSYM_OK;
    const float *pi = idx->data, *pg = og->data;
    float *pd = dw->data;
    /* threads own column blocks of d_weight, so duplicate indices never race */
    int64_t units = (D + COL_ALIGN - 1) / COL_ALIGN;
#pragma omp parallel if ((n + rows) * D >= LOOP_SPLIT_MIN && units > 1)
    {
        int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t lo = units * t / T * COL_ALIGN, hi = units * (t + 1) / T * COL_ALIGN;
        if (hi > D) hi = D;
        if (lo < hi) {
            int64_t w = hi - lo;
            for (int64_t r = 0; r < rows; r++) memset(pd + r * D + lo, 0, (size_t)w * sizeof(float));
            for (int64_t i = 0; i < n; i++) {
                float *dst = pd + clip_row(pi[i], rows) * D + lo;
                const float *src = pg + i * D + lo;
                for (int64_t j = 0; j < w; j++) dst[j] += src[j];
            }
        }
    }
    return PYSYM_OK;
}

/* one_hot_fwd
 *   inputs : indices (any shape, float32 values)
 *   outputs: out (indices.shape ++ (depth,)), float32: off_value everywhere, on_value at
 *            trunc(indices[i]) when that lies in [0, depth) (so -0.5 -> 0, 2.9 -> 2)
 *   params : [0] depth (int >= 0), [1] on_value, [2] off_value */
static int one_hot_fwd(const pysym_call *c) {
    const char *k = "one_hot_fwd";
    TRY(check_arity(c, k, 1, 1, 1, 1, 3));
    const pysym_tensor *idx = &c->in[0], *y = &c->out[0];
    TRY(check_f32(k, "indices", idx));
    TRY(check_f32(k, "out", y));
    double dd = c->params[0];
    if (!(dd >= 0.0) || dd != floor(dd))
        return pysym_fail("%s: depth must be a non-negative integer, got %g", k, dd);
    int64_t depth = (int64_t)dd, n = idx->size;
    float on = (float)c->params[1], off = (float)c->params[2];
    TRY(check_size(k, "out", y, n * depth));
    if (y->ndim != idx->ndim + 1 || y->shape[y->ndim - 1] != depth)
        return pysym_fail("%s: out must be indices.shape + (%lld,)", k, (long long)depth);
    if (!want(c, 0)) return PYSYM_OK;
    const float *pi = idx->data;
    float *py = y->data;
#pragma omp parallel for schedule(static) if (n * depth >= LOOP_SPLIT_MIN)
    for (int64_t i = 0; i < n; i++) {
        float *row = py + i * depth;
        for (int64_t j = 0; j < depth; j++) row[j] = off;
        float v = pi[i];
        if (v > -1.0f && (double)v < (double)depth) row[(int64_t)v] = on;
    }
    return PYSYM_OK;
}

const pysym_kernel_entry pysym_kernels_dense[] = {
    {"fully_connected_fwd", fully_connected_fwd, scratch_free},
    {"fully_connected_bwd", fully_connected_bwd, NULL},
    {"dot_fwd", dot_fwd, scratch_free},
    {"dot_bwd", dot_bwd, NULL},
    {"batch_dot_fwd", batch_dot_fwd, NULL},
    {"batch_dot_bwd", batch_dot_bwd, NULL},
    {"embedding_fwd", embedding_fwd, NULL},
    {"embedding_bwd", embedding_bwd, NULL},
    {"one_hot_fwd", one_hot_fwd, NULL},
};
const int pysym_kernels_dense_count = sizeof(pysym_kernels_dense) / sizeof(pysym_kernels_dense[0]);

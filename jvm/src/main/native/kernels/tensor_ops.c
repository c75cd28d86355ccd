/* tensor_ops.c - shape manipulation, reductions and broadcasting (own vectorised C).
 *
 * Semantics follow MXNet 1.9.1 on CPU. Shapes are decided in Java: every kernel receives its
 * tensors with their final shapes and only checks what it relies on. Nothing is guessed from
 * shapes: reductions get an axis bitmask, slices get normalised begin/end. All kernels are
 * float32-only except `cast`, which converts between every dtype of pysym.h. */
#include "pysym.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAXD PYSYM_MAX_NDIM
#define PAR_WORK (1 << 16) /* below this many elements a thread team costs more than it saves */

/* ------------------------------------------------------------------------------------------ */
/* Checks shared by all kernels                                                               */
/* ------------------------------------------------------------------------------------------ */

static const char *shape_str(const int64_t *shape, int nd, char *buf, size_t n) {
    size_t k = 0;
    k += (size_t)snprintf(buf + k, n - k, "(");
    for (int d = 0; d < nd && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ",%lld" : "%lld", (long long)shape[d]);
    if (k < n) snprintf(buf + k, n - k, ")");
    return buf;
}
/* Shape text for messages; the buffer lives until the end of the enclosing full expression's block. */
#define SHP(t) shape_str((t)->shape, (t)->ndim, (char[128]){0}, 128)
#define SHPA(s, nd) shape_str((s), (nd), (char[128]){0}, 128)

static int want(const pysym_call *c, int i) { return c->req[i] == PYSYM_REQ_WRITE; }

static int check_tensor(const char *k, const char *what, int i, const pysym_tensor *t, int f32) {
    if (t->ndim < 0 || t->ndim > MAXD)
        return pysym_fail("%s: %s %d has rank %d, expected 0..%d", k, what, i, t->ndim, MAXD);
    int64_t size = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] < 0)
            return pysym_fail("%s: %s %d has negative dim %lld", k, what, i, (long long)t->shape[d]);
        size *= t->shape[d];
    }
    if (size != t->size)
        return pysym_fail("%s: %s %d has size %lld but shape %s", k, what, i, (long long)t->size, SHP(t));
    if (f32 && t->dtype != PYSYM_F32)
        return pysym_fail("%s: %s %d has dtype %d, expected float32 (0)", k, what, i, t->dtype);
    if (t->size > 0 && t->data == NULL)
        return pysym_fail("%s: %s %d has no data", k, what, i);
    return PYSYM_OK;
}

/* Counts (n_params < 0: any), every input valid, every requested output valid; REQ_ADD is the
 * planner's job, so seeing it here means a planning bug. */
static int check_call_dt(const pysym_call *c, const char *k, int n_in, int n_out, int n_params, int f32) {
    if (n_in >= 0 && c->n_in != n_in) return pysym_fail("%s: expected %d inputs, got %d", k, n_in, c->n_in);
    if (n_out >= 0 && c->n_out != n_out) return pysym_fail("%s: expected %d outputs, got %d", k, n_out, c->n_out);
    if (n_params >= 0 && c->n_params != n_params)
        return pysym_fail("%s: expected %d params, got %d", k, n_params, c->n_params);
    for (int i = 0; i < c->n_in; i++)
        if (check_tensor(k, "input", i, &c->in[i], f32)) return PYSYM_ERROR;
    for (int i = 0; i < c->n_out; i++) {
        if (c->req[i] == PYSYM_REQ_NULL) continue;
        if (c->req[i] != PYSYM_REQ_WRITE)
            return pysym_fail("%s: output %d has req %d, only write (1) or null (0) are supported", k, i, c->req[i]);
        if (check_tensor(k, "output", i, &c->out[i], f32)) return PYSYM_ERROR;
    }
    return PYSYM_OK;
}
static int check_call(const pysym_call *c, const char *k, int n_in, int n_out, int n_params) {
    return check_call_dt(c, k, n_in, n_out, n_params, 1);
}

static int same_shape(const pysym_tensor *a, const pysym_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

/* An integer parameter: must be exact, since Java sends ints and enum ordinals exactly. */
static int param_int(const pysym_call *c, const char *k, int i, const char *name, int64_t lo, int64_t hi, int64_t *v) {
    double p = c->params[i];
    *v = 0;
    if (!(p >= (double)lo && p <= (double)hi) || p != floor(p))
        return pysym_fail("%s: param %d (%s) = %g, expected an integer in [%lld, %lld]", k, i, name, p,
                          (long long)lo, (long long)hi);
    *v = (int64_t)p;
    return PYSYM_OK;
}

static int64_t prod(const int64_t *s, int a, int b) {
    int64_t p = 1;
    for (int d = a; d < b; d++) p *= s[d];
    return p;
}

/* ------------------------------------------------------------------------------------------ */
/* Broadcast iteration plan                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* Operands are iterated over an output shape. Each operand shape is left-padded with 1s to the
 * output rank; a dim equal to the output's gets its contiguous stride, a dim of 1 gets stride 0.
 * Output dims of size 1 are dropped and neighbours that stay contiguous for every operand are
 * merged, so the innermost dim has stride 1 or 0 for each operand and loops over it vectorise. */
typedef struct {
    int nd, nops;
    int64_t shape[MAXD];
    int64_t st[3][MAXD];
} bplan;

static int bplan_make(bplan *p, const char *k, int ond, const int64_t *oshape, int nops, const int *nds,
                      const int64_t *const *shapes, const char *const *names) {
    int64_t st[3][MAXD];
    p->nops = nops;
    for (int o = 0; o < nops; o++) {
        int pad = ond - nds[o];
        if (pad < 0)
            return pysym_fail("%s: %s shape %s has more dims than the output shape %s", k, names[o],
                              SHPA(shapes[o], nds[o]), SHPA(oshape, ond));
        int64_t s = 1;
        for (int d = ond - 1; d >= 0; d--) {
            int64_t dim = d >= pad ? shapes[o][d - pad] : 1;
            if (dim == oshape[d]) st[o][d] = dim == 1 ? 0 : s;
            else if (dim == 1) st[o][d] = 0;
            else
                return pysym_fail("%s: %s shape %s does not broadcast to the output shape %s", k, names[o],
                                  SHPA(shapes[o], nds[o]), SHPA(oshape, ond));
            s *= dim;
        }
    }
    int n = 0;
    for (int d = 0; d < ond; d++) {
        if (oshape[d] == 1) continue;
        int merge = n > 0;
        for (int o = 0; o < nops && merge; o++)
            if (p->st[o][n - 1] != st[o][d] * oshape[d]) merge = 0;
        if (merge) {
            p->shape[n - 1] *= oshape[d];
            for (int o = 0; o < nops; o++) p->st[o][n - 1] = st[o][d];
        } else {
            p->shape[n] = oshape[d];
            for (int o = 0; o < nops; o++) p->st[o][n] = st[o][d];
            n++;
        }
    }
    if (n == 0) {
        p->shape[0] = 1;
        for (int o = 0; o < nops; o++) p->st[o][0] = 0;
        n = 1;
    }
    p->nd = n;
    return PYSYM_OK;
}

static int64_t bplan_rows(const bplan *p) { return prod(p->shape, 0, p->nd - 1); }
static int64_t bplan_len(const bplan *p) { return p->shape[p->nd - 1]; }

/* Start offsets of operand rows for output row `row` (the output itself is contiguous: row*len). */
static inline void bplan_offsets(const bplan *p, int64_t row, int64_t *off) {
    for (int o = 0; o < p->nops; o++) off[o] = 0;
    for (int d = p->nd - 2; d >= 0; d--) {
        int64_t i = row % p->shape[d];
        row /= p->shape[d];
        for (int o = 0; o < p->nops; o++) off[o] += i * p->st[o][d];
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Reduction engine: sum src (rank nd) into dst whose shape is dshape (1 where reduced)       */
/* ------------------------------------------------------------------------------------------ */

enum { RED_SUM = 0, RED_MEAN = 1, RED_MAX = 2, RED_MIN = 3, RED_PROD = 4 };
#define RED_BLOCK 256

static double red_init(int op) {
    switch (op) {
    case RED_MAX: return -INFINITY;
    case RED_MIN: return INFINITY;
    case RED_PROD: return 1.0;
    default: return 0.0;
    }
}

/* MXNet's max/min reducers let NaN win (mshadow red::maximum: `if (!isnan(dst)) if (!(dst >= src)) dst = src`). */
static inline double red_combine(int op, double acc, double v) {
    switch (op) {
    case RED_MAX: return (v > acc || v != v) && acc == acc ? v : acc;
    case RED_MIN: return (v < acc || v != v) && acc == acc ? v : acc;
    case RED_PROD: return acc * v;
    default: return acc + v;
    }
}

static double row_reduce(int op, const float *x, int64_t n) {
    if (op == RED_SUM || op == RED_MEAN) {
        double s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < n; i++) s += x[i];
        return s;
    }
    if (op == RED_PROD) {
        double s = 1;
#pragma omp simd reduction(* : s)
        for (int64_t i = 0; i < n; i++) s *= x[i];
        return s;
    }
    float m = op == RED_MAX ? -INFINITY : INFINITY;
    int nan = 0;
    if (op == RED_MAX) {
#pragma omp simd reduction(max : m) reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            m = x[i] > m ? x[i] : m;
            nan |= x[i] != x[i];
        }
    } else {
#pragma omp simd reduction(min : m) reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            m = x[i] < m ? x[i] : m;
            nan |= x[i] != x[i];
        }
    }
    return nan ? NAN : m;
}

/* acc[i] op= x[i]. For max/min this is the plain compare-select, which vectorises; it returns
 * whether x held a NaN so the caller can redo the block with MXNet's NaN rule (red_combine). */
static int block_combine(int op, double *acc, const float *x, int64_t n) {
    int nan = 0;
    switch (op) {
    case RED_MAX:
#pragma omp simd reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            const double v = x[i], a = acc[i];
            acc[i] = v > a ? v : a;
            nan |= v != v;
        }
        break;
    case RED_MIN:
#pragma omp simd reduction(| : nan)
        for (int64_t i = 0; i < n; i++) {
            const double v = x[i], a = acc[i];
            acc[i] = v < a ? v : a;
            nan |= v != v;
        }
        break;
    case RED_PROD:
        for (int64_t i = 0; i < n; i++) acc[i] *= x[i];
        break;
    default:
        for (int64_t i = 0; i < n; i++) acc[i] += x[i];
    }
    return nan;
}

static inline float red_final(int op, double acc, int64_t count) {
    return op == RED_MEAN ? (float)(acc / (double)count) : (float)acc;
}

/* Groups of dims (size-1 dims dropped, neighbours with the same reduced/kept status merged) are
 * walked so that the innermost loop is always contiguous: a reduced innermost group is summed
 * along its rows, a kept innermost group is accumulated column-block-wise. Accumulation is in
 * double (MXNet uses Kahan-compensated float sums; double is at least as accurate). */
static void reduce_into(const float *src, int nd, const int64_t *sshape, const int64_t *dshape, float *dst, int op) {
    int64_t ss[MAXD], s = 1;
    for (int d = nd - 1; d >= 0; d--) {
        ss[d] = s;
        s *= sshape[d];
    }
    const int64_t ssize = s, dsize = prod(dshape, 0, nd);
    if (dsize == 0) return;
    if (ssize == 0) {
        float v = red_final(op, red_init(op), 0);
        for (int64_t j = 0; j < dsize; j++) dst[j] = v;
        return;
    }
    int64_t gshape[MAXD], gss[MAXD];
    int gred[MAXD], n = 0;
    for (int d = 0; d < nd; d++) {
        if (sshape[d] == 1) continue;
        int r = dshape[d] == 1;
        if (n > 0 && gred[n - 1] == r) {
            gshape[n - 1] *= sshape[d];
            gss[n - 1] = ss[d];
        } else {
            gshape[n] = sshape[d];
            gss[n] = ss[d];
            gred[n] = r;
            n++;
        }
    }
    if (n == 0) { /* a single element */
        dst[0] = red_final(op, red_combine(op, red_init(op), src[0]), 1);
        return;
    }
    /* kept groups (outer to inner) and reduced groups, each with its src stride */
    int64_t kshape[MAXD], kst[MAXD], rshape[MAXD], rst[MAXD];
    int nk = 0, nr = 0;
    for (int g = 0; g < n; g++) {
        if (gred[g]) { rshape[nr] = gshape[g]; rst[nr++] = gss[g]; }
        else { kshape[nk] = gshape[g]; kst[nk++] = gss[g]; }
    }
    const int64_t count = ssize / dsize;
    const double init = red_init(op);
    if (gred[n - 1]) {
        /* innermost reduced: each dst element sums contiguous runs of length L */
        const int64_t L = rshape[nr - 1], Q = count / L;
#pragma omp parallel for if (ssize >= PAR_WORK) schedule(static)
        for (int64_t j = 0; j < dsize; j++) {
            int64_t base = 0, jj = j;
            for (int g = nk - 1; g >= 0; g--) {
                base += (jj % kshape[g]) * kst[g];
                jj /= kshape[g];
            }
            double acc = init;
            for (int64_t q = 0; q < Q; q++) {
                int64_t off = base, qq = q;
                for (int g = nr - 2; g >= 0; g--) {
                    off += (qq % rshape[g]) * rst[g];
                    qq /= rshape[g];
                }
                acc = red_combine(op, acc, row_reduce(op, src + off, L));
            }
            dst[j] = red_final(op, acc, count);
        }
    } else {
        /* innermost kept: dst rows of length L accumulate whole src rows, block by block */
        const int64_t L = kshape[nk - 1], M = dsize / L, nb = (L + RED_BLOCK - 1) / RED_BLOCK;
#pragma omp parallel for if (ssize >= PAR_WORK) schedule(static)
        for (int64_t tb = 0; tb < M * nb; tb++) {
            const int64_t m = tb / nb, c0 = (tb % nb) * RED_BLOCK;
            const int64_t len = L - c0 < RED_BLOCK ? L - c0 : RED_BLOCK;
            int64_t base = c0, mm = m;
            for (int g = nk - 2; g >= 0; g--) {
                base += (mm % kshape[g]) * kst[g];
                mm /= kshape[g];
            }
            double acc[RED_BLOCK];
            int nan = 0;
            for (int64_t i = 0; i < len; i++) acc[i] = init;
            for (int64_t q = 0; q < count; q++) {
                int64_t off = base, qq = q;
                for (int g = nr - 1; g >= 0; g--) {
                    off += (qq % rshape[g]) * rst[g];
                    qq /= rshape[g];
                }
                nan |= block_combine(op, acc, src + off, len);
            }
            if (nan) { /* rare: redo this block element by element with the NaN rule */
                for (int64_t i = 0; i < len; i++) acc[i] = init;
                for (int64_t q = 0; q < count; q++) {
                    int64_t off = base, qq = q;
                    for (int g = nr - 1; g >= 0; g--) {
                        off += (qq % rshape[g]) * rst[g];
                        qq /= rshape[g];
                    }
                    for (int64_t i = 0; i < len; i++) acc[i] = red_combine(op, acc[i], src[off + i]);
                }
            }
            float *o = dst + m * L + c0;
            for (int64_t i = 0; i < len; i++) o[i] = red_final(op, acc[i], count);
        }
    }
}

/* Left-pads `small` to rank nd and checks each dim equals big's or is 1. */
static int reduce_shape(const char *k, const char *what, const int64_t *big, int nd, const pysym_tensor *small,
                        int64_t *out) {
    int pad = nd - small->ndim;
    if (pad < 0)
        return pysym_fail("%s: %s shape %s has more dims than %s", k, what, SHP(small), SHPA(big, nd));
    for (int d = 0; d < nd; d++) {
        out[d] = d >= pad ? small->shape[d - pad] : 1;
        if (out[d] != big[d] && out[d] != 1)
            return pysym_fail("%s: %s shape %s is not a broadcast of %s", k, what, SHP(small), SHPA(big, nd));
    }
    return PYSYM_OK;
}

/* Reduced shape from an axis bitmask, checked against the size of the given output. */
static int mask_shape(const char *k, const pysym_tensor *big, int64_t mask, const pysym_tensor *small,
                      const char *what, int64_t *out) {
    if (mask < 0 || mask >= ((int64_t)1 << big->ndim))
        return pysym_fail("%s: axis mask 0x%llx names dims beyond rank %d", k, (long long)mask, big->ndim);
    for (int d = 0; d < big->ndim; d++) out[d] = (mask >> d) & 1 ? 1 : big->shape[d];
    int64_t size = prod(out, 0, big->ndim);
    if (size != small->size)
        return pysym_fail("%s: %s shape %s (size %lld) does not match the reduced shape %s of %s with axis mask 0x%llx",
                          k, what, SHP(small), (long long)small->size, SHPA(out, big->ndim), SHP(big),
                          (long long)mask);
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 1. reduce_fwd / reduce_bwd                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* reduce_fwd: in[0] data (any rank) ; out[0] reduced (its shape is the kept-dims shape, with or
 * without the reduced dims: only its size is checked, = product of kept dims).
 * params: [0] op: 0 sum, 1 mean, 2 max, 3 min, 4 prod ; [1] axis bitmask over data's dims
 * (bit d set = dim d reduced; Java resolves axis=(), exclude and negative axes; mask 0 = copy).
 * max/min propagate NaN like MXNet; mean divides by the reduced element count. */
static int reduce_fwd(const pysym_call *c) {
    const char *k = "reduce_fwd";
    int64_t op, mask, dshape[MAXD];
    if (check_call(c, k, 1, 1, 2)) return PYSYM_ERROR;
    if (param_int(c, k, 0, "op", 0, 4, &op) || param_int(c, k, 1, "axis mask", 0, 255, &mask)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0];
    if (mask_shape(k, x, mask, &c->out[0], "output", dshape)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    reduce_into(x->data, x->ndim, x->shape, dshape, c->out[0].data, (int)op);
    return PYSYM_OK;
}

/* Row kernels of the reduce backward: o = g * f(x, y) with g, y broadcast along the row. */
static void rbwd_row(int op, const float *x, const float *g, int64_t sg, const float *y, int64_t sy, float *o,
                     int64_t n, float count) {
    switch (op) {
    case RED_MAX:
    case RED_MIN: /* MXNet: ograd * (data == out): every tied element gets the full gradient */
        for (int64_t i = 0; i < n; i++) o[i] = g[i * sg] * (x[i] == y[i * sy] ? 1.0f : 0.0f);
        break;
    case RED_PROD: /* MXNet: ograd * rdiv(data, out) = ograd * out / data, not zero-safe */
        for (int64_t i = 0; i < n; i++) o[i] = g[i * sg] * (y[i * sy] / x[i]);
        break;
    case RED_MEAN: /* MXNet divides by the integer count */
        for (int64_t i = 0; i < n; i++) o[i] = g[i * sg] / count;
        break;
    default:
        for (int64_t i = 0; i < n; i++) o[i] = g[i * sg];
    }
}

/* reduce_bwd: in[0] out_grad (reduced shape, size = product of kept dims) ; for max/min/prod also
 * in[1] in_data (the forward input) and in[2] out_data (the forward output, out_grad's size);
 * sum/mean accept either 1 input or the same 3 (in[1], in[2] unused).
 * out[0] d_data (the forward input's shape).
 * params: [0] op (as reduce_fwd) ; [1] axis bitmask over d_data's dims (as reduce_fwd).
 * sum: broadcast of out_grad; mean: divided by the reduced count; max/min: out_grad where
 * data == out (all ties); prod: out_grad * out / data. */
static int reduce_bwd(const pysym_call *c) {
    const char *k = "reduce_bwd";
    int64_t op, mask, sshape[MAXD];
    if (check_call(c, k, -1, 1, 2)) return PYSYM_ERROR;
    if (param_int(c, k, 0, "op", 0, 4, &op) || param_int(c, k, 1, "axis mask", 0, 255, &mask)) return PYSYM_ERROR;
    int needs_data = op == RED_MAX || op == RED_MIN || op == RED_PROD;
    if (c->n_in != 3 && (needs_data || c->n_in != 1))
        return pysym_fail("%s: expected %s inputs (out_grad, in_data, out_data), got %d", k, needs_data ? "3" : "1 or 3",
                          c->n_in);
    const pysym_tensor *dx = &c->out[0], *g = &c->in[0];
    if (!want(c, 0)) return PYSYM_OK;
    if (mask_shape(k, dx, mask, g, "out_grad", sshape)) return PYSYM_ERROR;
    if (needs_data) {
        if (!same_shape(&c->in[1], dx))
            return pysym_fail("%s: in_data shape %s differs from d_data shape %s", k, SHP(&c->in[1]), SHP(dx));
        if (c->in[2].size != g->size)
            return pysym_fail("%s: out_data size %lld differs from out_grad size %lld", k, (long long)c->in[2].size,
                              (long long)g->size);
    }
    if (dx->size == 0) return PYSYM_OK;
    bplan p;
    const int nds[2] = {dx->ndim, dx->ndim};
    const int64_t *shapes[2] = {sshape, sshape};
    const char *names[2] = {"out_grad", "out_data"};
    if (bplan_make(&p, k, dx->ndim, dx->shape, 2, nds, shapes, names)) return PYSYM_ERROR;
    const float *x = needs_data ? c->in[1].data : NULL, *gd = g->data, *y = needs_data ? c->in[2].data : NULL;
    float *o = dx->data;
    const int64_t rows = bplan_rows(&p), L = bplan_len(&p), sg = p.st[0][p.nd - 1], sy = p.st[1][p.nd - 1];
    const float count = g->size ? (float)(dx->size / g->size) : 1.0f;
#pragma omp parallel for if (dx->size >= PAR_WORK) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        int64_t off[2];
        bplan_offsets(&p, r, off);
        rbwd_row((int)op, x ? x + r * L : NULL, gd + off[0], sg, y ? y + off[1] : NULL, sy, o + r * L, L, count);
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 2. argmax / argmin                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* mshadow reduce_with_axis<mask=true>: the index moves whenever the running max changes, so
 * ties keep the first index; once NaN is reached the running value stays NaN and, NaN != NaN,
 * the index follows every later element (MXNet returns the last index then). */
static int arg_search(const pysym_call *c, const char *k, int is_max) {
    int64_t axis;
    if (check_call(c, k, 1, 1, 1)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (param_int(c, k, 0, "axis", -1, x->ndim - 1, &axis)) return PYSYM_ERROR;
    int64_t outer, n, inner;
    if (axis < 0) {
        outer = 1; n = x->size; inner = 1;
    } else {
        outer = prod(x->shape, 0, (int)axis); n = x->shape[axis]; inner = prod(x->shape, (int)axis + 1, x->ndim);
    }
    if (n == 0) return pysym_fail("%s: cannot search an empty axis of input shape %s", k, SHP(x));
    if (y->size != outer * inner)
        return pysym_fail("%s: output size %lld, expected %lld for input %s and axis %lld", k, (long long)y->size,
                          (long long)(outer * inner), SHP(x), (long long)axis);
    if (!want(c, 0)) return PYSYM_OK;
    const float *xd = x->data;
    float *yd = y->data;
    /* argmin is argmax of -x: negation is exact and keeps NaN, ties and the index rule */
    const float sg = is_max ? 1.0f : -1.0f;
    if (inner == 1) {
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
        for (int64_t o = 0; o < outer; o++) {
            const float *row = xd + o * n;
            float res = -INFINITY;
            int64_t idx = 0;
            for (int64_t j = 0; j < n; j++) {
                const float v = sg * row[j], before = res;
                if (res == res && !(res >= v)) res = v;
                if (before != res) idx = j;
            }
            yd[o] = (float)idx;
        }
        return PYSYM_OK;
    }
    /* searching a non-innermost axis: walk it row by row over blocks of inner columns */
    const int64_t nb = (inner + RED_BLOCK - 1) / RED_BLOCK;
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
    for (int64_t t = 0; t < outer * nb; t++) {
        const int64_t o = t / nb, i0 = t % nb * RED_BLOCK;
        const int64_t len = inner - i0 < RED_BLOCK ? inner - i0 : RED_BLOCK;
        const float *base = xd + o * n * inner + i0;
        float res[RED_BLOCK];
        int64_t idx[RED_BLOCK];
        for (int64_t i = 0; i < len; i++) { res[i] = -INFINITY; idx[i] = 0; }
        for (int64_t j = 0; j < n; j++) {
            const float *row = base + j * inner;
            for (int64_t i = 0; i < len; i++) {
                const float v = sg * row[i], before = res[i];
                const float r = (before == before) & !(before >= v) ? v : before;
                idx[i] = before != r ? j : idx[i];
                res[i] = r;
            }
        }
        for (int64_t i = 0; i < len; i++) yd[o * inner + i0 + i] = (float)idx[i];
    }
    return PYSYM_OK;
}

/* argmax / argmin: in[0] data ; out[0] indices as float32 (size = data size / axis length; any
 * shape, keepdims is a Java reshape). params: [0] axis (0..ndim-1), or -1 = over the flattened
 * input (MXNet axis=None). Ties give the first index. Not differentiable. */
static int argmax(const pysym_call *c) { return arg_search(c, "argmax", 1); }
static int argmin(const pysym_call *c) { return arg_search(c, "argmin", 0); }

/* ------------------------------------------------------------------------------------------ */
/* 3. broadcast_binary_fwd / broadcast_binary_bwd                                             */
/* ------------------------------------------------------------------------------------------ */

enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN, BIN_POW, BIN_COUNT };

/* mshadow_op::maximum/minimum: NaN in either operand propagates. */
static inline float f_max(float a, float b) { return a != a ? a : (a > b ? a : b); }
static inline float f_min(float a, float b) { return a != a ? a : (a < b ? a : b); }

/* One output row; stride 0 means the operand is broadcast along the row. */
#define BIN_ROW(NAME, EXPR)                                                                  \
    static void NAME(const float *a, int64_t sa, const float *b, int64_t sb, float *o, int64_t n) { \
        if (sa && sb) {                                                                      \
            for (int64_t i = 0; i < n; i++) { const float x = a[i], y = b[i]; o[i] = (EXPR); } \
        } else if (sa) {                                                                     \
            const float y = b[0];                                                            \
            for (int64_t i = 0; i < n; i++) { const float x = a[i]; o[i] = (EXPR); }         \
        } else if (sb) {                                                                     \
            const float x = a[0];                                                            \
            for (int64_t i = 0; i < n; i++) { const float y = b[i]; o[i] = (EXPR); }         \
        } else {                                                                             \
            const float x = a[0], y = b[0], v = (EXPR);                                      \
            for (int64_t i = 0; i < n; i++) o[i] = v;                                        \
        }                                                                                    \
    }
BIN_ROW(row_add, x + y)
BIN_ROW(row_sub, x - y)
BIN_ROW(row_mul, x * y)
BIN_ROW(row_div, x / y)
BIN_ROW(row_max, f_max(x, y))
BIN_ROW(row_min, f_min(x, y))
BIN_ROW(row_pow, powf(x, y))
typedef void (*bin_row_fn)(const float *, int64_t, const float *, int64_t, float *, int64_t);
static const bin_row_fn bin_rows[BIN_COUNT] = {row_add, row_sub, row_mul, row_div, row_max, row_min, row_pow};

static int bin_plan(bplan *p, const char *k, const pysym_tensor *out, const pysym_tensor *l, const pysym_tensor *r) {
    const int nds[2] = {l->ndim, r->ndim};
    const int64_t *shapes[2] = {l->shape, r->shape};
    const char *names[2] = {"lhs", "rhs"};
    return bplan_make(p, k, out->ndim, out->shape, 2, nds, shapes, names);
}

/* broadcast_binary_fwd: in[0] lhs, in[1] rhs ; out[0] out (the broadcast shape). Inputs may have
 * fewer dims than out (left-padded with 1s); each dim equals out's or is 1.
 * params: [0] op: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum, 6 power. */
static int broadcast_binary_fwd(const pysym_call *c) {
    const char *k = "broadcast_binary_fwd";
    int64_t op;
    if (check_call(c, k, 2, 1, 1) || param_int(c, k, 0, "op", 0, BIN_COUNT - 1, &op)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    const pysym_tensor *out = &c->out[0];
    bplan p;
    if (bin_plan(&p, k, out, &c->in[0], &c->in[1])) return PYSYM_ERROR;
    if (out->size == 0) return PYSYM_OK;
    const float *a = c->in[0].data, *b = c->in[1].data;
    float *o = out->data;
    const int64_t rows = bplan_rows(&p), L = bplan_len(&p), sa = p.st[0][p.nd - 1], sb = p.st[1][p.nd - 1];
    const bin_row_fn fn = bin_rows[op];
#pragma omp parallel for if (out->size >= PAR_WORK) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        int64_t off[2];
        bplan_offsets(&p, r, off);
        fn(a + off[0], sa, b + off[1], sb, o + r * L, L);
    }
    return PYSYM_OK;
}

/* Partial gradient rows: o = g * d(op)/d(side) at (x, y); x, y may be broadcast (stride 0). */
static void bin_grad_row(int op, int side, const float *g, const float *a, int64_t sa, const float *b, int64_t sb,
                         float *o, int64_t n) {
#define GROW(EXPR)                                                                           \
    for (int64_t i = 0; i < n; i++) {                                                        \
        const float gv = g[i], x = a[i * sa], y = b[i * sb];                                 \
        (void)x, (void)y;                                                                    \
        o[i] = (EXPR);                                                                       \
    }                                                                                        \
    break
    switch (op * 2 + side) {
    case BIN_MUL * 2: GROW(gv * y);
    case BIN_MUL * 2 + 1: GROW(gv * x);
    case BIN_DIV * 2: GROW(gv / y);
    case BIN_DIV * 2 + 1: GROW(gv * (-x / (y * y)));         /* mshadow_op::div_rgrad */
    case BIN_MAX * 2: GROW(gv * (x >= y ? 1.0f : 0.0f));     /* mshadow_op::ge: ties go to lhs */
    case BIN_MAX * 2 + 1: GROW(gv * (x < y ? 1.0f : 0.0f));  /* mshadow_op::lt */
    case BIN_MIN * 2: GROW(gv * (x <= y ? 1.0f : 0.0f));     /* mshadow_op::le: ties go to lhs */
    case BIN_MIN * 2 + 1: GROW(gv * (x > y ? 1.0f : 0.0f));  /* mshadow_op::gt */
    case BIN_POW * 2: GROW(gv * (powf(x, y - 1.0f) * y));    /* mshadow_op::power_grad */
    case BIN_POW * 2 + 1: GROW(gv * (powf(x, y) * logf(x))); /* mshadow_op::power_rgrad */
    default: GROW(side && op == BIN_SUB ? -gv : gv);
    }
#undef GROW
}

/* broadcast_binary_bwd: in[0] out_grad (out shape), in[1] lhs, in[2] rhs ; out[0] d_lhs (lhs
 * shape), out[1] d_rhs (rhs shape); either may be req null. Each partial gradient is summed over
 * the dims its input was broadcast along. params: [0] op (as broadcast_binary_fwd).
 * maximum: lhs gets out_grad where lhs >= rhs, rhs where lhs < rhs; minimum: lhs where lhs <= rhs,
 * rhs where lhs > rhs (MXNet's ge/lt and le/gt). power: d_lhs = g*rhs*lhs^(rhs-1),
 * d_rhs = g*lhs^rhs*ln(lhs). */
static int broadcast_binary_bwd(const pysym_call *c) {
    const char *k = "broadcast_binary_bwd";
    int64_t op;
    if (check_call(c, k, 3, 2, 1) || param_int(c, k, 0, "op", 0, BIN_COUNT - 1, &op)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0];
    bplan p;
    {
        const int nds[3] = {g->ndim, c->in[1].ndim, c->in[2].ndim};
        const int64_t *shapes[3] = {g->shape, c->in[1].shape, c->in[2].shape};
        const char *names[3] = {"out_grad", "lhs", "rhs"};
        if (bplan_make(&p, k, g->ndim, g->shape, 3, nds, shapes, names)) return PYSYM_ERROR;
    }
    for (int side = 0; side < 2; side++) {
        if (!want(c, side)) continue;
        const pysym_tensor *in = &c->in[1 + side], *d = &c->out[side];
        if (!same_shape(in, d))
            return pysym_fail("%s: d_%s shape %s differs from %s shape %s", k, side ? "rhs" : "lhs", SHP(d),
                              side ? "rhs" : "lhs", SHP(in));
    }
    for (int side = 0; side < 2; side++) {
        if (!want(c, side)) continue;
        const pysym_tensor *d = &c->out[side];
        int64_t small[MAXD];
        if (reduce_shape(k, side ? "rhs" : "lhs", g->shape, g->ndim, d, small)) return PYSYM_ERROR;
        if (d->size == 0) continue;
        const int full = d->size == g->size;
        if ((op == BIN_ADD || op == BIN_SUB) && !full) {
            reduce_into(g->data, g->ndim, g->shape, small, d->data, RED_SUM);
            if (op == BIN_SUB && side) {
                float *dd = d->data;
                for (int64_t i = 0; i < d->size; i++) dd[i] = -dd[i];
            }
            continue;
        }
        float *part = full ? d->data : pysym_alloc(g->size * (int64_t)sizeof(float));
        if (!part) return pysym_fail("%s: out of memory for a %lld-element temporary", k, (long long)g->size);
        const float *gd = g->data, *a = c->in[1].data, *b = c->in[2].data;
        const int64_t rows = bplan_rows(&p), L = bplan_len(&p);
        const int64_t sa = p.st[1][p.nd - 1], sb = p.st[2][p.nd - 1];
#pragma omp parallel for if (g->size >= PAR_WORK) schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            int64_t off[3];
            bplan_offsets(&p, r, off);
            bin_grad_row((int)op, side, gd + r * L, a + off[1], sa, b + off[2], sb, part + r * L, L);
        }
        if (!full) {
            reduce_into(part, g->ndim, g->shape, small, d->data, RED_SUM);
            pysym_free(part);
        }
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 4. broadcast_to_fwd / broadcast_to_bwd                                                     */
/* ------------------------------------------------------------------------------------------ */

/* broadcast_to_fwd: in[0] data ; out[0] out. data's shape, left-padded with 1s, must equal out's
 * in every dim or be 1 there. Serves broadcast_to, broadcast_axis and broadcast_like. No params. */
static int broadcast_to_fwd(const pysym_call *c) {
    const char *k = "broadcast_to_fwd";
    if (check_call(c, k, 1, 1, 0)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    const pysym_tensor *x = &c->in[0], *out = &c->out[0];
    bplan p;
    const int nds[1] = {x->ndim};
    const int64_t *shapes[1] = {x->shape};
    const char *names[1] = {"data"};
    if (bplan_make(&p, k, out->ndim, out->shape, 1, nds, shapes, names)) return PYSYM_ERROR;
    if (out->size == 0) return PYSYM_OK;
    const float *a = x->data;
    float *o = out->data;
    const int64_t rows = bplan_rows(&p), L = bplan_len(&p), sa = p.st[0][p.nd - 1];
#pragma omp parallel for if (out->size >= PAR_WORK) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        int64_t off[1];
        bplan_offsets(&p, r, off);
        if (sa) memcpy(o + r * L, a + off[0], (size_t)L * sizeof(float));
        else {
            const float v = a[off[0]];
            for (int64_t i = 0; i < L; i++) o[r * L + i] = v;
        }
    }
    return PYSYM_OK;
}

/* broadcast_to_bwd: in[0] out_grad (broadcast shape) ; out[0] d_data (data's shape, which
 * left-padded with 1s is out_grad's shape or 1 per dim) = out_grad summed over broadcast dims.
 * No params. */
static int broadcast_to_bwd(const pysym_call *c) {
    const char *k = "broadcast_to_bwd";
    if (check_call(c, k, 1, 1, 0)) return PYSYM_ERROR;
    if (!want(c, 0)) return PYSYM_OK;
    const pysym_tensor *g = &c->in[0], *d = &c->out[0];
    int64_t small[MAXD];
    if (reduce_shape(k, "d_data", g->shape, g->ndim, d, small)) return PYSYM_ERROR;
    reduce_into(g->data, g->ndim, g->shape, small, d->data, RED_SUM);
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 5. transpose                                                                               */
/* ------------------------------------------------------------------------------------------ */

#define TILE 32

/* transpose: in[0] data (rank n) ; out[0] out with out.shape[i] = data.shape[axes[i]].
 * params: [0..n) axes, a permutation of 0..n-1 (Java turns MXNet's empty axes into the reversed
 * order). Its gradient is this kernel with the inverse permutation. Dims that stay adjacent are
 * merged; a swap of the two innermost (merged) dims runs in 32x32 tiles. */
static int transpose(const pysym_call *c) {
    const char *k = "transpose";
    if (check_call(c, k, 1, 1, -1)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    const int nd = x->ndim;
    if (c->n_params != nd) return pysym_fail("%s: expected %d axes params for input %s, got %d", k, nd, SHP(x), c->n_params);
    int64_t axes[MAXD];
    int seen[MAXD] = {0};
    for (int i = 0; i < nd; i++) {
        if (param_int(c, k, i, "axis", 0, nd - 1, &axes[i])) return PYSYM_ERROR;
        if (seen[axes[i]]++) return pysym_fail("%s: axes repeat axis %lld, not a permutation", k, (long long)axes[i]);
    }
    if (y->ndim != nd) return pysym_fail("%s: output rank %d differs from input rank %d", k, y->ndim, nd);
    for (int i = 0; i < nd; i++)
        if (y->shape[i] != x->shape[axes[i]])
            return pysym_fail("%s: output shape %s is not input shape %s permuted by the axes", k, SHP(y), SHP(x));
    if (!want(c, 0) || y->size == 0) return PYSYM_OK;
    int64_t xs[MAXD], s = 1;
    for (int d = nd - 1; d >= 0; d--) { xs[d] = s; s *= x->shape[d]; }
    /* output dims with their input strides; drop 1s, merge dims contiguous in the input too */
    int64_t sh[MAXD], st[MAXD];
    int n = 0;
    for (int i = 0; i < nd; i++) {
        int64_t dim = y->shape[i], str = xs[axes[i]];
        if (dim == 1) continue;
        if (n > 0 && st[n - 1] == str * dim) { sh[n - 1] *= dim; st[n - 1] = str; }
        else { sh[n] = dim; st[n] = str; n++; }
    }
    const float *xd = x->data;
    float *yd = y->data;
    if (n == 0 || st[n - 1] == 1) { /* innermost already contiguous: row copies */
        const int64_t L = n ? sh[n - 1] : 1, rows = y->size / L;
#pragma omp parallel for if (y->size >= PAR_WORK) schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            int64_t off = 0, rr = r;
            for (int d = n - 2; d >= 0; d--) { off += (rr % sh[d]) * st[d]; rr /= sh[d]; }
            memcpy(yd + r * L, xd + off, (size_t)L * sizeof(float));
        }
    } else if (n >= 2 && st[n - 2] == 1) { /* out[.., a, b] = in[.. + a + b*sb]: tiled 2-D transpose */
        const int64_t A = sh[n - 2], B = sh[n - 1], sb = st[n - 1], batches = y->size / (A * B);
        const int64_t ta = (A + TILE - 1) / TILE, tb = (B + TILE - 1) / TILE;
#pragma omp parallel for if (y->size >= PAR_WORK) schedule(static)
        for (int64_t t = 0; t < batches * ta * tb; t++) {
            const int64_t bt = t / (ta * tb), a0 = (t / tb) % ta * TILE, b0 = t % tb * TILE;
            int64_t off = 0, rr = bt;
            for (int d = n - 3; d >= 0; d--) { off += (rr % sh[d]) * st[d]; rr /= sh[d]; }
            const int64_t a1 = a0 + TILE < A ? a0 + TILE : A, b1 = b0 + TILE < B ? b0 + TILE : B;
            const float *src = xd + off;
            float *dst = yd + bt * A * B;
            for (int64_t a = a0; a < a1; a++)
                for (int64_t b = b0; b < b1; b++) dst[a * B + b] = src[a + b * sb];
        }
    } else { /* general gather along the innermost output dim */
        const int64_t L = sh[n - 1], sl = st[n - 1], rows = y->size / L;
#pragma omp parallel for if (y->size >= PAR_WORK) schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            int64_t off = 0, rr = r;
            for (int d = n - 2; d >= 0; d--) { off += (rr % sh[d]) * st[d]; rr /= sh[d]; }
            const float *src = xd + off;
            float *dst = yd + r * L;
            for (int64_t i = 0; i < L; i++) dst[i] = src[i * sl];
        }
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 6. concat_fwd / split_fwd                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* A part's length along axis: 1 when it lacks the axis (rank nd-1). */
static int64_t part_len(const pysym_tensor *t, int nd, int64_t axis) { return t->ndim == nd ? t->shape[axis] : 1; }

/* Shared by concat and split: `whole` is split along `axis` into `n` parts; checks ranks and
 * dims and returns the outer count and the inner size (product of dims after axis). */
static int parts_check(const char *k, const pysym_tensor *whole, const pysym_tensor *parts, int n, int64_t axis, const char *pname, int64_t *outer, int64_t *inner) {
    const int nd = whole->ndim;
    if (axis >= nd) return pysym_fail("%s: axis %lld out of range for shape %s", k, (long long)axis, SHP(whole));
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        const pysym_tensor *t = &parts[i];
        /* a part of rank nd-1 lacks the axis (size 1 there): stack's inputs, squeezed split outputs */
        const int squeezed = t->ndim == nd - 1;
        if (t->ndim != nd && !squeezed)
            return pysym_fail("%s: %s %d has rank %d, expected %d (or %d without the axis)", k, pname, i, t->ndim, nd, nd - 1);
        for (int d = 0; d < nd; d++)
            if (d != axis && t->shape[squeezed && d > axis ? d - 1 : d] != whole->shape[d])
                return pysym_fail("%s: %s %d shape %s differs from %s outside axis %lld", k, pname, i, SHP(t),
                                  SHP(whole), (long long)axis);
        total += part_len(t, nd, axis);
    }
    if (total != whole->shape[axis])
        return pysym_fail("%s: %s sizes along axis %lld sum to %lld, expected %lld (shape %s)", k, pname,
                          (long long)axis, (long long)total, (long long)whole->shape[axis], SHP(whole));
    *outer = prod(whole->shape, 0, (int)axis);
    *inner = prod(whole->shape, (int)axis + 1, nd);
    return PYSYM_OK;
}

/* concat_fwd: in[0..n) parts (n >= 1, same rank, equal dims except along axis) ; out[0] out.
 * params: [0] axis (0..rank-1, normalised by Java). Also serves stack (Java reshapes each part
 * to have a size-1 axis first). Gradient: split_fwd. */
static int concat_fwd(const pysym_call *c) {
    const char *k = "concat_fwd";
    int64_t axis, outer, inner;
    if (check_call(c, k, -1, 1, 1)) return PYSYM_ERROR;
    if (c->n_in < 1) return pysym_fail("%s: expected at least 1 input, got %d", k, c->n_in);
    const pysym_tensor *y = &c->out[0];
    if (param_int(c, k, 0, "axis", 0, MAXD - 1, &axis)) return PYSYM_ERROR;
    if (parts_check(k, y, c->in, c->n_in, axis, "input", &outer, &inner)) return PYSYM_ERROR;
    if (!want(c, 0) || y->size == 0) return PYSYM_OK;
    const int64_t W = y->shape[axis] * inner;
    float *yd = y->data;
    int64_t start = 0;
    for (int i = 0; i < c->n_in; i++) {
        const int64_t w = part_len(&c->in[i], y->ndim, axis) * inner;
        const float *xd = c->in[i].data;
#pragma omp parallel for if (outer * w >= PAR_WORK && outer > 1) schedule(static)
        for (int64_t o = 0; o < outer; o++) memcpy(yd + o * W + start, xd + o * w, (size_t)w * sizeof(float));
        start += w;
    }
    return PYSYM_OK;
}

/* split_fwd: in[0] data ; out[0..n) parts (same rank, equal dims except along axis, sizes along
 * axis summing to data's). Outputs with req null are skipped. params: [0] axis. Serves
 * SliceChannel (squeeze_axis is a Java reshape) and Concat's gradient. */
static int split_fwd(const pysym_call *c) {
    const char *k = "split_fwd";
    int64_t axis, outer, inner;
    if (check_call(c, k, 1, -1, 1)) return PYSYM_ERROR;
    if (c->n_out < 1) return pysym_fail("%s: expected at least 1 output, got %d", k, c->n_out);
    const pysym_tensor *x = &c->in[0];
    if (param_int(c, k, 0, "axis", 0, MAXD - 1, &axis)) return PYSYM_ERROR;
    if (parts_check(k, x, c->out, c->n_out, axis, "output", &outer, &inner)) return PYSYM_ERROR;
    if (x->size == 0) return PYSYM_OK;
    const int64_t W = x->shape[axis] * inner;
    const float *xd = x->data;
    int64_t start = 0;
    for (int i = 0; i < c->n_out; i++) {
        const int64_t w = part_len(&c->out[i], x->ndim, axis) * inner;
        if (want(c, i)) {
            float *yd = c->out[i].data;
#pragma omp parallel for if (outer * w >= PAR_WORK && outer > 1) schedule(static)
            for (int64_t o = 0; o < outer; o++) memcpy(yd + o * w, xd + o * W + start, (size_t)w * sizeof(float));
        }
        start += w;
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 7. slice_axis_fwd / slice_axis_bwd                                                         */
/* ------------------------------------------------------------------------------------------ */

/* Checks big[axis] covers [begin, end) and small equals big with small[axis] = end - begin. */
static int slice_check(const pysym_call *c, const char *k, const pysym_tensor *big, const pysym_tensor *small,
                       int64_t *axis, int64_t *begin, int64_t *outer, int64_t *inner) {
    int64_t end;
    if (param_int(c, k, 0, "axis", 0, big->ndim - 1, axis)) return PYSYM_ERROR;
    const int64_t dim = big->shape[*axis];
    if (param_int(c, k, 1, "begin", 0, dim, begin) || param_int(c, k, 2, "end", *begin, dim, &end)) return PYSYM_ERROR;
    if (small->ndim != big->ndim) return pysym_fail("%s: slice rank %d differs from data rank %d", k, small->ndim, big->ndim);
    for (int d = 0; d < big->ndim; d++)
        if (small->shape[d] != (d == *axis ? end - *begin : big->shape[d]))
            return pysym_fail("%s: slice shape %s does not match data %s sliced [%lld, %lld) on axis %lld", k,
                              SHP(small), SHP(big), (long long)*begin, (long long)end, (long long)*axis);
    *outer = prod(big->shape, 0, (int)*axis);
    *inner = prod(big->shape, (int)*axis + 1, big->ndim);
    return PYSYM_OK;
}

/* slice_axis_fwd: in[0] data ; out[0] out (data's shape with end-begin along axis).
 * params: [0] axis, [1] begin, [2] end, normalised by Java: 0 <= begin <= end <= dim. */
static int slice_axis_fwd(const pysym_call *c) {
    const char *k = "slice_axis_fwd";
    int64_t axis, begin, outer, inner;
    if (check_call(c, k, 1, 1, 3)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (slice_check(c, k, x, y, &axis, &begin, &outer, &inner)) return PYSYM_ERROR;
    if (!want(c, 0) || y->size == 0) return PYSYM_OK;
    const int64_t W = x->shape[axis] * inner, w = y->shape[axis] * inner;
    const float *xd = (const float *)x->data + begin * inner;
    float *yd = y->data;
#pragma omp parallel for if (y->size >= PAR_WORK && outer > 1) schedule(static)
    for (int64_t o = 0; o < outer; o++) memcpy(yd + o * w, xd + o * W, (size_t)w * sizeof(float));
    return PYSYM_OK;
}

/* slice_axis_bwd: in[0] out_grad (the slice's shape) ; out[0] d_data (data's shape): out_grad
 * inside [begin, end) along axis, zero elsewhere. params: as slice_axis_fwd. */
static int slice_axis_bwd(const pysym_call *c) {
    const char *k = "slice_axis_bwd";
    int64_t axis, begin, outer, inner;
    if (check_call(c, k, 1, 1, 3)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0], *d = &c->out[0];
    if (slice_check(c, k, d, g, &axis, &begin, &outer, &inner)) return PYSYM_ERROR;
    if (!want(c, 0) || d->size == 0) return PYSYM_OK;
    const int64_t W = d->shape[axis] * inner, w = g->shape[axis] * inner, head = begin * inner;
    const float *gd = g->data;
    float *dd = d->data;
#pragma omp parallel for if (d->size >= PAR_WORK && outer > 1) schedule(static)
    for (int64_t o = 0; o < outer; o++) {
        float *row = dd + o * W;
        memset(row, 0, (size_t)head * sizeof(float));
        if (w) memcpy(row + head, gd + o * w, (size_t)w * sizeof(float));
        memset(row + head + w, 0, (size_t)(W - head - w) * sizeof(float));
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 8. pad_fwd / pad_bwd                                                                       */
/* ------------------------------------------------------------------------------------------ */

enum { PAD_CONSTANT, PAD_EDGE, PAD_REFLECT };

/* Source index along one dim for output position o, or -1 in a constant region. Reflect mirrors
 * without repeating the edge (numpy 'reflect', Torch's ReflectionPadding used by MXNet). */
static int64_t pad_src(int mode, int64_t o, int64_t before, int64_t n) {
    int64_t i = o - before;
    if (i >= 0 && i < n) return i;
    if (mode == PAD_CONSTANT) return -1;
    if (mode == PAD_EDGE) return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i;
}

typedef struct {
    int mode;
    float value;
    int64_t planes, in_sp[3], out_sp[3], before[3];
} pad_geom;

/* params: [0] mode, [1] constant_value, [2 .. 2+2*rank) pad_width (before, after per dim). */
static int pad_check(const pysym_call *c, const char *k, const pysym_tensor *x, const pysym_tensor *y, pad_geom *pg) {
    int64_t mode;
    if (check_call(c, k, 1, 1, -1)) return PYSYM_ERROR;
    const int nd = x->ndim;
    if (nd != 4 && nd != 5)
        return pysym_fail("%s: only 4-D and 5-D data can be padded (as MXNet), got shape %s", k, SHP(x));
    if (c->n_params != 2 + 2 * nd)
        return pysym_fail("%s: expected %d params (mode, constant_value, pad_width[%d]), got %d", k, 2 + 2 * nd, 2 * nd,
                          c->n_params);
    if (param_int(c, k, 0, "mode", 0, 2, &mode)) return PYSYM_ERROR;
    if (y->ndim != nd) return pysym_fail("%s: padded rank %d differs from data rank %d", k, y->ndim, nd);
    pg->mode = (int)mode;
    pg->value = (float)c->params[1];
    pg->planes = x->shape[0] * x->shape[1];
    for (int d = 0; d < nd; d++) {
        int64_t b, a;
        if (param_int(c, k, 2 + 2 * d, "pad before", 0, INT32_MAX, &b) ||
            param_int(c, k, 3 + 2 * d, "pad after", 0, INT32_MAX, &a))
            return PYSYM_ERROR;
        if (d < 2 && (a || b))
            return pysym_fail("%s: padding of dim %d (batch/channel) is not supported (as MXNet)", k, d);
        if (y->shape[d] != x->shape[d] + a + b)
            return pysym_fail("%s: padded shape %s does not match data %s with the pad widths", k, SHP(y), SHP(x));
        if (mode == PAD_REFLECT && (a >= x->shape[d] || b >= x->shape[d]) && (a || b))
            return pysym_fail("%s: reflect padding %lld/%lld must be smaller than dim %d of size %lld", k, (long long)b,
                              (long long)a, d, (long long)x->shape[d]);
        if (mode == PAD_EDGE && x->shape[d] == 0 && (a || b))
            return pysym_fail("%s: cannot edge-pad the empty dim %d", k, d);
    }
    /* 4-D is treated as 5-D with a depth of 1 */
    for (int s = 0; s < 3; s++) {
        int d = nd - 3 + s;
        pg->in_sp[s] = d >= 2 ? x->shape[d] : 1;
        pg->out_sp[s] = d >= 2 ? y->shape[d] : 1;
        pg->before[s] = d >= 2 ? (int64_t)c->params[2 + 2 * d] : 0;
    }
    return PYSYM_OK;
}

/* Per-dim source index tables: map[s][o] for each spatial dim s. */
static int64_t *pad_maps(const pad_geom *pg, int64_t *maps[3]) {
    int64_t total = pg->out_sp[0] + pg->out_sp[1] + pg->out_sp[2];
    int64_t *buf = pysym_alloc(total * (int64_t)sizeof(int64_t));
    if (!buf) return NULL;
    int64_t at = 0;
    for (int s = 0; s < 3; s++) {
        maps[s] = buf + at;
        for (int64_t o = 0; o < pg->out_sp[s]; o++) maps[s][o] = pad_src(pg->mode, o, pg->before[s], pg->in_sp[s]);
        at += pg->out_sp[s];
    }
    return buf;
}

/* pad_fwd: in[0] data (4-D or 5-D) ; out[0] padded. params: [0] mode: 0 constant, 1 edge,
 * 2 reflect ; [1] constant_value ; [2 .. 2+2*rank) pad_width as MXNet (before_0, after_0, ...),
 * the first four zero. Reflect needs each width < the dim. */
static int pad_fwd(const pysym_call *c) {
    const char *k = "pad_fwd";
    pad_geom pg;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (c->n_in != 1 || c->n_out != 1) return pysym_fail("%s: expected 1 input and 1 output, got %d and %d", k, c->n_in, c->n_out);
    if (pad_check(c, k, x, y, &pg)) return PYSYM_ERROR;
    if (!want(c, 0) || y->size == 0) return PYSYM_OK;
    int64_t *maps[3];
    int64_t *buf = pad_maps(&pg, maps);
    if (!buf) return pysym_fail("%s: out of memory for index tables", k);
    const int64_t iD = pg.in_sp[0], iH = pg.in_sp[1], iW = pg.in_sp[2];
    const int64_t oD = pg.out_sp[0], oH = pg.out_sp[1], oW = pg.out_sp[2];
    const float *xd = x->data;
    float *yd = y->data;
    const float cv = pg.value;
#pragma omp parallel for if (y->size >= PAR_WORK) schedule(static)
    for (int64_t t = 0; t < pg.planes * oD * oH; t++) {
        const int64_t p = t / (oD * oH), od = t / oH % oD, oh = t % oH;
        const int64_t id = maps[0][od], ih = maps[1][oh];
        float *row = yd + t * oW;
        if (id < 0 || ih < 0) {
            for (int64_t w = 0; w < oW; w++) row[w] = cv;
            continue;
        }
        const float *src = xd + ((p * iD + id) * iH + ih) * iW;
        const int64_t *mw = maps[2];
        for (int64_t w = 0; w < oW; w++) row[w] = mw[w] < 0 ? cv : src[mw[w]];
    }
    pysym_free(buf);
    return PYSYM_OK;
}

/* pad_bwd: in[0] out_grad (padded shape) ; out[0] d_data (data's shape). Each output position
 * sends its gradient to the element it was copied from (edge/reflect accumulate), constant
 * regions send nothing. params: as pad_fwd (constant_value unused). */
static int pad_bwd(const pysym_call *c) {
    const char *k = "pad_bwd";
    pad_geom pg;
    const pysym_tensor *g = &c->in[0], *d = &c->out[0];
    if (c->n_in != 1 || c->n_out != 1) return pysym_fail("%s: expected 1 input and 1 output, got %d and %d", k, c->n_in, c->n_out);
    if (pad_check(c, k, d, g, &pg)) return PYSYM_ERROR;
    if (!want(c, 0) || d->size == 0) return PYSYM_OK;
    int64_t *maps[3];
    int64_t *buf = pad_maps(&pg, maps);
    if (!buf) return pysym_fail("%s: out of memory for index tables", k);
    const int64_t iD = pg.in_sp[0], iH = pg.in_sp[1], iW = pg.in_sp[2];
    const int64_t oD = pg.out_sp[0], oH = pg.out_sp[1], oW = pg.out_sp[2];
    const float *gd = g->data;
    float *dd = d->data;
    /* one plane per iteration: accumulation never crosses planes, so planes run in parallel */
#pragma omp parallel for if (g->size >= PAR_WORK) schedule(static)
    for (int64_t p = 0; p < pg.planes; p++) {
        float *dst = dd + p * iD * iH * iW;
        memset(dst, 0, (size_t)(iD * iH * iW) * sizeof(float));
        for (int64_t od = 0; od < oD; od++) {
            const int64_t id = maps[0][od];
            if (id < 0) continue;
            for (int64_t oh = 0; oh < oH; oh++) {
                const int64_t ih = maps[1][oh];
                if (ih < 0) continue;
                const float *row = gd + ((p * oD + od) * oH + oh) * oW;
                float *drow = dst + (id * iH + ih) * iW;
                for (int64_t w = 0; w < oW; w++)
                    if (maps[2][w] >= 0) drow[maps[2][w]] += row[w];
            }
        }
    }
    pysym_free(buf);
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 9. upsampling_nearest_fwd / bwd                                                            */
/* ------------------------------------------------------------------------------------------ */

static int ups_check(const pysym_call *c, const char *k, const pysym_tensor *x, const pysym_tensor *y, int64_t *s) {
    if (check_call(c, k, 1, 1, 1) || param_int(c, k, 0, "scale", 1, INT32_MAX, s)) return PYSYM_ERROR;
    if (x->ndim != 4) return pysym_fail("%s: data must be 4-D (N,C,H,W), got %s", k, SHP(x));
    if (y->ndim != 4 || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] || y->shape[2] != x->shape[2] * *s ||
        y->shape[3] != x->shape[3] * *s)
        return pysym_fail("%s: upsampled shape %s is not data %s scaled by %lld", k, SHP(y), SHP(x), (long long)*s);
    return PYSYM_OK;
}

/* upsampling_nearest_fwd: in[0] data (N,C,H,W) ; out[0] (N,C,H*scale,W*scale),
 * out[.., y, x] = data[.., y/scale, x/scale]. params: [0] scale (integer >= 1). MXNet's
 * multi-input UpSampling is composed in Java (one call per input, then concat or sum). */
static int upsampling_nearest_fwd(const pysym_call *c) {
    const char *k = "upsampling_nearest_fwd";
    int64_t s;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (c->n_in != 1 || c->n_out != 1) return pysym_fail("%s: expected 1 input and 1 output, got %d and %d", k, c->n_in, c->n_out);
    if (ups_check(c, k, x, y, &s)) return PYSYM_ERROR;
    if (!want(c, 0) || y->size == 0) return PYSYM_OK;
    const int64_t H = x->shape[2], W = x->shape[3], OW = W * s, rows = x->shape[0] * x->shape[1] * H;
    const float *xd = x->data;
    float *yd = y->data;
#pragma omp parallel for if (y->size >= PAR_WORK) schedule(static)
    for (int64_t r = 0; r < rows; r++) { /* one input row makes `s` identical output rows */
        const float *src = xd + r * W;
        float *dst = yd + r * s * OW;
        for (int64_t w = 0; w < OW; w++) dst[w] = src[w / s];
        for (int64_t j = 1; j < s; j++) memcpy(dst + j * OW, dst, (size_t)OW * sizeof(float));
    }
    return PYSYM_OK;
}

/* upsampling_nearest_bwd: in[0] out_grad (N,C,H*scale,W*scale) ; out[0] d_data (N,C,H,W), each
 * element the sum of its scale x scale block. params: [0] scale. */
static int upsampling_nearest_bwd(const pysym_call *c) {
    const char *k = "upsampling_nearest_bwd";
    int64_t s;
    const pysym_tensor *g = &c->in[0], *d = &c->out[0];
    if (c->n_in != 1 || c->n_out != 1) return pysym_fail("%s: expected 1 input and 1 output, got %d and %d", k, c->n_in, c->n_out);
    if (ups_check(c, k, d, g, &s)) return PYSYM_ERROR;
    if (!want(c, 0) || d->size == 0) return PYSYM_OK;
    const int64_t W = d->shape[3], OW = W * s, rows = d->shape[0] * d->shape[1] * d->shape[2];
    const float *gd = g->data;
    float *dd = d->data;
#pragma omp parallel for if (g->size >= PAR_WORK) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        float *dst = dd + r * W;
        for (int64_t w = 0; w < W; w++) dst[w] = 0;
        for (int64_t j = 0; j < s; j++) {
            const float *src = gd + (r * s + j) * OW;
            for (int64_t w = 0; w < OW; w++) dst[w / s] += src[w];
        }
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 10. clip_fwd / clip_bwd                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* clip_fwd: in[0] data ; out[0] out (same size). params: [0] a_min, [1] a_max (used as float32,
 * like MXNet's real_t). out = x > a_max ? a_max : x < a_min ? a_min : x (NaN passes through). */
static int clip_fwd(const pysym_call *c) {
    const char *k = "clip_fwd";
    if (check_call(c, k, 1, 1, 2)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (x->size != y->size) return pysym_fail("%s: output size %lld differs from data size %lld", k, (long long)y->size, (long long)x->size);
    if (!want(c, 0)) return PYSYM_OK;
    const float lo = (float)c->params[0], hi = (float)c->params[1];
    const float *xd = x->data;
    float *yd = y->data;
    const int64_t n = x->size;
#pragma omp parallel for simd if (parallel : n >= PAR_WORK) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const float v = xd[i];
        yd[i] = v > hi ? hi : (v < lo ? lo : v);
    }
    return PYSYM_OK;
}

/* clip_bwd: in[0] out_grad, in[1] data ; out[0] d_data. params: [0] a_min, [1] a_max.
 * Gradient passes where a_min <= x <= a_max (boundaries included, as MXNet's clip_grad). */
static int clip_bwd(const pysym_call *c) {
    const char *k = "clip_bwd";
    if (check_call(c, k, 2, 1, 2)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0], *x = &c->in[1], *d = &c->out[0];
    if (x->size != g->size || d->size != g->size)
        return pysym_fail("%s: sizes differ: out_grad %lld, data %lld, d_data %lld", k, (long long)g->size,
                          (long long)x->size, (long long)d->size);
    if (!want(c, 0)) return PYSYM_OK;
    const float lo = (float)c->params[0], hi = (float)c->params[1];
    const float *gd = g->data, *xd = x->data;
    float *dd = d->data;
    const int64_t n = g->size;
#pragma omp parallel for simd if (parallel : n >= PAR_WORK) schedule(static)
    for (int64_t i = 0; i < n; i++) {
        const float v = xd[i];
        dd[i] = (v > hi || v < lo) ? 0.0f : gd[i];
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 11. where_fwd / where_bwd                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Elements of x per condition element: 1 when cond has x's shape, else (1-D cond over x's
 * first axis) the size of one x[i]. */
static int where_block(const char *k, const pysym_tensor *cond, const pysym_tensor *x, int64_t *block) {
    if (same_shape(cond, x)) { *block = 1; return PYSYM_OK; }
    if (cond->ndim == 1 && x->ndim >= 1 && cond->shape[0] == x->shape[0]) {
        *block = x->shape[0] ? x->size / x->shape[0] : 0;
        return PYSYM_OK;
    }
    return pysym_fail("%s: condition shape %s must equal x shape %s or be 1-D of size %lld", k, SHP(cond), SHP(x),
                      (long long)(x->ndim ? x->shape[0] : 1));
}

/* where_fwd: in[0] condition, in[1] x, in[2] y ; out[0] out. x, y, out share a shape; condition
 * has it too, or is 1-D over x's first axis (MXNet's batch form). out = cond != 0 ? x : y. */
static int where_fwd(const pysym_call *c) {
    const char *k = "where_fwd";
    int64_t block;
    if (check_call(c, k, 3, 1, 0)) return PYSYM_ERROR;
    const pysym_tensor *cd = &c->in[0], *x = &c->in[1], *y = &c->in[2], *o = &c->out[0];
    if (!same_shape(x, y) || !same_shape(x, o))
        return pysym_fail("%s: x %s, y %s and out %s must have one shape", k, SHP(x), SHP(y), SHP(o));
    if (where_block(k, cd, x, &block)) return PYSYM_ERROR;
    if (!want(c, 0) || x->size == 0) return PYSYM_OK;
    const float *cv = cd->data, *xd = x->data, *yd = y->data;
    float *od = o->data;
    const int64_t n = x->size;
    if (block == 1) {
#pragma omp parallel for simd if (parallel : n >= PAR_WORK) schedule(static)
        for (int64_t i = 0; i < n; i++) od[i] = cv[i] != 0.0f ? xd[i] : yd[i];
    } else {
#pragma omp parallel for if (n >= PAR_WORK) schedule(static)
        for (int64_t b = 0; b < cd->size; b++)
            memcpy(od + b * block, (cv[b] != 0.0f ? xd : yd) + b * block, (size_t)block * sizeof(float));
    }
    return PYSYM_OK;
}

/* where_bwd: in[0] out_grad, in[1] condition ; out[0] d_x, out[1] d_y (either may be req null).
 * d_x = cond != 0 ? g : 0, d_y = cond != 0 ? 0 : g. The condition gets no gradient. */
static int where_bwd(const pysym_call *c) {
    const char *k = "where_bwd";
    int64_t block;
    if (check_call(c, k, 2, 2, 0)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0], *cd = &c->in[1];
    if (where_block(k, cd, g, &block)) return PYSYM_ERROR;
    for (int s = 0; s < 2; s++)
        if (want(c, s) && !same_shape(&c->out[s], g))
            return pysym_fail("%s: d_%s shape %s differs from out_grad shape %s", k, s ? "y" : "x", SHP(&c->out[s]), SHP(g));
    const float *gd = g->data, *cv = cd->data;
    const int64_t n = g->size;
    for (int s = 0; s < 2; s++) {
        if (!want(c, s)) continue;
        float *dd = c->out[s].data;
        const int pick = !s; /* d_x takes g where cond != 0, d_y where cond == 0 */
#pragma omp parallel for if (n >= PAR_WORK) schedule(static)
        for (int64_t i = 0; i < n; i++) dd[i] = ((cv[i / block] != 0.0f) == pick) ? gd[i] : 0.0f;
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 12. l2_normalization_fwd / bwd                                                             */
/* ------------------------------------------------------------------------------------------ */

enum { L2_INSTANCE, L2_CHANNEL, L2_SPATIAL };

/* View of data as (N, C, S) with the norm taken over C (channel), S (spatial) or C*S (instance:
 * C = 1, S = all but dim 0). Returns the expected norm size. */
static int l2_geom(const pysym_call *c, const char *k, const pysym_tensor *x, int64_t *mode, int64_t *N, int64_t *C,
                   int64_t *S, int64_t *nsize) {
    if (param_int(c, k, 0, "mode", 0, 2, mode)) return PYSYM_ERROR;
    if (x->ndim < 1 || (*mode != L2_INSTANCE && x->ndim < 3))
        return pysym_fail("%s: data shape %s has too few dims for mode %lld (instance needs 1, channel/spatial 3)", k,
                          SHP(x), (long long)*mode);
    *N = x->shape[0];
    if (*mode == L2_INSTANCE) { *C = 1; *S = prod(x->shape, 1, x->ndim); *nsize = *N; }
    else {
        *C = x->shape[1];
        *S = prod(x->shape, 2, x->ndim);
        *nsize = *mode == L2_CHANNEL ? *N * *S : *N * *C;
    }
    return PYSYM_OK;
}

/* l2_normalization_fwd: in[0] data ; out[0] out (data's shape), out[1] norm (may be req null;
 * instance: (N,), channel: (N,1,spatial...), spatial: (N,C); only its size is checked).
 * params: [0] mode: 0 instance, 1 channel, 2 spatial (MXNet's enum values) ; [1] eps.
 * norm = sqrt(sum x^2 + eps) over the mode's group, out = x / norm. */
static int l2_normalization_fwd(const pysym_call *c) {
    const char *k = "l2_normalization_fwd";
    int64_t mode, N, C, S, nsize;
    if (check_call(c, k, 1, 2, 2)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0], *y = &c->out[0];
    if (l2_geom(c, k, x, &mode, &N, &C, &S, &nsize)) return PYSYM_ERROR;
    if (want(c, 0) && !same_shape(x, y)) return pysym_fail("%s: out shape %s differs from data shape %s", k, SHP(y), SHP(x));
    if (want(c, 1) && c->out[1].size != nsize)
        return pysym_fail("%s: norm size %lld, expected %lld for data %s and mode %lld", k, (long long)c->out[1].size,
                          (long long)nsize, SHP(x), (long long)mode);
    if (!want(c, 0) && !want(c, 1)) return PYSYM_OK;
    float *norm = want(c, 1) ? c->out[1].data : pysym_alloc(nsize * (int64_t)sizeof(float));
    if (!norm) return pysym_fail("%s: out of memory for the norm", k);
    const float eps = (float)c->params[1];
    const float *xd = x->data;
    float *yd = want(c, 0) ? y->data : NULL;
    if (mode != L2_CHANNEL) { /* each group is one contiguous run of S (instance: C == 1) */
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
        for (int64_t gi = 0; gi < N * C; gi++) {
            const float *v = xd + gi * S;
            double s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t i = 0; i < S; i++) s += (double)v[i] * v[i];
            const float nv = (float)sqrt(s + eps);
            norm[gi] = nv;
            if (yd)
                for (int64_t i = 0; i < S; i++) yd[gi * S + i] = v[i] / nv;
        }
    } else { /* the norm runs across channels: accumulate blocks of spatial columns */
        const int64_t nb = (S + RED_BLOCK - 1) / RED_BLOCK;
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
        for (int64_t t = 0; t < N * nb; t++) {
            const int64_t n = t / nb, s0 = t % nb * RED_BLOCK, len = S - s0 < RED_BLOCK ? S - s0 : RED_BLOCK;
            double acc[RED_BLOCK];
            for (int64_t i = 0; i < len; i++) acc[i] = 0;
            for (int64_t ch = 0; ch < C; ch++) {
                const float *v = xd + (n * C + ch) * S + s0;
                for (int64_t i = 0; i < len; i++) acc[i] += (double)v[i] * v[i];
            }
            float *nr = norm + n * S + s0;
            for (int64_t i = 0; i < len; i++) nr[i] = (float)sqrt(acc[i] + eps);
            if (yd)
                for (int64_t ch = 0; ch < C; ch++) {
                    const int64_t at = (n * C + ch) * S + s0;
                    for (int64_t i = 0; i < len; i++) yd[at + i] = xd[at + i] / nr[i];
                }
        }
    }
    if (!want(c, 1)) pysym_free(norm);
    return PYSYM_OK;
}

/* l2_normalization_bwd: in[0] out_grad, in[1] out (forward output), in[2] norm (forward second
 * output) ; out[0] d_data. params: as l2_normalization_fwd (eps unused).
 * d_data = (g - out * sum(g * out)) / norm, the sum over the mode's group (MXNet's formula). */
static int l2_normalization_bwd(const pysym_call *c) {
    const char *k = "l2_normalization_bwd";
    int64_t mode, N, C, S, nsize;
    if (check_call(c, k, 3, 1, 2)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0], *y = &c->in[1], *nm = &c->in[2], *d = &c->out[0];
    if (l2_geom(c, k, y, &mode, &N, &C, &S, &nsize)) return PYSYM_ERROR;
    if (!same_shape(g, y)) return pysym_fail("%s: out_grad shape %s differs from out shape %s", k, SHP(g), SHP(y));
    if (nm->size != nsize)
        return pysym_fail("%s: norm size %lld, expected %lld for out %s and mode %lld", k, (long long)nm->size,
                          (long long)nsize, SHP(y), (long long)mode);
    if (!want(c, 0)) return PYSYM_OK;
    if (!same_shape(d, y)) return pysym_fail("%s: d_data shape %s differs from out shape %s", k, SHP(d), SHP(y));
    const float *gd = g->data, *yd = y->data, *nd = nm->data;
    float *dd = d->data;
    if (mode != L2_CHANNEL) {
#pragma omp parallel for if (g->size >= PAR_WORK) schedule(static)
        for (int64_t gi = 0; gi < N * C; gi++) {
            const float *gv = gd + gi * S, *yv = yd + gi * S;
            float *dv = dd + gi * S;
            double s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t i = 0; i < S; i++) s += (double)gv[i] * yv[i];
            const float t = (float)s, nv = nd[gi];
            for (int64_t i = 0; i < S; i++) dv[i] = (gv[i] - yv[i] * t) / nv;
        }
    } else {
        const int64_t nb = (S + RED_BLOCK - 1) / RED_BLOCK;
#pragma omp parallel for if (g->size >= PAR_WORK) schedule(static)
        for (int64_t t = 0; t < N * nb; t++) {
            const int64_t n = t / nb, s0 = t % nb * RED_BLOCK, len = S - s0 < RED_BLOCK ? S - s0 : RED_BLOCK;
            double acc[RED_BLOCK];
            float tf[RED_BLOCK];
            for (int64_t i = 0; i < len; i++) acc[i] = 0;
            for (int64_t ch = 0; ch < C; ch++) {
                const int64_t at = (n * C + ch) * S + s0;
                for (int64_t i = 0; i < len; i++) acc[i] += (double)gd[at + i] * yd[at + i];
            }
            for (int64_t i = 0; i < len; i++) tf[i] = (float)acc[i];
            const float *nr = nd + n * S + s0;
            for (int64_t ch = 0; ch < C; ch++) {
                const int64_t at = (n * C + ch) * S + s0;
                for (int64_t i = 0; i < len; i++) dd[at + i] = (gd[at + i] - yd[at + i] * tf[i]) / nr[i];
            }
        }
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 13. instance_norm_fwd / bwd                                                                */
/* ------------------------------------------------------------------------------------------ */

static int inorm_geom(const char *k, const pysym_tensor *x, const pysym_tensor *gamma, int64_t *N, int64_t *C,
                      int64_t *S) {
    if (x->ndim < 3) return pysym_fail("%s: data must have rank >= 3 (N,C,...), got %s", k, SHP(x));
    *N = x->shape[0];
    *C = x->shape[1];
    *S = prod(x->shape, 2, x->ndim);
    if (gamma->size != *C) return pysym_fail("%s: gamma size %lld, expected C = %lld", k, (long long)gamma->size, (long long)*C);
    return PYSYM_OK;
}

/* instance_norm_fwd: in[0] data (N,C,...), in[1] gamma (C), in[2] beta (C) ; out[0] out (data's
 * shape), out[1] mean (N,C), out[2] var (N,C) (biased variance; both may be req null, as in
 * MXNet they are hidden outputs kept for the backward). params: [0] eps (MXNet default 1e-3).
 * out = gamma * (x - mean) / sqrt(var + eps) + beta per (n, c) over the spatial dims. */
static int instance_norm_fwd(const pysym_call *c) {
    const char *k = "instance_norm_fwd";
    int64_t N, C, S;
    if (check_call(c, k, 3, 3, 1)) return PYSYM_ERROR;
    const pysym_tensor *x = &c->in[0];
    if (inorm_geom(k, x, &c->in[1], &N, &C, &S)) return PYSYM_ERROR;
    if (c->in[2].size != C) return pysym_fail("%s: beta size %lld, expected C = %lld", k, (long long)c->in[2].size, (long long)C);
    if (want(c, 0) && !same_shape(&c->out[0], x))
        return pysym_fail("%s: out shape %s differs from data shape %s", k, SHP(&c->out[0]), SHP(x));
    for (int i = 1; i < 3; i++)
        if (want(c, i) && c->out[i].size != N * C)
            return pysym_fail("%s: %s size %lld, expected N*C = %lld", k, i == 1 ? "mean" : "var",
                              (long long)c->out[i].size, (long long)(N * C));
    const float eps = (float)c->params[0];
    const float *xd = x->data, *gam = c->in[1].data, *bet = c->in[2].data;
    float *yd = want(c, 0) ? c->out[0].data : NULL;
    float *md = want(c, 1) ? c->out[1].data : NULL, *vd = want(c, 2) ? c->out[2].data : NULL;
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
    for (int64_t gi = 0; gi < N * C; gi++) {
        const float *v = xd + gi * S;
        double s = 0, q = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t i = 0; i < S; i++) s += v[i];
        const float mean = (float)(s / (double)S);
#pragma omp simd reduction(+ : q)
        for (int64_t i = 0; i < S; i++) q += ((double)v[i] - mean) * ((double)v[i] - mean);
        const float var = (float)(q / (double)S);
        if (md) md[gi] = mean;
        if (vd) vd[gi] = var;
        if (yd) {
            const int64_t ch = gi % C;
            const float scale = gam[ch] / sqrtf(var + eps), shift = bet[ch];
            float *o = yd + gi * S;
            for (int64_t i = 0; i < S; i++) o[i] = (v[i] - mean) * scale + shift;
        }
    }
    return PYSYM_OK;
}

/* instance_norm_bwd: in[0] out_grad (data's shape), in[1] data, in[2] gamma (C), in[3] mean
 * (N,C), in[4] var (N,C) (the forward's hidden outputs) ; out[0] d_data, out[1] d_gamma (C),
 * out[2] d_beta (C), each may be req null. params: [0] eps (as forward).
 * With xhat = (x - mean) / sqrt(var + eps) over S spatial elements:
 * d_data = gamma / sqrt(var + eps) * (g - mean(g) - xhat * mean(g * xhat)),
 * d_gamma = sum over n, spatial of g * xhat, d_beta = sum of g. */
static int instance_norm_bwd(const pysym_call *c) {
    const char *k = "instance_norm_bwd";
    int64_t N, C, S;
    if (check_call(c, k, 5, 3, 1)) return PYSYM_ERROR;
    const pysym_tensor *g = &c->in[0], *x = &c->in[1];
    if (inorm_geom(k, x, &c->in[2], &N, &C, &S)) return PYSYM_ERROR;
    if (!same_shape(g, x)) return pysym_fail("%s: out_grad shape %s differs from data shape %s", k, SHP(g), SHP(x));
    for (int i = 3; i < 5; i++)
        if (c->in[i].size != N * C)
            return pysym_fail("%s: %s size %lld, expected N*C = %lld", k, i == 3 ? "mean" : "var",
                              (long long)c->in[i].size, (long long)(N * C));
    if (want(c, 0) && !same_shape(&c->out[0], x))
        return pysym_fail("%s: d_data shape %s differs from data shape %s", k, SHP(&c->out[0]), SHP(x));
    for (int i = 1; i < 3; i++)
        if (want(c, i) && c->out[i].size != C)
            return pysym_fail("%s: %s size %lld, expected C = %lld", k, i == 1 ? "d_gamma" : "d_beta",
                              (long long)c->out[i].size, (long long)C);
    if (!want(c, 0) && !want(c, 1) && !want(c, 2)) return PYSYM_OK;
    double *sums = pysym_alloc(2 * N * C * (int64_t)sizeof(double));
    if (!sums) return pysym_fail("%s: out of memory for per-instance sums", k);
    const float eps = (float)c->params[0];
    const float *gd = g->data, *xd = x->data, *gam = c->in[2].data, *md = c->in[3].data, *vd = c->in[4].data;
    float *dd = want(c, 0) ? c->out[0].data : NULL;
#pragma omp parallel for if (x->size >= PAR_WORK) schedule(static)
    for (int64_t gi = 0; gi < N * C; gi++) {
        const float *gv = gd + gi * S, *xv = xd + gi * S;
        const double mean = md[gi], rstd = 1.0 / sqrt((double)(vd[gi] + eps));
        double sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
        for (int64_t i = 0; i < S; i++) {
            sg += gv[i];
            sgx += gv[i] * ((xv[i] - mean) * rstd);
        }
        sums[2 * gi] = sg;
        sums[2 * gi + 1] = sgx;
        if (dd) {
            const double a = gam[gi % C] * rstd, mg = sg / (double)S, mgx = sgx / (double)S;
            float *dv = dd + gi * S;
            for (int64_t i = 0; i < S; i++) dv[i] = (float)(a * (gv[i] - mg - (xv[i] - mean) * rstd * mgx));
        }
    }
    for (int64_t ch = 0; ch < C; ch++) {
        double sb = 0, sgam = 0;
        for (int64_t n = 0; n < N; n++) {
            sb += sums[2 * (n * C + ch)];
            sgam += sums[2 * (n * C + ch) + 1];
        }
        if (want(c, 1)) ((float *)c->out[1].data)[ch] = (float)sgam;
        if (want(c, 2)) ((float *)c->out[2].data)[ch] = (float)sb;
    }
    pysym_free(sums);
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* 14. cast                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static double half_to_double(uint16_t h) {
    const int e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) v = ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = ldexp((double)(1024 + m), e - 25);
    return (h & 0x8000) ? -v : v;
}

/* IEEE half with round-to-nearest-even, straight from double (no double rounding via float). */
static uint16_t half_from_double(double v) {
    const uint16_t s = signbit(v) ? 0x8000 : 0;
    const double a = fabs(v);
    if (a != a) return s | 0x7E00;
    if (a >= 65520.0) return s | 0x7C00; /* 65520 is halfway between 65504 and 2^16: ties to even = inf */
    if (a < 6.103515625e-05)              /* below 2^-14: subnormal, unit 2^-24; 1024 is the smallest normal */
        return s | (uint16_t)nearbyint(a * 16777216.0);
    int e;
    const double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    double q = nearbyint(m * 2048.0); /* 1.mantissa scaled to [1024, 2048] */
    int E = e - 1;
    if (q == 2048.0) { q = 1024.0; E++; }
    return s | (uint16_t)((E + 15) << 10) | (uint16_t)(q - 1024.0);
}

/* float -> integer as C's cast does on x86-64 (what MXNet and NumPy give): truncation toward
 * zero into int32 (int64 for the int64 target), NaN and out-of-range giving the "integer
 * indefinite" INT_MIN, then narrower targets keep the low bits. */
static inline int32_t d_to_i32(double v) {
    return (v != v || v >= 2147483648.0 || v <= -2147483649.0) ? INT32_MIN : (int32_t)v;
}
static inline int64_t d_to_i64(double v) {
    return (v != v || v >= 9223372036854775808.0 || v < -9223372036854775808.0) ? INT64_MIN : (int64_t)v;
}
static inline int8_t wrap_i8(int64_t v) {
    const uint8_t u = (uint8_t)v;
    return u >= 128 ? (int8_t)((int)u - 256) : (int8_t)u;
}
static inline int32_t wrap_i32(int64_t v) {
    const uint32_t u = (uint32_t)v;
    return u >= 0x80000000u ? (int32_t)((int64_t)u - 4294967296LL) : (int32_t)u;
}

#define d_to_f32(v) ((float)(v))
#define d_to_f64(v) ((double)(v))
#define d_to_f16(v) half_from_double(v)
#define d_to_u8(v) ((uint8_t)(uint32_t)d_to_i32(v))
#define d_to_i8(v) wrap_i8(d_to_i32(v))
#define i_to_f32(v) ((float)(v))
#define i_to_f64(v) ((double)(v))
#define i_to_f16(v) half_from_double((double)(v))
#define i_to_u8(v) ((uint8_t)(v))
#define i_to_i8(v) wrap_i8(v)
#define i_to_i32(v) wrap_i32(v)
#define i_to_i64(v) ((int64_t)(v))

#define CAST_LOOP(OT, CONV, READ)                                                            \
    do {                                                                                     \
        OT *o_ = (OT *)out->data;                                                            \
        _Pragma("omp parallel for if (n >= PAR_WORK) schedule(static)")                      \
        for (int64_t i = 0; i < n; i++) o_[i] = CONV(READ);                                  \
    } while (0)

/* READ is the source element as double (K = d) or int64 (K = i). */
#define CAST_FROM(IT, K, READ)                                                               \
    do {                                                                                     \
        const IT *x_ = (const IT *)in->data;                                                 \
        (void)x_;                                                                            \
        switch (out->dtype) {                                                                \
        case PYSYM_F32: CAST_LOOP(float, K##_to_f32, READ); break;                           \
        case PYSYM_F64: CAST_LOOP(double, K##_to_f64, READ); break;                          \
        case PYSYM_F16: CAST_LOOP(uint16_t, K##_to_f16, READ); break;                        \
        case PYSYM_U8: CAST_LOOP(uint8_t, K##_to_u8, READ); break;                           \
        case PYSYM_I32: CAST_LOOP(int32_t, K##_to_i32, READ); break;                         \
        case PYSYM_I8: CAST_LOOP(int8_t, K##_to_i8, READ); break;                            \
        case PYSYM_I64: CAST_LOOP(int64_t, K##_to_i64, READ); break;                         \
        }                                                                                    \
    } while (0)

static int dtype_size(int dt) {
    switch (dt) {
    case PYSYM_F32: case PYSYM_I32: return 4;
    case PYSYM_F64: case PYSYM_I64: return 8;
    case PYSYM_F16: return 2;
    case PYSYM_U8: case PYSYM_I8: return 1;
    default: return 0;
    }
}

/* cast: in[0] data (any dtype of pysym.h) ; out[0] out (any dtype, same size). No params.
 * float16 is IEEE half, rounded to nearest even; float -> integer truncates toward zero (NaN and
 * out-of-range values follow x86-64's C cast: INT_MIN, low bits kept for 8-bit targets);
 * integer -> narrower integer keeps the low bits. */
static int cast(const pysym_call *c) {
    const char *k = "cast";
    if (check_call_dt(c, k, 1, 1, 0, 0)) return PYSYM_ERROR;
    const pysym_tensor *in = &c->in[0], *out = &c->out[0];
    if (!dtype_size(in->dtype)) return pysym_fail("%s: unknown input dtype %d", k, in->dtype);
    if (!want(c, 0)) return PYSYM_OK;
    if (!dtype_size(out->dtype)) return pysym_fail("%s: unknown output dtype %d", k, out->dtype);
    if (in->size != out->size)
        return pysym_fail("%s: output size %lld differs from input size %lld", k, (long long)out->size, (long long)in->size);
    const int64_t n = in->size;
    if (n == 0) return PYSYM_OK;
    if (in->dtype == out->dtype) {
        if (in->data != out->data) memcpy(out->data, in->data, (size_t)(n * dtype_size(in->dtype)));
        return PYSYM_OK;
    }
    switch (in->dtype) {
    case PYSYM_F32: CAST_FROM(float, d, (double)x_[i]); break;
    case PYSYM_F64: CAST_FROM(double, d, x_[i]); break;
    case PYSYM_F16: CAST_FROM(uint16_t, d, half_to_double(x_[i])); break;
    case PYSYM_U8: CAST_FROM(uint8_t, i, (int64_t)x_[i]); break;
    case PYSYM_I32: CAST_FROM(int32_t, i, (int64_t)x_[i]); break;
    case PYSYM_I8: CAST_FROM(int8_t, i, (int64_t)x_[i]); break;
    case PYSYM_I64: CAST_FROM(int64_t, i, x_[i]); break;
    }
    return PYSYM_OK;
}

/* ------------------------------------------------------------------------------------------ */

const pysym_kernel_entry pysym_kernels_tensor_ops[] = {
    {"reduce_fwd", reduce_fwd, NULL},
    {"reduce_bwd", reduce_bwd, NULL},
    {"argmax", argmax, NULL},
    {"argmin", argmin, NULL},
    {"broadcast_binary_fwd", broadcast_binary_fwd, NULL},
    {"broadcast_binary_bwd", broadcast_binary_bwd, NULL},
    {"broadcast_to_fwd", broadcast_to_fwd, NULL},
    {"broadcast_to_bwd", broadcast_to_bwd, NULL},
    {"transpose", transpose, NULL},
    {"concat_fwd", concat_fwd, NULL},
    {"split_fwd", split_fwd, NULL},
    {"slice_axis_fwd", slice_axis_fwd, NULL},
    {"slice_axis_bwd", slice_axis_bwd, NULL},
    {"pad_fwd", pad_fwd, NULL},
    {"pad_bwd", pad_bwd, NULL},
    {"upsampling_nearest_fwd", upsampling_nearest_fwd, NULL},
    {"upsampling_nearest_bwd", upsampling_nearest_bwd, NULL},
    {"clip_fwd", clip_fwd, NULL},
    {"clip_bwd", clip_bwd, NULL},
    {"where_fwd", where_fwd, NULL},
    {"where_bwd", where_bwd, NULL},
    {"l2_normalization_fwd", l2_normalization_fwd, NULL},
    {"l2_normalization_bwd", l2_normalization_bwd, NULL},
    {"instance_norm_fwd", instance_norm_fwd, NULL},
    {"instance_norm_bwd", instance_norm_bwd, NULL},
    {"cast", cast, NULL},
};
const int pysym_kernels_tensor_ops_count = sizeof(pysym_kernels_tensor_ops) / sizeof(pysym_kernels_tensor_ops[0]);

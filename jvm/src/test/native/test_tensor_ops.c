/* test_tensor_ops.c - tensor_ops kernels against naive loops written here, backward kernels
 * against central finite differences of their forward kernels, cast against known float16
 * encodings, and bad input against clean errors. Exit status 0 = all passed. */
#include "pysym.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pysym_kernel_entry pysym_kernels_tensor_ops[];
extern const int pysym_kernels_tensor_ops_count;

static int failures, checks;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        checks++;                                                                            \
        if (!(cond)) {                                                                       \
            failures++;                                                                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                      \
            printf(__VA_ARGS__);                                                             \
            printf("\n");                                                                    \
        }                                                                                    \
    } while (0)
#define OK(expr)                                                                             \
    do {                                                                                     \
        int rc_ = (expr);                                                                    \
        CHECK(rc_ == PYSYM_OK, "%s returned %d: %s", #expr, rc_, pysym_last_error());        \
    } while (0)

/* ---------- tensors (every allocation is tracked and freed at exit) ---------- */

static void *allocs[4096];
static int n_allocs;

static void *track(int64_t bytes) {
    void *p = pysym_alloc(bytes);
    if (!p || n_allocs == 4096) { printf("allocation failed\n"); exit(2); }
    memset(p, 0, (size_t)(bytes > 0 ? bytes : 0));
    return allocs[n_allocs++] = p;
}

static pysym_tensor tdt(int dtype, int nd, const int64_t *shape) {
    static const int esz[] = {4, 8, 2, 1, 4, 1, 8};
    pysym_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = dtype;
    t.ndim = nd;
    t.size = 1;
    for (int d = 0; d < nd; d++) { t.shape[d] = shape[d]; t.size *= shape[d]; }
    t.data = track(t.size * esz[dtype]);
    return t;
}
static pysym_tensor ten(int nd, const int64_t *shape) { return tdt(PYSYM_F32, nd, shape); }
/* S(2,3,4) expands to the (rank, shape) argument pair */
#define S(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}
#define F(t) ((float *)(t).data)

static uint64_t seed = 12345;
static double urand(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(seed >> 11) * (1.0 / 9007199254740992.0);
}
static void fill(pysym_tensor *t, double lo, double hi) {
    for (int64_t i = 0; i < t->size; i++) F(*t)[i] = (float)(lo + (hi - lo) * urand());
}
/* distinct values k*step + lo in shuffled order: no ties and no two within step of each other */
static void fill_distinct(pysym_tensor *t, double lo, double step) {
    for (int64_t i = 0; i < t->size; i++) F(*t)[i] = (float)(lo + step * (double)i);
    for (int64_t i = t->size - 1; i > 0; i--) {
        int64_t j = (int64_t)(urand() * (double)(i + 1));
        float v = F(*t)[i];
        F(*t)[i] = F(*t)[j];
        F(*t)[j] = v;
    }
}

static const pysym_kernel_entry *find(const char *name) {
    for (int i = 0; i < pysym_kernels_tensor_ops_count; i++)
        if (!strcmp(pysym_kernels_tensor_ops[i].name, name)) return &pysym_kernels_tensor_ops[i];
    printf("kernel %s not in the table\n", name);
    exit(2);
}

static int call_req(const char *name, int n_in, const pysym_tensor *in, int n_out, const pysym_tensor *out,
                    const int32_t *req, int np, const double *params) {
    const pysym_kernel_entry *e = find(name);
    int32_t rq[16];
    if (!req) {
        for (int i = 0; i < 16; i++) rq[i] = PYSYM_REQ_WRITE;
        req = rq;
    }
    void *state = NULL;
    uint64_t rng = 1;
    pysym_call c = {n_in, n_out, np, 1, in, out, req, params, &state, &rng};
    pysym_fail("(no message)"); /* so a stale message cannot satisfy expect_error */
    int rc = e->fn(&c);
    if (state && e->free_state) e->free_state(state);
    return rc;
}
static int call(const char *name, int n_in, const pysym_tensor *in, int n_out, const pysym_tensor *out, int np,
                const double *params) {
    return call_req(name, n_in, in, n_out, out, NULL, np, params);
}

/* ---------- comparisons ---------- */

static void close_to(const char *what, const float *got, const double *want, int64_t n, double rtol) {
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 3; i++) {
        double g = got[i], w = want[i];
        int ok = (isnan(w) && isnan(g)) || (isinf(w) && g == w) || fabs(g - w) <= rtol * (1.0 + fabs(w));
        if (!ok) bad++;
        CHECK(ok, "%s: element %lld = %.9g, expected %.9g", what, (long long)i, g, w);
    }
}
static void close_f(const char *what, const float *got, const float *want, int64_t n, double rtol) {
    double *w = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    for (int64_t i = 0; i < n; i++) w[i] = want[i];
    close_to(what, got, w, n, rtol);
    free(w);
}

static double dot(const pysym_tensor *a, const pysym_tensor *w) {
    double s = 0;
    for (int64_t i = 0; i < a->size; i++) s += (double)F(*a)[i] * F(*w)[i];
    return s;
}

/* Central differences of loss = sum(w * fwd_out[0]) w.r.t. in[which], against `analytic`. */
static void fd(const char *what, const char *fwd, int n_in, pysym_tensor *in, int n_out, pysym_tensor *out, int np,
               const double *params, int which, const pysym_tensor *w, const float *analytic) {
    float *x = F(in[which]);
    const double eps = 1e-3;
    int bad = 0;
    for (int64_t i = 0; i < in[which].size && bad < 3; i++) {
        const float save = x[i];
        const float xp = (float)(save + eps), xm = (float)(save - eps);
        x[i] = xp;
        int rc = call(fwd, n_in, in, n_out, out, np, params);
        const double lp = dot(&out[0], w);
        x[i] = xm;
        rc |= call(fwd, n_in, in, n_out, out, np, params);
        const double lm = dot(&out[0], w);
        x[i] = save;
        const double num = (lp - lm) / ((double)xp - (double)xm), ana = analytic[i];
        int ok = rc == PYSYM_OK && fabs(num - ana) <= 1e-2 * fmax(1.0, fabs(ana));
        if (!ok) bad++;
        CHECK(ok, "%s: d/dx[%lld] analytic %.6g, numeric %.6g", what, (long long)i, ana, num);
    }
    OK(call(fwd, n_in, in, n_out, out, np, params)); /* leave outputs at the unperturbed point */
}

static void expect_error(const char *what, int rc, const char *kernel) {
    CHECK(rc == PYSYM_ERROR, "%s: expected an error, got %d", what, rc);
    CHECK(strstr(pysym_last_error(), kernel) != NULL, "%s: message \"%s\" does not name %s", what, pysym_last_error(),
          kernel);
}

/* ---------- naive index helpers ---------- */

static int64_t tsize(int nd, const int64_t *s) {
    int64_t p = 1;
    for (int d = 0; d < nd; d++) p *= s[d];
    return p;
}
static void unravel(int64_t i, int nd, const int64_t *s, int64_t *idx) {
    for (int d = nd - 1; d >= 0; d--) { idx[d] = i % s[d]; i /= s[d]; }
}
/* flat index into a tensor of rank nd broadcast against an index of rank ond (numpy rules) */
static int64_t bidx(const int64_t *idx, int ond, int nd, const int64_t *s) {
    int64_t j = 0;
    for (int d = 0; d < nd; d++) {
        int64_t id = idx[ond - nd + d];
        j = j * s[d] + (s[d] == 1 ? 0 : id);
    }
    return j;
}

/* ================================ reductions ================================ */

static void ref_reduce(const pysym_tensor *x, int mask, int op, double *out, int64_t *osize) {
    int64_t osh[PYSYM_MAX_NDIM], idx[PYSYM_MAX_NDIM];
    for (int d = 0; d < x->ndim; d++) osh[d] = (mask >> d) & 1 ? 1 : x->shape[d];
    *osize = tsize(x->ndim, osh);
    for (int64_t j = 0; j < *osize; j++) out[j] = op == 2 ? -INFINITY : op == 3 ? INFINITY : op == 4 ? 1 : 0;
    for (int64_t i = 0; i < x->size; i++) {
        unravel(i, x->ndim, x->shape, idx);
        int64_t j = bidx(idx, x->ndim, x->ndim, osh);
        double v = F(*x)[i];
        if (op <= 1) out[j] += v;
        else if (op == 4) out[j] *= v;
        else if (isnan(out[j])) continue;
        else if (isnan(v) || (op == 2 ? v > out[j] : v < out[j])) out[j] = v;
    }
    if (op == 1)
        for (int64_t j = 0; j < *osize; j++) out[j] /= (double)(x->size / *osize);
}

static void test_reduce_fwd(void) {
    const int64_t shapes[][4] = {{2, 3, 4, 0}, {2, 1, 3, 5}, {64, 33, 40, 0}, {300, 257, 0, 0}, {7, 0, 0, 0}};
    const int ranks[] = {3, 4, 3, 2, 1};
    for (int si = 0; si < 5; si++) {
        pysym_tensor x = ten(ranks[si], shapes[si]);
        fill(&x, 0.5, 1.5); /* positive so prod stays finite */
        for (int mask = 0; mask < (1 << x.ndim); mask++) {
            for (int op = 0; op < 5; op++) {
                if (op == 4 && x.size > 100 && mask) continue; /* huge products overflow float */
                double *want = malloc((size_t)x.size * sizeof(double));
                int64_t osize;
                ref_reduce(&x, mask, op, want, &osize);
                pysym_tensor y = ten(S(osize)); /* squeezed: only the size matters */
                double p[2] = {op, mask};
                OK(call("reduce_fwd", 1, &x, 1, &y, 2, p));
                char what[96];
                snprintf(what, sizeof what, "reduce_fwd shape#%d op %d mask %d", si, op, mask);
                close_to(what, F(y), want, osize, 1e-5);
                free(want);
            }
        }
    }
    /* keepdims output shape works the same; NaN wins in max/min */
    pysym_tensor x = ten(S(2, 3));
    fill(&x, -1, 1);
    F(x)[4] = NAN;
    pysym_tensor y = ten(S(2, 1));
    double p[2] = {2, 2};
    OK(call("reduce_fwd", 1, &x, 1, &y, 2, p));
    CHECK(!isnan(F(y)[0]) && isnan(F(y)[1]), "max with NaN: got %g %g, expected finite, NaN", F(y)[0], F(y)[1]);
    p[0] = 3;
    OK(call("reduce_fwd", 1, &x, 1, &y, 2, p));
    CHECK(isnan(F(y)[1]), "min with NaN: got %g, expected NaN", F(y)[1]);
    /* NaN along a non-innermost reduced axis (the column-block path) */
    pysym_tensor xc = ten(S(3, 300)), yc = ten(S(300));
    fill(&xc, -1, 1);
    F(xc)[300 + 7] = NAN;
    for (int op = 2; op <= 3; op++) {
        double pc[2] = {op, 1};
        OK(call("reduce_fwd", 1, &xc, 1, &yc, 2, pc));
        int bad = 0;
        for (int j = 0; j < 300; j++) {
            double e = op == 2 ? fmax(fmax(F(xc)[j], F(xc)[300 + j]), F(xc)[600 + j])
                               : fmin(fmin(F(xc)[j], F(xc)[300 + j]), F(xc)[600 + j]);
            bad += j == 7 ? !isnan(F(yc)[j]) : F(yc)[j] != (float)e;
        }
        CHECK(!bad, "op %d over axis 0 with one NaN: %d wrong columns", op, bad);
    }
}

static void test_reduce_bwd(void) {
    const int masks[] = {5, 2, 7, 1};
    for (int mi = 0; mi < 4; mi++) {
        for (int op = 0; op < 5; op++) {
            pysym_tensor x = ten(S(2, 3, 4));
            if (op == 2 || op == 3) fill_distinct(&x, -1.2, 0.1);
            else fill(&x, 0.6, 1.4);
            int64_t osh[3];
            for (int d = 0; d < 3; d++) osh[d] = (masks[mi] >> d) & 1 ? 1 : x.shape[d];
            pysym_tensor y = ten(3, osh), g = ten(3, osh), dx = ten(S(2, 3, 4));
            fill(&g, -1, 1);
            double p[2] = {op, masks[mi]};
            OK(call("reduce_fwd", 1, &x, 1, &y, 2, p));
            pysym_tensor in[3] = {g, x, y};
            OK(call("reduce_bwd", 3, in, 1, &dx, 2, p));
            char what[64];
            snprintf(what, sizeof what, "reduce_bwd op %d mask %d", op, masks[mi]);
            fd(what, "reduce_fwd", 1, &x, 1, &y, 2, p, 0, &g, F(dx));
            if (op <= 1) { /* sum/mean need only out_grad */
                pysym_tensor d1 = ten(S(2, 3, 4));
                OK(call("reduce_bwd", 1, in, 1, &d1, 2, p));
                close_f("reduce_bwd with 1 input", F(d1), F(dx), dx.size, 0);
            }
        }
    }
    /* max ties: every tied element gets the full gradient (MXNet's eq rule) */
    pysym_tensor x = ten(S(4)), y = ten(S(1)), g = ten(S(1)), dx = ten(S(4));
    F(x)[0] = 1; F(x)[1] = 3; F(x)[2] = 3; F(x)[3] = 2;
    F(g)[0] = 2;
    double p[2] = {2, 1};
    OK(call("reduce_fwd", 1, &x, 1, &y, 2, p));
    pysym_tensor in[3] = {g, x, y};
    OK(call("reduce_bwd", 3, in, 1, &dx, 2, p));
    const float want[4] = {0, 2, 2, 0};
    close_f("reduce_bwd max ties", F(dx), want, 4, 0);
}

static void test_argmax(void) {
    pysym_tensor x = ten(S(3, 4, 5));
    fill(&x, -1, 1);
    F(x)[7] = F(x)[12] = 5; /* tie on axis 1 and on the flattened input: first index wins */
    for (int axis = -1; axis < 3; axis++) {
        for (int is_max = 0; is_max < 2; is_max++) {
            int64_t outer = axis < 0 ? 1 : tsize(axis, x.shape), n = axis < 0 ? x.size : x.shape[axis];
            int64_t inner = axis < 0 ? 1 : tsize(2 - axis, x.shape + axis + 1);
            pysym_tensor y = ten(S(outer * inner));
            double p[1] = {axis};
            OK(call(is_max ? "argmax" : "argmin", 1, &x, 1, &y, 1, p));
            double *want = malloc((size_t)y.size * sizeof(double));
            for (int64_t o = 0; o < outer; o++)
                for (int64_t i = 0; i < inner; i++) {
                    int64_t best = 0;
                    for (int64_t j = 1; j < n; j++) {
                        float v = F(x)[(o * n + j) * inner + i], b = F(x)[(o * n + best) * inner + i];
                        if (is_max ? v > b : v < b) best = j;
                    }
                    want[o * inner + i] = (double)best;
                }
            char what[48];
            snprintf(what, sizeof what, "%s axis %d", is_max ? "argmax" : "argmin", axis);
            close_to(what, F(y), want, y.size, 0);
            free(want);
        }
    }
    /* MXNet's NaN rule: once NaN is met, the index follows to the last element */
    pysym_tensor v = ten(S(5)), r = ten(S(1));
    const float vals[5] = {1, NAN, 7, 2, 0};
    memcpy(F(v), vals, sizeof vals);
    double p[1] = {0};
    OK(call("argmax", 1, &v, 1, &r, 1, p));
    CHECK(F(r)[0] == 4, "argmax with NaN: got %g, expected 4", F(r)[0]);
}

/* ================================ broadcasting ================================ */

static double ref_bin(int op, double x, double y) {
    switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return x > y ? x : y;
    case 5: return x < y ? x : y;
    default: return pow(x, y);
    }
}

static void bin_case(int op, int nl, const int64_t *ls, int nr, const int64_t *rs, int no, const int64_t *os) {
    pysym_tensor in[2] = {ten(nl, ls), ten(nr, rs)}, y = ten(no, os);
    fill(&in[0], 0.5, 1.5);
    fill(&in[1], op == 6 ? -1.5 : 0.5, 1.5);
    double p[1] = {op};
    OK(call("broadcast_binary_fwd", 2, in, 1, &y, 1, p));
    double *want = malloc((size_t)(y.size ? y.size : 1) * sizeof(double));
    int64_t idx[PYSYM_MAX_NDIM];
    for (int64_t i = 0; i < y.size; i++) {
        unravel(i, no, os, idx);
        want[i] = ref_bin(op, F(in[0])[bidx(idx, no, nl, ls)], F(in[1])[bidx(idx, no, nr, rs)]);
    }
    char what[64];
    snprintf(what, sizeof what, "broadcast_binary_fwd op %d out size %lld", op, (long long)y.size);
    close_to(what, F(y), want, y.size, 1e-6);
    free(want);
}

static void test_broadcast_binary_fwd(void) {
    for (int op = 0; op < 7; op++) {
        bin_case(op, S(2, 1, 3), S(1, 4, 1), S(2, 4, 3));
        bin_case(op, S(2, 3, 4), S(4), S(2, 3, 4));
        bin_case(op, S(4, 1), S(3), S(4, 3));
        bin_case(op, S(2, 3), S(2, 3), S(2, 3));
        bin_case(op, S(3, 1), S(3, 1), S(3, 5)); /* both broadcast along the innermost dim */
        bin_case(op, S(5), 0, NULL, S(5));       /* 0-d rhs */
        bin_case(op, S(64, 30, 40), S(64, 1, 40), S(64, 30, 40));
        bin_case(op, S(1, 300), S(257, 1), S(257, 300));
    }
    /* NaN propagates through maximum/minimum from either side */
    pysym_tensor in[2] = {ten(S(2)), ten(S(2))}, y = ten(S(2));
    F(in[0])[0] = NAN; F(in[0])[1] = 1;
    F(in[1])[0] = 1; F(in[1])[1] = NAN;
    for (int op = 4; op <= 5; op++) {
        double p[1] = {op};
        OK(call("broadcast_binary_fwd", 2, in, 1, &y, 1, p));
        CHECK(isnan(F(y)[0]) && isnan(F(y)[1]), "op %d NaN: got %g %g", op, F(y)[0], F(y)[1]);
    }
}

static void bin_bwd_case(int op, int nl, const int64_t *ls, int nr, const int64_t *rs, int no, const int64_t *os) {
    pysym_tensor in[2] = {ten(nl, ls), ten(nr, rs)}, y = ten(no, os), g = ten(no, os);
    if (op == 4 || op == 5) { /* values on two interleaved grids: never within 0.05 of each other */
        fill_distinct(&in[0], -1.0, 0.1);
        fill_distinct(&in[1], -0.95, 0.1);
    } else {
        fill(&in[0], 0.5, 1.5);
        fill(&in[1], op == 6 ? -1.5 : 0.5, 1.5);
    }
    fill(&g, -1, 1);
    pysym_tensor d[2] = {ten(nl, ls), ten(nr, rs)};
    double p[1] = {op};
    OK(call("broadcast_binary_fwd", 2, in, 1, &y, 1, p));
    pysym_tensor bin[3] = {g, in[0], in[1]};
    OK(call("broadcast_binary_bwd", 3, bin, 2, d, 1, p));
    char what[64];
    for (int side = 0; side < 2; side++) {
        snprintf(what, sizeof what, "broadcast_binary_bwd op %d %s (out size %lld)", op, side ? "rhs" : "lhs",
                 (long long)y.size);
        fd(what, "broadcast_binary_fwd", 2, in, 1, &y, 1, p, side, &g, F(d[side]));
    }
    /* req null on one side leaves it untouched and still computes the other */
    pysym_tensor d2[2] = {ten(nl, ls), ten(nr, rs)};
    d2[0].data = NULL;
    const int32_t req[2] = {PYSYM_REQ_NULL, PYSYM_REQ_WRITE};
    OK(call_req("broadcast_binary_bwd", 3, bin, 2, d2, req, 1, p));
    close_f("broadcast_binary_bwd rhs alone", F(d2[1]), F(d[1]), d[1].size, 1e-6);
}

static void test_broadcast_binary_bwd(void) {
    for (int op = 0; op < 7; op++) {
        bin_bwd_case(op, S(2, 1, 3), S(1, 4, 1), S(2, 4, 3));
        bin_bwd_case(op, S(3, 4), S(4), S(3, 4));
        bin_bwd_case(op, S(2, 3), S(2, 3), S(2, 3));
        bin_bwd_case(op, S(3, 1), S(1), S(3, 2));
    }
    /* ties: maximum gives lhs the gradient (ge/lt), minimum too (le/gt) */
    pysym_tensor in[2] = {ten(S(1)), ten(S(1))}, g = ten(S(1)), d[2] = {ten(S(1)), ten(S(1))};
    F(in[0])[0] = F(in[1])[0] = 0.5f;
    F(g)[0] = 3;
    pysym_tensor bin[3] = {g, in[0], in[1]};
    for (int op = 4; op <= 5; op++) {
        double p[1] = {op};
        OK(call("broadcast_binary_bwd", 3, bin, 2, d, 1, p));
        CHECK(F(d[0])[0] == 3 && F(d[1])[0] == 0, "op %d tie: d_lhs %g d_rhs %g, expected 3 0", op, F(d[0])[0],
              F(d[1])[0]);
    }
}

static void test_broadcast_to(void) {
    const int64_t xs[3] = {3, 1, 2}, os[4] = {2, 3, 4, 2};
    pysym_tensor x = ten(3, xs), y = ten(4, os), g = ten(4, os), dx = ten(3, xs);
    fill(&x, -1, 1);
    fill(&g, -1, 1);
    OK(call("broadcast_to_fwd", 1, &x, 1, &y, 0, NULL));
    int64_t idx[4];
    double want[48];
    for (int64_t i = 0; i < y.size; i++) {
        unravel(i, 4, os, idx);
        want[i] = F(x)[bidx(idx, 4, 3, xs)];
    }
    close_to("broadcast_to_fwd", F(y), want, y.size, 0);
    OK(call("broadcast_to_bwd", 1, &g, 1, &dx, 0, NULL));
    fd("broadcast_to_bwd", "broadcast_to_fwd", 1, &x, 1, &y, 0, NULL, 0, &g, F(dx));
    /* large: (1000,1) -> (1000,300), parallel path */
    pysym_tensor bx = ten(S(1000, 1)), by = ten(S(1000, 300)), bd = ten(S(1000, 1));
    fill(&bx, -1, 1);
    OK(call("broadcast_to_fwd", 1, &bx, 1, &by, 0, NULL));
    int bad = 0;
    for (int64_t i = 0; i < by.size; i++) bad += F(by)[i] != F(bx)[i / 300];
    CHECK(!bad, "broadcast_to_fwd large: %d wrong elements", bad);
    OK(call("broadcast_to_bwd", 1, &by, 1, &bd, 0, NULL));
    for (int64_t i = 0; i < 1000 && bad < 3; i++) {
        int ok = fabs(F(bd)[i] - 300.0 * F(bx)[i]) <= 1e-4 * 300;
        bad += !ok;
        CHECK(ok, "broadcast_to_bwd large: %lld = %g, expected %g", (long long)i, F(bd)[i], 300.0 * F(bx)[i]);
    }
}

/* ================================ layout ================================ */

static void transpose_case(int nd, const int64_t *xs, const int *perm) {
    int64_t ys[PYSYM_MAX_NDIM], idx[PYSYM_MAX_NDIM], xi[PYSYM_MAX_NDIM];
    double p[PYSYM_MAX_NDIM], ip[PYSYM_MAX_NDIM];
    for (int i = 0; i < nd; i++) { ys[i] = xs[perm[i]]; p[i] = perm[i]; ip[perm[i]] = i; }
    pysym_tensor x = ten(nd, xs), y = ten(nd, ys), back = ten(nd, xs);
    fill(&x, -1, 1);
    OK(call("transpose", 1, &x, 1, &y, nd, p));
    double *want = malloc((size_t)x.size * sizeof(double));
    for (int64_t i = 0; i < y.size; i++) {
        unravel(i, nd, ys, idx);
        for (int d = 0; d < nd; d++) xi[perm[d]] = idx[d];
        want[i] = F(x)[bidx(xi, nd, nd, xs)];
    }
    char what[64];
    snprintf(what, sizeof what, "transpose rank %d size %lld perm %d%d%d..", nd, (long long)x.size, perm[0],
             nd > 1 ? perm[1] : 0, nd > 2 ? perm[2] : 0);
    close_to(what, F(y), want, y.size, 0);
    OK(call("transpose", 1, &y, 1, &back, nd, ip));
    close_f("transpose inverse round trip", F(back), F(x), x.size, 0);
    free(want);
}

static void test_transpose(void) {
    const int perms3[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int i = 0; i < 6; i++) transpose_case(S(2, 3, 4), perms3[i]);
    for (int i = 0; i < 6; i++) transpose_case(S(3, 1, 5), perms3[i]);
    const int p4a[4] = {0, 1, 3, 2}, p4b[4] = {3, 1, 0, 2}, p4c[4] = {2, 3, 0, 1}, p2[2] = {1, 0};
    transpose_case(S(2, 3, 4, 5), p4a);
    transpose_case(S(2, 3, 4, 5), p4b);
    transpose_case(S(2, 3, 4, 5), p4c);
    transpose_case(S(37, 45), p2);
    transpose_case(S(300, 257), p2);
    transpose_case(S(4, 70, 300), perms3[1]);
    transpose_case(S(40, 70, 30), perms3[4]);
    /* gradient: the inverse permutation applied to the output gradient */
    double p[3] = {2, 0, 1}, ip[3] = {1, 2, 0};
    pysym_tensor x = ten(S(2, 3, 4)), y = ten(S(4, 2, 3)), g = ten(S(4, 2, 3)), dx = ten(S(2, 3, 4));
    fill(&x, -1, 1);
    fill(&g, -1, 1);
    OK(call("transpose", 1, &g, 1, &dx, 3, ip));
    fd("transpose gradient", "transpose", 1, &x, 1, &y, 3, p, 0, &g, F(dx));
}

static void test_concat_split(void) {
    for (int axis = 0; axis < 3; axis++) {
        int64_t s0[3] = {2, 3, 4}, s1[3] = {2, 3, 4}, s2[3] = {2, 3, 4}, so[3] = {2, 3, 4};
        s0[axis] = 2; s1[axis] = 1; s2[axis] = 3; so[axis] = 6;
        pysym_tensor in[3] = {ten(3, s0), ten(3, s1), ten(3, s2)}, y = ten(3, so);
        for (int i = 0; i < 3; i++) fill(&in[i], -1, 1);
        double p[1] = {axis};
        OK(call("concat_fwd", 3, in, 1, &y, 1, p));
        double want[144];
        int64_t idx[3];
        for (int64_t i = 0; i < y.size; i++) {
            unravel(i, 3, so, idx);
            int part = 0;
            while (idx[axis] >= in[part].shape[axis]) idx[axis] -= in[part++].shape[axis];
            want[i] = F(in[part])[bidx(idx, 3, 3, in[part].shape)];
        }
        char what[80];
        snprintf(what, sizeof what, "concat_fwd axis %d", axis);
        close_to(what, F(y), want, y.size, 0);
        /* split is the gradient of concat: check it by finite differences of concat */
        pysym_tensor g = ten(3, so), parts[3] = {ten(3, s0), ten(3, s1), ten(3, s2)};
        fill(&g, -1, 1);
        OK(call("split_fwd", 1, &g, 3, parts, 1, p));
        for (int i = 0; i < 3; i++) {
            snprintf(what, sizeof what, "split_fwd as concat gradient axis %d part %d", axis, i);
            fd(what, "concat_fwd", 3, in, 1, &y, 1, p, i, &g, F(parts[i]));
        }
        /* split of the concatenation gives the parts back; a req-null part is skipped */
        pysym_tensor back[3] = {ten(3, s0), ten(3, s1), ten(3, s2)};
        back[1].data = NULL;
        const int32_t req[3] = {PYSYM_REQ_WRITE, PYSYM_REQ_NULL, PYSYM_REQ_WRITE};
        OK(call_req("split_fwd", 1, &y, 3, back, req, 1, p));
        close_f("split round trip part 0", F(back[0]), F(in[0]), in[0].size, 0);
        close_f("split round trip part 2", F(back[2]), F(in[2]), in[2].size, 0);
    }
    /* large parallel path */
    pysym_tensor in[2] = {ten(S(500, 100)), ten(S(500, 200))}, y = ten(S(500, 300)), back[2] = {ten(S(500, 100)), ten(S(500, 200))};
    fill(&in[0], -1, 1);
    fill(&in[1], -1, 1);
    double p[1] = {1};
    OK(call("concat_fwd", 2, in, 1, &y, 1, p));
    OK(call("split_fwd", 1, &y, 2, back, 1, p));
    close_f("concat/split large part 0", F(back[0]), F(in[0]), in[0].size, 0);
    close_f("concat/split large part 1", F(back[1]), F(in[1]), in[1].size, 0);
    CHECK(F(y)[300 + 100] == F(in[1])[200], "concat large: row 1 col 100 wrong");
}

static void test_slice_axis(void) {
    const int64_t xs[3] = {3, 5, 4};
    for (int axis = 0; axis < 3; axis++) {
        int64_t begin = 1, end = xs[axis] - 1, ys[3] = {3, 5, 4};
        ys[axis] = end - begin;
        pysym_tensor x = ten(3, xs), y = ten(3, ys), g = ten(3, ys), dx = ten(3, xs);
        fill(&x, -1, 1);
        fill(&g, -1, 1);
        double p[3] = {axis, begin, end};
        OK(call("slice_axis_fwd", 1, &x, 1, &y, 3, p));
        double want[60];
        int64_t idx[3];
        for (int64_t i = 0; i < y.size; i++) {
            unravel(i, 3, ys, idx);
            idx[axis] += begin;
            want[i] = F(x)[bidx(idx, 3, 3, xs)];
        }
        char what[48];
        snprintf(what, sizeof what, "slice_axis_fwd axis %d", axis);
        close_to(what, F(y), want, y.size, 0);
        fill(&dx, 5, 6); /* stale values must be overwritten with zeros */
        OK(call("slice_axis_bwd", 1, &g, 1, &dx, 3, p));
        snprintf(what, sizeof what, "slice_axis_bwd axis %d", axis);
        fd(what, "slice_axis_fwd", 1, &x, 1, &y, 3, p, 0, &g, F(dx));
    }
}

/* ================================ pad / upsampling ================================ */

static int64_t np_pad_index(int mode, int64_t o, int64_t before, int64_t n) {
    int64_t i = o - before;
    if (i >= 0 && i < n) return i;
    if (mode == 0) return -1;
    if (mode == 1) return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i; /* numpy 'reflect': mirror without repeating the edge */
}

static void pad_case(int mode, int nd, const int64_t *xs, const int64_t *pw) {
    int64_t ys[5], idx[5], xi[5];
    double p[12];
    p[0] = mode;
    p[1] = 1.5;
    for (int d = 0; d < nd; d++) {
        ys[d] = xs[d] + pw[2 * d] + pw[2 * d + 1];
        p[2 + 2 * d] = pw[2 * d];
        p[3 + 2 * d] = pw[2 * d + 1];
    }
    pysym_tensor x = ten(nd, xs), y = ten(nd, ys), g = ten(nd, ys), dx = ten(nd, xs);
    fill(&x, -1, 1);
    fill(&g, -1, 1);
    OK(call("pad_fwd", 1, &x, 1, &y, 2 + 2 * nd, p));
    double *want = malloc((size_t)y.size * sizeof(double));
    for (int64_t i = 0; i < y.size; i++) {
        unravel(i, nd, ys, idx);
        int outside = 0;
        for (int d = 0; d < nd; d++) {
            xi[d] = np_pad_index(mode, idx[d], pw[2 * d], xs[d]);
            outside |= xi[d] < 0;
        }
        want[i] = outside ? 1.5 : F(x)[bidx(xi, nd, nd, xs)];
    }
    char what[48];
    snprintf(what, sizeof what, "pad_fwd mode %d rank %d", mode, nd);
    close_to(what, F(y), want, y.size, 0);
    free(want);
    OK(call("pad_bwd", 1, &g, 1, &dx, 2 + 2 * nd, p));
    snprintf(what, sizeof what, "pad_bwd mode %d rank %d", mode, nd);
    fd(what, "pad_fwd", 1, &x, 1, &y, 2 + 2 * nd, p, 0, &g, F(dx));
}

static void test_pad(void) {
    for (int mode = 0; mode < 3; mode++) {
        const int64_t pw4[8] = {0, 0, 0, 0, 1, 2, 2, 1}, pw5[10] = {0, 0, 0, 0, 1, 1, 2, 0, 1, 2};
        pad_case(mode, S(2, 2, 3, 4), pw4);
        pad_case(mode, S(1, 2, 3, 3, 4), pw5);
    }
    /* explicit rows: [1 2 3] padded by 2 on the left */
    const float expect[3][5] = {{0, 0, 1, 2, 3}, {1, 1, 1, 2, 3}, {3, 2, 1, 2, 3}};
    for (int mode = 0; mode < 3; mode++) {
        pysym_tensor x = ten(S(1, 1, 1, 3)), y = ten(S(1, 1, 1, 5));
        F(x)[0] = 1; F(x)[1] = 2; F(x)[2] = 3;
        double p[10] = {mode, 0, 0, 0, 0, 0, 0, 0, 2, 0};
        OK(call("pad_fwd", 1, &x, 1, &y, 10, p));
        char what[32];
        snprintf(what, sizeof what, "pad_fwd row mode %d", mode);
        close_f(what, F(y), expect[mode], 5, 0);
    }
    /* large parallel path against the small-path result per plane */
    pysym_tensor x = ten(S(4, 8, 60, 50)), y = ten(S(4, 8, 63, 54));
    fill(&x, -1, 1);
    double p[10] = {2, 0, 0, 0, 0, 0, 2, 1, 3, 1};
    OK(call("pad_fwd", 1, &x, 1, &y, 10, p));
    CHECK(F(y)[0] == F(x)[2 * 50 + 3], "pad_fwd large reflect corner: %g vs %g", F(y)[0], F(x)[2 * 50 + 3]);
    int bad = 0;
    for (int64_t t = 0; t < 4 * 8 && !bad; t++)
        for (int64_t h = 0; h < 63; h++)
            for (int64_t w = 0; w < 54; w++) {
                int64_t ih = np_pad_index(2, h, 2, 60), iw = np_pad_index(2, w, 3, 50);
                bad += F(y)[(t * 63 + h) * 54 + w] != F(x)[(t * 60 + ih) * 50 + iw];
            }
    CHECK(!bad, "pad_fwd large reflect: %d wrong elements", bad);
}

static void test_upsampling(void) {
    for (int s = 1; s <= 3; s++) {
        const int64_t xs[4] = {2, 3, 2, 3}, ys[4] = {2, 3, 2 * s, 3 * s};
        pysym_tensor x = ten(4, xs), y = ten(4, ys), g = ten(4, ys), dx = ten(4, xs);
        fill(&x, -1, 1);
        fill(&g, -1, 1);
        double p[1] = {s};
        OK(call("upsampling_nearest_fwd", 1, &x, 1, &y, 1, p));
        double want[324];
        int64_t idx[4];
        for (int64_t i = 0; i < y.size; i++) {
            unravel(i, 4, ys, idx);
            idx[2] /= s;
            idx[3] /= s;
            want[i] = F(x)[bidx(idx, 4, 4, xs)];
        }
        char what[48];
        snprintf(what, sizeof what, "upsampling_nearest_fwd scale %d", s);
        close_to(what, F(y), want, y.size, 0);
        OK(call("upsampling_nearest_bwd", 1, &g, 1, &dx, 1, p));
        snprintf(what, sizeof what, "upsampling_nearest_bwd scale %d", s);
        fd(what, "upsampling_nearest_fwd", 1, &x, 1, &y, 1, p, 0, &g, F(dx));
    }
}

/* ================================ elementwise-ish ================================ */

static void test_clip(void) {
    pysym_tensor x = ten(S(40)), y = ten(S(40)), g = ten(S(40)), dx = ten(S(40));
    fill_distinct(&x, -2.0, 0.1);
    for (int64_t i = 0; i < 40; i++) F(x)[i] += 0.05f; /* keep finite differences off the kinks at +-1 */
    fill(&g, -1, 1);
    double p[2] = {-1, 1};
    OK(call("clip_fwd", 1, &x, 1, &y, 2, p));
    double want[40];
    for (int i = 0; i < 40; i++) want[i] = fmin(1.0, fmax(-1.0, F(x)[i]));
    close_to("clip_fwd", F(y), want, 40, 0);
    pysym_tensor in[2] = {g, x};
    OK(call("clip_bwd", 2, in, 1, &dx, 2, p));
    fd("clip_bwd", "clip_fwd", 1, &x, 1, &y, 2, p, 0, &g, F(dx));
    /* boundaries pass the gradient (MXNet's clip_grad zeroes only x > a_max or x < a_min) */
    F(x)[0] = -1; F(x)[1] = 1;
    OK(call("clip_bwd", 2, in, 1, &dx, 2, p));
    CHECK(F(dx)[0] == F(g)[0] && F(dx)[1] == F(g)[1], "clip_bwd at the boundaries: %g %g, expected %g %g", F(dx)[0],
          F(dx)[1], F(g)[0], F(g)[1]);
}

static void test_where(void) {
    for (int batch = 0; batch < 2; batch++) {
        pysym_tensor cond = batch ? ten(S(3)) : ten(S(3, 4)), x = ten(S(3, 4)), yv = ten(S(3, 4)), o = ten(S(3, 4));
        for (int64_t i = 0; i < cond.size; i++) F(cond)[i] = (i % 3 == 1) ? 0.0f : (float)(i % 2 ? -2 : 1);
        fill(&x, -1, 1);
        fill(&yv, -1, 1);
        pysym_tensor in[3] = {cond, x, yv};
        OK(call("where_fwd", 3, in, 1, &o, 0, NULL));
        double want[12];
        const int64_t block = batch ? 4 : 1;
        for (int64_t i = 0; i < 12; i++) want[i] = F(cond)[i / block] != 0 ? F(x)[i] : F(yv)[i];
        close_to(batch ? "where_fwd 1-D condition" : "where_fwd", F(o), want, 12, 0);
        pysym_tensor g = ten(S(3, 4)), d[2] = {ten(S(3, 4)), ten(S(3, 4))};
        fill(&g, -1, 1);
        pysym_tensor bin[2] = {g, cond};
        OK(call("where_bwd", 2, bin, 2, d, 0, NULL));
        fd("where_bwd d_x", "where_fwd", 3, in, 1, &o, 0, NULL, 1, &g, F(d[0]));
        fd("where_bwd d_y", "where_fwd", 3, in, 1, &o, 0, NULL, 2, &g, F(d[1]));
    }
}

/* ================================ normalisation ================================ */

static void test_l2_normalization(void) {
    const int64_t shapes[2][4] = {{2, 3, 4, 0}, {2, 3, 2, 2}};
    for (int si = 0; si < 2; si++) {
        const int nd = si ? 4 : 3;
        const int64_t *xs = shapes[si];
        for (int mode = 0; mode < 3; mode++) {
            const int64_t N = xs[0], C = xs[1], Sp = tsize(nd - 2, xs + 2);
            const int64_t nsize = mode == 0 ? N : mode == 1 ? N * Sp : N * C;
            pysym_tensor x = ten(nd, xs), out[2] = {ten(nd, xs), ten(S(nsize))}, g = ten(nd, xs), dx = ten(nd, xs);
            fill(&x, -1, 1);
            fill(&g, -1, 1);
            double p[2] = {mode, 1e-10};
            OK(call("l2_normalization_fwd", 1, &x, 2, out, 2, p));
            double wy[24], wn[24] = {0};
            for (int64_t i = 0; i < x.size; i++) {
                const int64_t s = i % Sp, c = i / Sp % C, n = i / (Sp * C);
                const int64_t j = mode == 0 ? n : mode == 1 ? n * Sp + s : n * C + c;
                wn[j] += (double)F(x)[i] * F(x)[i];
            }
            for (int64_t j = 0; j < nsize; j++) wn[j] = sqrt(wn[j] + 1e-10);
            for (int64_t i = 0; i < x.size; i++) {
                const int64_t s = i % Sp, c = i / Sp % C, n = i / (Sp * C);
                wy[i] = F(x)[i] / wn[mode == 0 ? n : mode == 1 ? n * Sp + s : n * C + c];
            }
            char what[64];
            snprintf(what, sizeof what, "l2_normalization_fwd mode %d rank %d", mode, nd);
            close_to(what, F(out[0]), wy, x.size, 1e-5);
            close_to(what, F(out[1]), wn, nsize, 1e-5);
            pysym_tensor bin[3] = {g, out[0], out[1]};
            OK(call("l2_normalization_bwd", 3, bin, 1, &dx, 2, p));
            snprintf(what, sizeof what, "l2_normalization_bwd mode %d rank %d", mode, nd);
            fd(what, "l2_normalization_fwd", 1, &x, 2, out, 2, p, 0, &g, F(dx));
            /* norm as req null: same out */
            pysym_tensor o2[2] = {ten(nd, xs), ten(S(nsize))};
            o2[1].data = NULL;
            const int32_t req[2] = {PYSYM_REQ_WRITE, PYSYM_REQ_NULL};
            OK(call_req("l2_normalization_fwd", 1, &x, 2, o2, req, 2, p));
            close_f("l2_normalization_fwd without norm", F(o2[0]), F(out[0]), x.size, 0);
        }
    }
    /* channel mode with more than one column block */
    pysym_tensor x = ten(S(2, 3, 300)), out[2] = {ten(S(2, 3, 300)), ten(S(600))};
    fill(&x, -1, 1);
    double p[2] = {1, 1e-10};
    OK(call("l2_normalization_fwd", 1, &x, 2, out, 2, p));
    int bad = 0;
    for (int64_t n = 0; n < 2; n++)
        for (int64_t s = 0; s < 300; s++) {
            double q = 0;
            for (int64_t c = 0; c < 3; c++) q += (double)F(x)[(n * 3 + c) * 300 + s] * F(x)[(n * 3 + c) * 300 + s];
            bad += fabs(F(out[1])[n * 300 + s] - sqrt(q + 1e-10)) > 1e-5;
        }
    CHECK(!bad, "l2_normalization_fwd channel mode, 300 columns: %d wrong norms", bad);
}

static void test_instance_norm(void) {
    const int64_t shapes[2][4] = {{2, 3, 5, 0}, {2, 2, 3, 3}};
    for (int si = 0; si < 2; si++) {
        const int nd = si ? 4 : 3;
        const int64_t *xs = shapes[si], N = xs[0], C = xs[1], Sp = tsize(nd - 2, xs + 2);
        pysym_tensor in[3] = {ten(nd, xs), ten(S(C)), ten(S(C))};
        pysym_tensor out[3] = {ten(nd, xs), ten(S(N, C)), ten(S(N, C))};
        fill(&in[0], -1, 1);
        fill(&in[1], 0.5, 1.5);
        fill(&in[2], -0.5, 0.5);
        const double eps = 1e-3;
        double p[1] = {eps};
        OK(call("instance_norm_fwd", 3, in, 3, out, 1, p));
        double wy[36], wm[6], wv[6];
        for (int64_t gi = 0; gi < N * C; gi++) {
            double m = 0, v = 0;
            for (int64_t i = 0; i < Sp; i++) m += F(in[0])[gi * Sp + i];
            m /= (double)Sp;
            for (int64_t i = 0; i < Sp; i++) v += (F(in[0])[gi * Sp + i] - m) * (F(in[0])[gi * Sp + i] - m);
            v /= (double)Sp;
            wm[gi] = m;
            wv[gi] = v;
            for (int64_t i = 0; i < Sp; i++)
                wy[gi * Sp + i] = F(in[1])[gi % C] * (F(in[0])[gi * Sp + i] - m) / sqrt(v + eps) + F(in[2])[gi % C];
        }
        close_to("instance_norm_fwd out", F(out[0]), wy, in[0].size, 1e-5);
        close_to("instance_norm_fwd mean", F(out[1]), wm, N * C, 1e-5);
        close_to("instance_norm_fwd var", F(out[2]), wv, N * C, 1e-5);
        pysym_tensor g = ten(nd, xs), d[3] = {ten(nd, xs), ten(S(C)), ten(S(C))};
        fill(&g, -1, 1);
        pysym_tensor bin[5] = {g, in[0], in[1], out[1], out[2]};
        OK(call("instance_norm_bwd", 5, bin, 3, d, 1, p));
        const char *names[3] = {"instance_norm_bwd d_data", "instance_norm_bwd d_gamma", "instance_norm_bwd d_beta"};
        for (int w = 0; w < 3; w++) fd(names[w], "instance_norm_fwd", 3, in, 3, out, 1, p, w, &g, F(d[w]));
    }
}

/* ================================ cast ================================ */

static uint16_t to_half(double v, int from_f64) {
    pysym_tensor a = tdt(from_f64 ? PYSYM_F64 : PYSYM_F32, S(1)), h = tdt(PYSYM_F16, S(1));
    if (from_f64) ((double *)a.data)[0] = v;
    else ((float *)a.data)[0] = (float)v;
    OK(call("cast", 1, &a, 1, &h, 0, NULL));
    return ((uint16_t *)h.data)[0];
}

static void test_cast(void) {
    /* known float16 encodings, round to nearest even */
    const struct { double v; uint16_t h; } known[] = {
        {1.0, 0x3C00}, {-2.0, 0xC000}, {65504.0, 0x7BFF}, {65519.0, 0x7BFF}, {65520.0, 0x7C00}, {1e9, 0x7C00},
        {1.0 + 1.0 / 2048, 0x3C00},     /* tie between 1 and 1+2^-10: even is 1 */
        {1.0 + 3.0 / 2048, 0x3C02},     /* tie between 1+2^-10 and 1+2^-9: even is 1+2^-9 */
        {5.960464477539063e-08, 0x0001}, /* 2^-24, smallest subnormal */
        {2.9802322387695312e-08, 0x0000}, /* 2^-25: tie, rounds to even 0 */
        {8.940696716308594e-08, 0x0002}, /* 1.5 * 2^-24: tie, rounds to even 2 */
        {6.097555160522461e-05, 0x03FF}, /* largest subnormal */
        {6.103515625e-05, 0x0400},       /* smallest normal */
        {0.1, 0x2E66}, {-0.0, 0x8000}, {INFINITY, 0x7C00}, {-INFINITY, 0xFC00},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        uint16_t h = to_half(known[i].v, 0);
        CHECK(h == known[i].h, "cast f32 %.17g -> f16: 0x%04X, expected 0x%04X", known[i].v, h, known[i].h);
    }
    uint16_t hn = to_half(NAN, 0);
    CHECK((hn & 0x7C00) == 0x7C00 && (hn & 0x3FF), "cast NaN -> f16: 0x%04X is not a NaN", hn);
    /* float64 rounds once: just above a tie goes up, where rounding via float32 would tie to even */
    uint16_t hd = to_half(1.0 + 1.0 / 2048 + 1.0 / (1LL << 40), 1);
    CHECK(hd == 0x3C01, "cast f64 just above a tie -> f16: 0x%04X, expected 0x3C01", hd);
    /* every half -> f32 -> half is the identity (NaNs stay NaN) */
    pysym_tensor h = tdt(PYSYM_F16, S(65536)), f = tdt(PYSYM_F32, S(65536)), h2 = tdt(PYSYM_F16, S(65536));
    for (int i = 0; i < 65536; i++) ((uint16_t *)h.data)[i] = (uint16_t)i;
    OK(call("cast", 1, &h, 1, &f, 0, NULL));
    OK(call("cast", 1, &f, 1, &h2, 0, NULL));
    int bad = 0;
    for (int i = 0; i < 65536; i++) {
        uint16_t a = (uint16_t)i, b = ((uint16_t *)h2.data)[i];
        int nan = (a & 0x7C00) == 0x7C00 && (a & 0x3FF);
        bad += nan ? !isnan(F(f)[i]) : a != b;
    }
    CHECK(!bad, "half -> f32 -> half round trip: %d mismatches", bad);
    CHECK(F(f)[0x3C00] == 1.0f && F(f)[0x0001] == ldexpf(1, -24) && F(f)[0xFBFF] == -65504.0f,
          "half -> f32 values: %g %g %g", F(f)[0x3C00], F(f)[0x0001], F(f)[0xFBFF]);
#ifdef __FLT16_MAX__
    /* against the compiler's _Float16 conversion on random float32 bit patterns */
    pysym_tensor r = tdt(PYSYM_F32, S(200000)), rh = tdt(PYSYM_F16, S(200000));
    for (int i = 0; i < 200000; i++) {
        uint32_t u = (uint32_t)(urand() * 4294967296.0);
        if (i % 2) u = (u & 0x807FFFFF) | ((uint32_t)(100 + (u >> 23) % 50) << 23); /* dense near half's range */
        memcpy(&F(r)[i], &u, 4);
    }
    OK(call("cast", 1, &r, 1, &rh, 0, NULL));
    bad = 0;
    for (int i = 0; i < 200000; i++) {
        _Float16 ref = (_Float16)F(r)[i];
        uint16_t rb;
        memcpy(&rb, &ref, 2);
        uint16_t got = ((uint16_t *)rh.data)[i];
        if (isnan(F(r)[i])) bad += !((got & 0x7C00) == 0x7C00 && (got & 0x3FF));
        else bad += got != rb;
    }
    CHECK(!bad, "f32 -> f16 against _Float16: %d mismatches", bad);
#endif
    /* float -> integer: truncation, x86 C-cast wrap for out-of-range 8-bit targets */
    pysym_tensor a = tdt(PYSYM_F32, S(6));
    const float av[6] = {2.7f, -2.7f, 300.0f, -1.0f, 200.0f, NAN};
    memcpy(a.data, av, sizeof av);
    pysym_tensor i32 = tdt(PYSYM_I32, S(6)), u8 = tdt(PYSYM_U8, S(6)), i8 = tdt(PYSYM_I8, S(6)), i64 = tdt(PYSYM_I64, S(6));
    OK(call("cast", 1, &a, 1, &i32, 0, NULL));
    OK(call("cast", 1, &a, 1, &u8, 0, NULL));
    OK(call("cast", 1, &a, 1, &i8, 0, NULL));
    OK(call("cast", 1, &a, 1, &i64, 0, NULL));
    const int32_t wi32[6] = {2, -2, 300, -1, 200, INT32_MIN};
    const uint8_t wu8[6] = {2, 254, 44, 255, 200, 0};
    const int8_t wi8[6] = {2, -2, 44, -1, -56, 0};
    const int64_t wi64[6] = {2, -2, 300, -1, 200, INT64_MIN};
    CHECK(!memcmp(i32.data, wi32, sizeof wi32), "cast f32 -> i32 wrong");
    CHECK(!memcmp(u8.data, wu8, sizeof wu8), "cast f32 -> u8 wrong: %d %d %d %d %d %d", ((uint8_t *)u8.data)[0],
          ((uint8_t *)u8.data)[1], ((uint8_t *)u8.data)[2], ((uint8_t *)u8.data)[3], ((uint8_t *)u8.data)[4],
          ((uint8_t *)u8.data)[5]);
    CHECK(!memcmp(i8.data, wi8, sizeof wi8), "cast f32 -> i8 wrong");
    CHECK(!memcmp(i64.data, wi64, sizeof wi64), "cast f32 -> i64 wrong");
    /* integer sources */
    pysym_tensor l = tdt(PYSYM_I64, S(3)), l32 = tdt(PYSYM_I32, S(3)), lf = tdt(PYSYM_F32, S(3)), ld = tdt(PYSYM_F64, S(3));
    const int64_t lv[3] = {(1LL << 32) + 5, 16777217, -3};
    memcpy(l.data, lv, sizeof lv);
    OK(call("cast", 1, &l, 1, &l32, 0, NULL));
    OK(call("cast", 1, &l, 1, &lf, 0, NULL));
    OK(call("cast", 1, &l, 1, &ld, 0, NULL));
    CHECK(((int32_t *)l32.data)[0] == 5 && ((int32_t *)l32.data)[1] == 16777217 && ((int32_t *)l32.data)[2] == -3,
          "cast i64 -> i32 wrong");
    CHECK(F(lf)[1] == 16777216.0f && F(lf)[2] == -3.0f, "cast i64 -> f32 wrong: %g %g", F(lf)[1], F(lf)[2]);
    CHECK(((double *)ld.data)[0] == 4294967301.0, "cast i64 -> f64 wrong");
    pysym_tensor b = tdt(PYSYM_U8, S(2)), bi8 = tdt(PYSYM_I8, S(2)), bh = tdt(PYSYM_F16, S(2));
    ((uint8_t *)b.data)[0] = 255;
    ((uint8_t *)b.data)[1] = 7;
    OK(call("cast", 1, &b, 1, &bi8, 0, NULL));
    OK(call("cast", 1, &b, 1, &bh, 0, NULL));
    CHECK(((int8_t *)bi8.data)[0] == -1 && ((int8_t *)bi8.data)[1] == 7, "cast u8 -> i8 wrong");
    CHECK(((uint16_t *)bh.data)[0] == 0x5BF8 && ((uint16_t *)bh.data)[1] == 0x4700, "cast u8 -> f16 wrong: 0x%04X 0x%04X",
          ((uint16_t *)bh.data)[0], ((uint16_t *)bh.data)[1]);
    /* f32 -> f64 -> f32 round trip, large (parallel) and the same-dtype copy */
    pysym_tensor big = tdt(PYSYM_F32, S(100000)), bd = tdt(PYSYM_F64, S(100000)), bb = tdt(PYSYM_F32, S(100000));
    fill(&big, -1e6, 1e6);
    OK(call("cast", 1, &big, 1, &bd, 0, NULL));
    OK(call("cast", 1, &bd, 1, &bb, 0, NULL));
    CHECK(!memcmp(big.data, bb.data, 400000), "cast f32 -> f64 -> f32 not exact");
    pysym_tensor same = tdt(PYSYM_F32, S(100000));
    OK(call("cast", 1, &big, 1, &same, 0, NULL));
    CHECK(!memcmp(big.data, same.data, 400000), "cast f32 -> f32 not a copy");
}

/* ================================ errors ================================ */

static void test_errors(void) {
    pysym_tensor x = ten(S(2, 3)), y = ten(S(2)), z = ten(S(4)), w6 = ten(S(2, 3)), d = tdt(PYSYM_F64, S(2, 3));
    double p2[2] = {0, 2};
    expect_error("reduce_fwd with 2 inputs", call("reduce_fwd", 2, (pysym_tensor[]){x, x}, 1, &y, 2, p2), "reduce_fwd");
    expect_error("reduce_fwd float64 input", call("reduce_fwd", 1, &d, 1, &y, 2, p2), "reduce_fwd");
    expect_error("reduce_fwd wrong output size", call("reduce_fwd", 1, &x, 1, &z, 2, p2), "reduce_fwd");
    double pbad[2] = {0, 8};
    expect_error("reduce_fwd mask beyond rank", call("reduce_fwd", 1, &x, 1, &y, 2, pbad), "reduce_fwd");
    double pop[2] = {9, 2};
    expect_error("reduce_fwd unknown op", call("reduce_fwd", 1, &x, 1, &y, 2, pop), "reduce_fwd");
    double pfrac[2] = {0.5, 2};
    expect_error("reduce_fwd fractional op", call("reduce_fwd", 1, &x, 1, &y, 2, pfrac), "reduce_fwd");
    double pmax[2] = {2, 2};
    expect_error("reduce_bwd max with 1 input", call("reduce_bwd", 1, &y, 1, &x, 2, pmax), "reduce_bwd");
    const int32_t add[1] = {PYSYM_REQ_ADD};
    expect_error("req add", call_req("reduce_fwd", 1, &x, 1, &y, add, 2, p2), "reduce_fwd");
    double p1[1] = {0};
    pysym_tensor bad_rhs = ten(S(4));
    expect_error("broadcast incompatible", call("broadcast_binary_fwd", 2, (pysym_tensor[]){x, bad_rhs}, 1, &w6, 1, p1),
                 "broadcast_binary_fwd");
    pysym_tensor big_rank = ten(S(1, 2, 3));
    expect_error("broadcast operand of higher rank",
                 call("broadcast_binary_fwd", 2, (pysym_tensor[]){big_rank, x}, 1, &w6, 1, p1), "broadcast_binary_fwd");
    expect_error("broadcast_to_bwd bad shape", call("broadcast_to_bwd", 1, &x, 1, &z, 0, NULL), "broadcast_to_bwd");
    double p3[1] = {3};
    expect_error("argmax axis out of range", call("argmax", 1, &x, 1, &y, 1, p3), "argmax");
    double perm_bad[2] = {0, 0};
    pysym_tensor t = ten(S(3, 2));
    expect_error("transpose not a permutation", call("transpose", 1, &x, 1, &t, 2, perm_bad), "transpose");
    double perm[2] = {1, 0};
    expect_error("transpose wrong output shape", call("transpose", 1, &x, 1, &w6, 2, perm), "transpose");
    expect_error("transpose missing axes", call("transpose", 1, &x, 1, &t, 1, perm), "transpose");
    pysym_tensor c2 = ten(S(3, 3)), co = ten(S(2, 6));
    double pax1[1] = {1};
    expect_error("concat dims differ", call("concat_fwd", 2, (pysym_tensor[]){x, c2}, 1, &co, 1, pax1), "concat_fwd");
    pysym_tensor s1 = ten(S(1, 3)), s2 = ten(S(2, 3));
    expect_error("split sizes do not add up", call("split_fwd", 1, &x, 2, (pysym_tensor[]){s1, s2}, 1, p1), "split_fwd");
    double sl[3] = {1, 2, 1};
    expect_error("slice end before begin", call("slice_axis_fwd", 1, &x, 1, &y, 3, sl), "slice_axis_fwd");
    pysym_tensor x3 = ten(S(2, 3, 4)), y3 = ten(S(2, 3, 6));
    double pp3[8] = {0, 0, 0, 0, 0, 0, 1, 1};
    expect_error("pad of a 3-D tensor", call("pad_fwd", 1, &x3, 1, &y3, 8, pp3), "pad_fwd");
    pysym_tensor x4 = ten(S(1, 2, 3, 4)), y4 = ten(S(1, 4, 3, 4)), y4r = ten(S(1, 2, 3, 10));
    double pc[10] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 0};
    expect_error("pad of the channel axis", call("pad_fwd", 1, &x4, 1, &y4, 10, pc), "pad_fwd");
    double pr[10] = {2, 0, 0, 0, 0, 0, 0, 0, 4, 2};
    expect_error("reflect pad wider than the dim", call("pad_fwd", 1, &x4, 1, &y4r, 10, pr), "pad_fwd");
    double ps[1] = {2};
    pysym_tensor u = ten(S(1, 2, 3, 5));
    expect_error("upsampling wrong output", call("upsampling_nearest_fwd", 1, &x4, 1, &u, 1, ps), "upsampling_nearest_fwd");
    pysym_tensor cnd = ten(S(3));
    expect_error("where bad condition", call("where_fwd", 3, (pysym_tensor[]){cnd, x, x}, 1, &w6, 0, NULL), "where_fwd");
    double pl[2] = {1, 1e-10};
    pysym_tensor nrm = ten(S(2));
    expect_error("l2 channel mode on 2-D", call("l2_normalization_fwd", 1, &x, 2, (pysym_tensor[]){w6, nrm}, 2, pl),
                 "l2_normalization_fwd");
    double pe[1] = {1e-3};
    pysym_tensor gm = ten(S(5));
    expect_error("instance_norm gamma size",
                 call("instance_norm_fwd", 3, (pysym_tensor[]){x3, gm, gm}, 3,
                      (pysym_tensor[]){ten(S(2, 3, 4)), ten(S(2, 3)), ten(S(2, 3))}, 1, pe),
                 "instance_norm_fwd");
    pysym_tensor weird = tdt(PYSYM_F32, S(2, 3));
    weird.dtype = 9;
    expect_error("cast unknown dtype", call("cast", 1, &x, 1, &weird, 0, NULL), "cast");
    expect_error("cast size mismatch", call("cast", 1, &x, 1, &z, 0, NULL), "cast");
    pysym_tensor lie = ten(S(2, 3));
    lie.size = 5;
    expect_error("tensor size inconsistent with shape", call("clip_fwd", 1, &lie, 1, &w6, 2, p2), "clip_fwd");
}

int main(void) {
    test_reduce_fwd();
    test_reduce_bwd();
    test_argmax();
    test_broadcast_binary_fwd();
    test_broadcast_binary_bwd();
    test_broadcast_to();
    test_transpose();
    test_concat_split();
    test_slice_axis();
    test_pad();
    test_upsampling();
    test_clip();
    test_where();
    test_l2_normalization();
    test_instance_norm();
    test_cast();
    test_errors();
    for (int i = 0; i < n_allocs; i++) pysym_free(allocs[i]);
    printf("test_tensor_ops: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}

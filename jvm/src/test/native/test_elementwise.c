/* C tests for the element-wise kernels and the plan walker, without a JVM: each kernel against a
 * formula written here, a hand-packed plan run end to end, and malformed plans rejected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pysym.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static const pysym_kernel_entry *find(const char *name) {
    for (int i = 0; i < pysym_kernel_count(); i++)
        if (strcmp(pysym_kernel_at(i)->name, name) == 0) return pysym_kernel_at(i);
    printf("no kernel %s\n", name);
    exit(2);
}

static pysym_tensor vec(float *data, int64_t n) {
    pysym_tensor t = {.data = data, .dtype = PYSYM_F32, .ndim = 1, .size = n};
    t.shape[0] = n;
    return t;
}

static int run(const char *name, pysym_tensor *in, int n_in, pysym_tensor *out, int n_out, const double *params, int n_params) {
    int32_t req[4] = {PYSYM_REQ_WRITE, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE, PYSYM_REQ_WRITE};
    void *state = NULL;
    uint64_t rng = 1;
    pysym_call c = {.n_in = n_in, .n_out = n_out, .n_params = n_params, .in = in, .out = out, .req = req,
                    .params = params, .state = &state, .rng = &rng};
    return find(name)->fn(&c);
}

static void test_binary_and_unary(int64_t n) {
    float *a = pysym_alloc(n * 4), *b = pysym_alloc(n * 4), *o = pysym_alloc(n * 4), *o2 = pysym_alloc(n * 4);
    for (int64_t i = 0; i < n; i++) { a[i] = 0.5f + (float)(i % 97) / 50.0f; b[i] = -1.0f + (float)(i % 89) / 40.0f; }
    pysym_tensor in[3] = {vec(a, n), vec(b, n)}, out[2] = {vec(o, n), vec(o2, n)};
    double s = 2.5;
    CHECK(run("add", in, 2, out, 1, NULL, 0) == 0, "add");
    for (int64_t i = 0; i < n; i++) CHECK(o[i] == a[i] + b[i], "add[%lld]", (long long)i);
    CHECK(run("power", in, 2, out, 1, NULL, 0) == 0, "power");
    for (int64_t i = 0; i < n; i += 997) CHECK(fabs(o[i] - pow(a[i], b[i])) < 1e-5 * fabs(pow(a[i], b[i])) + 1e-6, "power");
    CHECK(run("rdiv_scalar", in, 1, out, 1, &s, 1) == 0, "rdiv_scalar");
    for (int64_t i = 0; i < n; i += 13) CHECK(fabsf(o[i] - 2.5f / a[i]) < 1e-6f * fabsf(o[i]) + 1e-7f, "rdiv_scalar");
    CHECK(run("sigmoid", in, 1, out, 1, NULL, 0) == 0, "sigmoid");
    for (int64_t i = 0; i < n; i += 13) CHECK(fabs(o[i] - 1.0 / (1.0 + exp(-a[i]))) < 1e-6, "sigmoid");
    /* div_bwd: d_lhs = g / b, d_rhs = -g a / b^2, with g = 1 */
    float *g = pysym_alloc(n * 4);
    for (int64_t i = 0; i < n; i++) { g[i] = 1.0f; b[i] = b[i] == 0 ? 1.0f : b[i]; }
    pysym_tensor bin[3] = {vec(g, n), vec(a, n), vec(b, n)};
    CHECK(run("div_bwd", bin, 3, out, 2, NULL, 0) == 0, "div_bwd");
    for (int64_t i = 0; i < n; i += 13) {
        CHECK(fabsf(o[i] - 1.0f / b[i]) < 1e-5f * fabsf(o[i]) + 1e-6f, "div_bwd lhs");
        CHECK(fabsf(o2[i] + a[i] / (b[i] * b[i])) < 1e-5f * fabsf(o2[i]) + 1e-6f, "div_bwd rhs");
    }
    pysym_free(a); pysym_free(b); pysym_free(o); pysym_free(o2); pysym_free(g);
}

static void test_fill_all_dtypes(void) {
    int64_t n = 5;
    double v = 3.0;
    int dtypes[] = {PYSYM_F32, PYSYM_F64, PYSYM_F16, PYSYM_U8, PYSYM_I32, PYSYM_I8, PYSYM_I64};
    for (int k = 0; k < 7; k++) {
        unsigned char buf[64] = {0};
        pysym_tensor t = {.data = buf, .dtype = dtypes[k], .ndim = 1, .size = n};
        t.shape[0] = n;
        CHECK(run("fill", NULL, 0, &t, 1, &v, 1) == 0, "fill dtype %d", dtypes[k]);
    }
    uint16_t h[2];
    pysym_tensor t = {.data = h, .dtype = PYSYM_F16, .ndim = 1, .size = 2};
    t.shape[0] = 2;
    CHECK(run("fill", NULL, 0, &t, 1, &v, 1) == 0 && h[0] == 0x4200, "fill f16 3.0 = 0x4200, got %x", h[0]);
}

static void test_bad_input(void) {
    float a[4], o[4];
    pysym_tensor in[2] = {vec(a, 4), vec(a, 3)}, out[1] = {vec(o, 4)};
    CHECK(run("add", in, 1, out, 1, NULL, 0) != 0 && strstr(pysym_last_error(), "expected 2 inputs"), "n_in: %s", pysym_last_error());
    CHECK(run("add", in, 2, out, 1, NULL, 0) != 0 && strstr(pysym_last_error(), "elements"), "size: %s", pysym_last_error());
    in[1] = vec(a, 4);
    in[1].dtype = PYSYM_F64;
    CHECK(run("add", in, 2, out, 1, NULL, 0) != 0 && strstr(pysym_last_error(), "dtype"), "dtype: %s", pysym_last_error());
}

/* A plan packed by hand, as PlanWriter does: add then exp. */
static void test_plan(void) {
    size_t n_instr = 2, n_tensors = 5, n_params = 0;
    size_t instr_off = sizeof(pysym_plan), tensor_off = instr_off + n_instr * sizeof(pysym_instr);
    size_t req_off = tensor_off + n_tensors * sizeof(pysym_tensor), param_off = (req_off + 4 * n_tensors + 7) / 8 * 8;
    size_t state_off = param_off + 8 * n_params, total = state_off + 8 * n_instr;
    char *buf = calloc(1, total);
    pysym_plan *p = (pysym_plan *)buf;
    *p = (pysym_plan){PYSYM_PLAN_MAGIC, PYSYM_PLAN_VERSION, (int64_t)total, (int64_t)n_instr, (int64_t)instr_off,
                      (int64_t)n_tensors, (int64_t)tensor_off, (int64_t)n_tensors, (int64_t)req_off, (int64_t)n_params,
                      (int64_t)param_off, (int64_t)n_instr, (int64_t)state_off, 7};
    float a[3] = {1, 2, 3}, b[3] = {0.5f, 0.5f, 0.5f}, t[3], o[3];
    pysym_tensor *ts = (pysym_tensor *)(buf + tensor_off);
    ts[0] = vec(a, 3); ts[1] = vec(b, 3); ts[2] = vec(t, 3); ts[3] = vec(t, 3); ts[4] = vec(o, 3);
    int32_t *req = (int32_t *)(buf + req_off);
    req[2] = req[4] = PYSYM_REQ_WRITE;
    int add = -1, ex = -1;
    for (int i = 0; i < pysym_kernel_count(); i++) {
        if (!strcmp(pysym_kernel_at(i)->name, "add")) add = i;
        if (!strcmp(pysym_kernel_at(i)->name, "exp")) ex = i;
    }
    pysym_instr *ins = (pysym_instr *)(buf + instr_off);
    ins[0] = (pysym_instr){add, 2, 1, 0, 0, 2, 0, 0, 0};
    ins[1] = (pysym_instr){ex, 1, 1, 0, 3, 4, 0, 1, 0};
    CHECK(pysym_plan_check(p, (int64_t)total) == 0, "plan check: %s", pysym_last_error());
    CHECK(pysym_plan_run(p, 0, 2, 0) == 0, "plan run: %s", pysym_last_error());
    for (int i = 0; i < 3; i++) CHECK(fabsf(o[i] - expf(a[i] + 0.5f)) < 1e-5f, "plan result %d", i);
    CHECK(pysym_plan_run(p, 0, 3, 0) != 0, "run past the end must fail");
    CHECK(pysym_plan_check(p, (int64_t)total - 8) != 0, "size mismatch must fail");
    ins[1].kernel = 100000;
    CHECK(pysym_plan_check(p, (int64_t)total) != 0 && strstr(pysym_last_error(), "kernel id"), "bad kernel id");
    ins[1].kernel = ex;
    ins[1].in_index = 5;
    CHECK(pysym_plan_check(p, (int64_t)total) != 0, "bad tensor index");
    ins[1].in_index = 3;
    ts[3].size = 99;
    CHECK(pysym_plan_check(p, (int64_t)total) != 0 && strstr(pysym_last_error(), "size"), "bad tensor size");
    ts[3].size = 3;
    ts[4].data = NULL;
    CHECK(pysym_plan_run(p, 0, 2, 0) != 0 && strstr(pysym_last_error(), "no data"), "null output: %s", pysym_last_error());
    p->magic = 0;
    CHECK(pysym_plan_check(p, (int64_t)total) != 0, "bad magic");
    free(buf);
}

int main(void) {
    test_binary_and_unary(10);
    test_binary_and_unary(1 << 17);   /* the parallel path */
    test_fill_all_dtypes();
    test_bad_input();
    test_plan();
    printf("test_elementwise: %s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}

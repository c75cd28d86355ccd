/* exec.c - checks and walks an execution plan packed by Java (PlanWriter): one native call
 * runs a whole forward or backward pass. */
#include "pysym.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Optional per-kernel timing (benchmarks only): totals since the last reset. */
#define MAX_PROFILED 512
static int profiling;
static double profile_ns[MAX_PROFILED];
static long profile_calls[MAX_PROFILED];

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void pysym_profile_enable(int on) {
    profiling = on;
    memset(profile_ns, 0, sizeof profile_ns);
    memset(profile_calls, 0, sizeof profile_calls);
}

int pysym_profile_report(char *buf, int size) {
    int n = 0;
    for (int k = 0; k < pysym_kernel_count() && k < MAX_PROFILED && n < size; k++)
        if (profile_calls[k] > 0)
            n += snprintf(buf + n, (size_t)(size - n), "%s %ld %.0f\n", pysym_kernel_at(k)->name, profile_calls[k], profile_ns[k]);
    return n;
}

static int check_range(int64_t off, int64_t count, int64_t elem, int64_t total, const char *what) {
    if (count < 0 || off < (int64_t)sizeof(pysym_plan) || off > total || count > (total - off) / elem)
        return pysym_fail("plan %s table (offset %lld, %lld entries) exceeds the %lld-byte buffer",
                          what, (long long)off, (long long)count, (long long)total);
    return PYSYM_OK;
}

#define AT(plan, off, type) ((type *)((char *)(plan) + (off)))

int pysym_plan_check(const pysym_plan *p, int64_t bytes) {
    if (p == NULL || bytes < (int64_t)sizeof(pysym_plan)) return pysym_fail("plan buffer too small: %lld bytes", (long long)bytes);
    if (p->magic != PYSYM_PLAN_MAGIC || p->version != PYSYM_PLAN_VERSION) return pysym_fail("plan has a wrong magic or version");
    if (p->total_bytes != bytes) return pysym_fail("plan says %lld bytes, buffer has %lld", (long long)p->total_bytes, (long long)bytes);
    if (check_range(p->instr_offset, p->n_instr, sizeof(pysym_instr), bytes, "instruction") ||
        check_range(p->tensor_offset, p->n_tensors, sizeof(pysym_tensor), bytes, "tensor") ||
        check_range(p->req_offset, p->n_req, sizeof(int32_t), bytes, "request") ||
        check_range(p->param_offset, p->n_params, sizeof(double), bytes, "parameter") ||
        check_range(p->state_offset, p->n_state, sizeof(void *), bytes, "state"))
        return PYSYM_ERROR;
    if (p->n_req != p->n_tensors) return pysym_fail("plan has %lld requests for %lld tensors", (long long)p->n_req, (long long)p->n_tensors);
    int nk = pysym_kernel_count();
    const pysym_instr *ins = AT(p, p->instr_offset, const pysym_instr);
    for (int64_t i = 0; i < p->n_instr; i++) {
        const pysym_instr *in = &ins[i];
        if (in->kernel < 0 || in->kernel >= nk) return pysym_fail("instruction %lld: kernel id %d out of range", (long long)i, in->kernel);
        if (in->n_in < 0 || in->n_out < 0 || in->n_params < 0 || in->in_index < 0 || in->out_index < 0 ||
            in->param_index < 0 || (int64_t)in->in_index + in->n_in > p->n_tensors ||
            (int64_t)in->out_index + in->n_out > p->n_tensors || (int64_t)in->param_index + in->n_params > p->n_params ||
            in->state_index < 0 || in->state_index >= p->n_state)
            return pysym_fail("instruction %lld (%s): table indices out of range", (long long)i, pysym_kernel_at(in->kernel)->name);
    }
    const pysym_tensor *ts = AT(p, p->tensor_offset, const pysym_tensor);
    for (int64_t i = 0; i < p->n_tensors; i++) {
        const pysym_tensor *t = &ts[i];
        if (t->ndim < 0 || t->ndim > PYSYM_MAX_NDIM || t->dtype < 0 || t->dtype > PYSYM_I64)
            return pysym_fail("tensor %lld: ndim %d or dtype %d out of range", (long long)i, t->ndim, t->dtype);
        int64_t size = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] < 0) return pysym_fail("tensor %lld: negative dimension", (long long)i);
            size *= t->shape[d];
        }
        if (size != t->size) return pysym_fail("tensor %lld: size %lld does not match its shape", (long long)i, (long long)t->size);
    }
    return PYSYM_OK;
}

int pysym_plan_run(pysym_plan *p, int64_t begin, int64_t end, int is_train) {
    if (begin < 0 || end > p->n_instr || begin > end)
        return pysym_fail("plan run range [%lld, %lld) outside [0, %lld)", (long long)begin, (long long)end, (long long)p->n_instr);
    const pysym_instr *ins = AT(p, p->instr_offset, const pysym_instr);
    const pysym_tensor *ts = AT(p, p->tensor_offset, const pysym_tensor);
    const int32_t *reqs = AT(p, p->req_offset, const int32_t);
    const double *params = AT(p, p->param_offset, const double);
    void **states = AT(p, p->state_offset, void *);
    for (int64_t i = begin; i < end; i++) {
        const pysym_instr *in = &ins[i];
        const pysym_kernel_entry *k = pysym_kernel_at(in->kernel);
        pysym_call call = {
            .n_in = in->n_in, .n_out = in->n_out, .n_params = in->n_params, .is_train = is_train,
            .in = ts + in->in_index, .out = ts + in->out_index, .req = reqs + in->out_index,
            .params = params + in->param_index, .state = states + in->state_index, .rng = &p->rng_state,
        };
        for (int j = 0; j < in->n_in; j++)
            if (call.in[j].data == NULL && call.in[j].size > 0)
                return pysym_fail("kernel %s: input %d has no data", k->name, j);
        for (int j = 0; j < in->n_out; j++)
            if (call.req[j] != PYSYM_REQ_NULL && call.out[j].data == NULL && call.out[j].size > 0)
                return pysym_fail("kernel %s: output %d has no data", k->name, j);
        double t0 = profiling ? now_ns() : 0;
        int status = k->fn(&call);
        if (profiling && in->kernel < MAX_PROFILED) {
            profile_ns[in->kernel] += now_ns() - t0;
            profile_calls[in->kernel]++;
        }
        if (status != PYSYM_OK) {
            char msg[1024];
            strncpy(msg, pysym_last_error(), sizeof msg - 1);
            msg[sizeof msg - 1] = 0;
            return pysym_fail("kernel %s: %s", k->name, msg);
        }
    }
    return PYSYM_OK;
}

void pysym_plan_release_state(pysym_plan *p) {
    const pysym_instr *ins = AT(p, p->instr_offset, const pysym_instr);
    void **states = AT(p, p->state_offset, void *);
    for (int64_t i = 0; i < p->n_instr; i++) {
        void **slot = &states[ins[i].state_index];
        if (*slot != NULL) {
            const pysym_kernel_entry *k = pysym_kernel_at(ins[i].kernel);
            if (k->free_state) k->free_state(*slot);
            *slot = NULL;
        }
    }
}

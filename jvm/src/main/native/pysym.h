/* pysym.h - the whole C ABI between the JVM core and the native kernels.
 *
 * Java packs an execution plan (instructions, tensor descriptors, parameters) into one
 * native buffer; exec.c walks it and calls kernels by id. Kernels never see the JVM:
 * they get flat descriptors and pointers, and report failure through pysym_fail().
 * Everything here is validated in Java first; kernels still check what they rely on
 * and return an error instead of aborting. */
#ifndef PYSYM_H
#define PYSYM_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYSYM_MAX_NDIM 8
#define PYSYM_ALIGN 64
#define PYSYM_PLAN_MAGIC 0x50595359504c414eLL /* "PYSYPLAN" */
#define PYSYM_PLAN_VERSION 1

/* dtype ids are MXNet's mshadow type flags. */
enum pysym_dtype {
    PYSYM_F32 = 0, PYSYM_F64 = 1, PYSYM_F16 = 2, PYSYM_U8 = 3,
    PYSYM_I32 = 4, PYSYM_I8 = 5, PYSYM_I64 = 6
};

/* Output write request, MXNet's OpReqType values. */
enum pysym_req { PYSYM_REQ_NULL = 0, PYSYM_REQ_WRITE = 1, PYSYM_REQ_ADD = 3 };

/* One tensor as a kernel sees it: 88 bytes, laid out by Java (PlanWriter). */
typedef struct pysym_tensor {
    void *data;
    int32_t dtype;
    int32_t ndim;
    int64_t size;                      /* product of shape[0..ndim) */
    int64_t shape[PYSYM_MAX_NDIM];
} pysym_tensor;

/* What a kernel is called with. params are the op's kernel parameters, flattened to
 * doubles by the op's declaration in Java (ints and enum ordinals are exact). */
typedef struct pysym_call {
    int32_t n_in, n_out, n_params, is_train;
    const pysym_tensor *in;
    const pysym_tensor *out;
    const int32_t *req;                /* one pysym_req per output */
    const double *params;
    void **state;                      /* per-instruction slot, NULL-initialised, kernel-owned */
    uint64_t *rng;                     /* per-executor RNG state (xorshift), never NULL */
} pysym_call;

typedef int (*pysym_kernel_fn)(const pysym_call *call);
typedef void (*pysym_state_free_fn)(void *state);

typedef struct pysym_kernel_entry {
    const char *name;
    pysym_kernel_fn fn;
    pysym_state_free_fn free_state;    /* NULL if the kernel keeps no state */
} pysym_kernel_entry;

/* One instruction of a plan: 40 bytes. Indices point into the plan's tables. */
typedef struct pysym_instr {
    int32_t kernel;
    int32_t n_in;
    int32_t n_out;
    int32_t n_params;
    int32_t in_index;                  /* first input tensor in the tensor table */
    int32_t out_index;                 /* first output tensor (req follows the same index) */
    int32_t param_index;               /* first parameter in the parameter table */
    int32_t state_index;               /* this instruction's slot in the state table */
    int64_t reserved;
} pysym_instr;

/* Plan header: byte offsets are from the start of the plan buffer. */
typedef struct pysym_plan {
    int64_t magic;
    int64_t version;
    int64_t total_bytes;
    int64_t n_instr, instr_offset;
    int64_t n_tensors, tensor_offset;
    int64_t n_req, req_offset;         /* int32 per tensor slot */
    int64_t n_params, param_offset;    /* double */
    int64_t n_state, state_offset;     /* void* */
    uint64_t rng_state;
} pysym_plan;

/* Error reporting: a thread-local message. pysym_fail returns PYSYM_ERROR. */
#define PYSYM_OK 0
#define PYSYM_ERROR (-1)
int pysym_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *pysym_last_error(void);

/* Memory: 64-byte aligned, NULL on failure (never aborts). */
void *pysym_alloc(int64_t bytes);
void pysym_free(void *p);

/* The kernel table (kernels.c) - Java maps op kernel names to indices at load time. */
int pysym_kernel_count(void);
const pysym_kernel_entry *pysym_kernel_at(int index);

/* Plan execution (exec.c). */
int pysym_plan_check(const pysym_plan *plan, int64_t buffer_bytes);
int pysym_plan_run(pysym_plan *plan, int64_t begin, int64_t end, int is_train);
void pysym_plan_release_state(pysym_plan *plan);

/* Per-kernel timing for benchmarks: enable (also resets), then a "name calls ns" line per kernel. */
void pysym_profile_enable(int on);
int pysym_profile_report(char *buf, int size);

/* Helpers shared by kernels. */
static inline int pysym_threads_for(int64_t work) { return work >= (1 << 16) ? 0 : 1; }
uint64_t pysym_rng_next(uint64_t *state);
double pysym_rng_uniform(uint64_t *state);   /* [0, 1) */

#ifdef __cplusplus
}
#endif
#endif

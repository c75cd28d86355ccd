/* core.c - error reporting, aligned allocation and the RNG shared by all kernels. */
#include "pysym.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local char last_error[1024];

int pysym_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return PYSYM_ERROR;
}

const char *pysym_last_error(void) { return last_error; }

void *pysym_alloc(int64_t bytes) {
    if (bytes < 0) return NULL;
    /* round up so aligned_alloc's size rule holds; zero-byte arrays still get a real pointer */
    size_t rounded = (size_t)((bytes + PYSYM_ALIGN - 1) / PYSYM_ALIGN * PYSYM_ALIGN);
    if (rounded == 0) rounded = PYSYM_ALIGN;
    return aligned_alloc(PYSYM_ALIGN, rounded);
}

void pysym_free(void *p) { free(p); }

/* xorshift64*: small, fast and good enough for dropout masks. */
uint64_t pysym_rng_next(uint64_t *state) {
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

double pysym_rng_uniform(uint64_t *state) {
    return (double)(pysym_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* kernels.c - the kernel table: every family's entries, concatenated in the order of
 * PYSYM_KERNEL_FAMILIES (set by the build). Java maps kernel names to indices at load time. */
#include "pysym.h"

#ifndef PYSYM_KERNEL_FAMILIES
#error "PYSYM_KERNEL_FAMILIES must list the kernel families, e.g. -DPYSYM_KERNEL_FAMILIES='X(elementwise)'"
#endif

#define X(f) extern const pysym_kernel_entry pysym_kernels_##f[]; extern const int pysym_kernels_##f##_count;
PYSYM_KERNEL_FAMILIES
#undef X

typedef struct { const pysym_kernel_entry *table; const int *count; } family;

#define X(f) { pysym_kernels_##f, &pysym_kernels_##f##_count },
static const family families[] = { PYSYM_KERNEL_FAMILIES };
#undef X

#define N_FAMILIES ((int)(sizeof families / sizeof families[0]))

int pysym_kernel_count(void) {
    int n = 0;
    for (int f = 0; f < N_FAMILIES; f++) n += *families[f].count;
    return n;
}

const pysym_kernel_entry *pysym_kernel_at(int index) {
    for (int f = 0; f < N_FAMILIES; f++) {
        if (index < *families[f].count) return &families[f].table[index];
        index -= *families[f].count;
    }
    return 0;
}

/* fastloss — C kernels called from fastloss/_ext.pyx. */
#ifndef FL_KERNELS_H
#define FL_KERNELS_H
#include <stddef.h>

typedef ptrdiff_t fl_intp;

/* Reduction block: the fixed unit of summation.  Each block is summed in a
   fixed order (8 lanes, then a fixed tree), and block sums are combined in
   block order, so reduced values do not depend on the thread count. */
#define FL_BLOCK 1024

/* One elementwise job over n elements.  Every array is 1-D with a byte
   stride (any sign); stride == itemsize takes the contiguous path, others are
   gathered/scattered a block at a time. */
typedef struct {
    fl_intp n;
    const char *y; fl_intp sy;   /* y_true */
    const char *p; fl_intp sp;   /* y_pred */
    const char *w; fl_intp sw;   /* sample_weight, NULL = unit weights */
    char *lo; fl_intp slo;       /* out: w*loss per element, or NULL */
    char *g; fl_intp sg;         /* out: gradient, or NULL */
    double gscale;               /* gradient factor (1/sum(w) for "mean") */
    double opt[2];               /* loss options, table order */
    int want_sum;                /* accumulate sum(w*loss) and sum(w) */
} fl_ew_job;

/* index of an elementwise loss by name, -1 if unknown */
int fl_ew_index(const char *name);
int fl_ew_count(void);
const char *fl_ew_name(int i);

/* Run loss `loss` over `job`, float32 storage if f32 else float64.
   sums[0] = sum(w*loss), sums[1] = sum(w) when job->want_sum.
   Returns 0, or -1 when out of memory.  Thread-safe; call without the GIL. */
int fl_ew_run(int loss, int f32, const fl_ew_job *job, int n_threads, double sums[2]);

/* sum(w) with the same blocks and order as fl_ew_run (bitwise equal). */
int fl_wsum_run(int f32, const fl_ew_job *job, int n_threads, double *sum_w);

/* benchmark floors: read two buffers of nwords 64-bit words (and write one) */
#include <stdint.h>
uint64_t fl_floor_read(const uint64_t *a, const uint64_t *b, fl_intp nwords);
void fl_floor_read_write(const uint64_t *a, const uint64_t *b, uint64_t *out, fl_intp nwords);

/* build/run-time facts for `python -m fastloss info` and the thread policy */
int fl_have_openmp(void);
int fl_omp_max_threads(void);
const char *fl_simd_path(void);
#endif

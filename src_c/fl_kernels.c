/*
 * fastloss — fused, blocked, deterministic loss kernels.
 *
 * Structure
 *   FL_DEFINE_EW(name, T, suffix, CT) instantiates, from the per-element
 *   formula FL_EW_<name> (fl_losses.h), one function that processes a range
 *   of reduction blocks.  Inside a block:
 *     1. inputs with a non-unit stride are gathered into stack buffers;
 *     2. one fused loop computes each element's value and derivative and
 *        does, in the same pass, whichever of: accumulate w*loss (and w) into
 *        32 fixed lanes, store w*loss, store the scaled gradient.  The loop
 *        is specialised at compile time on that choice and on weighting;
 *     3. strided outputs are scattered back.
 *   fl_run_blocks splits the blocks over OpenMP threads and combines the
 *   block sums in block order, so the result is bitwise the same for any
 *   number of threads.
 *
 *   The block functions carry target_clones: the loader picks the AVX-512
 *   (x86-64-v4), AVX2 (x86-64-v3) or baseline clone for this CPU once.
 *   Nothing here is compiled with -ffast-math: NaN and inf behave as IEEE says.
 */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "fl_kernels.h"
#include "fl_losses.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(FL_NO_CLONES)
#define FL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define FL_HAVE_CLONES 1
#else
#define FL_CLONES
#define FL_HAVE_CLONES 0
#endif
#define FL_AI static inline __attribute__((always_inline))

typedef void (*fl_blocks_fn)(const fl_ew_job *job, fl_intp b0, fl_intp b1, double *part);

/* ---- fixed-order sums ------------------------------------------------- */

/* Sum m values in FL_LANES lanes (lane = index mod FL_LANES), then a fixed
   pairwise tree over the lanes.  The order depends only on m, never on the
   ISA or the thread count.  32 lanes = 4 AVX-512 (8 AVX2) accumulators: enough
   independent add chains to hide the add latency. */
#define FL_LANES 32
FL_AI double fl_lanetree(double *a)
{
    for (int h = FL_LANES / 2; h > 0; h /= 2)
        for (int j = 0; j < h; j++) a[j] += a[j + h];
    return a[0];
}
#define FL_DEFINE_SUMLANES(T, SUF)                                          \
    FL_AI double fl_sumlanes_##SUF(const T *restrict x, fl_intp m)          \
    {                                                                       \
        double a[FL_LANES] = {0};                                           \
        fl_intp i = 0;                                                      \
        for (; i + FL_LANES <= m; i += FL_LANES)                            \
            for (int j = 0; j < FL_LANES; j++) a[j] += (double)x[i + j];    \
        for (int j = 0; i < m; i++, j++) a[j] += (double)x[i];              \
        return fl_lanetree(a);                                              \
    }
FL_DEFINE_SUMLANES(double, f64)
FL_DEFINE_SUMLANES(float, f32)

/* ---- strided access ---------------------------------------------------- */

#define FL_DEFINE_GATHER(T, SUF)                                            \
    FL_AI const T *fl_gather_##SUF(const char *base, fl_intp s, fl_intp i0, \
                                   fl_intp m, T *buf)                       \
    {                                                                       \
        if (s == (fl_intp)sizeof(T)) return (const T *)base + i0;           \
        const char *q = base + i0 * s;                                      \
        for (fl_intp i = 0; i < m; i++) buf[i] = *(const T *)(q + i * s);   \
        return buf;                                                         \
    }                                                                       \
    FL_AI void fl_scatter_##SUF(char *base, fl_intp s, fl_intp i0,          \
                                fl_intp m, const T *buf)                    \
    {                                                                       \
        char *q = base + i0 * s;                                            \
        for (fl_intp i = 0; i < m; i++) *(T *)(q + i * s) = buf[i];         \
    }
FL_DEFINE_GATHER(double, f64)
FL_DEFINE_GATHER(float, f32)

/* ---- the block template ------------------------------------------------ */

/* One element k in lane j: value L and derivative D from the loss's formula,
   then whichever of the weighted sum, the per-element loss and the gradient
   this specialisation wants.  Lane j of a[] gets elements j, j+32, j+64, ...
   in order: the same order as fl_sumlanes, so every path sums identically. */
#define FL_ELEM(NAME, T, CT, k, j)                                            \
    {                                                                         \
        CT L, D;                                                              \
        const CT yy = (CT)y[k], pp = (CT)p[k];                                \
        FL_EW_##NAME(CT, yy, pp, o0, o1, L, D)                                \
        const CT ww = HW ? (CT)w[k] : (CT)1;                                  \
        const CT wl = HW ? ww * L : L;                                        \
        if (WS) {                                                             \
            a[j] += (double)wl;                                               \
            if (HW) aw[j] += (double)ww;                                      \
        }                                                                     \
        if (WL) lo[k] = (T)wl;                                                \
        if (WG) g[k] = (T)(HW ? gs * (ww * D) : gs * D);                      \
    }

#define FL_DEFINE_EW(NAME, T, SUF, CT)                                        \
    FL_AI void fl_ew_loop_##NAME##_##SUF(                                     \
        fl_intp m, const T *restrict y, const T *restrict p,                  \
        const T *restrict w, T *restrict lo, T *restrict g,                   \
        const CT gs, const CT o0, const CT o1, double *sums,                  \
        const int HW, const int WS, const int WL, const int WG)               \
    {                                                                         \
        (void)o0; (void)o1;                                                   \
        double a[FL_LANES] = {0}, aw[FL_LANES] = {0};                         \
        fl_intp i = 0;                                                        \
        for (; i + FL_LANES <= m; i += FL_LANES)                              \
            for (int j = 0; j < FL_LANES; j++) FL_ELEM(NAME, T, CT, i + j, j) \
        for (int j = 0; i < m; i++, j++) FL_ELEM(NAME, T, CT, i, j)           \
        if (WS) {                                                             \
            sums[0] = fl_lanetree(a);                                         \
            sums[1] = HW ? fl_lanetree(aw) : (double)m;                       \
        }                                                                     \
    }                                                                         \
    FL_CLONES void fl_ew_blocks_##NAME##_##SUF(const fl_ew_job *job,          \
                                               fl_intp b0, fl_intp b1,        \
                                               double *part)                  \
    {                                                                         \
        T ybuf[FL_BLOCK], pbuf[FL_BLOCK], wbuf[FL_BLOCK], gbuf[FL_BLOCK];     \
        T lbuf[FL_BLOCK];                                                     \
        const int HW = job->w != NULL, WS = job->want_sum;                    \
        const int WL = job->lo != NULL, WG = job->g != NULL;                  \
        const CT gs = (CT)job->gscale;                                        \
        const CT o0 = (CT)job->opt[0], o1 = (CT)job->opt[1];                  \
        for (fl_intp b = b0; b < b1; b++) {                                   \
            const fl_intp i0 = b * FL_BLOCK;                                  \
            const fl_intp m = job->n - i0 < FL_BLOCK ? job->n - i0 : FL_BLOCK; \
            const T *y = fl_gather_##SUF(job->y, job->sy, i0, m, ybuf);       \
            const T *p = fl_gather_##SUF(job->p, job->sp, i0, m, pbuf);       \
            const T *w = HW ? fl_gather_##SUF(job->w, job->sw, i0, m, wbuf) : NULL; \
            T *g = NULL, *lo = NULL;                                          \
            if (WG) g = job->sg == (fl_intp)sizeof(T) ? (T *)job->g + i0 : gbuf; \
            if (WL) lo = job->slo == (fl_intp)sizeof(T) ? (T *)job->lo + i0 : lbuf; \
            double *s = part + 2 * b;                                         \
            switch (HW | WS << 1 | WL << 2 | WG << 3) {                       \
            FL_MODE_CASES(fl_ew_loop_##NAME##_##SUF)                          \
            default: break;                                                   \
            }                                                                 \
            if (WG && g == gbuf) fl_scatter_##SUF(job->g, job->sg, i0, m, gbuf); \
            if (WL && lo == lbuf) fl_scatter_##SUF(job->lo, job->slo, i0, m, lbuf); \
        }                                                                     \
    }

/* the valid (weighted, sum, per-element loss, gradient) combinations, each a
   compile-time specialisation of the loop */
#define FL_CASE(LOOP, HW, WS, WL, WG)                                         \
    case HW | WS << 1 | WL << 2 | WG << 3:                                    \
        LOOP(m, y, p, w, lo, g, gs, o0, o1, s, HW, WS, WL, WG);               \
        break;
#define FL_MODE_CASES(LOOP)                                                   \
    FL_CASE(LOOP, 0, 1, 0, 0) FL_CASE(LOOP, 1, 1, 0, 0)                       \
    FL_CASE(LOOP, 0, 1, 0, 1) FL_CASE(LOOP, 1, 1, 0, 1)                       \
    FL_CASE(LOOP, 0, 0, 1, 0) FL_CASE(LOOP, 1, 0, 1, 0)                       \
    FL_CASE(LOOP, 0, 0, 1, 1) FL_CASE(LOOP, 1, 0, 1, 1)                       \
    FL_CASE(LOOP, 0, 0, 0, 1) FL_CASE(LOOP, 1, 0, 0, 1)

#define FL_INSTANTIATE(NAME, CT32)           \
    FL_DEFINE_EW(NAME, double, f64, double)  \
    FL_DEFINE_EW(NAME, float, f32, CT32)
FL_EW_LOSSES(FL_INSTANTIATE)

#define FL_TABLE_ROW(NAME, CT32) {fl_ew_blocks_##NAME##_f64, fl_ew_blocks_##NAME##_f32},
static const fl_blocks_fn fl_ew_table[][2] = {FL_EW_LOSSES(FL_TABLE_ROW)};
#define FL_NAME_ROW(NAME, CT32) #NAME,
static const char *const fl_ew_names[] = {FL_EW_LOSSES(FL_NAME_ROW)};
#define FL_NLOSS ((int)(sizeof(fl_ew_names) / sizeof(fl_ew_names[0])))

/* sum(w) alone, block by block exactly as the loss blocks do it */
#define FL_DEFINE_WSUM(T, SUF)                                              \
    FL_CLONES void fl_wsum_blocks_##SUF(const fl_ew_job *job, fl_intp b0,   \
                                        fl_intp b1, double *part)           \
    {                                                                       \
        T wbuf[FL_BLOCK];                                                   \
        for (fl_intp b = b0; b < b1; b++) {                                 \
            const fl_intp i0 = b * FL_BLOCK;                                \
            const fl_intp m = job->n - i0 < FL_BLOCK ? job->n - i0 : FL_BLOCK; \
            part[2 * b] = 0.0;                                              \
            part[2 * b + 1] = fl_sumlanes_##SUF(fl_gather_##SUF(job->w, job->sw, i0, m, wbuf), m); \
        }                                                                   \
    }
FL_DEFINE_WSUM(double, f64)
FL_DEFINE_WSUM(float, f32)

/* ---- the driver -------------------------------------------------------- */

static int fl_run_blocks(fl_blocks_fn fn, const fl_ew_job *job, int n_threads,
                         double sums[2])
{
    const fl_intp nblocks = (job->n + FL_BLOCK - 1) / FL_BLOCK;
    double stackpart[2 * 64];
    double *part = stackpart;
    if (nblocks > 64) {
        part = (double *)malloc((size_t)nblocks * 2 * sizeof(double));
        if (!part) return -1;
    }
    int nt = n_threads < 1 ? 1 : n_threads;
    if ((fl_intp)nt > nblocks) nt = (int)(nblocks > 0 ? nblocks : 1);
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        {
            const fl_intp T = omp_get_num_threads(), t = omp_get_thread_num();
            fn(job, nblocks * t / T, nblocks * (t + 1) / T, part);
        }
    } else
#endif
        fn(job, 0, nblocks, part);
    /* combine in block order: independent of how blocks were shared out */
    double s = 0.0, sw = 0.0;
    if (job->want_sum)
        for (fl_intp b = 0; b < nblocks; b++) {
            s += part[2 * b];
            sw += part[2 * b + 1];
        }
    sums[0] = s;
    sums[1] = sw;
    if (part != stackpart) free(part);
    return 0;
}

int fl_ew_run(int loss, int f32, const fl_ew_job *job, int n_threads, double sums[2])
{
    if (loss < 0 || loss >= FL_NLOSS) return -2;
    return fl_run_blocks(fl_ew_table[loss][f32 ? 1 : 0], job, n_threads, sums);
}

int fl_wsum_run(int f32, const fl_ew_job *job, int n_threads, double *sum_w)
{
    fl_ew_job j = *job;
    double sums[2] = {0.0, 0.0};
    j.want_sum = 1;
    int rc = fl_run_blocks(f32 ? fl_wsum_blocks_f32 : fl_wsum_blocks_f64, &j, n_threads, sums);
    *sum_w = sums[1];
    return rc;
}

int fl_ew_index(const char *name)
{
    for (int i = 0; i < FL_NLOSS; i++)
        if (strcmp(name, fl_ew_names[i]) == 0) return i;
    return -1;
}
int fl_ew_count(void) { return FL_NLOSS; }
const char *fl_ew_name(int i) { return (i >= 0 && i < FL_NLOSS) ? fl_ew_names[i] : NULL; }

/* ---- facts ------------------------------------------------------------- */

int fl_have_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int fl_omp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

const char *fl_simd_path(void)
{
#if FL_HAVE_CLONES
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "avx512 (x86-64-v4)";
    if (__builtin_cpu_supports("x86-64-v3")) return "avx2 (x86-64-v3)";
    return "baseline (x86-64)";
#else
    return "baseline (no runtime dispatch in this build)";
#endif
}

/* ---- memory floors for the benchmarks ----------------------------------
   The least work that touches the same bytes as a loss call: OR-reduce the
   input words (read floor), or also write one output word per element
   (read+write floor).  Same dispatch as the kernels. */
FL_CLONES uint64_t fl_floor_read(const uint64_t *restrict a, const uint64_t *restrict b,
                                 fl_intp nwords)
{
    uint64_t acc = 0;
    for (fl_intp i = 0; i < nwords; i++) acc |= a[i] | b[i];
    return acc;
}

FL_CLONES void fl_floor_read_write(const uint64_t *restrict a, const uint64_t *restrict b,
                                   uint64_t *restrict out, fl_intp nwords)
{
    for (fl_intp i = 0; i < nwords; i++) out[i] = a[i] | b[i];
}

/*
 * fastloss — shared pieces of the C kernels: dispatch attributes, the fixed
 * summation lanes, strided gather/scatter, and vector math.
 */
#ifndef FL_COMMON_H
#define FL_COMMON_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fl_kernels.h"

/* Runtime dispatch: the loader picks the AVX-512 (x86-64-v4), AVX2
   (x86-64-v3) or baseline clone of each block function once. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(FL_NO_CLONES)
#define FL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define FL_HAVE_CLONES 1
#else
#define FL_CLONES
#define FL_HAVE_CLONES 0
#endif
#define FL_AI static inline __attribute__((always_inline))

/* Vector transcendentals without -ffast-math: glibc's libmvec has SIMD
   variants of these, but its headers announce them only under __FAST_MATH__.
   Declaring them here lets the vectorizer call the variant of each clone's
   width (accuracy: glibc tests them to 4 ulp; see tests/test_vecmath.py). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) \
    && !defined(FL_NO_LIBMVEC) && !defined(__SANITIZE_ADDRESS__)
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 22)
__attribute__((simd("notinbranch"))) double exp(double);
__attribute__((simd("notinbranch"))) double log(double);
__attribute__((simd("notinbranch"))) float expf(float);
__attribute__((simd("notinbranch"))) float logf(float);
#define FL_HAVE_LIBMVEC 1
#endif
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)
__attribute__((simd("notinbranch"))) double log1p(double);
__attribute__((simd("notinbranch"))) float log1pf(float);
#endif
#endif
#ifndef FL_HAVE_LIBMVEC
#define FL_HAVE_LIBMVEC 0
#endif

/* type-generic math on the compute type */
#define FL_LOG(x) _Generic((x), float: logf, default: log)(x)
#define FL_EXP(x) _Generic((x), float: expf, default: exp)(x)
#define FL_LOG1P(x) _Generic((x), float: log1pf, default: log1p)(x)
/* |x| as one AND of the sign bit (a select would cost three vector ops and
   give -0 for -0) */
#define FL_ABS(x) _Generic((x), float: fabsf, default: fabs)(x)
/* sign(r) with sign(0) = 0 and sign(NaN) = NaN */
#define FL_SIGN(CT, r) ((r) > 0 ? (CT)1 : ((r) < 0 ? (CT)-1 : (r)))
/* max(0, m) that keeps NaN */
#define FL_POS(CT, m) ((CT)0 > (m) ? (CT)0 : (m))
#define FL_COPYSIGN(x, s) _Generic((x), float: copysignf, default: copysign)(x, s)
/* the largest finite value of CT */
#define FL_HUGE(CT) (sizeof(CT) == 4 ? (CT)0x1.fffffep127f : (CT)0x1.fffffffffffffp1023)

/* ---- fixed-order sums ---------------------------------------------------
   Values are summed in FL_LANES lanes (lane = index mod FL_LANES), then a
   fixed pairwise tree over the lanes.  The order depends only on the count,
   never on the ISA or the thread count.  32 lanes = 4 AVX-512 (8 AVX2)
   accumulators: enough independent add chains to hide the add latency. */
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
    }                                                                       \
    FL_AI double fl_sumabslanes_##SUF(const T *restrict x, fl_intp m)       \
    {                                                                       \
        double a[FL_LANES] = {0};                                           \
        fl_intp i = 0;                                                      \
        for (; i + FL_LANES <= m; i += FL_LANES)                            \
            for (int j = 0; j < FL_LANES; j++) a[j] += (double)FL_ABS(x[i + j]); \
        for (int j = 0; i < m; i++, j++) a[j] += (double)FL_ABS(x[i]);      \
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

/* block results: sums (w*loss, w, |w|) and the first invalid position
   (-1: none, -2: the block could not get its buffers) */
typedef struct {
    double s, sw, swa;
    fl_intp bad;
} fl_part;

typedef void (*fl_blocks_fn)(const void *job, fl_intp b0, fl_intp b1, fl_part *part);
/* run blocks [0, nblocks) on the pool; combine in block order */
int fl_run_blocks(fl_blocks_fn fn, const void *job, fl_intp nblocks, fl_par par,
                  int want_sum, fl_result *res);
#endif

/*
 * fastloss — the kernels' arithmetic: runtime dispatch attributes, vector
 * transcendentals without fast-math, type-generic helpers, and the domains
 * that targets and predictions are checked against.
 */
#ifndef FL_MATH_H
#define FL_MATH_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fl_kernels.h"

/* Runtime dispatch.  The kernels (fl_ew_f64.c, fl_ew_f32.c,
   fl_rows_kernels.c) are compiled once per instruction-set level, each unit
   with its level's -march and FL_LEVEL defined (4: x86-64-v4, AVX-512; 3:
   x86-64-v3, AVX2 + FMA; 1: baseline), their functions suffixed _v4, _v3,
   _v1 (FL_SFX); fl_level (fl_support.c) picks one level's table once, at
   import.  The support code outside those units keeps target_clones: the
   loader picks its AVX-512, AVX2 or baseline clone. */
#ifndef FL_MULTI_LEVEL
#define FL_MULTI_LEVEL 0 /* (the build defines it 1 when it compiles every level) */
#endif
#if defined(FL_LEVEL)
#define FL_CLONES
#define FL_HAVE_CLONES 0
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(FL_NO_CLONES)
#define FL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define FL_HAVE_CLONES 1
#else
#define FL_CLONES
#define FL_HAVE_CLONES 0
#endif
/* always inlined: the loss functions and loop bodies become one loop */
#define FL_AI static inline __attribute__((always_inline))
#define FL_UNUSED __attribute__((unused))
/* token pasting through one expansion (FL_CAT(fl_ew_, NAME)) */
#define FL_CAT2(a, b) a##b
#define FL_CAT(a, b) FL_CAT2(a, b)
/* a level's suffix (FL_LEVEL 4 -> _v4) */
#define FL_SFX FL_CAT(_v, FL_LEVEL)

/* Vector libm calls without -ffast-math: glibc's libmvec has SIMD variants
   of these, but its headers announce them only under __FAST_MATH__.
   Declaring them here lets the vectorizer call the variant of each unit's
   width (glibc tests them to 4 ulp; tests/test_vecmath.py measures them). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) \
    && !defined(FL_NO_LIBMVEC) && !defined(__SANITIZE_ADDRESS__)
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 22)
__attribute__((simd("notinbranch"))) double exp(double);
__attribute__((simd("notinbranch"))) double log(double);
__attribute__((simd("notinbranch"))) float expf(float);
__attribute__((simd("notinbranch"))) float logf(float);
__attribute__((simd("notinbranch"))) double pow(double, double);
__attribute__((simd("notinbranch"))) float powf(float, float);
#define FL_HAVE_LIBMVEC 1
#endif
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)
__attribute__((simd("notinbranch"))) double log1p(double);
__attribute__((simd("notinbranch"))) float log1pf(float);
__attribute__((simd("notinbranch"))) float expm1f(float);
#endif
#endif
#ifndef FL_HAVE_LIBMVEC
#define FL_HAVE_LIBMVEC 0
#endif

#define FL_POW(x, y) _Generic((x), float: powf, default: pow)(x, y)
/* |x| as one AND of the sign bit (a select would cost three vector ops and
   give -0 for -0) */
#define FL_ABS(x) _Generic((x), float: fabsf, default: fabs)(x)
/* type-generic math on the compute type (tests/test_vecmath.py measures
   each against the correctly rounded result at every level):
   - at every level, expm1 in float64 is the kernels' own inlined C
     (fl_vmath.h; libmvec's reaches 2.1 ulp);
   - at the AVX-512 level, the vector variants of exp, log, expf, logf,
     expm1f and log1pf that these calls vectorize to are the kernels' own
     (fl_vmath_v4.h: called through fl_vmath_v4.c, and inlined into the
     loops written with intrinsics; FL_OWN_VMATH_V4); log1p is libmvec's
     (faster than the kernels' own method, even inlined);
   - below it, exp in float64 is the kernels' own inlined C (fl_vmath.h;
     libmvec's reaches 3.1 ulp), expm1f too, in float32 lanes (libmvec's
     reaches 2.3), the vector expf, logf and log1pf are the kernels' own
     (fl_vmathf.c, FL_OWN_VMATHF; libmvec's reach 2.9, 3.9 and 2.0 ulp),
     and log and log1p in float64 are libmvec's (within 2 ulp);
   - without the C library's vector functions, the float32 ones are
     fl_vmath.h's, inlined. */
#if defined(FL_LEVEL) && FL_LEVEL == 4 && FL_HAVE_LIBMVEC
#define FL_OWN_VMATH_V4 1
#include "fl_vmath_v4.h"
#endif
#include "fl_vmath.h"
#if defined(FL_LEVEL) && FL_LEVEL < 4 && FL_HAVE_LIBMVEC
#define FL_OWN_VMATHF 1
#define FL_EXPF expf
#else
#define FL_EXPF fl_expf32
#endif
#if defined(FL_OWN_VMATH_V4) || defined(FL_OWN_VMATHF)
#define FL_LOG(x) _Generic((x), float: logf, default: log)(x)
#define FL_LOG1P(x) _Generic((x), float: log1pf, default: log1p)(x)
#else
#define FL_LOG(x) _Generic((x), float: fl_logf32, default: log)(x)
#define FL_LOG1P(x) _Generic((x), float: fl_log1pf32, default: log1p)(x)
#endif
#if defined(FL_OWN_VMATH_V4)
#define FL_EXP(x) _Generic((x), float: expf, default: exp)(x)
#define FL_EXPM1(x) _Generic((x), float: expm1f, default: fl_expm1_64)(x)
#else
#define FL_EXP(x) _Generic((x), float: FL_EXPF, default: fl_exp64)(x)
#define FL_EXPM1(x) _Generic((x), float: fl_expm1f32, default: fl_expm1_64)(x)
#endif
/* sign(r) with sign(0) = 0 and sign(NaN) = NaN, in r's type T */
#define FL_SIGN(T, r) ((r) > 0 ? (T)1 : ((r) < 0 ? (T)-1 : (r)))
/* max(0, m) that keeps NaN */
#define FL_POS(T, m) ((T)0 > (m) ? (T)0 : (m))
#define FL_COPYSIGN(x, s) _Generic((x), float: copysignf, default: copysign)(x, s)
/* the largest finite value of T */
#define FL_HUGE(T) (sizeof(T) == 4 ? (T)0x1.fffffep127f : (T)0x1.fffffffffffffp1023)

/* ---- domains of targets and predictions -------------------------------
   The loss table (fastloss/_losses.py, generated into fl_table.h) gives each
   loss the domain of its targets and of its predictions; fl_in_domain tests
   one value.  Written with & and | so that the loops that check vectorize. */
enum { FL_DOM_ANY, FL_DOM_UNIT, FL_DOM_SIGN, FL_DOM_PROB, FL_DOM_RANGE };
/* in [0, 1]; NaN is not */
#define FL_UNIT(y) (((y) >= 0) & ((y) <= 1))
/* a probability: in [0, 1], or NaN (which propagates to the result) */
#define FL_PROB_OK(p) (!(((p) < 0) | ((p) > 1))) /* (NaN: both comparisons false) */
/* v within the closed [lo, hi] (an fl_range with its open ends moved
   inward by one value of the type: fl_closed); NaN is, so that it propagates */
#define FL_IN_RANGE(v, lo, hi) (!(((v) < (lo)) | ((v) > (hi))))
#define FL_IN_DOMAIN(dom, v)                                                 \
    ((dom) == FL_DOM_UNIT ? FL_UNIT(v)                                        \
     : (dom) == FL_DOM_SIGN ? (FL_ABS(v) == 1)                                \
     : (dom) == FL_DOM_PROB ? FL_PROB_OK(v) : 1)

/* the smallest eps keeping 1 - eps below 1 in T (2^-24 for float32) */
#define FL_EPS_MIN(T) (sizeof(T) == 4 ? (T)0x1p-24 : (T)0x1p-53)
#endif

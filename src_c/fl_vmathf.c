/*
 * fastloss — vector expf, logf and log1pf for the AVX2 and baseline levels'
 * kernels.
 *
 * The kernels' vectorized loops call the C library's vector variants of
 * expf, logf and log1pf (fl_math.h declares them); the x86-64 vector
 * function ABI names the AVX2 ones _ZGVdN8v_expf, _ZGVdN8v_logf,
 * _ZGVdN8v_log1pf (8 lanes) and the SSE2 ones _ZGVbN4v_expf, ... (4
 * lanes).  This unit defines those six inside the extension (hidden: the
 * module's own calls bind to them, nothing else sees them), so that below
 * the AVX-512 level the kernels run the float32 functions of fl_vmath.h:
 * over every float32 argument, expf within 0.91 ulp of the correctly
 * rounded result, logf 1.17, log1pf 1.24 (1.16, 1.23 and 1.28 without
 * fused multiply-adds), where libmvec's reach 2.9, 3.9 and 2.0, for 1.2 to
 * 1.3 times libmvec's time at the AVX2 level.
 *
 * Each function tests its lanes first: when every argument is one the
 * short path handles (log: a positive normal finite float; log1p: above -1
 * and finite; exp: |x| <= 87, so that the result is normal), it runs that
 * path alone, the polynomial without the selects for zeros, subnormals,
 * infinities and NaN; otherwise it runs the whole function on every lane.
 * Both paths are loops over the lanes that the compiler vectorizes at the
 * unit's width.  This unit is compiled at every level and is empty at the
 * AVX-512 level (fl_vmath_v4.h has its own functions there).
 */
#include "fl_math.h"
#if defined(FL_OWN_VMATHF)
#include <immintrin.h>

#define FL_VF_API __attribute__((visibility("hidden")))

/* the short paths, and (on the vector x, its bits u) the lanes that take
   them: arguments for which fl_vmath.h's selects would keep the
   polynomial's result */
#define FL_LOGF_SHORT(x, u) ((u) - 0x00800000u < 0x7f000000u) /* positive normal finite */
FL_AI float fl_logf_fast(const float x) { return fl_log_core32(fl_bits32(x), -0.0f, -0.0f); }
#define FL_LOG1PF_SHORT(x, u) (((x) > -1.0f) & ((x) <= 0x1.fffffep127f))
FL_AI float fl_log1pf_fast(const float x)
{
    const float u = 1.0f + x;
    const float d = FL_ABS(x) <= 1.0f ? (1.0f - u) + x : (x - u) + 1.0f;
    /* x's sign on the result: -0 for -0 (every other result has it) */
    return fl_from_bits32(fl_bits32(fl_log_core32(fl_bits32(u), -0.0f, d / u))
                          | (fl_bits32(x) & 0x80000000u));
}
#define FL_EXPF_SHORT(x, u) (((u) & 0x7fffffffu) <= 0x42ae0000u) /* |x| <= 87: a normal result */
FL_AI float fl_expf_fast(const float x)
{
    const float shift = 0x1.8p23f;
    const float kd0 = x * 0x1.715476p0f + shift;
    const float kd = kd0 - shift;
    float r = x - kd * 0x1.62e4p-1f;
    r = r - kd * 0x1.7f7d1cp-20f;
    const float p = fl_expf_poly32(r);
    /* 2^k in one factor: k in [-126, 126] */
    return p * fl_from_bits32((fl_bits32(kd0) - fl_bits32(shift) + 127) << 23);
}

/* NAME(x) for a vector x of W floats (VT; VU: as many unsigned ints): the
   short path when every lane takes it (ALL of the lanes' mask), else the
   whole function */
#define FL_VF_DEFINE(VT, VU, W, ALL, NAME, SHORT, FAST, FULL)                         \
    FL_VF_API VT NAME(const VT x)                                                     \
    {                                                                                 \
        const VU u = (VU)x;                                                           \
        VT y;                                                                         \
        if (__builtin_expect(ALL((VT)(SHORT(x, u))), 1))                              \
            for (int j = 0; j < W; j++) y[j] = FAST(x[j]);                            \
        else                                                                          \
            for (int j = 0; j < W; j++) y[j] = FULL(x[j]);                            \
        return y;                                                                     \
    }
#define FL_VF_ALL_OF(VT, VU, W, ALL)                                                  \
    FL_VF_DEFINE(VT, VU, W, ALL, FL_CAT(FL_VF_PREFIX, expf), FL_EXPF_SHORT,           \
                 fl_expf_fast, fl_expf32)                                             \
    FL_VF_DEFINE(VT, VU, W, ALL, FL_CAT(FL_VF_PREFIX, logf), FL_LOGF_SHORT,           \
                 fl_logf_fast, fl_logf32)                                             \
    FL_VF_DEFINE(VT, VU, W, ALL, FL_CAT(FL_VF_PREFIX, log1pf), FL_LOG1PF_SHORT,       \
                 fl_log1pf_fast, fl_log1pf32)

#if FL_LEVEL == 3
typedef float fl_vf8 __attribute__((vector_size(32)));
typedef uint32_t fl_vu8 __attribute__((vector_size(32)));
#define FL_VF_PREFIX _ZGVdN8v_
#define FL_VF_ALL8(m) (_mm256_movemask_ps((__m256)(m)) == 0xff)
FL_VF_ALL_OF(fl_vf8, fl_vu8, 8, FL_VF_ALL8)
#else
typedef float fl_vf4 __attribute__((vector_size(16)));
typedef uint32_t fl_vu4 __attribute__((vector_size(16)));
#define FL_VF_PREFIX _ZGVbN4v_
#define FL_VF_ALL4(m) (_mm_movemask_ps((__m128)(m)) == 0xf)
FL_VF_ALL_OF(fl_vf4, fl_vu4, 4, FL_VF_ALL4)
#endif

#else
typedef int fl_vmathf_empty; /* (an empty unit at the AVX-512 level) */
#endif

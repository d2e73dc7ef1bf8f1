/*
 * fastloss — the AVX-512 vector exp, log, expf, logf, expm1f and log1pf of
 * fl_vmath_v4.h under the x86-64 vector function ABI's names of their
 * AVX-512 variants (_ZGVeN8v_exp, _ZGVeN8v_log, _ZGVeN16v_expf,
 * _ZGVeN16v_logf, _ZGVeN16v_expm1f, _ZGVeN16v_log1pf).
 *
 * The kernels' vectorized loops call the C library's vector variants of
 * these functions (fl_math.h declares them).  Defined here inside the
 * extension (hidden: the module's own calls bind to them, nothing else sees
 * them), the AVX-512 level's kernels run this code where they would run
 * glibc's libmvec.  This unit is compiled at every level and is empty below
 * AVX-512.
 */
#include "fl_math.h"
#if defined(FL_OWN_VMATH_V4)
#include "fl_vmath_v4.h"

#define FL_V4_API __attribute__((visibility("hidden")))
FL_V4_API __m512d _ZGVeN8v_exp(__m512d x) { return fl_v4_exp(x); }
FL_V4_API __m512d _ZGVeN8v_log(__m512d x) { return fl_v4_log(x); }
FL_V4_API __m512 _ZGVeN16v_expf(__m512 x) { return fl_v4_expf(x); }
FL_V4_API __m512 _ZGVeN16v_logf(__m512 x) { return fl_v4_logf(x); }
FL_V4_API __m512 _ZGVeN16v_expm1f(__m512 x) { return fl_v4_expm1f(x); }
FL_V4_API __m512 _ZGVeN16v_log1pf(__m512 x) { return fl_v4_log1pf(x); }
#else
typedef int fl_vmath_v4_empty; /* (an empty unit below AVX-512) */
#endif

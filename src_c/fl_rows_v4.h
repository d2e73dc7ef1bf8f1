/*
 * fastloss — the row losses' loops written with AVX-512 intrinsics, for the
 * AVX-512 level's row kernels (fl_rows_kernels.c includes this file at that
 * level only): the exp and log of fl_vmath_v4.h inlined into them, one
 * vector of rows at a time.  Each computes what the portable loop it stands
 * for (named at each function) computes, with the same operations in the
 * same order, so that their results are bitwise the same.
 */
#ifndef FL_ROWS_V4_H
#define FL_ROWS_V4_H
#include "fl_vmath_v4.h"

/* The class-major softmax's row pass (fl_smx_rows, fl_row_losses.h) over
   RP rows (a multiple of 8 for float64, 16 for float32) of zt (zt[j * RP + r]):
   each row's max mx[r] (4 partial maxima, j mod 4, combined as fl_rowmax;
   max(c, m) is c > m ? c : m, NaN skipped), et = exp(zt - mx), the row's sum
   of et in float64 (4 partial sums, j mod 4, combined (s0 + s1) + (s2 + s3))
   rounded to the dtype in sm[r], and si[r] = 1 / sm[r].  Meanwhile the lines
   of the next chunk of rows (next: where this chunk's rows end, in the input
   when the chunk is the input itself; a wasted prefetch otherwise) come into
   the cache, each group of rows prefetching as many lines as it has here
   (the hardware prefetchers, driven by the loads, would leave the memory
   idle while this chunk computes; a prefetch never faults, wherever the
   address lies). */
FL_AI void fl_smx_rows_v4_f64(const double *restrict zt, fl_intp k, fl_intp RP,
                              double *restrict et, double *restrict mx, double *restrict sm,
                              double *restrict si, const char *next)
{
    for (fl_intp r0 = 0; r0 < RP; r0 += 8) {
        for (fl_intp c = 0; c < 8 * k * 8; c += 64)
            __builtin_prefetch((const void *)((uintptr_t)next + (uintptr_t)(r0 * k * 8 + c)), 0, 3);
        const double *c = zt + r0;
        __m512d m0 = _mm512_set1_pd(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
        fl_intp j = 0;
        for (; j + 4 <= k; j += 4) {
            m0 = _mm512_max_pd(_mm512_loadu_pd(c + j * RP), m0);
            m1 = _mm512_max_pd(_mm512_loadu_pd(c + (j + 1) * RP), m1);
            m2 = _mm512_max_pd(_mm512_loadu_pd(c + (j + 2) * RP), m2);
            m3 = _mm512_max_pd(_mm512_loadu_pd(c + (j + 3) * RP), m3);
        }
        for (; j < k; j++) m0 = _mm512_max_pd(_mm512_loadu_pd(c + j * RP), m0);
        const __m512d m = _mm512_max_pd(_mm512_max_pd(m3, m2), _mm512_max_pd(m1, m0));
        __m512d s0 = _mm512_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
#define FL_E(jj) fl_v4_exp(_mm512_sub_pd(_mm512_loadu_pd(c + (jj) * RP), m))
        for (j = 0; j + 4 <= k; j += 4) {
            const __m512d e0 = FL_E(j), e1 = FL_E(j + 1), e2 = FL_E(j + 2), e3 = FL_E(j + 3);
            _mm512_storeu_pd(et + j * RP + r0, e0);
            _mm512_storeu_pd(et + (j + 1) * RP + r0, e1);
            _mm512_storeu_pd(et + (j + 2) * RP + r0, e2);
            _mm512_storeu_pd(et + (j + 3) * RP + r0, e3);
            s0 = _mm512_add_pd(s0, e0);
            s1 = _mm512_add_pd(s1, e1);
            s2 = _mm512_add_pd(s2, e2);
            s3 = _mm512_add_pd(s3, e3);
        }
        for (; j < k; j++) {
            const __m512d e = FL_E(j);
            _mm512_storeu_pd(et + j * RP + r0, e);
            s0 = _mm512_add_pd(s0, e);
        }
#undef FL_E
        const __m512d sum = _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3));
        _mm512_storeu_pd(mx + r0, m);
        _mm512_storeu_pd(sm + r0, sum);
        _mm512_storeu_pd(si + r0, _mm512_div_pd(_mm512_set1_pd(1.0), sum));
    }
}

FL_AI void fl_smx_rows_v4_f32(const float *restrict zt, fl_intp k, fl_intp RP,
                              float *restrict et, float *restrict mx, float *restrict sm,
                              float *restrict si, const char *next)
{
    for (fl_intp r0 = 0; r0 < RP; r0 += 16) {
        for (fl_intp c = 0; c < 16 * k * 4; c += 64)
            __builtin_prefetch((const void *)((uintptr_t)next + (uintptr_t)(r0 * k * 4 + c)), 0, 3);
        const float *c = zt + r0;
        __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
        fl_intp j = 0;
        for (; j + 4 <= k; j += 4) {
            m0 = _mm512_max_ps(_mm512_loadu_ps(c + j * RP), m0);
            m1 = _mm512_max_ps(_mm512_loadu_ps(c + (j + 1) * RP), m1);
            m2 = _mm512_max_ps(_mm512_loadu_ps(c + (j + 2) * RP), m2);
            m3 = _mm512_max_ps(_mm512_loadu_ps(c + (j + 3) * RP), m3);
        }
        for (; j < k; j++) m0 = _mm512_max_ps(_mm512_loadu_ps(c + j * RP), m0);
        const __m512 m = _mm512_max_ps(_mm512_max_ps(m3, m2), _mm512_max_ps(m1, m0));
        /* the float64 partial sums of the low and the high 8 rows */
        __m512d l0 = _mm512_setzero_pd(), l1 = l0, l2 = l0, l3 = l0;
        __m512d h0 = l0, h1 = l0, h2 = l0, h3 = l0;
#define FL_E(jj) fl_v4_expf(_mm512_sub_ps(_mm512_loadu_ps(c + (jj) * RP), m))
#define FL_ADD(l, h, e)                                                                   \
    (l = _mm512_add_pd(l, _mm512_cvtps_pd(_mm512_castps512_ps256(e))),                    \
     h = _mm512_add_pd(h, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1))))
        for (j = 0; j + 4 <= k; j += 4) {
            const __m512 e0 = FL_E(j), e1 = FL_E(j + 1), e2 = FL_E(j + 2), e3 = FL_E(j + 3);
            _mm512_storeu_ps(et + j * RP + r0, e0);
            _mm512_storeu_ps(et + (j + 1) * RP + r0, e1);
            _mm512_storeu_ps(et + (j + 2) * RP + r0, e2);
            _mm512_storeu_ps(et + (j + 3) * RP + r0, e3);
            FL_ADD(l0, h0, e0);
            FL_ADD(l1, h1, e1);
            FL_ADD(l2, h2, e2);
            FL_ADD(l3, h3, e3);
        }
        for (; j < k; j++) {
            const __m512 e = FL_E(j);
            _mm512_storeu_ps(et + j * RP + r0, e);
            FL_ADD(l0, h0, e);
        }
#undef FL_E
#undef FL_ADD
        const __m256 lo = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_add_pd(l0, l1), _mm512_add_pd(l2, l3)));
        const __m256 hi = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_add_pd(h0, h1), _mm512_add_pd(h2, h3)));
        const __m512 sum = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
        _mm512_storeu_ps(mx + r0, m);
        _mm512_storeu_ps(sm + r0, sum);
        _mm512_storeu_ps(si + r0, _mm512_div_ps(_mm512_set1_ps(1.0f), sum));
    }
}

#define FLV_T double
#define FLV_V __m512d
#define FLV_M __mmask8
#define FLV_W 8
#define FLV(op) _mm512_##op##_pd
#define FLV_CMP(a, b, imm) _mm512_cmp_pd_mask(a, b, imm)
#define FLV_LOG fl_v4_log
#define FLV_N(name) name##_f64
#include "fl_rows_v4_t.h"
#undef FLV_T
#undef FLV_V
#undef FLV_M
#undef FLV_W
#undef FLV
#undef FLV_CMP
#undef FLV_LOG
#undef FLV_N
#define FLV_T float
#define FLV_V __m512
#define FLV_M __mmask16
#define FLV_W 16
#define FLV(op) _mm512_##op##_ps
#define FLV_CMP(a, b, imm) _mm512_cmp_ps_mask(a, b, imm)
#define FLV_LOG fl_v4_logf
#define FLV_N(name) name##_f32
#include "fl_rows_v4_t.h"
#undef FLV_T
#undef FLV_V
#undef FLV_M
#undef FLV_W
#undef FLV
#undef FLV_CMP
#undef FLV_LOG
#undef FLV_N
#endif

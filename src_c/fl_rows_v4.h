/*
 * fastloss — the row losses' loops written with AVX-512 intrinsics, for the
 * AVX-512 level's row kernels (fl_rows_kernels.c includes this file at that
 * level only): the exp and log of fl_vmath_v4.h inlined into them, one
 * vector of rows at a time.  Each computes what the portable loop it stands
 * for (named at each function) computes, with the same operations in the
 * same order, so that their results are bitwise the same -- but for the KL
 * divergence's terms, which take one log where the portable loop takes two
 * (fl_kl_terms_v4: more accurate, so not the same bits).
 */
#ifndef FL_ROWS_V4_H
#define FL_ROWS_V4_H
#include "fl_vmath_v4.h"

/* the labels of 16 rows (lab[i] for i < n, 0 past n) as int32 lanes (labels
   here are below 16): float32's FLV_LABELS, whose FLV_LABEQ(lv, j) are the
   lanes whose label is j */
FL_AI __m512i fl_v4_labels16(const fl_intp *lab, fl_intp n)
{
    const __mmask8 lo = n >= 8 ? (__mmask8)~0 : (__mmask8)((1u << (n > 0 ? n : 0)) - 1);
    const __mmask8 hi = n >= 16 ? (__mmask8)~0 : n <= 8 ? 0 : (__mmask8)((1u << (n - 8)) - 1);
    const __m256i a = _mm512_cvtepi64_epi32(_mm512_maskz_loadu_epi64(lo, lab));
    const __m256i b = _mm512_cvtepi64_epi32(_mm512_maskz_loadu_epi64(hi, lab + 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

#define FLV_T double
#define FLV_V __m512d
#define FLV_M __mmask8
#define FLV_W 8
#define FLV(op) _mm512_##op##_pd
#define FLV_CMP(a, b, imm) _mm512_cmp_pd_mask(a, b, imm)
#define FLV_LOG fl_v4_log
#define FLV_EXP fl_v4_exp
#define FLV_LOG_D(x, d) fl_log8_core(x, d, 1)
#define FLV_ROUND64(l, h) (l)
#define FLV_PICK 0 /* (its caller picks the labels' logits, a row at a time) */
#define FLV_N(name) name##_f64
#include "fl_rows_v4_t.h"
#define FLV_T float
#define FLV_V __m512
#define FLV_M __mmask16
#define FLV_W 16
#define FLV(op) _mm512_##op##_ps
#define FLV_CMP(a, b, imm) _mm512_cmp_ps_mask(a, b, imm)
#define FLV_LOG fl_v4_logf
#define FLV_EXP fl_v4_expf
#define FLV_LOG_D(x, d) fl_logf16_core(x, d, 1)
#define FLV_ACC64(l, h, p)                                                                 \
    (l = _mm512_add_pd(l, _mm512_cvtps_pd(_mm256_loadu_ps(p))),                            \
     h = _mm512_add_pd(h, _mm512_cvtps_pd(_mm256_loadu_ps((p) + 8))))
#define FLV_ROUND64(l, h) \
    _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(l)), _mm512_cvtpd_ps(h), 1)
#define FLV_PICK 1
#define FLV_LABELS(lab, n) fl_v4_labels16(lab, n)
#define FLV_LABEQ(lv, j) _mm512_cmpeq_epi32_mask(lv, _mm512_set1_epi32((int)(j)))
#define FLV_N(name) name##_f32
#include "fl_rows_v4_t.h"
#endif

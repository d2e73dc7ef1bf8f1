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

/* the first n of 8 lanes (none for n <= 0, all for n >= 8) */
FL_AI __mmask8 fl_v4_first8(const fl_intp n)
{
    return n >= 8 ? (__mmask8)~0 : n <= 0 ? (__mmask8)0 : (__mmask8)((1u << n) - 1);
}

/* the labels of 16 rows (lab[i] for i < n, 0 past n) as int32 lanes (labels
   here are below 16): float32's FLV_LABELS, whose FLV_LABEQ(lv, j) are the
   lanes whose label is j */
FL_AI __m512i fl_v4_labels16(const fl_intp *lab, fl_intp n)
{
    const __m512i a = _mm512_maskz_loadu_epi64(fl_v4_first8(n), lab);
    const __m512i b = _mm512_maskz_loadu_epi64(fl_v4_first8(n - 8), lab + 8);
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)),
                              _mm512_cvtepi64_epi32(b), 1);
}

/* float32: the sums of 16 rows stored class-major (c[j * RP + i] for the k
   classes j), as fl_rowsum (fl_rows_template.h: 4 float64 partial sums, j
   mod 4, combined (s0 + s1) + (s2 + s3)); rows 0-7 in *lo, 8-15 in *hi.
   Each half is converted to float64 as it loads: converting a register's
   high half would take a shuffle, on the unit the transposes keep busy. */
FL_AI void fl_v4_rowsums16(const float *c, const fl_intp k, const fl_intp RP, __m512d *lo,
                           __m512d *hi)
{
#define FL_ACC(l, h, q)                                                                      \
    (l = _mm512_add_pd(l, _mm512_cvtps_pd(_mm256_loadu_ps(q))),                              \
     h = _mm512_add_pd(h, _mm512_cvtps_pd(_mm256_loadu_ps((q) + 8))))
    __m512d l0 = _mm512_setzero_pd(), l1 = l0, l2 = l0, l3 = l0;
    __m512d h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    fl_intp j = 0;
    for (; j + 4 <= k; j += 4) {
        const float *q = c + j * RP;
        FL_ACC(l0, h0, q);
        FL_ACC(l1, h1, q + RP);
        FL_ACC(l2, h2, q + 2 * RP);
        FL_ACC(l3, h3, q + 3 * RP);
    }
    for (; j < k; j++) FL_ACC(l0, h0, c + j * RP);
#undef FL_ACC
    *lo = _mm512_add_pd(_mm512_add_pd(l0, l1), _mm512_add_pd(l2, l3));
    *hi = _mm512_add_pd(_mm512_add_pd(h0, h1), _mm512_add_pd(h2, h3));
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
#define FLV_PICK 1
#define FLV_LABELS(lab, n) fl_v4_labels16(lab, n)
#define FLV_LABEQ(lv, j) _mm512_cmpeq_epi32_mask(lv, _mm512_set1_epi32((int)(j)))
#define FLV_N(name) name##_f32
#include "fl_rows_v4_t.h"
#endif

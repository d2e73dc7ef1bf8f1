/*
 * fastloss — vector exp and log (float64, float32), expm1 and log1p
 * (float32) with AVX-512 instructions, for the AVX-512 level's kernels:
 * inline functions on whole vectors (fl_v4_exp, fl_v4_log, fl_v4_expf,
 * fl_v4_logf, fl_v4_expm1f, fl_v4_log1pf), which the kernels' hand-written
 * loops use directly and fl_vmath_v4.c exports under the vector ABI's names.
 *
 * These are the AVX-512 level's exp, log, expf, logf, expm1f and log1pf
 * wherever its kernels compute them: inlined into the loops written with
 * this level's intrinsics, and called (fl_vmath_v4.c) from the loops the
 * compiler vectorizes.  Their log and expf are faster than glibc's libmvec's,
 * and each is within 1 ulp where libmvec's logf reaches 3.9 ulp, its expf
 * 2.6 and its exp 3 (expm1f: 1.04, where libmvec's reaches 2.3).  log1p in float64 stays libmvec's
 * (faster than this method, within 2 ulp); expm1 in float64 is
 * fl_vmath.h's portable C, inlined, at every level (more accurate than this
 * method here, and as fast).  Included only by units compiled for
 * x86-64-v4.
 *
 * log x: x = 2^e m with m in [0.75, 1.5) (getexp, getmant); the top four
 * bits of m's fraction index a 16-entry table (register permutes) of c ~
 * 1/m with few significant bits and -log c in two parts; r = m c - 1 (one
 * rounding; exactly m - 1 next to 1, where c = 1), |r| < 1/16; log x =
 * e ln2 - log c + log1p(r), log1p(r) = r - r^2/2 + r^3 P(r) with P of
 * degree 8 in float64, 3 in float32 (least squares on the interval,
 * relative error below 2^-61 and 2^-33), the high parts summed first with
 * their rounding errors carried (ln2 in two parts, the first times e
 * exact).  log1pf x: u = 1 + x rounded and its rounding error d = x - (u -
 * 1), carried as d / u (1/u ~ c (1 - r) 2^-e: its error, r^2 of a term
 * below an ulp of u, is far below the result's).  Each within 1 ulp of the
 * correctly rounded result (tests/test_vecmath.py; measured at most 0.77,
 * expf 0.94, every float32 argument tried, exp 0.76 on subnormal results
 * and 0.57 elsewhere); log: 0 -> -inf, < 0 -> NaN,
 * inf -> inf, NaN -> NaN; getexp and getmant normalize subnormals.
 * scripts/vmath_tables.py derives the tables and polynomials and checks
 * them against this file.
 */
#ifndef FL_VMATH_V4_H
#define FL_VMATH_V4_H
#include <immintrin.h>

static const double fl_logc_inv[16] __attribute__((aligned(64))) = {
    0x1p+0, 0x1.d4p-1, 0x1.bbp-1, 0x1.a4p-1,
    0x1.8f8p-1, 0x1.7dp-1, 0x1.6cp-1, 0x1.5c8p-1,
    0x1.4e4p+0, 0x1.414p+0, 0x1.354p+0, 0x1.2ap+0,
    0x1.1f8p+0, 0x1.15cp+0, 0x1.0c8p+0, 0x1p+0,
};
static const double fl_logc_hi[16] __attribute__((aligned(64))) = {
    0x0p+0, 0x1.700d30aeac0e1p-4, 0x1.28753bc11aba5p-3, 0x1.95a5adcf7017fp-3,
    0x1.fc218be620a5ep-3, 0x1.2e9e2bce12286p-2, 0x1.5d5bddf595f3p-2, 0x1.89eb3af432874p-2,
    -0x1.111ce4003ee4dp-2, -0x1.d0fb7f2255e51p-3, -0x1.83040c91bcf2ep-3, -0x1.371fc201e8f74p-3,
    -0x1.db5270187d927p-4, -0x1.4e01108a35ae6p-4, -0x1.868a83083f6cfp-5, 0x0p+0,
};
static const double fl_logc_lo[16] __attribute__((aligned(64))) = {
    0x0p+0, -0x1.72566212cdd05p-61, -0x1.6394d9fa33311p-57, 0x1.142c507fb7a3dp-58,
    -0x1.6e438c258187fp-58, 0x1.8251a3b83d97ap-62, -0x1.6541148cbb8a2p-56, 0x1.6060f2227164bp-56,
    0x1.1b84b5a5b5b2ap-57, 0x1.4ac818ceca4c4p-57, 0x1.1c7233219bcc5p-57, -0x1.de6cb62af18ap-58,
    -0x1.e15ab8607d2acp-58, 0x1.81069d28db75bp-59, 0x1.d09a5634943dbp-61, 0x0p+0,
};

#define FL_V4_AI static inline __attribute__((always_inline))

/* log x + d / x for x > 0 finite (d = 0: log x; |d / x| at most a few ulps
   of 1) */
FL_V4_AI __m512d fl_log8_core(const __m512d x, const __m512d d, const int with_d)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d e = _mm512_getexp_pd(x);
    const __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    e = _mm512_mask_add_pd(e, _mm512_cmp_pd_mask(m, one, _CMP_LT_OQ), e, one);
    const __m512i idx = _mm512_srli_epi64(_mm512_castpd_si512(m), 48);
    const __m512d c = _mm512_permutex2var_pd(_mm512_load_pd(fl_logc_inv), idx,
                                             _mm512_load_pd(fl_logc_inv + 8));
    const __m512d lh = _mm512_permutex2var_pd(_mm512_load_pd(fl_logc_hi), idx,
                                              _mm512_load_pd(fl_logc_hi + 8));
    const __m512d ll = _mm512_permutex2var_pd(_mm512_load_pd(fl_logc_lo), idx,
                                              _mm512_load_pd(fl_logc_lo + 8));
    const __m512d r = _mm512_fmsub_pd(m, c, one);
    /* -1/2 + r P(r), P's coefficients c0..c8 (Estrin's scheme: a short
       dependency chain) */
    const __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
#define FL_C(v) _mm512_set1_pd(v)
    const __m512d q01 = _mm512_fmadd_pd(FL_C(-0x1.0000000000e45p-2), r, FL_C(0x1.555555555557fp-2));
    const __m512d q23 = _mm512_fmadd_pd(FL_C(-0x1.55555534d84bcp-3), r, FL_C(0x1.99999999388a6p-3));
    const __m512d q45 = _mm512_fmadd_pd(FL_C(-0x1.0000b5d939fbbp-3), r, FL_C(0x1.24924a2762aecp-3));
    const __m512d q67 = _mm512_fmadd_pd(FL_C(-0x1.97644d2220fa8p-4), r, FL_C(0x1.c72b0bb7c77c2p-4));
    const __m512d q03 = _mm512_fmadd_pd(q23, r2, q01);
    const __m512d q47 = _mm512_fmadd_pd(q67, r2, q45);
    const __m512d q48 = _mm512_fmadd_pd(FL_C(0x1.3fd9c8d87908fp-4), r4, q47);
    const __m512d pp = _mm512_fmadd_pd(q48, r4, q03);
    const __m512d p = _mm512_fmadd_pd(pp, r, FL_C(-0.5));
#undef FL_C
    /* e ln2hi is exact; hi = e ln2hi - log c and t = hi + r with their
       rounding errors (Fast2Sum: |e ln2hi| >= |log c| when e != 0, and
       |hi| >= |r| when hi != 0) */
    const __m512d eh = _mm512_mul_pd(e, _mm512_set1_pd(0x1.62e42fefa38p-1));
    const __m512d hi = _mm512_add_pd(eh, lh);
    const __m512d err1 = _mm512_add_pd(_mm512_sub_pd(eh, hi), lh);
    const __m512d t = _mm512_add_pd(hi, r);
    const __m512d err2 = _mm512_add_pd(_mm512_sub_pd(hi, t), r);
    __m512d lo = _mm512_fmadd_pd(e, _mm512_set1_pd(0x1.ef35793c7673p-45), ll);
    lo = _mm512_add_pd(lo, _mm512_add_pd(err1, err2));
    if (with_d) { /* d / x = d c 2^-e / (1 + r) ~ d c (1 - r) 2^-e */
        const __m512d dc = _mm512_mul_pd(d, c);
        lo = _mm512_add_pd(lo, _mm512_scalef_pd(_mm512_fnmadd_pd(dc, r, dc),
                                                _mm512_sub_pd(_mm512_setzero_pd(), e)));
    }
    lo = _mm512_fmadd_pd(r2, p, lo);
    return _mm512_add_pd(t, lo);
}

/* log's special arguments, by class (vfixupimm; the float32 functions use
   the same table): +-0 -> -inf, < 0 (-inf included) -> NaN, +inf and NaN ->
   themselves; 1 and the other positive finite values keep res.  Nibble i of
   the table is the token of class i: QNaN -> x, SNaN -> x quieted, 0 ->
   -inf, 1 -> res, -inf -> NaN, +inf -> +inf, negative -> NaN, positive ->
   res. */
FL_V4_AI __m512d fl_log8_special(const __m512d u, const __m512d res)
{
    return _mm512_fixupimm_pd(res, u, _mm512_set1_epi64(0x03530421), 0);
}

FL_V4_AI __m512d fl_v4_log(const __m512d x)
{
    return fl_log8_special(x, fl_log8_core(x, x, 0));
}

/* ---- float32: the same method on 16 lanes (one-register table permutes,
   P of degree 3, relative error below 2^-33) ---- */
static const float fl_logcf_inv[16] __attribute__((aligned(64))) = {
    0x1p+0f, 0x1.d4p-1f, 0x1.bbp-1f, 0x1.a4p-1f,
    0x1.8f8p-1f, 0x1.7dp-1f, 0x1.6cp-1f, 0x1.5c8p-1f,
    0x1.4e4p+0f, 0x1.414p+0f, 0x1.354p+0f, 0x1.2ap+0f,
    0x1.1f8p+0f, 0x1.15cp+0f, 0x1.0c8p+0f, 0x1p+0f,
};
static const float fl_logcf_hi[16] __attribute__((aligned(64))) = {
    0x0p+0f, 0x1.700d3p-4f, 0x1.28753cp-3f, 0x1.95a5aep-3f,
    0x1.fc218cp-3f, 0x1.2e9e2cp-2f, 0x1.5d5bdep-2f, 0x1.89eb3ap-2f,
    -0x1.111ce4p-2f, -0x1.d0fb8p-3f, -0x1.83040cp-3f, -0x1.371fc2p-3f,
    -0x1.db527p-4f, -0x1.4e011p-4f, -0x1.868a84p-5f, 0x0p+0f,
};
static const float fl_logcf_lo[16] __attribute__((aligned(64))) = {
    0x0p+0f, 0x1.5d581cp-29f, -0x1.f72a2ep-30f, -0x1.847f4p-30f,
    -0x1.9df5a2p-31f, -0x1.8f6ebcp-29f, -0x1.4d41ap-31f, 0x1.e8650ep-27f,
    -0x1.f7266ep-37f, 0x1.bb5436p-28f, -0x1.2379e6p-28f, -0x1.e8f744p-35f,
    -0x1.87d928p-32f, -0x1.146b5cp-29f, 0x1.ef8126p-30f, 0x0p+0f,
};

/* log x + d / x for x > 0 finite (d = 0: log x) */
FL_V4_AI __m512 fl_logf16_core(const __m512 x, const __m512 d, const int with_d)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 e = _mm512_getexp_ps(x);
    const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, one, _CMP_LT_OQ), e, one);
    const __m512i idx = _mm512_srli_epi32(_mm512_castps_si512(m), 19);
    const __m512 c = _mm512_permutexvar_ps(idx, _mm512_load_ps(fl_logcf_inv));
    const __m512 lh = _mm512_permutexvar_ps(idx, _mm512_load_ps(fl_logcf_hi));
    const __m512 ll = _mm512_permutexvar_ps(idx, _mm512_load_ps(fl_logcf_lo));
    const __m512 r = _mm512_fmsub_ps(m, c, one);
    const __m512 r2 = _mm512_mul_ps(r, r);
    const __m512 q01 = _mm512_fmadd_ps(_mm512_set1_ps(-0x1.00030ep-2f), r,
                                       _mm512_set1_ps(0x1.55556p-2f));
    const __m512 q23 = _mm512_fmadd_ps(_mm512_set1_ps(-0x1.3c136cp-3f), r,
                                       _mm512_set1_ps(0x1.99652ap-3f));
    const __m512 p = _mm512_fmadd_ps(_mm512_fmadd_ps(q23, r2, q01), r, _mm512_set1_ps(-0.5f));
    /* ln2hi has 16 bits: e ln2hi exact */
    const __m512 eh = _mm512_mul_ps(e, _mm512_set1_ps(0x1.62e4p-1f));
    const __m512 hi = _mm512_add_ps(eh, lh);
    const __m512 err1 = _mm512_add_ps(_mm512_sub_ps(eh, hi), lh);
    const __m512 t = _mm512_add_ps(hi, r);
    const __m512 err2 = _mm512_add_ps(_mm512_sub_ps(hi, t), r);
    __m512 lo = _mm512_fmadd_ps(e, _mm512_set1_ps(0x1.7f7d1cp-20f), ll);
    lo = _mm512_add_ps(lo, _mm512_add_ps(err1, err2));
    if (with_d) { /* d / x = d c 2^-e / (1 + r) ~ d c (1 - r) 2^-e */
        const __m512 dc = _mm512_mul_ps(d, c);
        lo = _mm512_add_ps(lo, _mm512_scalef_ps(_mm512_fnmadd_ps(dc, r, dc),
                                                _mm512_sub_ps(_mm512_setzero_ps(), e)));
    }
    lo = _mm512_fmadd_ps(r2, p, lo);
    return _mm512_add_ps(t, lo);
}

FL_V4_AI __m512 fl_v4_logf(const __m512 x)
{
    return _mm512_fixupimm_ps(fl_logf16_core(x, x, 0), x, _mm512_set1_epi32(0x03530421), 0);
}

FL_V4_AI __m512 fl_v4_log1pf(const __m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 u = _mm512_add_ps(one, x);
    /* d = x - (u - 1) exactly: Fast2Sum, the larger of 1 and x first */
    const __m512 d = _mm512_add_ps(_mm512_sub_ps(_mm512_max_ps(one, x), u), _mm512_min_ps(one, x));
    const __m512 res = _mm512_fixupimm_ps(fl_logf16_core(u, d, 1), u,
                                          _mm512_set1_epi32(0x03530421), 0);
    /* +-0 (its sign) and NaN give x itself */
    return _mm512_mask_mov_ps(res, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_UQ), x);
}

/* ---- exp in float64: x = (16 e + j) ln2/16 + r, |r| <= ln2/32 (k = 16 e
   + j rounded with a shifter constant, whose low bits are j, the table
   index; r by a two-part ln2/16 whose first part times k is exact); exp x
   = 2^e 2^(j/16) (1 + q), q = exp(r) - 1 by its Taylor polynomial to degree
   7 (truncation below 2^-60 relative) in Estrin's scheme, 2^(j/16) from a
   16-entry table in two parts (register permutes), 2^e applied by scalef
   (one rounding, subnormal results included).  Arguments clamped to
   [-745.2, 709.8] first: beyond them the result is 0 or inf anyway, and NaN
   passes. ---- */
static const double fl_exp2j_hi[16] __attribute__((aligned(64))) = {
    0x1p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f09p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0,
};
static const double fl_exp2j_lo[16] __attribute__((aligned(64))) = {
    0x0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54,
};

FL_V4_AI __m512d fl_v4_exp(const __m512d x)
{
#define FL_C(v) _mm512_set1_pd(v)
    const __m512d xc = _mm512_min_pd(FL_C(709.8), _mm512_max_pd(FL_C(-745.2), x));
    const __m512d shift = FL_C(0x1.8p52);
    const __m512d kd0 = _mm512_fmadd_pd(xc, FL_C(0x1.71547652b82fep+4), shift);
    const __m512d kd = _mm512_sub_pd(kd0, shift);
    const __m512i j = _mm512_castpd_si512(kd0); /* (permutes read its low 4 bits) */
    __m512d r = _mm512_fnmadd_pd(kd, FL_C(0x1.62e42feep-5), xc);
    r = _mm512_fnmadd_pd(kd, FL_C(0x1.a39ef35793c76p-37), r);
    const __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    const __m512d c23 = _mm512_fmadd_pd(FL_C(1.0 / 6), r, FL_C(0.5));
    const __m512d c45 = _mm512_fmadd_pd(FL_C(1.0 / 120), r, FL_C(1.0 / 24));
    const __m512d c67 = _mm512_fmadd_pd(FL_C(1.0 / 5040), r, FL_C(1.0 / 720));
    const __m512d c47 = _mm512_fmadd_pd(c67, r2, c45);
    const __m512d q = _mm512_fmadd_pd(c47, r4, _mm512_fmadd_pd(c23, r2, r));
    const __m512d th = _mm512_permutex2var_pd(_mm512_load_pd(fl_exp2j_hi), j,
                                              _mm512_load_pd(fl_exp2j_hi + 8));
    const __m512d tl = _mm512_permutex2var_pd(_mm512_load_pd(fl_exp2j_lo), j,
                                              _mm512_load_pd(fl_exp2j_lo + 8));
    const __m512d res = _mm512_add_pd(th, _mm512_fmadd_pd(th, q, tl));
    return _mm512_scalef_pd(res, _mm512_mul_pd(kd, FL_C(0.0625))); /* 2^floor(k/16) */
#undef FL_C
}

/* expm1f x: with the reduction of exp (above), on 16 lanes, 2^(j/16) in
   two floats: exp x = 2^e (Th + Tl) (1 + q); expm1 x = 2^e ((Th - 2^-e) +
   (Th q + Tl)), where Th - 2^-e is summed with its rounding error
   (Fast2Sum, the larger first: Th for e >= 0, -2^-e below), so that the
   result is rounded about once and never cancels: k = 0 where |x| < 1/16
   (q then is the result).  q by its Taylor polynomial to degree 5
   (truncation below 2^-29 relative); arguments clamped to [-20, 89]
   (beyond them the result is -1 or inf anyway; NaN passes); -0 stays -0. */
static const float fl_exp2jf_hi[16] __attribute__((aligned(64))) = {
    0x1p+0f, 0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f,
    0x1.306fep+0f, 0x1.3dea64p+0f, 0x1.4bfdaep+0f, 0x1.5ab07ep+0f,
    0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
    0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f,
};
static const float fl_exp2jf_lo[16] __attribute__((aligned(64))) = {
    0x0p+0f, 0x1.9f3122p-25f, -0x1.c15742p-27f, 0x1.ceac48p-25f,
    0x1.4636e2p-25f, 0x1.824684p-25f, -0x1.593abcp-25f, -0x1.5bd5ecp-27f,
    0x1.9fcef4p-26f, -0x1.829fdp-25f, 0x1.15506ep-27f, 0x1.51f848p-27f,
    -0x1.a94b14p-26f, -0x1.3d56b2p-27f, -0x1.822dbcp-27f, 0x1.52486cp-27f,
};

FL_V4_AI __m512 fl_v4_expm1f(const __m512 x)
{
#define FL_C(v) _mm512_set1_ps(v)
    const __m512 xc = _mm512_min_ps(FL_C(89.0f), _mm512_max_ps(FL_C(-20.0f), x));
    const __m512 k0 = _mm512_roundscale_ps(_mm512_mul_ps(xc, FL_C(0x1.715476p+4f)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 kd = _mm512_maskz_mov_ps(
        _mm512_cmp_ps_mask(_mm512_abs_ps(xc), FL_C(0.0625f), _CMP_GE_OQ), k0);
    const __m512i j = _mm512_cvtps_epi32(kd); /* (permutes read its low 4 bits) */
    __m512 r = _mm512_fnmadd_ps(kd, FL_C(0x1.62ep-5f), xc);
    r = _mm512_fnmadd_ps(kd, FL_C(0x1.0bfbe8p-19f), r);
    const __m512 r2 = _mm512_mul_ps(r, r);
    const __m512 c = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(FL_C(1.0f / 120), r, FL_C(1.0f / 24)), r,
                        FL_C(1.0f / 6)), r, FL_C(0.5f));
    const __m512 q = _mm512_fmadd_ps(c, r2, r);
    const __m512 th = _mm512_permutexvar_ps(j, _mm512_load_ps(fl_exp2jf_hi));
    const __m512 tl = _mm512_permutexvar_ps(j, _mm512_load_ps(fl_exp2jf_lo));
    const __m512 e = _mm512_roundscale_ps(_mm512_mul_ps(kd, FL_C(0.0625f)),
                                          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m512 m = _mm512_scalef_ps(FL_C(-1.0f), _mm512_sub_ps(_mm512_setzero_ps(), e));
    const __mmask16 neg = _mm512_cmp_ps_mask(e, _mm512_setzero_ps(), _CMP_LT_OQ);
    const __m512 a = _mm512_mask_blend_ps(neg, th, m), b = _mm512_mask_blend_ps(neg, m, th);
    const __m512 u = _mm512_add_ps(a, b);
    const __m512 err = _mm512_add_ps(_mm512_sub_ps(a, u), b);
    const __m512 lo = _mm512_add_ps(_mm512_fmadd_ps(th, q, tl), err);
    const __m512 res = _mm512_scalef_ps(_mm512_add_ps(u, lo), e);
    return _mm512_mask_mov_ps(res, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ), x);
#undef FL_C
}

/* expf x = 2^k exp(r): k = x log2e rounded, r = x - k ln2 (ln2 in two
   parts, the first times k exact), exp(r) by its Taylor polynomial to
   degree 7 (|r| <= ln2/2: truncation below 0.1 ulp), 2^k applied by scalef
   (one rounding, subnormal results included).  Arguments clamped to [-104,
   89] first: beyond them the result is 0 or inf anyway, and NaN passes. */
FL_V4_AI __m512 fl_v4_expf(const __m512 x)
{
    const __m512 xc = _mm512_min_ps(_mm512_set1_ps(89.0f),
                                    _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
    const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(0x1.715476p+0f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.62e4p-1f), xc);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.7f7d1cp-20f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

#endif

/*
 * fastloss — exp and expm1 in float64, and exp, expm1, log and log1p in float32,
 * written for the kernels' own loops below the AVX-512 level.
 *
 * Branch-free portable C on the bits of the argument (integer adds and
 * shifts, selects, multiply-adds), which the compiler vectorizes inside the
 * fused loops of the AVX2 and baseline levels' units (4 or 2 float64
 * lanes): a loss and its exp are one loop body, with no call.  There exp
 * is within 1 ulp of the correctly rounded result where glibc's vector exp
 * (libmvec) reaches 3 (1.2 at the baseline level, without fused
 * multiply-adds), and expm1 within 1.2 ulp where libmvec's reaches 2.1
 * (tests/test_vecmath.py: 1e7 random arguments, every special value).
 * Called on its own, outside a loss, this exp takes from less than
 * libmvec's time to 1.4 times it, depending on the AVX2 core.  Written
 * this way (a division in log, longer polynomials without table lookups)
 * the float64 log and log1p would be slower than libmvec's, which those
 * levels keep.  The float32 functions run in float32 lanes (8 or 4):
 * expm1 inlined like the float64 ones, exp, log and log1p through
 * fl_vmathf.c, which adds a short path for ordinary arguments.  The AVX-512
 * level has its own exp, log and expm1 with that level's table permutes and
 * scalef instead (fl_vmath_v4.h).
 * No fast-math: every special value (0 and -0, subnormals, +-inf, NaN, the
 * overflow and underflow thresholds) gives what the correctly rounded
 * function gives.
 *
 * float64 exp: x = k ln2 + r, |r| <= ln2/2 (k rounded with a shifter
 * constant, r by a two-part ln2 whose first part times k is exact); exp(r)
 * by its Taylor polynomial to degree 13 (truncation below 1/50 ulp), its
 * tail in Estrin's scheme; 2^k applied as two factors so that no intermediate
 * overflows and a subnormal result is rounded once.
 */
#ifndef FL_VMATH_H
#define FL_VMATH_H
#include <stdint.h>

/* the bits of a float as an integer and back (union punning: GCC turns it
   into a register move, which vectorizes) */
FL_AI uint64_t fl_bits64(double x)
{
    const union { double f; uint64_t u; } v = {.f = x};
    return v.u;
}
FL_AI double fl_from_bits64(uint64_t u)
{
    const union { uint64_t u; double f; } v = {.u = u};
    return v.f;
}

/* (e^r - 1 - r) / r^2 by its Taylor polynomial to degree 11 (1/2! + r/3! +
   ... + r^11/13!): its terms from r^2 on in Estrin's scheme (pairs of
   terms, then pairs of pairs), the first two, which set the rounding, added
   last in Horner form.  The dependency chain is six operations deep instead
   of Horner's eleven, so the core overlaps more groups of lanes (the
   softmax's row pass and expm1, whose chain is longer, gain most). */
FL_AI double fl_exp_tail64(const double r)
{
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double a23 = 0x1.1111111111111p-7 * r + 0x1.5555555555555p-5;
    const double a45 = 0x1.a01a01a01a01ap-13 * r + 0x1.6c16c16c16c17p-10;
    const double a67 = 0x1.71de3a556c734p-19 * r + 0x1.a01a01a01a01ap-16;
    const double a89 = 0x1.ae64567f544e4p-26 * r + 0x1.27e4fb7789f5cp-22;
    const double a1011 = 0x1.6124613a86d09p-33 * r + 0x1.1eed8eff8d898p-29;
    const double h = ((a45 * r2 + a23) + (a89 * r2 + a67) * r4) + a1011 * r8;
    return (h * r + 0x1.5555555555555p-3) * r + 0.5;
}

FL_AI double fl_exp64(const double x)
{
    /* beyond these the result is inf or 0 anyway (NaN passes both tests) */
    const double xc = x > 709.8 ? 709.8 : (x < -745.2 ? -745.2 : x);
    const double shift = 0x1.8p52; /* k lands in the low bits of kd0 */
    const double kd0 = xc * 0x1.71547652b82fep0 + shift;
    const uint64_t ki = fl_bits64(kd0);
    const double kd = kd0 - shift;
    double r = xc - kd * 0x1.62e42feep-1;
    r = r - kd * 0x1.a39ef35793c76p-33;
    double p = fl_exp_tail64(r);
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* 2^k = 2^k1 2^k2, k1 + k2 = k, from ks = k + 2048 in [973, 3073] */
    const uint64_t ks = ki - fl_bits64(shift) + 2048;
    const uint64_t k1 = ks >> 1, k2 = ks - k1;
    const double s1 = fl_from_bits64((k1 - 1) << 52), s2 = fl_from_bits64((k2 - 1) << 52);
    const double res = p * s1 * s2;
    return x != x ? x : res;
}

/* expm1 in float64 the same way: x = k ln2
   + r as above; t = expm1(r) = r + r^2 P(r),
   P the Taylor polynomial of (expm1(r) - r) / r^2 to degree 11 (truncation
   below 1/10 ulp); expm1 x = 2^k (1 + t) - 1 = ((2^k1 - 2^-k2) + 2^k1 r +
   2^k1 r^2 P(r)) 2^k2 with k1 + k2 = k and r in two parts: 2^k1 r's high
   part is exact, 2^k1 - 2^-k2 too wherever the -1 matters (|k| <= 52),
   their sum is carried with its rounding error, and the product by 2^k2 is
   exact (no intermediate overflows), so that the result is rounded about
   once.
   Arguments clamped to [-50, 709.8]: beyond them the result is -1 or inf
   anyway; NaN passes; -0 stays -0. */
FL_AI double fl_expm1_64(const double x)
{
    const double xc = x > 709.8 ? 709.8 : (x < -50.0 ? -50.0 : x);
    const double shift = 0x1.8p52;
    const double kd0 = xc * 0x1.71547652b82fep0 + shift;
    const uint64_t ki = fl_bits64(kd0);
    const double kd = kd0 - shift;
    /* r = rh + rl: rh exact (k ln2hi is, and it is within a factor 2 of x) */
    const double rh = xc - kd * 0x1.62e42feep-1, rl = -kd * 0x1.a39ef35793c76p-33;
    const double r = rh + rl;
    const double p = fl_exp_tail64(r);
    const double q = (r * r) * p;
    /* 2^k1, 2^k2 and 2^-k2 from ks = k + 2048 in [1975, 3073] */
    const uint64_t ks = ki - fl_bits64(shift) + 2048;
    const uint64_t k1 = ks >> 1, k2 = ks - k1;
    const double s1 = fl_from_bits64((k1 - 1) << 52), s2 = fl_from_bits64((k2 - 1) << 52);
    const double is2 = fl_from_bits64((2047 - k2) << 52);
    /* u + e = (2^k1 - 2^-k2) + 2^k1 rh exactly (Fast2Sum: the first is the
       larger, or 0 where k = 0 and u = rh) */
    const double a = s1 - is2, b = s1 * rh;
    const double u = a + b, e = (a - u) + b;
    const double res = (u + (s1 * (q + rl) + e)) * s2;
    return x == 0 ? x : res;
}
/* ---- float32, in float32 lanes (8 at the AVX2 level, 4 at the baseline)

   exp: x = k ln2 + r as in float64 (ln2 in two floats, the first with 16
   significant bits so that k times it is exact); exp(r) = 1 + r + r^2
   Q(r), Q of degree 4 (least squares on |r| <= 0.3466, relative error
   below 2^-27.9), in Horner form; 2^k as two factors.  log: x = 2^e m with
   m in [sqrt(1/2), sqrt(2)) (integer arithmetic on the bits; subnormals
   scaled by 2^23 first), r = m - 1 exact, log x = e ln2 + log1p(r) with
   log1p(r) = r - r^2/2 + r^3 P(r), P of degree 6 (relative error below
   2^-24.8), e ln2 added last (one rounding with a fused multiply-add).
   log1p: the same on u = 1 + x rounded, plus x's part lost in that
   rounding divided by u.  Over every float32 argument: exp within 0.91 ulp
   (1.17 without fused multiply-adds), log 1.17 (1.23), log1p 1.24 (1.28).
   scripts/vmath_tables.py derives and checks the polynomials;
   fl_vmathf.c puts them under libmvec's names. */
FL_AI uint32_t fl_bits32(float x)
{
    const union { float f; uint32_t u; } v = {.f = x};
    return v.u;
}
FL_AI float fl_from_bits32(uint32_t u)
{
    const union { uint32_t u; float f; } v = {.u = u};
    return v.f;
}

/* exp(r) for |r| <= ln2/2 */
FL_AI float fl_expf_poly32(const float r)
{
    float p = 0x1.687c02p-10f;
    p = p * r + 0x1.123b9ap-7f;
    p = p * r + 0x1.555b58p-5f;
    p = p * r + 0x1.55548ep-3f;
    p = p * r + 0x1.fffff8p-2f;
    p = p * r + 1.0f;
    return p * r + 1.0f;
}

FL_AI float fl_expf32(const float x)
{
    const float xc = x > 88.8f ? 88.8f : (x < -104.0f ? -104.0f : x);
    const float shift = 0x1.8p23f;
    const float kd0 = xc * 0x1.715476p0f + shift;
    const uint32_t ki = fl_bits32(kd0);
    const float kd = kd0 - shift;
    float r = xc - kd * 0x1.62e4p-1f;
    r = r - kd * 0x1.7f7d1cp-20f;
    const float p = fl_expf_poly32(r);
    /* 2^k = 2^k1 2^k2 from ks = k + 256 in [106, 384] */
    const uint32_t ks = ki - fl_bits32(shift) + 256;
    const uint32_t k1 = ks >> 1, k2 = ks - k1;
    const float res = p * fl_from_bits32((k1 - 1) << 23) * fl_from_bits32((k2 - 1) << 23);
    return x != x ? x : res;
}

/* expm1 in float32, in float32 lanes: fl_expm1_64's method in float (x = k
   ln2 + r with ln2 in two parts, the first with 16 significant bits so that
   k times it is exact; expm1 x = ((2^k1 - 2^-k2) + 2^k1 rh + 2^k1 (r^2 P(r)
   + rl)) 2^k2, k1 + k2 = k, the first two summed with their rounding
   error), P the Taylor polynomial of (expm1(r) - r) / r^2 to degree 6
   (truncation below 2^-28 relative), in Horner form.  Arguments clamped to
   [-20, 89]: beyond them the result is -1 or inf anyway; NaN passes; -0
   stays -0. */
FL_AI float fl_expm1f32(const float x)
{
    const float xc = x > 89.0f ? 89.0f : (x < -20.0f ? -20.0f : x);
    const float shift = 0x1.8p23f;
    const float kd0 = xc * 0x1.715476p0f + shift;
    const uint32_t ki = fl_bits32(kd0);
    const float kd = kd0 - shift;
    /* rh exact (k ln2hi is, and it is within a factor 2 of x) */
    const float rh = xc - kd * 0x1.62e4p-1f, rl = -kd * 0x1.7f7d1cp-20f;
    const float r = rh + rl;
    float p = 0x1.a01a02p-16f;
    p = p * r + 0x1.a01a02p-13f;
    p = p * r + 0x1.6c16c2p-10f;
    p = p * r + 0x1.111112p-7f;
    p = p * r + 0x1.555556p-5f;
    p = p * r + 0x1.555556p-3f;
    p = p * r + 0.5f;
    const float q = (r * r) * p;
    /* 2^k1, 2^k2 and 2^-k2 from ks = k + 256 in [227, 384] */
    const uint32_t ks = ki - fl_bits32(shift) + 256;
    const uint32_t k1 = ks >> 1, k2 = ks - k1;
    const float s1 = fl_from_bits32((k1 - 1) << 23), s2 = fl_from_bits32((k2 - 1) << 23);
    const float is2 = fl_from_bits32((255 - k2) << 23);
    /* Fast2Sum: the first is the larger, or 0 where k = 0 and u = rh */
    const float a = s1 - is2, b = s1 * rh;
    const float u = a + b, e = (a - u) + b;
    const float res = (u + (s1 * (q + rl) + e)) * s2;
    return x == 0 ? x : res;
}

/* e ln2 + log1p(m - 1) + d for the float with bits ux = the bits of 2^e m
   (ux of a positive normal float; d small next to the result) */
FL_AI float fl_log_core32(const uint32_t ux, const float ebias, const float d)
{
    const int32_t e = (int32_t)(ux - 0x3f3504f3u) >> 23; /* m >= sqrt(1/2) */
    const float r = fl_from_bits32(ux - ((uint32_t)e << 23)) - 1.0f;
    const float ef = (float)e + ebias;
    float p = 0x1.5c71ep-4f;
    p = p * r + -0x1.22c3a4p-3f;
    p = p * r + 0x1.32323p-3f;
    p = p * r + -0x1.53b8ap-3f;
    p = p * r + 0x1.98cb04p-3f;
    p = p * r + -0x1.00028ap-2f;
    p = p * r + 0x1.555702p-2f;
    const float q = r + ((r * r) * (r * p - 0.5f) + d);
    return ef * 0x1.62e43p-1f + q;
}

FL_AI float fl_logf32(const float x)
{
    const int sub = x < 0x1p-126f;
    const float res = fl_log_core32(fl_bits32(sub ? x * 0x1p23f : x), sub ? -23.0f : -0.0f, -0.0f);
    const float special = x == 0 ? -__builtin_inff() : (x < 0 ? __builtin_nanf("") : x);
    return (x > 0) & (x < __builtin_inff()) ? res : special;
}

FL_AI float fl_log1pf32(const float x)
{
    const float u = 1.0f + x;
    /* x - (u - 1) exactly (Fast2Sum, the larger of 1 and x first) */
    const float d = FL_ABS(x) <= 1.0f ? (1.0f - u) + x : (x - u) + 1.0f;
    const float res = fl_log_core32(fl_bits32(u), -0.0f, d / u);
    const float special = x == -1.0f ? -__builtin_inff() : (x < -1.0f ? __builtin_nanf("") : x);
    return (x > -1.0f) & (x < __builtin_inff()) & (x != 0) ? res : special;
}
#endif

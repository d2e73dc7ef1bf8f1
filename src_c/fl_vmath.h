/*
 * fastloss — exp, log, log1p and expm1 written for the kernels' own loops,
 * in float64 and float32.
 *
 * Branch-free portable C on the bits of the argument (integer adds and
 * shifts, selects, multiply-adds, one division in the logs), which the
 * compiler vectorizes inside the fused loops of each instruction-set level's
 * unit (AVX-512: 8 float64 or 16 float32 lanes; AVX2 + FMA: 4 or 8; the
 * baseline's SSE2: 2 or 4): a loss and its transcendentals are one loop
 * body, with no calls.  No fast-math: every special value (0 and -0,
 * subnormals, +-inf, NaN, the overflow and underflow thresholds) gives what
 * the correctly rounded function gives, and the accuracy is tested
 * (tests/test_vecmath.py, 1e7 random arguments per function and dtype, at
 * every level): with FMA (AVX2, AVX-512) exp, log and log1p within 1 ulp of
 * the correctly rounded result and expm1 within 1.5; without (the
 * baseline), exp within 1.25, log and log1p within 1, expm1 within 2.
 *
 * exp: x = k ln2 + r, |r| <= ln2/2 (k rounded with a shifter constant, r by
 * a two-part ln2 whose first part times k is exact); exp(r) by its Taylor
 * polynomial (degree 13 in float64, 7 in float32: truncation below 1/50 ulp)
 * in Horner form; 2^k applied as two factors so that no intermediate
 * overflows and a subnormal result is rounded once.
 * log: x = 2^k m, m in [sqrt(1/2), sqrt(2)) (subnormals scaled by 2^54 or
 * 2^23 first); f = m - 1 exact; log(1 + f) = 2 atanh(s), s = f / (2 + f),
 * as f - (f^2/2 - s (f^2/2 + R(s^2))) with the classic minimax R (degree 7 in
 * float64, 4 in float32) and k ln2 added as a two-part constant.
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
    double p = 0x1.6124613a86d09p-33; /* 1/13! ... 1/2!, 1, 1 */
    p = p * r + 0x1.1eed8eff8d898p-29;
    p = p * r + 0x1.ae64567f544e4p-26;
    p = p * r + 0x1.27e4fb7789f5cp-22;
    p = p * r + 0x1.71de3a556c734p-19;
    p = p * r + 0x1.a01a01a01a01ap-16;
    p = p * r + 0x1.a01a01a01a01ap-13;
    p = p * r + 0x1.6c16c16c16c17p-10;
    p = p * r + 0x1.1111111111111p-7;
    p = p * r + 0x1.5555555555555p-5;
    p = p * r + 0x1.5555555555555p-3;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* 2^k = 2^k1 2^k2, k1 + k2 = k, from ks = k + 2048 in [973, 3073] */
    const uint64_t ks = ki - fl_bits64(shift) + 2048;
    const uint64_t k1 = ks >> 1, k2 = ks - k1;
    const double s1 = fl_from_bits64((k1 - 1) << 52), s2 = fl_from_bits64((k2 - 1) << 52);
    const double res = p * s1 * s2;
    return x != x ? x : res;
}

FL_AI double fl_log64(const double x)
{
    /* (subnormals scaled; also 0 and negatives: their result is set below) */
    const uint64_t ix = fl_bits64(x < 0x1p-1022 ? x * 0x1p54 : x);
    const uint64_t tmp = ix - 0x3fe6a09e667f3bcdULL; /* the bits of sqrt(1/2) */
    const double m = fl_from_bits64(ix - (tmp & 0xfffULL << 52));
    /* k = the exponent field of tmp as a signed 12-bit number, without a
       64-bit arithmetic shift or integer conversion (AVX2 has neither) */
    const double u = fl_from_bits64(0x4330000000000000ULL | (tmp >> 52)) - 0x1p52;
    const double kd = (u >= 2048 ? u - 4096 : u) - (x < 0x1p-1022 ? 54.0 : 0.0);
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double t1 = w * (0x1.999999997fa04p-2 + w * (0x1.c71c51d8e78afp-3 + w * 0x1.39a09d078c69fp-3));
    const double t2 = z * (0x1.5555555555593p-1
                           + w * (0x1.2492494229359p-2 + w * (0x1.7466496cb03dep-3
                                                              + w * 0x1.2f112df3e5244p-3)));
    const double hfsq = 0.5 * f * f;
    double r = kd * 0x1.62e42feep-1
               - ((hfsq - (s * (hfsq + (t1 + t2)) + kd * 0x1.a39ef35793c76p-33)) - f);
    r = x == INFINITY ? x : r;
    r = x == 0 ? -INFINITY : r;
    r = x < 0 ? NAN : r;
    return x != x ? x : r;
}

FL_AI float fl_exp32(const float x)
{
    const float xc = x > 89.0f ? 89.0f : (x < -104.0f ? -104.0f : x);
    const float shift = 0x1.8p23f;
    const float kd0 = xc * 0x1.715476p0f + shift;
    const uint32_t ki = fl_bits32(kd0);
    const float kd = kd0 - shift;
    float r = xc - kd * 0x1.62e4p-1f;
    r = r - kd * 0x1.7f7d1cp-20f;
    float p = 0x1.a01a02p-13f; /* 1/7! ... 1/2!, 1, 1 */
    p = p * r + 0x1.6c16c2p-10f;
    p = p * r + 0x1.111112p-7f;
    p = p * r + 0x1.555556p-5f;
    p = p * r + 0x1.555556p-3f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    /* 2^k = 2^k1 2^k2 from ks = k + 256 in [106, 385] */
    const uint32_t ks = ki - fl_bits32(shift) + 256;
    const uint32_t k1 = ks >> 1, k2 = ks - k1;
    const float s1 = fl_from_bits32((k1 - 1) << 23), s2 = fl_from_bits32((k2 - 1) << 23);
    const float res = p * s1 * s2;
    return x != x ? x : res;
}

FL_AI float fl_log32(const float x)
{
    const uint32_t ix = fl_bits32(x < 0x1p-126f ? x * 0x1p23f : x);
    const uint32_t tmp = ix - 0x3f3504f3u; /* the bits of sqrt(1/2) */
    const float m = fl_from_bits32(ix - (tmp & 0xff800000u));
    const float kd = (float)((int32_t)tmp >> 23) - (x < 0x1p-126f ? 23.0f : 0.0f);
    const float f = m - 1.0f;
    const float s = f / (2.0f + f);
    const float z = s * s, w = z * z;
    const float t1 = w * (0xccce13.0p-25f + w * 0xf89e26.0p-26f);
    const float t2 = z * (0xaaaaaa.0p-24f + w * 0x91e9ee.0p-25f);
    const float hfsq = 0.5f * f * f;
    float r = kd * 0x1.62e3p-1f - ((hfsq - (s * (hfsq + (t1 + t2)) + kd * 0x1.2fefa2p-17f)) - f);
    r = x == INFINITY ? x : r;
    r = x == 0 ? -INFINITY : r;
    r = x < 0 ? NAN : r;
    return x != x ? x : r;
}

/* log1p: u = 1 + x rounded and its error c = (1 + x) - u (exact: for
   x < 1 as x - (u - 1), beyond as 1 - (u - x); dropped past 2^53, where u = x
   to the last bit); log1p(x) = log(u) + c / u, log(u) as in fl_log64 and
   c / u = c 2^-k (1 - s) / (1 + s) with the last division replaced by its
   series to s^4 (a relative error below 2e-4 in a term of at most half an
   ulp: and near 0, where the term is all of the result, s is tiny). */
FL_AI double fl_log1p64(const double x)
{
    const double u = 1.0 + x;
    const double c = x < 1.0 ? x - (u - 1.0) : 1.0 - (u - x);
    const uint64_t iu = fl_bits64(u);
    const uint64_t tmp = iu - 0x3fe6a09e667f3bcdULL;
    const double m = fl_from_bits64(iu - (tmp & 0xfffULL << 52));
    const uint64_t e = tmp >> 52; /* k mod 4096 */
    const double ue = fl_from_bits64(0x4330000000000000ULL | e) - 0x1p52;
    const double kd = ue >= 2048 ? ue - 4096 : ue;
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double inv = fl_from_bits64(((1023 - e) & 0xfff) << 52) /* 2^-k */
                       * ((1.0 - s) * (1.0 + s * (-1.0 + s * (1.0 + s * (-1.0 + s)))));
    const double cu = x < 0x1p53 ? c * inv : 0.0;
    const double z = s * s, w = z * z;
    const double t1 = w * (0x1.999999997fa04p-2 + w * (0x1.c71c51d8e78afp-3 + w * 0x1.39a09d078c69fp-3));
    const double t2 = z * (0x1.5555555555593p-1
                           + w * (0x1.2492494229359p-2 + w * (0x1.7466496cb03dep-3
                                                              + w * 0x1.2f112df3e5244p-3)));
    const double hfsq = 0.5 * f * f;
    double r = kd * 0x1.62e42feep-1
               - ((hfsq - (s * (hfsq + (t1 + t2)) + (kd * 0x1.a39ef35793c76p-33 + cu))) - f);
    r = x == INFINITY ? x : r;
    r = x == -1.0 ? -INFINITY : r;
    r = x < -1.0 ? NAN : r;
    r = x == 0 ? x : r; /* (keeps -0) */
    return x != x ? x : r;
}

/* expm1: for |x| < 1, k = 0 and r = x; beyond, x = k ln2 + r as in
   fl_exp64.  q = expm1(r) = r + r^2 P(r) (Taylor to degree 18: |r| <= 1);
   then 2^k q + (2^k - 1), one rounding (2^k - 1 exact up to k = 52, and
   its rounding below a quarter ulp of the result up to k = 60), and
   (1 + q) 2^k beyond, where the - 1 is far below the last bit.  (With k = 0 near 0 the result is q itself; with
   |k| >= 1 only for |x| >= 1 the error of q is never doubled into a result
   of its own size.)  Below -40 the result is -1 to the last bit. */
FL_AI double fl_expm1_64(const double x)
{
    const double xc = x > 709.8 ? 709.8 : (x < -40.0 ? -40.0 : x);
    const double shift = 0x1.8p52;
    const double kd0 = FL_ABS(xc) < 1.0 ? shift : xc * 0x1.71547652b82fep0 + shift;
    const uint64_t ki = fl_bits64(kd0);
    const double kd = kd0 - shift;
    double r = xc - kd * 0x1.62e42feep-1;
    r = r - kd * 0x1.a39ef35793c76p-33;
    double p = 0x1.6827863b97d97p-53; /* 1/18! ... 1/2! */
    p = p * r + 0x1.952c77030ad4ap-49;
    p = p * r + 0x1.ae7f3e733b81fp-45;
    p = p * r + 0x1.ae7f3e733b81fp-41;
    p = p * r + 0x1.93974a8c07c9dp-37;
    p = p * r + 0x1.6124613a86d09p-33;
    p = p * r + 0x1.1eed8eff8d898p-29;
    p = p * r + 0x1.ae64567f544e4p-26;
    p = p * r + 0x1.27e4fb7789f5cp-22;
    p = p * r + 0x1.71de3a556c734p-19;
    p = p * r + 0x1.a01a01a01a01ap-16;
    p = p * r + 0x1.a01a01a01a01ap-13;
    p = p * r + 0x1.6c16c16c16c17p-10;
    p = p * r + 0x1.1111111111111p-7;
    p = p * r + 0x1.5555555555555p-5;
    p = p * r + 0x1.5555555555555p-3;
    p = p * r + 0.5;
    const double q = r + (r * r) * p;
    const uint64_t ks = ki - fl_bits64(shift) + 2048; /* k + 2048 in [1990, 3072] */
    const double t = fl_from_bits64((ks - 1025) << 52); /* 2^k (inf for k = 1024: unused) */
    const uint64_t k1 = ks >> 1, k2 = ks - k1;
    const double big = (q + 1.0) * fl_from_bits64((k1 - 1) << 52) * fl_from_bits64((k2 - 1) << 52);
    double res = kd > 60 ? big : t * q + (t - 1.0);
    res = x == 0 ? x : res;
    return x != x ? x : res;
}

/* float32: the same algorithms in float lanes */
FL_AI float fl_log1p32(const float x)
{
    const float u = 1.0f + x;
    const float c = x < 1.0f ? x - (u - 1.0f) : 1.0f - (u - x);
    const uint32_t iu = fl_bits32(u);
    const uint32_t tmp = iu - 0x3f3504f3u;
    const float m = fl_from_bits32(iu - (tmp & 0xff800000u));
    const int32_t k = (int32_t)tmp >> 23;
    const float kd = (float)k;
    const float f = m - 1.0f;
    const float s = f / (2.0f + f);
    const float inv = fl_from_bits32((uint32_t)((127 - k) & 0xff) << 23)
                      * ((1.0f - s) * (1.0f + s * (-1.0f + s * (1.0f + s * (-1.0f + s)))));
    const float cu = x < 0x1p24f ? c * inv : 0.0f;
    const float z = s * s, w = z * z;
    const float t1 = w * (0xccce13.0p-25f + w * 0xf89e26.0p-26f);
    const float t2 = z * (0xaaaaaa.0p-24f + w * 0x91e9ee.0p-25f);
    const float hfsq = 0.5f * f * f;
    float r = kd * 0x1.62e3p-1f - ((hfsq - (s * (hfsq + (t1 + t2)) + (kd * 0x1.2fefa2p-17f + cu))) - f);
    r = x == INFINITY ? x : r;
    r = x == -1.0f ? -INFINITY : r;
    r = x < -1.0f ? NAN : r;
    r = x == 0 ? x : r;
    return x != x ? x : r;
}

FL_AI float fl_expm1_32(const float x)
{
    const float xc = x > 89.0f ? 89.0f : (x < -20.0f ? -20.0f : x);
    const float shift = 0x1.8p23f;
    const float kd0 = FL_ABS(xc) < 1.0f ? shift : xc * 0x1.715476p0f + shift;
    const uint32_t ki = fl_bits32(kd0);
    const float kd = kd0 - shift;
    float r = xc - kd * 0x1.62e4p-1f;
    r = r - kd * 0x1.7f7d1cp-20f;
    float p = 0x1.1eed8ep-29f; /* 1/12! ... 1/2! */
    p = p * r + 0x1.ae6456p-26f;
    p = p * r + 0x1.27e4fcp-22f;
    p = p * r + 0x1.71de3ap-19f;
    p = p * r + 0x1.a01a02p-16f;
    p = p * r + 0x1.a01a02p-13f;
    p = p * r + 0x1.6c16c2p-10f;
    p = p * r + 0x1.111112p-7f;
    p = p * r + 0x1.555556p-5f;
    p = p * r + 0x1.555556p-3f;
    p = p * r + 0.5f;
    const float q = r + (r * r) * p;
    const uint32_t ks = ki - fl_bits32(shift) + 256; /* k + 256 in [227, 384] */
    const float t = fl_from_bits32((ks - 129) << 23);
    const uint32_t k1 = ks >> 1, k2 = ks - k1;
    const float big = (q + 1.0f) * fl_from_bits32((k1 - 1) << 23) * fl_from_bits32((k2 - 1) << 23);
    float res = kd > 30 ? big : t * q + (t - 1.0f);
    res = x == 0 ? x : res;
    return x != x ? x : res;
}
#endif

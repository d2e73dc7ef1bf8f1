/*
 * fastloss — exp and expm1 in float64 written for the kernels' own loops,
 * below the AVX-512 level.
 *
 * Branch-free portable C on the bits of the argument (integer adds and
 * shifts, selects, multiply-adds), which the compiler vectorizes inside the
 * fused loops of the AVX2 and baseline levels' units (4 or 2 lanes): a loss
 * and its exp are one loop body, with no call.  There exp is faster than
 * glibc's vector exp (libmvec) at the AVX2 level and within 1 ulp of the
 * correctly rounded result where libmvec's reaches 3 (1.2 at the baseline
 * level, without fused multiply-adds), and expm1 within 1.2 ulp where
 * libmvec's reaches 2.1 (tests/test_vecmath.py: 1e7 random arguments,
 * every special value).  Written this way (a division in log, longer
 * polynomials without table lookups) log would be slower than libmvec's,
 * which those levels keep.  The AVX-512 level has its own exp, log and
 * expm1 with that level's table permutes and scalef instead
 * (fl_vmath_v4.c).
 * No fast-math: every special value (0 and -0, subnormals, +-inf, NaN, the
 * overflow and underflow thresholds) gives what the correctly rounded
 * function gives.
 *
 * x = k ln2 + r, |r| <= ln2/2 (k rounded with a shifter constant, r by a
 * two-part ln2 whose first part times k is exact); exp(r) by its Taylor
 * polynomial to degree 13 (truncation below 1/50 ulp) in Horner form; 2^k
 * applied as two factors so that no intermediate overflows and a subnormal
 * result is rounded once.
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
   ... + r^11/13!), in Horner form */
FL_AI double fl_exp_tail64(const double r)
{
    double p = 0x1.6124613a86d09p-33;
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
    return p;
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

/* expm1 in float64 the same way (float32's computed in float64): x = k ln2
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
#endif

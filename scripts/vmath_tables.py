"""Derive the constants of src_c/fl_vmath_v4.h (the AVX-512 vector log and
the float64 exp's table) and of the float32 exp and log of src_c/fl_vmath.h,
and check them against the files.

    python scripts/vmath_tables.py          # needs mpmath (in the test extra)

For each of the 16 subintervals of m in [0.75, 1.5) that the top four bits of
m's fraction select: c ~ 1/m at the subinterval's centre, rounded to 10
fractional bits (so that m c - 1 loses little), c = 1 on the two subintervals
next to 1 (so that r = m - 1 exactly there), and -log c split into a high
and a low part (float64: two doubles; float32: two floats).  Then the
polynomial P of log1p(r) = r - r^2/2 + r^3 P(r) on r's whole range, by
weighted least squares at Chebyshev nodes (relative error of log1p), its
coefficients rounded to the dtype, and the worst relative error after that
rounding.  For exp: 2^(j/16), j = 0..15, in two doubles (the
rounded value and the rest), and ln2/16 in two parts, the first with 32
significant bits (so that it times any k of the argument range is exact);
the same in floats for expm1f.  Prints the tables
as C initializers, the coefficients, and whether each value is in the file.
"""
import os
import re
import sys

import mpmath
import numpy as np

mpmath.mp.prec = 200
SRC = os.path.join(os.path.dirname(__file__), "..", "src_c", "fl_vmath_v4.h")


def subinterval(i):
    """[lo, hi) of m for index i (top four fraction bits of m's float)."""
    if i < 8:
        return 1 + i / 16, 1 + (i + 1) / 16
    return (1 + i / 16) / 2, (1 + (i + 1) / 16) / 2


def tables(dtype):
    inv, hi, lo, rmin, rmax = [], [], [], 0.0, 0.0
    for i in range(16):
        a, b = subinterval(i)
        c = 1.0 if i in (0, 15) else round(float(1 / mpmath.mpf((a + b) / 2)) * 2**10) / 2**10
        lc = -mpmath.log(mpmath.mpf(c))
        h = float(dtype(float(lc)))
        inv.append(c)
        hi.append(h)
        lo.append(float(dtype(float(lc - mpmath.mpf(h)))))
        rmin, rmax = min(rmin, a * c - 1), max(rmax, b * c - 1)
    return inv, hi, lo, rmin, rmax


def _fit(degree, a, b, dtype, f, lead, m, at0):
    """P's coefficients (rounded to dtype) of f(r) = lead(r) + r^m P(r) on
    [a, b], by weighted least squares at Chebyshev nodes (the relative error
    of f), and log2 of the worst relative error after the rounding; at0 is
    P(0)."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)

    def g(r):  # (f(r) - lead(r)) / r^m
        return at0 if r == 0 else (f(r) - lead(r)) / r**m
    nodes = 4 * degree + 40
    xs = [(a + b) / 2 + (b - a) / 2 * mpmath.cos(mpmath.pi * (k + 0.5) / nodes)
          for k in range(nodes)]
    A = mpmath.matrix(nodes, degree + 1)
    y = mpmath.matrix(nodes, 1)
    for i, x in enumerate(xs):
        wt = abs(x**m / f(x))
        for j in range(degree + 1):
            A[i, j] = x**j * wt
        y[i] = g(x) * wt
    c = mpmath.lu_solve(A.T * A, A.T * y)
    coef = [float(dtype(float(c[j]))) for j in range(degree + 1)]
    worst = 0
    for k in range(2001):
        x = a + (b - a) * k / 2000
        if x == 0:
            continue
        approx = lead(x) + x**m * sum(mpmath.mpf(cj) * x**j for j, cj in enumerate(coef))
        worst = max(worst, abs(approx / f(x) - 1))
    return coef, float(mpmath.log(worst, 2))


def fit(degree, a, b, dtype):
    """log1p(r) = r - r^2/2 + r^3 P(r): P's coefficients and log2 of the
    worst relative error."""
    return _fit(degree, a, b, dtype, mpmath.log1p, lambda r: r - r * r / 2, 3,
                mpmath.mpf(1) / 3)


def fit_exp(degree, a, b, dtype):
    """exp(r) = 1 + r + r^2 Q(r): Q's coefficients and log2 of the worst
    relative error."""
    return _fit(degree, a, b, dtype, mpmath.exp, lambda r: 1 + r, 2, mpmath.mpf(1) / 2)


def portable_f32():
    """The float32 exp and log of fl_vmath.h (no tables): log1p's P of
    degree 6 on m - 1, m in [sqrt(1/2), sqrt(2)); exp's Q of degree 4 on
    |r| <= 0.3466; ln2 rounded to float32, and in two parts, the first with
    16 significant bits (times any k of the argument range exact)."""
    f32 = np.float32
    a, b = float(mpmath.sqrt(0.5) - 1), float(mpmath.sqrt(2) - 1)
    pc, perr = fit(6, a, b, f32)
    ln2 = mpmath.log(2)
    qc, qerr = fit_exp(4, -0.3466, 0.3466, f32)  # (ln2/2 and a margin for k's rounding)
    l2_hi = float(mpmath.floor(ln2 * 2**15) / 2**15)
    l2_lo = float(f32(float(ln2 - mpmath.mpf(l2_hi))))
    return [(f"logf: r in [{a:.4f}, {b:.4f}], P of degree 6, relative error 2^{perr:.1f}",
             pc), (f"expf: Q of degree 4, relative error 2^{qerr:.1f}", qc),
            ("ln2, and in two parts", [float(f32(float(ln2))), l2_hi, l2_lo])]


def hexf(v, f32):
    m = re.match(r"(-?0x[01])\.([0-9a-f]*)p([+-]\d+)", float.hex(v))
    head, frac, exp = m.groups()
    frac = frac.rstrip("0")
    return f"{head}{'.' + frac if frac else ''}p{exp}" + ("f" if f32 else "")


def check(label, vals, f32, text):
    """Print the values as C literals; the number of them not in text."""
    words = [hexf(v, f32) for v in vals]
    absent = [w for w in words if w not in text]
    print(f"  {label}: " + ", ".join(words) + ("" if not absent else
                                                f"   NOT IN THE FILE: {absent}"))
    return len(absent)


def main():
    text = open(SRC).read()
    missing = 0
    for dtype, degree in ((np.float64, 8), (np.float32, 3)):
        f32 = dtype is np.float32
        inv, hi, lo, rmin, rmax = tables(dtype)
        coef, err = fit(degree, rmin, rmax, dtype)
        name = np.dtype(dtype).name
        print(f"{name}: r in [{rmin}, {rmax}], P of degree {degree}, "
              f"relative error 2^{err:.1f}")
        for label, vals in (("1/c", inv), ("-log c, high", hi), ("-log c, low", lo),
                            ("P", coef)):
            missing += check(label, vals, f32, text)
    exp_hi = [float(mpmath.power(2, mpmath.mpf(j) / 16)) for j in range(16)]
    exp_lo = [float(mpmath.power(2, mpmath.mpf(j) / 16) - mpmath.mpf(h))
              for j, h in enumerate(exp_hi)]
    l16 = mpmath.log(2) / 16
    l16_hi = float(mpmath.floor(l16 * 2**36) / 2**36)
    l16_lo = float(l16 - mpmath.mpf(l16_hi))
    f32 = np.float32
    expf_hi = [float(f32(v)) for v in exp_hi]
    expf_lo = [float(f32(float(mpmath.power(2, mpmath.mpf(j) / 16) - mpmath.mpf(h))))
               for j, h in enumerate(expf_hi)]
    lf_hi = float(mpmath.floor(l16 * 2**16) / 2**16)  # (12 bits: times k < 2^12 exact)
    lf_lo = float(f32(float(l16 - mpmath.mpf(lf_hi))))
    for label, vals, is32 in (("exp: 2^(j/16), high", exp_hi, False),
                              ("exp: 2^(j/16), low", exp_lo, False),
                              ("exp: ln2/16 in two parts", [l16_hi, l16_lo], False),
                              ("expm1f: 2^(j/16), high", expf_hi, True),
                              ("expm1f: 2^(j/16), low", expf_lo, True),
                              ("expm1f: ln2/16 in two parts", [lf_hi, lf_lo], True)):
        missing += check(label, vals, is32, text)
    print("every constant is in", os.path.normpath(SRC) if not missing else
          f"{missing} constants differ from {os.path.normpath(SRC)}")
    portable = os.path.join(os.path.dirname(SRC), "fl_vmath.h")
    text = open(portable).read()
    absent_here = 0
    for label, vals in portable_f32():
        absent_here += check(label, vals, True, text)
    print("every constant is in", os.path.normpath(portable) if not absent_here else
          f"{absent_here} constants differ from {os.path.normpath(portable)}")
    return 1 if missing or absent_here else 0


if __name__ == "__main__":
    sys.exit(main())

"""Accuracy of the transcendentals of the kernels (src_c/fl_math.h says
which is whose at each level: the kernels' own float64 expm1 at every
level, src_c/fl_vmath.h; their own exp and log (both dtypes), expm1f and
log1pf at the AVX-512 level, src_c/fl_vmath_v4.h; below it their own
float64 exp and float32 exp, expm1, log and log1p, src_c/fl_vmath.h and
src_c/fl_vmathf.c; libmvec's otherwise:
float64 log1p, and float64 log below AVX-512), at the
instruction-set level in use (tests/test_levels.py runs this file under
each level): within the stated ulps of the correctly rounded result over 1e7 random inputs per
function and dtype spanning the whole domain, and exactly right on every
special value.

The oracle: for float64, the function in x87 extended precision (64-bit
significand, 11 bits beyond float64); for float32, the float64 function.
Either is within a thousandth of an ulp of the exact value, so the measured
error is the error against the correctly rounded result to that margin;
mpmath checks the oracle itself on a sample."""
import math
import zlib

import numpy as np
import pytest

from fastloss import _ext

pytestmark = pytest.mark.skipif(_ext is None, reason="the compiled backend only")

N = 10_000_000
CHUNK = 1_000_000
# The stated bound of each function, in ulps of the correctly rounded
# result (the worst measured on the 1e7 arguments, at the AVX-512 / AVX2 /
# baseline levels, in the comments; "own" is the kernels' own function).
BOUND = {
    ("exp", np.float64): 1.25,    # own 0.75 / own 0.88 / own, without FMA, 1.18
    ("exp", np.float32): 1.25,    # own 0.91 / own 0.87 / own, without FMA, 1.16
    ("log", np.float64): 2.0,     # own 0.76 / libmvec 1.59 / 1.59
    ("log", np.float32): 1.25,    # own 0.77 / own 1.16 / own 1.22
    ("log1p", np.float64): 2.0,   # libmvec 1.86 / 1.97 / 1.97
    ("log1p", np.float32): 1.3,   # own 0.76 / own 1.20 / own 1.24
    ("expm1", np.float64): 1.25,  # own, portable C, 1.13 at every level
    ("expm1", np.float32): 1.25,  # own 1.04 / own 1.05 / 1.05
}
# (without the C library's vector function ABI -- a sanitizer build,
# another C library -- the float32 functions below AVX-512 are the same own
# code, inlined)


DOMAIN = {  # the finite arguments with a finite, nonzero result, per dtype
    ("exp", np.float64): (-745.13, 709.78), ("exp", np.float32): (-103.97, 88.72),
    ("expm1", np.float64): (-40.0, 709.78), ("expm1", np.float32): (-20.0, 88.72),
}


def _inputs(name, dtype, rng, n):
    """n arguments spanning the function's whole domain: uniform over the
    range, log-uniform magnitudes (tiny to huge, subnormals included), and
    the neighbourhood of the points where the result is small."""
    big = np.finfo(dtype).max
    tiny = float(np.finfo(dtype).smallest_subnormal)
    q = n // 4
    if name in ("exp", "expm1"):
        lo, hi = DOMAIN[(name, dtype)]
        parts = [rng.uniform(lo, hi, n - 3 * q),
                 np.sign(rng.uniform(-1, 1, q)) * 10.0 ** rng.uniform(math.log10(tiny), 0, q),
                 rng.uniform(-1, 1, q), rng.uniform(hi - 1, hi, q // 2),
                 rng.uniform(lo, lo + 1, q - q // 2)]
    elif name == "log":
        parts = [10.0 ** rng.uniform(math.log10(tiny), math.log10(big), n - 3 * q),
                 rng.uniform(0.5, 2.0, q), 1 + rng.uniform(-1e-3, 1e-3, q),
                 rng.uniform(0, 1e3, q)]
    else:  # log1p
        parts = [10.0 ** rng.uniform(math.log10(tiny), math.log10(big), n - 3 * q),
                 np.sign(rng.uniform(-1, 1, q)) * 10.0 ** rng.uniform(math.log10(tiny), 0, q),
                 -1 + 10.0 ** rng.uniform(-7 if dtype == np.float32 else -15, 0, q),
                 rng.uniform(-0.5, 2.0, q)]
    x = np.concatenate(parts).astype(dtype)
    return x[np.isfinite(x)]


def _oracle(name, x):
    """The function at x, within a thousandth of an ulp of x's dtype."""
    wide = np.longdouble if x.dtype == np.float64 else np.float64
    with np.errstate(all="ignore"):
        return getattr(np, name)(x.astype(wide))


def _ulps(got, want, dtype):
    """|got - want| in ulps of the correctly rounded result (subnormal
    results: in units of the smallest subnormal)."""
    wide = want.dtype
    rounded = want.astype(dtype)
    spacing = np.spacing(np.abs(rounded)).astype(wide)
    spacing = np.maximum(spacing, wide.type(np.finfo(dtype).smallest_subnormal))
    return np.abs(got.astype(wide) - want) / spacing


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", ["exp", "log", "log1p", "expm1"])
def test_within_the_stated_ulps_of_the_correctly_rounded_result(name, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{name} {np.dtype(dtype).name}".encode()))
    x = _inputs(name, dtype, rng, N)
    assert x.size >= 0.99 * N
    worst, at = 0.0, None
    for i in range(0, x.size, CHUNK):
        xs = x[i:i + CHUNK]
        got = _ext.vmath(name, xs)
        want = _oracle(name, xs)
        fin = np.isfinite(want) & (np.abs(want) <= np.finfo(dtype).max)
        assert np.isfinite(got[fin]).all(), f"{name}: a finite result came out non-finite"
        u = _ulps(got[fin], want[fin], dtype)
        j = int(np.argmax(u))
        if u[j] > worst:
            worst, at = float(u[j]), xs[fin][j]
    assert worst <= BOUND[(name, dtype)], f"{name} {np.dtype(dtype).name}: {worst:.3f} ulp at x={at!r}"


POW_BOUND = 1.0  # glibc's vector pow and powf (the only pow): 0.998 / 0.62 ulp measured at every level


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_pow_within_the_stated_ulps(dtype):
    """pow(x, y), which tweedie_deviance and sigmoid_focal_loss (gamma) call,
    on 1e7 argument pairs: base and exponent as those losses pass them (a
    probability's complement to a power up to 5; a mean to a power in (-1,
    1)) and over the whole range (every finite, nonzero result), NaN, inf
    and 0 results as the correctly rounded one."""
    rng = np.random.default_rng(11)
    big = math.log(float(np.finfo(dtype).max))
    q = N // 3
    x = np.concatenate([rng.uniform(0, 1, q), np.exp(rng.uniform(-20, 20, q)),
                        np.exp(rng.uniform(-big, big, N - 2 * q))]).astype(dtype)
    y = np.concatenate([rng.uniform(0, 5, q), rng.uniform(-1, 1, q),
                        rng.uniform(-4, 4, N - 2 * q)]).astype(dtype)
    worst, at = 0.0, None
    wide = np.longdouble if dtype == np.float64 else np.float64
    for i in range(0, N, CHUNK):
        xs, ys = x[i:i + CHUNK], y[i:i + CHUNK]
        got = _ext.vmath("pow", xs, ys)
        with np.errstate(all="ignore"):
            want = np.power(xs.astype(wide), ys.astype(wide))
        fin = np.isfinite(want) & (np.abs(want) <= np.finfo(dtype).max) & (want != 0)
        u = _ulps(got[fin], want[fin], dtype)
        j = int(np.argmax(u))
        if u[j] > worst:
            worst, at = float(u[j]), (xs[fin][j], ys[fin][j])
        with np.errstate(all="ignore"):
            rounded = want[~fin].astype(dtype)
        g = got[~fin]
        same = (np.isnan(g) & np.isnan(rounded)) | (g == rounded)
        assert same.all(), (xs[~fin][~same][:5], ys[~fin][~same][:5], g[~same][:5])
    assert worst <= POW_BOUND, f"pow {np.dtype(dtype).name}: {worst:.3f} ulp at {at!r}"


def test_the_oracle_is_right():
    """The extended-precision oracle against mpmath at 200 bits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 200
    rng = np.random.default_rng(7)
    for name in ("exp", "log", "log1p", "expm1"):
        x = _inputs(name, np.float64, rng, 400)
        want = _oracle(name, x)
        f = getattr(mpmath, name)
        for xi, wi in zip(x.tolist(), want):
            exact = f(mpmath.mpf(xi))
            if mpmath.isinf(exact) or abs(exact) > 1e308 or exact == 0:
                continue
            # within 1/1000 of a float64 ulp
            err = abs(mpmath.mpf(np.format_float_scientific(wi, unique=True)) - exact)
            assert err <= abs(exact) * 2.0**-52 / 1000, (name, xi)


F64_MAX, F64_MIN, F64_TINY = np.finfo(np.float64).max, np.finfo(np.float64).tiny, 5e-324
F32_MAX, F32_MIN = float(np.finfo(np.float32).max), float(np.finfo(np.float32).tiny)
F32_TINY = float(np.finfo(np.float32).smallest_subnormal)
EVERYWHERE = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, -np.nan]
SPECIALS = {  # the special arguments of each function, beyond EVERYWHERE
    (np.float64, "exp"): [1000.0, -1000.0, F64_TINY, -F64_TINY, F64_MIN,
                          709.782712893384,     # the largest finite result
                          709.7827128933841,    # the first overflow
                          -708.3964185322641,   # about the smallest normal result
                          -745.1332191019411,   # the smallest subnormal result
                          -745.1332191019412,   # the first underflow to 0
                          -744.44007192138126],
    (np.float32, "exp"): [100.0, -200.0, F32_TINY, F32_MIN, 88.72283, 88.72284, -87.33654,
                          -103.97207, -103.97208, -103.98],
    (np.float64, "log"): [F64_TINY, F64_MIN, F64_MAX, 2 * F64_TINY, math.e, 2.0, 0.5,
                          1 + 2**-52, 1 - 2**-53],
    (np.float32, "log"): [F32_TINY, F32_MIN, F32_MAX, 2.0, 0.5, 1 + 2**-23, 1 - 2**-24],
    (np.float64, "log1p"): [-2.0, F64_TINY, -F64_TINY, F64_MIN, 1e-300, F64_MAX, 2**-53,
                            -1 + 2**-53],
    (np.float32, "log1p"): [-2.0, F32_TINY, F32_MIN, F32_MAX, 2**-24, -1 + 2**-24],
    (np.float64, "expm1"): [F64_TINY, -F64_TINY, 1e-300, -1000.0, 1000.0, 709.782712893384,
                            709.7827128933841, -40.0],
    (np.float32, "expm1"): [F32_TINY, F32_MIN, -200.0, 100.0, 88.72283, 88.72284, -20.0],
}


@pytest.mark.parametrize("key", list(SPECIALS), ids=[f"{k[1]}-{np.dtype(k[0]).name}" for k in SPECIALS])
def test_special_values(key):
    """NaN, infinities and zeros (with their signs) exactly as the correctly
    rounded result; finite results within the bound, at the overflow and
    underflow thresholds too."""
    dtype, name = key
    x = np.array(EVERYWHERE + SPECIALS[key], dtype=dtype)
    want = _oracle(name, x)
    with np.errstate(all="ignore"):
        rounded = want.astype(dtype)
    # each value alone in a partial group, and 40 times (in whole groups)
    for reps in (1, 40):
        got = _ext.vmath(name, np.repeat(x, reps))[::reps]
        for xi, g, r, wi in zip(x, got, rounded, want):
            what = f"{name}({xi!r}) = {g!r}, correctly rounded {r!r}"
            if np.isnan(r) or np.isinf(r) or r == 0:
                assert (np.isnan(g) and np.isnan(r)) or (g == r and np.signbit(g) == np.signbit(r)), what
            else:
                assert _ulps(np.array([g]), np.array([wi]), dtype)[0] <= BOUND[(name, dtype)], what


def test_the_vector_code_matches_itself_in_every_group_position():
    """A value's result does not depend on where it falls in a group of 32."""
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        for name in ("exp", "log", "log1p", "expm1"):
            x = _inputs(name, dtype, rng, 4000)[:97]
            ref = _ext.vmath(name, x)
            for shift in (1, 5, 31):
                got = _ext.vmath(name, np.concatenate([np.ones(shift, dtype), x]))[shift:]
                np.testing.assert_array_equal(got, ref)

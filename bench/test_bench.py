"""pytest-benchmark suite, generated from the loss table.

Each group (loss, mode, dtype, n) holds fastloss, the NumPy reference twin, the
memory floor (for value_and_grad also the gradient alone) and, when installed,
torch (1 and 2 threads), scikit-learn and a fused numba loop, so
``pytest bench/ --benchmark-only --benchmark-group-by=group`` shows them side by side.  Focus with -k, e.g.  -k 'softmax and 1e7 and value'.
For a compact ratio table:  python -m fastloss bench [--compare] [--plot chart.png]
"""
import pytest

from conftest import data
from fastloss import _bench
from fastloss._compare import competitors

IMPLS = ("fastloss", "reference", "floor", "grad", "torch1", "torch2", "sklearn", "numba")
CASES = list(_bench.cases())


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bench(benchmark, case, impl):
    d = data(case.loss, case.dtype, case.n)
    impls = _bench.implementations(case, d, n_threads=1)
    if impl not in impls:
        impls.update(competitors(case.loss, case.mode, d[0], d[1]))
    if impl not in impls:
        pytest.skip(f"{impl} is not installed or has no {case.loss} {case.mode}")
    benchmark.group = case.id
    if case.n >= 10**7:
        benchmark.pedantic(impls[impl], rounds=5, iterations=1, warmup_rounds=1)
    else:
        benchmark(impls[impl])

"""pytest-benchmark suite, generated from the loss table.

Each group (loss, mode, dtype, n) holds fastloss, the NumPy reference twin and
the memory floor, so ``pytest bench/ --benchmark-group-by=group`` shows them side
by side.  Run:  pytest bench/ --benchmark-only   (add -k 'mse and 1e7' to focus)
For a compact ratio table:  python -m fastloss bench
"""
import pytest

from conftest import data
from fastloss import _bench

IMPLS = ("fastloss", "reference", "floor")
CASES = list(_bench.cases())


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bench(benchmark, case, impl):
    fn = _bench.implementations(case, data(case.loss, case.dtype, case.n), n_threads=1)[impl]
    benchmark.group = case.id
    if case.n >= 10**7:
        benchmark.pedantic(fn, rounds=5, iterations=1, warmup_rounds=1)
    else:
        benchmark(fn)

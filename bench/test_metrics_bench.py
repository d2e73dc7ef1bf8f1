"""pytest-benchmark: fastloss.metrics against sklearn.metrics on 1e6 rows
(groups by call).  Compact table:  python -m fastloss bench --metrics"""
import warnings

import pytest

from fastloss import _bench
from fastloss import metrics as fm

skm = pytest.importorskip("sklearn.metrics")
CASES = _bench.metrics_cases()


@pytest.mark.parametrize("impl", ["fastloss", "sklearn"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_metrics_bench(benchmark, case, impl):
    label, name, args, kw = case
    fn = getattr(fm if impl == "fastloss" else skm, name)
    benchmark.group = label
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        benchmark.pedantic(fn, args=args, kwargs=kw, rounds=5, iterations=1, warmup_rounds=1)

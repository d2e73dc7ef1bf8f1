"""fastloss.dask: every loss's reduced value over dask arrays equals the
in-memory call (1e-13), on the threaded scheduler and on a LocalCluster of
worker processes."""
import numpy as np
import pytest

import fastloss
from helpers import LOSSES, inputs

da = pytest.importorskip("dask.array")
fd = pytest.importorskip("fastloss.dask")


def _case(loss, seed=0, n=20_000):
    y, p = inputs(loss, rows=(n,), k=6, seed=seed)
    w = np.random.default_rng(seed).random(n) * 2
    opts = {o.name: o.default for o in loss.options if o.default is not None}
    return y, p, w, opts


def _dask(y, p, w, rows):
    pc = (3_001, -1) if rows else 3_001
    return (da.from_array(y, chunks=2_500 if y.ndim == 1 else (2_500, 2)),
            da.from_array(p, chunks=pc), da.from_array(w, chunks=4_999))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_threaded_scheduler_matches_in_memory(loss, reduction, weighted):
    y, p, w, opts = _case(loss)
    Y, P, W = _dask(y, p, w, loss.kind == "rows")
    got = getattr(fd, loss.name)(Y, P, sample_weight=W if weighted else None, reduction=reduction,
                                 **opts).compute(scheduler="threads")
    want = getattr(fastloss, loss.name)(y, p, sample_weight=w if weighted else None,
                                        reduction=reduction, **opts)
    assert type(got) is float
    assert got == pytest.approx(want, rel=1e-13)


def test_numpy_and_memmap_inputs(tmp_path):
    y, p, w, _ = _case(fastloss.LOSSES[0])
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    ym, pm = np.load(tmp_path / "y.npy", mmap_mode="r"), np.load(tmp_path / "p.npy", mmap_mode="r")
    got = fd.mse(da.from_array(ym, chunks=1000), pm).compute()
    assert got == pytest.approx(fastloss.mse(y, p), rel=1e-13)


def test_errors():
    y = da.ones(10, chunks=3)
    with pytest.raises(ValueError, match="shape"):
        fd.mse(y, da.ones(11, chunks=3))
    with pytest.raises(ValueError, match="reduction"):
        fd.mse(y, y, reduction="none")
    with pytest.raises(TypeError, match="delta"):
        fd.mse(y, y, delta=1.0)
    with pytest.raises(ValueError, match="delta"):
        fd.huber(y, y, delta=-1.0)
    with pytest.raises(ValueError, match="zero"):
        fd.mse(y, y, sample_weight=da.zeros(10, chunks=5)).compute()
    with pytest.raises(ValueError, match="-1 or"):
        fd.hinge(da.zeros(10, chunks=3), y).compute()


def test_distributed_local_cluster_of_processes():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for loss in fastloss.LOSSES:
            y, p, w, opts = _case(loss, seed=3)
            Y, P, W = _dask(y, p, w, loss.kind == "rows")
            got = client.compute(getattr(fd, loss.name)(Y, P, sample_weight=W, **opts)).result()
            want = getattr(fastloss, loss.name)(y, p, sample_weight=w, **opts)
            assert got == pytest.approx(want, rel=1e-13), loss.name
        # the work ran in the worker processes
        assert len(client.scheduler_info()["workers"]) == 2

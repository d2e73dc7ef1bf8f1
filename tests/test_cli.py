"""The `fastloss` command line, run as a subprocess on real files."""
import json
import os
import sys

import numpy as np
import pytest

import fastloss
from helpers import run_python


def cli(*args, env=None):
    return run_python("-m", "fastloss", *args, env=env)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    n = 20_000
    y = rng.standard_normal(n)
    p = y + rng.standard_normal(n)
    w = rng.random(n)
    lab = rng.integers(0, 4, n)
    z = rng.standard_normal((n, 4))
    for name, a in dict(y=y, p=p, w=w, lab=lab, z=z).items():
        np.save(d / f"{name}.npy", a)
    with open(d / "d.csv", "w") as f:
        f.write("label,s0,s1,s2,s3,y,p\n")
        for i in range(n):
            vals = [float(v) for v in (*z[i], y[i], p[i])]
            f.write(f"{lab[i]}," + ",".join(repr(v) for v in vals) + "\n")
    return d, dict(y=y, p=p, w=w, lab=lab, z=z)


SMALL_CHUNKS = {"FASTLOSS_CLI_CHUNK_BYTES": "8000"}  # 1000 float64 rows: 20 chunks


@pytest.mark.parametrize("env", [None, SMALL_CHUNKS], ids=["one-chunk", "chunked"])
def test_npy_values_match_the_api(files, env):
    d, a = files
    r = cli("score", "mse", "--y-true", str(d / "y.npy"), "--y-pred", str(d / "p.npy"), env=env)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(fastloss.mse(a["y"], a["p"]), rel=1e-14)
    r = cli("score", "huber", "--delta", "0.5", "--y-true", str(d / "y.npy"), "--y-pred",
            str(d / "p.npy"), "--sample-weight", str(d / "w.npy"), "--json", env=env)
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["value"] == pytest.approx(fastloss.huber(a["y"], a["p"], delta=0.5, sample_weight=a["w"]),
                                         rel=1e-14)
    assert rec["count"] == 20_000 and rec["options"] == {"delta": 0.5}
    r = cli("score", "softmax_cross_entropy", "--label-smoothing", "0.1", "--reduction", "sum",
            "--y-true", str(d / "lab.npy"), "--y-pred", str(d / "z.npy"), env=env)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(
        fastloss.softmax_cross_entropy(a["lab"], a["z"], label_smoothing=0.1, reduction="sum"), rel=1e-14)


@pytest.mark.parametrize("env", [None, SMALL_CHUNKS], ids=["one-chunk", "chunked"])
def test_csv_columns(files, env):
    d, a = files
    csv = str(d / "d.csv")
    r = cli("score", "mae", "--y-true", csv + ":y", "--y-pred", csv + ":6", env=env)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(fastloss.mae(a["y"], a["p"]), rel=1e-14)
    r = cli("score", "multiclass_hinge", "--y-true", csv + ":label", "--y-pred",
            csv + ":s0,s1,s2,s3", env=env)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(fastloss.multiclass_hinge(a["lab"], a["z"]), rel=1e-14)


def test_reduction_none_writes_per_sample_losses(files, tmp_path):
    d, a = files
    out = tmp_path / "o.npy"
    r = cli("score", "mse", "--y-true", str(d / "y.npy"), "--y-pred", str(d / "p.npy"),
            "--reduction", "none", "--out", str(out), env=SMALL_CHUNKS)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(out), fastloss.mse(a["y"], a["p"], reduction="none"))


def test_progress_bar_on_stderr(files):
    d, _ = files
    r = cli("score", "mse", "--y-true", str(d / "y.npy"), "--y-pred", str(d / "p.npy"), "--progress",
            env=SMALL_CHUNKS)
    assert r.returncode == 0 and r.stdout.strip() and "fastloss" in r.stderr
    r = cli("score", "mse", "--y-true", str(d / "y.npy"), "--y-pred", str(d / "p.npy"))
    assert r.stderr == ""  # not a terminal, small input: no bar


@pytest.mark.parametrize("args,msg", [
    (["score", "mse", "--y-true", "MISSING.npy", "--y-pred", "{d}/p.npy"], "no such file"),
    (["score", "mse", "--y-true", "{d}/lab.npy", "--y-pred", "{d}/z.npy"], "rows|shape"),
    (["score", "mse", "--y-true", "{d}/y.npy", "--y-pred", "{d}/z.npy"], "rows|shape"),
    (["score", "msee", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy"], "unknown loss"),
    (["score", "huber", "--delta", "-1", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy"], "delta"),
    (["score", "huber", "--delta", "abc", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy"], "delta"),
    (["score", "mse", "--eps", "0.1", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy"], "eps"),
    (["score", "mse", "--y-true", "{d}/d.csv:nope", "--y-pred", "{d}/d.csv:p"], "no column"),
    (["score", "hinge", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy"], "-1 or \\+1"),
    (["score", "mse", "--y-true", "{d}/y.npy", "--y-pred", "{d}/p.npy", "--reduction", "none"], "--out"),
    (["score", "mse", "--y-true", "{d}/y.npy", "--y-pred", "{d}/d.csv"], "column"),
    (["score", "mse", "--y-pred", "{d}/p.npy"], "--y-true"),
    (["frobnicate"], "invalid choice"),
])
def test_every_failure_is_one_line_and_status_2(files, args, msg):
    import re

    d, _ = files
    r = cli(*[x.format(d=d) for x in args])
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(msg, lines[0]), r.stderr


def test_help_lists_every_loss():
    r = cli("--help")
    assert r.returncode == 0
    for loss in fastloss.LOSSES:
        assert any(line.strip().startswith(loss.name + " ") for line in r.stdout.splitlines()), loss.name


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "fastloss")
    if not os.path.exists(exe):
        pytest.skip("not installed as a console script in this environment")
    r = run_python("-c", f"import subprocess; print(subprocess.run([{exe!r}, 'info'], capture_output=True, text=True).stdout)")
    assert '"backend"' in r.stdout


def test_csv_without_final_newline_or_with_blank_lines(tmp_path):
    (tmp_path / "yt.csv").write_text("y\n1\n2\n3")            # no final newline
    (tmp_path / "yp.csv").write_text("p\n1\n2\n10\n\n")       # a trailing blank line
    r = cli("score", "mse", "--y-true", f"{tmp_path}/yt.csv:y", "--y-pred", f"{tmp_path}/yp.csv:p",
            "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["count"] == 3 and rec["value"] == pytest.approx(49 / 3)

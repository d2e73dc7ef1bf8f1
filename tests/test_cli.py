"""The `fastloss` command line, run as a subprocess on real files."""
import json
import os
import subprocess
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


def test_an_option_given_as_none(files, tmp_path):
    """--alpha none gives sigmoid_focal_loss alpha=None (no alpha weighting);
    a loss whose option has no None meaning rejects it, naming the option."""
    d, a = files
    b = (a["y"] > 0).astype(np.float64)
    np.save(tmp_path / "b.npy", b)
    args = ("--y-true", str(tmp_path / "b.npy"), "--y-pred", str(d / "p.npy"))
    r = cli("score", "sigmoid_focal_loss", "--alpha", "none", "--gamma", "1.5", "--json", *args)
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    want = fastloss.sigmoid_focal_loss(b, a["p"], alpha=None, gamma=1.5)
    assert rec["value"] == pytest.approx(want, rel=1e-14)
    assert want != pytest.approx(fastloss.sigmoid_focal_loss(b, a["p"], gamma=1.5), rel=1e-3)
    assert rec["options"] == {"alpha": None, "gamma": 1.5}
    r = cli("score", "pinball", "--alpha", "none", *args)
    assert r.returncode != 0 and "alpha" in r.stderr and "Traceback" not in r.stderr


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
    lines = {line.split()[0]: line.split(None, 1)[1] for line in
             r.stdout.split("losses:\n")[1].splitlines() if line.strip()}
    for loss in fastloss.LOSSES:
        text = lines[loss.name]  # the summary's first clause, without what it matches
        assert len(text.split()) >= 3 and text.count("(") == text.count(")"), (loss.name, text)
        assert "(as " not in text and text.split()[0] == loss.summary.split()[0], text


def test_nothing_to_average_says_why(tmp_path):
    write_csv(tmp_path / "e.csv", "y,p", [])
    one_line_error(score("mse", "--y-true", f"{tmp_path}/e.csv:y", "--y-pred", f"{tmp_path}/e.csv:p"),
                   r"no rows to score: the inputs have no data rows")
    code, out, err = score("mse", "--y-true", f"{tmp_path}/e.csv:y", "--y-pred", f"{tmp_path}/e.csv:p",
                           "--reduction", "sum")
    assert code == 0 and float(out) == 0.0, err
    write_csv(tmp_path / "i.csv", "y,a,b", ["-100,0.1,0.2", "-100,0.3,0.4"])
    one_line_error(score("softmax_cross_entropy", "--y-true", f"{tmp_path}/i.csv:y", "--y-pred",
                         f"{tmp_path}/i.csv:a,b", "--ignore-index", "-100"),
                   r"the weights of the 2 rows scored sum to zero \(every row ignored")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # (fastloss info | head): stdout closed before the command writes
    p = subprocess.Popen([sys.executable, "-m", "fastloss", "info"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=tmp_path)
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    assert p.returncode == 1 and err == "", err


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


# ---- a real CSV reader, Parquet and Feather, and --out that never destroys ------------

def score(*args, env=None):
    r = cli("score", *args, env=env)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def one_line_error(r, pattern):
    import re

    code, out, err = r
    assert code == 2, (out, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert re.search(pattern, err), err


@pytest.fixture(scope="module")
def yp():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(500)
    return y, y + rng.standard_normal(500)


def write_csv(path, header, rows, encoding="utf-8", newline="\n"):
    with open(path, "w", encoding=encoding, newline="") as f:
        if header is not None:
            f.write(header + newline)
        for r in rows:
            f.write(r + newline)


def test_excel_csv_utf8_with_bom_and_crlf_keeps_its_first_row(tmp_path, yp):
    y, p = yp
    write_csv(tmp_path / "x.csv", "y,p", [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())],
              encoding="utf-8-sig", newline="\r\n")
    code, out, err = score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:p",
                           "--json")
    assert code == 0, err
    rec = json.loads(out)
    assert rec["count"] == 500 and rec["value"] == pytest.approx(fastloss.mse(y, p), rel=1e-14)


@pytest.mark.parametrize("extra", ["trailing comma", "NA in an unused column", "text in an unused column"])
def test_unused_columns_do_not_shift_or_drop_rows(tmp_path, yp, extra):
    y, p = yp
    rows = []
    for i, (a, b) in enumerate(zip(y.tolist(), p.tolist())):
        tail = {"trailing comma": "", "NA in an unused column": "NA" if i % 3 == 0 else "1",
                "text in an unused column": "hello world" if i == 0 else "x"}[extra]
        rows.append(f"{a!r},{b!r},{tail}")
    header = "y,p," if extra == "trailing comma" else "y,p,note"
    write_csv(tmp_path / "x.csv", header, rows)
    code, out, err = score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:p",
                           "--json")
    assert code == 0, err
    rec = json.loads(out)
    assert rec["count"] == 500 and rec["value"] == pytest.approx(fastloss.mse(y, p), rel=1e-14)


@pytest.mark.parametrize("bad", ["NA", "", "null"])
def test_na_in_a_scored_column_names_its_row_and_column(tmp_path, yp, bad):
    y, p = yp
    rows = [f"{a!r},{b!r}" if i != 123 else f"{a!r},{bad}" for i, (a, b) in
            enumerate(zip(y.tolist(), p.tolist()))]
    write_csv(tmp_path / "x.csv", "y,p", rows)
    one_line_error(score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:p"),
                   r"row 123 of the data \(line 125\), column 'p': empty or NA")


def test_text_in_a_scored_column_names_its_row(tmp_path, yp):
    y, p = yp
    rows = [f"{a!r},{b!r}" if i != 400 else f"{a!r},abc" for i, (a, b) in
            enumerate(zip(y.tolist(), p.tolist()))]
    write_csv(tmp_path / "x.csv", "y,p", rows)
    one_line_error(score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:p"),
                   r"row 400 of the data \(line 402\), column 'p': 'abc' is not a number")


def test_quoted_header_and_pandas_style_numeric_header(tmp_path, yp):
    y, p = yp
    body = [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())]
    write_csv(tmp_path / "q.csv", '"y","p"', body)
    write_csv(tmp_path / "n.csv", "0,1", body)  # pandas' to_csv(index=False) of an (n, 2) array
    want = fastloss.mse(y, p)
    for spec in (("q.csv:y", "q.csv:p"), ("n.csv:0", "n.csv:1")):
        code, out, err = score("mse", "--y-true", f"{tmp_path}/{spec[0]}", "--y-pred",
                               f"{tmp_path}/{spec[1]}", "--json")
        assert code == 0, err
        rec = json.loads(out)
        assert rec["count"] == 500 and rec["value"] == pytest.approx(want, rel=1e-14)


def test_pandas_written_csv(tmp_path, yp):
    pd = pytest.importorskip("pandas")
    y, p = yp
    pd.DataFrame(np.column_stack([y, p])).to_csv(tmp_path / "pd.csv", index=False)
    code, out, err = score("mse", "--y-true", f"{tmp_path}/pd.csv:0", "--y-pred", f"{tmp_path}/pd.csv:1",
                           "--json")
    assert code == 0 and json.loads(out)["count"] == 500, err


def test_no_header_reads_the_first_line_as_data(tmp_path, yp):
    y, p = yp
    write_csv(tmp_path / "x.csv", None, [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())])
    code, out, err = score("mse", "--y-true", f"{tmp_path}/x.csv:0", "--y-pred", f"{tmp_path}/x.csv:1",
                           "--no-header", "--json")
    assert code == 0, err
    assert json.loads(out)["count"] == 500
    assert json.loads(out)["value"] == pytest.approx(fastloss.mse(y, p), rel=1e-14)
    # with --no-header, a column is an index, never a name
    one_line_error(score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:1",
                         "--no-header"), "0-based indices")


@pytest.mark.parametrize("first", ["1,0.5", "0.25,0.75"])
def test_a_first_line_of_numbers_never_mixes_names_and_indices(tmp_path, yp, first):
    # a file without a header line, scored without --no-header: its first line
    # is the header, whose names are numbers; "0" and "1" are then names only
    y, p = yp
    write_csv(tmp_path / "x.csv", first, [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())])
    one_line_error(score("mse", "--y-true", f"{tmp_path}/x.csv:0", "--y-pred", f"{tmp_path}/x.csv:1"),
                   r"no column '[01]' .*a number is a name here, not an index.*--no-header")
    # with names that are not numbers, an index still works
    write_csv(tmp_path / "h.csv", "y,p", [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())])
    code, out, err = score("mse", "--y-true", f"{tmp_path}/h.csv:0", "--y-pred", f"{tmp_path}/h.csv:1",
                           "--json")
    assert code == 0 and json.loads(out)["value"] == pytest.approx(fastloss.mse(y, p), rel=1e-14), err


def test_an_error_in_a_shared_file_names_the_argument_that_reads_the_column(tmp_path, yp):
    y, p = yp
    rows = [f"{int(a > 0.5)},{b!r}" if i != 7 else f"NA,{b!r}" for i, (a, b) in
            enumerate(zip(y.tolist(), p.tolist()))]
    write_csv(tmp_path / "x.csv", "y,p", rows)
    x = f"{tmp_path}/x.csv"
    one_line_error(score("mse", "--y-true", f"{x}:nope", "--y-pred", f"{x}:p"),
                   r"^fastloss score: error: --y-true: .*no column 'nope'")
    one_line_error(score("mse", "--y-true", f"{x}:y", "--y-pred", f"{x}:p"),
                   r"error: --y-true: .*row 7 .*column 'y': empty or NA")
    one_line_error(score("mse", "--y-true", f"{x}:p", "--y-pred", f"{x}:y"),
                   r"error: --y-pred: .*row 7 .*column 'y': empty or NA")
    write_csv(tmp_path / "l.csv", "y,a,b", ["0,0.5,1.5", "1.5,0.1,0.2"])
    one_line_error(score("softmax_cross_entropy", "--y-true", f"{tmp_path}/l.csv:y", "--y-pred",
                         f"{tmp_path}/l.csv:a,b"),
                   r"error: --y-true: .*row 1 .*column 'y': '1.5' is not an integer")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"y": [0.0, None], "p": [0.5, 0.5]}), tmp_path / "n.parquet")
    one_line_error(score("mse", "--y-true", f"{tmp_path}/n.parquet:y", "--y-pred",
                         f"{tmp_path}/n.parquet:p"), r"error: --y-true: .*row 1, column 'y': a null")


@pytest.mark.parametrize("fmt", ["parquet", "feather", "arrow"])
def test_parquet_and_feather_columns(tmp_path, fmt):
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(2)
    n = 70_000  # several batches / row groups
    lab, z, w = rng.integers(0, 4, n), rng.standard_normal((n, 4)), rng.random(n)
    t = pa.table({"label": lab, "s0": z[:, 0], "s1": z[:, 1], "s2": z[:, 2], "s3": z[:, 3], "w": w})
    path = tmp_path / f"d.{fmt}"
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(t, path, row_group_size=20_000)
    else:
        import pyarrow.feather as pf

        pf.write_feather(t, path, chunksize=30_000)
    code, out, err = score("softmax_cross_entropy", "--y-true", f"{path}:label", "--y-pred",
                           f"{path}:s0,s1,s2,s3", "--sample-weight", f"{path}:w", "--json",
                           env=SMALL_CHUNKS)
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(
        fastloss.softmax_cross_entropy(lab, z, sample_weight=w), rel=1e-13)
    one_line_error(score("mse", "--y-true", f"{path}:nope", "--y-pred", f"{path}:s0"), "no column 'nope'")


def test_sources_of_different_kinds_and_lengths(tmp_path, yp):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    y, p = yp
    np.save(tmp_path / "y.npy", y)
    pq.write_table(pa.table({"p": p}), tmp_path / "p.parquet", row_group_size=64)
    code, out, err = score("mse", "--y-true", f"{tmp_path}/y.npy", "--y-pred",
                           f"{tmp_path}/p.parquet:p", env=SMALL_CHUNKS)
    assert code == 0 and float(out) == pytest.approx(fastloss.mse(y, p), rel=1e-14), err
    write_csv(tmp_path / "short.csv", "p", [repr(v) for v in p[:-1].tolist()])
    one_line_error(score("mse", "--y-true", f"{tmp_path}/short.csv:p", "--y-pred",
                         f"{tmp_path}/p.parquet:p"), "ended after 499 rows")


def test_out_never_destroys_an_input(tmp_path, files):
    d, _ = files
    import shutil

    for name in ("y.npy", "z.npy", "d.csv"):
        shutil.copy(d / name, tmp_path / name)
    before = {n: (tmp_path / n).read_bytes() for n in ("y.npy", "z.npy", "d.csv")}
    os.symlink(tmp_path / "z.npy", tmp_path / "link.npy")
    cases = [
        ("mse", f"{tmp_path}/y.npy", f"{tmp_path}/y.npy", f"{tmp_path}/y.npy"),
        ("softmax_cross_entropy", f"{tmp_path}/d.csv:label", f"{tmp_path}/z.npy", f"{tmp_path}/z.npy"),
        ("softmax_cross_entropy", f"{tmp_path}/d.csv:label", f"{tmp_path}/z.npy", f"{tmp_path}/link.npy"),
        ("mse", f"{tmp_path}/d.csv:y", f"{tmp_path}/d.csv:p", f"{tmp_path}/d.csv"),
    ]
    for loss, yt, ypred, out in cases:
        one_line_error(score(loss, "--y-true", yt, "--y-pred", ypred, "--reduction", "none",
                             "--out", out), "same file as")
    for n, b in before.items():
        assert (tmp_path / n).read_bytes() == b, n


def test_an_error_mid_file_leaves_no_output(tmp_path, yp):
    y, p = yp
    rows = [f"{a!r},{b!r}" for a, b in zip(y.tolist(), p.tolist())]
    rows[450] = rows[450].split(",")[0] + ",oops"
    write_csv(tmp_path / "x.csv", "y,p", rows)
    out = tmp_path / "o.npy"
    one_line_error(score("mse", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:p",
                         "--reduction", "none", "--out", str(out), env={"FASTLOSS_CLI_CHUNK_BYTES": "800"}),
                   "oops")
    assert not out.exists()
    np.save(out, np.arange(3.0))  # an existing output stays as it was
    one_line_error(score("hinge", "--y-true", f"{tmp_path}/x.csv:y", "--y-pred", f"{tmp_path}/x.csv:y",
                         "--reduction", "none", "--out", str(out)), r"-1 or \+1")
    np.testing.assert_array_equal(np.load(out), np.arange(3.0))
    assert sorted(os.listdir(tmp_path)) == ["o.npy", "x.csv"]  # no temporary left behind


def test_positions_in_errors_count_from_the_start_of_the_file(tmp_path):
    y = np.ones(5000)
    y[4321] = 3.0
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", np.zeros(5000))
    one_line_error(score("hinge", "--y-true", f"{tmp_path}/y.npy", "--y-pred", f"{tmp_path}/p.npy",
                         env={"FASTLOSS_CLI_CHUNK_BYTES": "8000"}), r"y_true\[4321\] = 3.0")


def test_files_that_are_not_what_they_claim(tmp_path, files):
    d, _ = files
    (tmp_path / "fake.npy").write_text("1,2,3\n")
    one_line_error(score("mse", "--y-true", f"{tmp_path}/fake.npy", "--y-pred", f"{d}/p.npy"),
                   "is not a .npy file")
    np.save(tmp_path / "obj.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    one_line_error(score("mse", "--y-true", f"{tmp_path}/obj.npy", "--y-pred", f"{d}/p.npy"),
                   "Python objects")
    (tmp_path / "u16.csv").write_text("y,p\n1,2\n", encoding="utf-16")
    one_line_error(score("mse", "--y-true", f"{tmp_path}/u16.csv:y", "--y-pred", f"{tmp_path}/u16.csv:p"),
                   "not UTF-8")
    (tmp_path / "latin.csv").write_bytes("pr\xe9d,y\n1,2\n".encode("latin-1"))
    one_line_error(score("mse", "--y-true", f"{tmp_path}/latin.csv:y", "--y-pred",
                         f"{tmp_path}/latin.csv:y"), "not UTF-8")
    (tmp_path / "pq.parquet").write_bytes(b"PAR1 not really")
    one_line_error(score("mse", "--y-true", f"{tmp_path}/pq.parquet:y", "--y-pred", f"{d}/p.npy"),
                   "not a readable Parquet")


def test_comment_lines_and_endless_lines_are_errors(tmp_path):
    write_csv(tmp_path / "c.csv", "y,p", ["1,2", "# a comment", "3,4"])
    one_line_error(score("mse", "--y-true", f"{tmp_path}/c.csv:y", "--y-pred", f"{tmp_path}/c.csv:p"),
                   r"line 3")
    with open(tmp_path / "long.csv", "w") as f:  # one line of 5 MB: bounded, not read to the end
        f.write("y,p\n1," + "1" * 5_000_000 + "\n")
    one_line_error(score("mse", "--y-true", f"{tmp_path}/long.csv:y", "--y-pred", f"{tmp_path}/long.csv:p"),
                   "longer than")
    with open(tmp_path / "nohead.csv", "w") as f:
        f.write("y" * 3_000_000)
    one_line_error(score("mse", "--y-true", f"{tmp_path}/nohead.csv:y", "--y-pred",
                         f"{tmp_path}/nohead.csv:y"), "first line is longer")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_pipes_and_devices_are_refused(tmp_path, files):
    d, _ = files
    os.mkfifo(tmp_path / "fifo.csv")
    os.mkfifo(tmp_path / "fifo.npy")
    for spec in (f"{tmp_path}/fifo.csv:y", f"{tmp_path}/fifo.npy", "/dev/zero"):
        one_line_error(score("mse", "--y-true", spec, "--y-pred", f"{d}/p.npy"), "not a regular file")


def test_missing_pyarrow_says_which_extra(tmp_path, files):
    d, _ = files
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "from fastloss.__main__ import main\n"
            f"sys.exit(main(['score', 'mse', '--y-true', '{d}/d.csv:y', '--y-pred', '{d}/p.npy']))")
    r = run_python("-c", code)
    assert r.returncode == 2 and "pip install 'fastloss[cli]'" in r.stderr, r.stderr
    code = code.replace(f"'{d}/d.csv:y'", f"'{d}/y.npy'")
    r = run_python("-c", code)  # .npy needs NumPy only
    assert r.returncode == 0, r.stderr


def test_bare_command_version_and_plain_help():
    import re

    r = cli()
    assert r.returncode == 0 and r.stdout.startswith("usage: fastloss") and "score" in r.stdout
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"fastloss {fastloss.__version__}"
    for args in (("--help",), ("score", "--help"), ("bench", "--help")):
        r = cli(*args)
        assert r.returncode == 0
        assert not re.search(r"``|:func:|:class:|\*\*\w", r.stdout), r.stdout
    h = cli("score", "--help").stdout
    assert "(default: mean)" in h and "default 1e-15" in h and "--no-header" in h
    assert "default 1.0" in h  # huber's delta


# ---- the benchmark command ---------------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    (("--sizes", "-5"), r"--sizes: '-5' is not a size"),
    (("--sizes", "1e3,abc"), r"--sizes: 'abc' is not a size"),
    (("--sizes", "1.5"), r"--sizes: '1.5' is not a size"),
    (("--n-threads", "0"), r"--n-threads: '0' is not an integer >= 1"),
    (("--dtypes", "int8"), r"--dtypes: unknown dtype 'int8'"),
    (("--modes", "value,x"), r"--modes: unknown mode 'x'"),
    (("--losses", "mse,foo"), r"--losses: unknown loss 'foo'; one of: mse, mae"),
    (("--threads", "--losses", "foo"), r"--losses: unknown loss 'foo'"),
])
def test_bench_options_are_checked_before_measuring(args, msg):
    import re

    r = cli("bench", *args)
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    assert len(r.stderr.splitlines()) == 1 and re.search(msg, r.stderr), r.stderr


def test_bench_help_lists_every_option_with_its_default():
    h = " ".join(cli("bench", "--help").stdout.split())
    for opt in ("--full", "--sizes", "--losses", "--dtypes", "--n-threads", "--modes", "--no-compare",
                "--plot", "--threads", "--busy", "--metrics"):
        assert opt in h, opt
    assert "(default: 1)" in h and "about a minute" in h and "fastloss[plot]" in h


def test_bench_names_missing_competitors_and_says_how_to_run_the_full_sweep():
    from fastloss._compare import available

    r = cli("bench", "--losses", "mse", "--sizes", "1000")
    assert r.returncode == 0, r.stderr
    for lib, ok in available().items():
        assert (f"{lib} not installed" in r.stdout) == (not ok)
    assert "mse" in r.stdout and "--full" not in r.stdout  # an explicit size: not the headline
    r = cli("bench", "--losses", "mse", "--no-compare", "--sizes", "1000,10000")
    assert r.returncode == 0 and "not installed" not in r.stdout and "sklearn/fast" not in r.stdout


def test_bench_cache_floor_column_from_its_first_size_on():
    # the in-cache arithmetic's column: a ratio from CACHE_FROM elements on, "-" below
    from fastloss._bench import CACHE_FROM

    r = cli("bench", "--losses", "binary_cross_entropy_with_logits", "--no-compare",
            "--modes", "value", "--sizes", f"1000,{CACHE_FROM}")
    assert r.returncode == 0, r.stderr
    assert "cache/floor" in r.stdout
    small, big = [line.split() for line in r.stdout.splitlines()
                  if line.startswith("binary_cross_entropy_with_logits")]
    assert small[-1] == "-"
    assert big[-1].endswith("x") and float(big[-1][:-1]) > 0


def test_the_in_cache_arithmetic_is_the_slope_between_two_sizes(monkeypatch):
    # a call costing a fixed 5 us plus 2 ns an element: the fixed cost cancels and the
    # per-element time is what remains, whatever the sizes' element counts (rows x 10)
    from fastloss import _bench

    class Call:
        def __init__(self, n):
            self.n = n

        def __call__(self):
            pass

    monkeypatch.setattr(_bench, "implementations",
                        lambda case, data, n_threads: {"fastloss": Call(data[1].size)})
    monkeypatch.setattr(_bench, "_time", lambda fn, budget, number=None: 5e-6 + 2e-9 * fn.n)
    for loss in ("mse", "softmax_cross_entropy"):
        got = _bench.arithmetic_seconds(_bench.Case(loss, "value", "float64", 10**7))
        assert got == pytest.approx(2e-9, rel=1e-9)


def test_bench_full_prints_its_expected_duration_first():
    from fastloss._bench import FULL, estimate_seconds

    est = estimate_seconds(FULL["sizes"], None, FULL["dtypes"], FULL["modes"], True)
    assert 60 < est < 3600
    code = ("import sys, fastloss._bench as b; b.main = lambda **kw: print('ran', sorted(kw['sizes']));"
            "from fastloss.__main__ import main; sys.exit(main(['bench', '--full']))")
    r = run_python("-c", code)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("expected duration: about ") and lines[1].startswith("ran [10, 1000")


def test_bench_plot_checks_matplotlib_before_measuring(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import fastloss._bench as b; b.main = lambda **kw: print('measured')\n"
            "from fastloss.__main__ import main\n"
            f"sys.exit(main(['bench', '--plot', '{tmp_path}/c.png']))")
    r = run_python("-c", code)
    assert r.returncode == 2 and "measured" not in r.stdout
    assert "fastloss[plot]" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bench_chart_has_every_loss_and_mode(tmp_path):
    pytest.importorskip("matplotlib")
    from fastloss import _bench

    rows = []
    for loss in ("mse", "softmax_cross_entropy"):
        for mode in ("value", "grad"):
            for n in (100, 1000):
                case = _bench.Case(loss, mode, "float64", n)
                rows.append((case, {"fastloss": 1e-6 * n / 1000, "reference": 1e-5, "floor": 1e-7}))
    _bench.chart(rows, tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000

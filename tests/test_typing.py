"""Type information: py.typed, stubs generated from the table and current,
matching the runtime signatures, and accepted by mypy on real usage."""
import ast
import inspect
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import fastloss

PKG = pathlib.Path(fastloss.__file__).resolve().parent
ROOT = PKG.parent
CHECKOUT = pathlib.Path(__file__).resolve().parent.parent  # (the tests' own checkout)


def test_py_typed_and_stubs_are_installed():
    assert (PKG / "py.typed").exists()
    assert (PKG / "__init__.pyi").exists() and (PKG / "dask.pyi").exists()


@pytest.mark.skipif(not (CHECKOUT / "scripts" / "generate.py").exists(), reason="needs the checkout")
def test_generated_files_are_what_the_generator_writes():
    """The stubs and the docstring examples' results (fastloss/_examples.py)."""
    sys.path.insert(0, str(CHECKOUT / "scripts"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    rendered = generate.render()
    assert {p.name for p in rendered} == {"__init__.pyi", "dask.pyi", "torch.pyi", "_examples.py"}
    for path, text in rendered.items():
        assert path.read_text() == text, f"{path.name} is stale: run python scripts/generate.py"
        assert (PKG / path.name).read_text() == text, f"the installed {path.name} differs"


def _stub_functions(name):
    tree = ast.parse((PKG / name).read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_stub_signatures_match_the_runtime():
    stubs = _stub_functions("__init__.pyi")
    for name in fastloss.__all__:
        obj = getattr(fastloss, name)
        if not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        st = stubs[name]
        params = list(inspect.signature(obj).parameters.values())
        stub_names = [a.arg for a in st.args.args + st.args.kwonlyargs]
        assert stub_names == [p.name for p in params], name
        assert [a.arg for a in st.args.kwonlyargs] == [
            p.name for p in params if p.kind is p.KEYWORD_ONLY], name


def test_torch_stub_signatures_match_the_runtime():
    pytest.importorskip("torch")
    import fastloss.torch as flt

    stubs = _stub_functions("torch.pyi")
    for name in flt.__all__:
        if name == "Loss":
            continue
        params = list(inspect.signature(getattr(flt, name)).parameters.values())
        st = stubs[name]
        assert [a.arg for a in st.args.args + st.args.kwonlyargs] == [p.name for p in params], name


USAGE = '''
import numpy as np
import fastloss
from fastloss.metrics import log_loss

y = np.array([0.0, 1.0, 1.0])
p = np.array([0.2, 0.7, 0.9])
v: float | np.ndarray = fastloss.binary_cross_entropy(y, p, eps=1e-7, reduction="sum")
g: np.ndarray = fastloss.mse_grad(y, p, out=np.empty(3))
value, grad = fastloss.huber_value_and_grad(y, p, delta=0.5)
m = fastloss.Mean("mse").update(y, p)
r: float = m.result() + log_loss(y, p)
with fastloss.use_backend("numpy"):
    pass
'''


@pytest.mark.skipif(shutil.which("mypy") is None and not os.path.exists(
    os.path.join(os.path.dirname(sys.executable), "mypy")), reason="mypy not installed")
def test_mypy_accepts_typical_usage(tmp_path):
    env = dict(os.environ)
    if "site-packages" not in str(PKG):  # an editable install: mypy does not follow its hook
        env["MYPYPATH"] = str(ROOT)
    f = tmp_path / "usage.py"
    f.write_text(USAGE)
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir",
                        str(tmp_path / "cache"), str(f)], capture_output=True, text=True,
                       cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    bad = tmp_path / "bad.py"
    bad.write_text("import fastloss\nfastloss.mse([1.0], [2.0], reduction='avg')\n")
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir",
                        str(tmp_path / "cache"), str(bad)], capture_output=True, text=True,
                       cwd=tmp_path, env=env)
    assert r.returncode != 0 and "reduction" in r.stdout

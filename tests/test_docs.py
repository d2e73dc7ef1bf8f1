"""Every public function has a numpydoc docstring whose example runs."""
import ast
import dataclasses
import doctest
import inspect

import numpy as np
import pytest

import fastloss
from fastloss import _api, _losses
from fastloss import metrics

PUBLIC = [getattr(fastloss, n) for n in fastloss.__all__ if callable(getattr(fastloss, n))
          and not inspect.isclass(getattr(fastloss, n))]
PUBLIC += [getattr(metrics, n) for n in metrics.__all__]
PUBLIC += [fastloss.Mean, fastloss.TargetError, fastloss.ZeroWeightError]
try:
    import fastloss.dask as fdask

    PUBLIC += [getattr(fdask, n) for n in fdask.__all__]
except ImportError:  # (the dask extra is not installed)
    pass
for _name in ("torch", "xgboost", "lightgbm"):  # (each needs its extra)
    try:
        _mod = __import__(f"fastloss.{_name}", fromlist=["__all__"])
    except ImportError:
        continue
    PUBLIC += [getattr(_mod, n) for n in _mod.__all__ if callable(getattr(_mod, n))]


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda o: f"{o.__module__}.{o.__name__}")
def test_numpydoc_sections_and_example_runs(obj):
    doc = inspect.getdoc(obj)
    assert doc, obj
    sections = ["Examples"] + (["Parameters", "Returns"] if not inspect.isclass(obj)
                               and inspect.signature(obj).parameters else [])
    for section in sections:
        alt = "Yields" if section == "Returns" else section  # (a context manager)
        assert f"{section}\n--" in doc or f"{alt}\n--" in doc, (obj.__name__, section)
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    tests = finder.find(obj, obj.__name__, globs={})
    assert sum(len(t.examples) for t in tests) > 0
    for t in tests:
        runner.run(t)
    assert runner.failures == 0, f"{obj.__name__}: {runner.failures} failing example(s)"


def test_the_readme_python_example_runs():
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    if not readme.exists():
        pytest.skip("no source checkout")
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert blocks
    import importlib.util

    for code in blocks:
        needs = [m for m in ("dask", "torch", "xgboost", "lightgbm")
                 if re.search(rf"^import .*\b{m}\b", code, re.M)]
        if any(importlib.util.find_spec(m) is None for m in needs):
            continue  # (an optional dependency not installed)
        exec(compile(code, "README.md", "exec"), {})


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda o: f"{o.__module__}.{o.__name__}")
def test_numpydoc_sections_are_well_formed(obj):
    import re

    doc = inspect.getdoc(obj)
    for m in re.finditer(r"\n([A-Z][\w ]*)\n(-+)\n", doc):
        assert doc[m.start() - 1] == "\n", f"no blank line before {m.group(1)!r}"
        assert len(m.group(2)) == len(m.group(1)), f"underline of {m.group(1)!r}"
    assert "seed" not in doc.lower()


def test_public_modules_show_their_public_names_only():
    import fastloss.metrics
    import fastloss.reference

    mods = [fastloss, fastloss.metrics, fastloss.reference]
    try:
        import fastloss.dask

        mods.append(fastloss.dask)
    except ImportError:
        pass
    for mod in mods:
        shown = set(dir(mod))
        assert set(mod.__all__) <= shown, mod.__name__
        imports = {"np", "numbers", "Literal", "warnings", "annotations", "da"}
        if mod is not fastloss:  # (fastloss.dask is a public submodule)
            imports.add("dask")
        assert not imports & shown, (mod.__name__, imports & shown)
    r = repr(fastloss.LOSSES)
    assert len(r) < 2500 and "<elementwise loss mse(y_pred)>" in r and "function" not in r


@pytest.mark.parametrize("kind", ["elementwise", "rows"])
@pytest.mark.parametrize("domain", [_losses.REAL, _losses.SCORE, _losses.LOGIT, _losses.PROBABILITY],
                         ids=lambda d: d.name)
def test_every_kind_of_loss_has_docstring_example_inputs(kind, domain):
    # a new loss of any kind and prediction domain gets example inputs that
    # its own reference formula accepts
    base = next(loss for loss in fastloss.LOSSES if loss.kind == kind)
    loss = dataclasses.replace(base, pred_domain=domain)
    y, p = (np.array(ast.literal_eval(s)) for s in _api.example_inputs(loss))
    assert p.ndim == (2 if kind == "rows" else 1)
    assert domain.contains(p).all()

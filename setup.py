"""Build of the fastloss extension: Cython entry + C kernels.

Flags are portable: -O3 -fno-math-errno -fno-trapping-math; no tuning for the
build machine's CPU and no fast-math (it would break NaN/inf and, at link time,
switch the whole process to flush-to-zero); -fno-fast-math, last on the compile
and link lines, even undoes one that arrives through the environment's CFLAGS.
Wider vectors: on x86-64 with GCC the kernels' translation units are compiled
once per instruction-set level (-march=x86-64-v4, -march=x86-64-v3 and the
baseline; small wrappers in build/gen define FL_LEVEL and include the unit)
and one level's table is picked at import from the CPU's features (see
src_c/fl_math.h); the support code uses target_clones.  Threads come from the
kernels' own pool of POSIX threads (src_c/fl_pool.c).

The C sources are compiled in parallel (one job per CPU), without debug
information; the Cython-generated C goes to build/cython, outside the package.

Environment:
  FASTLOSS_SANITIZE=1    build with AddressSanitizer and UndefinedBehaviorSanitizer
                         (run Python with the runtimes preloaded: scripts/sanitize.sh)
  FASTLOSS_DEBUG=1       keep debug information (-g) in the extension
"""
import os
import platform
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# -fno-fast-math first: it resets -fmath-errno, so -fno-math-errno must follow it
COMPILE = ["-fno-fast-math", "-O3", "-fno-math-errno", "-fno-trapping-math",
           "-Werror=implicit-function-declaration"]
# last on the link line too: a fast-math flag from the environment would otherwise
# link crtfastmath.o, which turns on flush-to-zero for the whole process
LINK = ["-fno-fast-math"]


if os.environ.get("FASTLOSS_SANITIZE"):
    SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           "-fno-omit-frame-pointer", "-g"]
    COMPILE += SAN
    LINK += SAN

# threads: the kernels' own pool (src_c/fl_pool.c) on POSIX threads
COMPILE.insert(0, "-pthread")
LINK.insert(0, "-pthread")
if not (os.environ.get("FASTLOSS_DEBUG") or os.environ.get("FASTLOSS_SANITIZE")):
    COMPILE.append("-g0")  # (after Python's own CFLAGS, which carry -g)
    LINK.append("-g0")


# The elementwise kernels are built at -O2 with the dynamic vectorizer cost
# model and complete peeling of short loops: each group of 32 elements
# vectorizes and is unrolled whole (its lanes' sums stay in registers), as at
# -O3, without -O3's unroll-and-jam (which interleaves two groups, their
# loads out of order, and slows the memory-bound float32 losses) and its other
# loop transforms, which gain nothing here and cost compile time.  (The row
# kernels gain from -O3.)
ELEMENTWISE_FLAGS = ["-O2", "-fvect-cost-model=dynamic", "-fpeel-loops"]
# the kernels' units, compiled once per instruction-set level: (level, -march flags)
LEVEL_UNITS = ["fl_ew_f64.c", "fl_ew_f32.c", "fl_rows_kernels.c", "fl_vmath_v4.c", "fl_vmathf.c"]
MULTI_LEVEL = (platform.machine().lower() in ("x86_64", "amd64")
               and "clang" not in os.environ.get("CC", "") and sys.platform.startswith("linux"))
LEVELS = [(4, ["-march=x86-64-v4"]), (3, ["-march=x86-64-v3"]), (1, [])] if MULTI_LEVEL \
    else [(1, [])]


def _level_sources():
    """build/gen/<unit>_v<level>.c: FL_LEVEL defined, then the unit included."""
    os.makedirs(os.path.join("build", "gen"), exist_ok=True)
    out = {}
    for unit in LEVEL_UNITS:
        for level, march in LEVELS:
            path = os.path.join("build", "gen", f"{unit[:-2]}_v{level}.c")
            text = f'#define FL_LEVEL {level}\n#include "{unit}"\n'
            if not os.path.exists(path) or open(path).read() != text:
                with open(path, "w") as f:
                    f.write(text)
            out[os.path.basename(path)] = (unit, march)
    return out


LEVEL_SOURCES = _level_sources()
ELEMENTWISE = {name for name, (unit, _) in LEVEL_SOURCES.items() if unit.startswith("fl_ew_")}
# the translation units that take longest to compile (started first)
SLOWEST = set(ELEMENTWISE)


class ParallelBuildExt(build_ext):
    """Compile the extension's C files in parallel: the kernels are split over
    several translation units, and the largest alone takes most of the build."""

    def build_extension(self, ext):
        compile_one = self.compiler.compile
        jobs = max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else (os.cpu_count() or 1), 8))

        gcc = "clang" not in " ".join(getattr(self.compiler, "compiler_so", None) or [])

        def compile_file(f, args, kwargs):
            name = os.path.basename(f)
            extra = list(LEVEL_SOURCES[name][1]) if name in LEVEL_SOURCES else []
            if gcc and name in ELEMENTWISE:
                extra += ELEMENTWISE_FLAGS
            if extra:
                kwargs = dict(kwargs, extra_postargs=list(kwargs.get("extra_postargs") or [])
                              + extra)
            return compile_one([f], *args, **kwargs)

        def compile_parallel(sources, *args, **kwargs):
            # the slowest files first (the kernels of each dtype, then the
            # largest), so that they do not end the build alone
            order = sorted(sources, key=lambda f: (os.path.basename(f) not in SLOWEST,
                                                   -os.path.getsize(f)))
            with ThreadPoolExecutor(jobs) as pool:
                objs = dict(zip(order, pool.map(lambda f: compile_file(f, args, kwargs),
                                                order)))
            return [o for f in sources for o in objs[f]]

        self.compiler.compile = compile_parallel
        try:
            super().build_extension(ext)
        finally:
            self.compiler.compile = compile_one


def _generate_table():
    """build/gen/fl_table.h from the loss table (fastloss/_losses.py, loaded on
    its own: the package is not importable before it is built)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_fastloss_losses", os.path.join("fastloss", "_losses.py"))
    losses = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = losses  # (dataclasses look their module up)
    spec.loader.exec_module(losses)
    os.makedirs(os.path.join("build", "gen"), exist_ok=True)
    path = os.path.join("build", "gen", "fl_table.h")
    text = losses.c_table()
    old = open(path).read() if os.path.exists(path) else None
    if text != old:  # (unchanged: keep its time stamp, nothing to rebuild)
        with open(path, "w") as f:
            f.write(text)
    return path


TABLE = _generate_table()

ext = Extension(
    "fastloss._ext",
    sources=["fastloss/_ext.pyx", "src_c/fl_ew.c", "src_c/fl_rows.c", "src_c/fl_driver.c",
             "src_c/fl_pool.c", "src_c/fl_support.c", "src_c/fl_factorize.c"]
    + [os.path.join("build", "gen", name) for name in LEVEL_SOURCES],
    include_dirs=[np.get_include(), "src_c", os.path.dirname(TABLE)],
    depends=[os.path.join("src_c", f) for f in os.listdir("src_c") if f.endswith(".h")] + [TABLE],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
                   ("FL_MULTI_LEVEL", "1" if MULTI_LEVEL else "0")],
    extra_compile_args=COMPILE,
    extra_link_args=LINK,
    libraries=["m"],
)

setup(ext_modules=cythonize([ext], build_dir="build/cython",
                            compiler_directives={"language_level": "3"}),
      cmdclass={"build_ext": ParallelBuildExt})

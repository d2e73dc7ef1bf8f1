"""Build of the fastloss extension: Cython entry + C kernels.

Flags are portable: -O3 -fno-math-errno -fno-trapping-math; no tuning for the
build machine's CPU and no fast-math (it would break NaN/inf and, at link time,
switch the whole process to flush-to-zero); -fno-fast-math, last on the compile
and link lines, even undoes one that arrives through the environment's CFLAGS.  Wider vectors come from target_clones in the C
kernels, chosen at run time.  Threads come from the kernels' own pool of
POSIX threads (src_c/fl_pool.c).

Environment:
  FASTLOSS_SANITIZE=1    build with AddressSanitizer and UndefinedBehaviorSanitizer
                         (run Python with the runtimes preloaded: scripts/sanitize.sh)
"""
import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

# -fno-fast-math first: it resets -fmath-errno, so -fno-math-errno must follow it
COMPILE = ["-fno-fast-math", "-O3", "-fno-math-errno", "-fno-trapping-math"]
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

ext = Extension(
    "fastloss._ext",
    sources=["fastloss/_ext.pyx", "src_c/fl_kernels.c", "src_c/fl_rows.c",
             "src_c/fl_factorize.c", "src_c/fl_pool.c"],
    include_dirs=[np.get_include(), "src_c"],
    depends=["src_c/fl_kernels.h", "src_c/fl_losses.h", "src_c/fl_common.h", "src_c/fl_pool.h"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    extra_compile_args=COMPILE,
    extra_link_args=LINK,
    libraries=["m"],
)

setup(ext_modules=cythonize([ext], compiler_directives={"language_level": "3"}))

"""Build of the fastloss extension: Cython entry + C kernels.

Flags are portable: -O3 -fno-math-errno -fno-trapping-math; no tuning for the
build machine's CPU and no fast-math (it would break NaN/inf and, at link time,
switch the whole process to flush-to-zero); -fno-fast-math, last on the compile
and link lines, even undoes one that arrives through the environment's CFLAGS.  Wider vectors come from target_clones in the C
kernels, chosen at run time.  OpenMP is used when the compiler supports it.

Environment:
  FASTLOSS_NO_OPENMP=1   build without OpenMP (single-threaded kernels)
  FASTLOSS_SANITIZE=1    build with AddressSanitizer and UndefinedBehaviorSanitizer
                         (run Python with the runtimes preloaded: scripts/sanitize.sh)
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

# -fno-fast-math first: it resets -fmath-errno, so -fno-math-errno must follow it
COMPILE = ["-fno-fast-math", "-O3", "-fno-math-errno", "-fno-trapping-math"]
# last on the link line too: a fast-math flag from the environment would otherwise
# link crtfastmath.o, which turns on flush-to-zero for the whole process
LINK = ["-fno-fast-math"]


def _compiler():
    import sysconfig

    return (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()


def _has_openmp():
    if os.environ.get("FASTLOSS_NO_OPENMP"):
        return False
    src = "#include <omp.h>\nint main(void){int n=0;\n#pragma omp parallel reduction(+:n)\nn+=1;\nreturn n>0?0:1;}\n"
    d = tempfile.mkdtemp()
    try:
        with open(os.path.join(d, "t.c"), "w") as f:
            f.write(src)
        r = subprocess.run(_compiler() + ["-fopenmp", "t.c", "-o", "t"], cwd=d,
                           capture_output=True)
        return r.returncode == 0
    except OSError:
        return False
    finally:
        shutil.rmtree(d, ignore_errors=True)


if os.environ.get("FASTLOSS_SANITIZE"):
    SAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           "-fno-omit-frame-pointer", "-g"]
    COMPILE += SAN
    LINK += SAN

if _has_openmp():
    COMPILE.append("-fopenmp")
    LINK.append("-fopenmp")
else:
    print("fastloss: building WITHOUT OpenMP (kernels run single-threaded)", file=sys.stderr)

ext = Extension(
    "fastloss._ext",
    sources=["fastloss/_ext.pyx", "src_c/fl_kernels.c", "src_c/fl_rows.c",
             "src_c/fl_factorize.c"],
    include_dirs=[np.get_include(), "src_c"],
    depends=["src_c/fl_kernels.h", "src_c/fl_losses.h", "src_c/fl_common.h"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    extra_compile_args=COMPILE,
    extra_link_args=LINK,
    libraries=["m"],
)

setup(ext_modules=cythonize([ext], compiler_directives={"language_level": "3"}))

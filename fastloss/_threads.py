"""How many threads the kernels may use in this process.

* ``cpu_count()``: the CPUs this process may run on: its CPU affinity
  (``taskset``, ``os.sched_setaffinity``), further limited by a cgroup CPU
  quota (containers: ``docker --cpus``, Kubernetes CPU limits).
* Explicit ``n_threads`` are capped at ``thread_cap()``: ``cpu_count()``, or
  ``FASTLOSS_MAX_THREADS`` when that is set (e.g. to study oversubscription
  in a benchmark; at most the kernels' limit, 256).  More threads than CPUs only wait for each
  other.
* ``n_threads=None`` uses at most ``default_threads()``: ``cpu_count()``, or
  less when ``OMP_NUM_THREADS`` (the usual knob of numerical libraries, also
  set by joblib/loky in its workers) asks for less.  threadpoolctl changes it
  at run time (``threadpool_limits(1)``; the library is listed with
  ``user_api="fastloss"``).
"""
from __future__ import annotations

import math
import os

def _cgroup_cpus():
    """CPUs allowed by a cgroup CPU quota, or None when there is none."""
    try:  # cgroup v2: "max 100000" or "<quota> <period>"
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
        return None
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
            quota = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
            period = int(f.read())
        if quota > 0 and period > 0:
            return max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        pass
    return None


def cpu_count():
    """The CPUs this process may use (affinity, then cgroup quota), >= 1."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    q = _cgroup_cpus()
    return max(1, min(n, q) if q else n)


def _env_int(name):
    v = os.environ.get(name, "").strip()
    if not v:
        return None
    try:
        n = int(v.split(",")[0])  # OMP_NUM_THREADS may list nested levels
    except ValueError:
        return None
    return n if n >= 1 else None


def thread_cap(max_threads):
    """The most threads an explicit n_threads gets (max_threads: the kernels'
    own limit)."""
    forced = _env_int("FASTLOSS_MAX_THREADS")
    return min(forced if forced else cpu_count(), max_threads)


def default_threads():
    """The most threads n_threads=None uses (before threadpoolctl)."""
    n = cpu_count()
    omp = _env_int("OMP_NUM_THREADS")
    return min(n, omp) if omp else n


def register_threadpoolctl(version):
    """Make threadpoolctl see fastloss's thread pool (when threadpoolctl is
    installed): ``threadpool_info()`` lists it with ``user_api="fastloss"``,
    ``threadpool_limits(n)`` caps the threads of ``n_threads=None``."""
    try:
        import threadpoolctl
    except ImportError:
        return
    if not hasattr(threadpoolctl, "register") or not hasattr(threadpoolctl, "LibController"):
        return  # threadpoolctl < 3.0

    class FastlossController(threadpoolctl.LibController):
        user_api = "fastloss"
        internal_api = "fastloss"
        filename_prefixes = ("_ext",)  # fastloss/_ext.*.so, told apart by its symbols
        check_symbols = ("fastloss_get_num_threads", "fastloss_set_num_threads")

        def get_num_threads(self):
            return self.dynlib.fastloss_get_num_threads()

        def set_num_threads(self, num_threads):
            self.dynlib.fastloss_set_num_threads(int(num_threads))

        def get_version(self):
            return version

    threadpoolctl.register(FastlossController)

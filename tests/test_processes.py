"""Processes, thread limits and signals: fork routes, thread caps and thread
start failures, Ctrl-C.  Each case runs in a fresh interpreter with a timeout,
so a hang fails the test instead of the suite."""
import os
import subprocess
import sys
import textwrap

import pytest

import fastloss

HERE = os.path.dirname(os.path.abspath(__file__))


def run(code, timeout=120, env=None, drop=("FASTLOSS_MAX_THREADS",)):
    """Run code in a fresh interpreter (from the tests folder, so that the
    installed package is imported); returns the CompletedProcess."""
    e = {k: v for k, v in os.environ.items() if k not in drop}
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=e, cwd=HERE, timeout=timeout)


PARENT = """
import numpy as np, fastloss
rng = np.random.default_rng(0)
y = rng.standard_normal(2_000_000); p = rng.standard_normal(2_000_000)
# the parent has run multi-threaded calls before forking
expect = fastloss.mse(y, p, n_threads=2)
assert fastloss.info()["pool_workers"] >= min(1, fastloss.info()["thread_cap"] - 1)

def work(nt):
    return fastloss.mse(y, p, n_threads=nt), fastloss.softmax_cross_entropy(
        np.arange(50_000) % 7, p[:350_000].reshape(50_000, 7), n_threads=nt)

ref = work(1)
"""

ROUTES = {
    "os.fork": """
        import os
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            ok = work(None) == ref and work(2) == ref and work(None)[0] == expect
            os.write(w, b"ok" if ok else b"mismatch")
            os._exit(0)
        os.close(w)
        got = os.read(r, 100)
        os.waitpid(pid, 0)
        print(got.decode())
    """,
    "multiprocessing Pool (fork)": """
        import multiprocessing as mp
        with mp.get_context("fork").Pool(2) as pool:
            res = pool.map(work, [None, 2, None, 2])
        print("ok" if all(r == ref for r in res) else "mismatch")
    """,
    "ProcessPoolExecutor (fork)": """
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
            res = list(ex.map(work, [None, 2, None, 2]))
        print("ok" if all(r == ref for r in res) else "mismatch")
    """,
    "joblib multiprocessing": """
        from joblib import Parallel, delayed
        res = Parallel(n_jobs=2, backend="multiprocessing")(delayed(work)(t) for t in [None, 2, None, 2])
        print("ok" if all(r == ref for r in res) else "mismatch")
    """,
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_forked_children_complete_with_the_same_values(route):
    if route.startswith("joblib"):
        pytest.importorskip("joblib")
    r = run(PARENT + textwrap.dedent(ROUTES[route]), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "ok", (r.stdout, r.stderr[-2000:])


def test_explicit_n_threads_is_capped_at_the_cpus_the_process_may_use():
    r = run("""
        import os, numpy as np, fastloss
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        fastloss._dispatch._configure_threads()  # (as a process started this way)
        x = np.ones(3_000_000)
        v = fastloss.mse(x, 2 * x, n_threads=256)
        i = fastloss.info()
        print(v, i["cpus"], i["thread_cap"], i["threads"], i["pool_workers"])
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1.0", "1", "1", "1", "0"]


def test_the_cap_follows_the_affinity_a_process_starts_with():
    r = run("""
        import fastloss, numpy as np
        x = np.ones(3_000_000)
        fastloss.mse(x, x, n_threads=64)
        i = fastloss.info()
        print(i["thread_cap"], i["pool_workers"])
    """)
    cpus = len(os.sched_getaffinity(0))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(cpus), str(cpus - 1)]
    if sys.platform.startswith("linux") and cpus > 1:  # taskset-like start
        r = subprocess.run(["taskset", "-c", "0", sys.executable, "-c",
                            "import fastloss; print(fastloss.info()['thread_cap'])"],
                           capture_output=True, text=True, cwd=HERE,
                           env={k: v for k, v in os.environ.items() if k != "FASTLOSS_MAX_THREADS"})
        if r.returncode == 0:
            assert r.stdout.strip() == "1"


@pytest.mark.skipif(bool(os.environ.get("FASTLOSS_UNDER_SANITIZER")),
                    reason="AddressSanitizer reserves terabytes of address space: no RLIMIT_AS")
@pytest.mark.parametrize("limit", ["1 GiB", "2 GiB", "tight"])
def test_thread_start_failure_under_a_memory_limit_is_not_an_exit(limit):
    # FASTLOSS_MAX_THREADS lifts the cap, so 256 threads are really attempted.
    # "tight" leaves room for a few dozen thread stacks only: most threads cannot
    # start, and the call runs on fewer (or raises MemoryError), never exit(1)
    r = run(f"""
        import resource, numpy as np, fastloss
        x = np.ones(2_000_000)
        expect = fastloss.mse_grad(x, 2 * x, n_threads=1)
        if "{limit}" == "tight":
            vm = int(next(l for l in open("/proc/self/status") if l.startswith("VmSize")).split()[1])
            lim = (vm << 10) + (48 << 20)
        else:
            lim = int("{limit}".split()[0]) << 30
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
        res = "none"
        try:
            v = fastloss.mse(x, 2 * x, n_threads=256)
            g = fastloss.mse_grad(x, 2 * x, n_threads=256)
            res = "ok" if v == 1.0 and np.array_equal(g, expect) else "wrong"
        except MemoryError:
            res = "MemoryError"
        finally:
            print("finally ran")
        print(res, fastloss.info()["pool_workers"])
    """, env={"FASTLOSS_MAX_THREADS": "256"})
    assert r.returncode == 0, (r.stdout, r.stderr[-2000:])
    lines = r.stdout.split("\n")
    assert lines[0] == "finally ran" and lines[1].split()[0] in ("ok", "MemoryError"), r.stdout
    if limit == "tight":
        assert int(lines[1].split()[1]) < 255, r.stdout  # some threads could not start


def test_ctrl_c_interrupts_a_long_call_quickly_and_leaves_nothing_running():
    r = run("""
        import os, signal, threading, time, numpy as np, fastloss
        n = 10**9  # stride-0 views: a billion elements without the memory
        y = np.broadcast_to(np.float64(1.0), (n,)); p = np.broadcast_to(np.float64(0.3), (n,))
        small = (np.zeros(1000), np.full(1000, 0.3))
        expect = fastloss.binary_cross_entropy_with_logits(*small)
        for nt in (1, 2, None):
            sent = []
            def fire():
                time.sleep(0.3)
                sent.append(time.perf_counter())
                os.kill(os.getpid(), signal.SIGINT)
            th = threading.Thread(target=fire)
            th.start()
            t0 = time.perf_counter()
            try:
                fastloss.binary_cross_entropy_with_logits(y, p, n_threads=nt)
                print("completed", time.perf_counter() - t0)
            except KeyboardInterrupt:
                print("latency", time.perf_counter() - sent[0])
            th.join()
            c0 = os.times(); time.sleep(0.3); c1 = os.times()
            print("idle_cpu", (c1.user - c0.user) + (c1.system - c0.system))
            print("next", fastloss.binary_cross_entropy_with_logits(*small) == expect)
    """, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lat = [float(line.split()[1]) for line in r.stdout.splitlines() if line.startswith("latency")]
    idle = [float(line.split()[1]) for line in r.stdout.splitlines() if line.startswith("idle_cpu")]
    assert len(lat) == 3, r.stdout
    assert max(lat) < 0.2, r.stdout
    assert max(idle) < 0.1, r.stdout  # no worker still computing
    assert r.stdout.count("next True") == 3


def test_an_interrupted_call_changes_nothing_in_the_next_ones():
    # the same blocks in the same order: values after an interruption are bitwise
    # those of an undisturbed process
    code = """
        import os, signal, threading, time, numpy as np, fastloss
        rng = np.random.default_rng(5)
        y, p = rng.standard_normal(3_000_000), rng.standard_normal(3_000_000)
        if INTERRUPT:
            big = np.broadcast_to(np.float64(0.3), (10**9,))
            threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
            try:
                fastloss.huber(big, big)
            except KeyboardInterrupt:
                pass
        print(fastloss.huber(y, p).hex(), fastloss.huber(y, p, n_threads=2).hex())
    """
    a = run("INTERRUPT = True\n" + textwrap.dedent(code))
    b = run("INTERRUPT = False\n" + textwrap.dedent(code))
    assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
    assert a.stdout == b.stdout and len(set(a.stdout.split())) == 1


def test_pool_info_and_threadpoolctl_after_fork():
    r = run("""
        import os, numpy as np, fastloss
        x = np.ones(1_000_000)
        fastloss.mse(x, x, n_threads=2)
        pid = os.fork()
        if pid == 0:
            w0 = fastloss.info()["pool_workers"]  # threads do not survive a fork
            fastloss.mse(x, x, n_threads=2)
            os._exit(0 if w0 == 0 and fastloss.info()["pool_workers"] == min(1, fastloss.info()["thread_cap"] - 1) else 3)
        print(os.waitpid(pid, 0)[1])
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"


@pytest.mark.skipif(fastloss.info()["cpus"] < 2, reason="one CPU: nothing to share")
def test_a_second_caller_runs_alone_while_the_pool_is_busy():
    # two Python threads each asking for 2 threads on a 2-CPU cap: one uses the
    # pool, the other runs on its own thread; both get the single-thread bits
    import threading

    import numpy as np

    rng = np.random.default_rng(6)
    y, p = rng.standard_normal(2_000_000), rng.standard_normal(2_000_000)
    expect = fastloss.mae(y, p, n_threads=1)
    got, errors = [], []

    def worker():
        try:
            for _ in range(20):
                got.append(fastloss.mae(y, p, n_threads=2))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and len(got) == 60 and all(v == expect for v in got)


def test_busy_machine_report_runs_and_stops_its_load():
    import io

    from fastloss._bench import busy_report

    out = io.StringIO()
    rows = busy_report(sizes=(200_000,), losses=("mse",), budget=5, file=out)
    assert len(rows) == 1 and rows[0][:2] == ("mse", 200_000) and rows[0][2] > 0
    assert "auto/one p50" in out.getvalue()
    pid = int(out.getvalue().split("(pid ")[1].split(")")[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the spinning process is gone

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled backend of fastloss: validation fast path and dispatch to the C kernels.

``call`` is the single entry of every public function.  Its fast path takes
native, aligned, C-contiguous float32/float64 arrays with default options and
goes straight to the kernel; anything else goes through the shared Python
validation (``_validate.prepare``), is flattened (strided views are walked,
not copied) and runs through the same kernel invocation (``_execute``).
"""
import numpy as np
cimport numpy as cnp
from cpython.contextvars cimport get_value
from libc.math cimport isfinite
from libc.stdint cimport uint64_t

from ._validate import prepare, zero_weight_error
from ._losses import REDUCTIONS
from . import _backend

cnp.import_array()

cdef extern from "fl_kernels.h" nogil:
    ctypedef Py_ssize_t fl_intp
    ctypedef struct fl_ew_job:
        fl_intp n
        const char *y
        fl_intp sy
        const char *p
        fl_intp sp
        const char *w
        fl_intp sw
        char *lo
        fl_intp slo
        char *g
        fl_intp sg
        double gscale
        double opt[2]
        int want_sum
    int FL_BLOCK
    int fl_ew_index(const char *name)
    int fl_ew_count()
    const char *fl_ew_name(int i)
    int fl_ew_run(int loss, int f32, const fl_ew_job *job, int n_threads, double *sums)
    int fl_wsum_run(int f32, const fl_ew_job *job, int n_threads, double *sum_w)
    uint64_t fl_floor_read(const uint64_t *a, const uint64_t *b, fl_intp nwords)
    void fl_floor_read_write(const uint64_t *a, const uint64_t *b, uint64_t *out, fl_intp nwords)
    int fl_have_openmp()
    int fl_omp_max_threads()
    const char *fl_simd_path()

cdef enum:
    MODE_VALUE = 0
    MODE_GRAD = 1
    RED_MEAN = 0
    RED_SUM = 1
    RED_NONE = 2
    MAX_OPTS = 2
    # below this many elements the GIL is kept: releasing it costs more than the work
    NOGIL_MIN = 4096
    # automatic threading: minimum elements per thread, by what bounds the loss
    MIN_PER_THREAD_MEMORY = 1 << 20
    MIN_PER_THREAD_COMPUTE = 1 << 15
    MAX_THREADS = 256

cdef object _reference = None  # the fastloss.reference module, bound lazily
cdef object _backend_var = _backend.BACKEND_VAR
cdef object _COMPILED = "compiled"
cdef object _default_backend = "numpy"
cdef object _ndarray = np.ndarray

BLOCK = FL_BLOCK
KERNEL_NAMES = tuple(fl_ew_name(i).decode() for i in range(fl_ew_count()))

_CHECKS = {"any": 0, "positive": 1, "nonnegative": 2, "unit_interval": 3}


cdef class Kernel:
    """Handle binding one table entry to its C kernel (given to the API)."""
    cdef readonly object loss
    cdef int kid
    cdef int nopts
    cdef int check[MAX_OPTS]
    cdef int compute_bound

    def __init__(self, loss):
        self.loss = loss
        self.kid = fl_ew_index(loss.name.encode())
        if self.kid < 0:
            raise ImportError(f"fastloss: the compiled table has no kernel for {loss.name!r}")
        self.nopts = len(loss.options)
        if self.nopts > MAX_OPTS:
            raise ImportError(f"fastloss: {loss.name!r} has more than {MAX_OPTS} options")
        for i, o in enumerate(loss.options):
            self.check[i] = _CHECKS[o.check]
        self.compute_bound = loss.bound == "compute"


cdef inline bint _opt_ok(int check, double v) noexcept:
    if check == 1:
        return v > 0 and isfinite(v)
    if check == 2:
        return v >= 0 and isfinite(v)
    if check == 3:
        return 0 <= v < 1
    return isfinite(v)


cdef inline int _red_code(object reduction):
    if reduction is None:
        return -1
    if reduction == "mean":
        return RED_MEAN
    if reduction == "sum":
        return RED_SUM
    if reduction == "none":
        return RED_NONE
    return -1


cdef inline bint _overlaps(cnp.ndarray a, cnp.ndarray b) noexcept:
    """Byte ranges of two contiguous arrays intersect."""
    cdef char *a0 = cnp.PyArray_BYTES(a)
    cdef char *b0 = cnp.PyArray_BYTES(b)
    cdef Py_ssize_t na = cnp.PyArray_NBYTES(a), nb = cnp.PyArray_NBYTES(b)
    return na > 0 and nb > 0 and a0 < b0 + nb and b0 < a0 + na


cdef int _auto_threads(Kernel k, Py_ssize_t n):
    cdef Py_ssize_t per = MIN_PER_THREAD_COMPUTE if k.compute_bound else MIN_PER_THREAD_MEMORY
    cdef Py_ssize_t t
    if n < 2 * per:
        return 1
    t = fl_omp_max_threads()
    if t > n // per:
        t = n // per
    return <int>max(1, min(t, MAX_THREADS))


cdef inline void _bind(const char **ptr, fl_intp *stride, cnp.ndarray a) noexcept:
    ptr[0] = cnp.PyArray_BYTES(a)
    stride[0] = cnp.PyArray_STRIDE(a, 0) if cnp.PyArray_NDIM(a) > 0 else cnp.PyArray_ITEMSIZE(a)


cdef object _execute(Kernel k, int mode, int red, bint f32, fl_ew_job *job,
                     bint weighted, int n_threads, object value_out, object grad_out):
    """Run the kernel on a filled job; build the result."""
    cdef double sums[2]
    cdef double total_w = <double>job.n
    cdef int rc = 0
    job.want_sum = mode != MODE_GRAD and red != RED_NONE
    job.gscale = 1.0
    if mode != MODE_VALUE and red == RED_MEAN:
        if weighted:
            with nogil:
                rc = fl_wsum_run(f32, job, n_threads, &total_w)
            if rc:
                raise MemoryError("fastloss: out of memory for block sums")
            if total_w == 0:
                raise zero_weight_error()
        job.gscale = 1.0 / total_w
    if job.n >= NOGIL_MIN:
        with nogil:
            rc = fl_ew_run(k.kid, f32, job, n_threads, sums)
    else:
        rc = fl_ew_run(k.kid, f32, job, n_threads, sums)
    if rc:
        raise MemoryError("fastloss: out of memory for block sums")
    if mode == MODE_GRAD:
        return grad_out
    if red == RED_SUM:
        value = sums[0]
    elif red == RED_MEAN:
        if sums[1] == 0:
            raise zero_weight_error()
        value = sums[0] / sums[1]
    else:
        value = value_out
    if mode == MODE_VALUE:
        return value
    return (value, grad_out)


cdef object _fast(Kernel k, int mode, object y_true, object y_pred, object n_threads,
                  object out, tuple opts, int red):
    """The fast path; returns None when its cheap checks do not all hold."""
    cdef cnp.ndarray yt = <cnp.ndarray>y_true, yp = <cnp.ndarray>y_pred, go
    cdef int tn = cnp.PyArray_TYPE(yp), i, nt = 1
    cdef fl_ew_job job
    cdef Py_ssize_t n
    if (tn != cnp.NPY_DOUBLE and tn != cnp.NPY_FLOAT) or cnp.PyArray_TYPE(yt) != tn:
        return None
    if not (cnp.PyArray_ISCARRAY_RO(yp) and cnp.PyArray_ISCARRAY_RO(yt)
            and cnp.PyArray_ISNOTSWAPPED(yp) and cnp.PyArray_ISNOTSWAPPED(yt)
            and cnp.PyArray_SAMESHAPE(yp, yt)):
        return None
    n = cnp.PyArray_SIZE(yp)
    if red == RED_MEAN and n == 0:
        return None
    if n_threads is not None:
        if type(n_threads) is not int or n_threads < 1 or n_threads > MAX_THREADS:
            return None
        nt = n_threads
    else:
        nt = _auto_threads(k, n) if n >= 2 * MIN_PER_THREAD_COMPUTE else 1
    job.opt[0] = 0.0
    job.opt[1] = 0.0
    for i in range(k.nopts):
        v = opts[i]
        if type(v) is not float and type(v) is not int:
            return None
        job.opt[i] = v
        if not _opt_ok(k.check[i], job.opt[i]):
            return None
    if out is not None:
        if type(out) is not _ndarray:
            return None
        go = <cnp.ndarray>out
        if not (cnp.PyArray_TYPE(go) == tn and cnp.PyArray_ISCARRAY(go)
                and cnp.PyArray_ISNOTSWAPPED(go) and cnp.PyArray_SAMESHAPE(go, yp)
                and not _overlaps(go, yp) and not _overlaps(go, yt)):
            return None
    elif mode != MODE_VALUE:
        go = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(yp), cnp.PyArray_DIMS(yp), tn, 0)
    else:
        go = None
    job.n = n
    job.y = cnp.PyArray_BYTES(yt)
    job.p = cnp.PyArray_BYTES(yp)
    job.sy = job.sp = cnp.PyArray_ITEMSIZE(yp)
    job.w = NULL
    job.sw = 0
    job.lo = NULL
    job.slo = job.sy
    lo = None
    if red == RED_NONE and mode != MODE_GRAD:
        lo = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(yp), cnp.PyArray_DIMS(yp), tn, 0)
        job.lo = cnp.PyArray_BYTES(<cnp.ndarray>lo)
    job.g = NULL
    job.sg = job.sy
    if go is not None:
        job.g = cnp.PyArray_BYTES(go)
    return _execute(k, mode, red, tn == cnp.NPY_FLOAT, &job, False, nt, lo, go)


def _flat(a, order):
    """1-D view of ``a`` in ``order`` (a copy only if no single stride can walk it)."""
    if not a.flags.aligned:
        a = a.copy(order=order)
    return a.reshape(-1, order=order)


cdef object _general(Kernel k, int mode, object y_true, object y_pred, object sample_weight,
                     object reduction, object n_threads, object out, tuple opts):
    cdef fl_ew_job job
    cdef int red, i
    p = prepare(k.loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)
    red = _red_code(p.reduction)
    yp = p.y_pred
    order = "F" if (yp.flags.f_contiguous and not yp.flags.c_contiguous) else "C"
    f32 = p.dtype == np.float32
    yt_f, yp_f = _flat(p.y_true, order), _flat(yp, order)
    job.n = p.n
    _bind(&job.y, &job.sy, yt_f)
    _bind(&job.p, &job.sp, yp_f)
    job.w = NULL
    job.sw = 0
    if p.weight is not None:
        w_f = _flat(p.weight, order)
        _bind(&job.w, &job.sw, w_f)
    job.opt[0] = job.opt[1] = 0.0
    for i in range(k.nopts):
        job.opt[i] = p.opts[i]
    job.lo = NULL
    job.slo = 0
    lo = None
    if red == RED_NONE and mode != MODE_GRAD:
        lo = np.empty(p.shape, p.dtype, order=order)
        _bind(<const char **>&job.lo, &job.slo, _flat(lo, order))
    job.g = NULL
    job.sg = 0
    g = g_flat = None
    if mode != MODE_VALUE:
        g = out if out is not None else np.empty(p.shape, p.dtype, order=order)
        g_flat = g.reshape(-1, order=order)
        if not np.may_share_memory(g_flat, g) and g.size > 0:
            g_flat = np.empty(g.size, p.dtype)  # out cannot be walked with one stride
        _bind(<const char **>&job.g, &job.sg, g_flat)
    nt = p.n_threads if p.n_threads is not None else _auto_threads(k, p.n)
    res = _execute(k, mode, red, f32, &job, p.weight is not None, nt, lo, g)
    if g is not None and g.size > 0 and not np.may_share_memory(g_flat, g):
        g[...] = g_flat.reshape(p.shape, order=order)
    return res


def call(Kernel k, int mode, y_true, y_pred, sample_weight, reduction, n_threads, out, tuple opts):
    """Entry of every public function: backend switch, fast path, general path."""
    global _reference
    cdef int red
    be = get_value(_backend_var, _default_backend)
    if be is not _COMPILED and be != _COMPILED:
        if _reference is None:
            from . import reference
            _reference = reference
        return _reference._call(k.loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)
    if sample_weight is None and type(y_pred) is _ndarray and type(y_true) is _ndarray:
        red = _red_code(reduction) if type(reduction) is str else -1
        if red >= 0:
            res = _fast(k, mode, y_true, y_pred, n_threads, out, opts, red)
            if res is not None:
                return res
    return _general(k, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)


def _floor(a, b, out=None):
    """Benchmark floor: read the bytes of the equal-sized contiguous arrays a
    and b (and write out's): no arithmetic beyond an OR per word."""
    cdef cnp.ndarray x = np.ascontiguousarray(a), y = np.ascontiguousarray(b), z
    if x.nbytes != y.nbytes or x.nbytes % 8:
        raise ValueError("a and b must have the same number of bytes, a multiple of 8")
    cdef fl_intp nw = x.nbytes // 8
    cdef uint64_t r = 0
    if out is None:
        with nogil:
            r = fl_floor_read(<const uint64_t *>cnp.PyArray_BYTES(x), <const uint64_t *>cnp.PyArray_BYTES(y), nw)
        return int(r)
    z = out
    if not z.flags.c_contiguous or z.nbytes != x.nbytes:
        raise ValueError("out must be contiguous with the bytes of a")
    with nogil:
        fl_floor_read_write(<const uint64_t *>cnp.PyArray_BYTES(x), <const uint64_t *>cnp.PyArray_BYTES(y),
                            <uint64_t *>cnp.PyArray_BYTES(z), nw)
    return out


def _set_default_backend(name):
    global _default_backend
    _default_backend = _COMPILED if name == _COMPILED else "numpy"


def info():
    """Build and run-time facts of the compiled backend."""
    return {
        "simd": fl_simd_path().decode(),
        "openmp": bool(fl_have_openmp()),
        "omp_max_threads": fl_omp_max_threads(),
        "block": FL_BLOCK,
        "kernels": KERNEL_NAMES,
    }

# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The compiled kernels of fastloss and their entry (a leaf: it imports
nothing of the package's Python side).

``call`` is the single entry of every public function.  Its fast path takes
native, aligned, C-contiguous float32/float64 arrays (and, for row losses,
contiguous integer labels of any width) with default options and goes
straight to the kernel; anything else is validated by the dispatcher's
``prepare``, viewed as 1-D (elementwise) or 2-D (rows) strided arrays
(walked, not copied) and runs through the same kernel invocation
(``_execute``).  fastloss._dispatch decides how calls run: it binds the
backend switch, the NumPy reference, the validation and the error builders
here (``bind``) and sets the thread limits (``configure_threads``).

Its other entries, private to the package: ``Kernel`` (a loss's compiled
kernel, the handle ``call`` takes), ``column_sums`` (per-column sums for
fastloss.metrics), ``factorize`` (hashing of string labels), ``stats``
(min/max/NaN/row-sum checks of probabilities), ``floor`` (the benchmarks'
memory floor), ``vmath`` (the vector math, for its accuracy tests),
``auto_threads`` and ``info``.
"""
import os
import warnings
from functools import partial as _partial

import numpy as np
cimport numpy as cnp
from cpython.contextvars cimport get_value
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memset
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport PyObject

cnp.import_array()

cdef extern from "fl_kernels.h" nogil:
    ctypedef Py_ssize_t fl_intp
    ctypedef struct fl_par:
        int n_threads
        int interruptible
    int FL_NOMEM, FL_INTERRUPTED
    ctypedef struct fl_result:
        double sum
        double sum_w
        double sum_wabs
        fl_intp bad
    ctypedef struct fl_range:
        double lo
        double hi
        int open
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
        char *h
        fl_intp sh
        const char *aux
        fl_intp aux_period
        double gscale
        double opt[4]
        int want_sum
        fl_range yr
        fl_range pr
        int form
    ctypedef struct fl_rows_job:
        fl_intp n
        fl_intp k
        const char *lab
        fl_intp slab
        int lab_kind
        const char *t
        fl_intp st0
        fl_intp st1
        const char *p
        fl_intp sp0
        fl_intp sp1
        const char *w
        fl_intp sw
        char *lo
        fl_intp slo
        char *g
        fl_intp sg0
        fl_intp sg1
        char *h
        fl_intp sh0
        fl_intp sh1
        double gscale
        double opt[4]
        int want_sum
        const char *cw
        int cw_row
        int cw_den
        int ignore_on
        int64_t ignore
    int FL_BLOCK
    int FL_MAX_OPTS
    int FL_ROWBLOCK
    int FL_LAB_NONE, FL_LAB_I8, FL_LAB_U8, FL_LAB_I16, FL_LAB_U16, FL_LAB_I32, FL_LAB_U32
    int FL_LAB_I64, FL_LAB_U64
    int fl_loss_index(const char *name, int *kind)
    int fl_loss_count()
    const char *fl_loss_name(int i)
    int fl_ew_run(int loss, int f32, const fl_ew_job *job, fl_par par, fl_result *res)
    int fl_ew_run_cols(int loss, int f32, const fl_ew_job *job, fl_intp n_cols, fl_intp cy,
                       fl_intp cp, fl_par par, fl_result *res)
    int fl_rows_run(int loss, int f32, const fl_rows_job *job, fl_par par, fl_result *res)
    int fl_rows_den_run(int f32, const fl_rows_job *job, fl_par par, double *sum_w,
                        double *sum_wabs)
    int fl_wsum_run(int f32, const char *w, fl_intp sw, fl_intp n, fl_intp block,
                    fl_par par, double *sum_w, double *sum_wabs)
    ctypedef fl_intp (*fl_hash_fn)(const void *data, fl_intp len) noexcept nogil
    fl_intp fl_factorize_bytes(const char *x, fl_intp n, fl_intp size, fl_intp stride,
                               fl_hash_fn hash, int64_t *codes, fl_intp *first)
    uint64_t fl_floor_read(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb)
    uint64_t fl_floor_read_mt(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb,
                              int n_threads)
    void fl_floor_read_write(const uint64_t *a, fl_intp na, const uint64_t *b, uint64_t *out,
                             uint64_t *out2, fl_intp nb)
    ctypedef struct fl_stats:
        double min, max
        fl_intp n_nan, rows_off
    void fl_stats_f64(const double *x, fl_intp n_rows, fl_intp k, double tol, fl_stats *st) nogil
    void fl_stats_f32(const float *x, fl_intp n_rows, fl_intp k, double tol, fl_stats *st) nogil
    int fl_r2_run(int f32, const char *y, fl_intp sy0, fl_intp sy1, const char *p, fl_intp sp0,
                  fl_intp sp1, const char *w, fl_intp sw, fl_intp n, fl_intp m, fl_par par,
                  double *sum_w, double *sse, double *ss)
    int fl_brier_run(int f32, const char *p, fl_intp sp0, fl_intp sp1, const int64_t *y,
                     const double *w, fl_intp n, fl_intp k, fl_par par, double *sum)
    void fl_vmath_f64(int fn, const double *x, const double *x2, double *y, fl_intp n)
    void fl_vmath_f32(int fn, const float *x, const float *x2, float *y, fl_intp n)
    int fl_have_libmvec()
    const char *fl_simd_path()
    int fl_select_level(int most)
    int fl_multi_level()

cdef extern from "fl_pool.h" nogil:
    int FL_MAX_THREADS
    void fl_pool_init(int (*check)() noexcept nogil, int limit)
    int fl_pool_workers()
    int fastloss_get_num_threads()
    void fastloss_set_num_threads(int n)

cdef extern from *:
    """
    /* Called by the pool between chunks of an interruptible run (the thread
       that started it, which released the GIL): take the GIL and run Python's
       signal handlers; an exception they raise (KeyboardInterrupt) stays set
       for the caller to raise once the run has stopped. */
    static int fl_py_check_signals(void)
    {
        PyGILState_STATE st = PyGILState_Ensure();
        const int r = PyErr_CheckSignals();
        PyGILState_Release(st);
        return r;
    }
    static int fl_py_raise_pending(void) { return PyErr_Occurred() ? -1 : 0; }
    /* Python's hash of bytes (SipHash with the per-process random key, as for
       str and bytes); thread-safe, needs no GIL */
    static Py_ssize_t fl_py_hash_bytes(const void *data, Py_ssize_t len)
    {
        return (Py_ssize_t)PyHash_GetFuncDef()->hash(data, len);
    }
    """
    int fl_py_check_signals() noexcept nogil
    int fl_py_raise_pending() except -1
    fl_intp fl_py_hash_bytes(const void *data, fl_intp len) noexcept nogil

cdef enum:
    # fastloss._losses.Mode, checked by bind()
    MODE_VALUE = 0
    MODE_GRAD = 1
    MODE_VALUE_AND_GRAD = 2
    MODE_SUMS = 3  # private: (sum(w * loss), sum(w)) of reduction="sum", for fastloss.Mean
    MODE_GRAD_HESS = 4
    RED_MEAN = 0
    RED_SUM = 1
    RED_NONE = 2
    MAX_OPTS = 4  # FL_MAX_OPTS, checked at import
    KIND_EW = 0
    KIND_ROWS = 1
    # below this many elements the GIL is kept: releasing it costs more than the work
    NOGIL_MIN = 4096
    # automatic threading: minimum elements per thread.  A second thread speeds
    # up memory-bound losses too (each core brings its own cache and
    # bandwidth), but waking a sleeping worker costs several microseconds and
    # may not get a CPU of its own at once, so short calls stay on one thread.
    MIN_PER_THREAD = 1 << 16
    # runs of at least this many elements from the main thread poll for
    # signals (Ctrl-C) between chunks of blocks
    INTERRUPT_MIN = 1 << 16

cdef object _ndarray = np.ndarray

BLOCK = FL_BLOCK
ROWBLOCK = FL_ROWBLOCK
MAX_THREADS = FL_MAX_THREADS
MODES = {"VALUE": MODE_VALUE, "GRAD": MODE_GRAD, "VALUE_AND_GRAD": MODE_VALUE_AND_GRAD,
         "SUMS": MODE_SUMS, "GRAD_HESS": MODE_GRAD_HESS}
KERNEL_NAMES = tuple(fl_loss_name(i).decode() for i in range(fl_loss_count()))

# bound by fastloss._dispatch (bind): the backend switch and the Python side
cdef object _backend_var = None
cdef object _compiled = "compiled"
cdef object _default_backend = "numpy"
cdef object _fallback = None          # the NumPy reference's call
cdef object _prepare = None           # validation and normalisation of the general path
cdef object _input_error = None       # the error naming the first invalid input
cdef object _weight_total = None      # the sum of weights that "mean" divides by
cdef object _zero_weight_error = None
cdef object _check_n_threads = None
cdef object _den_weights = None       # the row factors "mean" divides by, as an array


def bind(*, backend_var, compiled, default_backend, fallback, prepare, input_error,
         weight_total, zero_weight_error, check_n_threads, den_weights, modes):
    """Set how calls run (called once, by fastloss._dispatch): the context
    variable holding the backend in force, its value meaning this module and
    its default, the reference backend's call for the other value, and the
    validation and error builders of the general path.  ``modes`` (name ->
    value) must equal this module's own."""
    global _backend_var, _compiled, _default_backend, _fallback, _prepare, _input_error
    global _weight_total, _zero_weight_error, _check_n_threads, _den_weights
    if dict(modes) != MODES:
        raise ImportError(f"fastloss: the compiled modes {MODES} differ from the table's {dict(modes)}")
    _backend_var, _compiled, _default_backend = backend_var, compiled, default_backend
    _fallback, _prepare, _input_error = fallback, prepare, input_error
    _weight_total, _zero_weight_error, _check_n_threads = (weight_total, zero_weight_error,
                                                           check_n_threads)
    _den_weights = den_weights


cdef class Kernel:
    """One loss of the table bound to its C kernel (the handle the public
    functions pass to ``call``).  ``loss`` is the table entry: its name,
    kind, options (with their bounds), targets and minimum of classes are
    read here; the kernel's own facts come from the table generated at build."""
    cdef readonly object loss
    cdef int kid
    cdef int kind
    cdef int nopts
    cdef double lo[MAX_OPTS]
    cdef double hi[MAX_OPTS]
    cdef bint lo_open[MAX_OPTS]
    cdef bint hi_open[MAX_OPTS]
    cdef double none_value[MAX_OPTS]
    cdef bint none_ok[MAX_OPTS]
    cdef bint boolean[MAX_OPTS]
    cdef bint has_gap[MAX_OPTS]
    cdef double gap_lo[MAX_OPTS]
    cdef double gap_hi[MAX_OPTS]
    # the valid targets and predictions as the kernels' ranges: fixed, or
    # (ranges_of set) depending on the options
    cdef fl_range yr
    cdef fl_range pr
    cdef object ranges_of
    cdef object form_of
    cdef bint dense_targets_ok
    cdef bint labels_ok
    cdef Py_ssize_t min_classes
    # the class_weight and ignore_index options' slots (-1: none) and how the
    # class weights apply (Loss.class_weights)
    cdef int cw_slot
    cdef int ign_slot
    cdef bint cw_row
    cdef bint cw_den

    def __init__(self, loss):
        cdef int kind = -1
        self.loss = loss
        self.kid = fl_loss_index(loss.name.encode(), &kind)
        if self.kid < 0:
            raise ImportError(f"fastloss: the compiled table has no kernel for {loss.name!r}: "
                              "rebuild the extension (pip install .)")
        self.kind = kind
        if (kind == KIND_ROWS) != (loss.kind == "rows"):
            raise ImportError(f"fastloss: {loss.name!r} is {loss.kind} in the table but not in C")
        self.nopts = len(loss.options)
        if self.nopts > MAX_OPTS or MAX_OPTS != FL_MAX_OPTS:
            raise ImportError(f"fastloss: {loss.name!r} has more than {FL_MAX_OPTS} options")
        self.cw_slot = self.ign_slot = -1
        self.cw_row = loss.class_weights in ("label", "label_rows")
        self.cw_den = loss.class_weights in ("label", "classes")
        for i, o in enumerate(loss.options):
            if o.per_class:
                self.cw_slot = i
            elif o.label:
                self.ign_slot = i
            self.lo[i], self.hi[i] = o.bounds.lo, o.bounds.hi
            self.lo_open[i], self.hi_open[i] = o.bounds.lo_open, o.bounds.hi_open
            self.none_ok[i] = o.none is not None or not o.scalar
            self.none_value[i] = (o.none if o.none is not None else
                                  (float("nan") if o.label else 0.0))
            self.boolean[i] = o.boolean
            self.has_gap[i] = o.gap is not None
            self.gap_lo[i] = o.gap.lo if o.gap is not None else 0.0
            self.gap_hi[i] = o.gap.hi if o.gap is not None else 0.0
        self.ranges_of = loss.c_ranges if loss.domains is not None else None
        self.form_of = loss.c_form if loss.form is not None else None
        (self.yr.lo, self.yr.hi, self.yr.open), (self.pr.lo, self.pr.hi, self.pr.open) = (
            loss.c_ranges(tuple(o.validate(o.default) for o in loss.options)))
        self.labels_ok = loss.targets in ("labels", "labels_or_probs")
        self.dense_targets_ok = loss.targets in ("probs", "labels_or_probs")
        self.min_classes = loss.min_classes

    cdef inline bint option_ok(self, int i, double v) noexcept:
        """Option i's value within its bounds (NaN never is), outside its gap."""
        return ((v > self.lo[i]) if self.lo_open[i] else (v >= self.lo[i])) and (
            (v < self.hi[i]) if self.hi_open[i] else (v <= self.hi[i])) and not (
            self.has_gap[i] and self.gap_lo[i] < v < self.gap_hi[i])

    cdef void set_labels(self, fl_rows_job *j, const double *o) noexcept:
        """A row job's ignored label under the options o and how class
        weights apply (the weights themselves are bound by the general path)."""
        j.cw_row, j.cw_den = self.cw_row, self.cw_den
        if self.ign_slot >= 0 and o[self.ign_slot] == o[self.ign_slot]:
            j.ignore_on = 1
            j.ignore = <int64_t>o[self.ign_slot]

    cdef int set_ranges(self, fl_ew_job *j, const double *o) except -1:
        """The job's target and prediction ranges, and its form, under the
        options o."""
        if self.form_of is not None:
            j.form = self.form_of(_values(self, o))
        if self.ranges_of is None:
            j.yr, j.pr = self.yr, self.pr
            return 0
        (j.yr.lo, j.yr.hi, j.yr.open), (j.pr.lo, j.pr.hi, j.pr.open) = self.ranges_of(
            _values(self, o))
        return 0


cdef tuple _values(Kernel k, const double *o):
    """The validated option values o as a tuple (table order)."""
    return tuple([o[i] for i in range(k.nopts)])


cdef inline int _red_code(object reduction):
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


# explicit n_threads are capped at this; n_threads=None uses at most
# fastloss_get_num_threads() (both set by configure_threads)
cdef int _thread_cap = 1
# signals are handled by the main thread only: runs started there poll for them
cdef unsigned long _main_ident = 0


def configure_threads(int cap, int default, main_ident):
    """The thread limits of this process (fastloss._threads computes them, again
    in a child after fork()): the cap on an explicit n_threads, the default of
    n_threads=None, and the main thread (whose runs poll for Ctrl-C)."""
    global _thread_cap, _main_ident
    _thread_cap = max(1, min(cap, FL_MAX_THREADS))
    fastloss_set_num_threads(default)
    _main_ident = main_ident


fl_pool_init(fl_py_check_signals, 1)

# the kernels' instruction-set level: the best the CPU supports, or a lower one
# forced by FASTLOSS_SIMD (avx512, avx2 or baseline; for testing every level)
SIMD_LEVELS = ("avx512", "avx2", "baseline")
_best_level = fl_select_level(0)
_forced_simd = os.environ.get("FASTLOSS_SIMD", "").strip().lower()
if _forced_simd:
    if _forced_simd not in SIMD_LEVELS:
        warnings.warn(f"FASTLOSS_SIMD={_forced_simd!r} is not one of {', '.join(SIMD_LEVELS)}: "
                      "ignored", RuntimeWarning, stacklevel=2)
    else:
        fl_select_level(SIMD_LEVELS.index(_forced_simd))


cdef int _auto_threads(Kernel k, Py_ssize_t nelem) noexcept:
    cdef Py_ssize_t per = MIN_PER_THREAD
    cdef Py_ssize_t t
    if nelem < 2 * per:
        return 1
    t = fastloss_get_num_threads()
    if t > nelem // per:
        t = nelem // per
    return <int>max(1, min(t, _thread_cap))


cdef inline int _cap_threads(Py_ssize_t nt) noexcept:
    return <int>(nt if nt < _thread_cap else _thread_cap)


cdef inline fl_par _par(int n_threads, Py_ssize_t nelem) noexcept:
    cdef fl_par par
    par.n_threads = n_threads
    par.interruptible = nelem >= INTERRUPT_MIN and PyThread_get_thread_ident() == _main_ident
    return par


cdef int _check_rc(int rc) except -1:
    """Raise for a failed run: the pending exception of an interrupted one
    (KeyboardInterrupt), MemoryError when a buffer could not be allocated."""
    if rc == FL_INTERRUPTED:
        fl_py_raise_pending()
        raise KeyboardInterrupt()
    if rc:
        raise MemoryError("fastloss: out of memory for the kernel's buffers")
    return 0


cdef inline bint _native_c(cnp.ndarray a) noexcept:
    return cnp.PyArray_ISCARRAY_RO(a) and cnp.PyArray_ISNOTSWAPPED(a)


cdef int _label_kind(cnp.ndarray a) noexcept:
    """The kernel's code for an integer label array's dtype (FL_LAB_NONE if not one).
    The codes run I8, U8, I16, U16, I32, U32, I64, U64 (fl_kernels.h)."""
    cdef int tn = cnp.PyArray_TYPE(a), width
    cdef Py_ssize_t size = cnp.PyArray_ITEMSIZE(a)
    cdef bint unsigned_ = cnp.PyTypeNum_ISUNSIGNED(tn)
    if not (unsigned_ or cnp.PyTypeNum_ISSIGNED(tn)):
        return FL_LAB_NONE
    if size == 1:
        width = 0
    elif size == 2:
        width = 1
    elif size == 4:
        width = 2
    elif size == 8:
        width = 3
    else:
        return FL_LAB_NONE
    return FL_LAB_I8 + 2 * width + unsigned_


cdef inline fl_intp _stride(cnp.ndarray a, int axis) noexcept:
    return cnp.PyArray_STRIDE(a, axis) if cnp.PyArray_NDIM(a) > axis else cnp.PyArray_ITEMSIZE(a)


cdef inline int _run_kernel(int kind, int kid, bint f32, void *job, fl_par par,
                            fl_result *res) noexcept nogil:
    if kind == KIND_ROWS:
        return fl_rows_run(kid, f32, <fl_rows_job *>job, par, res)
    return fl_ew_run(kid, f32, <fl_ew_job *>job, par, res)


cdef inline void _ew_init(fl_ew_job *j, fl_intp n, const double *o) noexcept:
    """An elementwise job of n elements with options o, nothing bound yet
    (its ranges: Kernel.set_ranges)."""
    cdef int i
    memset(j, 0, sizeof(fl_ew_job))
    j.n = n
    j.aux_period = 1
    for i in range(MAX_OPTS):
        j.opt[i] = o[i]


cdef inline void _rows_init(fl_rows_job *j, fl_intp n, fl_intp k, const double *o) noexcept:
    """A row job of n rows of k classes with options o, nothing bound yet."""
    cdef int i
    memset(j, 0, sizeof(fl_rows_job))
    j.n = n
    j.k = k
    j.lab_kind = FL_LAB_NONE
    for i in range(MAX_OPTS):
        j.opt[i] = o[i]


cdef struct _Inputs:
    # the call's arrays, borrowed (the caller holds them during the run): what
    # the error naming an invalid input and the sum of the weights read
    PyObject *y_true    # dense targets, or None
    PyObject *labels    # integer labels, or None
    Py_ssize_t k        # classes (1 for elementwise losses)
    PyObject *y_pred
    PyObject *weight    # or None
    const double *opts  # the validated option values
    PyObject *class_weight  # in the computation dtype, or None


cdef inline _Inputs _inputs(object y_true, object labels, Py_ssize_t k, object y_pred,
                            object weight, const double *opts) noexcept:
    cdef _Inputs a
    a.y_true, a.labels, a.k = <PyObject *>y_true, <PyObject *>labels, k
    a.y_pred, a.weight, a.opts = <PyObject *>y_pred, <PyObject *>weight, opts
    a.class_weight = <PyObject *>None
    return a


cdef object _invalid_input(Kernel k, _Inputs *a):
    """The error naming the first invalid input of a call."""
    return _input_error(k.loss, <object>a.y_true, <object>a.labels, a.k, <object>a.y_pred,
                        _values(k, a.opts))


cdef object _execute(Kernel k, int mode, int red, bint f32, void *job, fl_intp n,
                     fl_intp nelem, int n_threads, object value_out, object grad_out,
                     _Inputs *inputs, object hess_out=None):
    """Run the kernel on a filled job (elementwise or rows); build the result."""
    cdef fl_result res
    cdef double total_w = <double>n, total_wabs = 0.0, gscale = 1.0
    cdef int rc = 0
    cdef const char *w = (<fl_rows_job *>job).w if k.kind == KIND_ROWS else (<fl_ew_job *>job).w
    cdef fl_intp sw = (<fl_rows_job *>job).sw if k.kind == KIND_ROWS else (<fl_ew_job *>job).sw
    cdef bint want_sum = mode != MODE_GRAD and mode != MODE_GRAD_HESS and red != RED_NONE
    cdef fl_intp block = FL_ROWBLOCK if k.kind == KIND_ROWS else FL_BLOCK
    cdef fl_par par = _par(n_threads, nelem)
    cdef fl_rows_job *rj = <fl_rows_job *>job
    # "mean" divides by row factors (class weights, ignored rows), not by sum(w)
    cdef bint by_label = k.kind == KIND_ROWS and rj.lab != NULL and (
        (rj.cw != NULL and rj.cw_den) or rj.ignore_on)
    den = None
    if by_label and w != NULL:  # the factors as an array, if the exact sum must decide
        den = _partial(_den_weights, k.loss, <object>inputs.labels, <object>inputs.weight,
                       <object>inputs.class_weight, _values(k, inputs.opts))
    if mode != MODE_VALUE and red == RED_MEAN:
        if by_label:
            with nogil:
                rc = fl_rows_den_run(f32, rj, par, &total_w, &total_wabs)
            _check_rc(rc)
            if w != NULL:
                total_w = _weight_total(total_w, total_wabs, n, den)
            if total_w == 0:
                raise _invalid_input(k, inputs) or _zero_weight_error(True)
        elif w != NULL:
            with nogil:
                rc = fl_wsum_run(f32, w, sw, n, block, par, &total_w, &total_wabs)
            _check_rc(rc)
            total_w = _weight_total(total_w, total_wabs, n, <object>inputs.weight)
            if total_w == 0:  # invalid targets are reported first, as the reference does
                raise _invalid_input(k, inputs) or _zero_weight_error()
        gscale = 1.0 / total_w
    if k.kind == KIND_ROWS:
        (<fl_rows_job *>job).want_sum = want_sum
        (<fl_rows_job *>job).gscale = gscale
    else:
        (<fl_ew_job *>job).want_sum = want_sum
        (<fl_ew_job *>job).gscale = gscale
    if nelem >= NOGIL_MIN:
        with nogil:
            rc = _run_kernel(k.kind, k.kid, f32, job, par, &res)
    else:
        rc = _run_kernel(k.kind, k.kid, f32, job, par, &res)
    _check_rc(rc)
    if res.bad >= 0:
        err = _invalid_input(k, inputs)
        raise err if err is not None else ValueError(
            f"{k.loss.name}: invalid input at position {res.bad}")
    if mode == MODE_GRAD:
        return grad_out
    if mode == MODE_GRAD_HESS:
        return (grad_out, hess_out)
    if mode == MODE_SUMS:
        return (res.sum, res.sum_w)
    if red == RED_SUM:
        value = res.sum
    elif red == RED_MEAN:
        if w == NULL:
            total_w = res.sum_w
        elif mode == MODE_VALUE:
            total_w = _weight_total(res.sum_w, res.sum_wabs, n,
                                    den if by_label else <object>inputs.weight)
        # (with a gradient, total_w came from the same blocks before the run)
        if total_w == 0:
            raise _zero_weight_error(by_label)
        value = res.sum / total_w
    else:
        value = value_out
    if mode == MODE_VALUE:
        return value
    return (value, grad_out)


cdef bint _fast_opts(Kernel k, tuple opts, double *out) except -1:
    cdef int i
    memset(out, 0, MAX_OPTS * sizeof(double))
    for i in range(k.nopts):
        v = opts[i]
        if v is None and k.none_ok[i]:
            out[i] = k.none_value[i]
            continue
        if i == k.cw_slot or (i == k.ign_slot and type(v) is not int):
            return False  # class weights (an array), a label not an int: the general path
        if k.boolean[i]:
            if v is True or v is False:
                out[i] = 1.0 if v else 0.0
                continue
            return False
        if type(v) is float:
            out[i] = v
        elif type(v) is int and -(1 << 53) <= v <= (1 << 53):  # (larger: the general path)
            out[i] = v
        else:
            return False
        if not k.option_ok(i, out[i]):
            return False
    return True


cdef object _fast(Kernel k, int mode, object y_true, object y_pred, object n_threads,
                  object out, tuple opts, int red):
    """The fast path; returns None when its cheap checks do not all hold."""
    cdef cnp.ndarray yt = <cnp.ndarray>y_true, yp = <cnp.ndarray>y_pred, go = None
    cdef int tn = cnp.PyArray_TYPE(yp), nt = 1, nd = cnp.PyArray_NDIM(yp)
    cdef fl_ew_job ej
    cdef fl_rows_job rj
    cdef double o[MAX_OPTS]
    cdef Py_ssize_t n, nelem = cnp.PyArray_SIZE(yp), kk = 1
    cdef fl_intp isz = cnp.PyArray_ITEMSIZE(yp)
    cdef bint labels = False
    cdef _Inputs inputs
    if (tn != cnp.NPY_DOUBLE and tn != cnp.NPY_FLOAT) or not _native_c(yp) or not _native_c(yt):
        return None
    if k.kind == KIND_ROWS:
        if nd != 2:
            return None
        kk = cnp.PyArray_DIMS(yp)[1]
        n = cnp.PyArray_DIMS(yp)[0]
        if kk < k.min_classes:
            return None
        if cnp.PyArray_TYPE(yt) == tn and k.dense_targets_ok:
            if not cnp.PyArray_SAMESHAPE(yp, yt):
                return None
        elif k.labels_ok and cnp.PyArray_NDIM(yt) == 1 and cnp.PyArray_DIMS(yt)[0] == n \
                and _label_kind(yt) != FL_LAB_NONE:
            labels = True
        else:
            return None
    else:
        n = nelem
        if cnp.PyArray_TYPE(yt) != tn or not cnp.PyArray_SAMESHAPE(yp, yt):
            return None
    if red == RED_MEAN and n == 0:
        return None
    if n_threads is not None:
        if type(n_threads) is not int or n_threads < 1 or n_threads > FL_MAX_THREADS:
            return None
        nt = _cap_threads(n_threads)
    elif nelem >= 2 * MIN_PER_THREAD:
        nt = _auto_threads(k, nelem)
    if not _fast_opts(k, opts, o):
        return None
    if not labels and k.ign_slot >= 0 and o[k.ign_slot] == o[k.ign_slot]:
        return None  # an ignored label with probability targets: the general path's error
    ho = None
    if out is not None:
        if type(out) is not _ndarray or mode == MODE_GRAD_HESS:  # (grad_hess's pair: general)
            return None
        go = <cnp.ndarray>out
        if not (cnp.PyArray_TYPE(go) == tn and cnp.PyArray_ISCARRAY(go)
                and cnp.PyArray_ISNOTSWAPPED(go) and cnp.PyArray_SAMESHAPE(go, yp)
                and not _overlaps(go, yp) and not _overlaps(go, yt)):
            return None
    elif mode != MODE_VALUE:
        go = <cnp.ndarray>cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(yp), tn, 0)
        if mode == MODE_GRAD_HESS:
            ho = cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(yp), tn, 0)
    lo = None
    if red == RED_NONE and mode != MODE_GRAD and mode != MODE_GRAD_HESS:
        lo = cnp.PyArray_EMPTY(1 if k.kind == KIND_ROWS else nd, cnp.PyArray_DIMS(yp), tn, 0)
    if k.kind == KIND_ROWS:  # contiguous (n, k) rows
        _rows_init(&rj, n, kk, o)
        if labels:
            k.set_labels(&rj, o)
            rj.lab = cnp.PyArray_BYTES(yt)
            rj.slab = cnp.PyArray_ITEMSIZE(yt)
            rj.lab_kind = _label_kind(yt)
        else:
            rj.t = cnp.PyArray_BYTES(yt)
            rj.st0, rj.st1 = kk * isz, isz
        rj.p, rj.sp0, rj.sp1 = cnp.PyArray_BYTES(yp), kk * isz, isz
        if lo is not None:
            rj.lo, rj.slo = cnp.PyArray_BYTES(<cnp.ndarray>lo), isz
        if go is not None:
            rj.g, rj.sg0, rj.sg1 = cnp.PyArray_BYTES(go), kk * isz, isz
        if ho is not None:
            rj.h, rj.sh0, rj.sh1 = cnp.PyArray_BYTES(<cnp.ndarray>ho), kk * isz, isz
        inputs = _inputs(None if labels else yt, yt if labels else None, kk, yp, None, o)
        return _execute(k, mode, red, tn == cnp.NPY_FLOAT, &rj, n, nelem, nt, lo, go, &inputs,
                        ho)
    _ew_init(&ej, n, o)  # contiguous elements
    k.set_ranges(&ej, o)
    ej.y, ej.sy = cnp.PyArray_BYTES(yt), isz
    ej.p, ej.sp = cnp.PyArray_BYTES(yp), isz
    if lo is not None:
        ej.lo, ej.slo = cnp.PyArray_BYTES(<cnp.ndarray>lo), isz
    if go is not None:
        ej.g, ej.sg = cnp.PyArray_BYTES(go), isz
    if ho is not None:
        ej.h, ej.sh = cnp.PyArray_BYTES(<cnp.ndarray>ho), isz
    inputs = _inputs(yt, None, 1, yp, None, o)
    return _execute(k, mode, red, tn == cnp.NPY_FLOAT, &ej, n, nelem, nt, lo, go, &inputs, ho)


def _flat(a, order):
    """1-D view of ``a`` in ``order`` (a copy only if no single stride can walk it)."""
    if not a.flags.aligned:
        a = a.copy(order=order)
    return a.reshape(-1, order=order)


def _rows2d(a, k):
    """(n, k) view of ``a`` (classes last), copying only if no two strides walk it."""
    if not a.flags.aligned:
        a = a.copy()
    return a.reshape(-1, k)


def _writable_view(g, shape):
    """A view of g with shape (in C order) that the kernel can write through,
    or a temporary to copy back when no strided view exists or g is unaligned."""
    v = g.reshape(shape, order="C")
    if g.size and (not g.flags.aligned or not np.may_share_memory(v, g)):
        return np.empty(shape, g.dtype)
    return v


cdef object _bind(object a, const char **ptr, fl_intp *s0, fl_intp *s1):
    """Point ptr/s0(/s1) at array a (1-D, or 2-D when s1 is given); returns a,
    which the caller keeps alive while the kernel runs."""
    ptr[0] = cnp.PyArray_BYTES(<cnp.ndarray>a)
    s0[0] = _stride(a, 0)
    if s1 != NULL:
        s1[0] = _stride(a, 1)
    return a


cdef object _general(Kernel k, int mode, object y_true, object y_pred, object sample_weight,
                     object reduction, object n_threads, object out, tuple opts):
    """Validate and normalise through _validate.prepare, then walk the arrays
    with their strides: 1-D in y_pred's memory order for elementwise losses,
    (rows, k) for row losses.  Outputs that no stride can walk (or that are
    unaligned) are computed into a temporary and copied back."""
    cdef fl_ew_job ej
    cdef fl_rows_job rj
    cdef void *job
    cdef int red, i, nt
    cdef const char *wp = NULL
    cdef fl_intp wst = 0
    cdef double o[MAX_OPTS]
    cdef _Inputs inputs
    if mode == MODE_SUMS:  # a value with reduction="sum" that also returns sum(w)
        p = _prepare(k.loss, MODE_VALUE, y_true, y_pred, sample_weight, "sum", n_threads, None,
                     opts)
    else:
        p = _prepare(k.loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)
    red = _red_code(p.reduction)
    yp = p.y_pred
    nt = _cap_threads(p.n_threads) if p.n_threads is not None else _auto_threads(k, yp.size)
    rows = k.kind == KIND_ROWS
    # one stride per array in y_pred's memory order (rows: C order, (n, k))
    order = "F" if (not rows and p.aux is None and yp.flags.f_contiguous
                    and not yp.flags.c_contiguous) else "C"
    lo = np.empty(p.rows_shape, p.dtype, order=order) if (
        red == RED_NONE and mode != MODE_GRAD and mode != MODE_GRAD_HESS) else None
    hess = mode == MODE_GRAD_HESS
    g_out, h_out = (out if hess else (out, None)) if out is not None else (None, None)
    g = None if mode == MODE_VALUE or mode == MODE_SUMS else (
        g_out if g_out is not None else np.empty(p.shape, p.dtype, order=order))
    h = None if not hess else (h_out if h_out is not None else np.empty(p.shape, p.dtype,
                                                                        order=order))
    keep = []  # arrays the job points into
    if p.weight is not None:
        keep.append(_bind(_flat(p.weight, order), &wp, &wst, NULL))
    memset(o, 0, sizeof(o))
    for i in range(k.nopts):
        o[i] = p.opts[i]
    if rows:
        job = &rj
        _rows_init(&rj, p.n, p.k, o)
        rj.w, rj.sw = wp, wst
        if p.class_weight is not None:
            cw = np.ascontiguousarray(p.class_weight)
            keep.append(cw)
            rj.cw = cnp.PyArray_BYTES(<cnp.ndarray>cw)
        keep.append(_bind(_rows2d(yp, p.k), &rj.p, &rj.sp0, &rj.sp1))
        if p.labels is not None:
            k.set_labels(&rj, o)
            lab = _flat(p.labels, "C")
            if _label_kind(lab) == FL_LAB_NONE:  # e.g. a platform's 16-byte integer
                lab = lab.astype(np.int64)
            keep.append(_bind(lab, &rj.lab, &rj.slab, NULL))
            rj.lab_kind = _label_kind(lab)
        else:
            keep.append(_bind(_rows2d(p.y_true, p.k), &rj.t, &rj.st0, &rj.st1))
        if lo is not None:
            keep.append(_bind(_flat(lo, "C"), <const char **>&rj.lo, &rj.slo, NULL))
        if g is not None:
            g_walk = _writable_view(g, (p.n, p.k))
            _bind(g_walk, <const char **>&rj.g, &rj.sg0, &rj.sg1)
        if h is not None:
            h_walk = _writable_view(h, (p.n, p.k))
            _bind(h_walk, <const char **>&rj.h, &rj.sh0, &rj.sh1)
    else:
        job = &ej
        _ew_init(&ej, p.n, o)
        k.set_ranges(&ej, o)
        ej.w, ej.sw = wp, wst
        keep.append(_bind(_flat(p.y_true, order), &ej.y, &ej.sy, NULL))
        keep.append(_bind(_flat(yp, order), &ej.p, &ej.sp, NULL))
        if p.aux is not None:
            aux = np.ascontiguousarray(p.aux)
            keep.append(aux)
            ej.aux = cnp.PyArray_BYTES(<cnp.ndarray>aux)
            ej.aux_period = aux.shape[0]
        if lo is not None:
            keep.append(_bind(_flat(lo, order), <const char **>&ej.lo, &ej.slo, NULL))
        if g is not None:
            # F order of g is C order of g.T
            g_walk = _writable_view(g.T if order == "F" else g, (g.size,))
            _bind(g_walk, <const char **>&ej.g, &ej.sg, NULL)
        if h is not None:
            h_walk = _writable_view(h.T if order == "F" else h, (h.size,))
            _bind(h_walk, <const char **>&ej.h, &ej.sh, NULL)
    inputs = _inputs(p.y_true, p.labels, p.k, p.y_pred, p.weight, o)
    inputs.class_weight = <PyObject *>p.class_weight
    res = _execute(k, mode, red, p.dtype == np.float32, job, p.n, yp.size, nt, lo, g, &inputs, h)
    if g is not None and g.size and not np.may_share_memory(g_walk, g):
        g[...] = g_walk.reshape(p.shape, order=order)  # a temporary: copy back
    if h is not None and h.size and not np.may_share_memory(h_walk, h):
        h[...] = h_walk.reshape(p.shape, order=order)
    return res


def call(Kernel k, int mode, y_true, y_pred, sample_weight, reduction, n_threads, out, tuple opts):
    """Entry of every public function: the backend in force (the reference's
    call for the other one), the fast path, the general path."""
    cdef int red
    be = get_value(_backend_var, _default_backend)
    if be is not _compiled and be != _compiled:
        return _fallback(k.loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out,
                         opts)
    if sample_weight is None and type(y_pred) is _ndarray and type(y_true) is _ndarray \
            and type(reduction) is str and mode != MODE_SUMS:
        red = _red_code(reduction)
        if red >= 0:
            res = _fast(k, mode, y_true, y_pred, n_threads, out, opts, red)
            if res is not None:
                return res
    return _general(k, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)


def column_sums(Kernel k, y_true, y_pred, sample_weight=None, n_threads=None, **options):
    """Per-column (Σ w·ℓ, Σ w) of an elementwise loss over 2-D (n, m) inputs, in
    one pass: two float64 arrays of shape (m,), the same bits for any n_threads.
    Column j's sums are those of the 1-D call on ``y_pred[:, j]`` with
    reduction="sum": bitwise for layouts walked column by column; for rows
    stored contiguously (C order, m <= 64; one pass through the loss's vector
    code) the kernel's lane sums of the column's reduction="none" values,
    which differ from the fused "sum" loop by rounding.  For fastloss.metrics'
    per-output errors.

    y_true and y_pred: 2-D arrays of one float dtype (float32/float64, native
    byte order, aligned, any strides); sample_weight: None or a 1-D array of
    that dtype, one weight per row; options: scalars."""
    cdef cnp.ndarray yt, yp, w = None
    cdef fl_ew_job ej
    cdef fl_intp m, n
    cdef int nt, i, tn, rc = 0
    cdef cnp.ndarray sums, sws
    if k.kind == KIND_ROWS:
        raise ValueError(f"column_sums: {k.loss.name} is not an elementwise loss")
    k.loss.check_options(options)
    if not isinstance(y_true, np.ndarray) or not isinstance(y_pred, np.ndarray):
        raise TypeError("column_sums: y_true and y_pred must be numpy arrays")
    yt, yp = y_true, y_pred
    tn = cnp.PyArray_TYPE(yp)
    if tn != cnp.NPY_DOUBLE and tn != cnp.NPY_FLOAT:
        raise TypeError(f"column_sums: y_pred must be float32 or float64, not {yp.dtype}")
    if yp.ndim != 2 or yt.ndim != 2 or yt.shape[0] != yp.shape[0] or yt.shape[1] != yp.shape[1]:
        raise ValueError(f"column_sums: y_true and y_pred must be 2-D of one shape; got "
                         f"{np.shape(y_true)} and {np.shape(y_pred)}")
    if cnp.PyArray_TYPE(yt) != tn:
        raise TypeError(f"column_sums: y_true has dtype {yt.dtype}, y_pred {yp.dtype}")
    n, m = yp.shape[0], yp.shape[1]
    memset(&ej, 0, sizeof(ej))
    if sample_weight is not None:
        if (not isinstance(sample_weight, np.ndarray) or sample_weight.ndim != 1
                or sample_weight.shape[0] != n):
            raise ValueError(f"column_sums: sample_weight must be a 1-D array of {n} weights")
        w = sample_weight
        if cnp.PyArray_TYPE(w) != tn:
            raise TypeError(f"column_sums: sample_weight has dtype {w.dtype}, y_pred {yp.dtype}")
        ej.w = cnp.PyArray_BYTES(w)
        ej.sw = cnp.PyArray_STRIDE(w, 0)
    for a, name in ((yt, "y_true"), (yp, "y_pred"), (w, "sample_weight")):
        if a is not None and (not a.flags.aligned or not a.dtype.isnative):
            raise ValueError(f"column_sums: {name} must be aligned, in native byte order")
    if m == 0:
        return np.zeros(0), np.zeros(0)
    for i, opt in enumerate(k.loss.options):
        v = opt.validate(options.get(opt.name, opt.default))
        if isinstance(v, np.ndarray):
            raise TypeError(f"column_sums: {opt.name} must be a scalar")
        ej.opt[i] = v
    k.set_ranges(&ej, ej.opt)
    ej.n = n
    ej.y, ej.sy = cnp.PyArray_BYTES(yt), cnp.PyArray_STRIDE(yt, 0)
    ej.p, ej.sp = cnp.PyArray_BYTES(yp), cnp.PyArray_STRIDE(yp, 0)
    ej.aux_period = 1
    ej.want_sum = 1
    nt = (_cap_threads(_check_n_threads(n_threads)) if n_threads is not None
          else _auto_threads(k, n * m))
    sums = np.empty(m, np.float64)
    sws = np.empty(m, np.float64)
    cdef fl_result *res = <fl_result *>PyMem_Malloc(max(m, 1) * sizeof(fl_result))
    cdef fl_par par = _par(nt, n * m)
    if res == NULL:
        raise MemoryError()
    try:
        with nogil:
            rc = fl_ew_run_cols(k.kid, tn == cnp.NPY_FLOAT, &ej, m, cnp.PyArray_STRIDE(yt, 1),
                                cnp.PyArray_STRIDE(yp, 1), par, res)
        _check_rc(rc)
        for i in range(m):
            if res[i].bad >= 0:
                err = _input_error(k.loss, yt[:, i], None, 1, yp[:, i], _values(k, ej.opt))
                raise err if err is not None else ValueError(
                    f"{k.loss.name}: invalid target in column {i}, row {res[i].bad}")
            sums[i] = res[i].sum
            sws[i] = res[i].sum_w
    finally:
        PyMem_Free(res)
    return sums, sws


def factorize(a):
    """(codes, first) of a 1-D fixed-width string array ("S" or "U", any
    stride) in one O(n) hashing pass: codes[i] numbers a[i]'s value in order
    of first appearance (int64), first[c] is where value c first appears, so
    a[first] are the distinct values.  Equal means equal bytes (numpy's
    string equality).  Items are hashed with Python's keyed bytes hash (a
    random key per process), so crafted labels cannot flood the table.  For
    fastloss.metrics' labels."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"factorize takes a numpy array, not {type(a).__name__}")
    cdef cnp.ndarray x = a
    if x.ndim != 1 or x.dtype.kind not in "SU":
        raise TypeError(f"factorize takes a 1-D str or bytes array, not {x.dtype} "
                        f"of {x.ndim} dimensions")
    cdef fl_intp n = x.shape[0], size = x.itemsize, stride = x.strides[0], k
    cdef cnp.ndarray codes = np.empty(n, np.int64), first = np.empty(n, np.intp)
    with nogil:
        k = fl_factorize_bytes(cnp.PyArray_BYTES(x), n, size, stride, fl_py_hash_bytes,
                               <int64_t *>cnp.PyArray_DATA(codes),
                               <fl_intp *>cnp.PyArray_DATA(first))
    if k < 0:
        raise MemoryError("fastloss: out of memory for the label table")
    return codes, first[:k].copy()


def floor(a, b, out=None, int n_threads=1, out2=None):
    """Benchmark floor: read every byte of the contiguous arrays a and b (and
    write out, and out2, of b's size) doing nothing but an OR per 64-bit word;
    the read is shared by n_threads threads of the pool when nothing is
    written."""
    cdef cnp.ndarray x = np.ascontiguousarray(a), y = np.ascontiguousarray(b), z, z2 = None
    cdef fl_intp na = x.nbytes // 8, nb = y.nbytes // 8
    cdef uint64_t r = 0
    if out is None:
        with nogil:
            r = fl_floor_read_mt(<const uint64_t *>cnp.PyArray_BYTES(x), na,
                                 <const uint64_t *>cnp.PyArray_BYTES(y), nb, n_threads)
        return int(r)
    z = out
    if not z.flags.c_contiguous or z.nbytes != y.nbytes:
        raise ValueError("out must be contiguous, with the bytes of b")
    if out2 is not None:
        z2 = out2
        if not z2.flags.c_contiguous or z2.nbytes != y.nbytes:
            raise ValueError("out2 must be contiguous, with the bytes of b")
    cdef uint64_t *w2 = <uint64_t *>cnp.PyArray_BYTES(z2) if z2 is not None else NULL
    with nogil:
        fl_floor_read_write(<const uint64_t *>cnp.PyArray_BYTES(x), na,
                            <const uint64_t *>cnp.PyArray_BYTES(y),
                            <uint64_t *>cnp.PyArray_BYTES(z), w2, nb)
    return out


def stats(a, double tol=-1.0):
    """(min, max, number of NaN, rows off one) of a float32/float64 array in one
    pass: min/max skip NaN; the last counts the rows (last axis) whose float64
    sum is not within tol of 1 (tol < 0: not computed, 0).  Any layout (a
    non-contiguous array is copied)."""
    cdef cnp.ndarray x = np.ascontiguousarray(a)
    cdef fl_stats st
    cdef int tn = cnp.PyArray_TYPE(x)
    if tn != cnp.NPY_DOUBLE and tn != cnp.NPY_FLOAT:
        raise TypeError(f"stats takes float32 or float64, not {x.dtype}")
    cdef fl_intp k = x.shape[x.ndim - 1] if x.ndim else 1
    cdef fl_intp rows = x.size // k if k else 0
    if x.size == 0:
        return (float("inf"), float("-inf"), 0, 0)
    with nogil:
        if tn == cnp.NPY_DOUBLE:
            fl_stats_f64(<const double *>cnp.PyArray_DATA(x), rows, k, tol, &st)
        else:
            fl_stats_f32(<const float *>cnp.PyArray_DATA(x), rows, k, tol, &st)
    return (st.min, st.max, int(st.n_nan), int(st.rows_off))


def r2_sums(y, p, w=None, n_threads=None):
    """(sum(w), sse, ss) of r2_score over 2-D (n, m) y and p of one dtype
    (float32/float64, aligned, any strides) and 1-D weights w of that dtype
    or None, in one pass: sse[c] = sum(w (y - p)^2), ss[c] = sum(w (y -
    M_c)^2) about column c's weighted mean (see fl_r2_run); the same bits
    for any n_threads."""
    cdef cnp.ndarray Y = y, P = p, Wt = w
    cdef int tn = cnp.PyArray_TYPE(Y), rc
    if tn not in (cnp.NPY_DOUBLE, cnp.NPY_FLOAT) or cnp.PyArray_TYPE(P) != tn or Y.ndim != 2 \
            or Y.shape[0] != P.shape[0] or Y.shape[1] != P.shape[1] \
            or (Wt is not None and (cnp.PyArray_TYPE(Wt) != tn or Wt.ndim != 1
                                    or Wt.shape[0] != Y.shape[0])):
        raise TypeError("r2_sums takes 2-D y and p of one float dtype and 1-D weights of it")
    if not (Y.flags.aligned and P.flags.aligned and (Wt is None or Wt.flags.aligned)):
        raise ValueError("r2_sums needs aligned arrays")
    cdef fl_intp n = Y.shape[0], m = Y.shape[1]
    cdef cnp.ndarray sse = np.zeros(m), ss = np.zeros(m)
    cdef double sw = 0.0
    cdef int nt = 1
    if n_threads is not None:
        nt = _cap_threads(n_threads)
    elif n * m >= 2 * MIN_PER_THREAD:
        nt = <int>max(1, min(fastloss_get_num_threads(), (n * m) // MIN_PER_THREAD, _thread_cap))
    cdef fl_par par = _par(nt, n * m)
    cdef const char *wp = cnp.PyArray_BYTES(Wt) if Wt is not None else NULL
    cdef fl_intp wst = Wt.strides[0] if Wt is not None else 0
    with nogil:
        rc = fl_r2_run(tn == cnp.NPY_FLOAT, cnp.PyArray_BYTES(Y), Y.strides[0], Y.strides[1],
                       cnp.PyArray_BYTES(P), P.strides[0], P.strides[1], wp, wst, n, m, par,
                       &sw, <double *>cnp.PyArray_BYTES(sse), <double *>cnp.PyArray_BYTES(ss))
    _check_rc(rc)
    return sw, sse, ss


def brier_sum(p, y, w=None, n_threads=None):
    """sum(w_i sum_j (t_ij - p_ij)^2) over 2-D (n, k) p (float32/float64,
    aligned, any strides), t_i the one-hot row of int64 label y_i (each in [0,
    k): checked here) and contiguous float64 weights w or None, in one pass;
    the same bits for any n_threads."""
    cdef cnp.ndarray P = p, Y = y, Wt = w
    cdef int tn = cnp.PyArray_TYPE(P), rc
    if tn not in (cnp.NPY_DOUBLE, cnp.NPY_FLOAT) or P.ndim != 2 \
            or cnp.PyArray_TYPE(Y) != cnp.NPY_INT64 or Y.ndim != 1 or Y.shape[0] != P.shape[0] \
            or not Y.flags.c_contiguous or (Wt is not None and (
                cnp.PyArray_TYPE(Wt) != cnp.NPY_DOUBLE or Wt.ndim != 1
                or Wt.shape[0] != P.shape[0] or not Wt.flags.c_contiguous)):
        raise TypeError("brier_sum takes 2-D float p, contiguous 1-D int64 labels and "
                        "contiguous 1-D float64 weights or None")
    if not P.flags.aligned:
        raise ValueError("brier_sum needs an aligned p")
    cdef fl_intp n = P.shape[0], k = P.shape[1]
    if n and (Y.min() < 0 or Y.max() >= k):
        raise ValueError(f"brier_sum: labels must lie in [0, {k})")
    cdef double total = 0.0
    cdef int nt = 1
    if n_threads is not None:
        nt = _cap_threads(n_threads)
    elif n * k >= 2 * MIN_PER_THREAD:
        nt = <int>max(1, min(fastloss_get_num_threads(), (n * k) // MIN_PER_THREAD, _thread_cap))
    cdef fl_par par = _par(nt, n * k)
    cdef const double *wp = <const double *>cnp.PyArray_DATA(Wt) if Wt is not None else NULL
    with nogil:
        rc = fl_brier_run(tn == cnp.NPY_FLOAT, cnp.PyArray_BYTES(P), P.strides[0], P.strides[1],
                          <const int64_t *>cnp.PyArray_DATA(Y), wp, n, k, par, &total)
    _check_rc(rc)
    return total


def vmath(name, x, x2=None):
    """exp, log, log1p or expm1 of a float64/float32 array, or pow of x and
    x2 (an array of the same dtype and size), through the vector math the
    kernels of the chosen instruction-set level inline: what the accuracy
    tests measure."""
    cdef int fn = {"exp": 0, "log": 1, "log1p": 2, "expm1": 3, "pow": 4}[name]
    cdef cnp.ndarray a = np.ascontiguousarray(x)
    cdef cnp.ndarray b = np.ascontiguousarray(x2 if fn == 4 else a, dtype=a.dtype)
    if b.size != a.size:
        raise ValueError("x2 must have as many values as x")
    cdef cnp.ndarray out = np.empty_like(a)
    cdef fl_intp n = a.size
    if a.dtype == np.float64:
        with nogil:
            fl_vmath_f64(fn, <const double *>cnp.PyArray_BYTES(a), <const double *>cnp.PyArray_BYTES(b),
                         <double *>cnp.PyArray_BYTES(out), n)
    elif a.dtype == np.float32:
        with nogil:
            fl_vmath_f32(fn, <const float *>cnp.PyArray_BYTES(a), <const float *>cnp.PyArray_BYTES(b),
                         <float *>cnp.PyArray_BYTES(out), n)
    else:
        raise TypeError("x must be float32 or float64")
    return out


def auto_threads(Kernel k, Py_ssize_t nelem):
    """The thread count n_threads=None picks for nelem elements of loss k."""
    return _auto_threads(k, nelem)


def info():
    """Build and run-time facts of the compiled backend."""
    return {
        "simd": fl_simd_path().decode(),
        "simd_levels": list(SIMD_LEVELS[_best_level:]) if fl_multi_level() else ["baseline"],
        "libmvec": bool(fl_have_libmvec()),
        "threads": fastloss_get_num_threads(),
        "thread_cap": _thread_cap,
        "pool_workers": fl_pool_workers(),
        "block": FL_BLOCK,
        "rowblock": FL_ROWBLOCK,
        "kernels": KERNEL_NAMES,
    }

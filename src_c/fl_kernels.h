/* fastloss — C kernels called from fastloss/_ext.pyx. */
#ifndef FL_KERNELS_H
#define FL_KERNELS_H
#include <stddef.h>
#include <stdint.h>

typedef ptrdiff_t fl_intp;

/* Reduction block: the fixed unit of summation (elements for elementwise
   losses, rows for row losses).  Each block is summed in a fixed order and
   block sums are combined in block order, so reduced values do not depend
   on the thread count. */
#define FL_BLOCK 1024
#define FL_ROWBLOCK 256
/* the most options a loss has */
#define FL_MAX_OPTS 4

/* How a run is executed: threads (the caller and pool workers, see
   fl_pool.c), and whether the calling thread polls for signals between
   chunks of blocks (a run may then return FL_INTERRUPTED). */
typedef struct {
    int n_threads;
    int interruptible;
} fl_par;

/* return codes of the runs */
enum { FL_OK = 0, FL_NOMEM = -1, FL_BADARG = -2, FL_INTERRUPTED = -3 };

typedef struct {
    double sum;    /* sum(w * loss) */
    double sum_w;  /* sum(w) */
    double sum_wabs; /* sum(|w|): how much cancellation sum_w may hide */
    fl_intp bad;   /* smallest position of an invalid label, -1 if none */
} fl_result;

/* An interval of valid values (a target or prediction domain given as a
   range, FL_DOM_RANGE): lo <= v <= hi, each end excluded when its bit of
   open is set (1: lo, 2: hi).  NaN is never outside it (it propagates). */
typedef struct {
    double lo, hi;
    int open;
} fl_range;

/* One elementwise job over n elements.  Every array is 1-D with a byte
   stride (any sign); stride == itemsize takes the contiguous path, others are
   gathered/scattered a block at a time. */
typedef struct {
    fl_intp n;
    const char *y; fl_intp sy;   /* y_true */
    const char *p; fl_intp sp;   /* y_pred */
    const char *w; fl_intp sw;   /* sample_weight, NULL = unit weights */
    char *lo; fl_intp slo;       /* out: w*loss per element, or NULL */
    char *g; fl_intp sg;         /* out: gradient, or NULL */
    char *h; fl_intp sh;         /* out: second derivative (with g), or NULL */
    const char *aux;             /* per-column option (contiguous, aux_period values) or NULL */
    fl_intp aux_period;
    double gscale;               /* gradient factor (1/sum(w) for "mean") */
    double opt[FL_MAX_OPTS];     /* loss options, table order */
    int want_sum;                /* accumulate sum(w*loss) and sum(w) */
    fl_range yr, pr;             /* valid targets and predictions of a loss whose
                                    table entry checks them against a range */
    int form;                    /* the form the options select (Loss.form) */
} fl_ew_job;

/* One row job: n rows of k classes.  Targets are integer labels (lab, of
   integer kind lab_kind, see FL_LAB_*) or a dense (n, k) array t. */
enum { FL_LAB_NONE, FL_LAB_I8, FL_LAB_U8, FL_LAB_I16, FL_LAB_U16, FL_LAB_I32,
       FL_LAB_U32, FL_LAB_I64, FL_LAB_U64 };
typedef struct {
    fl_intp n, k;
    const char *lab; fl_intp slab; int lab_kind;
    const char *t; fl_intp st0, st1;
    const char *p; fl_intp sp0, sp1;
    const char *w; fl_intp sw;   /* row weights or NULL */
    char *lo; fl_intp slo;       /* out: w*loss per row, or NULL */
    char *g; fl_intp sg0, sg1;   /* out: gradient (n, k), or NULL */
    char *h; fl_intp sh0, sh1;   /* out: the Hessian's diagonal (n, k) (with g), or NULL */
    double gscale;
    double opt[FL_MAX_OPTS];
    int want_sum;
    /* class weights and the ignored label (integer labels; see Loss.class_weights) */
    const char *cw;              /* k class weights (storage type), or NULL */
    int cw_row;                  /* the driver weighs each row by its label's class weight
                                    (else the stage reads cw) */
    int cw_den;                  /* "mean" divides by the rows' label weights times their
                                    sample weights (else by the sample weights) */
    int ignore_on;               /* rows labelled `ignore` add nothing (and are not invalid) */
    int64_t ignore;
} fl_rows_job;

/* Loss lookup by name (-1 if unknown); kind 0 = elementwise, 1 = rows. */
int fl_loss_index(const char *name, int *kind);
int fl_loss_count(void);
const char *fl_loss_name(int i);

/* Run a loss; float32 storage if f32 else float64.  res->sum, sum_w when
   want_sum; res->bad always.  Returns FL_OK, FL_NOMEM or FL_INTERRUPTED.
   Thread-safe; call without the GIL. */
int fl_ew_run(int loss, int f32, const fl_ew_job *job, fl_par par, fl_result *res);
int fl_rows_run(int loss, int f32, const fl_rows_job *job, fl_par par, fl_result *res);

/* Per-column sum(w*loss) and sum(w) of n rows x n_cols columns in one pass:
   job describes column 0 (y, p, w with their row strides; no outputs),
   column c starts c*cy (y) and c*cp (p) bytes further.  res[c] is what
   fl_ew_run gives for column c alone (sum, sum_w): bitwise for strided
   columns, to rounding for contiguous rows (see fl_kernels.c), the same bits
   for any thread count; res[c].bad is a row of
   column c with an invalid target or -1 (when some column has invalid
   targets, at least one res[c].bad is set: the caller finds the first). */
int fl_ew_run_cols(int loss, int f32, const fl_ew_job *job, fl_intp n_cols, fl_intp cy,
                   fl_intp cp, fl_par par, fl_result *res);

/* The sum of the row factors a row job's "mean" divides by (sample weight
   times, where class weights or an ignored label take part, the row's label
   weight or 0 for an ignored row) and of their absolute values, with the
   same blocks and order as fl_rows_run's sum_w (bitwise equal). */
int fl_rows_den_run(int f32, const fl_rows_job *job, fl_par par, double *sum_w, double *sum_wabs);

/* sum(w) and sum(|w|) with the same blocks and order as the loss kernels
   (bitwise equal). */
int fl_wsum_run(int f32, const char *w, fl_intp sw, fl_intp n, fl_intp block,
                fl_par par, double *sum_w, double *sum_wabs);

/* Factorize n fixed-width items of size bytes (stride apart): codes[i] = the
   number of item i's value in order of first appearance, first[c] = the
   position where value c first appears (first has room for n), the items
   hashed by hash (a keyed hash: see fl_factorize.c).  Returns the number of
   distinct values, -1 when out of memory. */
typedef fl_intp (*fl_hash_fn)(const void *data, fl_intp len);
fl_intp fl_factorize_bytes(const char *x, fl_intp n, fl_intp size, fl_intp stride,
                           fl_hash_fn hash, int64_t *codes, fl_intp *first);

/* benchmark floors: read two buffers of 64-bit words (and write one or two of b's size) */
uint64_t fl_floor_read(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb);
uint64_t fl_floor_read_mt(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb,
                          int n_threads);
void fl_floor_read_write(const uint64_t *a, fl_intp na, const uint64_t *b, uint64_t *out,
                         uint64_t *out2, fl_intp nb);

/* One pass over n_rows x k contiguous values: min and max (NaN skipped), the
   number of NaN, and (when tol >= 0) the number of rows whose float64 sum is
   not within tol of 1.  For the input checks of fastloss.metrics. */
typedef struct {
    double min, max;
    fl_intp n_nan, rows_off;
} fl_stats;
void fl_stats_f64(const double *x, fl_intp n_rows, fl_intp k, double tol, fl_stats *st);
void fl_stats_f32(const float *x, fl_intp n_rows, fl_intp k, double tol, fl_stats *st);

/* The sums of r2_score over n rows x m columns of y and p (float32 storage if
   f32, else float64; byte strides per row and per column) with weights w
   (stride sw, or NULL): sum(w), and per column sse[c] = sum(w (y - p)^2) and
   ss[c] = sum(w (y - M)^2) about the weighted mean M, in one pass (each
   block of rows re-read in cache about its own mean, blocks combined in a
   fixed order: the same bits for any thread count).  FL_OK or FL_NOMEM. */
int fl_r2_run(int f32, const char *y, fl_intp sy0, fl_intp sy1, const char *p, fl_intp sp0,
              fl_intp sp1, const char *w, fl_intp sw, fl_intp n, fl_intp m, fl_par par,
              double *sum_w, double *sse, double *ss);

/* sum(w_i sum_j (t_ij - p_ij)^2) of brier_score_loss over n rows x k classes
   of p (float32 storage if f32, else float64; byte strides per row and per
   class), t_i the one-hot row of label y_i (each in [0, k)), float64 weights
   w (contiguous, or NULL for ones), in fixed blocks and a fixed order: the
   same bits for any thread count.  FL_OK or FL_NOMEM. */
int fl_brier_run(int f32, const char *p, fl_intp sp0, fl_intp sp1, const int64_t *y,
                 const double *w, fl_intp n, fl_intp k, fl_par par, double *sum);

/* exp (fn 0), log (1), log1p (2), expm1 (3) of n values x, or pow (4) of x
   and x2, vectorized as in the kernels */
void fl_vmath_f64(int fn, const double *x, const double *x2, double *y, fl_intp n);
void fl_vmath_f32(int fn, const float *x, const float *x2, float *y, fl_intp n);

/* build/run-time facts for `python -m fastloss info` */
int fl_have_libmvec(void);
/* The instruction-set level whose kernels run (0: AVX-512, x86-64-v4; 1:
   AVX2 + FMA, x86-64-v3; 2: baseline), set once by fl_select_level. */
extern int fl_level;
/* Pick the best level the CPU supports, but no better than `most` (0, 1 or
   2: a lower level forced for testing); returns the level now in force.  A
   build for one level only (not x86-64 with GCC) always runs the baseline. */
int fl_select_level(int most);
/* 1 if the kernels were built for every level, else 0 */
int fl_multi_level(void);
const char *fl_simd_path(void);
#endif

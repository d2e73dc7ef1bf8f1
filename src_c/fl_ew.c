/*
 * fastloss — the elementwise losses' runs: the block function of every loss
 * in the table (fl_ew_template.h, expanded per dtype in fl_ew_f64.c and
 * fl_ew_f32.c, two translation units compiled in parallel), run on the
 * driver; the weights' sums and the per-column sums.
 *
 * Nothing here is compiled with -ffast-math: NaN and inf behave as IEEE says.
 */
#include "fl_ew.h"
#include "fl_pool.h"

/* every loss's block functions per level (fl_level: 0 AVX-512, 1 AVX2, 2
   baseline; a build with the baseline level only fills every row with it) */
#define FL_EW_K(name, sfx) {fl_ew_blocks_##name##_f64##sfx, fl_ew_blocks_##name##_f32##sfx},
#define FL_EW_K4(name, ...) FL_EW_K(name, _v4)
#define FL_EW_K3(name, ...) FL_EW_K(name, _v3)
#define FL_EW_K1(name, ...) FL_EW_K(name, _v1)
#define FL_EW_ONE(name, ...) +1
enum { FL_EW_COUNT = 0 FL_EW_TABLE(FL_EW_ONE) };
#if FL_MULTI_LEVEL
static const fl_blocks_fn fl_ew_kernels[3][FL_EW_COUNT][2] = {
    {FL_EW_TABLE(FL_EW_K4)}, {FL_EW_TABLE(FL_EW_K3)}, {FL_EW_TABLE(FL_EW_K1)}};
static const fl_blocks_fn fl_wsum_kernels[3][2] = {
    {fl_wsum_blocks_f64_v4, fl_wsum_blocks_f32_v4}, {fl_wsum_blocks_f64_v3, fl_wsum_blocks_f32_v3},
    {fl_wsum_blocks_f64_v1, fl_wsum_blocks_f32_v1}};
#define FL_LEVEL_FN(fn) (fl_level == 0 ? fn##_v4 : fl_level == 1 ? fn##_v3 : fn##_v1)
#else
static const fl_blocks_fn fl_ew_kernels[3][FL_EW_COUNT][2] = {
    {FL_EW_TABLE(FL_EW_K1)}, {FL_EW_TABLE(FL_EW_K1)}, {FL_EW_TABLE(FL_EW_K1)}};
static const fl_blocks_fn fl_wsum_kernels[3][2] = {
    {fl_wsum_blocks_f64_v1, fl_wsum_blocks_f32_v1}, {fl_wsum_blocks_f64_v1, fl_wsum_blocks_f32_v1},
    {fl_wsum_blocks_f64_v1, fl_wsum_blocks_f32_v1}};
#define FL_LEVEL_FN(fn) fn##_v1
#endif
void fl_vmath_f64(int fn, const double *x, const double *x2, double *y, fl_intp n)
{
    FL_LEVEL_FN(fl_vmath_f64)(fn, x, x2, y, n);
}

void fl_vmath_f32(int fn, const float *x, const float *x2, float *y, fl_intp n)
{
    FL_LEVEL_FN(fl_vmath_f32)(fn, x, x2, y, n);
}

#define FL_EW_NAME(name, ...) #name,
const char *const fl_ew_names[] = {FL_EW_TABLE(FL_EW_NAME)};
const int fl_n_ew = (int)(sizeof(fl_ew_names) / sizeof(fl_ew_names[0]));
#define FL_N_EW fl_n_ew

int fl_ew_run(int loss, int f32, const fl_ew_job *job, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= FL_N_EW) return FL_BADARG;
    return fl_run_blocks(fl_ew_kernels[fl_level][loss][f32 ? 1 : 0], job,
                         (job->n + FL_BLOCK - 1) / FL_BLOCK, par, job->want_sum, res);
}

/* Column sums of an (n, n_cols) elementwise job.  Column c is the job with
   y and p moved by c*cy and c*cp bytes (the weights are shared by the
   columns).  Each column's block sums are combined in block order as
   fl_run_blocks combines them, and inside a block every column's w*loss
   values go into the same 32 lanes in the same order as in its own call, so
   the result is the same for any thread count.

   Rows of up to FL_COLMAX values stored contiguously (C order) take one pass:
   a block of rows is one contiguous run of elements, computed by the loss's
   block function (the same vector code as a 1-D call, in its per-element
   output mode: the values of reduction="none") into a buffer, which is then
   summed column by column as it sits in cache, with 32 x n_cols accumulators
   walked contiguously (accumulator l*n_cols + c is lane l of column c).  The
   sums differ from the column's own summing call by rounding only: that
   loop may fuse the accumulation (a multiply-add) and is vectorized apart.
   Other layouts run each column's block through the block function with its
   strides: bitwise what fl_ew_run gives for the column alone. */
#define FL_COLMAX 64

/* the column-sums job on the pool; slot s owns scratch[s] (allocated on its
   first chunk, for the one-pass row layout) */
typedef struct {
    fl_blocks_fn fn;
    const fl_ew_job *job;
    fl_intp n_cols, cy, cp, isz, nblocks;
    int f32, rows;
    fl_part *part;
    struct { char *lo; double *acc; int oom; } *scratch;
} fl_cols_task;

static void fl_cols_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    fl_cols_task *t = (fl_cols_task *)ctx;
    const fl_ew_job *job = t->job;
    const fl_intp n_cols = t->n_cols, nblocks = t->nblocks;
    char *lo = NULL;
    double *acc = NULL;
    if (t->rows) {
        if (!t->scratch[slot].lo && !t->scratch[slot].oom) {
            t->scratch[slot].lo = (char *)malloc((size_t)(FL_BLOCK * n_cols * t->isz));
            t->scratch[slot].acc = (double *)malloc((size_t)(FL_LANES * n_cols) * sizeof(double));
            t->scratch[slot].oom = !t->scratch[slot].lo || !t->scratch[slot].acc;
        }
        if (t->scratch[slot].oom) {
            for (fl_intp b = b0; b < b1; b++) t->part[b].bad = FL_PART_NOMEM; /* column 0's */
            return;
        }
        lo = t->scratch[slot].lo;
        acc = t->scratch[slot].acc;
    }
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp r0 = b * FL_BLOCK;
        const fl_intp nr = job->n - r0 < FL_BLOCK ? job->n - r0 : FL_BLOCK;
        if (!t->rows) {
            for (fl_intp c = 0; c < n_cols; c++) { /* this block of column c */
                fl_ew_job jc = *job;
                jc.y += c * t->cy;
                jc.p += c * t->cp;
                jc.lo = jc.g = NULL;
                jc.want_sum = 1;
                t->fn(&jc, b, b + 1, t->part + c * nblocks);
            }
            continue;
        }
        /* the block's nr x n_cols elements, one contiguous run */
        fl_ew_job jb = *job;
        fl_part sub[FL_COLMAX];
        jb.n = nr * n_cols;
        jb.y += r0 * job->sy;
        jb.p += r0 * job->sp;
        jb.sy = jb.sp = t->isz;
        jb.w = NULL;
        jb.lo = lo;
        jb.slo = t->isz;
        jb.g = NULL;
        jb.want_sum = 0;
        const fl_intp nsub = (jb.n + FL_BLOCK - 1) / FL_BLOCK;
        t->fn(&jb, 0, nsub, sub);
        double aw[FL_LANES] = {0}, a[FL_LANES];
        memset(acc, 0, (size_t)(FL_LANES * n_cols) * sizeof(double));
        const char *w = job->w ? job->w + r0 * job->sw : NULL;
        if (t->f32)
            FL_LEVEL_FN(fl_colacc_f32)((float *)lo, nr, n_cols, w, job->sw, acc, aw);
        else
            FL_LEVEL_FN(fl_colacc_f64)((double *)lo, nr, n_cols, w, job->sw, acc, aw);
        const double sw = w ? fl_lanetree(aw) : (double)nr;
        for (fl_intp c = 0; c < n_cols; c++) {
            for (int l = 0; l < FL_LANES; l++) a[l] = acc[l * n_cols + c];
            fl_part *pt = t->part + c * nblocks + b;
            pt->s = fl_lanetree(a);
            pt->sw = sw;
            pt->swa = 0.0;  /* not needed by the column sums' callers */
            pt->bad = FL_PART_OK;
        }
        for (fl_intp q = 0; q < nsub; q++) /* an invalid target: its column and row */
            if (sub[q].bad >= 0) {
                fl_part *pt = t->part + (sub[q].bad % n_cols) * nblocks + b;
                const fl_intp row = r0 + sub[q].bad / n_cols;
                if (pt->bad < 0 || row < pt->bad) pt->bad = row;
            }
    }
}

int fl_ew_run_cols(int loss, int f32, const fl_ew_job *job, fl_intp n_cols, fl_intp cy,
                   fl_intp cp, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= FL_N_EW || n_cols < 1) return FL_BADARG;
    fl_cols_task t;
    t.fn = fl_ew_kernels[fl_level][loss][f32 ? 1 : 0];
    t.job = job;
    t.n_cols = n_cols;
    t.cy = cy;
    t.cp = cp;
    t.isz = f32 ? (fl_intp)sizeof(float) : (fl_intp)sizeof(double);
    t.nblocks = (job->n + FL_BLOCK - 1) / FL_BLOCK;
    t.f32 = f32;
    t.rows = n_cols <= FL_COLMAX && cy == t.isz && cp == t.isz
             && job->sy == n_cols * t.isz && job->sp == n_cols * t.isz;
    const int nslots = par.n_threads < 1 ? 1 : par.n_threads;
    t.part = (fl_part *)malloc((size_t)(t.nblocks > 0 ? t.nblocks : 1) * (size_t)n_cols
                               * sizeof(fl_part));
    t.scratch = calloc((size_t)nslots, sizeof(*t.scratch));
    int rc = FL_NOMEM;
    if (t.part && t.scratch) {
        rc = fl_parallel(fl_cols_task_run, &t, t.nblocks, par);
        for (fl_intp c = 0; rc == FL_OK && c < n_cols; c++)  /* each column as fl_run_blocks does */
            if (fl_combine(t.part + c * t.nblocks, t.nblocks, 1, res + c)) rc = FL_NOMEM;
    }
    if (t.scratch)
        for (int i = 0; i < nslots; i++) {
            free(t.scratch[i].lo);
            free(t.scratch[i].acc);
        }
    free(t.scratch);
    free(t.part);
    return rc;
}

int fl_wsum_run(int f32, const char *w, fl_intp sw, fl_intp n, fl_intp block, fl_par par,
                double *sum_w, double *sum_wabs)
{
    fl_wsum_job j = {w, sw, n, block};
    fl_result res = {0.0, 0.0, 0.0, -1};
    int rc = fl_run_blocks(fl_wsum_kernels[fl_level][f32 ? 1 : 0], &j,
                           (n + block - 1) / block, par, 1, &res);
    *sum_w = res.sum_w;
    *sum_wabs = res.sum_wabs;
    return rc;
}


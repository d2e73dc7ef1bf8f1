/*
 * fastloss — support code outside the losses: build facts, the memory floors
 * of the benchmarks, the one-pass input statistics of fastloss.metrics, and
 * the vector math exactly as the kernels call it (for the accuracy tests).
 */
#include "fl_blocks.h"
#include "fl_pool.h"

/* the names of the kernels of the table (fl_ew.c, fl_rows.c) */
extern const char *const fl_ew_names[], *const fl_row_names[];
extern const int fl_n_ew, fl_n_row;

/* losses are numbered elementwise first, then row losses */
int fl_loss_index(const char *name, int *kind)
{
    for (int i = 0; i < fl_n_ew; i++)
        if (strcmp(name, fl_ew_names[i]) == 0) {
            *kind = 0;
            return i;
        }
    for (int i = 0; i < fl_n_row; i++)
        if (strcmp(name, fl_row_names[i]) == 0) {
            *kind = 1;
            return i;
        }
    return -1;
}
int fl_loss_count(void) { return fl_n_ew + fl_n_row; }
const char *fl_loss_name(int i)
{
    if (i >= 0 && i < fl_n_ew) return fl_ew_names[i];
    if (i >= fl_n_ew && i < fl_n_ew + fl_n_row) return fl_row_names[i - fl_n_ew];
    return NULL;
}

/* ---- facts ------------------------------------------------------------- */

int fl_have_libmvec(void) { return FL_HAVE_LIBMVEC; }

int fl_level = 2;

int fl_multi_level(void)
{
    return FL_MULTI_LEVEL ? 1 : 0;
}

int fl_select_level(int most)
{
    int lv = 2;
#if FL_MULTI_LEVEL
    __builtin_cpu_init();
    lv = __builtin_cpu_supports("x86-64-v4") ? 0 : __builtin_cpu_supports("x86-64-v3") ? 1 : 2;
#endif
    if (most > lv) lv = most < 2 ? most : 2;
    fl_level = lv;
    return lv;
}

const char *fl_simd_path(void)
{
    static const char *const names[] = {"avx512 (x86-64-v4)", "avx2 (x86-64-v3)",
                                        "baseline (x86-64)"};
    if (!FL_MULTI_LEVEL) return "baseline (one level in this build)";
    return names[fl_level];
}

/* ---- memory floors for the benchmarks ----------------------------------
   The least work that touches the same bytes as a loss call: OR-reduce the
   words of both inputs (read floor), and also write the output's words
   (read+write floor).  Same dispatch as the kernels. */
FL_CLONES uint64_t fl_floor_read(const uint64_t *restrict a, fl_intp na,
                                 const uint64_t *restrict b, fl_intp nb)
{
    /* both streams advance together (as the kernels read them) */
    uint64_t acc = 0;
    if (na == nb) {
        for (fl_intp i = 0; i < nb; i++) acc |= a[i] | b[i];
        return acc;
    }
    const fl_intp nblk = nb / 4096 + 1;
    for (fl_intp k = 0; k < nblk; k++) {
        const fl_intp a0 = na * k / nblk, a1 = na * (k + 1) / nblk;
        const fl_intp b0 = nb * k / nblk, b1 = nb * (k + 1) / nblk;
        for (fl_intp i = a0; i < a1; i++) acc |= a[i];
        for (fl_intp i = b0; i < b1; i++) acc |= b[i];
    }
    return acc;
}

/* the read floor on the pool: b in chunks of 64 KiB of words and the same
   share of a, each chunk's OR in its own slot */
typedef struct {
    const uint64_t *a, *b;
    fl_intp na, n, step, nchunks;
    uint64_t *acc;
} fl_floor_task;

static void fl_floor_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    fl_floor_task *t = (fl_floor_task *)ctx;
    (void)slot;
    for (fl_intp k = b0; k < b1; k++) {
        const fl_intp i0 = k * t->step, m = t->n - i0 < t->step ? t->n - i0 : t->step;
        const fl_intp a0 = t->na * k / t->nchunks, a1 = t->na * (k + 1) / t->nchunks;
        t->acc[k] = fl_floor_read(t->a + a0, a1 - a0, t->b + i0, m);
    }
}

uint64_t fl_floor_read_mt(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb,
                          int n_threads)
{
    if (n_threads <= 1 || nb == 0) return fl_floor_read(a, na, b, nb);
    const fl_intp step = 8192, nchunks = (nb + step - 1) / step;
    fl_floor_task t = {a, b, na, nb, step, nchunks,
                       (uint64_t *)calloc((size_t)nchunks + 1, sizeof(uint64_t))};
    if (!t.acc) return fl_floor_read(a, na, b, nb);
    fl_par par = {n_threads, 0};
    fl_parallel(fl_floor_task_run, &t, nchunks, par);
    uint64_t acc = 0;
    for (fl_intp k = 0; k < nchunks; k++) acc |= t.acc[k];
    free(t.acc);
    return acc;
}

FL_CLONES void fl_floor_read_write(const uint64_t *restrict a, fl_intp na,
                                   const uint64_t *restrict b, uint64_t *restrict out,
                                   uint64_t *restrict out2, fl_intp nb)
{
    /* out (and out2, when given) have nb words, the size of the prediction b */
    if (na == nb) {
        if (out2)
            for (fl_intp i = 0; i < nb; i++) out[i] = out2[i] = a[i] | b[i];
        else
            for (fl_intp i = 0; i < nb; i++) out[i] = a[i] | b[i];
        return;
    }
    uint64_t acc = 0;
    const fl_intp nblk = nb / 4096 + 1;
    for (fl_intp k = 0; k < nblk; k++) {
        const fl_intp a0 = na * k / nblk, a1 = na * (k + 1) / nblk;
        const fl_intp b0 = nb * k / nblk, b1 = nb * (k + 1) / nblk;
        for (fl_intp i = a0; i < a1; i++) acc |= a[i];
        if (out2)
            for (fl_intp i = b0; i < b1; i++) out[i] = out2[i] = b[i] | acc;
        else
            for (fl_intp i = b0; i < b1; i++) out[i] = b[i] | acc;
    }
}

/* the r2 task: n rows x m columns of y and p (byte strides per row and per
   column), weights w (or NULL), per block sums (see fl_r2_blocks) */
typedef struct {
    const char *y, *p, *w;
    fl_intp sy0, sy1, sp0, sp1, sw, n, m;
    double *bsw, *part;
    int f32;
} fl_r2_task;

/* the Brier task: n rows x k classes of p (byte strides per row and per
   class), labels y in [0, k), float64 weights w (or NULL), per block sums */
typedef struct {
    const char *p;
    const int64_t *y;
    const double *w;
    fl_intp sp0, sp1, n, k;
    double *part;
    int f32;
} fl_brier_task;

/* ---- input statistics (fastloss.metrics), the sums of r2_score and
   brier_score_loss and the
   vector math of the kernels (for the accuracy tests): fl_support_typed.h,
   per dtype */
#define T double
#define FL_T(name) name##_f64
#include "fl_support_typed.h"
#undef T
#undef FL_T
#define T float
#define FL_T(name) name##_f32
#include "fl_support_typed.h"
#undef T
#undef FL_T

static void fl_r2_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    const fl_r2_task *t = (const fl_r2_task *)ctx;
    (void)slot;
    if (t->f32)
        fl_r2_blocks_f32(t, b0, b1);
    else
        fl_r2_blocks_f64(t, b0, b1);
}

int fl_r2_run(int f32, const char *y, fl_intp sy0, fl_intp sy1, const char *p, fl_intp sp0,
              fl_intp sp1, const char *w, fl_intp sw, fl_intp n, fl_intp m, fl_par par,
              double *sum_w, double *sse, double *ss)
{
    const fl_intp nblocks = (n + FL_BLOCK - 1) / FL_BLOCK;
    fl_r2_task t = {y, p, w, sy0, sy1, sp0, sp1, sw, n, m, NULL, NULL, f32};
    t.bsw = (double *)malloc((size_t)(nblocks + 1) * sizeof(double));
    t.part = (double *)malloc((size_t)(nblocks + 1) * (size_t)m * 4 * sizeof(double));
    if (!t.bsw || !t.part) {
        free(t.bsw);
        free(t.part);
        return FL_NOMEM;
    }
    const int rc = fl_parallel(fl_r2_task_run, &t, nblocks, par);
    if (rc == FL_OK) {
        /* in block order: sum(w), then each column's mean M, and its
           sum(w (y - M)^2) from the blocks' own: m2_b + 2 (m_b - M) (swy_b -
           m_b sw_b) + (m_b - M)^2 sw_b */
        double W = 0;
        for (fl_intp b = 0; b < nblocks; b++) W += t.bsw[b];
        *sum_w = W;
        for (fl_intp c = 0; c < m; c++) {
            double swy = 0, s2 = 0, den = 0;
            for (fl_intp b = 0; b < nblocks; b++) {
                swy += t.part[(b * m + c) * 4];
                s2 += t.part[(b * m + c) * 4 + 1];
            }
            const double M = swy / W;
            for (fl_intp b = 0; b < nblocks; b++) {
                const double *o = t.part + (b * m + c) * 4, dm = o[3] - M;
                den += o[2] + 2 * dm * (o[0] - o[3] * t.bsw[b]) + dm * dm * t.bsw[b];
            }
            sse[c] = s2;
            ss[c] = den;
        }
    }
    free(t.bsw);
    free(t.part);
    return rc;
}

static void fl_brier_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    const fl_brier_task *t = (const fl_brier_task *)ctx;
    (void)slot;
    if (t->f32)
        fl_brier_blocks_f32(t, b0, b1);
    else
        fl_brier_blocks_f64(t, b0, b1);
}

int fl_brier_run(int f32, const char *p, fl_intp sp0, fl_intp sp1, const int64_t *y,
                 const double *w, fl_intp n, fl_intp k, fl_par par, double *sum)
{
    const fl_intp nblocks = (n + FL_BLOCK - 1) / FL_BLOCK;
    fl_brier_task t = {p, y, w, sp0, sp1, n, k, NULL, f32};
    t.part = (double *)malloc((size_t)(nblocks + 1) * sizeof(double));
    if (!t.part)
        return FL_NOMEM;
    const int rc = fl_parallel(fl_brier_task_run, &t, nblocks, par);
    if (rc == FL_OK) {
        double s = 0;
        for (fl_intp b = 0; b < nblocks; b++) s += t.part[b];
        *sum = s;
    }
    free(t.part);
    return rc;
}

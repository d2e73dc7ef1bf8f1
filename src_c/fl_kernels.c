/*
 * fastloss — fused, blocked, deterministic elementwise loss kernels, the
 * block driver, and build facts.
 *
 * Structure
 *   FL_DEFINE_EW(name, T, suffix, CT, CHECK, AUX) instantiates, from the
 *   per-element formula FL_EW_<name> (fl_losses.h), one function that
 *   processes a range of reduction blocks.  Inside a block:
 *     1. inputs with a non-unit stride are gathered into stack buffers;
 *     2. losses that validate their targets count invalid ones (vectorized,
 *        on the block while it is in L1) and locate the first;
 *     3. one fused loop computes each element's value and derivative and
 *        does, in the same pass, whichever of: accumulate w*loss (and w) into
 *        32 fixed lanes, store w*loss, store the scaled gradient.  The loop
 *        is specialised at compile time on that choice and on weighting;
 *     4. strided outputs are scattered back.
 *   fl_run_blocks shares the blocks out over the thread pool (fl_pool.c) and combines the
 *   block sums in block order, so the result is bitwise the same for any
 *   number of threads.
 *
 *   The block functions carry target_clones (fl_common.h).  Nothing here is
 *   compiled with -ffast-math: NaN and inf behave as IEEE says.
 */
#include "fl_common.h"
#include "fl_losses.h"
#include "fl_pool.h"

/* ---- the elementwise block template ----------------------------------- */

/* One element k in lane j: value L and derivative D from the loss's formula,
   then whichever of the weighted sum, the per-element loss and the gradient
   this specialisation wants.  Lane j of a[] gets elements j, j+32, j+64, ...
   in order: the same order as fl_sumlanes, so every path sums identically. */
#define FL_ELEM(NAME, T, CT, AUX, k, j, V)                                    \
    {                                                                         \
        CT L, D;                                                              \
        const CT yy = (CT)y[k], pp = (CT)p[k];                                \
        if (FL_PROBS_##NAME) { /* min and max: one vminp/vmaxp each */      \
            pmn[j] = pp < pmn[j] ? pp : pmn[j];                               \
            pmx[j] = pp > pmx[j] ? pp : pmx[j];                               \
        }                                                                     \
        FL_EW_##NAME(CT, yy, pp, o0, o1, (AUX ? (CT)ax[k] : o0), L, D)        \
        const CT ww = HW ? (CT)w[k] : (CT)1;                                  \
        const CT wl = HW ? ww * L : L;                                        \
        if (WS) {                                                             \
            a[j] += (V) ? (double)wl : 0.0;                                   \
            if (HW) aw[j] += (V) ? (double)ww : 0.0;                          \
            if (HW) awa[j] += (V) ? (double)FL_ABS(ww) : 0.0;                 \
        }                                                                     \
        if (WL) lo[k] = (T)wl;                                                \
        if (WG) g[k] = (T)(HW ? gs * (ww * D) : gs * D);                      \
    }

#define FL_DEFINE_EW(NAME, T, SUF, CT, CHECK, AUX)                            \
    FL_AI int fl_ew_loop_##NAME##_##SUF(                                      \
        fl_intp m, const T *restrict y, const T *restrict p,                  \
        const T *restrict w, const T *restrict ax, T *restrict lo,            \
        T *restrict g, const CT gs, const CT o0, const CT o1, fl_part *pt,    \
        const int HW, const int WS, const int WL, const int WG, const int HARD) \
    {                                                                         \
        (void)o0; (void)o1; (void)ax; (void)HARD;                             \
        double a[FL_LANES] = {0}, aw[FL_LANES] = {0}, awa[FL_LANES] = {0};    \
        CT pmn[FL_LANES], pmx[FL_LANES]; /* the predictions' range (NaN      \
                                            skipped: a comparison is false) */ \
        for (int j = 0; j < FL_LANES; j++) pmn[j] = (CT)0, pmx[j] = (CT)1;    \
        fl_intp i = 0;                                                        \
        for (; i + FL_LANES <= m; i += FL_LANES)                              \
            for (int j = 0; j < FL_LANES; j++) FL_ELEM(NAME, T, CT, AUX, i + j, j, 1) \
        if (i < m) {                                                          \
            /* the tail runs through the same 32-lane code on padded copies   \
               (pad lanes masked out), so that an element's value never       \
               depends on where a block or a batch boundary falls */          \
            const int r = (int)(m - i);                                       \
            T ty[FL_LANES], tp[FL_LANES], tw[FL_LANES], ta[FL_LANES];         \
            T tl[FL_LANES], tg[FL_LANES];                                     \
            for (int j = 0; j < r; j++) {                                     \
                ty[j] = y[i + j], tp[j] = p[i + j];                           \
                tw[j] = HW ? w[i + j] : (T)0;                                 \
                ta[j] = AUX ? ax[i + j] : (T)1;                               \
            }                                                                 \
            for (int j = r; j < FL_LANES; j++)                                \
                ty[j] = (T)1, tp[j] = (T)0.5, tw[j] = (T)0, ta[j] = (T)1;     \
            {                                                                 \
                const T *y = ty, *p = tp, *w = tw, *ax = ta;                  \
                T *lo = tl, *g = tg;                                          \
                (void)w; (void)ax; (void)lo; (void)g;                         \
                for (int j = 0; j < FL_LANES; j++)                            \
                    FL_ELEM(NAME, T, CT, AUX, j, j, j < r)                    \
            }                                                                 \
            if (WL) for (int j = 0; j < r; j++) lo[i + j] = tl[j];            \
            if (WG) for (int j = 0; j < r; j++) g[i + j] = tg[j];             \
        }                                                                     \
        if (WS) {                                                             \
            pt->s = fl_lanetree(a);                                           \
            pt->sw = HW ? fl_lanetree(aw) : (double)m;                        \
            pt->swa = HW ? fl_lanetree(awa) : (double)m;                      \
        }                                                                     \
        int nbadp = 0;                                                        \
        if (FL_PROBS_##NAME)                                                  \
            for (int j = 0; j < FL_LANES; j++) nbadp |= (pmn[j] < 0) | (pmx[j] > 1); \
        return nbadp;                                                         \
    }                                                                         \
    FL_CLONES void fl_ew_blocks_##NAME##_##SUF(const void *vjob,              \
                                               fl_intp b0, fl_intp b1,        \
                                               fl_part *part)                 \
    {                                                                         \
        const fl_ew_job *job = (const fl_ew_job *)vjob;                       \
        T ybuf[FL_BLOCK], pbuf[FL_BLOCK], wbuf[FL_BLOCK], gbuf[FL_BLOCK];     \
        T lbuf[FL_BLOCK], abuf[AUX ? FL_BLOCK : 1];                           \
        const int HW = job->w != NULL, WS = job->want_sum != 0;               \
        const int WL = job->lo != NULL && !WS, WG = job->g != NULL;           \
        const CT gs = (CT)job->gscale;                                        \
        const CT o0 = (CT)job->opt[0], o1 = (CT)job->opt[1];                  \
        for (fl_intp b = b0; b < b1; b++) {                                   \
            const fl_intp i0 = b * FL_BLOCK;                                  \
            const fl_intp m = job->n - i0 < FL_BLOCK ? job->n - i0 : FL_BLOCK; \
            const T *y = fl_gather_##SUF(job->y, job->sy, i0, m, ybuf);       \
            const T *p = fl_gather_##SUF(job->p, job->sp, i0, m, pbuf);       \
            const T *w = HW ? fl_gather_##SUF(job->w, job->sw, i0, m, wbuf) : NULL; \
            const T *ax = NULL;                                               \
            if (AUX) { /* the per-column option, or the scalar one */         \
                const T *col = (const T *)job->aux;                           \
                const fl_intp per = job->aux_period;                          \
                fl_intp c = col ? i0 % per : 0;                               \
                for (fl_intp i = 0; i < m; i++) {                             \
                    abuf[i] = col ? col[c] : (T)job->opt[0];                  \
                    c = c + 1 == per ? 0 : c + 1;                             \
                }                                                             \
                ax = abuf;                                                    \
            }                                                                 \
            fl_part *pt = part + b;                                           \
            pt->s = pt->sw = pt->swa = 0.0;                                   \
            pt->bad = -1;                                                     \
            /* targets are checked on the block before the fused loop (a loss \
               with a hard-label form also sees there whether the whole block \
               has hard labels); predictions of the losses on probabilities  \
               are checked in the fused loop, which keeps their range (a NaN \
               is skipped: it propagates) */                                  \
            int hard = 0, nbad = 0;                                           \
            if (CHECK) {                                                      \
                int nsoft = 0;                                                \
                for (fl_intp i = 0; i < m; i++) {                             \
                    nbad += !FL_OK_##NAME(CT, (CT)y[i]);                      \
                    nsoft += !FL_HARD_##NAME(CT, (CT)y[i]);                   \
                }                                                             \
                hard = nsoft == 0;                                            \
            }                                                                 \
            T *g = NULL, *lo = NULL;                                          \
            if (WG) g = job->sg == (fl_intp)sizeof(T) ? (T *)job->g + i0 : gbuf; \
            if (WL) lo = job->slo == (fl_intp)sizeof(T) ? (T *)job->lo + i0 : lbuf; \
            /* (a compile-time 0 for losses without a hard-label form: the \
               hard specialisations are not even compiled for them) */        \
            const int HAS_HARD = FL_HARD_##NAME(CT, (CT)0) | FL_HARD_##NAME(CT, (CT)1); \
            if (HAS_HARD && hard) {                                           \
                switch (HW | WS << 1 | WL << 2 | WG << 3) {                   \
                FL_MODE_CASES(fl_ew_loop_##NAME##_##SUF, 1)                   \
                default: break;                                               \
                }                                                             \
            } else {                                                          \
                switch (HW | WS << 1 | WL << 2 | WG << 3) {                   \
                FL_MODE_CASES(fl_ew_loop_##NAME##_##SUF, 0)                   \
                default: break;                                               \
                }                                                             \
            }                                                                 \
            if (CHECK && nbad)                                                \
                for (fl_intp i = 0; i < m; i++)                               \
                    if (!FL_OK_##NAME(CT, (CT)y[i])                           \
                        || (FL_PROBS_##NAME && !FL_PROB_OK((CT)p[i]))) {      \
                        pt->bad = i0 + i;                                     \
                        break;                                                \
                    }                                                         \
            if (WG && g == gbuf) fl_scatter_##SUF(job->g, job->sg, i0, m, gbuf); \
            if (WL && lo == lbuf) fl_scatter_##SUF(job->lo, job->slo, i0, m, lbuf); \
        }                                                                     \
    }

/* the valid (weighted, sum, per-element loss, gradient) combinations, each a
   compile-time specialisation of the loop */
#define FL_CASE(LOOP, HARD, HW, WS, WL, WG)                                   \
    case HW | WS << 1 | WL << 2 | WG << 3:                                    \
        nbad += LOOP(m, y, p, w, ax, lo, g, gs, o0, o1, pt, HW, WS, WL, WG, HARD); \
        break;
#define FL_MODE_CASES(LOOP, HARD)                                             \
    FL_CASE(LOOP, HARD, 0, 1, 0, 0) FL_CASE(LOOP, HARD, 1, 1, 0, 0)           \
    FL_CASE(LOOP, HARD, 0, 1, 0, 1) FL_CASE(LOOP, HARD, 1, 1, 0, 1)           \
    FL_CASE(LOOP, HARD, 0, 0, 1, 0) FL_CASE(LOOP, HARD, 1, 0, 1, 0)           \
    FL_CASE(LOOP, HARD, 0, 0, 1, 1) FL_CASE(LOOP, HARD, 1, 0, 1, 1)           \
    FL_CASE(LOOP, HARD, 0, 0, 0, 1) FL_CASE(LOOP, HARD, 1, 0, 0, 1)

#define FL_INSTANTIATE(NAME, CT32, CHECK, AUX)           \
    FL_DEFINE_EW(NAME, double, f64, double, CHECK, AUX)  \
    FL_DEFINE_EW(NAME, float, f32, CT32, CHECK, AUX)
FL_EW_LOSSES(FL_INSTANTIATE)

#define FL_TABLE_ROW(NAME, ...) {fl_ew_blocks_##NAME##_f64, fl_ew_blocks_##NAME##_f32},
static const fl_blocks_fn fl_ew_table[][2] = {FL_EW_LOSSES(FL_TABLE_ROW)};
#define FL_NAME_ROW(NAME, ...) #NAME,
static const char *const fl_ew_names[] = {FL_EW_LOSSES(FL_NAME_ROW)};
#define FL_NEW ((int)(sizeof(fl_ew_names) / sizeof(fl_ew_names[0])))
static const char *const fl_row_names[] = {FL_ROW_LOSSES(FL_NAME_ROW)};
#define FL_NROW ((int)(sizeof(fl_row_names) / sizeof(fl_row_names[0])))

/* sum(w) alone, block by block exactly as the loss blocks do it */
typedef struct {
    const char *w;
    fl_intp sw, n, block;
} fl_wsum_job;
#define FL_DEFINE_WSUM(T, SUF)                                              \
    FL_CLONES void fl_wsum_blocks_##SUF(const void *vjob, fl_intp b0,       \
                                        fl_intp b1, fl_part *part)          \
    {                                                                       \
        const fl_wsum_job *job = (const fl_wsum_job *)vjob;                 \
        T wbuf[FL_BLOCK];                                                   \
        for (fl_intp b = b0; b < b1; b++) {                                 \
            const fl_intp i0 = b * job->block;                              \
            const fl_intp m = job->n - i0 < job->block ? job->n - i0 : job->block; \
            part[b].s = 0.0;                                                \
            part[b].bad = -1;                                               \
            const T *wb = fl_gather_##SUF(job->w, job->sw, i0, m, wbuf);    \
            part[b].sw = fl_sumlanes_##SUF(wb, m);                          \
            part[b].swa = fl_sumabslanes_##SUF(wb, m);                      \
        }                                                                   \
    }
FL_DEFINE_WSUM(double, f64)
FL_DEFINE_WSUM(float, f32)

/* ---- the driver -------------------------------------------------------- */

/* Block sums combined in block order (independent of how the blocks were
   shared out over threads), and the first invalid position; returns whether
   a block could not get its buffers (bad == -2). */
static int fl_combine(const fl_part *part, fl_intp nblocks, int want_sum, fl_result *res)
{
    double s = 0.0, sw = 0.0, swa = 0.0;
    fl_intp bad = -1;
    int oom = 0;
    for (fl_intp b = 0; b < nblocks; b++) {
        if (want_sum) {
            s += part[b].s;
            sw += part[b].sw;
            swa += part[b].swa;
        }
        if (bad < 0 && part[b].bad >= 0) bad = part[b].bad;
        oom |= part[b].bad == -2;
    }
    res->sum = s;
    res->sum_w = sw;
    res->sum_wabs = swa;
    res->bad = bad;
    return oom;
}

/* one run of block functions on the pool: each block writes its own part */
typedef struct {
    fl_blocks_fn fn;
    const void *job;
    fl_part *part;
} fl_blocks_task;

static void fl_blocks_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    const fl_blocks_task *t = (const fl_blocks_task *)ctx;
    (void)slot;
    t->fn(t->job, b0, b1, t->part);
}

int fl_run_blocks(fl_blocks_fn fn, const void *job, fl_intp nblocks, fl_par par,
                  int want_sum, fl_result *res)
{
    fl_part stackpart[64];
    fl_part *part = stackpart;
    if (nblocks > 64) {
        part = (fl_part *)malloc((size_t)nblocks * sizeof(fl_part));
        if (!part) return FL_NOMEM;
    }
    fl_blocks_task t = {fn, job, part};
    int rc = fl_parallel(fl_blocks_task_run, &t, nblocks, par);
    if (rc == FL_OK && fl_combine(part, nblocks, want_sum, res)) rc = FL_NOMEM;
    if (part != stackpart) free(part);
    return rc;
}

int fl_ew_run(int loss, int f32, const fl_ew_job *job, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= FL_NEW) return FL_BADARG;
    return fl_run_blocks(fl_ew_table[loss][f32 ? 1 : 0], job, (job->n + FL_BLOCK - 1) / FL_BLOCK,
                         par, job->want_sum, res);
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
#define FL_DEFINE_COLACC(T, SUF)                                                    \
    /* add a block's per-element losses (nr rows of m) into the lanes; with      \
       weights, lo becomes w*loss first (stored, so rounded: never fused into a  \
       multiply-add with the accumulation) */                                  \
    FL_CLONES void fl_colacc_##SUF(T *restrict lo, fl_intp nr, fl_intp m,          \
                                   const char *w, fl_intp sw, double *restrict acc, \
                                   double *restrict aw)                             \
    {                                                                               \
        const fl_intp period = FL_LANES * m, ne = nr * m;                           \
        if (w)                                                                      \
            for (fl_intp r = 0; r < nr; r++) {                                      \
                const T ww = *(const T *)(w + r * sw);                              \
                aw[r % FL_LANES] += (double)ww;                                     \
                for (fl_intp c = 0; c < m; c++) lo[r * m + c] = ww * lo[r * m + c]; \
            }                                                                       \
        for (fl_intp k0 = 0; k0 < ne; k0 += period) {                               \
            const fl_intp lim = ne - k0 < period ? ne - k0 : period;                \
            for (fl_intp t = 0; t < lim; t++) acc[t] += (double)lo[k0 + t];         \
        }                                                                           \
    }
FL_DEFINE_COLACC(double, f64)
FL_DEFINE_COLACC(float, f32)

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
            for (fl_intp b = b0; b < b1; b++) t->part[b].bad = -2;  /* the first column's */
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
            fl_colacc_f32((float *)lo, nr, n_cols, w, job->sw, acc, aw);
        else
            fl_colacc_f64((double *)lo, nr, n_cols, w, job->sw, acc, aw);
        const double sw = w ? fl_lanetree(aw) : (double)nr;
        for (fl_intp c = 0; c < n_cols; c++) {
            for (int l = 0; l < FL_LANES; l++) a[l] = acc[l * n_cols + c];
            fl_part *pt = t->part + c * nblocks + b;
            pt->s = fl_lanetree(a);
            pt->sw = sw;
            pt->swa = 0.0;  /* not needed by the column sums' callers */
            pt->bad = -1;
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
    if (loss < 0 || loss >= FL_NEW || n_cols < 1) return FL_BADARG;
    fl_cols_task t;
    t.fn = fl_ew_table[loss][f32 ? 1 : 0];
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
    int rc = fl_run_blocks(f32 ? fl_wsum_blocks_f32 : fl_wsum_blocks_f64, &j,
                           (n + block - 1) / block, par, 1, &res);
    *sum_w = res.sum_w;
    *sum_wabs = res.sum_wabs;
    return rc;
}

/* losses are numbered elementwise first, then row losses */
int fl_loss_index(const char *name, int *kind)
{
    for (int i = 0; i < FL_NEW; i++)
        if (strcmp(name, fl_ew_names[i]) == 0) { *kind = 0; return i; }
    for (int i = 0; i < FL_NROW; i++)
        if (strcmp(name, fl_row_names[i]) == 0) { *kind = 1; return i; }
    return -1;
}
int fl_loss_count(void) { return FL_NEW + FL_NROW; }
const char *fl_loss_name(int i)
{
    if (i >= 0 && i < FL_NEW) return fl_ew_names[i];
    if (i >= FL_NEW && i < FL_NEW + FL_NROW) return fl_row_names[i - FL_NEW];
    return NULL;
}

/* ---- facts ------------------------------------------------------------- */

int fl_have_libmvec(void) { return FL_HAVE_LIBMVEC; }

const char *fl_simd_path(void)
{
#if FL_HAVE_CLONES
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "avx512 (x86-64-v4)";
    if (__builtin_cpu_supports("x86-64-v3")) return "avx2 (x86-64-v3)";
    return "baseline (x86-64)";
#else
    return "baseline (no runtime dispatch in this build)";
#endif
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

/* the read floor on the pool: both buffers (na == nb) in chunks of 64 KiB of
   words, each chunk's OR in its own slot */
typedef struct {
    const uint64_t *a, *b;
    fl_intp n, step;
    uint64_t *acc;
} fl_floor_task;

static void fl_floor_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    fl_floor_task *t = (fl_floor_task *)ctx;
    (void)slot;
    for (fl_intp k = b0; k < b1; k++) {
        const fl_intp i0 = k * t->step, m = t->n - i0 < t->step ? t->n - i0 : t->step;
        t->acc[k] = fl_floor_read(t->a + i0, m, t->b + i0, m);
    }
}

uint64_t fl_floor_read_mt(const uint64_t *a, fl_intp na, const uint64_t *b, fl_intp nb,
                          int n_threads)
{
    if (na != nb || n_threads <= 1) return fl_floor_read(a, na, b, nb);
    const fl_intp step = 8192, nchunks = (nb + step - 1) / step;
    fl_floor_task t = {a, b, nb, step, (uint64_t *)calloc((size_t)nchunks + 1, sizeof(uint64_t))};
    if (!t.acc) return fl_floor_read(a, na, b, nb);
    fl_par par = {n_threads, 0};
    fl_parallel(fl_floor_task_run, &t, nchunks, par);
    uint64_t acc = 0;
    for (fl_intp k = 0; k < nchunks; k++) acc |= t.acc[k];
    free(t.acc);
    return acc;
}

FL_CLONES void fl_floor_read_write(const uint64_t *restrict a, fl_intp na,
                                   const uint64_t *restrict b, uint64_t *restrict out, fl_intp nb)
{
    /* out has nb words, the size of the prediction b */
    if (na == nb) {
        for (fl_intp i = 0; i < nb; i++) out[i] = a[i] | b[i];
        return;
    }
    uint64_t acc = 0;
    const fl_intp nblk = nb / 4096 + 1;
    for (fl_intp k = 0; k < nblk; k++) {
        const fl_intp a0 = na * k / nblk, a1 = na * (k + 1) / nblk;
        const fl_intp b0 = nb * k / nblk, b1 = nb * (k + 1) / nblk;
        for (fl_intp i = a0; i < a1; i++) acc |= a[i];
        for (fl_intp i = b0; i < b1; i++) out[i] = b[i] | acc;
    }
}

/* ---- input statistics (fastloss.metrics) -------------------------------
   Rows are taken FL_ROWBLOCK at a time: min/max/NaN over the block in fixed
   lanes (vectorized), then the block's row sums while it is in cache. */
#define FL_DEFINE_STATS(T, SUF)                                                     \
    FL_CLONES void fl_stats_##SUF(const T *restrict x, fl_intp n_rows, fl_intp k,  \
                                  double tol, fl_stats *st)                         \
    {                                                                               \
        T mn[FL_LANES], mx[FL_LANES], nn[FL_LANES];                                 \
        for (int j = 0; j < FL_LANES; j++) mn[j] = INFINITY, mx[j] = -INFINITY, nn[j] = 0; \
        fl_intp off = 0, nan = 0;                                                   \
        for (fl_intp r0 = 0; r0 < n_rows; r0 += FL_ROWBLOCK) {                      \
            const fl_intp nr = n_rows - r0 < FL_ROWBLOCK ? n_rows - r0 : FL_ROWBLOCK; \
            const T *b = x + r0 * k;                                                \
            const fl_intp m = nr * k;                                               \
            fl_intp i = 0;                                                          \
            for (; i + FL_LANES <= m; i += FL_LANES)                                \
                for (int j = 0; j < FL_LANES; j++) {                                \
                    const T v = b[i + j];                                           \
                    mn[j] = v < mn[j] ? v : mn[j];                                  \
                    mx[j] = v > mx[j] ? v : mx[j];                                  \
                    nn[j] += v != v ? (T)1 : (T)0;                                  \
                }                                                                   \
            for (int j = 0; i < m; i++, j++) {                                      \
                const T v = b[i];                                                   \
                mn[j] = v < mn[j] ? v : mn[j];                                      \
                mx[j] = v > mx[j] ? v : mx[j];                                      \
                nn[j] += v != v ? (T)1 : (T)0;                                      \
            }                                                                       \
            for (int j = 0; j < FL_LANES; j++) nan += (fl_intp)nn[j], nn[j] = 0;    \
            if (tol >= 0) { /* column by column across the block's rows */     \
                double rs[FL_ROWBLOCK];                                             \
                for (fl_intp r = 0; r < nr; r++) rs[r] = 0;                         \
                for (fl_intp j = 0; j < k; j++)                                     \
                    for (fl_intp r = 0; r < nr; r++) rs[r] += (double)b[r * k + j]; \
                for (fl_intp r = 0; r < nr; r++) off += !(FL_ABS(rs[r] - 1) <= tol); \
            }                                                                       \
        }                                                                           \
        for (int j = 1; j < FL_LANES; j++) {                                        \
            mn[0] = mn[j] < mn[0] ? mn[j] : mn[0];                                  \
            mx[0] = mx[j] > mx[0] ? mx[j] : mx[0];                                  \
        }                                                                           \
        st->min = (double)mn[0];                                                    \
        st->max = (double)mx[0];                                                    \
        st->n_nan = nan;                                                            \
        st->rows_off = off;                                                         \
    }
FL_DEFINE_STATS(double, f64)
FL_DEFINE_STATS(float, f32)

/* ---- vector math exactly as the kernels call it (for the accuracy tests) */
#define FL_DEFINE_VMATH(T, SUF)                                                     \
    FL_CLONES void fl_vmath_##SUF(int fn, const T *restrict x, T *restrict y, fl_intp n) \
    {                                                                               \
        if (fn == 0)                                                                \
            for (fl_intp i = 0; i < n; i++) y[i] = FL_EXP(x[i]);                    \
        else if (fn == 1)                                                           \
            for (fl_intp i = 0; i < n; i++) y[i] = FL_LOG(x[i]);                    \
        else                                                                        \
            for (fl_intp i = 0; i < n; i++) y[i] = FL_LOG1P(x[i]);                  \
    }
FL_DEFINE_VMATH(double, f64)
FL_DEFINE_VMATH(float, f32)

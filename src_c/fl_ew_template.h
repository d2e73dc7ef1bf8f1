/*
 * fastloss — the elementwise block function, for one dtype.
 *
 * A template (no include guard): fl_ew.c includes it once per dtype, with T
 * and FL_T defined (see fl_typed.h).  For each loss of the table it defines
 * FL_T(fl_ew_blocks_<name>), which processes a range of reduction blocks:
 *   1. inputs with a non-unit stride are gathered into stack buffers;
 *   2. a loss whose targets have a domain counts the invalid ones on the
 *      block while it is in L1 (and sees whether all are hard 0/1 labels,
 *      for a loss with a hard-label form);
 *   3. one fused loop calls the loss's function (fl_ew_losses.h, inlined) on
 *      each element and does, in the same pass, whichever of: accumulate
 *      w*loss (and w) into the FL_LANES fixed lanes, store w*loss, store the
 *      scaled gradient; for a loss whose predictions have a domain it also
 *      keeps their minimum and maximum.  The loop is specialised at compile time on that
 *      choice and on weighting (a switch over constant arguments);
 *   4. the first invalid position is located, strided outputs scattered back.
 */
#include "fl_typed.h"
#include "fl_ew_losses.h"

typedef void (*FL_T(fl_ew_fn))(T y, T p, T a, const T *o, int form, T *L, T *D, T *H);

/* What a loss adds to the block function, from its table entry. */
typedef struct {
    int targets;  /* FL_DOM_* of its targets (FL_DOM_ANY: not checked) */
    int preds;    /* FL_DOM_* of its predictions: ANY, PROB or RANGE (the job's) */
    int forms;    /* its forms (compile-time variants): 2 for a loss with a
                     hard-label form (form 1: the block's targets are all 0 or
                     1), else the number of forms its options select among */
    int hard;     /* it has a hard-label form */
    int aux;      /* it has a per-column option */
} FL_T(fl_ew_facts);

/* One group of FL_LANES elements: element j in lane j (lane j of a[] gets
   elements j, j+32, j+64, ... in order: the order of fl_sumlanes, so every
   path sums identically); only the first `valid` count (the tail). */
FL_AI void FL_T(fl_ew_group)(FL_T(fl_ew_fn) loss, const int preds, const int aux,
                             const T *restrict y, const T *restrict p, const T *restrict w,
                             const T *restrict ax, T *restrict lo, T *restrict g,
                             T *restrict h, const T gs, const T *o, const int valid,
                             double *restrict a,
                             double *restrict aw, double *restrict awa, T *restrict pmn,
                             T *restrict pmx,
                             const int HW, const int WS, const int WL, const int WG, const int FORM)
{
    for (int j = 0; j < FL_LANES; j++) {
        const int v = j < valid;
        T L, D, H;
        const T yy = y[j], pp = p[j];
        if (preds) { /* min and max: one vminp/vmaxp each (pad lanes left out) */
            pmn[j] = v & (pp < pmn[j]) ? pp : pmn[j];
            pmx[j] = v & (pp > pmx[j]) ? pp : pmx[j];
        }
        loss(yy, pp, aux ? ax[j] : o[0], o, FORM, &L, &D, &H);
        const T ww = HW ? w[j] : (T)1;
        const T wl = HW ? ww * L : L;
        if (WS) {
            a[j] += v ? (double)wl : 0.0;
            if (HW) aw[j] += v ? (double)ww : 0.0;
            if (HW) awa[j] += v ? (double)FL_ABS(ww) : 0.0;
        }
        if (WL) lo[j] = wl;
        if (WG) g[j] = HW ? gs * (ww * D) : gs * D;
        if (WG == 2) h[j] = HW ? gs * (ww * H) : gs * H;
    }
}

/* The closed bounds in T of a range: an open end moved inward to the next
   value of T (the table's bounds are values of float32 and float64). */
FL_AI void FL_T(fl_closed)(const fl_range *r, T *lo, T *hi)
{
    *lo = (T)r->lo;
    *hi = (T)r->hi;
    if (r->open & 1) *lo = _Generic(*lo, float: nextafterf, default: nextafter)(*lo, (T)INFINITY);
    if (r->open & 2) *hi = _Generic(*hi, float: nextafterf, default: nextafter)(*hi, -(T)INFINITY);
}

/* The fused loop over a block's m elements; returns 1 when a prediction of a
   loss whose predictions have a domain lies outside [plo, phi]. */
FL_AI int FL_T(fl_ew_loop)(FL_T(fl_ew_fn) loss, const int preds, const T plo, const T phi,
                           const int aux, fl_intp m,
                           const T *restrict y, const T *restrict p, const T *restrict w,
                           const T *restrict ax, T *restrict lo, T *restrict g,
                           T *restrict h, const T gs, const T *o, fl_part *pt, const int HW,
                           const int WS, const int WL, const int WG, const int FORM)
{
    /* the lanes' sums of w*loss, w and |w|, and the predictions' range (NaN
       skipped: a comparison with NaN is false); only what this
       specialisation reads is set */
    double a[FL_LANES], aw[FL_LANES], awa[FL_LANES];
    T pmn[FL_LANES], pmx[FL_LANES];
    for (int j = 0; j < FL_LANES; j++) {
        if (WS) a[j] = 0.0;
        if (WS && HW) aw[j] = awa[j] = 0.0;
        if (preds) pmn[j] = (T)INFINITY, pmx[j] = -(T)INFINITY;
    }
    fl_intp i = 0;
    for (; i + FL_LANES <= m; i += FL_LANES)
        FL_T(fl_ew_group)(loss, preds, aux, y + i, p + i, HW ? w + i : w, aux ? ax + i : ax,
                          WL ? lo + i : lo, WG ? g + i : g, WG == 2 ? h + i : h, gs, o,
                          FL_LANES, a, aw, awa, pmn, pmx, HW, WS, WL, WG, FORM);
    if (i < m) {
        /* the tail runs through the same code on padded copies (pad lanes
           masked out of the sums) */
        const int r = (int)(m - i);
        T ty[FL_LANES], tp[FL_LANES], tw[FL_LANES], ta[FL_LANES], tl[FL_LANES], tg[FL_LANES];
        T th[FL_LANES];
        for (int j = 0; j < r; j++) {
            ty[j] = y[i + j], tp[j] = p[i + j];
            tw[j] = HW ? w[i + j] : (T)0;
            ta[j] = aux ? ax[i + j] : (T)1;
        }
        for (int j = r; j < FL_LANES; j++) ty[j] = (T)1, tp[j] = (T)0.5, tw[j] = (T)0, ta[j] = (T)1;
        FL_T(fl_ew_group)(loss, preds, aux, ty, tp, tw, ta, tl, tg, th, gs, o, r, a, aw, awa, pmn,
                          pmx, HW, WS, WL, WG, FORM);
        if (WL) for (int j = 0; j < r; j++) lo[i + j] = tl[j];
        if (WG) for (int j = 0; j < r; j++) g[i + j] = tg[j];
        if (WG == 2) for (int j = 0; j < r; j++) h[i + j] = th[j];
    }
    if (WS) {
        pt->s = fl_lanetree(a);
        pt->sw = HW ? fl_lanetree(aw) : (double)m;
        pt->swa = HW ? fl_lanetree(awa) : (double)m;
    }
    int bad_pred = 0;
    if (preds)
        for (int j = 0; j < FL_LANES; j++) /* (a lane of NaN only: +inf and -inf) */
            bad_pred |= (pmn[j] < plo) | (pmx[j] > phi);
    return bad_pred;
}

/* The loop specialised on (weighted, sum wanted, per-element loss wanted,
   gradient wanted: 1, or 2 with the second derivative): the valid
   combinations, each a compile-time constant. */
FL_AI int FL_T(fl_ew_modes)(FL_T(fl_ew_fn) loss, const int preds, const T plo, const T phi,
                            const int aux, fl_intp m,
                            const T *y, const T *p, const T *w, const T *ax, T *lo, T *g,
                            T *h, const T gs, const T *o, fl_part *pt, int hw, int ws, int wl,
                            int wg, const int FORM)
{
#define FL_EW_MODE(HW, WS, WL, WG)                                                             \
    case HW | WS << 1 | WL << 2 | WG << 3:                                                     \
        return FL_T(fl_ew_loop)(loss, preds, plo, phi, aux, m, y, p, w, ax, lo, g, h, gs, o, pt, \
                                HW, WS, WL, WG, FORM);
    switch (hw | ws << 1 | wl << 2 | wg << 3) {
    FL_EW_MODE(0, 1, 0, 0) FL_EW_MODE(1, 1, 0, 0)   /* the sum */
    FL_EW_MODE(0, 1, 0, 1) FL_EW_MODE(1, 1, 0, 1)   /* the sum and the gradient */
    FL_EW_MODE(0, 0, 1, 0) FL_EW_MODE(1, 0, 1, 0)   /* per-element losses */
    FL_EW_MODE(0, 0, 1, 1) FL_EW_MODE(1, 0, 1, 1)   /* per-element losses and the gradient */
    FL_EW_MODE(0, 0, 0, 1) FL_EW_MODE(1, 0, 0, 1)   /* the gradient */
    FL_EW_MODE(0, 0, 0, 2) FL_EW_MODE(1, 0, 0, 2)   /* the gradient and second derivative */
    default: return 0;
    }
#undef FL_EW_MODE
}

/* One block's loop: its arguments, and the loop of one form of a loss (a
   function of its own per form: each is compiled apart, which keeps the
   compiler's work linear in the number of forms). */
typedef struct {
    fl_intp m;
    const T *y, *p, *w, *ax;
    T *lo, *g, *h;
    T gs;
    const T *o;
    fl_part *pt;
    T plo, phi;
    int hw, ws, wl, wg;
} FL_T(fl_ew_args);
typedef int (*FL_T(fl_ew_formfn))(const FL_T(fl_ew_args) *a);

/* Blocks [b0, b1) of an elementwise job for one loss, whose forms' loops
   are form_loop[0 ..< facts.forms]. */
FL_AI void FL_T(fl_ew_blocks)(const FL_T(fl_ew_formfn) *form_loop, const FL_T(fl_ew_facts) facts,
                              const fl_ew_job *job, fl_intp b0, fl_intp b1, fl_part *part)
{
    const int check = facts.targets != FL_DOM_ANY || facts.preds != FL_DOM_ANY;
    /* the predictions' and targets' bounds in T (probabilities: [0, 1]) */
    const fl_range unit = {0.0, 1.0, 0};
    T ylo, yhi, plo, phi;
    FL_T(fl_closed)(&job->yr, &ylo, &yhi);
    FL_T(fl_closed)(facts.preds == FL_DOM_RANGE ? &job->pr : &unit, &plo, &phi);
    /* targets whose range is the whole line (tweedie's at power 0) are not checked */
    const int yall = facts.targets == FL_DOM_RANGE && ylo == -(T)INFINITY && yhi == (T)INFINITY;
    T ybuf[FL_BLOCK], pbuf[FL_BLOCK], wbuf[FL_BLOCK], gbuf[FL_BLOCK], lbuf[FL_BLOCK];
    T hbuf[FL_BLOCK];
    T abuf[FL_BLOCK];
    const int hw = job->w != NULL, ws = job->want_sum != 0;
    const int wl = job->lo != NULL && !ws;
    const int wg = job->g == NULL ? 0 : (job->h != NULL ? 2 : 1);
    const T gs = (T)job->gscale;
    T o[FL_MAX_OPTS];
    for (int i = 0; i < FL_MAX_OPTS; i++) o[i] = (T)job->opt[i];
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp i0 = b * FL_BLOCK;
        const fl_intp m = job->n - i0 < FL_BLOCK ? job->n - i0 : FL_BLOCK;
        const T *y = FL_T(fl_gather)(job->y, job->sy, i0, m, ybuf);
        const T *p = FL_T(fl_gather)(job->p, job->sp, i0, m, pbuf);
        const T *w = hw ? FL_T(fl_gather)(job->w, job->sw, i0, m, wbuf) : NULL;
        const T *ax = NULL;
        if (facts.aux) { /* the per-column option, or the scalar one */
            const T *col = (const T *)job->aux;
            const fl_intp per = job->aux_period;
            if (!col) {
                const T a0 = (T)job->opt[0];
                for (fl_intp i = 0; i < m; i++) abuf[i] = a0;
            } else
                for (fl_intp i = 0, c = i0 % per; i < m; i++) {
                    abuf[i] = col[c];
                    c = c + 1 == per ? 0 : c + 1;
                }
            ax = abuf;
        }
        fl_part *pt = part + b;
        pt->s = pt->sw = pt->swa = 0.0;
        pt->bad = FL_PART_OK;
        int hard = 0, nbad = 0;
        if (facts.targets != FL_DOM_ANY && !yall) {
            int nsoft = 0;
            if (facts.targets == FL_DOM_RANGE)
                for (fl_intp i = 0; i < m; i++) nbad += !FL_IN_RANGE(y[i], ylo, yhi);
            else
                for (fl_intp i = 0; i < m; i++) {
                    nbad += !FL_IN_DOMAIN(facts.targets, y[i]);
                    nsoft += !((y[i] == 0) | (y[i] == 1));
                }
            hard = nsoft == 0;
        }
        T *g = NULL, *lo = NULL;
        T *h = NULL;
        if (wg) g = job->sg == (fl_intp)sizeof(T) ? (T *)job->g + i0 : gbuf;
        if (wg == 2) h = job->sh == (fl_intp)sizeof(T) ? (T *)job->h + i0 : hbuf;
        if (wl) lo = job->slo == (fl_intp)sizeof(T) ? (T *)job->lo + i0 : lbuf;
        /* the loop of the block's form (a compile-time constant in the loss
           function) */
        const int form = facts.hard ? hard : job->form;
        const FL_T(fl_ew_args) args = {m, y, p, w, ax, lo, g, h, gs, o, pt, plo, phi, hw, ws, wl,
                                       wg};
        if (form >= 0 && form < facts.forms) nbad += form_loop[form](&args);
        if (check && nbad)
            for (fl_intp i = 0; i < m; i++)
                if ((facts.targets == FL_DOM_RANGE ? !FL_IN_RANGE(y[i], ylo, yhi)
                                                   : !FL_IN_DOMAIN(facts.targets, y[i]))
                    || (facts.preds != FL_DOM_ANY && !FL_IN_RANGE(p[i], plo, phi))) {
                    pt->bad = i0 + i;
                    break;
                }
        if (wg && g == gbuf) FL_T(fl_scatter)(job->g, job->sg, i0, m, gbuf);
        if (wg == 2 && h == hbuf) FL_T(fl_scatter)(job->h, job->sh, i0, m, hbuf);
        if (wl && lo == lbuf) FL_T(fl_scatter)(job->lo, job->slo, i0, m, lbuf);
    }
}

/* one block function per loss of the table, and one loop function per form
   of it (empty beyond its forms): the loss's function and facts given to
   the generic functions above */
#define FL_EW_FORM_LOOP(name, F, preds, forms, aux)                                            \
    FL_CLONES static int FL_T(fl_ew_form##F##_##name)(const FL_T(fl_ew_args) *a)            \
    {                                                                                        \
        if (F >= forms) return 0;                                                            \
        return FL_T(fl_ew_modes)(FL_T(fl_ew_##name), preds != FL_DOM_ANY, a->plo, a->phi, aux, \
                                 a->m,                                                       \
                                 a->y, a->p, a->w, a->ax, a->lo, a->g, a->h, a->gs, a->o,    \
                                 a->pt,                                                      \
                                 a->hw, a->ws, a->wl, a->wg, F);                             \
    }
#define FL_EW_INSTANCE(name, targets, preds, forms, hard, aux)                               \
    FL_EW_FORM_LOOP(name, 0, preds, forms, aux)                                              \
    FL_EW_FORM_LOOP(name, 1, preds, forms, aux)                                              \
    FL_EW_FORM_LOOP(name, 2, preds, forms, aux)                                              \
    FL_EW_FORM_LOOP(name, 3, preds, forms, aux)                                              \
    FL_CLONES void FL_T(fl_ew_blocks_##name)(const void *job, fl_intp b0, fl_intp b1,       \
                                             fl_part *part)                                  \
    {                                                                                        \
        static const FL_T(fl_ew_formfn) loops[4] = {                                         \
            FL_T(fl_ew_form0_##name), FL_T(fl_ew_form1_##name), FL_T(fl_ew_form2_##name),    \
            FL_T(fl_ew_form3_##name)};                                                       \
        const FL_T(fl_ew_facts) facts = {targets, preds, forms, hard, aux};                  \
        FL_T(fl_ew_blocks)(loops, facts, (const fl_ew_job *)job, b0, b1, part);              \
    }
FL_EW_TABLE(FL_EW_INSTANCE)
#undef FL_EW_INSTANCE
#undef FL_EW_FORM_LOOP

/* sum(w) and sum(|w|) alone, block by block exactly as the loss blocks do it */
FL_CLONES void FL_T(fl_wsum_blocks)(const void *vjob, fl_intp b0, fl_intp b1, fl_part *part)
{
    const fl_wsum_job *job = (const fl_wsum_job *)vjob;
    T wbuf[FL_BLOCK];
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp i0 = b * job->block;
        const fl_intp m = job->n - i0 < job->block ? job->n - i0 : job->block;
        part[b].s = 0.0;
        part[b].bad = FL_PART_OK;
        const T *wb = FL_T(fl_gather)(job->w, job->sw, i0, m, wbuf);
        part[b].sw = FL_T(fl_sumlanes)(wb, m);
        part[b].swa = FL_T(fl_sumabslanes)(wb, m);
    }
}

/* Add a block of per-element losses (nr rows of m columns, contiguous) into
   the column sums' lanes: accumulator l*m + c is lane l of column c.  With
   weights, lo becomes w*loss first (stored, so rounded: never fused into a
   multiply-add with the accumulation). */
FL_CLONES void FL_T(fl_colacc)(T *restrict lo, fl_intp nr, fl_intp m, const char *w, fl_intp sw,
                               double *restrict acc, double *restrict aw)
{
    const fl_intp period = FL_LANES * m, ne = nr * m;
    if (w)
        for (fl_intp r = 0; r < nr; r++) {
            const T ww = *(const T *)(w + r * sw);
            aw[r % FL_LANES] += (double)ww;
            for (fl_intp c = 0; c < m; c++) lo[r * m + c] = ww * lo[r * m + c];
        }
    for (fl_intp k0 = 0; k0 < ne; k0 += period) {
        const fl_intp lim = ne - k0 < period ? ne - k0 : period;
        for (fl_intp t = 0; t < lim; t++) acc[t] += (double)lo[k0 + t];
    }
}

/*
 * fastloss — the elementwise block function, for one dtype.
 *
 * A template (no include guard): fl_ew_f64.c and fl_ew_f32.c include it, with
 * T and FL_T defined (see fl_typed.h).  For each loss of the table it defines
 * FL_T(fl_ew_blocks_<name>), which processes a range of reduction blocks:
 *   1. inputs with a non-unit stride are gathered into stack buffers;
 *   2. a loss with a hard-label form checks its targets and predictions
 *      on the block and sees whether all targets are 0 or 1 (which form
 *      the map runs);
 *   3. the map (the one loop specialised per loss) calls the loss's
 *      function (fl_ew_losses.h, inlined) on each element, in groups of
 *      FL_LANES, and in the same pass sums its value into the FL_LANES fixed
 *      lanes or stores it, and stores the scaled derivatives, whichever the
 *      call wants (a compile-time constant, as is the loss's form: a
 *      function of its own per form), and checks the targets and
 *      predictions of every other loss against their domains; the block's
 *      rest beyond its last full run of FL_EWV_N elements runs through the
 *      same function on padded copies (at the AVX-512 level, a loss with a
 *      vector body, fl_ew_v4.h, runs that on FL_EWV_N elements at a time
 *      instead, where the values are wanted);
 *   4. with weights, one generic pass over the block (still in L1) applies
 *      them and the gradient's scale and sums w*loss, w and |w|;
 *   5. the first invalid position is located, strided outputs scattered back.
 */
#include "fl_typed.h"
#include "fl_ew_losses.h"

typedef void (*FL_T(fl_ew_fn))(T y, T p, T a, const T *o, int form, T *L, T *D, T *H);
/* a loss's vector body (fl_ew_v4.h): a run of FL_EWV_N elements, the
   values L when WV, the derivatives D and second derivatives H when WD and
   WH (compile-time constants where the map inlines it) */
typedef void (*FL_T(fl_ewv_fn))(const T *y, const T *p, const T *a, const T *o, int form, T *L,
                                T *D, T *H, int WV, int WD, int WH);
/* FL_EWV(name): the loss's vector body where this level has one (where
   fl_ew_v4.h defines FL_EWV_<name> as 1), else NULL; FL_EW_VEC_ALL(name):
   1 where its body serves the modes without values too (FL_EWVD_<name>
   defined as 1: its derivatives need its transcendentals), else 0.  The
   Linux kernel's IS_ENABLED idiom (FL_PROBE_1 puts a 1 into second place) */
#define FL_PROBE_1 0,
#define FL_SECOND_ARG(a, b, ...) b
#define FL_PROBE_TAKE(x) FL_SECOND_ARG(x 1, 0, 0)
#define FL_EW_HAS_VEC(name) FL_PROBE_TAKE(FL_CAT(FL_PROBE_, FL_CAT(FL_EWV_, name)))
#define FL_EW_VEC_ALL(name) FL_PROBE_TAKE(FL_CAT(FL_PROBE_, FL_CAT(FL_EWVD_, name)))
/* the elements of one call of a vector body (a multiple of FL_LANES; where
   this level has none, a group) */
#ifndef FL_EWV_N
#define FL_EWV_N FL_LANES
#endif
#define FL_EWV_SEL_0(name) NULL
#define FL_EWV_SEL_1(name) FL_T(fl_ewv_##name)
#define FL_EWV(name) FL_CAT(FL_EWV_SEL_, FL_EW_HAS_VEC(name))(name)

/* What a loss adds to the block function, from its table entry. */
typedef struct {
    int targets;  /* FL_DOM_* of its targets (FL_DOM_ANY: not checked) */
    int preds;    /* FL_DOM_* of its predictions: ANY, PROB or RANGE (the job's) */
    int forms;    /* its forms (compile-time variants): 2 for a loss with a
                     hard-label form (form 1: the block's targets are all 0 or
                     1), else the number of forms its options select among */
    int hard;     /* it has a hard-label form */
    int aux;      /* it has a per-column option */
    int chk;      /* the mask of its forms that check targets and predictions */
    int pf;       /* the mask of its compute-bound forms (which prefetch) */
} FL_T(fl_ew_facts);

/* Whether form F of a loss checks its targets in a pass of their own before
   the map (else the map checks them, where they are checked at all): a
   hard-label loss, and a memory-bound form that checks them (the memory
   then serves one stream at a time; fl_ew_blocks). */
#define FL_EW_TARGETS_FIRST(hard, chk, pf, F)                                                 \
    ((hard) || ((((chk) >> (F)) & 1) && !(((pf) >> (F)) & 1)))

/* The closed bounds of the valid targets (a loss whose targets have a
   range) and predictions, for the checks. */
typedef struct {
    T ylo, yhi, plo, phi;
} FL_T(fl_ew_check);

/* Whether target y (domain ydom, FL_DOM_*: a range against c's bounds) or
   prediction p (checked when pchk, against c's bounds) is invalid; NaN is
   valid (it propagates).  Written with | so that the loops vectorize. */
FL_AI int FL_T(fl_ew_invalid)(const int ydom, const int pchk, const FL_T(fl_ew_check) *c,
                              const T y, const T p)
{
    const int ybad = ydom == FL_DOM_ANY     ? 0
                     : ydom == FL_DOM_RANGE ? !FL_IN_RANGE(y, c->ylo, c->yhi)
                                            : !FL_IN_DOMAIN(ydom, y);
    return ybad | (pchk ? !FL_IN_RANGE(p, c->plo, c->phi) : 0);
}

/* The loss over m elements (a multiple of FL_EWV_N), in groups of FL_LANES:
   whichever of its value, derivative and second derivative the mode wants
   (compile-time constants, so a value-only loop never computes a derivative)
   in one pass: WS adds the values into the FL_LANES lanes acc[] (element j
   of a group into lane j), WL stores them into l, WD and WH store gsm times
   the derivatives into d and h.  In the same pass it checks the targets
   (YCHK: their domain, FL_DOM_*) and predictions (PCHK) against ck's
   bounds, and sets *bad if any is invalid (NaN is valid: it propagates).
   This is the only loop specialised per loss;
   a block's rest beyond its last full run of FL_EWV_N runs through it too,
   on padded copies (so every element gets the same arithmetic), and
   weights go through the generic fl_ew_post after it. */
FL_AI void FL_T(fl_ew_map)(FL_T(fl_ew_fn) loss, FL_T(fl_ewv_fn) vloss, const int vall,
                           const int aux, const fl_intp m, const T *restrict y, const T *restrict p,
                           const T *restrict ax, const T *o, const T gsm, double *restrict acc,
                           T *restrict l, T *restrict d, T *restrict h,
                           const FL_T(fl_ew_check) *ck, int *bad, const int WS, const int WL,
                           const int WD, const int WH,
                           const int FORM, const int PF, const int YCHK, const int PCHK)
{
    double a[FL_LANES];
    int nb[FL_LANES] = {0};
    if (WS)
        for (int j = 0; j < FL_LANES; j++) a[j] = acc[j];
    /* the options and bounds in local copies, which no store of the loop
       can alias (read through pointers, each would be reloaded after every
       store, under a run-time overlap test with a scalar fallback loop) */
    T oo[FL_MAX_OPTS];
    for (int k = 0; k < FL_MAX_OPTS; k++) oo[k] = o[k];
    const FL_T(fl_ew_check) c = *ck;
    /* the loss's vector body, where it has one, when the values are wanted,
       or in every mode (vall) for a loss whose derivatives need its
       transcendentals (else the derivatives alone need none: the
       per-element function, which gives the body's bits, stores them
       without a round trip through vd); a step of the loop is one call of
       it, FL_EWV_N elements, else one group */
    const int vec = vloss && (WS || WL || vall);
    const int step = vec ? FL_EWV_N : FL_LANES;
    for (fl_intp i = 0; i < m; i += step) {
        /* a compute-bound loss (PF): the next block's targets and
           predictions into L2 while this one computes (the hardware
           prefetchers run only a few lines ahead of the loads, and would
           leave the memory idle meanwhile); a prefetch never faults,
           wherever the address lies */
        for (int c = 0; PF && c < step * (int)sizeof(T); c += 64) {
            __builtin_prefetch((const void *)((uintptr_t)(y + i) + FL_BLOCK * sizeof(T) + c), 0, 2);
            __builtin_prefetch((const void *)((uintptr_t)(p + i) + FL_BLOCK * sizeof(T) + c), 0, 2);
        }
        T vl[FL_EWV_N], vd[FL_EWV_N], vh[FL_EWV_N];
        if (vec) vloss(y + i, p + i, aux ? ax + i : NULL, oo, FORM, vl, vd, vh, WS || WL, WD, WH);
        /* (element k of the step: lane k mod FL_LANES, in order) */
        for (int g = 0; g < step; g += FL_LANES)
            for (int j = 0; j < FL_LANES; j++) {
                const fl_intp e = i + g + j;
                T L = 0, D = 0, H = 0;
                if (!vec)
                    loss(y[e], p[e], aux ? ax[e] : oo[0], oo, FORM, &L, &D, &H);
                else {
                    if (WS || WL) L = vl[g + j];
                    if (WD) D = vd[g + j];
                    if (WH) H = vh[g + j];
                }
                if (YCHK || PCHK) nb[j] |= FL_T(fl_ew_invalid)(YCHK, PCHK, &c, y[e], p[e]);
                if (WS) a[j] += (double)L;
                if (WL) l[e] = L;
                if (WD) d[e] = gsm * D;
                if (WH) h[e] = gsm * H;
            }
    }
    if (WS)
        for (int j = 0; j < FL_LANES; j++) acc[j] = a[j];
    if (YCHK || PCHK)
        for (int j = 0; j < FL_LANES; j++) *bad |= nb[j];
}

/* With weights, after the map (which stored L, D, H unscaled), in one pass
   over the block while it is in L1: w*L (rounded to T, a per-element loss:
   summed, or stored), gs*(w*D), gs*(w*H) in place, and the sums of w*L, w
   and |w| in the lanes the map sums in (element i into lane i mod
   FL_LANES, as fl_sumlanes). */
FL_AI void FL_T(fl_ew_post)(const fl_intp m, const T *restrict w, T *restrict l,
                            T *restrict d, T *restrict h, const T gs, fl_part *pt,
                            const int WS, const int WL, const int WG)
{
    double a[FL_LANES] = {0}, aw[FL_LANES] = {0}, aa[FL_LANES] = {0};
#define FL_EW_POST_ONE(i, j)                                                                   \
    do {                                                                                       \
        const T wi = w[i];                                                                     \
        if (WS || WL) {                                                                        \
            const T v = wi * l[i];                                                             \
            if (WL) l[i] = v;                                                                  \
            if (WS) a[j] += (double)v, aw[j] += (double)wi, aa[j] += (double)FL_ABS(wi);       \
        }                                                                                      \
        if (WG) d[i] = gs * (wi * d[i]);                                                       \
        if (WG == 2) h[i] = gs * (wi * h[i]);                                                  \
    } while (0)
    fl_intp i = 0;
    for (; i + FL_LANES <= m; i += FL_LANES)
        for (int j = 0; j < FL_LANES; j++) FL_EW_POST_ONE(i + j, j);
    for (int j = 0; i < m; i++, j++) FL_EW_POST_ONE(i, j);
#undef FL_EW_POST_ONE
    if (WS) {
        pt->s = fl_lanetree(a);
        pt->sw = fl_lanetree(aw);
        pt->swa = fl_lanetree(aa);
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


/* One call of the map: its arguments and mode (ws: sum the values; wl: store
   them; wd, wh: store the scaled derivatives). */
typedef struct {
    fl_intp m;
    const T *y, *p, *ax;
    const T *o;
    T gsm;
    double *acc;
    T *l, *d, *h;
    int ws, wl, wd, wh;
    const FL_T(fl_ew_check) *ck;
    int *bad;
} FL_T(fl_ew_args);
typedef void (*FL_T(fl_ew_formfn))(const FL_T(fl_ew_args) *a);

/* The map of one form of a loss, specialised on what it computes: the sum;
   the sum and derivatives; the values; the values and derivatives; the
   derivatives; the first and second derivatives.  A compute-bound form (PF)
   prefetches where the values are wanted, and for the derivatives alone only
   where the vector body computes them (vall: they need its
   transcendentals); other derivatives alone run at the memory limit, where
   software prefetches only get in the hardware prefetchers' way. */
FL_AI void FL_T(fl_ew_modes)(FL_T(fl_ew_fn) loss, FL_T(fl_ewv_fn) vloss, const int vall,
                             const int aux, const FL_T(fl_ew_args) *a, const int FORM,
                             const int PF, const int YCHK, const int PCHK)
{
#define FL_EW_MAP(AUX, WS, WL, WD, WH)                                                         \
    FL_T(fl_ew_map)(loss, vloss, vall, AUX, a->m, a->y, a->p, a->ax, a->o, a->gsm, a->acc,     \
                    a->l, a->d, a->h, a->ck, a->bad, WS, WL, WD, WH, FORM,                     \
                    PF && (WS || WL || (vloss && vall)), YCHK, PCHK)
#define FL_EW_MODE(WS, WL, WD, WH)                                                             \
    case WS | WL << 1 | WD << 2 | WH << 3:                                                     \
        if (aux && a->ax)                                                                      \
            FL_EW_MAP(1, WS, WL, WD, WH);                                                      \
        else                                                                                   \
            FL_EW_MAP(0, WS, WL, WD, WH);                                                      \
        break;
    switch (a->ws | a->wl << 1 | a->wd << 2 | a->wh << 3) {
    FL_EW_MODE(1, 0, 0, 0) FL_EW_MODE(1, 0, 1, 0) FL_EW_MODE(0, 1, 0, 0)
    FL_EW_MODE(0, 1, 1, 0) FL_EW_MODE(0, 0, 1, 0) FL_EW_MODE(0, 0, 1, 1)
    default: break;
    }
#undef FL_EW_MODE
#undef FL_EW_MAP
}

/* The weighted part after the map, specialised on (sum wanted, per-element
   loss wanted, gradient wanted: 1, or 2 with the second derivative). */
FL_CLONES static void FL_T(fl_ew_weigh)(fl_intp m, const T *w, T *l, T *d, T *h, T gs,
                                        fl_part *pt, int ws, int wl, int wg)
{
#define FL_EW_WEIGH(WS, WL, WG)                                                                \
    case WS | WL << 1 | WG << 2:                                                               \
        FL_T(fl_ew_post)(m, w, l, d, h, gs, pt, WS, WL, WG);                                  \
        break;
    switch (ws | wl << 1 | wg << 2) {
    FL_EW_WEIGH(1, 0, 0) FL_EW_WEIGH(1, 0, 1) FL_EW_WEIGH(0, 1, 0)
    FL_EW_WEIGH(0, 1, 1) FL_EW_WEIGH(0, 0, 1) FL_EW_WEIGH(0, 0, 2)
    default: break;
    }
#undef FL_EW_WEIGH
}

/* Blocks [b0, b1) of an elementwise job for one loss, whose forms' loops
   are form_loop[0 ..< facts.forms]. */
FL_AI void FL_T(fl_ew_blocks)(const FL_T(fl_ew_formfn) *form_loop, const FL_T(fl_ew_facts) facts,
                              const fl_ew_job *job, fl_intp b0, fl_intp b1, fl_part *part)
{
    const int check = (facts.targets != FL_DOM_ANY || facts.preds != FL_DOM_ANY)
                      && (facts.hard || (job->form >= 0 && job->form < facts.forms
                                         && (facts.chk >> job->form) & 1));
    /* the predictions' and targets' bounds in T (probabilities: [0, 1]) */
    const fl_range unit = {0.0, 1.0, 0};
    FL_T(fl_ew_check) ck;
    FL_T(fl_closed)(&job->yr, &ck.ylo, &ck.yhi);
    FL_T(fl_closed)(facts.preds == FL_DOM_RANGE ? &job->pr : &unit, &ck.plo, &ck.phi);
    const int pcheck = facts.preds != FL_DOM_ANY;
    T ybuf[FL_BLOCK], pbuf[FL_BLOCK], wbuf[FL_BLOCK];
    T lbuf[FL_BLOCK], gbuf[FL_BLOCK], hbuf[FL_BLOCK];
    T abuf[FL_BLOCK];
    const int hw = job->w != NULL, ws = job->want_sum != 0;
    const int wl = job->lo != NULL && !ws;
    const int wg = job->g == NULL ? 0 : (job->h != NULL ? 2 : 1);
    const T gs = (T)job->gscale;
    T o[FL_MAX_OPTS];
    for (int i = 0; i < FL_MAX_OPTS; i++) o[i] = (T)job->opt[i];
    /* the derivatives alone of a loss that checks nothing, contiguous and
       unweighted, need nothing per block (no sum, no check, no buffer): the
       whole range is one span, one call of the map (a call a block would
       stall the stream of stores at every block's end); else a span is a
       block */
    const fl_intp s = (fl_intp)sizeof(T);
    const fl_intp span = wg && !ws && !wl && !hw && !check && !facts.aux && job->sy == s
                                 && job->sp == s && job->sg == s && (wg == 1 || job->sh == s)
                             ? b1 - b0
                             : 1;
    for (fl_intp b = b0; b < b1; b += span) {
        const fl_intp i0 = b * FL_BLOCK, end = (b + span) * FL_BLOCK;
        const fl_intp m = (job->n < end ? job->n : end) - i0;
        const T *y = FL_T(fl_gather)(job->y, job->sy, i0, m, ybuf);
        const T *p = FL_T(fl_gather)(job->p, job->sp, i0, m, pbuf);
        const T *w = hw ? FL_T(fl_gather)(job->w, job->sw, i0, m, wbuf) : NULL;
        /* the per-column option's value for each element; without a
           column (ax NULL) the map reads its one value from the options */
        const T *ax = NULL;
        if (facts.aux && job->aux) {
            const T *col = (const T *)job->aux;
            const fl_intp per = job->aux_period;
            for (fl_intp i = 0, c = i0 % per; i < m; i++) {
                abuf[i] = col[c];
                c = c + 1 == per ? 0 : c + 1;
            }
            ax = abuf;
        }
        fl_part *pt = part + b;
        for (fl_intp k = 0; k < span; k++) {
            pt[k].s = pt[k].sw = pt[k].swa = 0.0;
            pt[k].bad = FL_PART_OK;
        }
        /* a loss with a hard-label form checks its targets in a pass over
           the block before the map, which sees whether they are all hard
           labels (a loop without a branch, so that it vectorizes), and so
           does a memory-bound form that checks targets: the memory then
           serves one stream at a time, the targets and then the predictions
           (with the targets from L1), which measured faster than both
           streams in one pass.  The map checks the predictions as it reads
           them (NaN predictions pass: NaN is not out of range), and a
           compute-bound form's targets too (its arithmetic hides the
           reads). */
        int hard = 0, nbad = 0;
        if (check && facts.targets != FL_DOM_ANY
            && FL_EW_TARGETS_FIRST(facts.hard, facts.chk, facts.pf, job->form)) {
            int nsoft = 0;
            for (fl_intp i = 0; i < m; i++) {
                nbad |= FL_T(fl_ew_invalid)(facts.targets, 0, &ck, y[i], p[i]);
                nsoft |= !((y[i] == 0) | (y[i] == 1));
            }
            hard = facts.hard && nsoft == 0;
        }
        T *g = NULL, *lo = NULL;
        T *h = NULL;
        if (wg) g = job->sg == s ? (T *)job->g + i0 : gbuf;
        if (wg == 2) h = job->sh == s ? (T *)job->h + i0 : hbuf;
        if (wl) lo = job->slo == s ? (T *)job->lo + i0 : lbuf;
        /* the map of the block's form (a compile-time constant in the loss
           function): without weights, everything in that one pass; with
           them, the values (into lbuf to be summed) and derivatives stored
           unscaled, then weighed */
        const int form = facts.hard ? hard : job->form;
        if (form >= 0 && form < facts.forms) {
            double acc[FL_LANES];
            for (int j = 0; j < FL_LANES; j++) acc[j] = 0.0;
            T *l = ws ? lbuf : lo;
            const int msum = ws && !hw, mstore = wl || (ws && hw);
            const fl_intp mfull = m - m % FL_EWV_N;
            FL_T(fl_ew_args) args = {mfull, y, p, ax, o, hw ? (T)1 : gs, acc, l, g, h,
                                     msum, mstore, wg != 0, wg == 2, &ck, &nbad};
            if (mfull) form_loop[form](&args);
            if (m > mfull) { /* the rest, padded: its values stored, not summed */
                const int r = (int)(m - mfull);
                T ty[FL_EWV_N], tp[FL_EWV_N], ta[FL_EWV_N];
                T tl[FL_EWV_N], td[FL_EWV_N], th[FL_EWV_N];
                for (int j = 0; j < r; j++) {
                    ty[j] = y[mfull + j], tp[j] = p[mfull + j];
                    ta[j] = ax ? ax[mfull + j] : (T)1;
                }
                /* (padded with its first element: as valid as it) */
                for (int j = r; j < FL_EWV_N; j++) ty[j] = ty[0], tp[j] = tp[0], ta[j] = ta[0];
                const FL_T(fl_ew_args) tail = {FL_EWV_N, ty, tp, ax ? ta : NULL, o,
                                               args.gsm, NULL, tl, td, th, 0, msum || mstore,
                                               wg != 0, wg == 2, &ck, &nbad};
                form_loop[form](&tail);
                /* (the lanes' order: element mfull + j into lane j mod
                   FL_LANES, after the full runs' elements) */
                if (msum) for (int j = 0; j < r; j++) acc[j % FL_LANES] += (double)tl[j];
                if (mstore) for (int j = 0; j < r; j++) l[mfull + j] = tl[j];
                if (wg) for (int j = 0; j < r; j++) g[mfull + j] = td[j];
                if (wg == 2) for (int j = 0; j < r; j++) h[mfull + j] = th[j];
            }
            if (msum) {
                pt->s = fl_lanetree(acc);
                pt->sw = pt->swa = (double)m;
            }
            if (hw) FL_T(fl_ew_weigh)(m, w, l, g, h, gs, pt, ws, wl, wg);
        }
        if (check && nbad)
            for (fl_intp i = 0; i < m; i++)
                if (FL_T(fl_ew_invalid)(facts.targets, pcheck, &ck, y[i], p[i])) {
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
   the generic functions above (pf: the mask of its compute-bound forms,
   which prefetch; chk: the mask of the forms that check their targets and
   predictions, which another form's options leave unrestricted).  In
   float64 at the AVX-512 level a memory-bound form's loop is compiled for
   256-bit vectors (its _mem variant), whose loads and stores keep the
   memory busier there than 512-bit ones; the compute-bound forms and
   float32 keep 512-bit vectors. */
#if defined(FL_OWN_VMATH_V4) && !FL_EW_F32
#define FL_EW_NARROW_MEM 1
#else
#define FL_EW_NARROW_MEM 0
#endif
#define FL_EW_FORM_FN(name, F, sfx, attr, targets, preds, forms, hard, aux, pf, chk)          \
    FL_CLONES attr static void FL_T(fl_ew_form##F##_##name##sfx)(const FL_T(fl_ew_args) *a)  \
    {                                                                                        \
        if (F < forms)                                                                       \
            FL_T(fl_ew_modes)(FL_T(fl_ew_##name), FL_EWV(name), FL_EW_VEC_ALL(name), aux, a, \
                              F, ((pf) >> F) & 1,                                            \
                              ((chk) >> F) & 1 && !FL_EW_TARGETS_FIRST(hard, chk, pf, F)     \
                                  ? targets                                                  \
                                  : FL_DOM_ANY,                                              \
                              ((chk) >> F) & 1 && preds != FL_DOM_ANY);                      \
    }
#if FL_EW_NARROW_MEM
/* (a form's unused variant is never compiled: nothing refers to it) */
#define FL_EW_FORM_LOOP(name, F, targets, preds, forms, hard, aux, pf, chk)                  \
    FL_EW_FORM_FN(name, F, , , targets, preds, forms, hard, aux, pf, chk)                    \
    FL_EW_FORM_FN(name, F, _mem, __attribute__((target("prefer-vector-width=256"))),         \
                  targets, preds, forms, hard, aux, pf, chk)
#define FL_EW_FORM(name, F, pf)                                                              \
    (((pf) >> F) & 1 ? FL_T(fl_ew_form##F##_##name) : FL_T(fl_ew_form##F##_##name##_mem))
#else
#define FL_EW_FORM_LOOP(name, F, targets, preds, forms, hard, aux, pf, chk)                  \
    FL_EW_FORM_FN(name, F, , , targets, preds, forms, hard, aux, pf, chk)
#define FL_EW_FORM(name, F, pf) FL_T(fl_ew_form##F##_##name)
#endif
#define FL_EW_INSTANCE(name, targets, preds, forms, hard, aux, pf, chk)                      \
    FL_EW_FORM_LOOP(name, 0, targets, preds, forms, hard, aux, pf, chk)                      \
    FL_EW_FORM_LOOP(name, 1, targets, preds, forms, hard, aux, pf, chk)                      \
    FL_EW_FORM_LOOP(name, 2, targets, preds, forms, hard, aux, pf, chk)                      \
    FL_EW_FORM_LOOP(name, 3, targets, preds, forms, hard, aux, pf, chk)                      \
    FL_CLONES void FL_T(fl_ew_blocks_##name)(const void *job, fl_intp b0, fl_intp b1,        \
                                             fl_part *part)                                  \
    {                                                                                        \
        static const FL_T(fl_ew_formfn) loops[4] = {                                         \
            FL_EW_FORM(name, 0, pf), FL_EW_FORM(name, 1, pf), FL_EW_FORM(name, 2, pf),       \
            FL_EW_FORM(name, 3, pf)};                                                        \
        const FL_T(fl_ew_facts) facts = {targets, preds, forms, hard, aux, chk, pf};         \
        FL_T(fl_ew_blocks)(loops, facts, (const fl_ew_job *)job, b0, b1, part);              \
    }
FL_EW_TABLE(FL_EW_INSTANCE)
#undef FL_EW_INSTANCE
#undef FL_EW_FORM_LOOP
#undef FL_EW_FORM_FN
#undef FL_EW_FORM
#undef FL_EW_NARROW_MEM

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

/* exp (fn 0), log (1), log1p (2), expm1 (3) of n values x, or pow (4) of
   x and x2, through the code the kernels inline (in groups of FL_LANES, the
   last one padded, as the kernels run them): what the accuracy tests
   measure */
FL_CLONES void FL_T(fl_vmath)(int fn, const T *restrict x, const T *restrict x2,
                              T *restrict y, fl_intp n)
{
    for (fl_intp i = 0; i < n; i += FL_LANES) {
        T a[FL_LANES], b[FL_LANES], c[FL_LANES];
        const int r = n - i < FL_LANES ? (int)(n - i) : FL_LANES;
        for (int j = 0; j < FL_LANES; j++) a[j] = j < r ? x[i + j] : (T)1;
        if (fn == 4) {
            for (int j = 0; j < FL_LANES; j++) c[j] = j < r ? x2[i + j] : (T)1;
            for (int j = 0; j < FL_LANES; j++) b[j] = FL_POW(a[j], c[j]);
        } else if (fn == 0)
            for (int j = 0; j < FL_LANES; j++) b[j] = FL_EXP(a[j]);
        else if (fn == 1)
            for (int j = 0; j < FL_LANES; j++) b[j] = FL_LOG(a[j]);
        else if (fn == 2)
            for (int j = 0; j < FL_LANES; j++) b[j] = FL_LOG1P(a[j]);
        else
            for (int j = 0; j < FL_LANES; j++) b[j] = FL_EXPM1(a[j]);
        for (int j = 0; j < r; j++) y[i + j] = b[j];
    }
}

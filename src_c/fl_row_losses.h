/*
 * fastloss — the row losses (classes on the last axis): one stage function
 * per loss.
 *
 * A template (no include guard): fl_rows_template.h includes it once per
 * dtype, with T and FL_T defined (see fl_typed.h).
 *
 * The row driver (fl_rows_template.h) works a block of rows in chunks made
 * contiguous and calls the loss's FL_ROW_LOSS(name) stage once per chunk.  A
 * stage computes, for the R rows of its chunk, each row's (unweighted) loss
 * into s->rl[] (where s->wv says the values are wanted), and, when s->gc is
 * set, the gradient rows scaled by s->f[r] (gscale times the row's weight),
 * and when s->hc is set too, the diagonal of each row's Hessian, scaled
 * alike.  Everything it reads or writes is a field
 * of its argument (FL_T(fl_row_stage) below).  Its table entry
 * (fastloss/_losses.py) says whether it takes labels or dense targets and the
 * domains of its targets and predictions; a stage that checks values against
 * them records the first bad row in s->bad.  Transcendentals run over whole
 * chunks, so that they vectorize: through FL_T(fl_vlog) / FL_T(fl_vexp), or,
 * for the hottest passes, in a function of their own whose AVX-512 loop
 * (fl_rows_v4.h) has the exp or log inlined.
 */

/* a row stage's arguments */
typedef struct {
    fl_intp k, R, c0;     /* classes, rows in this chunk, the chunk's first row */
    const T *z;           /* the chunk's predictions, R x k contiguous */
    const T *t;           /* its dense targets, R x k contiguous, or NULL */
    const fl_intp *lab;   /* its labels, in [0, k) (an invalid label reads 0), or NULL */
    const double *f;      /* the gradient factor of each row */
    T *gc;                /* out: the gradient rows, R x k contiguous, or NULL */
    T *hc;                /* out: the Hessian diagonals, R x k contiguous, or NULL */
    double *rl;           /* out: the loss of each row, unweighted (when wv) */
    int wv;               /* the values are wanted (else a stage may leave rl unset) */
    T *eb, *zb;           /* scratch: R * k + FL_LANES values each */
    T o[FL_MAX_OPTS];     /* the options, in table order */
    int targets, preds;   /* FL_DOM_* of the targets and of the predictions */
    fl_intp bad;          /* in/out: the block's first invalid row so far, or -1 */
    const T *cw;          /* the k class weights, for a stage that weighs each class's
                             term itself (Loss.class_weights "classes"), or NULL */
    const fl_intp *ign;   /* 1 for each ignored row of the chunk (ignore_index),
                             or NULL when its block has none; the driver zeroes their
                             results, a stage only skips their checks */
} FL_T(fl_row_stage);

#define FL_ROW_LOSS(name) FL_AI void FL_T(fl_row_##name)(FL_T(fl_row_stage) *s)

/* A stage that reads one value per row (the label's) touches one cache line
   of each row, a stride the hardware prefetchers follow poorly: ask for the
   row FL_PF_ROWS ahead.  The address is formed as an integer (it may lie past
   the chunk, even past the array: a prefetch never faults). */
#define FL_PF_ROWS 24
#define FL_PREFETCH_ROW(z, r, k) \
    __builtin_prefetch((const void *)((uintptr_t)(z) + (uintptr_t)(((r) + FL_PF_ROWS) * (k)) * sizeof(*(z))))

/* eb[i] = z[i] clipped to [e, 1 - e] for i < n; returns how many positions
   have a target or a prediction outside its domain */
FL_AI int FL_T(fl_clip_checked)(const T *restrict t, const T *restrict z, fl_intp n, T e,
                                int targets, int preds, T *restrict eb)
{
    int nbad = 0;
    for (fl_intp i = 0; i < n; i++) {
        const T tt = t[i], pp = z[i];
        nbad += (!FL_IN_DOMAIN(targets, tt)) | (!FL_IN_DOMAIN(preds, pp));
        eb[i] = pp < e ? e : (pp > 1 - e ? 1 - e : pp);
    }
    return nbad;
}

/* rl[r] = the sum of row r of a contiguous R x k chunk x (fl_rowsum: in
   float64 whatever the storage), negated where neg; in float32 at the
   AVX-512 level, for up to 16 classes, a vector of rows at a time
   (fl_rows_v4.h: the same sums in the same order) */
FL_AI void FL_T(fl_rowsums)(const T *restrict x, fl_intp R, fl_intp k, double *restrict rl,
                            const int neg)
{
#if defined(FL_OWN_VMATH_V4)
    if (sizeof(T) == 4 && k <= 16) {
        float xt[FL_CHUNK + 16 * 16]; /* (R k <= FL_CHUNK: R rounded up to 16 fits) */
        fl_rowsums_v4_f32((const float *)x, R, k, xt, rl, neg);
        return;
    }
#endif
    for (fl_intp r = 0; r < R; r++) {
        const double v = FL_T(fl_rowsum)(x + r * k, k);
        rl[r] = neg ? -v : v;
    }
}

/* The terms of categorical cross-entropy: eb[i] = log(clip(z[i])) t[i] for
   i < n (clipped to [e, 1 - e]); returns how many positions have a target or
   a prediction outside its domain.  At the AVX-512 level, fl_rows_v4.h's
   loop with log inlined (the same operations). */
FL_AI int FL_T(fl_cce_terms)(const T *restrict t, const T *restrict z, fl_intp n, T e,
                             int targets, int preds, T *restrict eb)
{
#if defined(FL_OWN_VMATH_V4)
    if (sizeof(T) == 8)
        return fl_cce_terms_v4_f64((const double *)t, (const double *)z, n, (double)e, targets,
                                   preds, (double *)eb);
    return fl_cce_terms_v4_f32((const float *)t, (const float *)z, n, (float)e, targets, preds,
                               (float *)eb);
#else
    const int nbad = FL_T(fl_clip_checked)(t, z, n, e, targets, preds, eb);
    FL_T(fl_vlog)(eb, n, (T)1);
    for (fl_intp i = 0; i < n; i++) eb[i] *= t[i];
    return nbad;
#endif
}

/* the gradient -t / clip(z) and the Hessian diagonal t / clip(z)^2 of
   categorical cross-entropy and the KL divergence, times each row's factor
   (worked along the whole chunk first: rows of a few classes are too short
   for a vector) */
FL_AI void FL_T(fl_clip_derivatives)(FL_T(fl_row_stage) *s, const T *restrict t,
                                     const T *restrict z, T e)
{
    const fl_intp k = s->k, R = s->R, nk = R * k;
    T *restrict zb = s->zb, *restrict gc = s->gc, *restrict hc = s->hc;
    for (fl_intp i = 0; i < nk; i++) {
        const T tt = t[i], pp = z[i];
        const T q = pp < e ? e : (pp > 1 - e ? 1 - e : pp);
        zb[i] = -tt / q;
        if (hc) hc[i] = tt / (q * q);
    }
    for (fl_intp r = 0; r < R; r++) {
        for (fl_intp j = 0; j < k; j++) gc[r * k + j] = (T)(s->f[r] * zb[r * k + j]);
        if (hc)
            for (fl_intp j = 0; j < k; j++) hc[r * k + j] = (T)(s->f[r] * hc[r * k + j]);
    }
}

/* the first row of a chunk with a target or prediction outside its domain */
FL_AI void FL_T(fl_first_bad_row)(FL_T(fl_row_stage) *s, const T *t, const T *z, fl_intp nk)
{
    if (s->bad >= 0) return;
    for (fl_intp i = 0; i < nk; i++)
        if (!(FL_IN_DOMAIN(s->targets, t[i]) & FL_IN_DOMAIN(s->preds, z[i]))) {
            s->bad = s->c0 + i / s->k;
            return;
        }
}

/* categorical_cross_entropy(eps = o[0]): -sum_j t_j log(clip(p_j));
   gradient -t / clip(p).  Checks targets and probabilities with the terms. */
FL_ROW_LOSS(categorical_cross_entropy)
{
    const fl_intp k = s->k, R = s->R, nk = R * k;
    const T *z = s->z, *t = s->t;
    T *eb = s->eb;
    const T e = s->o[0] > FL_EPS_MIN(T) ? s->o[0] : FL_EPS_MIN(T);
    /* (the derivatives alone need no log: the inputs are only checked) */
    const int nbad = s->wv ? FL_T(fl_cce_terms)(t, z, nk, e, s->targets, s->preds, eb)
                           : FL_T(fl_clip_checked)(t, z, nk, e, s->targets, s->preds, eb);
    if (s->wv) FL_T(fl_rowsums)(eb, R, k, s->rl, 1);
    if (s->gc) FL_T(fl_clip_derivatives)(s, t, z, e);
    if (nbad) FL_T(fl_first_bad_row)(s, t, z, nk);
}

/* sparse_categorical_cross_entropy(eps = o[0]): -log(clip(p[label]));
   gradient -1/clip(p[label]) at the label, 0 elsewhere.  The probability it
   reads (the label's) is checked; the row's other entries do not enter the
   loss or its gradient. */
FL_ROW_LOSS(sparse_categorical_cross_entropy)
{
    const fl_intp k = s->k, R = s->R;
    const T *z = s->z;
    const fl_intp *lab = s->lab;
    T *eb = s->eb, *zb = s->zb, *gc = s->gc;
    const T e = s->o[0] > FL_EPS_MIN(T) ? s->o[0] : FL_EPS_MIN(T);
    int nbadp = 0;
    for (fl_intp r = 0; r < R; r++) { /* gather (one value a row), check and clip */
        FL_PREFETCH_ROW(z, r, k);
        const T pp = z[r * k + lab[r]];
        nbadp += !FL_IN_DOMAIN(s->preds, pp);
        eb[r] = zb[r] = pp < e ? e : (pp > 1 - e ? 1 - e : pp);
    }
    if (nbadp) /* the first such row not ignored, unless a smaller row is bad already */
        for (fl_intp r = 0; r < R && (s->bad < 0 || s->c0 + r < s->bad); r++)
            if (!FL_IN_DOMAIN(s->preds, z[r * k + lab[r]]) && !(s->ign && s->ign[r])) {
                s->bad = s->c0 + r;
                break;
            }
    FL_T(fl_vlog)(zb, R, (T)1);
    for (fl_intp r = 0; r < R; r++) s->rl[r] = -(double)zb[r];
    if (gc) { /* (the chunk's rows are contiguous: one fill, then the labels) */
        for (fl_intp i = 0; i < R * k; i++) gc[i] = 0;
        for (fl_intp r = 0; r < R; r++) gc[r * k + lab[r]] = (T)(-s->f[r] / eb[r]);
    }
    if (s->hc) { /* 1 / q^2 at the label */
        for (fl_intp i = 0; i < R * k; i++) s->hc[i] = 0;
        for (fl_intp r = 0; r < R; r++)
            s->hc[r * k + lab[r]] = (T)(s->f[r] / ((double)eb[r] * (double)eb[r]));
    }
}

/* softmax_cross_entropy with labels and at most FL_COLS_K classes: the
   chunk is worked class-major (transposed into zt), so that the row maxima,
   the exps and the row sums run across a vector of rows at a time instead
   of along rows too short for a vector.  Per row, the same formulas summed in
   the same order as the row-major stage (softmax_cross_entropy below). */
#define FL_COLS_K 16

/* rows [0, R) of a contiguous R x k chunk class-major: zt[j * RP + r], the
   rows from R to RP (a multiple of FL_LANES) 0.  Eight rows at a time: the
   compiler turns the eight strided loads of a column into one vector store
   (in float32 at the AVX-512 level, fl_rows_v4.h's transpose in registers). */
FL_AI void FL_T(fl_transpose)(const T *restrict z, fl_intp R, fl_intp k, fl_intp RP,
                              T *restrict zt)
{
#if defined(FL_OWN_VMATH_V4)
    if (sizeof(T) == 4) {
        fl_transpose_v4_f32((const float *)z, R, k, RP, (float *)zt);
        return;
    }
#endif
    fl_intp r0 = 0;
    for (; r0 + 8 <= R; r0 += 8)
        for (fl_intp j = 0; j < k; j++) {
            const T *q = z + r0 * k + j;
            T *o = zt + j * RP + r0;
            for (int i = 0; i < 8; i++) o[i] = q[i * k];
        }
    for (fl_intp j = 0; j < k; j++)
        for (fl_intp r = r0; r < RP; r++) zt[j * RP + r] = r < R ? z[r * k + j] : (T)0;
}

/* the reverse: class-major zt to rows [0, R) of a contiguous R x k chunk (in
   float32 at the AVX-512 level, fl_rows_v4.h's transpose in registers: in
   float64 it measured no faster) */
FL_AI void FL_T(fl_untranspose)(const T *restrict zt, fl_intp R, fl_intp k, fl_intp RP,
                                T *restrict z)
{
#if defined(FL_OWN_VMATH_V4)
    if (sizeof(T) == 4) {
        fl_untranspose_v4_f32((const float *)zt, R, k, RP, (float *)z);
        return;
    }
#endif
    fl_intp r0 = 0;
    for (; r0 + 8 <= R; r0 += 8)
        for (fl_intp j = 0; j < k; j++) {
            const T *q = zt + j * RP + r0;
            T *o = z + r0 * k + j;
            for (int i = 0; i < 8; i++) o[i * k] = q[i];
        }
    for (fl_intp r = r0; r < R; r++)
        for (fl_intp j = 0; j < k; j++) z[r * k + j] = zt[j * RP + r];
}

/* The class-major softmax's row pass over RP rows (a multiple of FL_LANES)
   of zt (zt[j * RP + r]): the label's logit zy[r] of each row below R
   (lab[r]), each row's max mx[r] (as fl_rowmax), et = exp(zt -
   mx), the row's sum of et (as fl_rowsum) rounded to T in sm[r], and si[r] =
   1 / sm[r] (et and si needed only when WE).  At the AVX-512 level,
   fl_rows_v4.h's loop with exp inlined (the same operations in the same
   order), which also prefetches the next chunk's rows (next: where this
   chunk's rows end; it picks float32's labels' logits too). */
FL_AI void FL_T(fl_smx_rows)(const T *restrict zt, fl_intp k, fl_intp R, fl_intp RP,
                             const fl_intp *restrict lab, T *restrict zy, T *restrict et,
                             T *restrict mx, T *restrict sm, T *restrict si, const T *next,
                             FL_UNUSED const int WE)
{
#if defined(FL_OWN_VMATH_V4)
#define FL_SMX_V4(S, VT, we)                                                                \
    fl_smx_rows_v4_##S((const VT *)zt, k, R, RP, lab, (VT *)zy, (VT *)et, (VT *)mx,        \
                       (VT *)sm, (VT *)si, (const char *)next, we)
    if (sizeof(T) == 8)
        for (fl_intp r = 0; r < R; r++) zy[r] = zt[lab[r] * RP + r];
    if (sizeof(T) == 8 && WE)
        FL_SMX_V4(f64, double, 1);
    else if (sizeof(T) == 8)
        FL_SMX_V4(f64, double, 0);
    else if (WE)
        FL_SMX_V4(f32, float, 1);
    else
        FL_SMX_V4(f32, float, 0);
#undef FL_SMX_V4
#else
    (void)next;
    for (fl_intp r = 0; r < R; r++) zy[r] = zt[lab[r] * RP + r];
    for (fl_intp r0 = 0; r0 < RP; r0 += FL_LANES) {
        /* the row max in 4 partial maxima (j mod 4), as fl_rowmax */
        T m0[FL_LANES], m1[FL_LANES], m2[FL_LANES], m3[FL_LANES];
        for (int i = 0; i < FL_LANES; i++) m0[i] = m1[i] = m2[i] = m3[i] = -INFINITY;
        fl_intp j = 0;
        for (; j + 4 <= k; j += 4) {
            const T *c = zt + j * RP + r0;
            for (int i = 0; i < FL_LANES; i++) {
                m0[i] = c[i] > m0[i] ? c[i] : m0[i];
                m1[i] = c[RP + i] > m1[i] ? c[RP + i] : m1[i];
                m2[i] = c[2 * RP + i] > m2[i] ? c[2 * RP + i] : m2[i];
                m3[i] = c[3 * RP + i] > m3[i] ? c[3 * RP + i] : m3[i];
            }
        }
        for (; j < k; j++)
            for (int i = 0; i < FL_LANES; i++) {
                const T v = zt[j * RP + r0 + i];
                m0[i] = v > m0[i] ? v : m0[i];
            }
        for (int i = 0; i < FL_LANES; i++) {
            const T a = m1[i] > m0[i] ? m1[i] : m0[i], b = m3[i] > m2[i] ? m3[i] : m2[i];
            mx[r0 + i] = b > a ? b : a;
        }
        /* exp(z - max), and its row sum in 4 float64 partial sums, as fl_rowsum */
        for (j = 0; j < k; j++) {
            T *e = et + j * RP + r0;
            const T *c = zt + j * RP + r0;
            for (int i = 0; i < FL_LANES; i++) {
                const T d = c[i] - mx[r0 + i];
                e[i] = FL_EXP(d);
            }
        }
        /* the partial sums start from the first four columns rather than
           from 0 (0 + e is e: an exp is never -0), so that no zeroed arrays
           are stored first; below four columns, one sum, as fl_rowsum's
           ((s0 + 0) + (0 + 0) is s0) */
        double s0[FL_LANES], s1[FL_LANES], s2[FL_LANES], s3[FL_LANES];
        const T *e0 = et + r0;
        for (int i = 0; i < FL_LANES; i++) s0[i] = (double)e0[i];
        if (k >= 4) {
            for (int i = 0; i < FL_LANES; i++) {
                s1[i] = (double)e0[RP + i];
                s2[i] = (double)e0[2 * RP + i];
                s3[i] = (double)e0[3 * RP + i];
            }
            for (j = 4; j + 4 <= k; j += 4) {
                const T *e = et + j * RP + r0;
                for (int i = 0; i < FL_LANES; i++) {
                    s0[i] += (double)e[i];
                    s1[i] += (double)e[RP + i];
                    s2[i] += (double)e[2 * RP + i];
                    s3[i] += (double)e[3 * RP + i];
                }
            }
            for (; j < k; j++)
                for (int i = 0; i < FL_LANES; i++) s0[i] += (double)et[j * RP + r0 + i];
            for (int i = 0; i < FL_LANES; i++) s0[i] = (s0[i] + s1[i]) + (s2[i] + s3[i]);
        } else {
            for (j = 1; j < k; j++)
                for (int i = 0; i < FL_LANES; i++) s0[i] += (double)et[j * RP + r0 + i];
        }
        for (int i = 0; i < FL_LANES; i++) {
            sm[r0 + i] = (T)s0[i];
            si[r0 + i] = 1 / sm[r0 + i];
        }
    }
#endif
}

/* a ? x : y with both read first, so that a loop of it vectorizes as a blend */
FL_AI T FL_T(fl_pick)(const int a, const T x, const T y) { return a ? x : y; }

FL_AI void FL_T(fl_softmax_cols)(FL_T(fl_row_stage) *s)
{
    const fl_intp k = s->k, R = s->R;
    const fl_intp RP = (R + FL_LANES - 1) / FL_LANES * FL_LANES; /* whole groups */
    const T *z = s->z, *cw = s->cw;
    T *gc = s->gc, *hc = s->hc;
    const T ls = s->o[0], lsk = s->o[0] / (T)k, keep = 1 - s->o[0];
    T zt[FL_CHUNK + FL_COLS_K * FL_LANES], et[FL_CHUNK + FL_COLS_K * FL_LANES];
    T mx[FL_ROWBLOCK], sm[FL_ROWBLOCK], si[FL_ROWBLOCK];
    T zy[FL_ROWBLOCK], cy[FL_ROWBLOCK]; /* per row: the label's logit and class weight */
    double dsum[FL_ROWBLOCK];
    FL_T(fl_transpose)(z, R, k, RP, zt);
    FL_T(fl_smx_rows)(zt, k, R, RP, s->lab, zy, et, mx, sm, si, z + R * k, gc != NULL);
    if (ls != 0) /* sum_j (cw_j) (z_j - max), in float64 */
        for (fl_intp r0 = 0; r0 < RP; r0 += FL_LANES) {
            double ds[FL_LANES] = {0};
            for (fl_intp j = 0; j < k; j++) {
                const T *c = zt + j * RP + r0;
                const T cj = cw ? cw[j] : (T)1;
                for (int i = 0; i < FL_LANES; i++)
                    ds[i] += cw ? (double)(cj * (c[i] - mx[r0 + i])) : (double)(c[i] - mx[r0 + i]);
            }
            for (int i = 0; i < FL_LANES; i++) dsum[r0 + i] = ds[i];
        }
    FL_T(fl_vlog)(sm, R, (T)1);
    const double wsum = cw && ls != 0 ? FL_T(fl_rowsum)(cw, k) : 0; /* sum_j t'_j of a smoothed label */
    T fa[FL_ROWBLOCK], fr[FL_ROWBLOCK], ft[FL_ROWBLOCK]; /* per row: f sinv tsum, f, f tsum */
    if (cw)
        for (fl_intp r = 0; r < R; r++) cy[r] = cw[s->lab[r]];
    for (fl_intp r = 0; r < R; r++) { /* (no indexing by label: a loop that vectorizes) */
        const T m = mx[r], lsum = sm[r];
        T loss, tsum;
        if (!cw) {
            loss = lsum - keep * (zy[r] - m) - (ls != 0 ? (T)(lsk * dsum[r]) : 0);
            tsum = 1;
        } else {
            const double ts = (double)(keep * cy[r]) + (double)lsk * wsum;
            loss = (T)((double)lsum * ts - (double)(keep * cy[r] * (zy[r] - m))
                       - (ls != 0 ? (double)lsk * dsum[r] : 0.0));
            tsum = (T)ts;
        }
        s->rl[r] = (double)loss;
        if (gc) {
            fr[r] = (T)s->f[r];
            fa[r] = fr[r] * si[r] * tsum;
            ft[r] = fr[r] * tsum;
        }
    }
    if (!gc) return;
    for (fl_intp r = R; r < RP; r++) fa[r] = fr[r] = ft[r] = 0; /* (padding rows) */
    /* the Hessian's row facts first (they read zt, which the gradient
       reuses): at the row's first largest logit, 1 - p_j is the other terms'
       share of the sum, as the row-major stage */
    T jm[FL_ROWBLOCK];
    double rest[FL_ROWBLOCK];
    if (hc) {
        for (fl_intp r = 0; r < RP; r++) jm[r] = -1, rest[r] = 0;
        for (fl_intp j = 0; j < k; j++)
            for (fl_intp r0 = 0; r0 < RP; r0 += FL_LANES)
                for (int i = 0; i < FL_LANES; i++) {
                    const fl_intp r = r0 + i;
                    const int hit = (jm[r] < 0) & (zt[j * RP + r] == mx[r]);
                    jm[r] = hit ? (T)j : jm[r];
                    rest[r] += hit ? 0.0 : (double)et[j * RP + r];
                }
    }
    /* the gradient: in float32 at the AVX-512 level worked class-major into
       zt, the labels' entries picked on the way, then transposed in registers
       and stored a row at a time (fl_untranspose); else eight rows at a time
       (one vector across the rows, stored along them), the labels' entries
       stored again after */
    T cj[FL_COLS_K];
    for (fl_intp j = 0; j < k; j++) cj[j] = cw ? cw[j] * lsk : lsk;
#if defined(FL_OWN_VMATH_V4)
    if (sizeof(T) == 4) {
        /* the label's coefficient cl[r] taken in place of cj where yl[r] (the
           label as T; -1 on the padding rows) is the class */
        T yl[FL_ROWBLOCK], cl[FL_ROWBLOCK];
        for (fl_intp r = 0; r < R; r++) cl[r] = cw ? cy[r] * (keep + lsk) : keep + lsk;
        for (fl_intp r = 0; r < R; r++) yl[r] = (T)s->lab[r];
        for (fl_intp r = R; r < RP; r++) yl[r] = -1, cl[r] = 0;
        for (fl_intp j = 0; j < k; j++)
            for (fl_intp r = 0; r < RP; r++)
                zt[j * RP + r] = fa[r] * et[j * RP + r]
                                 - fr[r] * FL_T(fl_pick)(yl[r] == (T)j, cl[r], cj[j]);
        FL_T(fl_untranspose)(zt, R, k, RP, gc);
    } else
#endif
    {
        fl_intp r8 = 0;
        for (; r8 + 8 <= R; r8 += 8)
            for (fl_intp j = 0; j < k; j++)
                for (int i = 0; i < 8; i++)
                    gc[(r8 + i) * k + j] = fa[r8 + i] * et[j * RP + r8 + i] - fr[r8 + i] * cj[j];
        for (fl_intp r = r8; r < R; r++)
            for (fl_intp j = 0; j < k; j++) gc[r * k + j] = fa[r] * et[j * RP + r] - fr[r] * cj[j];
        for (fl_intp r = 0; r < R; r++) {
            const fl_intp y = s->lab[r];
            gc[r * k + y] =
                fa[r] * et[y * RP + r] - fr[r] * (cw ? cy[r] * (keep + lsk) : keep + lsk);
        }
    }
    if (!hc) return;
    /* f tsum p_j (1 - p_j) */
    for (fl_intp j = 0; j < k; j++)
        for (fl_intp r0 = 0; r0 < RP; r0 += FL_LANES)
            for (int i = 0; i < FL_LANES; i++) {
                const fl_intp r = r0 + i;
                const T pj = et[j * RP + r] * si[r];
                const T qj = jm[r] == (T)j ? (T)(rest[r] * (double)si[r]) : 1 - pj;
                et[j * RP + r] = ft[r] * (pj * qj);
            }
    FL_T(fl_untranspose)(et, R, k, RP, hc);
}

/* softmax_cross_entropy(label_smoothing = o[0]): log-softmax, max-shifted;
   target = labels or dense rows, smoothed: t' = (1 - ls) t + ls / k, then
   times each class's weight cw_j when given.
   loss = sum_j t'_j (lse - z_j); gradient softmax(z) sum_j t'_j - t' */
FL_ROW_LOSS(softmax_cross_entropy)
{
    const fl_intp k = s->k, R = s->R, nk = R * k;
    const T *z = s->z, *t = s->t, *cw = s->cw;
    T *eb = s->eb, *gc = s->gc;
    const T ls = s->o[0], lsk = s->o[0] / (T)k, keep = 1 - s->o[0];
    if (!t && k <= FL_COLS_K) { /* labels, few classes */
        FL_T(fl_softmax_cols)(s);
        return;
    }
    T mx[FL_CHUNK], sm[FL_CHUNK], si[FL_CHUNK];
    double wsum = 0; /* sum_j cw_j: sum_j t'_j of a smoothed label */
    if (cw && !t && ls != 0) wsum = FL_T(fl_rowsum)(cw, k);
    for (fl_intp r = 0; r < R; r++) {
        const T m = FL_T(fl_rowmax)(z + r * k, k);
        mx[r] = m;
        for (fl_intp j = 0; j < k; j++) eb[r * k + j] = z[r * k + j] - m;
    }
    FL_T(fl_vexp)(eb, nk, (T)0);
    /* row sums in float64 whatever the storage */
    for (fl_intp r = 0; r < R; r++) sm[r] = (T)FL_T(fl_rowsum)(eb + r * k, k);
    for (fl_intp r = 0; r < R; r++) si[r] = 1 / sm[r];
    FL_T(fl_vlog)(sm, R, (T)1);
    for (fl_intp r = 0; r < R; r++) {
        /* with d_j = z_j - max (<= 0): loss = log(sum exp d) sum_j t'_j
           - sum_j t'_j d_j, free of cancellation for huge logits */
        const T m = mx[r], lsum = sm[r], sinv = si[r]; /* 1 / sum exp d */
        T loss, tsum;
        fl_intp y = -1;
        if (!t && !cw) {
            y = s->lab[r];
            double dsum = 0;
            if (ls != 0)
                for (fl_intp j = 0; j < k; j++) dsum += (double)(z[r * k + j] - m);
            loss = lsum - keep * (z[r * k + y] - m) - (ls != 0 ? (T)(lsk * dsum) : 0);
            tsum = 1;
        } else if (!t) { /* t'_j = cw_j (keep [j == y] + ls / k) */
            y = s->lab[r];
            const T cy = cw[y];
            double dsum = 0;
            if (ls != 0)
                for (fl_intp j = 0; j < k; j++) dsum += (double)(cw[j] * (z[r * k + j] - m));
            const double ts = (double)(keep * cy) + (double)lsk * wsum;
            loss = (T)((double)lsum * ts - (double)(keep * cy * (z[r * k + y] - m))
                       - (double)lsk * dsum);
            tsum = (T)ts;
        } else {
            double td = 0, ts = 0;
            for (fl_intp j = 0; j < k; j++) {
                const T tt = cw ? cw[j] * (keep * t[r * k + j] + lsk) : keep * t[r * k + j] + lsk;
                ts += (double)tt;
                td += (double)(tt * (z[r * k + j] - m));
            }
            loss = (T)((double)lsum * ts - td);
            tsum = (T)ts;
        }
        s->rl[r] = (double)loss;
        if (gc) {
            const T fr = (T)s->f[r], a = fr * sinv * tsum;
            if (!t && !cw) {
                for (fl_intp j = 0; j < k; j++) gc[r * k + j] = a * eb[r * k + j] - fr * lsk;
                gc[r * k + y] = a * eb[r * k + y] - fr * (keep + lsk);
            } else if (!t) {
                for (fl_intp j = 0; j < k; j++)
                    gc[r * k + j] = a * eb[r * k + j] - fr * (cw[j] * lsk);
                gc[r * k + y] = a * eb[r * k + y] - fr * (cw[y] * (keep + lsk));
            } else if (!cw)
                for (fl_intp j = 0; j < k; j++)
                    gc[r * k + j] = a * eb[r * k + j] - fr * (keep * t[r * k + j] + lsk);
            else
                for (fl_intp j = 0; j < k; j++)
                    gc[r * k + j] = a * eb[r * k + j] - fr * (cw[j] * (keep * t[r * k + j] + lsk));
            if (s->hc) { /* sum(t') p_j (1 - p_j); at the row's (first) largest
                            logit, 1 - p_j is the other terms' share of the sum,
                            which 1 - p_j loses entirely when p_j rounds to 1 */
                fl_intp jm = -1;
                double rest = 0;
                for (fl_intp j = 0; j < k; j++) {
                    if (jm < 0 && z[r * k + j] == m)
                        jm = j;
                    else
                        rest += (double)eb[r * k + j];
                }
                for (fl_intp j = 0; j < k; j++) {
                    const T pj = eb[r * k + j] * sinv;
                    const T qj = j == jm ? (T)(rest * (double)sinv) : 1 - pj;
                    s->hc[r * k + j] = fr * tsum * (pj * qj);
                }
            }
        }
    }
}

/* multiclass_hinge (Crammer-Singer): max(0, 1 - (s_y - max_{j != y} s_j));
   subgradient +1 at the first arg-max rival, -1 at the label, where the
   margin is violated.  A NaN anywhere in the row makes the row's loss and
   gradient NaN. */
FL_ROW_LOSS(multiclass_hinge)
{
    const fl_intp k = s->k, R = s->R;
    const T *z = s->z;
    T *gc = s->gc;
    /* per row: the two largest scores m1 >= m2 (m2 = m1 when the maximum
       repeats) and a NaN flag, worked column by column across the rows of
       the chunk (independent rows side by side: vector lanes) */
    T m1[FL_ROWBLOCK], m2[FL_ROWBLOCK], nf[FL_ROWBLOCK];
    for (fl_intp r = 0; r < R; r++) m1[r] = m2[r] = -INFINITY, nf[r] = 0;
    for (fl_intp j = 0; j < k; j++)
        for (fl_intp r = 0; r < R; r++) {
            const T v = z[r * k + j];
            nf[r] = v != v ? (T)1 : nf[r];
            const T lo = v < m1[r] ? v : m1[r];
            m2[r] = lo > m2[r] ? lo : m2[r];
            m1[r] = v > m1[r] ? v : m1[r];
        }
    for (fl_intp r = 0; r < R; r++) {
        const fl_intp y = s->lab[r];
        const T *zr = z + r * k;
        const int nan = nf[r] != 0;
        /* the best rival: m1, unless the label holds it */
        const T zy = zr[y];
        const T best = zy == m1[r] ? m2[r] : m1[r];
        const T margin = 1 - (zy - best);
        s->rl[r] = nan ? (double)NAN : (double)FL_POS(T, margin);
        if (gc) {
            for (fl_intp j = 0; j < k; j++) gc[r * k + j] = nan ? (T)NAN : (T)0;
            if (s->hc) /* 0 almost everywhere */
                for (fl_intp j = 0; j < k; j++) s->hc[r * k + j] = nan ? (T)NAN : (T)0;
            if (!nan && margin > 0) {
                fl_intp rival = 0; /* the first rival holding best */
                while (rival < k && (rival == y || zr[rival] != best)) rival++;
                if (rival < k) gc[r * k + rival] = (T)s->f[r];
                gc[r * k + y] = (T)(-s->f[r]);
            }
        }
    }
}

/* nll_loss: -z[label] (z: log-probabilities, not checked, as torch);
   gradient -1 at the label, 0 elsewhere. */
FL_ROW_LOSS(nll_loss)
{
    const fl_intp k = s->k, R = s->R;
    const T *z = s->z;
    T *gc = s->gc;
    for (fl_intp r = 0; r < R; r++) {
        FL_PREFETCH_ROW(z, r, k);
        s->rl[r] = -(double)z[r * k + s->lab[r]];
    }
    if (gc) { /* (the chunk's rows are contiguous: one fill, then the labels) */
        for (fl_intp i = 0; i < R * k; i++) gc[i] = 0;
        for (fl_intp r = 0; r < R; r++) gc[r * k + s->lab[r]] = (T)(-s->f[r]);
    }
    if (s->hc)
        for (fl_intp i = 0; i < R * k; i++) s->hc[i] = 0;
}

/* The terms of the KL divergence: eb[i] = t log t' - t log clip(z[i]) for
   i < n, t = t[i], t' = t where t > 0 and 1 elsewhere (0 log 0 = 0);
   returns how many positions are outside their domains.  At the AVX-512
   level, fl_rows_v4.h's loop with log inlined. */
FL_AI int FL_T(fl_kl_terms)(const T *restrict t, const T *restrict z, fl_intp n, T e,
                            int targets, int preds, T *restrict eb, T *restrict zb)
{
#if defined(FL_OWN_VMATH_V4)
    (void)zb;
    if (sizeof(T) == 8)
        return fl_kl_terms_v4_f64((const double *)t, (const double *)z, n, (double)e, targets,
                                  preds, (double *)eb);
    return fl_kl_terms_v4_f32((const float *)t, (const float *)z, n, (float)e, targets, preds,
                              (float *)eb);
#else
    const int nbad = FL_T(fl_clip_checked)(t, z, n, e, targets, preds, eb);
    for (fl_intp i = 0; i < n; i++) zb[i] = t[i] > 0 ? t[i] : (T)1;
    FL_T(fl_vlog)(eb, n, (T)1);
    FL_T(fl_vlog)(zb, n, (T)1);
    for (fl_intp i = 0; i < n; i++) eb[i] = t[i] * zb[i] - t[i] * eb[i];
    return nbad;
#endif
}

/* kl_divergence(eps = o[0]): sum_j t_j log t_j - t_j log clip(q_j), with
   0 log 0 = 0 (torch's kl_div of log(clip q) against t, summed per row);
   gradient -t / clip(q) (the clip is not differentiated).  Checks targets
   and probabilities with the terms. */
FL_ROW_LOSS(kl_divergence)
{
    const fl_intp k = s->k, R = s->R, nk = R * k;
    const T *z = s->z, *t = s->t;
    T *eb = s->eb;
    const T e = s->o[0] > FL_EPS_MIN(T) ? s->o[0] : FL_EPS_MIN(T);
    const int nbad = s->wv ? FL_T(fl_kl_terms)(t, z, nk, e, s->targets, s->preds, eb, s->zb)
                           : FL_T(fl_clip_checked)(t, z, nk, e, s->targets, s->preds, eb);
    if (s->wv) FL_T(fl_rowsums)(eb, R, k, s->rl, 0);
    if (s->gc) FL_T(fl_clip_derivatives)(s, t, z, e);
    if (nbad) FL_T(fl_first_bad_row)(s, t, z, nk);
}

/* multi_margin(p = o[0] in {1, 2}, margin = o[1]), Weston-Watkins as torch's
   multi_margin_loss: sum_{j != y} max(0, margin - z_y + z_j)^p / k; gradient
   p v_j^(p-1) / k at each rival j with v_j = margin - z_y + z_j > 0 (0 at and
   below the kink), minus their sum at the label.  NaN propagates. */
/* p v^(p-1) / k where violated (NaN carried); with D2, p (p - 1) v^(p-2) / k
   (2 / k where violated for p = 2) */
#define FL_MM_D1(v) ((v) > 0 ? (sq ? 2 * (v) : (T)1) * inv_k : ((v) != (v) ? (v) : (T)0))
#define FL_MM_D2(v) ((v) > 0 ? (sq ? 2 * inv_k : (T)0) : ((v) != (v) ? (v) : (T)0))
FL_ROW_LOSS(multi_margin)
{
    const fl_intp k = s->k, R = s->R;
    const T *z = s->z;
    T *gc = s->gc, *hc = s->hc;
    const int sq = s->o[0] == 2;
    const T mg = s->o[1], inv_k = (T)1 / (T)k;
    /* The sums are worked column by column across the rows of the chunk, as
       multiclass_hinge (the values' sums of long rows excepted, below):
       each row's sums still run over its columns in order, and the rows'
       sums are independent chains side by side (vector lanes) instead of one
       chain of dependent adds per row.  The derivatives are then stored row
       by row (contiguous stores), with their sums at the labels. */
    double gsum[FL_ROWBLOCK], hsum[FL_ROWBLOCK];
    T base[FL_ROWBLOCK];
    if (sizeof(T) == 8 ? k >= 8 : k > 64)
        /* long rows (float64: 8 classes or more, a vector's width; float32:
           more than 64, where the class-major order's strided reads cost more
           than its vector lanes save): row by row, each row's label read as
           its row streams in (a separate pass for the labels' values would
           touch one line of every row first, and the sequential pass would
           then miss on the rest).  The same sums in the same order as the
           class-major loop below. */
        for (fl_intp r = 0; r < R; r++) {
            const T *zr = z + r * k;
            const fl_intp y = s->lab[r];
            const T b = mg - zr[y];
            double a = 0;
            for (fl_intp j = 0; j < k; j++) {
                const T h = FL_POS(T, b + zr[j]);
                a += j == y ? 0.0 : (double)(sq ? h * h : h);
            }
            base[r] = b, s->rl[r] = a / (double)k;
        }
    else {
        double acc[FL_ROWBLOCK];
        for (fl_intp r = 0; r < R; r++) base[r] = mg - z[r * k + s->lab[r]], acc[r] = 0;
        for (fl_intp j = 0; j < k; j++)
            for (fl_intp r = 0; r < R; r++) {
                const T v = base[r] + z[r * k + j], h = FL_POS(T, v);
                acc[r] += j == s->lab[r] ? 0.0 : (double)(sq ? h * h : h);
            }
        for (fl_intp r = 0; r < R; r++) s->rl[r] = acc[r] / (double)k;
    }
    if (!gc) return;
    for (fl_intp r = 0; r < R; r++) gsum[r] = 0, hsum[r] = 0;
    for (fl_intp j = 0; j < k; j++)
        for (fl_intp r = 0; r < R; r++) {
            const T v = base[r] + z[r * k + j];
            gsum[r] += j == s->lab[r] ? 0.0 : (double)FL_MM_D1(v);
        }
    if (hc)
        for (fl_intp j = 0; j < k; j++)
            for (fl_intp r = 0; r < R; r++) {
                const T v = base[r] + z[r * k + j];
                hsum[r] += j == s->lab[r] ? 0.0 : (double)FL_MM_D2(v);
            }
    for (fl_intp r = 0; r < R; r++) {
        const fl_intp y = s->lab[r];
        const T *zr = z + r * k;
        const T fr = (T)s->f[r];
        for (fl_intp j = 0; j < k; j++) gc[r * k + j] = fr * FL_MM_D1(base[r] + zr[j]);
        if (hc)
            for (fl_intp j = 0; j < k; j++) hc[r * k + j] = fr * FL_MM_D2(base[r] + zr[j]);
        gc[r * k + y] = fr * (T)(-gsum[r]);
        if (hc) hc[r * k + y] = fr * (T)hsum[r];
    }
}
#undef FL_MM_D1
#undef FL_MM_D2

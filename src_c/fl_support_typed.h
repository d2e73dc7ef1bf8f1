/*
 * fastloss — the typed part of the support code (a template: no include
 * guard; fl_support.c includes it once per dtype with T and FL_T defined).
 */

/* One pass over n_rows x k contiguous values: min and max (NaN skipped), the
   number of NaN, and (when tol >= 0) the number of rows whose float64 sum is
   not within tol of 1.  Rows are taken FL_ROWBLOCK at a time: min/max/NaN
   over the block in fixed lanes (vectorized), then the block's row sums while
   it is in cache. */
FL_CLONES void FL_T(fl_stats)(const T *restrict x, fl_intp n_rows, fl_intp k, double tol,
                              fl_stats *st)
{
    T mn[FL_LANES], mx[FL_LANES], nn[FL_LANES];
    for (int j = 0; j < FL_LANES; j++) mn[j] = INFINITY, mx[j] = -INFINITY, nn[j] = 0;
    fl_intp off = 0, nan = 0;
    for (fl_intp r0 = 0; r0 < n_rows; r0 += FL_ROWBLOCK) {
        const fl_intp nr = n_rows - r0 < FL_ROWBLOCK ? n_rows - r0 : FL_ROWBLOCK;
        const T *b = x + r0 * k;
        const fl_intp m = nr * k;
        fl_intp i = 0;
        for (; i + FL_LANES <= m; i += FL_LANES)
            for (int j = 0; j < FL_LANES; j++) {
                const T v = b[i + j];
                mn[j] = v < mn[j] ? v : mn[j];
                mx[j] = v > mx[j] ? v : mx[j];
                nn[j] += v != v ? (T)1 : (T)0;
            }
        for (int j = 0; i < m; i++, j++) {
            const T v = b[i];
            mn[j] = v < mn[j] ? v : mn[j];
            mx[j] = v > mx[j] ? v : mx[j];
            nn[j] += v != v ? (T)1 : (T)0;
        }
        for (int j = 0; j < FL_LANES; j++) nan += (fl_intp)nn[j], nn[j] = 0;
        if (tol >= 0) { /* column by column across the block's rows */
            double rs[FL_ROWBLOCK];
            for (fl_intp r = 0; r < nr; r++) rs[r] = 0;
            for (fl_intp j = 0; j < k; j++)
                for (fl_intp r = 0; r < nr; r++) rs[r] += (double)b[r * k + j];
            for (fl_intp r = 0; r < nr; r++) off += !(FL_ABS(rs[r] - 1) <= tol);
        }
    }
    for (int j = 1; j < FL_LANES; j++) {
        mn[0] = mn[j] < mn[0] ? mn[j] : mn[0];
        mx[0] = mx[j] > mx[0] ? mx[j] : mx[0];
    }
    st->min = (double)mn[0];
    st->max = (double)mx[0];
    st->n_nan = nan;
    st->rows_off = off;
}

/* Blocks [b0, b1) of fl_r2_run (fl_support.c): for each block of FL_BLOCK
   rows, sum(w), and per column sum(w y), sum(w (y - p)^2) and the block's
   sum(w (y - m_b)^2) about its own weighted mean m_b (re-read while the block
   is in cache), each a float64 sum in FL_R2_LANES lanes (row mod the lanes)
   added in a fixed order. */
#ifndef FL_R2_LANES
#define FL_R2_LANES 32
#endif
/* one column of a block of fl_r2_blocks: (sum(w y), sum(w (y - p)^2),
   sum(w (y - m_b)^2)) of nr rows at element strides sy, sp; without weights
   (HW 0) the same sums with w = 1, its multiplications left out */
FL_AI void FL_T(fl_r2_column)(const T *y, const fl_intp sy, const T *p, const fl_intp sp,
                              const double *wb, fl_intp nr, double sw, double *out,
                              const int HW)
{
    double ay[FL_R2_LANES] = {0}, ae[FL_R2_LANES] = {0}, am[FL_R2_LANES] = {0};
#define FL_W(i) (HW ? wb[i] : 1.0)
    fl_intp r = 0;
    for (; r + FL_R2_LANES <= nr; r += FL_R2_LANES)
        for (int j = 0; j < FL_R2_LANES; j++) {
            const double yv = (double)y[(r + j) * sy];
            const double d = yv - (double)p[(r + j) * sp];
            ay[j] += HW ? FL_W(r + j) * yv : yv;
            ae[j] += HW ? FL_W(r + j) * d * d : d * d;
        }
    for (int j = 0; r < nr; r++, j++) {
        const double yv = (double)y[r * sy], d = yv - (double)p[r * sp];
        ay[j] += HW ? FL_W(r) * yv : yv;
        ae[j] += HW ? FL_W(r) * d * d : d * d;
    }
    double swy = 0, sse = 0, m2 = 0;
    for (int j = 0; j < FL_R2_LANES; j++) swy += ay[j], sse += ae[j];
    const double mb = sw != 0 ? swy / sw : 0.0;
    for (r = 0; r + FL_R2_LANES <= nr; r += FL_R2_LANES)
        for (int j = 0; j < FL_R2_LANES; j++) {
            const double d = (double)y[(r + j) * sy] - mb;
            am[j] += HW ? FL_W(r + j) * d * d : d * d;
        }
    for (int j = 0; r < nr; r++, j++) {
        const double d = (double)y[r * sy] - mb;
        am[j] += HW ? FL_W(r) * d * d : d * d;
    }
#undef FL_W
    for (int j = 0; j < FL_R2_LANES; j++) m2 += am[j];
    out[0] = swy;
    out[1] = sse;
    out[2] = m2;
}

FL_CLONES void FL_T(fl_r2_blocks)(const fl_r2_task *t, fl_intp b0, fl_intp b1)
{
    const fl_intp sy0 = t->sy0 / (fl_intp)sizeof(T), sy1 = t->sy1 / (fl_intp)sizeof(T);
    const fl_intp sp0 = t->sp0 / (fl_intp)sizeof(T), sp1 = t->sp1 / (fl_intp)sizeof(T);
    const int hw = t->w != NULL;
    double wb[FL_BLOCK];
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp r0 = b * FL_BLOCK, nr = t->n - r0 < FL_BLOCK ? t->n - r0 : FL_BLOCK;
        double sw = (double)nr; /* (the lanes' sum of nr ones) */
        if (hw) {
            for (fl_intp r = 0; r < nr; r++)
                wb[r] = (double)*(const T *)(t->w + (r0 + r) * t->sw);
            double a0[FL_R2_LANES] = {0};
            fl_intp r = 0;
            for (; r + FL_R2_LANES <= nr; r += FL_R2_LANES)
                for (int j = 0; j < FL_R2_LANES; j++) a0[j] += wb[r + j];
            for (int j = 0; r < nr; r++, j++) a0[j] += wb[r];
            sw = 0;
            for (int j = 0; j < FL_R2_LANES; j++) sw += a0[j];
        }
        t->bsw[b] = sw;
        for (fl_intp c = 0; c < t->m; c++) {
            const T *y = (const T *)t->y + r0 * sy0 + c * sy1;
            const T *p = (const T *)t->p + r0 * sp0 + c * sp1;
            double sums[3];
            /* (constant strides: vector loads) */
            if (sy0 == 1 && sp0 == 1 && hw)
                FL_T(fl_r2_column)(y, 1, p, 1, wb, nr, sw, sums, 1);
            else if (sy0 == 1 && sp0 == 1)
                FL_T(fl_r2_column)(y, 1, p, 1, wb, nr, sw, sums, 0);
            else
                FL_T(fl_r2_column)(y, sy0, p, sp0, wb, nr, sw, sums, hw);
            const double swy = sums[0], sse = sums[1], m2 = sums[2];
            const double mb = sw != 0 ? swy / sw : 0.0;
            double *o = t->part + (b * t->m + c) * 4;
            o[0] = swy;
            o[1] = sse;
            o[2] = m2;
            o[3] = mb;
        }
    }
}

/* Blocks [b0, b1) of fl_brier_run (fl_support.c): per block of FL_BLOCK rows,
   sum(w_i sum_j (t_ij - p_ij)^2) with t_i the one-hot row of label y_i (no
   cancellation: the label's own term is (1 - p)^2).  FL_BRIER_LANES rows at
   a time, each row's sum over its classes in class order, the lanes (row mod
   the lanes) added in a fixed order. */
#ifndef FL_BRIER_LANES
#define FL_BRIER_LANES 8
#endif
FL_AI double FL_T(fl_brier_row)(const T *row, fl_intp s1, fl_intp k, int64_t y)
{
    double s = 0;
    for (fl_intp j = 0; j < k; j++) {
        const double d = (double)row[j * s1] - (j == y ? 1.0 : 0.0);
        s += d * d;
    }
    return s;
}

FL_CLONES void FL_T(fl_brier_blocks)(const fl_brier_task *t, fl_intp b0, fl_intp b1)
{
    const fl_intp s0 = t->sp0 / (fl_intp)sizeof(T), s1 = t->sp1 / (fl_intp)sizeof(T), k = t->k;
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp r0 = b * FL_BLOCK, nr = t->n - r0 < FL_BLOCK ? t->n - r0 : FL_BLOCK;
        const T *p = (const T *)t->p + r0 * s0;
        const int64_t *y = t->y + r0;
        const double *w = t->w ? t->w + r0 : NULL;
        double acc[FL_BRIER_LANES] = {0};
        fl_intp r = 0;
        for (; r + FL_BRIER_LANES <= nr; r += FL_BRIER_LANES) {
            double s[FL_BRIER_LANES] = {0};
            int64_t yl[FL_BRIER_LANES];
            for (int l = 0; l < FL_BRIER_LANES; l++) yl[l] = y[r + l];
            for (fl_intp j = 0; j < k; j++)
                for (int l = 0; l < FL_BRIER_LANES; l++) {
                    const double d = (double)p[(r + l) * s0 + j * s1] - (j == yl[l] ? 1.0 : 0.0);
                    s[l] += d * d;
                }
            for (int l = 0; l < FL_BRIER_LANES; l++) acc[l] += (w ? w[r + l] : 1.0) * s[l];
        }
        for (int l = 0; r < nr; r++, l++)
            acc[l] += (w ? w[r] : 1.0) * FL_T(fl_brier_row)(p + r * s0, s1, k, y[r]);
        double tot = 0;
        for (int l = 0; l < FL_BRIER_LANES; l++) tot += acc[l];
        t->part[b] = tot;
    }
}

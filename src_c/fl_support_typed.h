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

/* exp (fn 0), log (1) or log1p (2) of n values, vectorized as in the kernels */
FL_CLONES void FL_T(fl_vmath)(int fn, const T *restrict x, T *restrict y, fl_intp n)
{
    if (fn == 0)
        for (fl_intp i = 0; i < n; i++) y[i] = FL_EXP(x[i]);
    else if (fn == 1)
        for (fl_intp i = 0; i < n; i++) y[i] = FL_LOG(x[i]);
    else
        for (fl_intp i = 0; i < n; i++) y[i] = FL_LOG1P(x[i]);
}

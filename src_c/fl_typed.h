/*
 * fastloss — helpers typed on the storage type T (a template: no include
 * guard; included once per dtype with T and FL_T(name) defined, FL_T adding
 * the dtype's suffix: fl_sumlanes_f64, fl_sumlanes_f32).
 */

/* sum of m values in the fixed lanes, in float64 */
FL_AI double FL_T(fl_sumlanes)(const T *restrict x, fl_intp m)
{
    double a[FL_LANES] = {0};
    fl_intp i = 0;
    for (; i + FL_LANES <= m; i += FL_LANES)
        for (int j = 0; j < FL_LANES; j++) a[j] += (double)x[i + j];
    for (int j = 0; i < m; i++, j++) a[j] += (double)x[i];
    return fl_lanetree(a);
}

/* sum of |x| in the same lanes */
FL_AI double FL_T(fl_sumabslanes)(const T *restrict x, fl_intp m)
{
    double a[FL_LANES] = {0};
    fl_intp i = 0;
    for (; i + FL_LANES <= m; i += FL_LANES)
        for (int j = 0; j < FL_LANES; j++) a[j] += (double)FL_ABS(x[i + j]);
    for (int j = 0; i < m; i++, j++) a[j] += (double)FL_ABS(x[i]);
    return fl_lanetree(a);
}

/* m values from byte stride s starting at element i0: a pointer into the
   array when it is contiguous, else gathered into buf */
FL_AI const T *FL_T(fl_gather)(const char *base, fl_intp s, fl_intp i0, fl_intp m, T *buf)
{
    if (s == (fl_intp)sizeof(T)) return (const T *)base + i0;
    const char *q = base + i0 * s;
    for (fl_intp i = 0; i < m; i++) buf[i] = *(const T *)(q + i * s);
    return buf;
}

/* the reverse: m values of buf to byte stride s from element i0 */
FL_AI void FL_T(fl_scatter)(char *base, fl_intp s, fl_intp i0, fl_intp m, const T *buf)
{
    char *q = base + i0 * s;
    for (fl_intp i = 0; i < m; i++) *(T *)(q + i * s) = buf[i];
}

/*
 * fastloss — the row driver, for one dtype.
 *
 * A template (no include guard): fl_rows_kernels.c includes it once per
 * dtype, with T and FL_T defined (see fl_typed.h).  For each row loss of the table it
 * defines FL_T(fl_rows_blocks_<name>), which processes a range of blocks of
 * FL_ROWBLOCK rows.  A block's labels are read and checked first (a label
 * outside [0, k) is never used as an index: the row is marked bad and reads
 * column 0); the block is then worked in chunks of rows whose values fit a
 * FL_CHUNK buffer, each made contiguous (a pointer when the rows already are,
 * a gather otherwise) and handed to the loss's stage (fl_row_losses.h).  The
 * block's row losses are then weighted, stored and summed in the fixed lanes.
 */
#include "fl_typed.h"

#define FL_CHUNK 1024

/* rows [c0, c0 + R) of a 2-D strided array as a contiguous R*k chunk */
FL_AI const T *FL_T(fl_chunk)(const char *base, fl_intp s0, fl_intp s1, fl_intp c0, fl_intp R,
                              fl_intp k, T *buf)
{
    if (s1 == (fl_intp)sizeof(T) && s0 == k * (fl_intp)sizeof(T))
        return (const T *)(base + c0 * s0);
    for (fl_intp r = 0; r < R; r++)
        for (fl_intp j = 0; j < k; j++)
            buf[r * k + j] = *(const T *)(base + (c0 + r) * s0 + j * s1);
    return buf;
}

/* the reverse: a contiguous R*k chunk to rows [c0, c0 + R) of a strided array */
FL_AI void FL_T(fl_chunk_scatter)(char *base, fl_intp s0, fl_intp s1, fl_intp c0, fl_intp R,
                                  fl_intp k, const T *buf)
{
    for (fl_intp r = 0; r < R; r++)
        for (fl_intp j = 0; j < k; j++)
            *(T *)(base + (c0 + r) * s0 + j * s1) = buf[r * k + j];
}

/* Row reductions with 4 independent partial results (j mod 4), combined in a
   fixed order: short dependency chains for short rows.  The max skips NaN
   (a NaN row still ends NaN through its exp-sum); sums are float64. */
FL_AI T FL_T(fl_rowmax)(const T *restrict z, fl_intp k)
{
    T m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;
    fl_intp j = 0;
    for (; j + 4 <= k; j += 4) {
        m0 = z[j] > m0 ? z[j] : m0;
        m1 = z[j + 1] > m1 ? z[j + 1] : m1;
        m2 = z[j + 2] > m2 ? z[j + 2] : m2;
        m3 = z[j + 3] > m3 ? z[j + 3] : m3;
    }
    for (; j < k; j++) m0 = z[j] > m0 ? z[j] : m0;
    m0 = m1 > m0 ? m1 : m0;
    m2 = m3 > m2 ? m3 : m2;
    return m2 > m0 ? m2 : m0;
}

FL_AI double FL_T(fl_rowsum)(const T *restrict e, fl_intp k)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    fl_intp j = 0;
    for (; j + 4 <= k; j += 4) {
        s0 += (double)e[j];
        s1 += (double)e[j + 1];
        s2 += (double)e[j + 2];
        s3 += (double)e[j + 3];
    }
    for (; j < k; j++) s0 += (double)e[j];
    return (s0 + s1) + (s2 + s3);
}

/* buf[i] = log(buf[i]) (or exp) for i < n, in whole groups of FL_LANES (buf
   padded with pad up to the group; the buffers have FL_LANES of slack): every
   value goes through the same vector code wherever a chunk boundary falls,
   so a value never depends on how the input was split into blocks or batches. */
#if defined(FL_OWN_VMATH_V4)
/* at the AVX-512 level, the vectors go through fl_vmath_v4.h's functions
   inlined (the same code the vectorized loops call, without the calls) */
#define FL_VPASS(buf, nl, F64, F32)                                                   \
    do {                                                                              \
        if (sizeof(T) == 8)                                                           \
            for (fl_intp i0 = 0; i0 < (nl); i0 += 8)                                  \
                _mm512_storeu_pd((double *)(buf) + i0,                                \
                                 F64(_mm512_loadu_pd((const double *)(buf) + i0)));   \
        else                                                                          \
            for (fl_intp i0 = 0; i0 < (nl); i0 += 16)                                 \
                _mm512_storeu_ps((float *)(buf) + i0,                                 \
                                 F32(_mm512_loadu_ps((const float *)(buf) + i0)));    \
    } while (0)
#endif

FL_AI void FL_T(fl_vlog)(T *buf, fl_intp n, T pad)
{
    const fl_intp nl = (n + FL_LANES - 1) / FL_LANES * FL_LANES;
    for (fl_intp i = n; i < nl; i++) buf[i] = pad;
#if defined(FL_OWN_VMATH_V4)
    FL_VPASS(buf, nl, fl_v4_log, fl_v4_logf);
#else
    for (fl_intp i0 = 0; i0 < nl; i0 += FL_LANES)
        for (int j = 0; j < FL_LANES; j++) buf[i0 + j] = FL_LOG(buf[i0 + j]);
#endif
}

FL_AI void FL_T(fl_vexp)(T *buf, fl_intp n, T pad)
{
    const fl_intp nl = (n + FL_LANES - 1) / FL_LANES * FL_LANES;
    for (fl_intp i = n; i < nl; i++) buf[i] = pad;
#if defined(FL_OWN_VMATH_V4)
    FL_VPASS(buf, nl, fl_v4_exp, fl_v4_expf);
#else
    for (fl_intp i0 = 0; i0 < nl; i0 += FL_LANES)
        for (int j = 0; j < FL_LANES; j++) buf[i0 + j] = FL_EXP(buf[i0 + j]);
#endif
}

#include "fl_row_losses.h"

typedef void (*FL_T(fl_row_fn))(FL_T(fl_row_stage) *s);

/* The sums (sum, sum of magnitudes) of den[r] over the nr rows of a block:
   the sample weight (w, or 1), times the label's class weight where the mean
   divides by them (cwr: those weights gathered already, or NULL), 0 for an
   ignored row. */
FL_AI void FL_T(fl_row_den)(const fl_rows_job *job, const T *w, const fl_intp *lab,
                            const double *cwr, const fl_intp *ign, int nign, fl_intp nr,
                            double *den, fl_part *pt)
{
    const T *cw = job->cw && job->cw_den ? (const T *)job->cw : NULL;
    if (cw && cwr)
        for (fl_intp r = 0; r < nr; r++) den[r] = cwr[r];
    else if (cw)
        for (fl_intp r = 0; r < nr; r++) den[r] = (double)cw[lab[r]];
    else
        for (fl_intp r = 0; r < nr; r++) den[r] = 1.0;
    if (w)
        for (fl_intp r = 0; r < nr; r++) den[r] *= (double)w[r];
    if (nign)
        for (fl_intp r = 0; r < nr; r++) den[r] = ign[r] ? 0.0 : den[r];
    pt->sw = FL_CAT(fl_sumlanes_f64, FL_SFX)(den, nr);
    pt->swa = w ? FL_CAT(fl_sumabslanes_f64, FL_SFX)(den, nr) : pt->sw; /* (class weights are >= 0) */
}

/* Blocks [b0, b1) of a row job for one loss (one driver for every loss: it
   calls the loss's stage once per chunk). */
static __attribute__((noinline, noclone)) void FL_T(fl_rows_blocks)(FL_T(fl_row_fn) stage,
                                                                    const fl_rows_job *job,
                                                                    fl_intp b0, fl_intp b1,
                                                                    fl_part *part)
{
    const fl_intp k = job->k;
    const fl_intp cap = k > FL_CHUNK ? k : FL_CHUNK;
    T stz[FL_CHUNK], stt[FL_CHUNK], stg[FL_CHUNK], sth[FL_CHUNK];
    T ste[FL_CHUNK + FL_LANES], stzb[FL_CHUNK + FL_LANES];
    T *zbuf = stz, *tb = stt, *gbuf = stg, *hbuf = sth;
    T *eb = ste, *zb = stzb;
    char *heap = NULL;
    if (cap > FL_CHUNK) { /* a row longer than the stack buffers */
        heap = (char *)malloc((size_t)cap * 4 * sizeof(T) + (size_t)(cap + FL_LANES) * 2 * sizeof(T));
        if (!heap) {
            for (fl_intp b = b0; b < b1; b++) part[b].bad = FL_PART_NOMEM;
            return;
        }
        zbuf = (T *)heap;
        tb = zbuf + cap;
        gbuf = tb + cap;
        hbuf = gbuf + cap;
        eb = hbuf + cap;
        zb = eb + cap + FL_LANES;
    }
    /* rows per chunk: whole groups of FL_LANES where they fit (a stage that
       works across rows pads the last group; chunk boundaries never change
       a value) */
    const fl_intp RF = cap / k < FL_ROWBLOCK ? cap / k : FL_ROWBLOCK;
    const fl_intp RC = RF >= FL_LANES ? RF / FL_LANES * FL_LANES : RF;
    T wbuf[FL_ROWBLOCK];
    double rl[FL_ROWBLOCK], f[FL_ROWBLOCK], cwr[FL_ROWBLOCK], den[FL_ROWBLOCK];
    fl_intp lab[FL_ROWBLOCK];
    fl_intp ign[FL_ROWBLOCK];
    /* class weights: per row by the driver (cw_row) or per class by the stage */
    const T *cw = (const T *)job->cw;
    const int row_cw = cw && job->cw_row && job->lab;
    FL_T(fl_row_stage) s;
    s.k = k;
    for (int i = 0; i < FL_MAX_OPTS; i++) s.o[i] = (T)job->opt[i];
    s.targets = s.preds = FL_DOM_ANY; /* (the loss's call sets its own) */
    s.eb = eb;
    s.zb = zb;
    s.cw = row_cw ? NULL : cw;
    s.wv = job->want_sum || job->lo != NULL;
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp r0 = b * FL_ROWBLOCK;
        const fl_intp nr = job->n - r0 < FL_ROWBLOCK ? job->n - r0 : FL_ROWBLOCK;
        const T *w = job->w ? FL_T(fl_gather)(job->w, job->sw, r0, nr, wbuf) : NULL;
        int nign = 0;
        s.bad = -1;
        if (job->lab) fl_labels_checked(job, r0, nr, lab, ign, &nign, &s.bad);
        for (fl_intp r = 0; r < nr; r++) f[r] = job->gscale * (w ? (double)w[r] : 1.0);
        if (row_cw) {
            for (fl_intp r = 0; r < nr; r++) cwr[r] = (double)cw[lab[r]];
            if (job->g)
                for (fl_intp r = 0; r < nr; r++) f[r] *= cwr[r];
        }
        for (fl_intp c = 0; c < nr; c += RC) {
            const fl_intp c0 = r0 + c, R = nr - c < RC ? nr - c : RC;
            s.c0 = c0;
            s.R = R;
            s.z = FL_T(fl_chunk)(job->p, job->sp0, job->sp1, c0, R, k, zbuf);
            s.t = job->t ? FL_T(fl_chunk)(job->t, job->st0, job->st1, c0, R, k, tb) : NULL;
            s.lab = job->lab ? lab + c : NULL;
            s.ign = nign ? ign + c : NULL;
            s.f = f + c;
            s.rl = rl + c;
            s.gc = NULL;
            if (job->g)
                s.gc = (job->sg1 == (fl_intp)sizeof(T) && job->sg0 == k * (fl_intp)sizeof(T))
                       ? (T *)(job->g + c0 * job->sg0) : gbuf;
            s.hc = NULL;
            if (job->g && job->h)
                s.hc = (job->sh1 == (fl_intp)sizeof(T) && job->sh0 == k * (fl_intp)sizeof(T))
                       ? (T *)(job->h + c0 * job->sh0) : hbuf;
            stage(&s);
            if (nign && (s.gc || s.hc)) /* an ignored row's gradient and Hessian are 0 */
                for (fl_intp r = 0; r < R; r++)
                    if (ign[c + r])
                        for (fl_intp j = 0; j < k; j++) {
                            if (s.gc) s.gc[r * k + j] = 0;
                            if (s.hc) s.hc[r * k + j] = 0;
                        }
            if (s.gc == gbuf) FL_T(fl_chunk_scatter)(job->g, job->sg0, job->sg1, c0, R, k, gbuf);
            if (s.hc == hbuf) FL_T(fl_chunk_scatter)(job->h, job->sh0, job->sh1, c0, R, k, hbuf);
        }
        part[b].bad = s.bad;
        if (!s.wv) continue;
        if (row_cw)
            for (fl_intp r = 0; r < nr; r++) rl[r] *= cwr[r];
        if (w)
            for (fl_intp r = 0; r < nr; r++) rl[r] *= (double)w[r];
        if (nign) /* an ignored row adds nothing, whatever its weight */
            for (fl_intp r = 0; r < nr; r++) rl[r] = ign[r] ? 0.0 : rl[r];
        if (job->lo)
            for (fl_intp r = 0; r < nr; r++) *(T *)(job->lo + (r0 + r) * job->slo) = (T)rl[r];
        if (job->want_sum) {
            part[b].s = FL_CAT(fl_sumlanes_f64, FL_SFX)(rl, nr);
            if (fl_den_rows(job))
                FL_T(fl_row_den)(job, w, lab, row_cw ? cwr : NULL, ign, nign, nr, den, part + b);
            else {
                part[b].sw = w ? FL_T(fl_sumlanes)(w, nr) : (double)nr;
                part[b].swa = w ? FL_T(fl_sumabslanes)(w, nr) : (double)nr;
            }
        }
    }
    free(heap);
}

/* Blocks [b0, b1) of the denominator of a job's "mean" (fl_rows_den_run):
   the sums of fl_row_den's factors, as the loss kernels sum them. */
FL_CLONES void FL_T(fl_rows_den_blocks)(const void *vjob, fl_intp b0, fl_intp b1, fl_part *part)
{
    const fl_rows_job *job = (const fl_rows_job *)vjob;
    T wbuf[FL_ROWBLOCK];
    double den[FL_ROWBLOCK];
    fl_intp lab[FL_ROWBLOCK];
    fl_intp ign[FL_ROWBLOCK];
    for (fl_intp b = b0; b < b1; b++) {
        const fl_intp r0 = b * FL_ROWBLOCK;
        const fl_intp nr = job->n - r0 < FL_ROWBLOCK ? job->n - r0 : FL_ROWBLOCK;
        const T *w = job->w ? FL_T(fl_gather)(job->w, job->sw, r0, nr, wbuf) : NULL;
        int nign = 0;
        fl_intp bad = -1; /* (invalid labels are the loss kernel's to report) */
        fl_labels_checked(job, r0, nr, lab, ign, &nign, &bad);
        FL_T(fl_row_den)(job, w, lab, NULL, ign, nign, nr, den, part + b);
        part[b].s = 0;
        part[b].bad = -1;
    }
}

/* one block function per row loss of the table: the shared driver above
   with the loss's stage, which is compiled with the loss's domains as
   constants (its checks and loops specialised on them) */
#define FL_ROW_INSTANCE(name, TG, PR)                                                       \
    static void FL_T(fl_row_call_##name)(FL_T(fl_row_stage) *s)                            \
    {                                                                                      \
        FL_T(fl_row_stage) c = *s;                                                         \
        c.targets = TG;                                                                    \
        c.preds = PR;                                                                      \
        FL_T(fl_row_##name)(&c);                                                           \
        s->bad = c.bad;                                                                    \
    }                                                                                      \
    FL_CLONES void FL_T(fl_rows_blocks_##name)(const void *job, fl_intp b0, fl_intp b1,   \
                                               fl_part *part)                              \
    {                                                                                      \
        FL_T(fl_rows_blocks)(FL_T(fl_row_call_##name), (const fl_rows_job *)job, b0, b1,   \
                             part);                                                        \
    }
FL_ROW_TABLE(FL_ROW_INSTANCE)
#undef FL_ROW_INSTANCE

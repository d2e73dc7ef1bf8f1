/*
 * fastloss — row losses: n rows of k classes (classes on the last axis).
 *
 * A block is FL_ROWBLOCK rows (the fixed unit of summation: row losses are
 * summed in FL_LANES lanes and a fixed tree, block sums in block order).  A
 * block is worked in chunks of rows whose values fit a FL_CHUNK buffer; each
 * chunk is made contiguous (a pointer when the rows already are, a gather
 * otherwise), so the transcendental stage runs as one flat, vectorized loop
 * across rows (libmvec exp/log), and the per-row stages are short loops.
 *
 * Per loss, FL_ROWCHUNK_<name> computes, for the rows of one chunk, the row
 * losses (unweighted) into rl[], the gradient rows scaled by f[r] = gscale *
 * w[r] into gc[] (when wanted), and the first row with an invalid target.
 * Integer labels outside [0, k) are never used as an index: the row is
 * marked bad and read at column 0.
 */
#include "fl_common.h"
#include "fl_losses.h"

#define FL_CHUNK 1024

FL_AI int64_t fl_label(const fl_rows_job *job, fl_intp r)
{
    const char *q = job->lab + r * job->slab;
    switch (job->lab_kind) {
    case FL_LAB_I8: return *(const int8_t *)q;
    case FL_LAB_U8: return *(const uint8_t *)q;
    case FL_LAB_I16: return *(const int16_t *)q;
    case FL_LAB_U16: return *(const uint16_t *)q;
    case FL_LAB_I32: return *(const int32_t *)q;
    case FL_LAB_U32: return *(const uint32_t *)q;
    case FL_LAB_I64: return *(const int64_t *)q;
    case FL_LAB_U64: {
        const uint64_t v = *(const uint64_t *)q;
        return v > (uint64_t)INT64_MAX ? -1 : (int64_t)v;
    }
    default: return -1;
    }
}

/* the label of row r, or 0 (and *bad set) if it is outside [0, k) */
FL_AI fl_intp fl_label_checked(const fl_rows_job *job, fl_intp r, fl_intp *bad)
{
    const int64_t y = fl_label(job, r);
    if (y < 0 || y >= (int64_t)job->k) {
        if (*bad < 0) *bad = r;
        return 0;
    }
    return (fl_intp)y;
}

/* rows [c0, c0 + R) of a 2-D strided array as a contiguous R*k chunk */
#define FL_DEFINE_CHUNK_GATHER(T, SUF)                                          \
    FL_AI const T *fl_chunk_##SUF(const char *base, fl_intp s0, fl_intp s1,    \
                                  fl_intp c0, fl_intp R, fl_intp k, T *buf)    \
    {                                                                          \
        if (s1 == (fl_intp)sizeof(T) && s0 == k * (fl_intp)sizeof(T))          \
            return (const T *)(base + c0 * s0);                                \
        for (fl_intp r = 0; r < R; r++)                                        \
            for (fl_intp j = 0; j < k; j++)                                    \
                buf[r * k + j] = *(const T *)(base + (c0 + r) * s0 + j * s1);  \
        return buf;                                                            \
    }                                                                          \
    FL_AI void fl_chunk_scatter_##SUF(char *base, fl_intp s0, fl_intp s1,      \
                                      fl_intp c0, fl_intp R, fl_intp k,        \
                                      const T *buf)                            \
    {                                                                          \
        for (fl_intp r = 0; r < R; r++)                                        \
            for (fl_intp j = 0; j < k; j++)                                    \
                *(T *)(base + (c0 + r) * s0 + j * s1) = buf[r * k + j];        \
    }
FL_DEFINE_CHUNK_GATHER(double, f64)
FL_DEFINE_CHUNK_GATHER(float, f32)

/* Row reductions with 4 independent partial results (j mod 4), combined in a
   fixed order: short dependency chains for short rows.  The max skips NaN
   (a NaN row still ends NaN through its exp-sum); sums are float64. */
#define FL_DEFINE_ROWRED(T, SUF)                                                \
    FL_AI T fl_rowmax_##SUF(const T *restrict z, fl_intp k)                    \
    {                                                                          \
        T m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;      \
        fl_intp j = 0;                                                         \
        for (; j + 4 <= k; j += 4) {                                           \
            m0 = z[j] > m0 ? z[j] : m0;                                        \
            m1 = z[j + 1] > m1 ? z[j + 1] : m1;                                \
            m2 = z[j + 2] > m2 ? z[j + 2] : m2;                                \
            m3 = z[j + 3] > m3 ? z[j + 3] : m3;                                \
        }                                                                      \
        for (; j < k; j++) m0 = z[j] > m0 ? z[j] : m0;                         \
        m0 = m1 > m0 ? m1 : m0;                                                \
        m2 = m3 > m2 ? m3 : m2;                                                \
        return m2 > m0 ? m2 : m0;                                              \
    }                                                                          \
    FL_AI double fl_rowsum_##SUF(const T *restrict e, fl_intp k)               \
    {                                                                          \
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                 \
        fl_intp j = 0;                                                         \
        for (; j + 4 <= k; j += 4) {                                           \
            s0 += (double)e[j];                                                \
            s1 += (double)e[j + 1];                                            \
            s2 += (double)e[j + 2];                                            \
            s3 += (double)e[j + 3];                                            \
        }                                                                      \
        for (; j < k; j++) s0 += (double)e[j];                                 \
        return (s0 + s1) + (s2 + s3);                                          \
    }
FL_DEFINE_ROWRED(double, f64)
FL_DEFINE_ROWRED(float, f32)
#define FL_ROWMAX(x, k) _Generic((x), const float *: fl_rowmax_f32, float *: fl_rowmax_f32, \
                                 default: fl_rowmax_f64)(x, k)
#define FL_ROWSUM(x, k) _Generic((x), const float *: fl_rowsum_f32, float *: fl_rowsum_f32, \
                                 default: fl_rowsum_f64)(x, k)

/* buf[i] = F(buf[i]) for i < n, in whole groups of FL_LANES (buf padded with
   pad up to the group; buffers have FL_LANES of slack): every element goes
   through the same vector code, wherever a chunk boundary falls, so a value
   never depends on how the input was split into blocks or batches. */
#define FL_VMAP(buf, n, pad, F)                                                 \
    {                                                                           \
        const fl_intp n_ = (n), nl_ = (n_ + FL_LANES - 1) / FL_LANES * FL_LANES; \
        for (fl_intp i_ = n_; i_ < nl_; i_++) (buf)[i_] = (pad);                \
        for (fl_intp i0_ = 0; i0_ < nl_; i0_ += FL_LANES)                       \
            for (int j_ = 0; j_ < FL_LANES; j_++)                               \
                (buf)[i0_ + j_] = F((buf)[i0_ + j_]);                           \
    }

/* ---- per-loss chunk stages ---------------------------------------------
   In scope: job, T, CT, SUF, k, R (rows in chunk), c0 (first row), z (chunk
   of predictions), tb/zb/eb buffers, f[] (row gradient factors), gc (chunk
   gradient or NULL), rl (row losses), bad, o0, o1. */

/* -sum_j t_j log(clip(p_j)); gradient -t / clip(p) */
#define FL_ROWCHUNK_categorical_cross_entropy(T, CT, SUF)                       \
    {                                                                           \
        const T *t = fl_chunk_##SUF(job->t, job->st0, job->st1, c0, R, k, tb);  \
        const CT e = o0 > FL_EPS_MIN(CT) ? o0 : FL_EPS_MIN(CT);                 \
        const fl_intp nk = R * k;                                               \
        int nbad = 0;                                                           \
        for (fl_intp i = 0; i < nk; i++) {                                      \
            const CT tt = (CT)t[i], pp = (CT)z[i];                              \
            const CT q = pp < e ? e : (pp > 1 - e ? 1 - e : pp);                \
            nbad += !FL_UNIT(tt) | (pp < 0) | (pp > 1); /* (NaN p: no) */      \
            eb[i] = q;                                                          \
            if (gc) zb[i] = -tt / q;                                            \
        }                                                                       \
        FL_VMAP(eb, nk, (CT)1, FL_LOG)                                          \
        for (fl_intp i = 0; i < nk; i++) eb[i] *= (CT)t[i];                     \
        for (fl_intp r = 0; r < R; r++) {                                       \
            rl[r] = -FL_ROWSUM(eb + r * k, k); /* float64 whatever the storage */ \
            if (gc)                                                             \
                for (fl_intp j = 0; j < k; j++) gc[r * k + j] = (T)(f[r] * zb[r * k + j]); \
        }                                                                       \
        if (nbad && bad < 0)                                                    \
            for (fl_intp i = 0; i < nk; i++)                                    \
                if (!(FL_UNIT((CT)t[i]) & FL_PROB_OK((CT)z[i]))) {              \
                    bad = c0 + i / k;                                           \
                    break;                                                      \
                }                                                               \
    }

/* -log(clip(p[label])); gradient -1/clip(p[label]) at the label, 0 elsewhere.
   The probability it reads (the label's) must lie in [0, 1] (NaN propagates);
   the row's other entries do not enter the loss or its gradient. */
#define FL_ROWCHUNK_sparse_categorical_cross_entropy(T, CT, SUF)                \
    {                                                                           \
        const CT e = o0 > FL_EPS_MIN(CT) ? o0 : FL_EPS_MIN(CT);                 \
        fl_intp lab[FL_CHUNK];                                                  \
        for (fl_intp r = 0; r < R; r++) { /* the gather: one value a row */     \
            lab[r] = fl_label_checked(job, c0 + r, &bad);                       \
            zb[r] = (CT)z[r * k + lab[r]];                                      \
        }                                                                       \
        int nbadp = 0;                                                          \
        for (fl_intp r = 0; r < R; r++) { /* check and clip: a vector loop */   \
            const CT pp = zb[r];                                                \
            nbadp += !FL_PROB_OK(pp);                                           \
            eb[r] = pp < e ? e : (pp > 1 - e ? 1 - e : pp);                     \
        }                                                                       \
        if (nbadp) /* the first such row, unless a smaller row is bad already */ \
            for (fl_intp r = 0; r < R && (bad < 0 || c0 + r < bad); r++)        \
                if (!FL_PROB_OK((CT)z[r * k + lab[r]])) {                       \
                    bad = c0 + r;                                               \
                    break;                                                      \
                }                                                               \
        for (fl_intp r = 0; r < R; r++) zb[r] = eb[r];                          \
        FL_VMAP(zb, R, (CT)1, FL_LOG)                                           \
        for (fl_intp r = 0; r < R; r++) rl[r] = -(double)zb[r];                 \
        if (gc)                                                                 \
            for (fl_intp r = 0; r < R; r++) {                                   \
                for (fl_intp j = 0; j < k; j++) gc[r * k + j] = 0;              \
                gc[r * k + lab[r]] = (T)(-f[r] / eb[r]);                        \
            }                                                                   \
    }

/* log-softmax, max-shifted; target = labels or dense rows, smoothed by
   o0 = label_smoothing: t' = (1 - ls) t + ls / k.
   loss = sum_j t'_j (lse - z_j); gradient softmax(z) sum_j t'_j - t' */
#define FL_ROWCHUNK_softmax_cross_entropy(T, CT, SUF)                           \
    {                                                                           \
        const CT ls = o0, lsk = o0 / (CT)k, keep = 1 - o0;                      \
        const T *t = job->t ? fl_chunk_##SUF(job->t, job->st0, job->st1, c0, R, k, tb) : NULL; \
        CT mx[FL_CHUNK], sm[FL_CHUNK], si[FL_CHUNK];                            \
        for (fl_intp r = 0; r < R; r++) {                                       \
            const CT m = (CT)FL_ROWMAX(z + r * k, k);                           \
            mx[r] = m;                                                          \
            for (fl_intp j = 0; j < k; j++) eb[r * k + j] = (CT)z[r * k + j] - m; \
        }                                                                       \
        const fl_intp nk = R * k;                                               \
        FL_VMAP(eb, nk, (CT)0, FL_EXP)                                          \
        /* row sums in float64 whatever the storage */                          \
        for (fl_intp r = 0; r < R; r++) sm[r] = (CT)FL_ROWSUM(eb + r * k, k);   \
        for (fl_intp r = 0; r < R; r++) si[r] = 1 / sm[r];                      \
        FL_VMAP(sm, R, (CT)1, FL_LOG)                                           \
        for (fl_intp r = 0; r < R; r++) {                                       \
            /* with d_j = z_j - max (<= 0): loss = log(sum exp d) sum_j t'_j    \
               - sum_j t'_j d_j, free of cancellation for huge logits */        \
            const CT m = mx[r], lsum = sm[r], sinv = si[r]; /* 1 / sum exp d */ \
            CT loss, tsum;                                                      \
            fl_intp y = -1;                                                     \
            if (!t) {                                                           \
                y = fl_label_checked(job, c0 + r, &bad);                        \
                double dsum = 0;                                                \
                if (ls != 0)                                                    \
                    for (fl_intp j = 0; j < k; j++) dsum += (double)((CT)z[r * k + j] - m); \
                loss = lsum - keep * ((CT)z[r * k + y] - m) - (ls != 0 ? (CT)(lsk * dsum) : 0); \
                tsum = 1;                                                       \
            } else {                                                            \
                double td = 0, ts = 0;                                          \
                for (fl_intp j = 0; j < k; j++) {                               \
                    const CT tt = keep * (CT)t[r * k + j] + lsk;                \
                    ts += (double)tt;                                           \
                    td += (double)(tt * ((CT)z[r * k + j] - m));                \
                }                                                               \
                loss = (CT)((double)lsum * ts - td);                            \
                tsum = (CT)ts;                                                  \
            }                                                                   \
            rl[r] = (double)loss;                                               \
            if (gc) {                                                           \
                const CT fr = (CT)f[r], a = fr * sinv * tsum;                   \
                if (!t) {                                                       \
                    for (fl_intp j = 0; j < k; j++)                             \
                        gc[r * k + j] = (T)(a * eb[r * k + j] - fr * lsk);      \
                    gc[r * k + y] = (T)(a * eb[r * k + y] - fr * (keep + lsk)); \
                } else                                                          \
                    for (fl_intp j = 0; j < k; j++)                             \
                        gc[r * k + j] = (T)(a * eb[r * k + j]                   \
                                            - fr * (keep * (CT)t[r * k + j] + lsk)); \
            }                                                                   \
        }                                                                       \
        (void)ls;                                                               \
    }

/* Crammer-Singer: max(0, 1 - (s_y - max_{j != y} s_j)); subgradient +1 at
   the first arg-max rival, -1 at the label, where the margin is violated.
   A NaN anywhere in the row makes the row's loss and gradient NaN. */
#define FL_ROWCHUNK_multiclass_hinge(T, CT, SUF)                                \
    {                                                                           \
        /* per row: the two largest scores m1 >= m2 (m2 = m1 when the maximum \
           repeats) and a NaN flag, worked column by column across the rows   \
           of the chunk (independent rows side by side: vector lanes) */      \
        CT m1[FL_ROWBLOCK], m2[FL_ROWBLOCK], nf[FL_ROWBLOCK];                   \
        for (fl_intp r = 0; r < R; r++) m1[r] = m2[r] = -INFINITY, nf[r] = 0;   \
        for (fl_intp j = 0; j < k; j++)                                         \
            for (fl_intp r = 0; r < R; r++) {                                   \
                const CT v = (CT)z[r * k + j];                                  \
                nf[r] = v != v ? (CT)1 : nf[r];                                 \
                const CT lo = v < m1[r] ? v : m1[r];                            \
                m2[r] = lo > m2[r] ? lo : m2[r];                                \
                m1[r] = v > m1[r] ? v : m1[r];                                  \
            }                                                                   \
        for (fl_intp r = 0; r < R; r++) {                                       \
            const fl_intp y = fl_label_checked(job, c0 + r, &bad);              \
            const T *zr = z + r * k;                                            \
            const int nan = nf[r] != 0;                                         \
            /* the best rival: m1, unless the label holds it */                 \
            const CT zy = (CT)zr[y];                                            \
            const CT best = zy == m1[r] ? m2[r] : m1[r];                        \
            const CT margin = 1 - (zy - best);                                  \
            rl[r] = nan ? (double)NAN : (double)FL_POS(CT, margin);             \
            if (gc) {                                                           \
                for (fl_intp j = 0; j < k; j++) gc[r * k + j] = nan ? (T)NAN : (T)0; \
                if (!nan && margin > 0) {                                       \
                    fl_intp rival = 0; /* the first rival holding best */       \
                    while (rival < k && (rival == y || (CT)zr[rival] != best)) rival++; \
                    if (rival < k) gc[r * k + rival] = (T)f[r];                 \
                    gc[r * k + y] = (T)(-f[r]);                                 \
                }                                                               \
            }                                                                   \
        }                                                                       \
    }

/* ---- the row block template ------------------------------------------- */
#define FL_DEFINE_ROWS(NAME, T, SUF, CT)                                        \
    FL_CLONES void fl_rows_blocks_##NAME##_##SUF(const void *vjob, fl_intp b0,  \
                                                 fl_intp b1, fl_part *part)     \
    {                                                                           \
        const fl_rows_job *job = (const fl_rows_job *)vjob;                     \
        const fl_intp k = job->k;                                               \
        const CT o0 = (CT)job->opt[0], o1 = (CT)job->opt[1];                    \
        (void)o0; (void)o1;                                                     \
        const fl_intp cap = k > FL_CHUNK ? k : FL_CHUNK;                        \
        T stz[FL_CHUNK], stt[FL_CHUNK], stg[FL_CHUNK];                          \
        CT ste[FL_CHUNK + FL_LANES], stzb[FL_CHUNK + FL_LANES];                 \
        T *zbuf = stz, *tb = stt, *gbuf = stg;                                  \
        CT *eb = ste, *zb = stzb;                                               \
        char *heap = NULL;                                                      \
        if (cap > FL_CHUNK) { /* a row longer than the stack buffers */         \
            heap = (char *)malloc((size_t)cap * 3 * sizeof(T)                   \
                                  + (size_t)(cap + FL_LANES) * 2 * sizeof(CT)); \
            if (!heap) {                                                        \
                for (fl_intp b = b0; b < b1; b++) part[b].bad = -2;             \
                return;                                                         \
            }                                                                   \
            zbuf = (T *)heap; tb = zbuf + cap; gbuf = tb + cap;                 \
            eb = (CT *)(gbuf + cap); zb = eb + cap + FL_LANES;                  \
        }                                                                       \
        (void)tb; (void)zb;                                                     \
        const fl_intp RC = cap / k < FL_ROWBLOCK ? cap / k : FL_ROWBLOCK;       \
        T wbuf[FL_ROWBLOCK];                                                    \
        double rl[FL_ROWBLOCK], f[FL_ROWBLOCK];                                 \
        for (fl_intp b = b0; b < b1; b++) {                                     \
            const fl_intp r0 = b * FL_ROWBLOCK;                                 \
            const fl_intp nr = job->n - r0 < FL_ROWBLOCK ? job->n - r0 : FL_ROWBLOCK; \
            const T *w = job->w ? fl_gather_##SUF(job->w, job->sw, r0, nr, wbuf) : NULL; \
            for (fl_intp r = 0; r < nr; r++)                                    \
                f[r] = job->gscale * (w ? (double)w[r] : 1.0);                  \
            fl_intp bad = -1;                                                   \
            for (fl_intp c = 0; c < nr; c += RC) {                              \
                const fl_intp c0 = r0 + c, R = nr - c < RC ? nr - c : RC;       \
                const T *z = fl_chunk_##SUF(job->p, job->sp0, job->sp1, c0, R, k, zbuf); \
                T *gc = NULL;                                                   \
                if (job->g)                                                     \
                    gc = (job->sg1 == (fl_intp)sizeof(T) && job->sg0 == k * (fl_intp)sizeof(T)) \
                         ? (T *)(job->g + c0 * job->sg0) : gbuf;                \
                {                                                               \
                    double *rlc = rl + c;                                       \
                    const double *fc = f + c;                                   \
                    FL_ROWCHUNK_BODY(NAME, T, CT, SUF, rlc, fc)                 \
                }                                                               \
                if (gc == gbuf)                                                 \
                    fl_chunk_scatter_##SUF(job->g, job->sg0, job->sg1, c0, R, k, gbuf); \
            }                                                                   \
            part[b].bad = bad;                                                  \
            if (w)                                                              \
                for (fl_intp r = 0; r < nr; r++) rl[r] *= (double)w[r];         \
            if (job->lo)                                                        \
                for (fl_intp r = 0; r < nr; r++)                                \
                    *(T *)(job->lo + (r0 + r) * job->slo) = (T)rl[r];           \
            if (job->want_sum) {                                                \
                part[b].s = fl_sumlanes_f64(rl, nr);                            \
                part[b].sw = w ? fl_sumlanes_##SUF(w, nr) : (double)nr;         \
                part[b].swa = w ? fl_sumabslanes_##SUF(w, nr) : (double)nr;     \
            }                                                                   \
        }                                                                       \
        free(heap);                                                             \
    }

/* the chunk stage sees rl/f shifted to the chunk's first row */
#define FL_ROWCHUNK_BODY(NAME, T, CT, SUF, RL, F)                               \
    {                                                                           \
        double *rl = RL;                                                        \
        const double *f = F;                                                    \
        FL_ROWCHUNK_##NAME(T, CT, SUF)                                          \
    }

#define FL_INSTANTIATE_ROWS(NAME, CT32)          \
    FL_DEFINE_ROWS(NAME, double, f64, double)    \
    FL_DEFINE_ROWS(NAME, float, f32, CT32)
FL_ROW_LOSSES(FL_INSTANTIATE_ROWS)

#define FL_ROWS_TABLE_ROW(NAME, ...) {fl_rows_blocks_##NAME##_f64, fl_rows_blocks_##NAME##_f32},
static const fl_blocks_fn fl_rows_table[][2] = {FL_ROW_LOSSES(FL_ROWS_TABLE_ROW)};

int fl_rows_run(int loss, int f32, const fl_rows_job *job, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= (int)(sizeof(fl_rows_table) / sizeof(fl_rows_table[0])) || job->k < 1)
        return FL_BADARG;
    int rc = fl_run_blocks(fl_rows_table[loss][f32 ? 1 : 0], job,
                           (job->n + FL_ROWBLOCK - 1) / FL_ROWBLOCK, par, job->want_sum, res);
    return rc;
}

/*
 * fastloss — the row losses' kernels (n rows of k classes, classes on the
 * last axis), of one instruction-set level (FL_LEVEL): the block function of
 * every row loss in the table (the row driver of fl_rows_template.h with the
 * loss's stage from fl_row_losses.h, expanded per dtype).  fl_rows.c runs them.
 *
 * A block is FL_ROWBLOCK rows, the fixed unit of summation (row losses are
 * summed in the fixed lanes, block sums in block order).
 */
#include "fl_blocks.h"
#include "fl_table.h"

/* the label at q, of integer kind `kind` (FL_LAB_*; a uint64 beyond int64
   reads INT64_MIN, which no valid or ignored label equals) */
FL_AI int64_t fl_label_at(const char *q, const int kind)
{
    switch (kind) {
    case FL_LAB_I8: return *(const int8_t *)q;
    case FL_LAB_U8: return *(const uint8_t *)q;
    case FL_LAB_I16: return *(const int16_t *)q;
    case FL_LAB_U16: return *(const uint16_t *)q;
    case FL_LAB_I32: return *(const int32_t *)q;
    case FL_LAB_U32: return *(const uint32_t *)q;
    case FL_LAB_I64: return *(const int64_t *)q;
    case FL_LAB_U64: {
        const uint64_t v = *(const uint64_t *)q;
        return v > (uint64_t)INT64_MAX ? INT64_MIN : (int64_t)v;
    }
    default: return INT64_MIN;
    }
}

/* The labels of rows [c0, c0 + R) into lab[], for a constant `kind` (the
   switch above folds away) and byte stride st: a row labelled job->ignore
   (when ignore_on) reads 0 and is flagged in ign[] (the count added to
   *nign); another label outside [0, k) reads 0 and, unless an earlier row is
   bad already, makes *bad its row. */
FL_AI void fl_labels_kind(const fl_rows_job *job, fl_intp c0, fl_intp R, fl_intp *restrict lab,
                          fl_intp *restrict ign, int *nign, fl_intp *bad, const int kind,
                          const fl_intp st)
{
    const char *q = job->lab + c0 * job->slab;
    const int64_t k = (int64_t)job->k, iv = job->ignore;
    const int ion = job->ignore_on;
    fl_intp nbad = 0, nig = 0;
    if (!ion)
        for (fl_intp r = 0; r < R; r++) {
            const int64_t y = fl_label_at(q + r * st, kind);
            const fl_intp ok = (y >= 0) & (y < k);
            nbad += !ok;
            lab[r] = ok ? (fl_intp)y : 0;
        }
    else /* (the flags as wide as the labels: one vector loop) */
        for (fl_intp r = 0; r < R; r++) {
            const int64_t y = fl_label_at(q + r * st, kind);
            const fl_intp ok = (y >= 0) & (y < k), ig = y == iv;
            nbad += !(ok | ig);
            nig += ig;
            ign[r] = ig;
            lab[r] = ok & !ig ? (fl_intp)y : 0;
        }
    *nign += (int)nig;
    if (nbad && *bad < 0)
        for (fl_intp r = 0; r < R; r++) {
            const int64_t y = fl_label_at(q + r * st, kind);
            if ((y < 0 || y >= k) && !(ion && y == iv)) {
                *bad = c0 + r;
                break;
            }
        }
}

/* the bytes of a label of integer kind `kind` */
FL_AI fl_intp fl_label_size(const int kind)
{
    return kind == FL_LAB_I8 || kind == FL_LAB_U8 ? 1
         : kind == FL_LAB_I16 || kind == FL_LAB_U16 ? 2
         : kind == FL_LAB_I32 || kind == FL_LAB_U32 ? 4 : 8;
}

/* contiguous labels (a constant stride: plain vector loads) or strided ones */
FL_AI void fl_labels_strided(const fl_rows_job *job, fl_intp c0, fl_intp R,
                             fl_intp *restrict lab, fl_intp *restrict ign, int *nign,
                             fl_intp *bad, const int kind)
{
    if (job->slab == fl_label_size(kind))
        fl_labels_kind(job, c0, R, lab, ign, nign, bad, kind, fl_label_size(kind));
    else
        fl_labels_kind(job, c0, R, lab, ign, nign, bad, kind, job->slab);
}

/* the same for the job's kind of labels (each case a constant kind) */
FL_AI void fl_labels_checked(const fl_rows_job *job, fl_intp c0, fl_intp R,
                             fl_intp *restrict lab, fl_intp *restrict ign, int *nign,
                             fl_intp *bad)
{
    switch (job->lab_kind) {
    case FL_LAB_I8: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_I8); break;
    case FL_LAB_U8: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_U8); break;
    case FL_LAB_I16: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_I16); break;
    case FL_LAB_U16: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_U16); break;
    case FL_LAB_I32: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_I32); break;
    case FL_LAB_U32: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_U32); break;
    case FL_LAB_I64: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_I64); break;
    case FL_LAB_U64: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_U64); break;
    default: fl_labels_strided(job, c0, R, lab, ign, nign, bad, FL_LAB_NONE); break; /* every row bad */
    }
}

/* Whether a job's "mean" divides by row factors other than the sample
   weights (see fl_rows_den_run). */
FL_AI int fl_den_rows(const fl_rows_job *job)
{
    return job->lab && ((job->cw && job->cw_den) || job->ignore_on);
}

#if defined(FL_OWN_VMATH_V4)
#include "fl_rows_v4.h"
#endif
#define T double
#define FL_T(name) FL_CAT(name##_f64, FL_SFX)
#include "fl_rows_template.h"
#undef T
#undef FL_T
#define T float
#define FL_T(name) FL_CAT(name##_f32, FL_SFX)
#include "fl_rows_template.h"
#undef T
#undef FL_T


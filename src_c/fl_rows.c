/*
 * fastloss — the row losses' kernels (n rows of k classes, classes on the
 * last axis): the block function of every row loss in the table (the row
 * driver of fl_rows_template.h with the loss's stage from fl_row_losses.h,
 * expanded per dtype) and their runs on the block driver.
 *
 * A block is FL_ROWBLOCK rows, the fixed unit of summation (row losses are
 * summed in the fixed lanes, block sums in block order).
 */
#include "fl_blocks.h"
#include "fl_table.h"

/* the label of row r, of the job's integer kind (FL_LAB_*) */
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

#define T double
#define FL_T(name) name##_f64
#include "fl_rows_template.h"
#undef T
#undef FL_T
#define T float
#define FL_T(name) name##_f32
#include "fl_rows_template.h"
#undef T
#undef FL_T

#define FL_ROW_KERNELS(name, ...) {fl_rows_blocks_##name##_f64, fl_rows_blocks_##name##_f32},
static const fl_blocks_fn fl_row_kernels[][2] = {FL_ROW_TABLE(FL_ROW_KERNELS)};
#define FL_ROW_NAME(name, ...) #name,
const char *const fl_row_names[] = {FL_ROW_TABLE(FL_ROW_NAME)};
const int fl_n_row = (int)(sizeof(fl_row_names) / sizeof(fl_row_names[0]));

int fl_rows_run(int loss, int f32, const fl_rows_job *job, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= fl_n_row || job->k < 1) return FL_BADARG;
    return fl_run_blocks(fl_row_kernels[loss][f32 ? 1 : 0], job,
                         (job->n + FL_ROWBLOCK - 1) / FL_ROWBLOCK, par, job->want_sum, res);
}

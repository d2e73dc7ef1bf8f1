/*
 * fastloss — the row losses' runs on the block driver: the block functions
 * of fl_rows_kernels.c (one unit per instruction-set level), picked by
 * fl_level.
 */
#include "fl_blocks.h"
#include "fl_table.h"

#define FL_ROW_PROTO(name, sfx)                                                                  \
    void fl_rows_blocks_##name##_f64##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part); \
    void fl_rows_blocks_##name##_f32##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part);
#define FL_ROW_PROTO_V4(name, ...) FL_ROW_PROTO(name, _v4)
#define FL_ROW_PROTO_V3(name, ...) FL_ROW_PROTO(name, _v3)
#define FL_ROW_PROTO_V1(name, ...) FL_ROW_PROTO(name, _v1)
FL_ROW_TABLE(FL_ROW_PROTO_V4)
FL_ROW_TABLE(FL_ROW_PROTO_V3)
FL_ROW_TABLE(FL_ROW_PROTO_V1)
#define FL_DEN_PROTO(sfx)                                                                     \
    void fl_rows_den_blocks_f64##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part); \
    void fl_rows_den_blocks_f32##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part);
FL_DEN_PROTO(_v4)
FL_DEN_PROTO(_v3)
FL_DEN_PROTO(_v1)

/* per level (fl_level: 0 AVX-512, 1 AVX2, 2 baseline), loss and dtype */
#define FL_ROW_K(name, sfx) {fl_rows_blocks_##name##_f64##sfx, fl_rows_blocks_##name##_f32##sfx},
#define FL_ROW_K4(name, ...) FL_ROW_K(name, _v4)
#define FL_ROW_K3(name, ...) FL_ROW_K(name, _v3)
#define FL_ROW_K1(name, ...) FL_ROW_K(name, _v1)
#define FL_ROW_ONE(name, ...) +1
enum { FL_ROW_COUNT = 0 FL_ROW_TABLE(FL_ROW_ONE) };
#if FL_MULTI_LEVEL
static const fl_blocks_fn fl_row_kernels[3][FL_ROW_COUNT][2] = {
    {FL_ROW_TABLE(FL_ROW_K4)}, {FL_ROW_TABLE(FL_ROW_K3)}, {FL_ROW_TABLE(FL_ROW_K1)}};
static const fl_blocks_fn fl_den_kernels[3][2] = {
    {fl_rows_den_blocks_f64_v4, fl_rows_den_blocks_f32_v4},
    {fl_rows_den_blocks_f64_v3, fl_rows_den_blocks_f32_v3},
    {fl_rows_den_blocks_f64_v1, fl_rows_den_blocks_f32_v1}};
#else
static const fl_blocks_fn fl_row_kernels[3][FL_ROW_COUNT][2] = {
    {FL_ROW_TABLE(FL_ROW_K1)}, {FL_ROW_TABLE(FL_ROW_K1)}, {FL_ROW_TABLE(FL_ROW_K1)}};
static const fl_blocks_fn fl_den_kernels[3][2] = {
    {fl_rows_den_blocks_f64_v1, fl_rows_den_blocks_f32_v1},
    {fl_rows_den_blocks_f64_v1, fl_rows_den_blocks_f32_v1},
    {fl_rows_den_blocks_f64_v1, fl_rows_den_blocks_f32_v1}};
#endif
#define FL_ROW_NAME(name, ...) #name,
const char *const fl_row_names[] = {FL_ROW_TABLE(FL_ROW_NAME)};
const int fl_n_row = (int)(sizeof(fl_row_names) / sizeof(fl_row_names[0]));

int fl_rows_run(int loss, int f32, const fl_rows_job *job, fl_par par, fl_result *res)
{
    if (loss < 0 || loss >= fl_n_row || job->k < 1) return FL_BADARG;
    return fl_run_blocks(fl_row_kernels[fl_level][loss][f32 ? 1 : 0], job,
                         (job->n + FL_ROWBLOCK - 1) / FL_ROWBLOCK, par, job->want_sum, res);
}

int fl_rows_den_run(int f32, const fl_rows_job *job, fl_par par, double *sum_w, double *sum_wabs)
{
    fl_result res = {0.0, 0.0, 0.0, -1};
    if (job->k < 1) return FL_BADARG;
    const int rc = fl_run_blocks(fl_den_kernels[fl_level][f32 ? 1 : 0], job,
                                 (job->n + FL_ROWBLOCK - 1) / FL_ROWBLOCK, par, 1, &res);
    *sum_w = res.sum_w;
    *sum_wabs = res.sum_wabs;
    return rc;
}

/*
 * fastloss — what the elementwise kernels of each dtype (fl_ew_f64.c,
 * fl_ew_f32.c: fl_ew_template.h expanded) give the runs in fl_ew.c.
 */
#ifndef FL_EW_H
#define FL_EW_H
#include "fl_blocks.h"
#include "fl_table.h"

/* sum(w) alone: the job of fl_wsum_blocks_<dtype> */
typedef struct {
    const char *w;
    fl_intp sw, n, block;
} fl_wsum_job;

/* each loss's block function, per dtype and instruction-set level (sfx) */
#define FL_EW_PROTO(name, sfx)                                                                \
    void fl_ew_blocks_##name##_f64##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part); \
    void fl_ew_blocks_##name##_f32##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part);
#define FL_EW_PROTOS(sfx)                                                                     \
    void fl_wsum_blocks_f64##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part);      \
    void fl_wsum_blocks_f32##sfx(const void *job, fl_intp b0, fl_intp b1, fl_part *part);      \
    void fl_colacc_f64##sfx(double *lo, fl_intp nr, fl_intp m, const char *w, fl_intp sw,      \
                            double *acc, double *aw);                                         \
    void fl_colacc_f32##sfx(float *lo, fl_intp nr, fl_intp m, const char *w, fl_intp sw,       \
                            double *acc, double *aw);                                         \
    void fl_vmath_f64##sfx(int fn, const double *x, const double *x2, double *y, fl_intp n);  \
    void fl_vmath_f32##sfx(int fn, const float *x, const float *x2, float *y, fl_intp n);
#define FL_EW_PROTO_V4(name, ...) FL_EW_PROTO(name, _v4)
#define FL_EW_PROTO_V3(name, ...) FL_EW_PROTO(name, _v3)
#define FL_EW_PROTO_V1(name, ...) FL_EW_PROTO(name, _v1)
FL_EW_TABLE(FL_EW_PROTO_V4)
FL_EW_TABLE(FL_EW_PROTO_V3)
FL_EW_TABLE(FL_EW_PROTO_V1)
FL_EW_PROTOS(_v4)
FL_EW_PROTOS(_v3)
FL_EW_PROTOS(_v1)
#endif

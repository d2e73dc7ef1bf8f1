/*
 * fastloss — the elementwise kernels (of one instruction-set level, FL_LEVEL) for float64 inputs: fl_ew_template.h
 * expanded with T = double (a translation unit of its own, compiled in
 * parallel with the float32 one).
 */
#include "fl_ew.h"

#define T double
#define FL_EW_F32 0
#define FL_T(name) FL_CAT(name##_f64, FL_SFX)
#include "fl_ew_template.h"

/*
 * fastloss — the elementwise kernels (of one instruction-set level, FL_LEVEL) for float32 inputs: fl_ew_template.h
 * expanded with T = float (a translation unit of its own, compiled in
 * parallel with the float64 one).
 */
#include "fl_ew.h"

#define T float
#define FL_EW_F32 1
#define FL_T(name) FL_CAT(name##_f32, FL_SFX)
#include "fl_ew_template.h"

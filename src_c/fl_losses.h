/*
 * fastloss — the per-element formulas of the elementwise losses.
 *
 * This file is the C half of the loss table (the Python half is
 * fastloss/_losses.py).  An elementwise loss is one line in FL_EW_LOSSES and
 * two macros:
 *   FL_EW_<name>(CT, y, p, o0, o1, a, L, D): value L and derivative D with
 *     respect to the prediction p of one element, in the compute type CT.
 *     o0, o1 are the options (table order) as CT; a is the per-element
 *     option of losses with USES_AUX (pos_weight per column), else o0.
 *   FL_OK_<name>(CT, y): whether the target y is valid (1 for losses that
 *     do not validate their targets).  NaN must be invalid where checked.
 *   FL_PROBS_<name>: 1 for losses on probabilities, whose predictions must
 *     lie in [0, 1] (FL_PROB_OK; a NaN prediction is not an error, it
 *     propagates), else 0.  Targets and predictions are checked block by
 *     block, in the same pass as the loss, when the table's "checks inputs"
 *     flag is set.
 *   FL_HARD_<name>(CT, y): for losses with a cheaper form when every target
 *     of a block is a hard 0/1 label (0 for the others).  Inside FL_EW_<name>,
 *     the compile-time flag HARD says the block is all hard; both forms must
 *     give bitwise the same value on hard labels.
 * The block template in fl_kernels.c turns each formula into the fused value,
 * gradient and value+gradient loops for float64 and float32 storage.  Write
 * formulas branch-free (selects, not if/else) so that they vectorize, and so
 * that NaN propagates: a comparison with NaN is false, so make the NaN case
 * fall through to an arm that carries it.
 */
#ifndef FL_LOSSES_H
#define FL_LOSSES_H
#include "fl_common.h"

/* X(name, compute type for float32 storage, checks inputs, uses aux).
   float keeps the per-element math in the input precision (sums are float64
   regardless). */
#define FL_EW_LOSSES(X)                                  \
    X(mse, float, 0, 0)                                  \
    X(mae, float, 0, 0)                                  \
    X(huber, float, 0, 0)                                \
    X(binary_cross_entropy, float, 1, 0)                 \
    X(binary_cross_entropy_with_logits, float, 1, 1)     \
    X(hinge, float, 1, 0)                                \
    X(squared_hinge, float, 1, 0)

/* mse: (p - y)^2; d/dp = 2 (p - y) */
#define FL_EW_mse(CT, y, p, o0, o1, a, L, D) \
    { const CT r = (p) - (y); L = r * r; D = 2 * r; }

/* mae: |p - y|; d/dp = sign(p - y), 0 where equal */
#define FL_EW_mae(CT, y, p, o0, o1, a, L, D) \
    { const CT r = (p) - (y); L = FL_ABS(r); D = FL_SIGN(CT, r); }

/* huber(delta = o0): r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond;
   d/dp = r inside, delta sign(r) beyond.  Branch-free with m = min(|r|, delta):
   L = m (|r| - m/2) is bitwise 0.5 r^2 inside (|r| - |r|/2 is exact) and the
   linear part beyond; D = copysign(m, r).  A NaN r gives m = NaN, so L and D
   are NaN; delta is kept finite so that |r| = inf gives inf, not inf - inf. */
#define FL_EW_huber(CT, y, p, o0, o1, a, L, D)                       \
    { const CT r = (p) - (y); const CT ar = FL_ABS(r);                \
      const CT dl = o0 > FL_HUGE(CT) ? FL_HUGE(CT) : o0;              \
      const CT m = ar > dl ? dl : ar;                                 \
      L = m * (ar - (CT)0.5 * m); D = FL_COPYSIGN(m, r); }

/* a probability: in [0, 1], or NaN (which propagates to the result).  The
   rules are written with & and | (not && and ||) so that the check loops
   vectorize. */
#define FL_PROB_OK(p) (!(((p) < 0) | ((p) > 1))) /* (NaN: both comparisons false) */
#define FL_UNIT(y) (((y) >= 0) & ((y) <= 1))

/* the smallest eps keeping 1 - eps below 1 in CT (2^-24 for float32) */
#define FL_EPS_MIN(CT) (sizeof(CT) == 4 ? (CT)0x1p-24 : (CT)0x1p-53)

/* binary_cross_entropy(eps = o0): q = clip(p, eps, 1 - eps);
   -(y log q + (1 - y) log(1 - q)) (the textbook form, as scikit-learn
   and torch write it); d/dp = (q - y) / (q (1 - q)) at the clipped q (the clip
   guards the logs; it is not differentiated).  With hard labels one log does:
   -log(y ? q : 1 - q) is bitwise the two-log value, since 0 * (finite log) adds
   a zero. */
#define FL_EW_binary_cross_entropy(CT, y, p, o0, o1, a, L, D)              \
    { const CT e = o0 > FL_EPS_MIN(CT) ? o0 : FL_EPS_MIN(CT);               \
      const CT q = (p) < e ? e : ((p) > 1 - e ? 1 - e : (p));               \
      if (HARD)                                                             \
          L = -FL_LOG((y) != 0 ? q : 1 - q);                                \
      else                                                                  \
          L = -((y) * FL_LOG(q) + (1 - (y)) * FL_LOG(1 - q));               \
      D = (q - (y)) / (q * (1 - q)); }
#define FL_OK_binary_cross_entropy(CT, y) FL_UNIT(y)
#define FL_HARD_binary_cross_entropy(CT, y) (((y) == 0) | ((y) == 1))

/* binary_cross_entropy_with_logits(pos_weight = a):
   (1 - y) z + (1 + (a - 1) y) softplus(-z), softplus(-z) = max(-z, 0) +
   log1p(exp(-|z|)); d/dz = (1 - y) - (1 + (a - 1) y) sigmoid(-z), with
   sigmoid(-z) = (z >= 0 ? e : 1) / (1 + e), e = exp(-|z|): finite for every
   finite z. */
#define FL_EW_binary_cross_entropy_with_logits(CT, y, p, o0, o1, a, L, D)  \
    { const CT e = FL_EXP(-FL_ABS(p));                                      \
      const CT lw = 1 + ((a) - 1) * (y);                                    \
      L = (1 - (y)) * (p) + lw * (((p) < 0 ? -(p) : (CT)0) + FL_LOG1P(e));  \
      D = (1 - (y)) - lw * (((p) >= 0 ? e : (CT)1) / (1 + e)); }

/* hinge: labels -1/+1; max(0, 1 - y s); subgradient -y where y s < 1, else 0 */
#define FL_EW_hinge(CT, y, p, o0, o1, a, L, D)                             \
    { const CT ys = (y) * (p);                                              \
      L = FL_POS(CT, 1 - ys);                                               \
      D = ys >= 1 ? (CT)0 : (ys < 1 ? -(y) : ys); }
#define FL_OK_hinge(CT, y) (FL_ABS(y) == 1)

/* squared_hinge: max(0, 1 - y s)^2; d/ds = -2 y max(0, 1 - y s) */
#define FL_EW_squared_hinge(CT, y, p, o0, o1, a, L, D)                     \
    { const CT m = FL_POS(CT, 1 - (y) * (p));                               \
      L = m * m; D = -2 * (y) * m; }
#define FL_OK_squared_hinge(CT, y) FL_OK_hinge(CT, y)

/* losses without a hard-label form */
#define FL_HARD_mse(CT, y) 0
#define FL_HARD_mae(CT, y) 0
#define FL_HARD_huber(CT, y) 0
#define FL_HARD_binary_cross_entropy_with_logits(CT, y) 0
#define FL_HARD_hinge(CT, y) 0
#define FL_HARD_squared_hinge(CT, y) 0

/* target rules (the losses that check none: 1) */
#define FL_OK_mse(CT, y) 1
#define FL_OK_mae(CT, y) 1
#define FL_OK_huber(CT, y) 1
#define FL_OK_binary_cross_entropy_with_logits(CT, y) FL_UNIT(y)

/* losses on probabilities: predictions must lie in [0, 1] (NaN propagates) */
#define FL_PROBS_mse 0
#define FL_PROBS_mae 0
#define FL_PROBS_huber 0
#define FL_PROBS_binary_cross_entropy 1
#define FL_PROBS_binary_cross_entropy_with_logits 0
#define FL_PROBS_hinge 0
#define FL_PROBS_squared_hinge 0

/* Row losses (rows x classes), implemented in fl_rows.c:
   X(name, compute type for float32 storage) */
#define FL_ROW_LOSSES(X)                      \
    X(categorical_cross_entropy, float)       \
    X(sparse_categorical_cross_entropy, float) \
    X(softmax_cross_entropy, float)           \
    X(multiclass_hinge, float)
#endif

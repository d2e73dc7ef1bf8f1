/*
 * fastloss — the per-element formulas of the elementwise losses.
 *
 * This file is the C half of the loss table (the Python half is
 * fastloss/_losses.py).  A loss is one line in FL_EW_LOSSES plus one
 * FL_EW_<name> macro giving its value L and its derivative D with respect to
 * the prediction p, for one element, in the compute type CT.  Option values
 * arrive as CT locals o0, o1 (in the order of the Python table's options).
 *
 * The block template in fl_kernels.c turns each formula into the fused value,
 * gradient and value+gradient loops, for float64 and float32 storage.
 * Write formulas branch-free (selects, not if/else) so that they vectorize,
 * and so that NaN propagates: a comparison with NaN is false, so make the
 * NaN case fall through to an arm that carries r.
 */
#ifndef FL_LOSSES_H
#define FL_LOSSES_H

/* X(name, compute type for float32 storage): float keeps the per-element math
   in the input precision (sums are float64 regardless); double would be
   more accurate per element at about half the vector throughput. */
#define FL_EW_LOSSES(X) \
    X(mse, float)       \
    X(mae, float)       \
    X(huber, float)

#define FL_ABS(x) ((x) < 0 ? -(x) : (x))
/* sign(r) with sign(0) = 0 and sign(NaN) = NaN */
#define FL_SIGN(CT, r) ((r) > 0 ? (CT)1 : ((r) < 0 ? (CT)-1 : (r)))

/* mse: (p - y)^2; d/dp = 2 (p - y) */
#define FL_EW_mse(CT, y, p, o0, o1, L, D) \
    { const CT r = (p) - (y); L = r * r; D = 2 * r; }

/* mae: |p - y|; d/dp = sign(p - y), 0 where equal */
#define FL_EW_mae(CT, y, p, o0, o1, L, D) \
    { const CT r = (p) - (y); L = FL_ABS(r); D = FL_SIGN(CT, r); }

/* huber(delta = o0): r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond;
   d/dp = r inside, delta sign(r) beyond (NaN stays NaN) */
#define FL_EW_huber(CT, y, p, o0, o1, L, D)                          \
    { const CT r = (p) - (y); const CT a = FL_ABS(r);                 \
      const int in = a <= o0;                                         \
      L = in ? (CT)0.5 * r * r : o0 * (a - (CT)0.5 * o0);             \
      D = in ? r : o0 * FL_SIGN(CT, r); }

#endif

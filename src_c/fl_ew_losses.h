/*
 * fastloss — the elementwise losses: one function per loss.
 *
 * A template (no include guard): fl_ew.c includes it once per dtype, with T
 * (float or double: the per-element math runs in the storage type) and FL_T
 * (which appends the dtype's suffix) defined.
 *
 * An elementwise loss is one FL_EW_LOSS(name) function that sets the value *L
 * and the derivative *D with respect to the prediction p, for one element
 * with target y.  Its other facts (the domain of its targets and
 * predictions, whether it has a hard-label form or a per-column option) are
 * in its entry in fastloss/_losses.py, which the build turns into fl_table.h.
 * Arguments it may use:
 *   o[]   the options in table order (o[0], o[1]);
 *   a     the per-element option of a loss with a per-column option
 *         (pos_weight), else o[0];
 *   hard  1 when every target of the block is 0 or 1 (losses with a
 *         hard-label form only; both forms must give the same bits on hard
 *         labels).
 * Write formulas branch-free (selects, not if/else) so that they vectorize,
 * and so that NaN propagates: a comparison with NaN is false, so make the NaN
 * case fall through to an arm that carries it.
 */
#define FL_EW_LOSS(name)                                                          \
    FL_AI void FL_T(fl_ew_##name)(const T y, const T p, FL_UNUSED const T a,       \
                                  FL_UNUSED const T *o, FL_UNUSED const int hard, T *L, T *D)

/* mse: (p - y)^2; d/dp = 2 (p - y) */
FL_EW_LOSS(mse)
{
    const T r = p - y;
    *L = r * r;
    *D = 2 * r;
}

/* mae: |p - y|; d/dp = sign(p - y), 0 where equal */
FL_EW_LOSS(mae)
{
    const T r = p - y;
    *L = FL_ABS(r);
    *D = FL_SIGN(T, r);
}

/* huber(delta = o[0]): r^2/2 for |r| <= delta, delta (|r| - delta/2) beyond;
   d/dp = r inside, delta sign(r) beyond.  Branch-free with m = min(|r|, delta):
   L = m (|r| - m/2) is bitwise 0.5 r^2 inside (|r| - |r|/2 is exact) and the
   linear part beyond; D = copysign(m, r).  A NaN r gives m = NaN, so L and D
   are NaN; delta is kept finite so that |r| = inf gives inf, not inf - inf. */
FL_EW_LOSS(huber)
{
    const T r = p - y, ar = FL_ABS(r);
    const T dl = o[0] > FL_HUGE(T) ? FL_HUGE(T) : o[0];
    const T m = ar > dl ? dl : ar;
    *L = m * (ar - (T)0.5 * m);
    *D = FL_COPYSIGN(m, r);
}

/* pinball(alpha = o[0]): alpha max(y - p, 0) + (1 - alpha) max(p - y, 0);
   d/dp = 1 - alpha where p > y, -alpha where p < y, 0 where equal (NaN
   falls through both comparisons to the arm that carries it). */
FL_EW_LOSS(pinball)
{
    const T r = p - y, al = o[0];
    *L = r >= 0 ? (1 - al) * r : -al * r;
    *D = r > 0 ? 1 - al : (r < 0 ? -al : (r == 0 ? (T)0 : r));
}

/* binary_cross_entropy(eps = o[0]): q = clip(p, eps, 1 - eps);
   -(y log q + (1 - y) log(1 - q)) (the textbook form, as scikit-learn and
   torch write it); d/dp = (q - y) / (q (1 - q)) at the clipped q (the clip
   guards the logs; it is not differentiated).  With hard labels one log does:
   -log(y ? q : 1 - q) is bitwise the two-log value, since 0 * (finite log)
   adds a zero. */
FL_EW_LOSS(binary_cross_entropy)
{
    const T e = o[0] > FL_EPS_MIN(T) ? o[0] : FL_EPS_MIN(T);
    const T q = p < e ? e : (p > 1 - e ? 1 - e : p);
    if (hard)
        *L = -FL_LOG(y != 0 ? q : 1 - q);
    else
        *L = -(y * FL_LOG(q) + (1 - y) * FL_LOG(1 - q));
    *D = (q - y) / (q * (1 - q));
}

/* binary_cross_entropy_with_logits(pos_weight = a):
   (1 - y) softplus(z) + a y softplus(-z), the same function as torch's
   (1 - y) z + (1 + (a - 1) y) softplus(-z) written without its cancellation
   (for y = 0 and z << 0 that form subtracts two nearly equal terms);
   softplus(+-z) = max(+-z, 0) + log1p(exp(-|z|)).  d/dz = (1 - y) sigmoid(z)
   - a y sigmoid(-z), both sigmoids sharing e = exp(-|z|) and one division:
   finite for every finite z. */
FL_EW_LOSS(binary_cross_entropy_with_logits)
{
    const T e = FL_EXP(-FL_ABS(p));
    const T s = FL_LOG1P(e), ny = 1 - y, ay = a * y;
    const T pos = p > 0 ? p : (T)0, neg = p < 0 ? -p : (T)0;
    *L = ny * (pos + s) + ay * (neg + s);
    *D = (ny * (p >= 0 ? (T)1 : e) - ay * (p >= 0 ? e : (T)1)) / (1 + e);
}

/* log_cosh: log(cosh r), r = p - y; d/dp = tanh r.  With |r| and
   t = expm1(|r|): cosh r - 1 = t^2 / (2 (1 + t)), so log cosh r =
   log1p(t^2 / (2 (1 + t))) and tanh |r| = t (t + 2) / (t (t + 2) + 2), both
   without cancellation for tiny r.  Beyond |r| = 20 (t^2 would overflow
   soon) log cosh r = |r| - log 2 and tanh |r| = 1 in both dtypes (the
   dropped log1p(exp(-2|r|)) is below 2^-57 of the value). */
FL_EW_LOSS(log_cosh)
{
    const T r = p - y, ar = FL_ABS(r);
    const int big = ar > 20;
    const T t = FL_EXPM1(big ? (T)0 : ar), u = t * (t + 2);
    *L = big ? ar - (T)0.69314718055994530942 : FL_LOG1P(t * t / (2 * (1 + t)));
    *D = FL_COPYSIGN(big ? (T)1 : u / (u + 2), r);
}

/* hinge: labels -1/+1; max(0, 1 - y s); subgradient -y where y s < 1, else 0 */
FL_EW_LOSS(hinge)
{
    const T ys = y * p;
    *L = FL_POS(T, 1 - ys);
    *D = ys >= 1 ? (T)0 : (ys < 1 ? -y : ys);
}

/* squared_hinge: max(0, 1 - y s)^2; d/ds = -2 y max(0, 1 - y s) */
FL_EW_LOSS(squared_hinge)
{
    const T m = FL_POS(T, 1 - y * p);
    *L = m * m;
    *D = -2 * y * m;
}

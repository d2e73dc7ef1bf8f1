/*
 * fastloss — the elementwise losses: one function per loss.
 *
 * A template (no include guard): fl_ew.c includes it once per dtype, with T
 * (float or double: the per-element math runs in the storage type) and FL_T
 * (which appends the dtype's suffix) defined.
 *
 * An elementwise loss is one FL_EW_LOSS(name) function that sets the value *L,
 * the derivative *D and the second derivative *H with respect to the
 * prediction p, for one element with target y (the compiler drops what a
 * loop does not store).  Its other facts (the domain of its targets and
 * predictions, whether it has a hard-label form or a per-column option) are
 * in its entry in fastloss/_losses.py, which the build turns into fl_table.h.
 * Arguments it may use:
 *   o[]   the options in table order (o[0], o[1], ...);
 *   a     the per-element option of a loss with a per-column option
 *         (pos_weight), else o[0];
 *   form  a compile-time constant in each specialised loop: for a loss with
 *         a hard-label form, 1 when every target of the block is 0 or 1 (both
 *         forms must give the same bits on hard labels); for a loss whose
 *         options select among forms (Loss.forms, Loss.form), the form they
 *         select.  Branch on it freely: each form is its own loop, so an
 *         option never costs a select or a transcendental it does not use.
 * Write formulas branch-free (selects, not if/else) so that they vectorize,
 * and so that NaN propagates: a comparison with NaN is false, so make the NaN
 * case fall through to an arm that carries it.
 */
#define FL_EW_LOSS(name)                                                          \
    FL_AI void FL_T(fl_ew_##name)(const T y, const T p, FL_UNUSED const T a,       \
                                  FL_UNUSED const T *o, FL_UNUSED const int form, T *L, T *D, \
                                  T *H)

/* mse: (p - y)^2; d/dp = 2 (p - y) */
FL_EW_LOSS(mse)
{
    const T r = p - y;
    *L = r * r;
    *D = 2 * r;
    *H = 2;
}

/* mae: |p - y|; d/dp = sign(p - y), 0 where equal */
FL_EW_LOSS(mae)
{
    const T r = p - y;
    *L = FL_ABS(r);
    *D = FL_SIGN(T, r);
    *H = 0; /* (0 almost everywhere) */
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
    *H = ar <= dl ? (T)1 : (ar > dl ? (T)0 : ar); /* 1 inside, 0 beyond; NaN carried */
}

/* pinball(alpha = o[0]): alpha max(y - p, 0) + (1 - alpha) max(p - y, 0);
   d/dp = 1 - alpha where p > y, -alpha where p < y, 0 where equal (NaN
   falls through both comparisons to the arm that carries it). */
FL_EW_LOSS(pinball)
{
    const T r = p - y, al = o[0];
    *L = r >= 0 ? (1 - al) * r : -al * r;
    *D = r > 0 ? 1 - al : (r < 0 ? -al : (r == 0 ? (T)0 : r));
    *H = 0;
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
    if (form)
        *L = -FL_LOG(y != 0 ? q : 1 - q);
    else
        *L = -(y * FL_LOG(q) + (1 - y) * FL_LOG(1 - q));
    *D = (q - y) / (q * (1 - q));
    /* at the clipped q, as the derivative */
    *H = y / (q * q) + (1 - y) / ((1 - q) * (1 - q));
}

/* binary_cross_entropy_with_logits(pos_weight = a):
   (1 - y) softplus(z) + a y softplus(-z), the same function as torch's
   (1 - y) z + (1 + (a - 1) y) softplus(-z) written without its cancellation
   (for y = 0 and z << 0 that form subtracts two nearly equal terms);
   softplus(+-z) = max(+-z, 0) + log1p(exp(-|z|)).  d/dz = (1 - y) sigmoid(z)
   - a y sigmoid(-z), both sigmoids sharing e = exp(-|z|) and one division:
   finite for every finite z.  fl_bcel: the formulas given e and s =
   log1p(e). */
FL_AI void FL_T(fl_bcel)(const T y, const T p, const T a, const T e, const T s, T *L, T *D,
                         T *H)
{
    const T ny = 1 - y, ay = a * y;
    const T pos = p > 0 ? p : (T)0, neg = p < 0 ? -p : (T)0;
    *L = ny * (pos + s) + ay * (neg + s);
    *D = (ny * (p >= 0 ? (T)1 : e) - ay * (p >= 0 ? e : (T)1)) / (1 + e);
    /* (1 - y + a y) sigmoid(z) sigmoid(-z) = ... e / (1 + e)^2 */
    *H = (ny + ay) * (e / ((1 + e) * (1 + e)));
}

FL_EW_LOSS(binary_cross_entropy_with_logits)
{
    const T e = FL_EXP(-FL_ABS(p));
    FL_T(fl_bcel)(y, p, a, e, FL_LOG1P(e), L, D, H);
}

/* log_cosh: log(cosh r), r = p - y; d/dp = tanh r.  With |r| and
   t = expm1(|r|): cosh r - 1 = t^2 / (2 (1 + t)), so log cosh r =
   log1p(t^2 / (2 (1 + t))) and tanh |r| = t (t + 2) / (t (t + 2) + 2), both
   without cancellation for tiny r.  Beyond |r| = 20 (t^2 would overflow
   soon) log cosh r = |r| - log 2 and tanh |r| = 1 in both dtypes (the
   dropped log1p(exp(-2|r|)) is below 2^-57 of the value).  fl_logcosh: the
   formulas given r, t, lg = log1p(t^2 / (2 (1 + t))) and e2 = exp(-2|r|). */
FL_AI void FL_T(fl_logcosh)(const T r, const T t, const T lg, const T e2, T *L, T *D, T *H)
{
    const T ar = FL_ABS(r);
    const int big = ar > 20;
    const T u = t * (t + 2);
    *L = big ? ar - (T)0.69314718055994530942 : lg;
    *D = FL_COPYSIGN(big ? (T)1 : u / (u + 2), r);
    /* sech^2 r = 4 e / (1 + e)^2, e = exp(-2|r|): no cancellation for large r */
    *H = 4 * e2 / ((1 + e2) * (1 + e2));
}

FL_EW_LOSS(log_cosh)
{
    const T r = p - y, ar = FL_ABS(r);
    const T t = FL_EXPM1(ar > 20 ? (T)0 : ar);
    FL_T(fl_logcosh)(r, t, FL_LOG1P(t * t / (2 * (1 + t))), FL_EXP(-2 * ar), L, D, H);
}

/* squared_log_error: d = log1p(p) - log1p(y), both > -1; d^2; d/dp = 2 d /
   (1 + p).  fl_sle: the formulas given lp = log1p(p) and ly = log1p(y). */
FL_AI void FL_T(fl_sle)(const T p, const T lp, const T ly, T *L, T *D, T *H)
{
    const T d = lp - ly;
    *L = d * d;
    *D = 2 * d / (1 + p);
    *H = 2 * (1 - d) / ((1 + p) * (1 + p));
}

FL_EW_LOSS(squared_log_error)
{
    FL_T(fl_sle)(p, FL_LOG1P(p), FL_LOG1P(y), L, D, H);
}

/* absolute_percentage_error: |p - y| / max(|y|, eps), eps = float64's machine
   epsilon (as scikit-learn); d/dp = sign(p - y) / max(|y|, eps).  The max is
   written so that a NaN y propagates. */
FL_EW_LOSS(absolute_percentage_error)
{
    const T ay = FL_ABS(y), e = (T)0x1p-52;
    const T m = ay < e ? e : ay;
    *L = FL_ABS(p - y) / m;
    *D = FL_SIGN(T, p - y) / m;
    *H = 0;
}

/* poisson_nll(log_input = o[0], full = o[1], eps = o[2]), as torch:
   log_input: exp(p) - y p, d/dp = exp(p) - y; else p - y log(p + eps),
   d/dp = 1 - y / (p + eps).  full adds Stirling's y log y - y + log(2 pi y)/2
   where y > 1 (it does not depend on p).  Where exp(p) overflows, the value
   is +inf (exp(p) outgrows y p) rather than inf - inf.  form = log_input +
   2 full.  fl_poisson: the formulas given ep = exp(p) (log_input), lq =
   log(p + eps) (else) and ly = log(max(y, 1)) (full); fl_ew_v4.h's vector
   body repeats log_input's value on whole vectors, so a change here is one
   there too. */
FL_AI void FL_T(fl_poisson)(const T y, const T p, const T ep, const T lq, const T ly,
                            const T *o, const int form, T *L, T *D, T *H)
{
    if (form & 1) {
        const T e = ep;
        *L = e > FL_HUGE(T) ? e : e - y * p;
        *D = e - y;
        *H = e;
    } else {
        const T q = p + o[2];
        *L = p - y * lq;
        *D = 1 - y / q;
        *H = (y / q) / q;
    }
    if (form & 2) {
        const T yy = y > 1 ? y : (T)1;
        const T st = yy * ly - yy + (T)0.5 * (ly + (T)1.8378770664093454836); /* log(2 pi) */
        *L += y > 1 ? st : (T)0;
    }
}

FL_EW_LOSS(poisson_nll)
{
    const T ep = form & 1 ? FL_EXP(p) : (T)0, lq = form & 1 ? (T)0 : FL_LOG(p + o[2]);
    FL_T(fl_poisson)(y, p, ep, lq, form & 2 ? FL_LOG(y > 1 ? y : (T)1) : (T)0, o, form, L, D, H);
}

/* log(a / b) for a, b > 0: of the ratio when it is a normal number, else
   log a - log b (the ratio would have overflowed or lost digits).  Two logs
   whatever the lane (log(r) - log(1) = log(r) exactly), not three. */
FL_AI T FL_T(fl_logratio)(const T a, const T b)
{
    const T r = a / b;
    const int normal = (r < FL_HUGE(T)) & (r >= (sizeof(T) == 4 ? (T)0x1p-126 : (T)0x1p-1022));
    return FL_LOG(normal ? r : a) - FL_LOG(normal ? (T)1 : b);
}

/* tweedie_deviance(power = o[0]), as scikit-learn (mu = p): 0: (y - mu)^2;
   1: 2 (y log(y / mu) - y + mu) (0 where y = 0); 2: 2 (log(mu / y) + y / mu - 1);
   else 2 (max(y, 0)^(2-p) / ((1-p)(2-p)) - y mu^(1-p) / (1-p) + mu^(2-p) / (2-p)).
   d/dmu = 2 mu^(-p) (mu - y).  The logs of a ratio that overflows or
   underflows are taken as a difference of logs; the general form is
   factored as 2 (max(y, 0)^(2-p) / ((1-p)(2-p)) + mu^(1-p) (mu / (2-p) -
   y / (1-p))), so that an overflowing mu^(1-p) gives inf, not inf - inf.
   form: 0 for power 0, 1 for 1, 2 for 2, 3 otherwise. */
FL_EW_LOSS(tweedie_deviance)
{
    const T pw = o[0], mu = p;
    if (form == 0) {
        const T r = mu - y;
        *L = r * r;
        *D = 2 * r;
        *H = 2;
    } else if (form == 1) {
        const T xl = y == 0 ? (T)0 : y * FL_T(fl_logratio)(y, mu);
        *L = 2 * (xl - y + mu);
        *D = 2 * (1 - y / mu);
        *H = 2 * (y / mu) / mu;
    } else if (form == 2) {
        *L = 2 * (FL_T(fl_logratio)(mu, y) + y / mu - 1);
        *D = 2 * ((mu - y) / mu) / mu;
        *H = 2 * ((2 * y - mu) / mu) / (mu * mu);
    } else {
        const T yp = y < 0 ? (T)0 : y; /* (NaN stays NaN) */
        const T m1 = FL_POW(mu, 1 - pw);
        *L = 2 * (FL_POW(yp, 2 - pw) / ((1 - pw) * (2 - pw)) + m1 * (mu / (2 - pw) - y / (1 - pw)));
        /* grouped so that no factor overflows or underflows before the
           product does: mu^(-p) (mu - y) below power 1, else
           mu^(1-p) ((mu - y) / mu) */
        *D = 2 * (pw < 1 ? (m1 / mu) * (mu - y) : m1 * ((mu - y) / mu));
        /* 2 mu^(-p) ((1 - p) + p y / mu) */
        *H = 2 * (m1 / mu) * ((1 - pw) + pw * (y / mu));
    }
}

/* sigmoid_focal_loss(alpha = o[0], -1 for none; gamma = o[1]), as torchvision:
   alpha_t ce (1 - p_t)^gamma with ce = bce_with_logits(z, y).  With
   e = exp(-|z|), s = sigmoid(z) and sn = sigmoid(-z) share one division, and
   1 - p_t = y sn + (1 - y) s is formed from them (torchvision's 1 - p_t
   cancels as p_t nears 1).  d/dz = alpha_t (1 - p_t)^gamma (s - y +
   gamma ce (1 - 2y) q) with q = s sn / (1 - p_t) in [0, 1], written so that
   no term is 0/0 or 0 * inf when 1 - p_t underflows:
   q = e / ((1 + e)(y e + 1 - y)) for z >= 0 (1 / (1 + e) when y = 1), and
   mirrored for z < 0.  (1 - p_t)^gamma is a pow in form 0, m m in form 1
   (gamma 2), m in form 2 (gamma 1), 1 in form 3 (gamma 0).  fl_focal: the
   formulas given e and sp = log1p(e) (which the AVX-512 level's vector body
   computes with its own inlined functions). */
FL_AI void FL_T(fl_focal)(const T y, const T p, const T e, const T sp, const T *o, const int form,
                          T *L, T *D, T *H)
{
    const T al = o[0], ga = o[1];
    const int up = p >= 0;
    const T r = 1 / (1 + e);
    const T s = (up ? (T)1 : e) * r, sn = (up ? e : (T)1) * r;
    const T ny = 1 - y;
    const T pos = p > 0 ? p : (T)0, neg = p < 0 ? -p : (T)0;
    const T ce = ny * (pos + sp) + y * (neg + sp);
    const T miss = y * sn + ny * s;
    /* q's denominator: (1 - p_t)(1 + e) with the side of z's sign; the other
       side's label weight is the one that may be 0 */
    const T near = up ? ny : y, far = up ? y : ny;
    const T q = near == 0 ? r : e * r / (far * e + near);
    const T mg = form == 1 ? miss * miss
                 : (form == 2 ? miss : (form == 3 ? (T)1 : FL_POW(miss, ga)));
    const T at = al < 0 ? (T)1 : al * y + (1 - al) * ny;
    *L = at * ce * mg;
    /* ce q first (it stays below about 1/e + log 2): for a logit near the
       dtype's largest, ga ce alone would overflow while q is 0 */
    *D = at * mg * (ny * s - y * sn + ga * (ce * q) * (1 - 2 * y));
    /* with u = s sn, m' = (1 - 2y) q m and m'' = (1 - 2y)(1 - 2s) q m:
       alpha_t m^gamma (u + 2 gamma (s - y)(1 - 2y) q + gamma (gamma - 1) ce
       ((1 - 2y) q)^2 + gamma ce (1 - 2y)(1 - 2s) q) */
    const T b = (1 - 2 * y) * q, dce = ny * s - y * sn;
    *H = at * mg * (s * sn + 2 * ga * dce * b + ga * (ga - 1) * (ce * b) * b
                    + ga * (ce * b) * (sn - s));
}

FL_EW_LOSS(sigmoid_focal_loss)
{
    const T e = FL_EXP(-FL_ABS(p));
    FL_T(fl_focal)(y, p, e, FL_LOG1P(e), o, form, L, D, H);
}

/* hinge: labels -1/+1; max(0, 1 - y s); subgradient -y where y s < 1, else 0 */
FL_EW_LOSS(hinge)
{
    const T ys = y * p;
    *L = FL_POS(T, 1 - ys);
    *D = ys >= 1 ? (T)0 : (ys < 1 ? -y : ys);
    *H = 0;
}

/* squared_hinge: max(0, 1 - y s)^2; d/ds = -2 y max(0, 1 - y s) */
FL_EW_LOSS(squared_hinge)
{
    const T m = FL_POS(T, 1 - y * p);
    *L = m * m;
    *D = -2 * y * m;
    *H = m > 0 ? 2 * y * y : (m == 0 ? (T)0 : m); /* (NaN carried) */
}

#if defined(FL_OWN_VMATH_V4)
#include "fl_ew_v4.h"
#endif

/*
 * fastloss — the vector bodies of the compute-bound elementwise losses at the
 * AVX-512 level: for a loss of fl_ew_losses.h, a function on a run of
 * FL_EWV_N elements, with this level's exp and log (fl_vmath_v4.h) inlined,
 * that the map (fl_ew_template.h) runs in place of the per-element function:
 * the loss and its transcendentals one loop body, without calls (but for
 * libmvec's log1p in float64, faster there than this level's method).
 *
 * Two kinds.  A body written whole in intrinsics computes the per-element
 * function's formulas term for term, so that a loss keeps its stated
 * properties (binary cross-entropy's hard-label form gives the two-log
 * form's bits); the map runs it where the values are wanted and the
 * per-element function for the derivatives alone, so its derivatives must be
 * the function's bits: its multiply-adds exactly where the compiler fuses the
 * function's (tests/test_parity.py compares the gradient of value_and_grad
 * with the gradient alone, bitwise).  A body of the other kind computes the
 * run's transcendentals, then the loss's formulas on them through a
 * function that the per-element function shares; the map runs it in every
 * mode (the derivatives of these losses need their transcendentals too).
 * poisson_nll's is of the second kind but for log_input's value alone,
 * which it computes whole, as the first kind (the values of value and of
 * value_and_grad are compared bitwise too).
 *
 * A body works on FL_EWV_N elements, a multiple of FL_LANES: eight vectors
 * in float32, four in float64 (whose function tables take twice the
 * registers).  These are independent chains of arithmetic, which the
 * compiler interleaves: enough to keep the vector units busy through each
 * chain's latencies, few enough to stay in the registers.
 *
 * A loss with a vector body defines FL_EWV_<name> as 1 next to it, and
 * FL_EWVD_<name> as 1 where the body serves every mode; the map of every
 * other loss runs its per-element function.  Included by fl_ew_losses.h in
 * the AVX-512 level's units, once per unit (its dtype: FL_EW_F32).
 */
#if FL_EW_F32
#define FLV_V __m512
#define FLV_W 16
#define FL_EWV_N 128 /* the elements of one call of a body */
#define FLV(op) _mm512_##op##_ps
#define FLV_CMP(a, b, imm) _mm512_cmp_ps_mask(a, b, imm)
#define FLV_LOG fl_v4_logf
#define FLV_EXP fl_v4_expf
#else
#define FLV_V __m512d
#define FLV_W 8
#define FL_EWV_N 32
#define FLV(op) _mm512_##op##_pd
#define FLV_CMP(a, b, imm) _mm512_cmp_pd_mask(a, b, imm)
#define FLV_LOG fl_v4_log
#define FLV_EXP fl_v4_exp
#endif
/* -x (the sign flipped, as C's unary minus: -(+0) is -0) */
#define FLV_NEG(x) FLV(xor)(x, FLV(set1)(-0.0))

/* A vector body: the values L when WV, the derivatives D when WD and the
   second derivatives H when WH of the FL_EWV_N elements y[], p[] (a[]: the
   per-element option, or NULL for o[0]) in form `form` (compile-time
   constants, as in the per-element function).  A body runs where the
   values are wanted; one that defines FL_EWVD_<name> as 1 too runs in
   every mode (its derivatives need its transcendentals), and its
   derivatives are then its own, not the function's bits. */
#define FL_EWV_LOSS(name)                                                                     \
    FL_AI void FL_T(fl_ewv_##name)(const T *restrict y, const T *restrict p,                  \
                                   FL_UNUSED const T *restrict a, FL_UNUSED const T *o,       \
                                   FL_UNUSED const int form, T *restrict L, T *restrict D,     \
                                   FL_UNUSED T *restrict H, FL_UNUSED const int WV,            \
                                   const int WD, FL_UNUSED const int WH)

/* binary_cross_entropy, as fl_ew_losses.h: q = clip(p, e, 1 - e); form 1
   -log(y != 0 ? q : 1 - q), form 0 -(y log q + (1 - y) log(1 - q)) */
#define FL_EWV_binary_cross_entropy 1
FL_EWV_LOSS(binary_cross_entropy)
{
    const T e = o[0] > FL_EPS_MIN(T) ? o[0] : FL_EPS_MIN(T);
    const FLV_V one = FLV(set1)(1), ev = FLV(set1)(e), e1 = FLV(set1)(1 - e);
    for (int i = 0; i < FL_EWV_N; i += FLV_W) {
        const FLV_V yv = FLV(loadu)(y + i), pv = FLV(loadu)(p + i);
        FLV_V q = FLV(mask_mov)(pv, FLV_CMP(pv, e1, _CMP_GT_OQ), e1);
        q = FLV(mask_mov)(q, FLV_CMP(pv, ev, _CMP_LT_OQ), ev);
        const FLV_V q1 = FLV(sub)(one, q);
        FLV_V l;
        if (form) /* (y != 0 holds for NaN: unordered) */
            l = FLV_LOG(FLV(mask_mov)(q1, FLV_CMP(yv, FLV(setzero)(), _CMP_NEQ_UQ), q));
        else /* (the function's first product fused, as the compiler fuses it) */
            l = FLV(fmadd)(yv, FLV_LOG(q), FLV(mul)(FLV(sub)(one, yv), FLV_LOG(q1)));
        FLV(storeu)(L + i, FLV_NEG(l));
        if (WD)
            FLV(storeu)(D + i, FLV(div)(FLV(sub)(q, yv), FLV(mul)(q, q1)));
    }
}

/* The bodies below compute a run's transcendentals first, a vector at a
   time with this level's inlined functions (FLV_EXP, FLV_LOG; in float32
   also FLV_LOG1P and FLV_EXPM1), and in float64 log1p and expm1 through
   the per-element macros in a loop of their own (the compiler vectorizes
   it: libmvec's log1p, faster there than this level's method; the portable
   expm1, inlined), then the loss's formulas on them (a function that the
   per-element function shares), which the compiler vectorizes; in every
   mode.  FLV_MAP_V(v, f, x) and FLV_MAP_C(v, f, x) store f(x[i]) for each
   element i of the run into v: with the inlined vector function f, or with
   the per-element f in a loop. */
#define FLV_MAP_V(v, f, x)                                                                    \
    for (int i_ = 0; i_ < FL_EWV_N; i_ += FLV_W) FLV(storeu)((v) + i_, f(FLV(loadu)((x) + i_)))
#define FLV_MAP_C(v, f, x)                                                                    \
    for (int j_ = 0; j_ < FL_EWV_N; j_++) (v)[j_] = f((x)[j_])
#if FL_EW_F32
#define FLV_MAP_LOG1P(v, x) FLV_MAP_V(v, fl_v4_log1pf, x)
#define FLV_MAP_EXPM1(v, x) FLV_MAP_V(v, fl_v4_expm1f, x)
#else
#define FLV_MAP_LOG1P(v, x) FLV_MAP_C(v, FL_LOG1P, x)
#define FLV_MAP_EXPM1(v, x) FLV_MAP_C(v, FL_EXPM1, x)
#endif
/* the values, derivatives and second derivatives a mode wants from a
   formula function's l, d, h for lane j */
#define FLV_STORE_LDH(j, l, d, h)                                                           \
    do {                                                                                      \
        if (WV) L[j] = l;                                                                     \
        if (WD) D[j] = d;                                                                     \
        if (WH) H[j] = h;                                                                     \
    } while (0)

/* the logits' e = exp(-|z|) into ev and, where log1p is wanted, log1p(e)
   into sv: the sigmoid losses' transcendentals (softplus(+-z) = max(+-z, 0) +
   log1p(e)) */
#define FLV_SIGMOID_PARTS(ev, sv, p, log1p)                                                  \
    do {                                                                                      \
        for (int i_ = 0; i_ < FL_EWV_N; i_ += FLV_W)                                          \
            FLV(storeu)((ev) + i_, FLV_EXP(FLV_NEG(FLV(abs)(FLV(loadu)((p) + i_)))));          \
        if (log1p) FLV_MAP_LOG1P(sv, ev);                                                     \
    } while (0)

/* binary_cross_entropy_with_logits: e and log1p(e) where the values are
   wanted (the derivatives need only e), fl_bcel's formulas */
#define FL_EWV_binary_cross_entropy_with_logits 1
#define FL_EWVD_binary_cross_entropy_with_logits 1
FL_EWV_LOSS(binary_cross_entropy_with_logits)
{
    T ev[FL_EWV_N], sv[FL_EWV_N];
    FLV_SIGMOID_PARTS(ev, sv, p, WV);
    for (int j = 0; j < FL_EWV_N; j++) {
        T l, d, h;
        FL_T(fl_bcel)(y[j], p[j], a ? a[j] : o[0], ev[j], WV ? sv[j] : (T)0, &l, &d, &h);
        FLV_STORE_LDH(j, l, d, h);
    }
}

/* sigmoid_focal_loss: e and log1p(e) (the derivatives need both),
   fl_focal's formulas */
#define FL_EWV_sigmoid_focal_loss 1
#define FL_EWVD_sigmoid_focal_loss 1
FL_EWV_LOSS(sigmoid_focal_loss)
{
    T ev[FL_EWV_N], sv[FL_EWV_N];
    FLV_SIGMOID_PARTS(ev, sv, p, 1);
    for (int j = 0; j < FL_EWV_N; j++) {
        T l, d, h;
        FL_T(fl_focal)(y[j], p[j], ev[j], sv[j], o, form, &l, &d, &h);
        FLV_STORE_LDH(j, l, d, h);
    }
}

/* log_cosh: r = p - y, t = expm1(|r|) (0 beyond |r| = 20), and where wanted
   log1p(t^2 / (2 (1 + t))) and exp(-2|r|), fl_logcosh's formulas */
#define FL_EWV_log_cosh 1
#define FL_EWVD_log_cosh 1
FL_EWV_LOSS(log_cosh)
{
    T rv[FL_EWV_N], xv[FL_EWV_N], tv[FL_EWV_N], lv[FL_EWV_N], ev[FL_EWV_N];
    for (int i = 0; i < FL_EWV_N; i += FLV_W) {
        const FLV_V r = FLV(sub)(FLV(loadu)(p + i), FLV(loadu)(y + i)), ar = FLV(abs)(r);
        FLV(storeu)(rv + i, r);
        FLV(storeu)(xv + i, FLV(mask_mov)(ar, FLV_CMP(ar, FLV(set1)(20), _CMP_GT_OQ),
                                          FLV(setzero)()));
        if (WH) FLV(storeu)(ev + i, FLV_EXP(FLV(mul)(FLV(set1)(-2), ar)));
    }
    FLV_MAP_EXPM1(tv, xv);
    if (WV) {
        for (int j = 0; j < FL_EWV_N; j++) xv[j] = tv[j] * tv[j] / (2 * (1 + tv[j]));
        FLV_MAP_LOG1P(lv, xv);
    }
    for (int j = 0; j < FL_EWV_N; j++) {
        T l, d, h;
        FL_T(fl_logcosh)(rv[j], tv[j], WV ? lv[j] : (T)0, WH ? ev[j] : (T)0, &l, &d, &h);
        FLV_STORE_LDH(j, l, d, h);
    }
}

/* poisson_nll: exp(p) (log_input) or log(p + eps), and log(max(y, 1))
   (full), fl_poisson's formulas (for log_input's value alone, those
   formulas on whole vectors: the run's exps first, then the values, the
   multiply-add where the compiler fuses fl_poisson's) */
#define FL_EWV_poisson_nll 1
#define FL_EWVD_poisson_nll 1
FL_EWV_LOSS(poisson_nll)
{
    if (form == 1 && !WD && !WH) { /* log_input's value alone, on whole vectors */
        const FLV_V huge = FLV(set1)(FL_HUGE(T));
        FLV_V ev[FL_EWV_N / FLV_W];
        for (int i = 0; i < FL_EWV_N; i += FLV_W) ev[i / FLV_W] = FLV_EXP(FLV(loadu)(p + i));
        for (int i = 0; i < FL_EWV_N; i += FLV_W) { /* e > huge ? e : e - y p */
            const FLV_V pv = FLV(loadu)(p + i), tv = FLV(loadu)(y + i), e = ev[i / FLV_W];
            FLV(storeu)(L + i, FLV(mask_mov)(FLV(fnmadd)(tv, pv, e),
                                             FLV_CMP(e, huge, _CMP_GT_OQ), e));
        }
        return;
    }
    T ev[FL_EWV_N], qv[FL_EWV_N], yv[FL_EWV_N];
    const FLV_V one = FLV(set1)(1), zero = FLV(setzero)();
    for (int i = 0; i < FL_EWV_N; i += FLV_W) {
        const FLV_V pv = FLV(loadu)(p + i), tv = FLV(loadu)(y + i);
        FLV(storeu)(ev + i, form & 1 ? FLV_EXP(pv) : zero);
        FLV(storeu)(qv + i, form & 1 ? zero : FLV_LOG(FLV(add)(pv, FLV(set1)(o[2]))));
        FLV(storeu)(yv + i, form & 2 ? FLV_LOG(FLV(mask_mov)(one, FLV_CMP(tv, one, _CMP_GT_OQ), tv))
                                     : zero);
    }
    for (int j = 0; j < FL_EWV_N; j++) {
        T l, d, h;
        FL_T(fl_poisson)(y[j], p[j], ev[j], qv[j], yv[j], o, form, &l, &d, &h);
        FLV_STORE_LDH(j, l, d, h);
    }
}

/* squared_log_error: log1p(p) and log1p(y), fl_sle's formulas */
#define FL_EWV_squared_log_error 1
#define FL_EWVD_squared_log_error 1
FL_EWV_LOSS(squared_log_error)
{
    T lp[FL_EWV_N], ly[FL_EWV_N];
    FLV_MAP_LOG1P(lp, p);
    FLV_MAP_LOG1P(ly, y);
    for (int j = 0; j < FL_EWV_N; j++) {
        T l, d, h;
        FL_T(fl_sle)(p[j], lp[j], ly[j], &l, &d, &h);
        FLV_STORE_LDH(j, l, d, h);
    }
}

#undef FLV_MAP_V
#undef FLV_MAP_C
#undef FLV_MAP_LOG1P
#undef FLV_MAP_EXPM1
#undef FLV_STORE_LDH
#undef FLV_SIGMOID_PARTS
#undef FLV_V
#undef FLV_W
#undef FLV
#undef FLV_CMP
#undef FLV_LOG
#undef FLV_EXP
#undef FLV_NEG

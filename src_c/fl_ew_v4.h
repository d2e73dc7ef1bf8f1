/*
 * fastloss — the vector bodies of the compute-bound elementwise losses at the
 * AVX-512 level: for a loss of fl_ew_losses.h, a function on one group of
 * FL_LANES elements written with this level's intrinsics, its exp and log
 * (fl_vmath_v4.h) inlined, that the map (fl_ew_template.h) runs in place of
 * the per-element function: the loss and its transcendentals one loop body,
 * without calls.  Each computes the per-element function's formulas, term
 * for term, so that a loss keeps its stated properties (binary
 * cross-entropy's hard-label form gives the two-log form's bits).  The map
 * runs a body where the values are wanted and the per-element function for
 * the derivatives alone, so a body's derivatives must be the function's bits:
 * its multiply-adds exactly where the compiler fuses the function's
 * (tests/test_parity.py compares the gradient of value_and_grad with the
 * gradient alone, bitwise); or, for a loss whose derivatives need its
 * transcendentals too, the body in every mode.  A body may compute the
 * transcendentals of a group with intrinsics and leave the rest to the
 * loss's own formulas on them, as a function that both share.
 *
 * A loss with a vector body defines FL_EWV_<name> as 1 next to it, and
 * FL_EWVD_<name> as 1 where the body serves every mode; the map of every
 * other loss runs its per-element function.  Included by
 * fl_ew_losses.h in the AVX-512 level's units, once per unit (its dtype:
 * FL_EW_F32).
 */
#if FL_EW_F32
#define FLV_V __m512
#define FLV_W 16
#define FLV_M __mmask16
#define FLV(op) _mm512_##op##_ps
#define FLV_CMP(a, b, imm) _mm512_cmp_ps_mask(a, b, imm)
#define FLV_LOG fl_v4_logf
#else
#define FLV_V __m512d
#define FLV_W 8
#define FLV_M __mmask8
#define FLV(op) _mm512_##op##_pd
#define FLV_CMP(a, b, imm) _mm512_cmp_pd_mask(a, b, imm)
#define FLV_LOG fl_v4_log
#endif
/* -x (the sign flipped, as C's unary minus: -(+0) is -0) */
#define FLV_NEG(x) FLV(xor)(x, FLV(set1)(-0.0))

/* A vector body: the values L when WV, the derivatives D when WD and the
   second derivatives H when WH of the FL_LANES elements y[], p[] (a[]: the
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
    for (int i = 0; i < FL_LANES; i += FLV_W) {
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

/* binary_cross_entropy_with_logits in float32 (in float64 the compiler's
   loop, calling this level's exp and libmvec's log1p, is as fast), as
   fl_ew_losses.h: e = exp(-|z|), softplus(+-z) = max(+-z, 0) + log1p(e).
   log1p(e) = log u + d / u with u = 1 + e rounded and d = (1 - u) + e its
   rounding error (exact: 1 >= e), so that the log's argument lies in [1, 2]
   and needs no special cases (NaN passes through the arithmetic). */
#if FL_EW_F32
#define FL_EWV_binary_cross_entropy_with_logits 1
FL_EWV_LOSS(binary_cross_entropy_with_logits)
{
    const FLV_V one = FLV(set1)(1), zero = FLV(setzero)();
    for (int i = 0; i < FL_LANES; i += FLV_W) {
        const FLV_V yv = FLV(loadu)(y + i), pv = FLV(loadu)(p + i);
        const FLV_V av = a ? FLV(loadu)(a + i) : FLV(set1)(o[0]);
        const FLV_V e = fl_v4_expf(FLV_NEG(FLV(abs)(pv)));
        const FLV_V u = FLV(add)(one, e), d = FLV(add)(FLV(sub)(one, u), e);
        const FLV_V s = fl_logf16_core(u, d, 1);
        const FLV_V ny = FLV(sub)(one, yv), ay = FLV(mul)(av, yv);
        const FLV_M up = FLV_CMP(pv, zero, _CMP_GT_OQ), dn = FLV_CMP(pv, zero, _CMP_LT_OQ);
        const FLV_V pos = FLV(maskz_mov)(up, pv), neg = FLV(maskz_mov)(dn, FLV_NEG(pv));
        FLV(storeu)(L + i, FLV(fmadd)(ny, FLV(add)(pos, s), FLV(mul)(ay, FLV(add)(neg, s))));
        if (WD) { /* (ny (z >= 0 ? 1 : e) - ay (z >= 0 ? e : 1)) / (1 + e), the
                     first product fused, as the compiler fuses it */
            const FLV_M ge = FLV_CMP(pv, zero, _CMP_GE_OQ);
            const FLV_V f = FLV(mask_mov)(e, ge, one), g = FLV(mask_mov)(one, ge, e);
            FLV(storeu)(D + i, FLV(div)(FLV(fmsub)(ny, f, FLV(mul)(ay, g)), u));
        }
    }
}
#endif

/* sigmoid_focal_loss in float32 (in float64 the compiler's loop, calling
   this level's exp and libmvec's log1p, is faster): e = exp(-|z|) and
   log1p(e) with this level's inlined functions, a vector at a time, then
   fl_focal's formulas (fl_ew_losses.h) on them, which the compiler
   vectorizes; in every mode (the derivatives need log1p(e) too) */
#if FL_EW_F32
#define FL_EWV_sigmoid_focal_loss 1
#define FL_EWVD_sigmoid_focal_loss 1
FL_EWV_LOSS(sigmoid_focal_loss)
{
    T ev[FL_LANES], sv[FL_LANES];
    for (int i = 0; i < FL_LANES; i += FLV_W) {
        const FLV_V e = fl_v4_expf(FLV_NEG(FLV(abs)(FLV(loadu)(p + i))));
        FLV(storeu)(ev + i, e);
        FLV(storeu)(sv + i, fl_v4_log1pf(e));
    }
    for (int j = 0; j < FL_LANES; j++) {
        T l, d, h;
        FL_T(fl_focal)(y[j], p[j], ev[j], sv[j], o, form, &l, &d, &h);
        if (WV) L[j] = l;
        if (WD) D[j] = d;
        if (WH) H[j] = h;
    }
}
#endif

/* log_cosh in float32: t = expm1(|r|) (0 beyond |r| = 20), and where wanted
   log1p(t^2 / (2 (1 + t))) and exp(-2|r|), with this level's inlined
   functions, then fl_logcosh's formulas (fl_ew_losses.h); in every mode */
#if FL_EW_F32
#define FL_EWV_log_cosh 1
#define FL_EWVD_log_cosh 1
FL_EWV_LOSS(log_cosh)
{
    T rv[FL_LANES], tv[FL_LANES], lv[FL_LANES], ev[FL_LANES];
    const FLV_V one = FLV(set1)(1), two = FLV(set1)(2);
    for (int i = 0; i < FL_LANES; i += FLV_W) {
        const FLV_V r = FLV(sub)(FLV(loadu)(p + i), FLV(loadu)(y + i)), ar = FLV(abs)(r);
        const FLV_V t = fl_v4_expm1f(
            FLV(mask_mov)(ar, FLV_CMP(ar, FLV(set1)(20), _CMP_GT_OQ), FLV(setzero)()));
        FLV(storeu)(rv + i, r);
        FLV(storeu)(tv + i, t);
        FLV(storeu)(lv + i, WV ? fl_v4_log1pf(FLV(div)(FLV(mul)(t, t), FLV(mul)(two, FLV(add)(one, t))))
                               : FLV(setzero)());
        FLV(storeu)(ev + i, WH ? fl_v4_expf(FLV(mul)(FLV(set1)(-2), ar)) : FLV(setzero)());
    }
    for (int j = 0; j < FL_LANES; j++) {
        T l, d, h;
        FL_T(fl_logcosh)(rv[j], tv[j], lv[j], ev[j], &l, &d, &h);
        if (WV) L[j] = l;
        if (WD) D[j] = d;
        if (WH) H[j] = h;
    }
}
#endif

/* poisson_nll in float32: exp(p) (log_input) or log(p + eps), and log(max(y,
   1)) (full), with this level's inlined functions, then fl_poisson's
   formulas (fl_ew_losses.h); in every mode */
#if FL_EW_F32
#define FL_EWV_poisson_nll 1
#define FL_EWVD_poisson_nll 1
FL_EWV_LOSS(poisson_nll)
{
    T ev[FL_LANES], qv[FL_LANES], yv[FL_LANES];
    const FLV_V one = FLV(set1)(1), zero = FLV(setzero)();
    for (int i = 0; i < FL_LANES; i += FLV_W) {
        const FLV_V pv = FLV(loadu)(p + i), tv = FLV(loadu)(y + i);
        FLV(storeu)(ev + i, form & 1 ? fl_v4_expf(pv) : zero);
        FLV(storeu)(qv + i, form & 1 ? zero : fl_v4_logf(FLV(add)(pv, FLV(set1)(o[2]))));
        FLV(storeu)(yv + i, form & 2 ? fl_v4_logf(FLV(mask_mov)(one, FLV_CMP(tv, one, _CMP_GT_OQ), tv))
                                     : zero);
    }
    for (int j = 0; j < FL_LANES; j++) {
        T l, d, h;
        FL_T(fl_poisson)(y[j], p[j], ev[j], qv[j], yv[j], o, form, &l, &d, &h);
        if (WV) L[j] = l;
        if (WD) D[j] = d;
        if (WH) H[j] = h;
    }
}
#endif

#undef FLV_V
#undef FLV_W
#undef FLV_M
#undef FLV
#undef FLV_CMP
#undef FLV_LOG
#undef FLV_NEG

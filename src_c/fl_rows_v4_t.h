/*
 * fastloss — the AVX-512 row loops that are the same for both dtypes: a
 * template (no include guard) that fl_rows_v4.h includes once per dtype,
 * with FLV_T (the dtype), FLV_V (its vector), FLV_M (its lane mask), FLV_W
 * (its lanes), FLV(op) (the intrinsic _mm512_<op>_pd or _ps), FLV_CMP (its
 * comparison to a mask), FLV_LOG (the inline log of fl_vmath_v4.h) and
 * FLV_N(name) (the name with the dtype's suffix) defined.
 */

/* the lanes of v outside a domain (FL_IN_DOMAIN, fl_math.h) */
FL_AI FLV_M FLV_N(fl_v4_outside)(const FLV_V v, const int dom)
{
    const FLV_V zero = FLV(setzero)(), one = FLV(set1)(1);
    if (dom == FL_DOM_UNIT) /* not in [0, 1] (NaN: outside) */
        return (FLV_M)~(FLV_CMP(v, zero, _CMP_GE_OQ) & FLV_CMP(v, one, _CMP_LE_OQ));
    if (dom == FL_DOM_PROB) /* below 0 or above 1 (NaN: inside) */
        return FLV_CMP(v, zero, _CMP_LT_OQ) | FLV_CMP(v, one, _CMP_GT_OQ);
    if (dom == FL_DOM_SIGN) /* |v| != 1 */
        return (FLV_M)~FLV_CMP(FLV(abs)(v), one, _CMP_EQ_OQ);
    return 0;
}

/* p clipped to [e, 1 - e] (below e first, as the portable loops); NaN passes */
FL_AI FLV_V FLV_N(fl_v4_clip)(const FLV_V p, const FLV_T e)
{
    FLV_V q = FLV(mask_mov)(p, FLV_CMP(p, FLV(set1)(1 - e), _CMP_GT_OQ), FLV(set1)(1 - e));
    return FLV(mask_mov)(q, FLV_CMP(p, FLV(set1)(e), _CMP_LT_OQ), FLV(set1)(e));
}

/* the line n values past group i's targets and predictions (the next
   chunk's, where the chunk is the input itself; a prefetch that misses a
   gathered chunk is wasted, never wrong) into the cache while this chunk
   computes (the hardware prefetchers, driven by the loads, would leave the
   memory idle meanwhile).  The address is formed as an integer: it may lie
   past the array, and a prefetch never faults. */
#define FLV_PREFETCH_NEXT(t, z, n, i)                                                       \
    (__builtin_prefetch((const void *)((uintptr_t)(t) + (uintptr_t)((n) + (i)) * sizeof(FLV_T)), 0, 3), \
     __builtin_prefetch((const void *)((uintptr_t)(z) + (uintptr_t)((n) + (i)) * sizeof(FLV_T)), 0, 3))

/* the lanes of group i of n values, and the group's targets and predictions
   (0 in the lanes past n: masked loads read nothing there) */
#define FLV_GROUP(i, n, t, z, live, tv, pv)                                              \
    FLV_PREFETCH_NEXT(t, z, n, i);                                                         \
    const FLV_M live = (n) - (i) >= FLV_W ? (FLV_M)~0 : (FLV_M)(((uint32_t)1 << ((n) - (i))) - 1); \
    const FLV_V tv = FLV(maskz_loadu)(live, (t) + (i)), pv = FLV(maskz_loadu)(live, (z) + (i))

/* categorical cross-entropy's terms (fl_cce_terms, fl_row_losses.h):
   eb[i] = log(clip(z[i])) t[i] for i < n; the number of positions whose
   target or prediction lies outside its domain */
FL_AI int FLV_N(fl_cce_terms_v4)(const FLV_T *restrict t, const FLV_T *restrict z, fl_intp n,
                                 FLV_T e, int targets, int preds, FLV_T *restrict eb)
{
    int nbad = 0;
    for (fl_intp i = 0; i < n; i += FLV_W) {
        FLV_GROUP(i, n, t, z, live, tv, pv);
        nbad += __builtin_popcount(
            (unsigned)((FLV_N(fl_v4_outside)(tv, targets) | FLV_N(fl_v4_outside)(pv, preds)) & live));
        FLV(mask_storeu)(eb + i, live, FLV(mul)(FLV_LOG(FLV_N(fl_v4_clip)(pv, e)), tv));
    }
    return nbad;
}

/* the KL divergence's terms (fl_kl_terms, fl_row_losses.h): eb[i] = t log t'
   - t log clip(z[i]), t' = t where t > 0 and 1 elsewhere (0 log 0 = 0), the
   first product unrounded (one FMA) */
FL_AI int FLV_N(fl_kl_terms_v4)(const FLV_T *restrict t, const FLV_T *restrict z, fl_intp n,
                                FLV_T e, int targets, int preds, FLV_T *restrict eb)
{
    int nbad = 0;
    const FLV_V one = FLV(set1)(1);
    for (fl_intp i = 0; i < n; i += FLV_W) {
        FLV_GROUP(i, n, t, z, live, tv, pv);
        nbad += __builtin_popcount(
            (unsigned)((FLV_N(fl_v4_outside)(tv, targets) | FLV_N(fl_v4_outside)(pv, preds)) & live));
        const FLV_V lq = FLV_LOG(FLV_N(fl_v4_clip)(pv, e));
        const FLV_V lt = FLV_LOG(FLV(mask_mov)(one, FLV_CMP(tv, FLV(setzero)(), _CMP_GT_OQ), tv));
        FLV(mask_storeu)(eb + i, live, FLV(fmsub)(tv, lt, FLV(mul)(tv, lq)));
    }
    return nbad;
}
#undef FLV_GROUP
#undef FLV_PREFETCH_NEXT

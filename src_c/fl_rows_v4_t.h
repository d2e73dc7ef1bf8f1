/*
 * fastloss — the AVX-512 row loops that are the same for both dtypes: a
 * template (no include guard) that fl_rows_v4.h includes once per dtype,
 * with FLV_T (the dtype), FLV_V (its vector), FLV_M (its lane mask), FLV_W
 * (its lanes), FLV(op) (the intrinsic _mm512_<op>_pd or _ps), FLV_CMP (its
 * comparison to a mask), FLV_LOG and FLV_EXP (the inline log and exp of
 * fl_vmath_v4.h), FLV_PICK (1: the softmax row pass
 * picks the labels' logits, with FLV_LABELS and FLV_LABEQ) and FLV_N(name)
 * (the name with the dtype's suffix) defined, which it undefines at its end.
 */

/* The class-major softmax's row pass (fl_smx_rows, fl_row_losses.h) over
   RP rows (a multiple of FLV_W) of zt (zt[j * RP + r]):
   where FLV_PICK, each row's label's logit zy[r] (lab[r], for the rows below
   R: a blend per class, on the classes' way through the max); each row's
   max mx[r] (4 partial maxima, j mod 4, combined as fl_rowmax;
   max(c, m) is c > m ? c : m, NaN skipped), et = exp(zt - mx), the row's sum
   of et in float64 (4 partial sums, j mod 4, combined (s0 + s1) + (s2 + s3))
   rounded to the dtype in sm[r], and si[r] = 1 / sm[r] (et and si needed
   only when WE: the derivatives need them, the value does not).  Meanwhile the lines
   of the next chunk of rows (next: where this chunk's rows end, in the input
   when the chunk is the input itself; a wasted prefetch otherwise) come into
   the cache, each group of rows prefetching as many lines as it has here
   (the hardware prefetchers, driven by the loads, would leave the memory
   idle while this chunk computes; a prefetch never faults, wherever the
   address lies). */
FL_AI void FLV_N(fl_smx_rows_v4)(const FLV_T *restrict zt, fl_intp k, fl_intp R, fl_intp RP,
                                 const fl_intp *restrict lab, FLV_T *restrict zy,
                                 FLV_T *restrict et, FLV_T *restrict mx, FLV_T *restrict sm,
                                 FLV_T *restrict si, const char *next, const int WE)
{
    const fl_intp bytes = FLV_W * k * (fl_intp)sizeof(FLV_T); /* a group's rows */
    for (fl_intp r0 = 0; r0 < RP; r0 += FLV_W) {
        for (fl_intp o = r0 / FLV_W * bytes; o < (r0 / FLV_W + 1) * bytes; o += 64)
            __builtin_prefetch((const void *)((uintptr_t)next + (uintptr_t)o), 0, 3);
        const FLV_T *c = zt + r0;
#if FLV_PICK
        const __m512i lv = FLV_LABELS(lab + r0, R - r0); /* (0 past row R) */
        FLV_V y = FLV(setzero)();
#define FLV_COL(jj, mm)                                                                    \
    do {                                                                                   \
        const FLV_V v = FLV(loadu)(c + (jj) * RP);                                         \
        mm = FLV(max)(v, mm);                                                              \
        y = FLV(mask_mov)(y, FLV_LABEQ(lv, jj), v);                                        \
    } while (0)
#else
        (void)lab, (void)R, (void)zy;
#define FLV_COL(jj, mm) (mm = FLV(max)(FLV(loadu)(c + (jj) * RP), mm))
#endif
        FLV_V m0 = FLV(set1)(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
        fl_intp j = 0;
        for (; j + 4 <= k; j += 4) {
            FLV_COL(j, m0);
            FLV_COL(j + 1, m1);
            FLV_COL(j + 2, m2);
            FLV_COL(j + 3, m3);
        }
        for (; j < k; j++) FLV_COL(j, m0);
#undef FLV_COL
        const FLV_V m = FLV(max)(FLV(max)(m3, m2), FLV(max)(m1, m0));
#if FLV_PICK
        FLV(storeu)(zy + r0, y);
#endif
        /* et = exp(zt - m) and its row sums in float64 */
#define FLV_E(jj) FLV_EXP(FLV(sub)(FLV(loadu)(c + (jj) * RP), m))
#if FLV_W == 16
        /* float32: et stored whether or not the derivatives want it, and
           summed from there (fl_v4_rowsums16) */
        for (j = 0; j < k; j++) FLV(storeu)(et + j * RP + r0, FLV_E(j));
        __m512d lo, hi;
        fl_v4_rowsums16(et + r0, k, RP, &lo, &hi);
        const FLV_V sum = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)),
                                             _mm512_cvtpd_ps(hi), 1);
#else
        /* float64: summed from the registers, et stored only when WE */
        __m512d l0 = _mm512_setzero_pd(), l1 = l0, l2 = l0, l3 = l0;
        for (j = 0; j + 4 <= k; j += 4) {
            const FLV_V e0 = FLV_E(j), e1 = FLV_E(j + 1), e2 = FLV_E(j + 2), e3 = FLV_E(j + 3);
            if (WE) {
                FLV(storeu)(et + j * RP + r0, e0);
                FLV(storeu)(et + (j + 1) * RP + r0, e1);
                FLV(storeu)(et + (j + 2) * RP + r0, e2);
                FLV(storeu)(et + (j + 3) * RP + r0, e3);
            }
            l0 = _mm512_add_pd(l0, e0);
            l1 = _mm512_add_pd(l1, e1);
            l2 = _mm512_add_pd(l2, e2);
            l3 = _mm512_add_pd(l3, e3);
        }
        for (; j < k; j++) {
            const FLV_V e = FLV_E(j);
            if (WE) FLV(storeu)(et + j * RP + r0, e);
            l0 = _mm512_add_pd(l0, e);
        }
        const FLV_V sum = _mm512_add_pd(_mm512_add_pd(l0, l1), _mm512_add_pd(l2, l3));
#endif
#undef FLV_E
        FLV(storeu)(mx + r0, m);
        FLV(storeu)(sm + r0, sum);
        if (WE) FLV(storeu)(si + r0, FLV(div)(FLV(set1)(1), sum));
    }
}

#if FLV_W == 16
/* float32 only (in float64 the compiler's loop of fl_untranspose measured as
   fast): the 16 x 16 square a[] transposed in place (lane j of a[i] becomes
   lane i of a[j]), in four rounds of shuffles */
FL_AI void FLV_N(fl_v4_transpose_square)(FLV_V *a)
{
    FLV_V t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(a[i], a[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(a[i], a[i + 1]);
    }
    for (int i = 0; i < 16; i += 4)
        for (int q = 0; q < 2; q++) {
            const __m512d x = _mm512_castps_pd(t[i + q]), y = _mm512_castps_pd(t[i + q + 2]);
            a[i + 2 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(x, y));
            a[i + 2 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(x, y));
        }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(a[h + i], a[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(a[h + i], a[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        a[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        a[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

/* The two transposes below are compiled once per class count (FLV_BY_K: a
   switch on k over FLV_ONE_K's copies, in which k is a constant), so that
   the loops over the classes unroll and the shuffles of columns past k are
   dropped; the full squares of 16 rows take no test per row. */
#define FLV_BY_K(call)                                                                     \
    switch (k) {                                                                           \
    case 1: call(1); break;                                                                \
    case 2: call(2); break;                                                                \
    case 3: call(3); break;                                                                \
    case 4: call(4); break;                                                                \
    case 5: call(5); break;                                                                \
    case 6: call(6); break;                                                                \
    case 7: call(7); break;                                                                \
    case 8: call(8); break;                                                                \
    case 9: call(9); break;                                                                \
    case 10: call(10); break;                                                              \
    case 11: call(11); break;                                                              \
    case 12: call(12); break;                                                              \
    case 13: call(13); break;                                                              \
    case 14: call(14); break;                                                              \
    case 15: call(15); break;                                                              \
    case 16: call(16); break;                                                              \
    default: call(k); break; /* (never: k is at most 16 here) */                           \
    }

/* rows [0, R) of a contiguous R x K chunk (K <= 16) class-major into zt
   (zt[j * RP + r], the rows from R to RP 0; fl_transpose, fl_row_losses.h):
   a square of 16 rows by the classes at a time, each row one masked load,
   transposed in registers */
FL_AI void FLV_N(fl_transpose_v4_k)(const FLV_T *restrict z, fl_intp R, const int K, fl_intp RP,
                                    FLV_T *restrict zt)
{
    const FLV_M cols = (FLV_M)(((uint32_t)1 << K) - 1);
    for (fl_intp r0 = 0; r0 < RP; r0 += FLV_W) {
        FLV_V a[FLV_W];
        if (r0 + FLV_W <= R)
            for (int i = 0; i < FLV_W; i++) a[i] = FLV(maskz_loadu)(cols, z + (r0 + i) * K);
        else
            for (int i = 0; i < FLV_W; i++)
                a[i] = r0 + i < R ? FLV(maskz_loadu)(cols, z + (r0 + i) * K) : FLV(setzero)();
        FLV_N(fl_v4_transpose_square)(a);
        for (int j = 0; j < K; j++) FLV(storeu)(zt + j * RP + r0, a[j]);
    }
}

/* (called, not inlined: the copies per class count are compiled once) */
static __attribute__((noinline)) void FLV_N(fl_transpose_v4)(const FLV_T *restrict z, fl_intp R,
                                                             fl_intp k, fl_intp RP,
                                                             FLV_T *restrict zt)
{
#define FLV_ONE_K(K) FLV_N(fl_transpose_v4_k)(z, R, K, RP, zt)
    FLV_BY_K(FLV_ONE_K)
#undef FLV_ONE_K
}

/* class-major zt (zt[j * RP + r]) to rows [0, R) of a contiguous R x K chunk
   (K <= 16; fl_untranspose, fl_row_losses.h): a square of 16 rows by the
   classes at a time transposed in registers, each row's classes one masked
   store */
FL_AI void FLV_N(fl_untranspose_v4_k)(const FLV_T *restrict zt, fl_intp R, const int K,
                                      fl_intp RP, FLV_T *restrict z)
{
    const FLV_M cols = (FLV_M)(((uint32_t)1 << K) - 1);
    for (fl_intp r0 = 0; r0 < R; r0 += FLV_W) {
        FLV_V a[FLV_W];
        for (int j = 0; j < FLV_W; j++)
            a[j] = j < K ? FLV(loadu)(zt + j * RP + r0) : FLV(setzero)();
        FLV_N(fl_v4_transpose_square)(a);
        if (r0 + FLV_W <= R)
            for (int i = 0; i < FLV_W; i++) FLV(mask_storeu)(z + (r0 + i) * K, cols, a[i]);
        else
            for (int i = 0; i < FLV_W && r0 + i < R; i++)
                FLV(mask_storeu)(z + (r0 + i) * K, cols, a[i]);
    }
}

static __attribute__((noinline)) void FLV_N(fl_untranspose_v4)(const FLV_T *restrict zt,
                                                               fl_intp R, fl_intp k, fl_intp RP,
                                                               FLV_T *restrict z)
{
#define FLV_ONE_K(K) FLV_N(fl_untranspose_v4_k)(zt, R, K, RP, z)
    FLV_BY_K(FLV_ONE_K)
#undef FLV_ONE_K
}
#undef FLV_BY_K

/* the rows' sums of a contiguous R x k chunk x (k <= 16; fl_rowsums,
   fl_row_losses.h), negated where neg, into out[r]: as fl_rowsum (4 float64
   partial sums, j mod 4, combined (s0 + s1) + (s2 + s3)), a vector of rows
   at a time (fl_v4_rowsums16), the chunk class-major first (into xt: k
   times R rounded up to 16) */
FL_AI void FLV_N(fl_rowsums_v4)(const FLV_T *restrict x, fl_intp R, fl_intp k,
                                FLV_T *restrict xt, double *restrict out, const int neg)
{
    const fl_intp RP = (R + FLV_W - 1) / FLV_W * FLV_W;
    FLV_N(fl_transpose_v4)(x, R, k, RP, xt);
    for (fl_intp r0 = 0; r0 < RP; r0 += FLV_W) {
        __m512d lo, hi;
        fl_v4_rowsums16(xt + r0, k, RP, &lo, &hi);
        if (neg) {
            lo = _mm512_xor_pd(lo, _mm512_set1_pd(-0.0));
            hi = _mm512_xor_pd(hi, _mm512_set1_pd(-0.0));
        }
        _mm512_mask_storeu_pd(out + r0, fl_v4_first8(R - r0), lo);
        _mm512_mask_storeu_pd(out + r0 + 8, fl_v4_first8(R - r0 - 8), hi);
    }
}
#endif

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

/* how many of the live lanes have a target or a prediction outside its domain */
FL_AI int FLV_N(fl_v4_count_bad)(const FLV_V tv, const FLV_V pv, const int targets,
                                 const int preds, const FLV_M live)
{
    const FLV_M out = FLV_N(fl_v4_outside)(tv, targets) | FLV_N(fl_v4_outside)(pv, preds);
    return __builtin_popcount((unsigned)(out & live));
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
#define FLV_PAST(x, n, i) ((const void *)((uintptr_t)(x) + (uintptr_t)((n) + (i)) * sizeof(FLV_T)))
#define FLV_PREFETCH_NEXT(t, z, n, i)                                                       \
    (__builtin_prefetch(FLV_PAST(t, n, i), 0, 3), __builtin_prefetch(FLV_PAST(z, n, i), 0, 3))

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
        nbad += FLV_N(fl_v4_count_bad)(tv, pv, targets, preds, live);
        FLV(mask_storeu)(eb + i, live, FLV(mul)(FLV_LOG(FLV_N(fl_v4_clip)(pv, e)), tv));
    }
    return nbad;
}

/* the KL divergence's terms (fl_kl_terms, fl_row_losses.h): eb[i] = t
   log(t' / q), q = clip(z[i]), t' = t where t > 0 and 1 elsewhere (0 log 0 =
   0), with one log: r = t' / q rounded, its remainder t' - r q exact (one
   FMA), log(t' / q) = log r + (t' - r q) / (q r) to within the log's own
   error (the quotient's rounding carried, as log1pf carries 1 + x's; the
   remainder's 1 / q from rcp14 suffices for a term below an ulp of r).
   Where r is not a normal number (t' tiny), t log t' - t log q (the first
   product unrounded: one FMA); a lane's path is its own. */
FL_AI int FLV_N(fl_kl_terms_v4)(const FLV_T *restrict t, const FLV_T *restrict z, fl_intp n,
                                FLV_T e, int targets, int preds, FLV_T *restrict eb)
{
    int nbad = 0;
    const FLV_V one = FLV(set1)(1);
    const FLV_V tiny = FLV(set1)(sizeof(FLV_T) == 4 ? (FLV_T)0x1p-126 : (FLV_T)0x1p-1022);
    for (fl_intp i = 0; i < n; i += FLV_W) {
        FLV_GROUP(i, n, t, z, live, tv, pv);
        nbad += FLV_N(fl_v4_count_bad)(tv, pv, targets, preds, live);
        const FLV_V q = FLV_N(fl_v4_clip)(pv, e);
        const FLV_V tp = FLV(mask_mov)(one, FLV_CMP(tv, FLV(setzero)(), _CMP_GT_OQ), tv);
        const FLV_V r = FLV(div)(tp, q);
        const FLV_V d = FLV(mul)(FLV(fnmadd)(r, q, tp), FLV(rcp14)(q));
        FLV_V term = FLV(mul)(tv, FLV_LOG_D(r, d));
        const FLV_M sub = FLV_CMP(r, tiny, _CMP_LT_OQ) & live;
        if (sub)
            term = FLV(mask_mov)(term, sub, FLV(fmsub)(tv, FLV_LOG(tp), FLV(mul)(tv, FLV_LOG(q))));
        FLV(mask_storeu)(eb + i, live, term);
    }
    return nbad;
}
#undef FLV_GROUP
#undef FLV_PREFETCH_NEXT
#undef FLV_PAST
#undef FLV_T
#undef FLV_V
#undef FLV_M
#undef FLV_W
#undef FLV
#undef FLV_CMP
#undef FLV_LOG
#undef FLV_EXP
#undef FLV_LOG_D
#undef FLV_PICK
#undef FLV_LABELS
#undef FLV_LABEQ
#undef FLV_N

/*
 * fastloss — what the block driver and the kernels share: the fixed-order
 * summation lanes, a block's results, and the driver's entry.
 *
 * The reduction block is the fixed unit of summation (FL_BLOCK elements of an
 * elementwise loss, FL_ROWBLOCK rows of a row loss).  A block sums its values
 * in FL_LANES lanes (lane = index mod FL_LANES) and a fixed pairwise tree over
 * the lanes; the driver combines block sums in block order.  The order
 * depends only on the count, never on the instruction set or the thread
 * count, so results are bitwise the same for any n_threads.  32 lanes = 4
 * AVX-512 (8 AVX2) accumulators: enough independent add chains to hide the
 * latency of an add.
 */
#ifndef FL_BLOCKS_H
#define FL_BLOCKS_H
#include "fl_kernels.h"
#include "fl_math.h"

#define FL_LANES 32

/* the pairwise tree over the lanes (a[0] holds the result) */
FL_AI double fl_lanetree(double *a)
{
    for (int h = FL_LANES / 2; h > 0; h /= 2)
        for (int j = 0; j < h; j++) a[j] += a[j + h];
    return a[0];
}

/* a block's results: sums of w*loss, w and |w|, and its first invalid
   position (FL_PART_OK: none; FL_PART_NOMEM: the block could not get its
   buffers) */
enum { FL_PART_OK = -1, FL_PART_NOMEM = -2 };
typedef struct {
    double s, sw, swa;
    fl_intp bad;
} fl_part;

/* processes blocks [b0, b1) of a job, each writing its own part[b] */
typedef void (*fl_blocks_fn)(const void *job, fl_intp b0, fl_intp b1, fl_part *part);

/* Run blocks [0, nblocks) on the thread pool and combine their parts in block
   order into res; FL_OK, FL_NOMEM or FL_INTERRUPTED. */
int fl_run_blocks(fl_blocks_fn fn, const void *job, fl_intp nblocks, fl_par par,
                  int want_sum, fl_result *res);
/* combine parts [0, nblocks) in block order; nonzero when a block ran out of memory */
int fl_combine(const fl_part *part, fl_intp nblocks, int want_sum, fl_result *res);
#endif

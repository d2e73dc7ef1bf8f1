/* fastloss — the kernels' thread pool (fl_pool.c). */
#ifndef FL_POOL_H
#define FL_POOL_H
#include "fl_kernels.h"

/* the most threads a run uses, whatever is asked */
#define FL_MAX_THREADS 256

/* Process blocks [b0, b1) of a job.  slot identifies the participant (0 is
   the calling thread, helpers 1 .. n_threads - 1), for per-thread scratch. */
typedef void (*fl_task_fn)(void *ctx, fl_intp b0, fl_intp b1, int slot);

/* Run blocks [0, nblocks) of fn on up to par.n_threads threads (the caller
   and pool workers); returns 0, or FL_INTERRUPTED when the interrupt check
   asked to stop (par.interruptible; blocks not yet claimed were skipped). */
int fl_parallel(fl_task_fn fn, void *ctx, fl_intp nblocks, fl_par par);

/* Once per process: the interrupt check (called by the thread that started
   an interruptible run, between chunks; nonzero = stop) and the default
   thread count. */
void fl_pool_init(int (*check)(void), int limit);
/* workers started so far in this process */
int fl_pool_workers(void);
/* the default thread count (n_threads=None); exported for threadpoolctl */
int fastloss_get_num_threads(void);
void fastloss_set_num_threads(int n);
#endif

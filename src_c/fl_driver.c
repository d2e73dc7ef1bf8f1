/*
 * fastloss — the block driver: runs a job's reduction blocks on the thread
 * pool (fl_pool.c) and combines their results in block order, so that a
 * result never depends on how the blocks were shared out over threads.
 */
#include "fl_blocks.h"
#include "fl_pool.h"

/* Block sums combined in block order (independent of how the blocks were
   shared out over threads), and the first invalid position; returns whether
   a block could not get its buffers (FL_PART_NOMEM). */
int fl_combine(const fl_part *part, fl_intp nblocks, int want_sum, fl_result *res)
{
    double s = 0.0, sw = 0.0, swa = 0.0;
    fl_intp bad = -1;
    int oom = 0;
    for (fl_intp b = 0; b < nblocks; b++) {
        if (want_sum) {
            s += part[b].s;
            sw += part[b].sw;
            swa += part[b].swa;
        }
        if (bad < 0 && part[b].bad >= 0) bad = part[b].bad;
        oom |= part[b].bad == FL_PART_NOMEM;
    }
    res->sum = s;
    res->sum_w = sw;
    res->sum_wabs = swa;
    res->bad = bad;
    return oom;
}

/* one run of block functions on the pool: each block writes its own part */
typedef struct {
    fl_blocks_fn fn;
    const void *job;
    fl_part *part;
} fl_blocks_task;

static void fl_blocks_task_run(void *ctx, fl_intp b0, fl_intp b1, int slot)
{
    const fl_blocks_task *t = (const fl_blocks_task *)ctx;
    (void)slot;
    t->fn(t->job, b0, b1, t->part);
}

int fl_run_blocks(fl_blocks_fn fn, const void *job, fl_intp nblocks, fl_par par,
                  int want_sum, fl_result *res)
{
    fl_part stackpart[64];
    fl_part *part = stackpart;
    if (nblocks > 64) {
        part = (fl_part *)malloc((size_t)nblocks * sizeof(fl_part));
        if (!part) return FL_NOMEM;
    }
    fl_blocks_task t = {fn, job, part};
    int rc = fl_parallel(fl_blocks_task_run, &t, nblocks, par);
    if (rc == FL_OK && fl_combine(part, nblocks, want_sum, res)) rc = FL_NOMEM;
    if (part != stackpart) free(part);
    return rc;
}


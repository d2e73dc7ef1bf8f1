/*
 * fastloss — the thread pool that runs the kernels' blocks.
 *
 * One job at a time is shared out: the calling thread posts it, wakes as many
 * idle workers as it wants helpers, and works on the job itself at once.
 * Every participant claims chunks of consecutive blocks from one atomic
 * counter until none are left, so a worker that starts late (or runs on a core
 * another process is using) simply takes fewer chunks; the caller never waits
 * for a worker that has not started, only for chunks already claimed.  Each
 * block writes its own results, which the caller combines in block order, so
 * how the chunks were shared out never changes a bit of the result.
 *
 * Idle workers sleep on a condition variable (no spinning: an idle pool costs
 * no CPU).  The caller may spin briefly while the last claimed chunks finish,
 * then sleeps too.  A second caller that finds the pool busy runs its job on
 * its own thread instead of waiting.
 *
 * Workers are started on first need.  A worker that cannot be started
 * (pthread_create fails, e.g. under a memory limit) means fewer helpers, never
 * an error.  After fork() the child has no workers (threads do not survive a
 * fork); the pool is reset in the child and starts fresh ones when needed.
 *
 * A caller that asks to be interruptible calls the installed check between
 * chunks (at most every FL_CHECK_NS): when it reports a pending signal, no
 * further chunks are claimed, the chunks in flight finish, and the run
 * returns FL_INTERRUPTED.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fl_pool.h"

#define FL_CHECK_NS 20000000L   /* interrupt checks at most every 20 ms */
#define FL_MAX_CHUNK 64         /* blocks per claim, at most */
#define FL_SPIN_NS 30000L       /* the caller polls this long for the last chunks, then sleeps */
#define FL_STACK (1 << 20)      /* worker stack: the kernels need < 200 KiB */

/* a share of the blocks: [next, end), claimed chunk by chunk from the front
   by its owner and, once their own share is done, by the others (one cache
   line each: owners do not disturb each other) */
typedef struct {
    _Alignas(64) atomic_long next;
    long end;
} fl_share;

typedef struct {
    fl_task_fn fn;
    void *ctx;
    fl_intp nblocks, chunk;
    int nshares;
    fl_share *share;      /* participant s first works through share[s] */
    atomic_int stop;      /* set on interruption: claim nothing more */
    atomic_int active;    /* helpers working on the job */
    int want, joined;     /* helpers wanted / joined so far (under the pool lock) */
} fl_pjob;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;  /* idle workers wait here for a job */
    pthread_cond_t done;  /* the caller waits here for the last helper */
    fl_pjob *job;         /* the posted job, NULL when none is open */
    int busy;             /* a caller owns the pool */
    int n_workers;        /* started */
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
       NULL, 0, 0};

static int (*fl_interrupt_check)(void) = NULL;
static atomic_int fl_limit = 1;           /* threads of n_threads=None */
static pthread_once_t fl_once = PTHREAD_ONCE_INIT;

static long fl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Claim and run chunks until none are left (or the job is stopped): first
   from the participant's own share, then from the others' (a late or slowed
   participant's blocks are taken over, from the front of its share).  The
   caller (check != 0) also polls for signals between chunks. */
static int fl_claim_loop(fl_pjob *j, int slot, int check)
{
    long last = check ? fl_now_ns() : 0;
    for (int k = 0; k < j->nshares; k++) {
        fl_share *sh = j->share + (slot + k) % j->nshares;
        for (;;) {
            if (atomic_load_explicit(&j->stop, memory_order_relaxed)) return 0;
            const fl_intp b0 = (fl_intp)atomic_fetch_add_explicit(&sh->next, (long)j->chunk,
                                                                   memory_order_relaxed);
            if (b0 >= sh->end) break;
            const fl_intp b1 = b0 + j->chunk < sh->end ? b0 + j->chunk : sh->end;
            j->fn(j->ctx, b0, b1, slot);
                if (check) {
                const long now = fl_now_ns();
                if (now - last >= FL_CHECK_NS) {
                    last = now;
                    if (fl_interrupt_check && fl_interrupt_check()) {
                        atomic_store(&j->stop, 1);
                        return FL_INTERRUPTED;
                    }
                }
            }
        }
    }
    return 0;
}

static void *fl_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&P.mu);
    for (;;) {
        fl_pjob *j = P.job;
        if (j && j->joined < j->want) {
            const int slot = ++j->joined;
            atomic_fetch_add(&j->active, 1);
            pthread_mutex_unlock(&P.mu);
            fl_claim_loop(j, slot, 0);
            /* j may be gone as soon as active reaches 0: not touched after */
            const int last = atomic_fetch_sub(&j->active, 1) == 1;
            pthread_mutex_lock(&P.mu);
            if (last) pthread_cond_broadcast(&P.done);
            continue;
        }
        pthread_cond_wait(&P.wake, &P.mu);
    }
    return NULL;
}

/* Start workers until there are n (under the lock); returns how many exist. */
static int fl_start_workers(int n)
{
    if (P.n_workers >= n) return P.n_workers;
    pthread_attr_t attr;
    sigset_t all, old;
    if (pthread_attr_init(&attr)) return P.n_workers;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, FL_STACK);
    /* workers never handle signals: they are left to the threads that run
       Python (a new thread inherits this mask) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (P.n_workers < n) {
        pthread_t t;
        if (pthread_create(&t, &attr, fl_worker, NULL)) break;  /* fewer helpers */
        P.n_workers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return P.n_workers;
}

/* fork(): keep the pool's lock consistent across it; the child starts with
   no workers (they were not copied) and an idle pool. */
static void fl_atfork_prepare(void) { pthread_mutex_lock(&P.mu); }
static void fl_atfork_parent(void) { pthread_mutex_unlock(&P.mu); }
static void fl_atfork_child(void)
{
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.wake, NULL);
    pthread_cond_init(&P.done, NULL);
    P.job = NULL;
    P.busy = 0;
    P.n_workers = 0;
}
static void fl_pool_once(void)
{
    pthread_atfork(fl_atfork_prepare, fl_atfork_parent, fl_atfork_child);
}

void fl_pool_init(int (*check)(void), int limit)
{
    pthread_once(&fl_once, fl_pool_once);
    fl_interrupt_check = check;
    fastloss_set_num_threads(limit);
}

int fl_parallel(fl_task_fn fn, void *ctx, fl_intp nblocks, fl_par par)
{
    int T = par.n_threads < 1 ? 1 : par.n_threads;
    if (nblocks <= 0) return 0;
    if ((fl_intp)T > nblocks) T = (int)nblocks;
    if (T == 1 && !par.interruptible) {
        fn(ctx, 0, nblocks, 0);
        return 0;
    }
    fl_pjob j;
    fl_share shares[FL_MAX_THREADS];
    memset(&j, 0, sizeof(j));
    j.fn = fn;
    j.ctx = ctx;
    j.nblocks = nblocks;
    /* about 16 claims per participant, so that an uneven share (a late or
       slowed worker) costs little; at most FL_MAX_CHUNK blocks a claim */
    fl_intp chunk = nblocks / ((fl_intp)T * 16);
    j.chunk = chunk < 1 ? 1 : (chunk > FL_MAX_CHUNK ? FL_MAX_CHUNK : chunk);
    j.nshares = T;
    j.share = shares;
    for (int t = 0; t < T; t++) {  /* contiguous shares: each thread keeps its data in cache */
        atomic_init(&shares[t].next, (long)(nblocks * t / T));
        shares[t].end = (long)(nblocks * (t + 1) / T);
    }
    atomic_init(&j.stop, 0);
    atomic_init(&j.active, 0);
    int posted = 0;
    if (T > 1) {
        pthread_mutex_lock(&P.mu);
        if (!P.busy) {
            const int helpers = fl_start_workers(T - 1);
            j.want = helpers < T - 1 ? helpers : T - 1;
            if (j.want > 0) {
                P.busy = 1;
                P.job = &j;
                posted = 1;
                if (j.want >= P.n_workers)
                    pthread_cond_broadcast(&P.wake);
                else
                    for (int i = 0; i < j.want; i++) pthread_cond_signal(&P.wake);
            }
        }
        pthread_mutex_unlock(&P.mu);
    }
    const int rc = fl_claim_loop(&j, 0, par.interruptible);
    if (posted) {
        pthread_mutex_lock(&P.mu);
        P.job = NULL;  /* closed: no late worker joins now */
        pthread_mutex_unlock(&P.mu);
        /* the helpers' last chunks usually end within microseconds: poll
           for a moment, yielding (a helper may share this CPU), then sleep */
        const long t0 = fl_now_ns();
        while (atomic_load(&j.active) && fl_now_ns() - t0 < FL_SPIN_NS) sched_yield();
        pthread_mutex_lock(&P.mu);
        while (atomic_load(&j.active)) pthread_cond_wait(&P.done, &P.mu);
        P.busy = 0;
        pthread_mutex_unlock(&P.mu);
    }
    return rc;
}

int fl_pool_workers(void)
{
    pthread_mutex_lock(&P.mu);
    const int n = P.n_workers;
    pthread_mutex_unlock(&P.mu);
    return n;
}

/* the default thread count (n_threads=None), also threadpoolctl's handle */
int fastloss_get_num_threads(void) { return atomic_load(&fl_limit); }
void fastloss_set_num_threads(int n)
{
    atomic_store(&fl_limit, n < 1 ? 1 : (n > FL_MAX_THREADS ? FL_MAX_THREADS : n));
}

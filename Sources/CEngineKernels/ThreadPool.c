// The engine's thread pool: runs the tasks of one parallel step on threads that spin
// briefly before they sleep.
//
// Why not Dispatch's concurrentPerform: one inference of a ResNet at batch 1 is some 40
// parallel steps of 0.2–2 ms each. Between two steps Dispatch's workers go to sleep, and
// waking a sleeping thread on an idle virtual CPU took long enough that two threads were
// barely faster than one (BENCHMARKS.md, "Engine against ONNX Runtime and OpenVINO").
// Here a worker that finishes spins for `spin_ns` waiting for the next step, so the steps
// of one inference follow each other without a wake-up, and sleeps on a condition
// variable after that, so an idle engine costs nothing.
//
// One step runs at a time. A caller that finds the pool busy (another thread's step, or
// a task of the running step that asks for parallelism itself) runs its tasks inline.
#include "CEngineKernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ __volatile__("yield"); }
#else
static inline void cpu_relax(void) {}
#endif

enum { max_workers = 255 };
static const long spin_ns = 200 * 1000;

// The word `next` holds the step's generation (high 32 bits) and its next unclaimed task
// (low 32 bits), so a worker that is still looking at the previous step can never claim
// a task of the next one: its compare-and-swap carries the old generation and fails.
static struct {
    pthread_mutex_t submit;  // held by the thread whose step is running
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    _Atomic uint64_t next;
    _Atomic long finished;
    _Atomic int sleeping;
    long tasks;
    engine_task_function function;
    void *context;
    int workers;  // started so far; only the submitting thread changes it
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/// Claims and runs tasks of generation `generation` until none is left.
static void run_tasks(uint64_t generation) {
    for (;;) {
        uint64_t word = atomic_load(&pool.next);
        if (word >> 32 != generation || (long)(word & 0xffffffffu) >= pool.tasks) return;
        if (!atomic_compare_exchange_weak(&pool.next, &word, word + 1)) continue;
        pool.function(pool.context, (long)(word & 0xffffffffu));
        atomic_fetch_add(&pool.finished, 1);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    uint64_t seen = atomic_load(&pool.next) >> 32;
    for (;;) {
        uint64_t generation = atomic_load(&pool.next) >> 32;
        if (generation == seen) {
            const long start = now_ns();
            for (int spins = 0; generation == seen; spins++) {
                cpu_relax();
                generation = atomic_load(&pool.next) >> 32;
                if ((spins & 255) == 255 && now_ns() - start > spin_ns) break;
            }
            if (generation == seen) {
                pthread_mutex_lock(&pool.sleep_lock);
                atomic_fetch_add(&pool.sleeping, 1);
                while ((generation = atomic_load(&pool.next) >> 32) == seen)
                    pthread_cond_wait(&pool.wake, &pool.sleep_lock);
                atomic_fetch_sub(&pool.sleeping, 1);
                pthread_mutex_unlock(&pool.sleep_lock);
            }
        }
        seen = generation;
        run_tasks(generation);
    }
    return NULL;
}

/// Starts workers until there are `count` (or as many as could be started).
static void start_workers(int count) {
    while (pool.workers < count) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attributes, worker_main, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) return;
        pool.workers++;
    }
}

void engine_parallel_run(long tasks, engine_task_function function, void *context) {
    if (tasks <= 1 || tasks > 0x7fffffffL || pthread_mutex_trylock(&pool.submit) != 0) {
        for (long task = 0; task < tasks; task++) function(context, task);
        return;
    }
    start_workers(tasks - 1 < max_workers ? (int)(tasks - 1) : max_workers);
    pool.function = function;
    pool.context = context;
    pool.tasks = tasks;
    atomic_store(&pool.finished, 0);
    const uint64_t generation = (atomic_load(&pool.next) >> 32) + 1;
    atomic_store(&pool.next, generation << 32);  // publishes the fields above (seq_cst)
    if (atomic_load(&pool.sleeping) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    run_tasks(generation);
    while (atomic_load(&pool.finished) < tasks) cpu_relax();
    pthread_mutex_unlock(&pool.submit);
}

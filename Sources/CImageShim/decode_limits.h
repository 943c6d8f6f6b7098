// Shared by the JPEG and PNG shims: checks an ishim_decode_limits.
#ifndef ISHIM_DECODE_LIMITS_H
#define ISHIM_DECODE_LIMITS_H

#include "image_shim.h"
#include <time.h>

static inline int64_t ishim_thread_cpu_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

// CPU time, not wall time: a decode slowed by other work on a busy machine
// is not the file's fault.
typedef struct {
    const ishim_decode_limits *limits;
    int64_t started_ns;
} ishim_limit_clock;

static inline ishim_limit_clock ishim_limit_clock_start(const ishim_decode_limits *limits) {
    ishim_limit_clock clock = { limits, 0 };
    if (limits != NULL && limits->cpu_time_limit_ns > 0) clock.started_ns = ishim_thread_cpu_ns();
    return clock;
}

/// ISHIM_OK, ISHIM_CANCELLED or ISHIM_LIMIT (with the message written).
static inline int ishim_limit_check(const ishim_limit_clock *clock, char *message, size_t size) {
    const ishim_decode_limits *limits = clock->limits;
    if (limits == NULL) return ISHIM_OK;
    if (limits->cancelled != NULL && __atomic_load_n(limits->cancelled, __ATOMIC_RELAXED) != 0) {
        snprintf(message, size, "decoding was cancelled");
        return ISHIM_CANCELLED;
    }
    if (limits->cpu_time_limit_ns > 0) {
        int64_t spent = ishim_thread_cpu_ns() - clock->started_ns;
        if (spent > limits->cpu_time_limit_ns) {
            snprintf(message, size, "decoding took more than %lld ms of CPU time",
                     (long long)(limits->cpu_time_limit_ns / 1000000));
            return ISHIM_LIMIT;
        }
    }
    return ISHIM_OK;
}

#endif

#include "CEngineKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
// Declared weak: present in OpenBLAS DYNAMIC_ARCH builds only; absent elsewhere, where
// their addresses are NULL and nothing is changed. (ELF only: Mach-O would refuse to link
// a weak reference that no library defines.)
extern char *openblas_get_corename(void) __attribute__((weak));
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

const char *engine_blas_select_core(void) {
    if (!openblas_get_corename) return NULL;
    const char *current = openblas_get_corename();
#if defined(__x86_64__) || defined(__i386__)
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return current;
    if (getenv("OPENBLAS_CORETYPE") != NULL) return current;  // the user decided
    // Prescott: 0.3.21's generic fallback on CPUs it does not recognise (slow).
    // Zen: its AMD set is not bit-reproducible: the same sgemm calls on the same data give
    // results that differ in the sixth digit from one call to the next (reproduced with
    // OPENBLAS_CORETYPE=Zen by InferenceNetworkTests.resultsDoNotDependOnTheBatchOrOnEarlierCalls),
    // which breaks the engine's determinism promise. With OPENBLAS_CORETYPE=Haswell the
    // same test repeats its results bit for bit.
    if (current == NULL || (strcmp(current, "Prescott") != 0 && strcmp(current, "Zen") != 0)) return current;
    __builtin_cpu_init();
    const char *better = NULL;
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")) {
        better = "SkylakeX";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        better = "Haswell";
    }
    if (better == NULL) return current;
    // OpenBLAS reads its choice from the environment only. setenv is not safe against a
    // concurrent getenv, so this runs once, at the engine's first use (call
    // `EngineThreads.prepare()` early in `main` to make that the start-up).
    setenv("OPENBLAS_CORETYPE", better, 0);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    return openblas_get_corename();
#else
    return current;
#endif
}

#else
const char *engine_blas_select_core(void) { return NULL; }
#endif

// Depthwise convolution (one filter per channel, MobileNetV2's 3×3 layers), plane by
// plane: forward with bias and a clamp, input gradient and weight gradient.
//
// Why not im2col + GEMM: each output channel reads one input channel, so the "matrix
// product" is a k²-long dot product per pixel and the column copy would cost more than
// the arithmetic. Here each tap is a multiply-add over a row of the plane, which the
// compiler vectorises, with no copy at all. One plane is one call, so callers split the
// work by planes (image, channel) and every result is the same for any split.
//
// Compiled per instruction set (AVX-512, AVX2 + FMA, and the portable baseline) and
// chosen at run time by the caller's `level`, as the other kernels are.
#include "CEngineKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#define NAME(x) x##_avx512
#include "DepthwiseTemplate.h"
#undef TARGET
#undef NAME

#define TARGET __attribute__((target("avx2,fma")))
#define NAME(x) x##_avx2
#include "DepthwiseTemplate.h"
#undef TARGET
#undef NAME
#endif

#define TARGET
#define NAME(x) x##_portable
#include "DepthwiseTemplate.h"
#undef TARGET
#undef NAME

static int usable(int level) { return level >= 0 && level <= engine_cpu_vector_level(); }

/// Each thread's scratch for the padded forward pass, grown to the largest plane it has
/// run and kept: a plane is one call on one thread, so nothing else uses it meanwhile.
static __thread float *thread_scratch;
static __thread long thread_scratch_count;

static float *scratch_of(long count) {
    if (count > thread_scratch_count) {
        float *grown = realloc(thread_scratch, sizeof(float) * (size_t)count);
        if (grown == NULL) return NULL;
        thread_scratch = grown;
        thread_scratch_count = count;
    }
    return thread_scratch;
}

int engine_depthwise_forward(int level, const float *input, long H, long W, const float *weight, long k, long stride,
                             long padding, float bias, float low, float high, float *output, long P, long Q) {
    if (!usable(level)) return -1;
    // The padded form covers strides 1 and 2 with a filter at least as wide as the stride
    // (then each padded row holds all Q outputs); the row form everything else, and the
    // rare plane whose scratch cannot be had.
    float *scratch = (stride == 1 || stride == 2) && k >= stride
        ? scratch_of(dw_padded_scratch_portable(H, W, stride, padding, P)) : NULL;
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) {
        if (scratch) dw_forward_padded_avx512(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q, scratch);
        else dw_forward_avx512(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q);
        return 0;
    }
    if (level == 1) {
        if (scratch) dw_forward_padded_avx2(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q, scratch);
        else dw_forward_avx2(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q);
        return 0;
    }
#endif
    if (scratch) dw_forward_padded_portable(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q, scratch);
    else dw_forward_portable(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q);
    return 0;
}

int engine_depthwise_input_gradient(int level, const float *outputGradient, long P, long Q, const float *weight, long k,
                                    long stride, long padding, float *inputGradient, long H, long W) {
    if (!usable(level)) return -1;
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) { dw_input_gradient_avx512(outputGradient, P, Q, weight, k, stride, padding, inputGradient, H, W); return 0; }
    if (level == 1) { dw_input_gradient_avx2(outputGradient, P, Q, weight, k, stride, padding, inputGradient, H, W); return 0; }
#endif
    dw_input_gradient_portable(outputGradient, P, Q, weight, k, stride, padding, inputGradient, H, W);
    return 0;
}

int engine_depthwise_weight_gradient(int level, const float *input, long H, long W, const float *outputGradient, long P,
                                     long Q, long k, long stride, long padding, float *weightGradient) {
    if (!usable(level)) return -1;
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) { dw_weight_gradient_avx512(input, H, W, outputGradient, P, Q, k, stride, padding, weightGradient); return 0; }
    if (level == 1) { dw_weight_gradient_avx2(input, H, W, outputGradient, P, Q, k, stride, padding, weightGradient); return 0; }
#endif
    dw_weight_gradient_portable(input, H, W, outputGradient, P, Q, k, stride, padding, weightGradient);
    return 0;
}

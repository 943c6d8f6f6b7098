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

int engine_depthwise_forward(int level, const float *input, long H, long W, const float *weight, long k, long stride,
                             long padding, float bias, float low, float high, float *output, long P, long Q) {
    if (!usable(level)) return -1;
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) { dw_forward_avx512(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q); return 0; }
    if (level == 1) { dw_forward_avx2(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q); return 0; }
#endif
    dw_forward_portable(input, H, W, weight, k, stride, padding, bias, low, high, output, P, Q);
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

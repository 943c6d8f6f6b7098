// Direct 3×3, stride-1, padding-1 convolution for training: forward, input gradient and
// weight gradient, with no im2col matrix and no GEMM packing.
//
// Why: on a ResNet-20 training step the sgemm inner kernel was only about a third of the
// CPU time; im2col, col2im, OpenBLAS's packing of the nine-times-larger column matrix, and
// the layout copies around the GEMMs took about as much again (perf, 2-core VM). Here each
// tap of the kernel reads a contiguous run of a zero-padded input plane, so the only copy
// is the padding itself (1.3× the input on 32×32 planes, against 9× for im2col).
//
// The input gradient of this convolution is the same convolution of the padded output
// gradient with the weights transposed (C↔K) and rotated by 180°, so one forward kernel
// serves both. Vector code is compiled per instruction set (AVX-512, AVX2+FMA) and chosen
// at run time, as OpenBLAS does; without either the engine keeps its im2col path.
#include "CEngineKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define VEC 16
#define KB 8
#define JB 3
#define GB 8
#define TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#define NAME(x) x##_avx512
#include "Direct3x3Template.h"
#undef VEC
#undef KB
#undef JB
#undef GB
#undef TARGET
#undef NAME

#define VEC 8
#define KB 4
#define JB 3
#define GB 4
#define TARGET __attribute__((target("avx2,fma")))
#define NAME(x) x##_avx2
#include "Direct3x3Template.h"
#undef VEC
#undef KB
#undef JB
#undef GB
#undef TARGET
#undef NAME

/// 2: AVX-512, 1: AVX2 + FMA, 0: neither; ENGINE_DIRECT_KERNELS=0 (or =avx2) in the
/// environment caps it, to compare against the im2col path or to rule the kernels out.
static int detected_level(void) {
    const char *cap = getenv("ENGINE_DIRECT_KERNELS");
    if (cap != NULL && strcmp(cap, "0") == 0) return 0;
    int level = engine_cpu_vector_level();
    if (cap != NULL && strcmp(cap, "avx2") == 0 && level > 1) return 1;
    return level;
}
#else
static int detected_level(void) { return 0; }
#endif

// Read by every kernel call from any thread: atomic, relaxed (it only ever holds a level
// the CPU supports).
static int active_level = -1;

int engine_direct3x3_level(void) {
    int level = __atomic_load_n(&active_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detected_level();
        __atomic_store_n(&active_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

int engine_direct3x3_set_level(int level) {
    int supported = detected_level();
    int chosen = level < 0 || level > supported ? supported : level;
    __atomic_store_n(&active_level, chosen, __ATOMIC_RELAXED);
    return chosen;
}

long engine_direct3x3_weight_block(int level) {
    switch (level) {
    case 2: return 8;
    case 1: return 4;
    default: return 0;
    }
}

static long output_block(int level) { return engine_direct3x3_weight_block(level); }

long engine_direct3x3_plane_stride(long H, long W) {
    // The kernels read up to ~100 scalars past the last padded row (a whole register block
    // past the end of the plane); the slack stays zero.
    long scalars = (H + 2) * (W + 2) + 128;
    return (scalars + 15) / 16 * 16;
}

void engine_direct3x3_pad(const float *source, long planes, long H, long W, float *destination) {
    // Plain loops rather than memcpy/memset per row: rows are short (8–32 scalars), where
    // the calls cost more than the copying (perf: half the padding time was in memmove).
    const long Wp = W + 2, PS = engine_direct3x3_plane_stride(H, W);
    for (long plane = 0; plane < planes; plane++) {
        const float *from = source + plane * H * W;
        float *to = destination + plane * PS;
        for (long i = 0; i <= Wp; i++) to[i] = 0;
        for (long p = 0; p < H; p++) {
            float *row = to + (p + 1) * Wp + 1;
            const float *in = from + p * W;
            for (long q = 0; q < W; q++) row[q] = in[q];
            row[W] = 0;      // right border of this row
            row[W + 1] = 0;  // left border of the next
        }
        for (long i = (H + 1) * Wp + 1; i < PS; i++) to[i] = 0;
    }
}

/// Σ x[i], in four 4-lane partial sums (plain SSE2 vectors: the baseline target), whose
/// order is fixed, so a plane always sums to the same bits.
static float plane_sum(const float *x, long count) {
    typedef float v4 __attribute__((vector_size(16)));
    v4 a = {0, 0, 0, 0}, b = a, c = a, d = a;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v4 x0, x1, x2, x3;
        memcpy(&x0, x + i, sizeof x0);
        memcpy(&x1, x + i + 4, sizeof x1);
        memcpy(&x2, x + i + 8, sizeof x2);
        memcpy(&x3, x + i + 12, sizeof x3);
        a += x0; b += x1; c += x2; d += x3;
    }
    v4 s = (a + b) + (c + d);
    float total = (s[0] + s[1]) + (s[2] + s[3]);
    for (; i < count; i++) total += x[i];
    return total;
}

void engine_direct3x3_pad_and_sum(const float *source, long planes, long H, long W, float *destination,
                                  float *sums) {
    for (long plane = 0; plane < planes; plane++) {
        const float *from = source + plane * H * W;
        engine_direct3x3_pad(from, 1, H, W, destination + plane * engine_direct3x3_plane_stride(H, W));
        sums[plane] = plane_sum(from, H * W);
    }
}

long engine_direct3x3_packed_count(int level, long K, long C) {
    long block = output_block(level);
    if (block == 0) return 0;
    return (K + block - 1) / block * block * C * 9;
}

void engine_direct3x3_pack(int level, const float *weight, long K, long C, int forInputGradient, float *packed) {
    // Forward: the weight (K, C, 3, 3) as [⌈K/B⌉][C][9][B]. Input gradient: the convolution
    // from K channels to C with w'[c][k][t] = w[k][c][8 − t], packed the same way.
    const long block = output_block(level);
    const long outputs = forInputGradient ? C : K, inputs = forInputGradient ? K : C;
    const long blocks = (outputs + block - 1) / block;
    memset(packed, 0, sizeof(float) * blocks * block * inputs * 9);
    for (long o = 0; o < outputs; o++) {
        for (long i = 0; i < inputs; i++) {
            for (long t = 0; t < 9; t++) {
                float value = forInputGradient ? weight[(i * C + o) * 9 + 8 - t] : weight[(o * C + i) * 9 + t];
                packed[(((o / block) * inputs + i) * 9 + t) * block + o % block] = value;
            }
        }
    }
}

void engine_direct3x3_forward(int level, const float *paddedInput, long images, long C, long K, long H, long W,
                              const float *packed, const float *bias, float *output) {
    const long PS = engine_direct3x3_plane_stride(H, W);
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) forward_images_avx512(paddedInput, images, C, K, H, W, PS, packed, bias, output);
    else if (level == 1) forward_images_avx2(paddedInput, images, C, K, H, W, PS, packed, bias, output);
#else
    (void)level; (void)paddedInput; (void)images; (void)C; (void)K; (void)H; (void)W; (void)packed; (void)bias; (void)output;
    (void)PS;
#endif
}

/// The first 64-byte boundary at or after `p`: the accumulators are reloaded and stored
/// once per tile, and a vector split across two cache lines costs two accesses
/// (measured: ~2 % of a ResNet-20 step with Swift's 16-byte-aligned arrays).
static inline float *cache_line_aligned(float *p) {
    return (float *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

long engine_direct3x3_weight_gradient_scratch_count(int level, long C) {
    // C · 3 rows · (block output channels × 3 columns) vectors of 16 (AVX-512) or 8 lanes,
    // and 16 floats of slack for the kernel to align them to 64 bytes.
    const long block = engine_direct3x3_weight_block(level), lanes = level == 2 ? 16 : 8;
    return block == 0 ? 0 : C * 3 * block * 3 * lanes + 16;
}

void engine_direct3x3_weight_gradient(int level, const float *paddedInput, const float *paddedOutputGradient, long images,
                                      long C, long K, long H, long W, float *weightGradient, float *scratch) {
    const long PS = engine_direct3x3_plane_stride(H, W);
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2)
        weight_gradient_avx512(paddedInput, paddedOutputGradient, images, C, K, H, W, PS, weightGradient,
                               cache_line_aligned(scratch));
    else if (level == 1)
        weight_gradient_avx2(paddedInput, paddedOutputGradient, images, C, K, H, W, PS, weightGradient,
                             cache_line_aligned(scratch));
#else
    (void)level; (void)paddedInput; (void)paddedOutputGradient; (void)images; (void)C; (void)K; (void)H; (void)W;
    (void)weightGradient; (void)scratch; (void)PS;
#endif
}

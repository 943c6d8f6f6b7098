// Winograd F(2×2, 3×3) and F(4×4, 3×3) convolution for inference (3×3, stride 1,
// padding 1), CNHW layout, with the three phases fused per block of tiles: the input
// transform of NB tiles, the α² products with the pre-packed transformed weights, and
// the output transform with bias, residual and ReLU. A block's transformed input and
// products stay in the core's cache between the phases; the unfused form (transform a
// whole slice, 36 OpenBLAS calls, transform back) went to memory and back twice and
// stopped scaling at two threads (BENCHMARKS.md, "Convolution algorithms").
//
// Callers split the work by tiles or by weight panels (output channels). Every output
// is a sum over input channels in the same order whatever the split, block or lane, so
// results are bit-identical for any batch, thread count and split on one kernel set.
#include "CEngineKernels.h"

#include <stdint.h>
#include <string.h>

typedef struct { long tile, C, K, N, H, W, tilesH, tilesW; } winograd_shape;

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define VEC 16
#define MR 8
#define NV 3
#define TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#define NAME(x) x##_avx512
#include "WinogradTemplate.h"
#undef VEC
#undef MR
#undef NV
#undef TARGET
#undef NAME

#define VEC 8
#define MR 4
#define NV 3
#define TARGET __attribute__((target("avx2,fma")))
#define NAME(x) x##_avx2
#include "WinogradTemplate.h"
#undef VEC
#undef MR
#undef NV
#undef TARGET
#undef NAME
#endif

// Portable: 4-lane vectors, which every target has (SSE2 on x86-64, NEON on arm64).
#define VEC 4
#define MR 4
#define NV 2
#define TARGET
#define NAME(x) x##_portable
#include "WinogradTemplate.h"
#undef VEC
#undef MR
#undef NV
#undef TARGET
#undef NAME

static int usable(int level) {
    return level >= 0 && level <= engine_cpu_vector_level();
}

long engine_winograd_panel_rows(int level) {
    switch (level) {
    case 2: return 8;
    default: return 4;
    }
}

long engine_winograd_block_tiles(int level) {
    switch (level) {
    case 2: return 48;
    case 1: return 24;
    default: return 8;
    }
}

long engine_winograd_vector_lanes(int level) {
    switch (level) {
    case 2: return 16;
    case 1: return 8;
    default: return 4;
    }
}

long engine_winograd_panels(int level, long K) {
    const long mr = engine_winograd_panel_rows(level);
    return (K + mr - 1) / mr;
}

long engine_winograd_packed_count(int level, long tile, long K, long C) {
    return (tile + 2) * (tile + 2) * engine_winograd_panels(level, K) * engine_winograd_panel_rows(level) * C;
}

void engine_winograd_pack(int level, long tile, const float *transformed, long K, long C, float *packed) {
    // transformed: U (α², K, C). packed: [ξ][panel][c][MR], zero in rows past K.
    const long a2 = (tile + 2) * (tile + 2), mr = engine_winograd_panel_rows(level);
    const long panels = engine_winograd_panels(level, K);
    memset(packed, 0, sizeof(float) * engine_winograd_packed_count(level, tile, K, C));
    for (long xi = 0; xi < a2; xi++)
        for (long k = 0; k < K; k++)
            for (long c = 0; c < C; c++)
                packed[((xi * panels + k / mr) * C + c) * mr + k % mr] = transformed[(xi * K + k) * C + c];
}

long engine_winograd_scratch_count(int level, long tile, long C, long panels) {
    const long a2 = (tile + 2) * (tile + 2), nb = engine_winograd_block_tiles(level);
    return a2 * (C + panels * engine_winograd_panel_rows(level)) * nb + 16;  // + alignment slack
}

int engine_winograd_forward(int level, long tile, const float *input, long C, long N, long H, long W,
                            const float *packed, long K, const float *bias, const float *residual, int relu,
                            float *output, long firstTile, long tiles, long firstPanel, long panels,
                            float *scratch) {
    if (!usable(level) || (tile != 2 && tile != 4)) return -1;
    const winograd_shape g = {tile, C, K, N, H, W, (H + tile - 1) / tile, (W + tile - 1) / tile};
    // Vectors of the block are reloaded many times: keep them on 64-byte boundaries.
    float *aligned = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    switch (level) {
#if defined(__x86_64__) && defined(__clang__)
    case 2: forward_avx512(&g, input, packed, bias, residual, relu, output, firstTile, tiles, firstPanel, panels, aligned); break;
    case 1: forward_avx2(&g, input, packed, bias, residual, relu, output, firstTile, tiles, firstPanel, panels, aligned); break;
#endif
    default: forward_portable(&g, input, packed, bias, residual, relu, output, firstTile, tiles, firstPanel, panels, aligned); break;
    }
    return 0;
}

// The direct 3×3 convolution kernels (Direct3x3.c), written once for any vector width and
// included once per instruction set with these macros defined:
//   VEC     lanes per vector (16 for AVX-512, 8 for AVX2)
//   KB      output channels per register block of the forward kernel
//   JB      vectors of positions per register block of the forward kernel
//   GB      output channels per register block of the weight-gradient kernel
//   TARGET  the function attribute that enables the instruction set
//   NAME(x) the instruction set's suffix for the function name x
//
// Layout (see Direct3x3.c): planes padded by one zero pixel on every side, row length
// Wp = W + 2, `PS` scalars apart. Output position (p, q) is "flat" index j = p·Wp + q; its
// 3×3 window in the padded input starts at padded index j, so tap (r, s) reads
// xp[j + r·Wp + s]: every tap is one contiguous run, with no im2col and no bounds checks.
// Flat indices with q ≥ W are junk (they straddle the padding) and are never stored.

#include "VectorTemplate.h"

typedef float NAME(eight) __attribute__((vector_size(32)));
typedef float NAME(four) __attribute__((vector_size(16)));

/// Horizontal sum by halving, down to four lanes.
TARGET static inline float NAME(sum)(NAME(vf) v) {
#if VEC == 16
    NAME(eight) e = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                    __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
#elif VEC == 8
    NAME(eight) e = v;
#else
#error "VEC must be 8 or 16"
#endif
    NAME(four) f = __builtin_shufflevector(e, e, 0, 1, 2, 3) + __builtin_shufflevector(e, e, 4, 5, 6, 7);
    return (f[0] + f[2]) + (f[1] + f[3]);
}

/// The rows that one vector of flat positions j0 … j0 + count − 1 of an output plane (H, W)
/// touches: for each, the lanes [first, end) that hold valid outputs (q < W) and the
/// offset of lane 0 in the plane were that row's lanes contiguous (so lane i of the
/// segment goes to plane[offset + i]). A vector of VEC lanes spans at most
/// ⌈VEC / Wp⌉ + 1 rows.
typedef struct { long first, end, offset; } NAME(segment);

static inline int NAME(valid_segments)(long j0, long count, long H, long W, NAME(segment) *segments) {
    const long Wp = W + 2;
    long p = j0 / Wp, q = j0 - p * Wp;
    int found = 0;
    for (long lane = 0; lane < count && p < H; p++, q = 0) {
        long rowEnd = lane + (Wp - q);
        if (rowEnd > count) rowEnd = count;
        long validEnd = lane + (W - q);  // ≤ lane when the vector starts in this row's junk
        if (validEnd > rowEnd) validEnd = rowEnd;
        if (validEnd > lane) {
            segments[found].first = lane;
            segments[found].end = validEnd;
            segments[found].offset = p * W + q - lane;
            found++;
        }
        lane = rowEnd;
    }
    return found;
}

/// Stores lanes [first, end) of `v` to plane[offset + first …]: one masked vector store.
/// Lanes outside the mask are neither written nor read, so `plane + offset` may point
/// before the plane.
TARGET static inline void NAME(store_segment)(float *plane, NAME(segment) segment, NAME(vf) v) {
    float *base = (float *)((uintptr_t)plane + (uintptr_t)(segment.offset * (long)sizeof(float)));
#if VEC == 16
    const __mmask16 mask = (__mmask16)(((1u << segment.end) - 1) & ~((1u << segment.first) - 1));
    __m512 value;
    __builtin_memcpy(&value, &v, sizeof value);
    _mm512_mask_storeu_ps(base, mask, value);
#else
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_and_si256(_mm256_cmpgt_epi32(lanes, _mm256_set1_epi32((int)segment.first - 1)),
                                          _mm256_cmpgt_epi32(_mm256_set1_epi32((int)segment.end), lanes));
    __m256 value;
    __builtin_memcpy(&value, &v, sizeof value);
    _mm256_maskstore_ps(base, mask, value);
#endif
}

/// y (images, K, H, W) = the 3×3 convolution of xp (images × C padded planes) with
/// `packed` ([⌈K/KB⌉][C][9][KB], zero beyond K), plus bias[k] when given.
///
/// A register block is KB output channels × JB vectors of VEC positions. The vectors are
/// numbered across the images (each image's ⌈H·Wp / VEC⌉ vectors, then the next image's),
/// so a block may span two images and small planes (8×8: 5 vectors) waste no lanes on
/// rounding up to a whole block.
TARGET static void NAME(forward_images)(const float *xp, long images, long C, long K, long H, long W, long PS,
                                        const float *packed, const float *bias, float *y) {
    const long Wp = W + 2, L = H * Wp, HW = H * W;
    const long perImage = (L + VEC - 1) / VEC, total = images * perImage;
    long taps[9];
    for (int t = 0; t < 9; t++) taps[t] = (t / 3) * Wp + t % 3;
    // Images a chunk at a time, so that the chunk's padded input (~512 KB) stays in L2
    // while every block of output channels reads it.
    long chunkImages = (1L << 17) / (C * PS);
    if (chunkImages < 1) chunkImages = 1;
    const long chunk = chunkImages * perImage;
    for (long first = 0; first < total; first += chunk) {
        const long last = first + chunk < total ? first + chunk : total;
        for (long kb = 0; kb * KB < K; kb++) {
            const float *wk = packed + kb * C * 9 * KB;
            const long kCount = K - kb * KB < KB ? K - kb * KB : KB;
            for (long v0 = first; v0 < last; v0 += JB) {
                const float *base[JB];
                long image[JB], j0[JB];
                for (int b = 0; b < JB; b++) {
                    long slot = v0 + b < last ? v0 + b : last - 1;  // past the end: recompute the last, unstored
                    image[b] = slot / perImage;
                    j0[b] = (slot % perImage) * VEC;
                    base[b] = xp + image[b] * C * PS + j0[b];
                }
                NAME(vf) acc[KB][JB];
                for (int k = 0; k < KB; k++)
                    for (int b = 0; b < JB; b++) acc[k][b] = NAME(splat)(0);
                for (long c = 0; c < C; c++) {
                    const float *wc = wk + c * 9 * KB;
                    for (int t = 0; t < 9; t++) {
                        NAME(vf) xv[JB];
                        for (int b = 0; b < JB; b++) xv[b] = NAME(load)(base[b] + c * PS + taps[t]);
                        for (int k = 0; k < KB; k++) {
                            const NAME(vf) wv = NAME(splat)(wc[t * KB + k]);
                            for (int b = 0; b < JB; b++) acc[k][b] = __builtin_elementwise_fma(wv, xv[b], acc[k][b]);
                        }
                    }
                }
                for (int b = 0; b < JB && v0 + b < last; b++) {
                    const long count = L - j0[b] < VEC ? L - j0[b] : VEC;
                    NAME(segment) segments[VEC / 8 + 3];
                    const int found = NAME(valid_segments)(j0[b], count, H, W, segments);
                    for (long k = 0; k < kCount; k++) {
                        const NAME(vf) v = bias ? acc[k][b] + NAME(splat)(bias[kb * KB + k]) : acc[k][b];
                        float *plane = y + (image[b] * K + kb * KB + k) * HW;
                        for (int i = 0; i < found; i++) NAME(store_segment)(plane, segments[i], v);
                    }
                }
            }
        }
    }
}

/// dw (K, C, 3, 3) += Σ over `images` and positions of dy[n, k, p, q]·x[n, c, p+r−1, q+s−1],
/// from the padded planes of both. K % GB == 0.
///
/// Register block: GB output channels × 3 column taps s for one (c, r), VEC positions per
/// vector. The positions are taken a tile at a time (about WG_TILE of them): the tile's GB
/// gradient rows (16 KB) then stay in L1 while every (c, r) pass reads them,
/// where streaming whole planes for each (c, r) made the kernel wait on L2. Between tiles
/// the accumulators live as vectors in `partial` (C·3·GB·3 vectors, the caller's scratch),
/// horizontally summed once at the end.
#define WG_TILE 512
TARGET static void NAME(weight_gradient)(const float *xp, const float *dyp, long images, long C, long K,
                                         long H, long W, long PS, float *dw, float *partial) {
    const long Wp = W + 2, L = H * Wp;
    for (long kb = 0; kb < K / GB; kb++) {
        for (long i = 0; i < C * 3 * GB * 3; i++) NAME(store)(partial + i * VEC, NAME(splat)(0));
        // A tile is WG_TILE positions of one image, or, on planes smaller than that, the
        // whole planes of as many images as fit.
        const long group = L >= WG_TILE ? 1 : WG_TILE / L;
        for (long n0 = 0; n0 < images; n0 += group) {
            const long n1 = n0 + group < images ? n0 + group : images;
            for (long j0 = 0; j0 < L; j0 += WG_TILE) {
                const long j1 = j0 + WG_TILE < L ? j0 + WG_TILE : L;
                for (long c = 0; c < C; c++) {
                    for (long r = 0; r < 3; r++) {
                        float *saved = partial + ((c * 3 + r) * GB) * 3 * VEC;
                        NAME(vf) acc[GB][3];
                        for (int k = 0; k < GB; k++)
                            for (int s = 0; s < 3; s++) acc[k][s] = NAME(load)(saved + (k * 3 + s) * VEC);
                        for (long n = n0; n < n1; n++) {
                            const float *x = xp + (n * C + c) * PS + r * Wp;
                            // dy's flat index j sits at padded index j + Wp + 1; its junk
                            // positions are the zero border, so they add nothing.
                            const float *d = dyp + (n * K + kb * GB) * PS + Wp + 1;
                            for (long j = j0; j < j1; j += VEC) {
                                const NAME(vf) x0 = NAME(load)(x + j), x1 = NAME(load)(x + j + 1),
                                               x2 = NAME(load)(x + j + 2);
                                for (int k = 0; k < GB; k++) {
                                    const NAME(vf) dv = NAME(load)(d + k * PS + j);
                                    acc[k][0] = __builtin_elementwise_fma(dv, x0, acc[k][0]);
                                    acc[k][1] = __builtin_elementwise_fma(dv, x1, acc[k][1]);
                                    acc[k][2] = __builtin_elementwise_fma(dv, x2, acc[k][2]);
                                }
                            }
                        }
                        for (int k = 0; k < GB; k++)
                            for (int s = 0; s < 3; s++) NAME(store)(saved + (k * 3 + s) * VEC, acc[k][s]);
                    }
                }
            }
        }
        for (long c = 0; c < C; c++) {
            for (long r = 0; r < 3; r++) {
                const float *saved = partial + ((c * 3 + r) * GB) * 3 * VEC;
                for (int k = 0; k < GB; k++) {
                    float *out = dw + ((kb * GB + k) * C + c) * 9 + r * 3;
                    for (int s = 0; s < 3; s++) out[s] += NAME(sum)(NAME(load)(saved + (k * 3 + s) * VEC));
                }
            }
        }
    }
}
#undef WG_TILE

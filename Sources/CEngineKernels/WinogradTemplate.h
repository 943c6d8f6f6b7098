// The Winograd F(m×m, 3×3) inference kernels (Winograd.c), written once for any vector
// width and included once per instruction set with these macros defined:
//   VEC     lanes per vector (16 AVX-512, 8 AVX2, 4 portable)
//   MR      output channels per register block (and per packed weight panel)
//   NV      vectors of tiles per register block; a block of tiles is NB = NV·VEC tiles
//   TARGET  the function attribute that enables the instruction set (may be empty)
//   NAME(x) the instruction set's suffix for the function name x
//
// One SIMD lane is one tile, so every transform runs once per VEC tiles, and the
// transformed input of a block of NB tiles is a (C, NB) matrix per position ξ whose rows
// are exactly what the register block reads: no packing of the right-hand side.

#define NB (NV * VEC)

#include "VectorTemplate.h"

/// In place, α vectors at stride s: x ← Bᵀ x (Lavin & Gray's matrices, zeros exploited).
TARGET static inline void NAME(input_transform)(NAME(vf) *x, long s, long tile) {
    if (tile == 2) {
        // Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]]
        NAME(vf) d0 = x[0], d1 = x[s], d2 = x[2 * s], d3 = x[3 * s];
        x[0] = d0 - d2; x[s] = d1 + d2; x[2 * s] = d2 - d1; x[3 * s] = d1 - d3;
    } else {
        // Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],
        //       [0,−2,−1,2,1,0],[0,2,−1,−2,1,0],[0,4,0,−5,0,1]]
        const NAME(vf) four = NAME(splat)(4), five = NAME(splat)(5), two = NAME(splat)(2);
        NAME(vf) d0 = x[0], d1 = x[s], d2 = x[2 * s], d3 = x[3 * s], d4 = x[4 * s], d5 = x[5 * s];
        NAME(vf) a = d4 - four * d2, b = d3 - four * d1;   // rows 1, 2
        NAME(vf) c = d4 - d2, e = two * (d3 - d1);        // rows 3, 4
        x[0] = four * d0 - five * d2 + d4;
        x[s] = a + b;
        x[2 * s] = a - b;
        x[3 * s] = c + e;
        x[4 * s] = c - e;
        x[5 * s] = four * d1 - five * d3 + d5;
    }
}

/// α vectors at stride s → m vectors at stride t: y = Aᵀ x.
TARGET static inline void NAME(output_transform)(const NAME(vf) *x, long s, NAME(vf) *y, long t, long tile) {
    if (tile == 2) {
        // Aᵀ = [[1,1,1,0],[0,1,−1,−1]]
        NAME(vf) m0 = x[0], m1 = x[s], m2 = x[2 * s], m3 = x[3 * s];
        y[0] = m0 + m1 + m2; y[t] = m1 - m2 - m3;
    } else {
        // Aᵀ = [[1,1,1,1,1,0],[0,1,−1,2,−2,0],[0,1,1,4,4,0],[0,1,−1,8,−8,1]]
        const NAME(vf) two = NAME(splat)(2), four = NAME(splat)(4), eight = NAME(splat)(8);
        NAME(vf) m0 = x[0], m1 = x[s], m2 = x[2 * s], m3 = x[3 * s], m4 = x[4 * s], m5 = x[5 * s];
        NAME(vf) p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
        y[0] = m0 + p12 + p34;
        y[t] = d12 + two * d34;
        y[2 * t] = p12 + four * p34;
        y[3 * t] = d12 + eight * d34 + m5;
    }
}

#if VEC == 16 || VEC == 8
/// Lane masks (bit l for lane l) and gather offsets of one vector of tiles: the patch
/// element (i, j) of lane l is plane[index[l] + i·W + j], where row i and column j are
/// inside the image (rows[i], columns[j]); elsewhere it is padding, 0.
typedef struct { int index[VEC]; unsigned rows[6], columns[6]; } NAME(lanes);

TARGET static inline NAME(vf) NAME(gather)(const float *plane, const NAME(lanes) *lanes, int offset, unsigned mask) {
#if VEC == 16
    __m512i index;
    __builtin_memcpy(&index, lanes->index, sizeof index);
    __m512 value = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), (__mmask16)mask,
                                            _mm512_add_epi32(index, _mm512_set1_epi32(offset)), plane, 4);
#else
    __m256i index;
    __builtin_memcpy(&index, lanes->index, sizeof index);
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256 selected = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)mask), bits), bits));
    __m256 value = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), plane,
                                            _mm256_add_epi32(index, _mm256_set1_epi32(offset)), selected, 4);
#endif
    NAME(vf) v;
    __builtin_memcpy(&v, &value, sizeof v);
    return v;
}
#endif

/// V (α², C, NB) for tiles first … first + count − 1 (count ≤ NB); lanes past count are 0.
TARGET static void NAME(transform_input)(const winograd_shape *g, const float *input, long first, long count,
                                         float *v) {
    const long tile = g->tile, a = tile + 2, a2 = a * a, H = g->H, W = g->W;
    const long perImage = g->tilesH * g->tilesW;
    const long vectors = (count + VEC - 1) / VEC;
#if VEC == 16 || VEC == 8
    // A masked vector gather per patch element and vector of tiles: one instruction where
    // building the patch lane by lane took 36 scalar stores and a stalled reload per vector
    // (the input transform was 40–60 % of a 64-channel layer's time).
    NAME(lanes) lanes[NV];
    for (long vi = 0; vi < vectors; vi++) {
        NAME(lanes) *L = &lanes[vi];
        for (long i = 0; i < a; i++) { L->rows[i] = 0; L->columns[i] = 0; }
        for (long l = 0; l < VEC; l++) {
            L->index[l] = 0;
            if (vi * VEC + l >= count) continue;  // no bit set: the lane stays 0
            const long t = first + vi * VEC + l, n = t / perImage, r = t % perImage;
            const long y0 = (r / g->tilesW) * tile - 1, x0 = (r % g->tilesW) * tile - 1;
            L->index[l] = (int)(n * H * W + y0 * W + x0);
            for (long i = 0; i < a; i++) {
                if (y0 + i >= 0 && y0 + i < H) L->rows[i] |= 1u << l;
                if (x0 + i >= 0 && x0 + i < W) L->columns[i] |= 1u << l;
            }
        }
    }
    for (long c = 0; c < g->C; c++) {
        const float *plane = input + c * g->N * H * W;
        for (long vi = 0; vi < vectors; vi++) {
            NAME(vf) d[36];
            for (long i = 0; i < a; i++)
                for (long j = 0; j < a; j++)
                    d[i * a + j] = NAME(gather)(plane, &lanes[vi], (int)(i * W + j), lanes[vi].rows[i] & lanes[vi].columns[j]);
            for (long j = 0; j < a; j++) NAME(input_transform)(d + j, a, tile);      // columns
            for (long i = 0; i < a; i++) NAME(input_transform)(d + i * a, 1, tile);  // rows
            for (long xi = 0; xi < a2; xi++) NAME(store)(v + (xi * g->C + c) * NB + vi * VEC, d[xi]);
        }
    }
#else
    float patch[36 * NB];  // [ξ][lane]
    long offsets[NB];      // per lane: image offset within a channel's planes, and origin
    long originY[NB], originX[NB];
    for (long l = 0; l < count; l++) {
        const long t = first + l, n = t / perImage, r = t % perImage;
        offsets[l] = n * H * W;
        originY[l] = (r / g->tilesW) * tile - 1;
        originX[l] = (r % g->tilesW) * tile - 1;
    }
    for (long c = 0; c < g->C; c++) {
        const float *planes = input + c * g->N * H * W;
        for (long l = 0; l < count; l++) {
            const float *image = planes + offsets[l];
            const long y0 = originY[l], x0 = originX[l];
            if (y0 >= 0 && x0 >= 0 && y0 + a <= H && x0 + a <= W) {
                for (long i = 0; i < a; i++) {
                    const float *row = image + (y0 + i) * W + x0;
                    for (long j = 0; j < a; j++) patch[(i * a + j) * NB + l] = row[j];
                }
            } else {  // a border tile: zero padding outside the image
                for (long i = 0; i < a; i++) {
                    const long y = y0 + i;
                    for (long j = 0; j < a; j++) {
                        const long x = x0 + j;
                        patch[(i * a + j) * NB + l] = y >= 0 && y < H && x >= 0 && x < W ? image[y * W + x] : 0;
                    }
                }
            }
        }
        for (long l = count; l < vectors * VEC; l++) {
            for (long xi = 0; xi < a2; xi++) patch[xi * NB + l] = 0;
        }
        for (long vi = 0; vi < vectors; vi++) {
            NAME(vf) d[36];
            for (long xi = 0; xi < a2; xi++) d[xi] = NAME(load)(patch + xi * NB + vi * VEC);
            for (long j = 0; j < a; j++) NAME(input_transform)(d + j, a, tile);      // columns
            for (long i = 0; i < a; i++) NAME(input_transform)(d + i * a, 1, tile);  // rows
            for (long xi = 0; xi < a2; xi++) NAME(store)(v + (xi * g->C + c) * NB + vi * VEC, d[xi]);
        }
    }
#endif
}

/// One register block: m (MR, vectors·VEC) = packed panel (C, MR)ᵀ · v (C, NB), the sum over
/// c in order (so a result does not depend on which block or thread computed it).
TARGET __attribute__((always_inline)) static inline void NAME(multiply_block)(const float *panel, const float *v,
                                                                             long C, float *m, const int vectors) {
    NAME(vf) acc[MR][NV];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < vectors; j++) acc[r][j] = NAME(splat)(0);
    for (long c = 0; c < C; c++) {
        NAME(vf) b[NV];
        for (int j = 0; j < vectors; j++) b[j] = NAME(load)(v + c * NB + j * VEC);
        for (int r = 0; r < MR; r++) {
            const NAME(vf) s = NAME(splat)(panel[c * MR + r]);
            for (int j = 0; j < vectors; j++) acc[r][j] += s * b[j];
        }
    }
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < vectors; j++) NAME(store)(m + r * NB + j * VEC, acc[r][j]);
}

/// M_ξ (panels·MR, NB) = U_ξ · V_ξ for the weight panels first … first + count − 1.
TARGET static void NAME(multiply)(const float *packed, const float *v, long C, long firstPanel, long panels,
                                  long vectors, float *m) {
    for (long p = 0; p < panels; p++) {
        const float *panel = packed + (firstPanel + p) * C * MR;
        float *out = m + p * MR * NB;
        switch (vectors) {  // constant widths, so each case keeps its accumulators in registers
        case 1: NAME(multiply_block)(panel, v, C, out, 1); break;
#if NV >= 2
        case 2: NAME(multiply_block)(panel, v, C, out, 2); break;
#endif
#if NV >= 3
        case 3: NAME(multiply_block)(panel, v, C, out, 3); break;
#endif
        default: NAME(multiply_block)(panel, v, C, out, NV); break;
        }
    }
}

/// Y = Aᵀ M A per tile and output channel k0 … k1 − 1, plus bias, residual and ReLU, stored
/// with edge guards. m holds rows (k − k0) of (α², rows, NB).
TARGET static void NAME(transform_output)(const winograd_shape *g, const float *m, long rows, long k0, long k1,
                                          const float *bias, const float *residual, int relu, float *output,
                                          long first, long count) {
    const long tile = g->tile, a = tile + 2, a2 = a * a, H = g->H, W = g->W;
    const long perImage = g->tilesH * g->tilesW, vectors = (count + VEC - 1) / VEC;
#if VEC == 16
    // AVX-512: the residual gathered, bias, residual and ReLU applied to a vector of tiles,
    // and one masked scatter per output position. Cycle counts of this phase on resnet20
    // (Zen 4, two runs each): 5–15 % below the scalar loops of the #else branch, while
    // storing the vector lane by lane instead of scattering came out 15–25 % above them,
    // so AVX2, which has no scatter, keeps the scalar loops.
    NAME(lanes) lanes[NV];
    for (long vi = 0; vi < vectors; vi++) {
        NAME(lanes) *L = &lanes[vi];
        for (long i = 0; i < tile; i++) { L->rows[i] = 0; L->columns[i] = 0; }
        for (long l = 0; l < VEC; l++) {
            L->index[l] = 0;
            if (vi * VEC + l >= count) continue;
            const long t = first + vi * VEC + l, n = t / perImage, r = t % perImage;
            const long oy = (r / g->tilesW) * tile, ox = (r % g->tilesW) * tile;
            L->index[l] = (int)((n * H + oy) * W + ox);
            for (long i = 0; i < tile; i++) {
                if (oy + i < H) L->rows[i] |= 1u << l;
                if (ox + i < W) L->columns[i] |= 1u << l;
            }
        }
    }
    typedef int NAME(vi) __attribute__((vector_size(VEC * 4)));
    const NAME(vf) zero = NAME(splat)(0);
    for (long k = k0; k < k1; k++) {
        const NAME(vf) b = NAME(splat)(bias[k]);
        float *plane = output + k * g->N * H * W;
        const float *addPlane = residual ? residual + k * g->N * H * W : NULL;
        for (long vi = 0; vi < vectors; vi++) {
            const NAME(lanes) *L = &lanes[vi];
            NAME(vf) x[36], half[24], y[16];
            for (long xi = 0; xi < a2; xi++) x[xi] = NAME(load)(m + (xi * rows + (k - k0)) * NB + vi * VEC);
            // Columns: α×α → m×α (half[i·α + j]), then rows: m×α → m×m.
            for (long j = 0; j < a; j++) NAME(output_transform)(x + j, a, half + j, a, tile);
            for (long i = 0; i < tile; i++) NAME(output_transform)(half + i * a, 1, y + i * tile, 1, tile);
            for (long i = 0; i < tile; i++) {
                for (long j = 0; j < tile; j++) {
                    const unsigned mask = L->rows[i] & L->columns[j];
                    const int offset = (int)(i * W + j);
                    NAME(vf) value = y[i * tile + j] + b;
                    if (addPlane) value += NAME(gather)(addPlane, L, offset, mask);
                    if (relu) value = (NAME(vf))((NAME(vi))value & ~(NAME(vi))(value < zero));  // NaN stays NaN
                    __m512i index;
                    __m512 stored;
                    __builtin_memcpy(&index, L->index, sizeof index);
                    __builtin_memcpy(&stored, &value, sizeof stored);
                    _mm512_mask_i32scatter_ps(plane, (__mmask16)mask, _mm512_add_epi32(index, _mm512_set1_epi32(offset)),
                                              stored, 4);
                }
            }
        }
    }
#else
    float values[16 * VEC];  // [i·m + j][lane]
    for (long k = k0; k < k1; k++) {
        const NAME(vf) b = NAME(splat)(bias[k]);
        for (long vi = 0; vi < vectors; vi++) {
            NAME(vf) x[36], half[24], y[16];
            for (long xi = 0; xi < a2; xi++) x[xi] = NAME(load)(m + (xi * rows + (k - k0)) * NB + vi * VEC);
            // Columns: α×α → m×α (half[i·α + j]), then rows: m×α → m×m.
            for (long j = 0; j < a; j++) NAME(output_transform)(x + j, a, half + j, a, tile);
            for (long i = 0; i < tile; i++) NAME(output_transform)(half + i * a, 1, y + i * tile, 1, tile);
            for (long i = 0; i < tile * tile; i++) NAME(store)(values + i * VEC, y[i] + b);
            const long lanes = count - vi * VEC < VEC ? count - vi * VEC : VEC;
            for (long l = 0; l < lanes; l++) {
                const long t = first + vi * VEC + l, n = t / perImage, r = t % perImage;
                const long oy = (r / g->tilesW) * tile, ox = (r % g->tilesW) * tile;
                const long height = H - oy < tile ? H - oy : tile, width = W - ox < tile ? W - ox : tile;
                const long offset = ((k * g->N + n) * H + oy) * W + ox;
                float *out = output + offset;
                const float *add = residual ? residual + offset : NULL;
                for (long i = 0; i < height; i++) {
                    for (long j = 0; j < width; j++) {
                        float value = values[(i * tile + j) * VEC + l];
                        if (add) value += add[i * W + j];
                        out[i * W + j] = relu && value < 0 ? 0 : value;
                    }
                }
            }
        }
    }
#endif
}

TARGET static void NAME(forward)(const winograd_shape *g, const float *input, const float *packed,
                                 const float *bias, const float *residual, int relu, float *output,
                                 long firstTile, long tiles, long firstPanel, long panels, float *scratch) {
    const long a2 = (g->tile + 2) * (g->tile + 2), C = g->C;
    const long allPanels = (g->K + MR - 1) / MR, rows = panels * MR;
    const long k0 = firstPanel * MR, k1 = (firstPanel + panels) * MR < g->K ? (firstPanel + panels) * MR : g->K;
    float *v = scratch, *m = scratch + a2 * C * NB;
    for (long first = firstTile; first < firstTile + tiles; first += NB) {
        const long count = firstTile + tiles - first < NB ? firstTile + tiles - first : NB;
        const long vectors = (count + VEC - 1) / VEC;
        NAME(transform_input)(g, input, first, count, v);
        for (long xi = 0; xi < a2; xi++) {
            NAME(multiply)(packed + xi * allPanels * MR * C, v + xi * C * NB, C, firstPanel, panels, vectors,
                           m + xi * rows * NB);
        }
        NAME(transform_output)(g, m, rows, k0, k1, bias, residual, relu, output, first, count);
    }
}

#undef NB

// The depthwise convolution kernels of Depthwise.c for one instruction set. Included
// once per set with TARGET and NAME(x) defined. The loops are written so that the
// compiler vectorises them along a row (contiguous at stride 1); each output is summed
// in one fixed order, tap by tap, whatever the thread or the batch.

/// Output columns q with 0 ≤ q·s − pad + kx < W: [*low, *high).
TARGET static inline void NAME(dw_columns)(long W, long Q, long kx, long s, long pad, long *low, long *high) {
    long offset = kx - pad;  // input column of q = 0
    long lo = offset >= 0 ? 0 : (-offset + s - 1) / s;
    long last = W - 1 - offset;  // q·s ≤ last
    long hi = last < 0 ? 0 : last / s + 1;
    if (hi > Q) hi = Q;
    if (lo > hi) lo = hi;
    *low = lo;
    *high = hi;
}

/// The forward pass on a zero-padded copy of the plane, for stride 1 or 2, split by the
/// stride into s² phase planes: phase (a, b) holds padded pixel (s·y + a, s·x + b) at
/// (y, x), rows Wh = ⌈Wp/s⌉ apart. Output (p, q) is accumulated at j = p·Wh + q, and tap
/// (ky, kx) reads phase (ky mod s, kx mod s) at j + (ky div s)·Wh + kx div s: every tap
/// is one multiply-add over a contiguous run of j covering many rows, rather than one
/// short run per output row. On MobileNetV2's 7×7 and 14×14 planes the per-row loops
/// were shorter than a vector and spent their time in loop overhead. The Wh − Q outputs
/// past each row's end are computed and dropped.
TARGET static void NAME(dw_forward_padded)(const float *restrict in, long H, long W, const float *restrict w, long k,
                                           long s, long pad, float bias, float lo, float hi, float *restrict out,
                                           long P, long Q, float *restrict scratch) {
    const long Wh = (W + 2 * pad + s - 1) / s, Hh = (H + 2 * pad) / s + 2;
    const long phase = Hh * Wh;
    float *restrict phases = scratch;
    float *restrict acc = scratch + s * s * phase;
    memset(phases, 0, sizeof(float) * (size_t)(s * s * phase));
    for (long y = 0; y < H; y++) {
        const long py = y + pad;
        float *row = phases + (py % s) * s * phase + (py / s) * Wh;
        if (s == 1) {
            memcpy(row + pad, in + y * W, sizeof(float) * (size_t)W);
        } else {
            for (long x = 0; x < W; x++) {
                const long px = x + pad;
                row[(px & 1) * phase + (px >> 1)] = in[y * W + x];
            }
        }
    }
    // A block of output rows at a time, so that the accumulators stay in L1.
    const long block = Wh >= 1024 ? 1 : 1024 / Wh;
    for (long p0 = 0; p0 < P; p0 += block) {
        const long p1 = p0 + block < P ? p0 + block : P;
        const long j0 = p0 * Wh, count = (p1 - p0) * Wh;
        for (long j = 0; j < count; j++) acc[j] = bias;
        for (long ky = 0; ky < k; ky++) {
            for (long kx = 0; kx < k; kx++) {
                const float tap = w[ky * k + kx];
                const float *source = phases + ((ky % s) * s + kx % s) * phase + j0 + (ky / s) * Wh + kx / s;
                for (long j = 0; j < count; j++) acc[j] += tap * source[j];
            }
        }
        for (long p = p0; p < p1; p++) {
            const float *row = acc + (p - p0) * Wh;
            float *destination = out + p * Q;
            for (long q = 0; q < Q; q++) {
                float y = row[q] < lo ? lo : row[q];
                destination[q] = y > hi ? hi : y;
            }
        }
    }
}

/// Floats of scratch `dw_forward_padded` needs.
static inline long NAME(dw_padded_scratch)(long H, long W, long s, long pad, long P) {
    const long Wh = (W + 2 * pad + s - 1) / s, Hh = (H + 2 * pad) / s + 2;
    const long block = Wh >= 1024 ? 1 : 1024 / Wh;
    return s * s * Hh * Wh + (block < P ? block : P) * Wh;
}

TARGET static void NAME(dw_forward)(const float *restrict in, long H, long W, const float *restrict w, long k, long s,
                                    long pad, float bias, float lo, float hi, float *restrict out, long P, long Q) {
    for (long p = 0; p < P; p++) {
        float *restrict o = out + p * Q;
        for (long q = 0; q < Q; q++) o[q] = bias;
        for (long ky = 0; ky < k; ky++) {
            long iy = p * s - pad + ky;
            if (iy < 0 || iy >= H) continue;
            const float *row = in + iy * W;
            for (long kx = 0; kx < k; kx++) {
                const float tap = w[ky * k + kx];
                long q0, q1;
                NAME(dw_columns)(W, Q, kx, s, pad, &q0, &q1);
                const float *source = row + kx - pad;
                if (s == 1) {
                    for (long q = q0; q < q1; q++) o[q] += tap * source[q];
                } else {
                    for (long q = q0; q < q1; q++) o[q] += tap * source[q * s];
                }
            }
        }
        for (long q = 0; q < Q; q++) {
            float y = o[q] < lo ? lo : o[q];
            o[q] = y > hi ? hi : y;
        }
    }
}

TARGET static void NAME(dw_input_gradient)(const float *restrict dy, long P, long Q, const float *restrict w, long k,
                                           long s, long pad, float *restrict dx, long H, long W) {
    memset(dx, 0, sizeof(float) * (size_t)(H * W));
    for (long p = 0; p < P; p++) {
        const float *g = dy + p * Q;
        for (long ky = 0; ky < k; ky++) {
            long iy = p * s - pad + ky;
            if (iy < 0 || iy >= H) continue;
            float *row = dx + iy * W;
            for (long kx = 0; kx < k; kx++) {
                const float tap = w[ky * k + kx];
                long q0, q1;
                NAME(dw_columns)(W, Q, kx, s, pad, &q0, &q1);
                float *destination = row + kx - pad;
                if (s == 1) {
                    for (long q = q0; q < q1; q++) destination[q] += tap * g[q];
                } else {
                    for (long q = q0; q < q1; q++) destination[q * s] += tap * g[q];
                }
            }
        }
    }
}

TARGET static void NAME(dw_weight_gradient)(const float *restrict in, long H, long W, const float *restrict dy, long P,
                                            long Q, long k, long s, long pad, float *restrict dw) {
    for (long ky = 0; ky < k; ky++) {
        for (long kx = 0; kx < k; kx++) {
            long q0, q1;
            NAME(dw_columns)(W, Q, kx, s, pad, &q0, &q1);
            float sum = 0;
            for (long p = 0; p < P; p++) {
                long iy = p * s - pad + ky;
                if (iy < 0 || iy >= H) continue;
                const float *source = in + iy * W + kx - pad;
                const float *g = dy + p * Q;
                if (s == 1) {
                    // Reassociated into vector partial sums: a fixed order for a given kernel set.
#pragma clang fp reassociate(on)
                    for (long q = q0; q < q1; q++) sum += g[q] * source[q];
                } else {
#pragma clang fp reassociate(on)
                    for (long q = q0; q < q1; q++) sum += g[q] * source[q * s];
                }
            }
            dw[ky * k + kx] += sum;
        }
    }
}

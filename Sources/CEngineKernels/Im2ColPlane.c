// im2col / col2im for one channel plane of one image; the Swift side (Kernels/Im2Col.swift)
// documents the layout and spreads planes over threads. In C so that the index arithmetic
// carries no overflow checks and the strided loops vectorise.
#include "CEngineKernels.h"

#include <string.h>

// Output positions q whose input position q*stride - pad + s lies in [0, W) (columns;
// rows likewise with H, P and r).
static inline void valid_columns(long W, long Q, long stride, long pad, long s, long *lo, long *hi) {
    long offset = pad - s;
    long low = offset > 0 ? (offset + stride - 1) / stride : 0;
    long high = (W - 1 + offset) >= 0 ? (W - 1 + offset) / stride + 1 : 0;
    if (high > Q) high = Q;
    if (low >= high) { low = 0; high = 0; }
    *lo = low;
    *hi = high;
}

static inline void zero_wrapped(float *m, long rowLow, long rowHigh, long lo, long hi, long Q) {
    if (lo == 0 && hi == Q) return;
    for (long p = rowLow; p < rowHigh; p++) {
        float *row = m + p * Q;
        for (long q = 0; q < lo; q++) row[q] = 0;
        for (long q = hi; q < Q; q++) row[q] = 0;
    }
}

void engine_im2col_plane(const float *plane, long H, long W, long R, long S, long stride, long pad,
                         long P, long Q, float *destination, long rowLength) {
    const long PQ = P * Q;
    const int same = stride == 1 && Q == W;
    for (long r = 0; r < R; r++) {
        for (long s = 0; s < S; s++) {
            float *out = destination + (r * S + s) * rowLength;
            long lo, hi;
            valid_columns(W, Q, stride, pad, s, &lo, &hi);
            if (hi == lo) { memset(out, 0, sizeof(float) * PQ); continue; }
            long rowLow, rowHigh;  // output rows whose input row lies inside the plane
            valid_columns(H, P, stride, pad, r, &rowLow, &rowHigh);
            if (rowLow >= rowHigh) { memset(out, 0, sizeof(float) * PQ); continue; }
            if (same) {
                // The row is the plane read at one constant shift; copy it in one run and
                // zero the padding rows and the columns that wrapped from a neighbour row.
                long first = rowLow * W + lo, last = (rowHigh - 1) * W + hi;
                long shift = (r - pad) * W + (s - pad);
                memset(out, 0, sizeof(float) * first);
                memcpy(out + first, plane + first + shift, sizeof(float) * (last - first));
                memset(out + last, 0, sizeof(float) * (PQ - last));
                zero_wrapped(out, rowLow, rowHigh, lo, hi, Q);
                continue;
            }
            memset(out, 0, sizeof(float) * rowLow * Q);
            memset(out + rowHigh * Q, 0, sizeof(float) * (P - rowHigh) * Q);
            for (long p = rowLow; p < rowHigh; p++) {
                float *o = out + p * Q;
                const float *source = plane + (p * stride - pad + r) * W - pad + s;
                for (long q = 0; q < lo; q++) o[q] = 0;
                for (long q = hi; q < Q; q++) o[q] = 0;
                if (stride == 1) {
                    memcpy(o + lo, source + lo, sizeof(float) * (hi - lo));
                } else {
                    for (long q = lo; q < hi; q++) o[q] = source[q * stride];
                }
            }
        }
    }
}

void engine_col2im_plane(float *columns, long H, long W, long R, long S, long stride, long pad,
                         long P, long Q, float *plane, long rowLength) {
    const int same = stride == 1 && Q == W;
    // Zeroed here rather than by the caller: the plane is then still in cache for the sums.
    memset(plane, 0, sizeof(float) * H * W);
    for (long r = 0; r < R; r++) {
        for (long s = 0; s < S; s++) {
            float *from = columns + (r * S + s) * rowLength;
            long lo, hi;
            valid_columns(W, Q, stride, pad, s, &lo, &hi);
            if (hi == lo) continue;
            long rowLow, rowHigh;
            valid_columns(H, P, stride, pad, r, &rowLow, &rowHigh);
            if (rowLow >= rowHigh) continue;
            if (same) {
                // Zero the wrapped columns of the (scratch) dcols, then one contiguous add:
                // those zeros land harmlessly on the neighbouring rows' edges.
                long first = rowLow * W + lo, last = (rowHigh - 1) * W + hi;
                long shift = (r - pad) * W + (s - pad);
                zero_wrapped(from, rowLow, rowHigh, lo, hi, Q);
                float *target = plane + first + shift;
                const float *source = from + first;
                for (long i = 0; i < last - first; i++) target[i] += source[i];
                continue;
            }
            for (long p = rowLow; p < rowHigh; p++) {
                const float *f = from + p * Q;
                float *target = plane + (p * stride - pad + r) * W - pad + s;
                if (stride == 1) {
                    for (long q = lo; q < hi; q++) target[q] += f[q];
                } else {
                    for (long q = lo; q < hi; q++) target[q * stride] += f[q];
                }
            }
        }
    }
}

void engine_im2col_index_table(long H, long W, long R, long S, long stride, long pad, long P, long Q,
                               int *table) {
    for (long r = 0; r < R; r++) {
        for (long s = 0; s < S; s++) {
            int *row = table + (r * S + s) * P * Q;
            for (long p = 0; p < P; p++) {
                long y = p * stride - pad + r;
                for (long q = 0; q < Q; q++) {
                    long x = q * stride - pad + s;
                    row[p * Q + q] = (y >= 0 && y < H && x >= 0 && x < W) ? (int)(y * W + x) : -1;
                }
            }
        }
    }
}

void engine_im2col_indexed(const float *input, long images, long channels, long inputPlane,
                           const int *table, long taps, long PQ, float *destination, long rowLength) {
    for (long image = 0; image < images; image++) {
        for (long c = 0; c < channels; c++) {
            const float *plane = input + (image * channels + c) * inputPlane;
            float *rows = destination + c * taps * rowLength + image * PQ;
            for (long t = 0; t < taps; t++) {
                const int *index = table + t * PQ;
                float *out = rows + t * rowLength;
                for (long i = 0; i < PQ; i++) out[i] = index[i] >= 0 ? plane[index[i]] : 0.0f;
            }
        }
    }
}

void engine_col2im_indexed(const float *columns, long images, long channels, long inputPlane,
                           const int *table, long taps, long PQ, float *output, long rowLength) {
    for (long image = 0; image < images; image++) {
        for (long c = 0; c < channels; c++) {
            float *plane = output + (image * channels + c) * inputPlane;
            const float *rows = columns + c * taps * rowLength + image * PQ;
            memset(plane, 0, sizeof(float) * inputPlane);
            for (long t = 0; t < taps; t++) {
                const int *index = table + t * PQ;
                const float *from = rows + t * rowLength;
                // Within one tap distinct output positions read distinct input positions,
                // so these adds never collide.
                for (long i = 0; i < PQ; i++) if (index[i] >= 0) plane[index[i]] += from[i];
            }
        }
    }
}

// 2×2, stride-2 max pooling (MaxPool2D's common case: every VGG and the simple CNN), for
// training and, without winners, for the inference path. In C so that the window loop runs without bounds or overflow checks; the
// generic Swift path computed per-window ranges and wrote 32-bit indices, and took more
// time than the convolutions around it on small planes.
#include "CEngineKernels.h"

#include <math.h>
#include <string.h>

void engine_maxpool2x2_forward(const float *input, long planes, long H, long W, int rectify,
                               float *output, unsigned char *winners) {
    const long P = H / 2, Q = W / 2;
    for (long plane = 0; plane < planes; plane++) {
        const float *x = input + plane * H * W;
        float *y = output + plane * P * Q;
        unsigned char *code = winners ? winners + plane * P * Q : 0;
        for (long p = 0; p < P; p++) {
            const float *top = x + 2 * p * W, *bottom = top + W;
            for (long q = 0; q < Q; q++) {
                // Row-major order and strict comparisons from −∞: the first of equal maxima
                // wins and NaN never does, as in the general path.
                float best = -INFINITY;
                unsigned char k = 0;
                const float a = top[2 * q], b = top[2 * q + 1], c = bottom[2 * q], d = bottom[2 * q + 1];
                if (a > best) { best = a; k = 0; }
                if (b > best) { best = b; k = 1; }
                if (c > best) { best = c; k = 2; }
                if (d > best) { best = d; k = 3; }
                if (rectify && !(best > 0)) { best = 0; k = 4; }
                y[p * Q + q] = best;
                if (code) code[p * Q + q] = k;
            }
        }
    }
}

void engine_maxpool2x2_backward(const float *outputGradient, const unsigned char *winners, long planes,
                                long H, long W, float *inputGradient) {
    const long P = H / 2, Q = W / 2;
    for (long plane = 0; plane < planes; plane++) {
        const float *dy = outputGradient + plane * P * Q;
        const unsigned char *code = winners + plane * P * Q;
        float *dx = inputGradient + plane * H * W;
        for (long p = 0; p < P; p++) {
            float *top = dx + 2 * p * W, *bottom = top + W;
            for (long q = 0; q < Q; q++) {
                const float g = dy[p * Q + q];
                const unsigned char k = code[p * Q + q];
                top[2 * q] = k == 0 ? g : 0;
                top[2 * q + 1] = k == 1 ? g : 0;
                bottom[2 * q] = k == 2 ? g : 0;
                bottom[2 * q + 1] = k == 3 ? g : 0;
            }
            if (W & 1) { top[W - 1] = 0; bottom[W - 1] = 0; }  // the column floor mode drops
        }
        if (H & 1) memset(dx + (H - 1) * W, 0, sizeof(float) * W);  // likewise the last row
    }
}

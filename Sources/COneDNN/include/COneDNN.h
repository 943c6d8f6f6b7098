#ifndef CONEDNN_H
#define CONEDNN_H

/// One convolution run by oneDNN (Debian's libdnnl, JIT-compiled for the CPU in hand) on
/// the engine's channel-major (C, N, H, W) tensors: its weights, and the primitives made
/// for each share of a batch it has been asked to run.
typedef struct engine_dnnl_convolution engine_dnnl_convolution;

/// A convolution of C → K channels, kernel R×R, `stride`, `padding` on every side, from
/// `weight` (K, C, R, R) and `bias` (K), both copied; `relu`: the activation of fused
/// runs, 0 none, 1 ReLU, 2 ReLU6.
/// NULL when oneDNN cannot be used here at all.
engine_dnnl_convolution *engine_dnnl_convolution_create(long C, long K, long R, long stride, long padding,
                                                        const float *weight, const float *bias, int relu);
void engine_dnnl_convolution_destroy(engine_dnnl_convolution *convolution);

/// Output channels [k0, k1) of images [n0, n0 + n) of a batch of N: reads `input`
/// (C, N, H, W), writes the convolution into `output` (K, N, P, Q), where no other share
/// writes: with `fused`, plus bias and then the ReLU if the convolution has one; without,
/// the bare convolution (for the caller to add bias and a residual). Runs on one thread:
/// the caller shares a batch among its own threads. Shares run at the same time must
/// differ in (n0, n, k0, k1).
///
/// Returns 0, or -1 when oneDNN has no optimised primitive for this share (its reference
/// one is far slower than im2col + GEMM) or failed; the output is then unwritten.
int engine_dnnl_convolution_run(engine_dnnl_convolution *convolution, const float *input, float *output,
                                long N, long H, long W, long n0, long n, long k0, long k1, int fused);

/// oneDNN's name of the implementation that runs this share ("brgconv:avx512_core"),
/// after a successful run; NULL before.
const char *engine_dnnl_convolution_implementation(engine_dnnl_convolution *convolution, long N, long H, long W,
                                                   long n0, long n, long k0, long k1, int fused);

#endif

#ifndef CENGINEKERNELS_H
#define CENGINEKERNELS_H

/// Makes OpenBLAS use kernels that match the CPU when its own detection fell back to the
/// generic "Prescott" (SSE3) kernels, which are 3–5× slower on AVX2/AVX-512 machines.
///
/// OpenBLAS 0.3.21 (Debian 12) does not recognise some newer Xeons (and CPUs as seen
/// through some hypervisors) and silently picks Prescott. When the library is a
/// DYNAMIC_ARCH build, OPENBLAS_CORETYPE is unset, and the CPU reports AVX-512 (F, VL, BW,
/// DQ) or AVX2 + FMA, this sets OPENBLAS_CORETYPE to SkylakeX or Haswell and re-runs
/// OpenBLAS's core selection. Must run before any other thread calls BLAS.
///
/// Returns the core name OpenBLAS uses afterwards, or NULL when the library cannot say.
const char *engine_blas_select_core(void);


/// im2col for one channel plane (H, W) of one image: writes the R·S rows of P·Q values
/// starting at `destination`, rows `rowLength` apart (the column matrix layout of
/// Kernels/Im2Col.swift). Zero padding, square stride.
void engine_im2col_plane(const float *plane, long H, long W, long R, long S, long stride, long pad,
                         long P, long Q, float *destination, long rowLength);

/// The adjoint: sets `plane` to the sum of those R·S rows scattered back to where im2col
/// read them. Overwrites entries of `columns` that fall into the padding (they are scratch).
void engine_col2im_plane(float *columns, long H, long W, long R, long S, long stride, long pad,
                         long P, long Q, float *plane, long rowLength);

/// For small output planes, where per-plane calls cost more than the copying: the input
/// offset y·W + x that im2col reads for tap t = r·S + s and output position p·Q + q, or −1
/// in the padding. `table` holds R·S·P·Q entries.
void engine_im2col_index_table(long H, long W, long R, long S, long stride, long pad, long P, long Q,
                               int *table);

/// im2col of `images` whole images (channels × inputPlane each) through an index table:
/// the same column layout as `engine_im2col_plane`.
void engine_im2col_indexed(const float *input, long images, long channels, long inputPlane,
                           const int *table, long taps, long PQ, float *destination, long rowLength);

/// The adjoint of `engine_im2col_indexed`: sets each image's planes to the scattered sums.
void engine_col2im_indexed(const float *columns, long images, long channels, long inputPlane,
                           const int *table, long taps, long PQ, float *output, long rowLength);

/// 2×2 max pooling at stride 2 without padding (MaxPool2x2.c): `planes` planes of H×W
/// (H, W ≥ 2) → (H/2)×(W/2) each, an odd last row or column dropped. With `rectify`, each
/// output is max(window, 0): a ReLU before the pool, fused. `winners` (may be NULL) gets
/// the window position each output came from, 0–3 in row-major order (the first of equal
/// maxima), or 4 where `rectify` made it 0 (no gradient flows back).
void engine_maxpool2x2_forward(const float *input, long planes, long H, long W, int rectify,
                               float *output, unsigned char *winners);

/// The backward pass: writes all of each H×W input-gradient plane, the output gradient at
/// the winning position of each window and zero elsewhere.
void engine_maxpool2x2_backward(const float *outputGradient, const unsigned char *winners, long planes,
                                long H, long W, float *inputGradient);

/// Direct 3×3, stride-1, padding-1 convolution (Direct3x3.c). Planes are stored padded:
/// one zero pixel on every side, rows W + 2 apart, planes `engine_direct3x3_plane_stride`
/// apart, with zero slack after each.
///
/// Every call below takes the kernel set, `level`: 2 AVX-512, 1 AVX2 + FMA (0: none), at
/// most what the CPU supports. One pass of a layer uses one level throughout.
///
/// The level new passes use: the best the CPU has unless capped by ENGINE_DIRECT_KERNELS
/// (0 or avx2) or by `engine_direct3x3_set_level`; 0 when the direct path is unavailable.
int engine_direct3x3_level(void);
/// Makes `level` (clamped to what the CPU supports; −1: the best) the default from now on;
/// returns it. For benchmarks that compare paths.
int engine_direct3x3_set_level(int level);
/// Output channels per block of the weight-gradient kernel: K must be a multiple of it.
long engine_direct3x3_weight_block(int level);
/// Scalars between consecutive padded planes of an H×W plane.
long engine_direct3x3_plane_stride(long H, long W);
/// Copies `planes` planes (H, W) into the padded layout.
void engine_direct3x3_pad(const float *source, long planes, long H, long W, float *destination);
/// The same, and writes the sum of each plane to `sums` (the bias gradient's share of an
/// output-gradient plane, taken while the plane is in L1 rather than in another pass).
void engine_direct3x3_pad_and_sum(const float *source, long planes, long H, long W, float *destination,
                                  float *sums);
/// Scalars of the packed weights for K outputs and C inputs (either direction: pass the
/// forward's K and C for the forward, and C and K swapped for the input gradient).
long engine_direct3x3_packed_count(int level, long K, long C);
/// Packs `weight` (K, C, 3, 3) for the forward kernel, or, with `forInputGradient`, as the
/// C-output convolution that maps the output gradient to the input gradient.
void engine_direct3x3_pack(int level, const float *weight, long K, long C, int forInputGradient, float *packed);
/// output (images, K, H, W) = the convolution of the padded input (images, C padded planes)
/// with packed weights, plus `bias` (K) when not NULL.
void engine_direct3x3_forward(int level, const float *paddedInput, long images, long C, long K, long H, long W,
                              const float *packed, const float *bias, float *output);
/// weightGradient (K, C, 3, 3) += the gradient over `images`, from the padded input and the
/// padded output gradient (images, K padded planes). `scratch` holds the kernel's vector
/// accumulators between tiles: `engine_direct3x3_weight_gradient_scratch_count` floats, any
/// alignment, contents ignored.
void engine_direct3x3_weight_gradient(int level, const float *paddedInput, const float *paddedOutputGradient, long images,
                                      long C, long K, long H, long W, float *weightGradient, float *scratch);
/// Floats of scratch `engine_direct3x3_weight_gradient` needs for C input channels.
long engine_direct3x3_weight_gradient_scratch_count(int level, long C);

/// The best vector instruction set this CPU (and its OS) supports: 2 AVX-512 (F, VL, BW,
/// DQ), 1 AVX2 + FMA, 0 neither. The "levels" the kernels below take.
int engine_cpu_vector_level(void);

/// Winograd F(m×m, 3×3) inference convolution, m = `tile` (2 or 4), 3×3 stride 1 padding 1,
/// CNHW layout (Winograd.c). `level` picks the kernel set: 2 AVX-512, 1 AVX2 + FMA,
/// 0 portable; at most `engine_cpu_vector_level()`.
///
/// Output channels of each weight panel, tiles per block (the unit of work), and tiles
/// per vector (one per lane).
long engine_winograd_panel_rows(int level);
long engine_winograd_block_tiles(int level);
long engine_winograd_vector_lanes(int level);
/// Weight panels for K output channels: ⌈K / panel rows⌉.
long engine_winograd_panels(int level, long K);
/// Scalars of the packed weights, and the packing of U (α², K, C), the transformed
/// filters G g Gᵀ of every (k, c), position-major.
long engine_winograd_packed_count(int level, long tile, long K, long C);
void engine_winograd_pack(int level, long tile, const float *transformed, long K, long C, float *packed);
/// Scalars of scratch one call with `panels` weight panels needs (any alignment).
long engine_winograd_scratch_count(int level, long tile, long C, long panels);
/// output (K, N, H, W) = the convolution of input (C, N, H, W) + bias (K) [+ residual
/// (K, N, H, W)] [then ReLU], for the tiles firstTile … firstTile + tiles − 1 (numbered
/// image by image, row by row, ⌈H/m⌉·⌈W/m⌉ per image) and the output channels of weight
/// panels firstPanel … firstPanel + panels − 1; the rest of `output` is not touched.
/// Returns −1 (and does nothing) for a level the CPU lacks or a tile other than 2 or 4.
int engine_winograd_forward(int level, long tile, const float *input, long C, long N, long H, long W,
                            const float *packed, long K, const float *bias, const float *residual, int relu,
                            float *output, long firstTile, long tiles, long firstPanel, long panels,
                            float *scratch);

/// Depthwise convolution of one plane (Depthwise.c): a k×k filter, stride s, zero padding
/// `padding`, input H×W, output P×Q. `level` picks the kernel set as for Winograd (2
/// AVX-512, 1 AVX2 + FMA, 0 portable); each returns −1 (and does nothing) for a level the
/// CPU lacks.
///
/// output = clamp(bias + convolution, low, high); ±infinity for no clamp.
int engine_depthwise_forward(int level, const float *input, long H, long W, const float *weight, long k, long stride,
                             long padding, float bias, float low, float high, float *output, long P, long Q);
/// inputGradient (H×W, overwritten) = the gradient of the plane's input.
int engine_depthwise_input_gradient(int level, const float *outputGradient, long P, long Q, const float *weight, long k,
                                    long stride, long padding, float *inputGradient, long H, long W);
/// weightGradient (k×k) += the gradient of the plane's filter.
int engine_depthwise_weight_gradient(int level, const float *input, long H, long W, const float *outputGradient, long P,
                                     long Q, long k, long stride, long padding, float *weightGradient);

/// One task of a parallel step: `function(context, task)` for task in 0 ..< tasks.
typedef void (*engine_task_function)(void *context, long task);

/// Runs `function(context, task)` for every task in 0 ..< tasks on the engine's thread
/// pool and the calling thread, and returns when all have finished (ThreadPool.c). The
/// pool's workers spin for a fraction of a millisecond after a step, then sleep. Runs
/// the tasks inline, one after another, when the pool is busy with another step.
void engine_parallel_run(long tasks, engine_task_function function, void *context);

#endif

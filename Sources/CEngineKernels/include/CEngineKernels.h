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

#endif

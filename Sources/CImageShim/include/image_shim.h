// C glue between ImageKit and libjpeg-turbo / libpng.
//
// Both libraries report fatal errors by calling an error handler that must not
// return; the only portable way out is longjmp. longjmp across Swift frames is
// undefined behaviour, so every setjmp/longjmp pair lives in these C files and
// the functions below only ever return a status code and a message.
//
// The API uses plain C types so Swift does not need jpeglib.h or png.h.
#ifndef IMAGE_SHIM_H
#define IMAGE_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ISHIM_OK = 0,
    /// The data is damaged or not decodable (includes libjpeg corrupt-data warnings).
    ISHIM_CORRUPT = 1,
    /// A valid file of a variant this library cannot decode (12-bit or lossless JPEG).
    ISHIM_UNSUPPORTED = 2,
    /// The caller's buffer does not match the decoded size.
    ISHIM_BUFFER = 3,
    /// The decode went past its work limits (scans or CPU time): a file built to be slow.
    ISHIM_LIMIT = 4,
    /// The caller asked the decode to stop (its client has gone).
    ISHIM_CANCELLED = 5,
} ishim_status;

/// Bounds on the work one decode may do. A small file can demand seconds of
/// CPU (thousands of progressive JPEG scans, megabytes of extra deflate data),
/// and pixel limits alone do not see that.
typedef struct {
    /// Most JPEG scans accepted; 0 means no limit.
    int32_t max_scans;
    /// CPU time of the decoding thread after which the decode stops; 0 means none.
    int64_t cpu_time_limit_ns;
    /// Read atomically while decoding; non-zero stops the decode. May be NULL.
    const int32_t *cancelled;
} ishim_decode_limits;

/// Sets a cancellation flag with an atomic store, so a decode on another
/// thread sees it.
void ishim_flag_set(int32_t *flag);

typedef enum {
    ISHIM_JPEG_GRAY = 1,
    ISHIM_JPEG_YCBCR = 2,
    ISHIM_JPEG_RGB = 3,
    ISHIM_JPEG_CMYK = 4,
    ISHIM_JPEG_YCCK = 5,
    ISHIM_JPEG_OTHER = 6,
} ishim_jpeg_colorspace;

typedef struct {
    uint32_t width;
    uint32_t height;
    int32_t components;
    int32_t colorspace;   // ishim_jpeg_colorspace
    int32_t progressive;
    int32_t arithmetic;
    int32_t adobe;        // an Adobe APP14 marker was seen (CMYK stored inverted)
} ishim_jpeg_header;

/// Parses the JPEG header only (no pixel memory is allocated).
int ishim_jpeg_read_header(const uint8_t *data, size_t size, ishim_jpeg_header *header,
                           char *message, size_t message_size);

/// Decodes to interleaved RGB8 at a DCT scale of 1/scale_denom (1, 2, 4 or 8).
/// `pixels` must hold exactly out_width * out_height * 3 bytes where the output
/// size is ceil(width / scale_denom) x ceil(height / scale_denom); the decoder
/// checks this before writing.
int ishim_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom,
                          const ishim_decode_limits *limits,
                          uint8_t *pixels, size_t capacity,
                          uint32_t *out_width, uint32_t *out_height,
                          char *message, size_t message_size);

typedef struct {
    uint32_t width;
    uint32_t height;
    int32_t bit_depth;
    int32_t color_type;   // PNG_COLOR_TYPE_*: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int32_t interlaced;
    int32_t has_trns;
} ishim_png_header;

/// Parses the PNG signature and IHDR (and chunks before the first IDAT).
int ishim_png_read_header(const uint8_t *data, size_t size, ishim_png_header *header,
                          char *message, size_t message_size);

/// Decodes any PNG to interleaved RGBA8: palettes and tRNS expanded, 16-bit
/// samples reduced to their high byte (as Pillow does), gray replicated.
/// Every CRC mismatch, critical or ancillary, is an error; libpng's benign
/// errors (an sRGB profile it knows to be slightly off, say) are not.
/// Compressed data beyond what the last row needs is refused once it exceeds
/// what any encoder could write for that row, before it is inflated.
int ishim_png_decode_rgba(const uint8_t *data, size_t size,
                          const ishim_decode_limits *limits,
                          uint8_t *pixels, size_t capacity,
                          char *message, size_t message_size);

#ifdef __cplusplus
}
#endif
#endif

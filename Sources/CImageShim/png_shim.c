#include "image_shim.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <png.h>
#include <zlib.h>

#include "decode_limits.h"

// libpng's simplified API (png_image_*) would avoid this file's setjmp, but it
// treats 16-bit files without gAMA as linear light and gamma-encodes them to
// 8 bits (65535*i/15 comes out as 20, 74, 101, ... instead of 17, 34, 51),
// and it composites alpha in linear light. Pillow, and every trainer that
// used it, take the high byte and composite in stored values, so we drive
// the classic API ourselves and keep its longjmp inside this file.

typedef struct {
    char message[256];
    int status;
} shim_png_error;

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    shim_png_error *err;
    ishim_limit_clock clock;
    /// IDAT bytes read so far, and the most the read may reach (SIZE_MAX: no cap).
    size_t idat_read;
    size_t idat_cap;
} shim_png_source;

// "IDAT" as libpng numbers chunk types (its png_IDAT is private).
#define IDAT_CHUNK_TYPE 0x49444154u

static void fail(png_structp png, shim_png_error *err, int status) {
    err->status = status;
    png_longjmp(png, 1);
}

static void shim_png_read(png_structp png, png_bytep out, png_size_t length) {
    shim_png_source *source = (shim_png_source *)png_get_io_ptr(png);
    if (length > source->size - source->offset) {
        png_error(png, "unexpected end of PNG data");
    }
    // libpng reads IDAT data in pieces of at most 8 KiB (IDAT_read_size), so
    // these checks run often enough to stop a decode that is taking too long.
    if ((png_get_io_state(png) & PNG_IO_MASK_LOC) == PNG_IO_CHUNK_DATA
        && png_get_io_chunk_type(png) == IDAT_CHUNK_TYPE) {
        source->idat_read += length;
        if (source->idat_read > source->idat_cap) {
            snprintf(source->err->message, sizeof source->err->message,
                     "compressed image data continues past the last row");
            fail(png, source->err, ISHIM_CORRUPT);
        }
        int status = ishim_limit_check(&source->clock, source->err->message, sizeof source->err->message);
        if (status != ISHIM_OK) fail(png, source->err, status);
    }
    memcpy(out, source->data + source->offset, length);
    source->offset += length;
}

static void shim_png_error_fn(png_structp png, png_const_charp text) {
    shim_png_error *err = (shim_png_error *)png_get_error_ptr(png);
    snprintf(err->message, sizeof err->message, "%s", text ? text : "PNG error");
    fail(png, err, ISHIM_CORRUPT);
}

// Warnings, and benign errors (which png_set_benign_errors turns into
// warnings), concern metadata only: "iCCP: known incorrect sRGB profile" is
// in 30 % of the PNGs Pillow writes from camera JPEGs.
static void shim_png_warning_fn(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void copy_message(const char *from, char *to, size_t size) {
    if (to == NULL || size == 0) return;
    snprintf(to, size, "%s", from);
}

// Shared set-up: creates the read struct with our handlers and strict CRCs.
static png_structp create_reader(shim_png_error *err) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, err,
                                             shim_png_error_fn, shim_png_warning_fn);
    if (png == NULL) return NULL;
    // A CRC mismatch in any chunk, ancillary included, means the bytes were
    // damaged in transit: refuse rather than silently drop the chunk.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    // Benign errors become warnings, as in Pillow and browsers. Damaged data
    // still fails: CRCs above, and png_error for everything libpng cannot read.
    // Extra IDAT data, libpng's other benign error, is bounded by idat_cap.
    png_set_benign_errors(png, 1);
    return png;
}

int ishim_png_read_header(const uint8_t *data, size_t size, ishim_png_header *header,
                          char *message, size_t message_size) {
    memset(header, 0, sizeof *header);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        copy_message("not a PNG signature", message, message_size);
        return ISHIM_CORRUPT;
    }
    shim_png_error err = { { 0 }, ISHIM_CORRUPT };
    shim_png_source source = { data, size, 0, &err, ishim_limit_clock_start(NULL), 0, SIZE_MAX };
    png_structp png = create_reader(&err);
    if (png == NULL) {
        copy_message("cannot create PNG reader", message, message_size);
        return ISHIM_BUFFER;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        copy_message("cannot create PNG reader", message, message_size);
        return ISHIM_BUFFER;
    }
    if (setjmp(png_jmpbuf(png))) {
        copy_message(err.message, message, message_size);
        png_destroy_read_struct(&png, &info, NULL);
        return ISHIM_CORRUPT;
    }
    png_set_read_fn(png, &source, shim_png_read);
    png_read_info(png, info);
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    header->has_trns = png_get_valid(png, info, PNG_INFO_tRNS) ? 1 : 0;
    png_destroy_read_struct(&png, &info, NULL);
    return ISHIM_OK;
}

int ishim_png_decode_rgba(const uint8_t *data, size_t size,
                          const ishim_decode_limits *limits,
                          uint8_t *pixels, size_t capacity,
                          char *message, size_t message_size) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        copy_message("not a PNG signature", message, message_size);
        return ISHIM_CORRUPT;
    }
    shim_png_error err = { { 0 }, ISHIM_CORRUPT };
    shim_png_source source = { data, size, 0, &err, ishim_limit_clock_start(NULL), 0, SIZE_MAX };
    png_structp png = create_reader(&err);
    if (png == NULL) {
        copy_message("cannot create PNG reader", message, message_size);
        return ISHIM_BUFFER;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        copy_message("cannot create PNG reader", message, message_size);
        return ISHIM_BUFFER;
    }
    if (setjmp(png_jmpbuf(png))) {
        copy_message(err.message, message, message_size);
        png_destroy_read_struct(&png, &info, NULL);
        return err.status;
    }
    source.clock = ishim_limit_clock_start(limits);
    png_set_read_fn(png, &source, shim_png_read);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    size_t stored_row = png_get_rowbytes(png, info) + 1;   // with its filter byte
    size_t row_bytes = (size_t)width * 4;
    if (row_bytes * height != capacity) {
        snprintf(message, message_size, "output buffer of %zu bytes does not fit %ux%u",
                 capacity, width, height);
        png_destroy_read_struct(&png, &info, NULL);
        return ISHIM_BUFFER;
    }

    // Palette -> RGB, gray < 8 bits -> 8 bits, tRNS -> alpha channel.
    png_set_expand(png);
    // Keep the high byte of 16-bit samples, as Pillow's "RGB;16B" unpackers do.
    png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(png);
    }
    // Opaque images get alpha 255 so every output pixel is RGBA.
    png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    // Row by row, so the limits are checked per row too. libpng inflates and
    // discards whatever compressed data follows the image inside the last
    // png_read_row (the only way to find the end of the stream), and a small
    // file can carry gigabytes of it. So the last row may read only what an
    // encoder could need for one row stored uncompressed, plus the stream's
    // trailer and one read-ahead piece; beyond that the file is refused.
    int passes = png_set_interlace_handling(png);   // Adam7: libpng runs the passes.
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != row_bytes) {
        png_error(png, "unexpected row size after transforms");
    }
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) {
            if (pass == passes - 1 && y == height - 1) {
                source.idat_cap = source.idat_read + compressBound((uLong)stored_row) + 2 * 8192;
            }
            png_read_row(png, pixels + row_bytes * y, NULL);
            if (y % 16 == 0) {
                int status = ishim_limit_check(&source.clock, err.message, sizeof err.message);
                if (status != ISHIM_OK) fail(png, &err, status);
            }
        }
    }
    // Reads the chunks after IDAT up to IEND, so their CRCs are checked and a
    // file cut off after its pixel data is still refused.
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return ISHIM_OK;
}

#include "image_shim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

#include "decode_limits.h"

// An error manager whose exits jump back into the function that set it up.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int status;
    char message[JMSG_LENGTH_MAX];
} shim_error_mgr;

static void copy_message(const char *from, char *to, size_t size) {
    if (to == NULL || size == 0) return;
    snprintf(to, size, "%s", from);
}

static void shim_error_exit(j_common_ptr cinfo) {
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    int code = err->base.msg_code;
    // 12-bit and lossless (SOF3/SOF7/SOF11/SOF15) files are valid JPEGs that
    // an 8-bit libjpeg-turbo 2.x cannot read: report them as unsupported.
    err->status = (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED)
        ? ISHIM_UNSUPPORTED : ISHIM_CORRUPT;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

// Warnings that only concern metadata; the pixels are still exactly what the
// encoder wrote, so they are not worth refusing a photo for.
static int is_benign_warning(int code) {
    return code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC
        || code == JWRN_EXTRANEOUS_DATA;
}

static void shim_emit_message(j_common_ptr cinfo, int msg_level) {
    // msg_level < 0 is a warning; >= 0 are trace messages we do not want.
    if (msg_level >= 0) return;
    shim_error_mgr *err = (shim_error_mgr *)cinfo->err;
    if (is_benign_warning(err->base.msg_code)) return;
    // Corrupt-data warnings ("Premature end of JPEG file", "bad Huffman code")
    // would otherwise yield a grey-padded picture: a truncated upload must not
    // be classified as if it were whole. Leaving by longjmp is as safe here as
    // from error_exit (libjpeg's own docs allow either to not return).
    err->status = ISHIM_CORRUPT;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void shim_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void setup_errors(struct jpeg_decompress_struct *cinfo, shim_error_mgr *err) {
    cinfo->err = jpeg_std_error(&err->base);
    err->base.error_exit = shim_error_exit;
    err->base.emit_message = shim_emit_message;
    err->base.output_message = shim_output_message;
    err->status = ISHIM_OK;
    err->message[0] = 0;
}

// libjpeg calls the progress monitor once per row of MCUs in every scan and
// once per output row, so a file that is slow to decode is stopped within
// one row of its limit. Leaving by longjmp is allowed here as from error_exit.
typedef struct {
    struct jpeg_progress_mgr base;
    ishim_limit_clock clock;
    shim_error_mgr *err;
} shim_progress_mgr;

static void shim_progress_monitor(j_common_ptr common) {
    struct jpeg_decompress_struct *cinfo = (struct jpeg_decompress_struct *)common;
    shim_progress_mgr *progress = (shim_progress_mgr *)cinfo->progress;
    shim_error_mgr *err = progress->err;
    const ishim_decode_limits *limits = progress->clock.limits;
    if (limits->max_scans > 0 && cinfo->input_scan_number > limits->max_scans) {
        err->status = ISHIM_LIMIT;
        snprintf(err->message, sizeof err->message, "more than %d scans", (int)limits->max_scans);
        longjmp(err->jump, 1);
    }
    int status = ishim_limit_check(&progress->clock, err->message, sizeof err->message);
    if (status != ISHIM_OK) {
        err->status = status;
        longjmp(err->jump, 1);
    }
}

static int map_colorspace(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return ISHIM_JPEG_GRAY;
    case JCS_YCbCr: return ISHIM_JPEG_YCBCR;
    case JCS_RGB: return ISHIM_JPEG_RGB;
    case JCS_CMYK: return ISHIM_JPEG_CMYK;
    case JCS_YCCK: return ISHIM_JPEG_YCCK;
    default: return ISHIM_JPEG_OTHER;
    }
}

int ishim_jpeg_read_header(const uint8_t *data, size_t size, ishim_jpeg_header *header,
                           char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    shim_error_mgr err;
    memset(header, 0, sizeof *header);
    if (size == 0 || size > (size_t)0xFFFFFFFFu) {
        copy_message("empty or oversized JPEG data", message, message_size);
        return ISHIM_CORRUPT;
    }
    setup_errors(&cinfo, &err);
    if (setjmp(err.jump)) {
        copy_message(err.message, message, message_size);
        jpeg_destroy_decompress(&cinfo);
        return err.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    header->width = cinfo.image_width;
    header->height = cinfo.image_height;
    header->components = cinfo.num_components;
    header->colorspace = map_colorspace(cinfo.jpeg_color_space);
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->arithmetic = cinfo.arith_code ? 1 : 0;
    header->adobe = cinfo.saw_Adobe_marker ? 1 : 0;
    jpeg_destroy_decompress(&cinfo);
    return ISHIM_OK;
}

// Pillow's cmyk2rgb (libImaging/Convert.c), so results match it exactly:
// r = (255 - k) - round(c * (255 - k) / 255).
static inline uint8_t cmyk_channel(int c, int nk) {
    int tmp = c * nk + 128;
    int v = nk - (((tmp >> 8) + tmp) >> 8);
    return (uint8_t)(v < 0 ? 0 : v);
}

static void cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, JDIMENSION width, int inverted) {
    for (JDIMENSION x = 0; x < width; x++) {
        int c = in[0], m = in[1], y = in[2], k = in[3];
        // Adobe (Photoshop) writes CMYK inverted: 0 means full ink.
        if (inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        int nk = 255 - k;
        out[0] = cmyk_channel(c, nk);
        out[1] = cmyk_channel(m, nk);
        out[2] = cmyk_channel(y, nk);
        in += 4;
        out += 3;
    }
}

int ishim_jpeg_decode_rgb(const uint8_t *data, size_t size, int scale_denom,
                          const ishim_decode_limits *limits,
                          uint8_t *pixels, size_t capacity,
                          uint32_t *out_width, uint32_t *out_height,
                          char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    shim_error_mgr err;
    // volatile: modified between setjmp and a possible longjmp.
    uint8_t *volatile cmyk_row = NULL;
    *out_width = 0;
    *out_height = 0;
    if (size == 0 || size > (size_t)0xFFFFFFFFu) {
        copy_message("empty or oversized JPEG data", message, message_size);
        return ISHIM_CORRUPT;
    }
    if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
        copy_message("scale must be 1, 2, 4 or 8", message, message_size);
        return ISHIM_BUFFER;
    }
    setup_errors(&cinfo, &err);
    if (setjmp(err.jump)) {
        copy_message(err.message, message, message_size);
        free(cmyk_row);
        jpeg_destroy_decompress(&cinfo);
        return err.status;
    }
    jpeg_create_decompress(&cinfo);
    shim_progress_mgr progress = { .err = &err };
    if (limits != NULL) {
        progress.base.progress_monitor = shim_progress_monitor;
        progress.clock = ishim_limit_clock_start(limits);
        cinfo.progress = &progress.base;
    }
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)scale_denom;
    jpeg_calc_output_dimensions(&cinfo);
    size_t row_bytes = (size_t)cinfo.output_width * 3;
    if (row_bytes * cinfo.output_height != capacity) {
        snprintf(message, message_size, "output buffer of %zu bytes does not fit %ux%u",
                 capacity, cinfo.output_width, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return ISHIM_BUFFER;
    }
    if (cmyk) {
        cmyk_row = malloc((size_t)cinfo.output_width * 4);
        if (cmyk_row == NULL) {
            copy_message("out of memory", message, message_size);
            jpeg_destroy_decompress(&cinfo);
            return ISHIM_BUFFER;
        }
    }
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + row_bytes * cinfo.output_scanline;
        if (cmyk) {
            JSAMPROW rows[1] = { cmyk_row };
            jpeg_read_scanlines(&cinfo, rows, 1);
            cmyk_row_to_rgb(cmyk_row, row, cinfo.output_width, cinfo.saw_Adobe_marker);
        } else {
            JSAMPROW rows[1] = { row };
            jpeg_read_scanlines(&cinfo, rows, 1);
        }
    }
    // Reads to EOI, so damage after the last scanline is noticed too.
    jpeg_finish_decompress(&cinfo);
    *out_width = cinfo.output_width;
    *out_height = cinfo.output_height;
    free(cmyk_row);
    jpeg_destroy_decompress(&cinfo);
    return ISHIM_OK;
}

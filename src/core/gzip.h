/* A streaming gzip writer over ISA-L (igzip level 1, the fastest level:
 * measured in docs/ARCHITECTURE.md) that hands its compressed output to a
 * callback: Firehose's GZIP objects and CloudWatch Logs export files.
 *
 * Ownership: the writer owns its two buffers (gzw_free releases them,
 * whatever happened); the callback's bytes are only valid during the call. */
#ifndef SLUICE_GZIP_H
#define SLUICE_GZIP_H

#include "common.h"
#include <isa-l/igzip_lib.h>

/* Receives compressed bytes; C_ERR stops the writer (gzw_* then return C_ERR). */
typedef int (*gzw_emit_fn)(void *ctx, const void *p, size_t n);

struct gzw {
    struct isal_zstream z;
    uint8_t *level_buf, *out;
    gzw_emit_fn emit;
    void *ctx;
    bool failed;
};

void gzw_init(struct gzw *g, gzw_emit_fn emit, void *ctx);
int gzw_write(struct gzw *g, const void *p, size_t n);
/* Ends the gzip member (trailer with CRC-32 and size). */
int gzw_finish(struct gzw *g);
void gzw_free(struct gzw *g);

#endif

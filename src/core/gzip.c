/* Streaming gzip over ISA-L: see gzip.h. */
#include "gzip.h"

#include <stdlib.h>
#include <string.h>

#define GZW_OUT (256u * 1024u)

void gzw_init(struct gzw *g, gzw_emit_fn emit, void *ctx) {
    memset(g, 0, sizeof *g);
    g->emit = emit;
    g->ctx = ctx;
    g->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
    g->out = malloc(GZW_OUT);
    if (!g->level_buf || !g->out) abort();
    isal_deflate_init(&g->z);
    g->z.level = 1;
    g->z.level_buf = g->level_buf;
    g->z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    g->z.gzip_flag = IGZIP_GZIP;
}

/* Run the compressor over what it holds (end: finish the member). */
static int deflate_out(struct gzw *g, bool end) {
    g->z.end_of_stream = end;
    do {
        g->z.next_out = g->out;
        g->z.avail_out = GZW_OUT;
        if (isal_deflate(&g->z) != COMP_OK) {
            g->failed = true;
            return C_ERR;
        }
        size_t n = GZW_OUT - g->z.avail_out;
        if (n && g->emit(g->ctx, g->out, n) != C_OK) {
            g->failed = true;
            return C_ERR;
        }
    } while (g->z.avail_in > 0 || g->z.avail_out == 0 ||
             (end && g->z.internal_state.state != ZSTATE_END));
    return C_OK;
}

int gzw_write(struct gzw *g, const void *p, size_t n) {
    const uint8_t *c = p;
    while (n && !g->failed) {
        uint32_t k = n > (1u << 30) ? (1u << 30) : (uint32_t)n;
        g->z.next_in = (uint8_t *)c;
        g->z.avail_in = k;
        if (deflate_out(g, false) != C_OK) break;
        c += k;
        n -= k;
    }
    return g->failed ? C_ERR : C_OK;
}

int gzw_finish(struct gzw *g) {
    if (g->failed) return C_ERR;
    return deflate_out(g, true);
}

void gzw_free(struct gzw *g) {
    free(g->level_buf);
    free(g->out);
    g->level_buf = g->out = NULL;
}

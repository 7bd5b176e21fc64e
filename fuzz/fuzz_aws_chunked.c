/* libFuzzer target for the aws-chunked body decoder (src/s3/aws_chunked.c).
 *
 * Input layout:
 *   byte 0      bit 0: signed chunks (AWS's documented example key and seed),
 *               bit 1: signed trailers allowed
 *   byte 1      slice size - 1: the body is fed in pieces of this size, as
 *               the HTTP layer hands it over
 *   rest        the body
 * Checks the decoder's own invariants: it never emits more than it was fed,
 * a finished stream accepts no more data, and trailers it reports are
 * NUL-terminated. */
#include "s3/aws_chunked.h"
#include "aws/sigv4.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const char *p, size_t n, struct aws_err *e) {
    *(size_t *)ctx += n;
    return C_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2 || size > 1 << 20) return 0;
    struct awsc_signing sg;
    memset(&sg, 0, sizeof sg);
    bool sign = data[0] & 1;
    if (sign) {
        static unsigned char key[32];
        static bool have;
        if (!have) {
            sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524",
                              "us-east-1", "s3", key);
            have = true;
        }
        memcpy(sg.key, key, 32);
        strcpy(sg.amz_date, "20130524T000000Z");
        strcpy(sg.scope, "20130524/us-east-1/s3/aws4_request");
        strcpy(sg.seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
        sg.trailer = data[0] & 2;
    }
    size_t slice = (size_t)data[1] + 1;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    struct awsc *d = malloc(sizeof *d);
    if (!d) return 0;
    awsc_init(d, sign ? &sg : NULL);
    struct aws_err e;
    size_t emitted = 0;
    int rc = C_OK;
    for (size_t off = 0; off < len && rc == C_OK; off += slice) {
        size_t k = len - off < slice ? len - off : slice;
        rc = awsc_feed(d, body + off, k, count, &emitted, &e);
    }
    if (rc == C_OK && awsc_finish(d, &e) == C_OK) {
        for (size_t i = 0; i < d->ntrailers; i++)
            if (strlen(d->trailers[i].name) + strlen(d->trailers[i].value) > len) abort();
        if (awsc_feed(d, "x", 1, count, &emitted, &e) == C_OK) abort();
    }
    if (emitted > len || emitted != d->decoded) abort();
    awsc_free(d);
    free(d);
    return 0;
}

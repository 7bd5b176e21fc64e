/* Decoder for S3's `aws-chunked` request bodies (Content-Encoding:
 * aws-chunked, x-amz-content-sha256: STREAMING-...):
 *
 *   hex-size[;chunk-signature=SIG] CRLF  data  CRLF      (repeated)
 *   0[;chunk-signature=SIG] CRLF
 *   [name:value CRLF ...]                                 (trailers)
 *   CRLF
 *
 * It is fed the body as it arrives, in pieces of any size (the HTTP layer's
 * chunks), and passes the decoded payload on through a callback, so nothing
 * is buffered beyond one header or trailer line.
 *
 * Signed streams (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) have every
 * chunk's signature checked, chained from the request's seed signature:
 *   HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev
 *                  "\n" sha256("") "\n" sha256(chunk data))
 * and the trailer's (x-amz-trailer-signature) over the trailer lines
 * "name:value\n" with "AWS4-HMAC-SHA256-TRAILER".  Unsigned streams
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER) ignore chunk extensions.
 *
 * Errors are S3's: 403 SignatureDoesNotMatch for a wrong chunk or trailer
 * signature, 400 IncompleteBody when the body ends early, 400
 * InvalidRequest for broken framing.  The decoder owns no heap memory
 * except the per-chunk SHA-256 context of signed streams; awsc_free()
 * releases it (always call it). */
#ifndef SLUICE_S3_AWS_CHUNKED_H
#define SLUICE_S3_AWS_CHUNKED_H

#include "../core/common.h"
#include "../aws/error.h"
#include "checksum.h"

#define AWSC_LINE_MAX 1024       /* one chunk header or trailer line */
#define AWSC_TRAILER_MAX 16      /* trailer lines */
#define AWSC_TRAILER_BYTES 4096  /* all trailer lines together */

/* Chunk-signature verification inputs (signed streams only). */
struct awsc_signing {
    unsigned char key[32];       /* kSigning of the request's scope */
    char amz_date[17];           /* the request's X-Amz-Date */
    char scope[128];             /* date/region/service/aws4_request */
    char seed[65];               /* the request's own (verified) signature */
    bool trailer;                /* ...-PAYLOAD-TRAILER: trailers allowed (and signed);
                                    without it a trailer was added in transit */
};

struct awsc_trailer { const char *name, *value; };

/* Called with decoded payload bytes; C_ERR stops decoding (the callback
 * has filled the error). */
typedef int (*awsc_emit_fn)(void *ctx, const char *p, size_t n, struct aws_err *e);

struct awsc {
    int state;
    bool signed_chunks;
    uint64_t remaining;          /* data bytes left in the current chunk */
    uint64_t decoded;            /* payload bytes passed on so far */
    char line[AWSC_LINE_MAX + 1];
    size_t linelen;
    char chunk_sig[65];          /* signature announced for the current chunk */
    struct s3_sha256 chunk_hash;
    struct awsc_signing sig;
    char tbuf[AWSC_TRAILER_BYTES];
    size_t tlen;
    struct awsc_trailer trailers[AWSC_TRAILER_MAX];
    size_t ntrailers;
    const char *trailer_sig;     /* x-amz-trailer-signature, if sent */
};

/* signing NULL: unsigned chunks. */
void awsc_init(struct awsc *d, const struct awsc_signing *signing);
void awsc_free(struct awsc *d);
/* Decode n more bytes of the body. */
int awsc_feed(struct awsc *d, const char *p, size_t n, awsc_emit_fn emit, void *ctx,
              struct aws_err *e);
/* The body has ended: C_OK only if the final chunk and the trailer section
 * were complete and (signed) every signature matched. */
int awsc_finish(struct awsc *d, struct aws_err *e);
/* A trailer's value by name (case-insensitive), or NULL.  Valid until
 * awsc_free. */
const char *awsc_trailer(const struct awsc *d, const char *name);

#endif

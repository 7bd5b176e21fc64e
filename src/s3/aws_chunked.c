/* aws-chunked body decoder (see aws_chunked.h). */
#include "aws_chunked.h"
#include "../aws/sigv4.h"
#include "../core/text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { ST_HEADER, ST_DATA, ST_DATA_END, ST_TRAILER, ST_DONE, ST_FAILED };

void awsc_init(struct awsc *d, const struct awsc_signing *signing) {
    memset(d, 0, sizeof *d);
    d->state = ST_HEADER;
    if (signing) {
        d->signed_chunks = true;
        d->sig = *signing;
    }
}

void awsc_free(struct awsc *d) {
    s3_sha256_free(&d->chunk_hash);
    OPENSSL_cleanse(d->sig.key, sizeof d->sig.key);
}

static int fail(struct awsc *d, struct aws_err *e, int http, const char *code, const char *msg) {
    d->state = ST_FAILED;
    return aws_errf(e, http, code, "%s", msg);
}

static int bad_framing(struct awsc *d, struct aws_err *e, const char *why) {
    d->state = ST_FAILED;
    return aws_errf(e, 400, "InvalidRequest", "Malformed aws-chunked body: %s.", why);
}

static int sig_mismatch(struct awsc *d, struct aws_err *e) {
    return fail(d, e, 403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you "
                "provided. Check your key and signing method.");
}

/* The signature chained over what preceded: prev -> this chunk's. */
static void chain_sig(struct awsc *d, const char *kind, const char *hash_hex, char out[65]) {
    char sts[512];
    if (strcmp(kind, "AWS4-HMAC-SHA256-PAYLOAD") == 0)
        snprintf(sts, sizeof sts, "%s\n%s\n%s\n%s\n" SIGV4_EMPTY_SHA256 "\n%s", kind,
                 d->sig.amz_date, d->sig.scope, d->sig.seed, hash_hex);
    else
        snprintf(sts, sizeof sts, "%s\n%s\n%s\n%s\n%s", kind, d->sig.amz_date, d->sig.scope,
                 d->sig.seed, hash_hex);
    sigv4_signature(d->sig.key, sts, out);
}

/* The current chunk's data is complete: check its signature. */
static int end_chunk_sig(struct awsc *d, struct aws_err *e) {
    if (!d->signed_chunks) return C_OK;
    unsigned char h[32];
    char hex[65], sig[65];
    s3_sha256_final(&d->chunk_hash, h);
    s3_hex(h, 32, hex);
    chain_sig(d, "AWS4-HMAC-SHA256-PAYLOAD", hex, sig);
    if (CRYPTO_memcmp(sig, d->chunk_sig, 64) != 0) return sig_mismatch(d, e);
    memcpy(d->sig.seed, sig, 65);
    return C_OK;
}

/* "hex-size[;ext=value...]" */
static int parse_header(struct awsc *d, struct aws_err *e) {
    const char *p = d->line;
    uint64_t size = 0;
    size_t nd = 0;
    int v;
    for (; (v = hex_digit((unsigned char)*p)) >= 0; p++, nd++) {
        if (nd == 16) return bad_framing(d, e, "chunk size too large");
        size = size << 4 | (uint64_t)v;
    }
    if (nd == 0) return bad_framing(d, e, "chunk size is not hexadecimal");
    bool have_sig = false;
    while (*p == ';') {
        p++;
        const char *eq = strchr(p, '=');
        const char *next = strchr(p, ';');
        size_t vlen = next ? (size_t)(next - p) : strlen(p);
        if (eq && (!next || eq < next) && (size_t)(eq - p) == 15 &&
            strncasecmp(p, "chunk-signature", 15) == 0) {
            const char *s = eq + 1;
            size_t sl = vlen - 16;
            if (sl != 64) {
                if (d->signed_chunks) return sig_mismatch(d, e);
            } else {
                memcpy(d->chunk_sig, s, 64);
                d->chunk_sig[64] = 0;
                have_sig = true;
            }
        }
        p += vlen;
    }
    if (*p) return bad_framing(d, e, "unexpected characters in a chunk header");
    if (d->signed_chunks) {
        if (!have_sig) return sig_mismatch(d, e);
        s3_sha256_init(&d->chunk_hash);
    }
    d->remaining = size;
    if (size == 0) {
        /* The final chunk: its (empty) data is signed too. */
        if (end_chunk_sig(d, e) != C_OK) return C_ERR;
        d->state = ST_TRAILER;
    } else {
        d->state = ST_DATA;
    }
    return C_OK;
}

static int add_trailer(struct awsc *d, struct aws_err *e) {
    if (d->signed_chunks && !d->sig.trailer) return sig_mismatch(d, e);
    char *colon = strchr(d->line, ':');
    if (!colon || colon == d->line) return bad_framing(d, e, "a trailer line without a name");
    if (d->ntrailers == AWSC_TRAILER_MAX || d->tlen + d->linelen + 2 > sizeof d->tbuf)
        return bad_framing(d, e, "too many trailers");
    *colon = 0;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    size_t nl = (size_t)(colon - d->line);
    char *name = d->tbuf + d->tlen;
    memcpy(name, d->line, nl + 1);
    for (char *c = name; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    char *val = name + nl + 1;
    memcpy(val, v, vl);
    val[vl] = 0;
    d->tlen += nl + vl + 2;
    if (strcmp(name, "x-amz-trailer-signature") == 0) {
        d->trailer_sig = val;
        return C_OK;
    }
    d->trailers[d->ntrailers++] = (struct awsc_trailer){name, val};
    return C_OK;
}

/* Signed streams with trailers: the trailer signature over "name:value\n". */
static int check_trailer_sig(struct awsc *d, struct aws_err *e) {
    if (!d->signed_chunks || (!d->ntrailers && !d->trailer_sig)) return C_OK;
    if (!d->trailer_sig || strlen(d->trailer_sig) != 64) return sig_mismatch(d, e);
    struct s3_sha256 h;
    s3_sha256_init(&h);
    for (size_t i = 0; i < d->ntrailers; i++) {
        s3_sha256_update(&h, d->trailers[i].name, strlen(d->trailers[i].name));
        s3_sha256_update(&h, ":", 1);
        s3_sha256_update(&h, d->trailers[i].value, strlen(d->trailers[i].value));
        s3_sha256_update(&h, "\n", 1);
    }
    unsigned char md[32];
    char hex[65], sig[65];
    s3_sha256_final(&h, md);
    s3_hex(md, 32, hex);
    chain_sig(d, "AWS4-HMAC-SHA256-TRAILER", hex, sig);
    if (CRYPTO_memcmp(sig, d->trailer_sig, 64) != 0) return sig_mismatch(d, e);
    return C_OK;
}

/* A complete line (without CR LF) in d->line. */
static int on_line(struct awsc *d, struct aws_err *e) {
    if (d->state == ST_HEADER) return parse_header(d, e);
    /* ST_TRAILER: an empty line ends the body. */
    if (d->linelen == 0) {
        if (check_trailer_sig(d, e) != C_OK) return C_ERR;
        d->state = ST_DONE;
        return C_OK;
    }
    return add_trailer(d, e);
}

int awsc_feed(struct awsc *d, const char *p, size_t n, awsc_emit_fn emit, void *ctx,
              struct aws_err *e) {
    size_t i = 0;
    while (i < n) {
        switch (d->state) {
        case ST_HEADER:
        case ST_TRAILER: {
            const char *nlp = memchr(p + i, '\n', n - i);
            size_t take = nlp ? (size_t)(nlp - (p + i)) : n - i;
            if (d->linelen + take > AWSC_LINE_MAX) return bad_framing(d, e, "line too long");
            memcpy(d->line + d->linelen, p + i, take);
            d->linelen += take;
            i += take;
            if (!nlp) break;
            i++;   /* the LF */
            if (d->linelen && d->line[d->linelen - 1] == '\r') d->linelen--;
            d->line[d->linelen] = 0;
            if (memchr(d->line, 0, d->linelen)) return bad_framing(d, e, "NUL in a header line");
            int rc = on_line(d, e);
            d->linelen = 0;
            if (rc != C_OK) return C_ERR;
            break;
        }
        case ST_DATA: {
            size_t take = n - i;
            if ((uint64_t)take > d->remaining) take = (size_t)d->remaining;
            if (d->signed_chunks) s3_sha256_update(&d->chunk_hash, p + i, take);
            if (emit(ctx, p + i, take, e) != C_OK) {
                d->state = ST_FAILED;
                return C_ERR;
            }
            d->decoded += take;
            d->remaining -= take;
            i += take;
            if (d->remaining == 0) {
                if (end_chunk_sig(d, e) != C_OK) return C_ERR;
                d->state = ST_DATA_END;
                d->linelen = 0;
            }
            break;
        }
        case ST_DATA_END:
            /* CR LF after the data (a lone LF is tolerated). */
            if (p[i] == '\r' && d->linelen == 0) {
                d->linelen = 1;
                i++;
            } else if (p[i] == '\n') {
                d->linelen = 0;
                d->state = ST_HEADER;
                i++;
            } else {
                return bad_framing(d, e, "chunk data longer than its size");
            }
            break;
        case ST_DONE: return bad_framing(d, e, "data after the final chunk");
        default: return bad_framing(d, e, "decoding already failed");
        }
    }
    return C_OK;
}

int awsc_finish(struct awsc *d, struct aws_err *e) {
    if (d->state == ST_DONE) return C_OK;
    /* Some clients end the body right after the last trailer line (or the
     * final chunk) without the closing empty line. */
    if (d->state == ST_TRAILER && d->linelen == 0) {
        if (check_trailer_sig(d, e) != C_OK) return C_ERR;
        d->state = ST_DONE;
        return C_OK;
    }
    if (d->state == ST_FAILED) return bad_framing(d, e, "decoding failed");
    return fail(d, e, 400, "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP "
                "header");
}

const char *awsc_trailer(const struct awsc *d, const char *name) {
    for (size_t i = 0; i < d->ntrailers; i++)
        if (strcasecmp(d->trailers[i].name, name) == 0) return d->trailers[i].value;
    return NULL;
}

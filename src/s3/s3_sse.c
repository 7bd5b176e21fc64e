/* S3 encryption at rest (formats and rules: s3_sse.h). */
#include "s3_sse.h"
#include "../core/text.h"
#include "../kms/kms_crypto.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SEG_VERSION 1
#define SEG_ENTRY (8 + S3_SSE_IV_BYTES)
/* EVP takes int lengths: larger buffers go in steps. */
#define EVP_STEP (1u << 30)

static int invalid_argument(struct call *c, const char *fmt, const char *arg) {
    return aws_errf(c->err, 400, "InvalidArgument", fmt, arg);
}

/* ---------------- what a write asks for ---------------- */

void s3_sse_spec_from_bucket(const struct s3_bucket *b, struct s3_sse_spec *out) {
    memset(out, 0, sizeof *out);
    if (!b || !b->sse_algo || strcmp(b->sse_algo, S3_SSE_KMS) != 0) return;
    out->kms = true;
    out->kms_key_id = b->sse_kms_key;
    out->bucket_key = b->sse_bucket_key;
}

/* x-amz-server-side-encryption-context: base64 of UTF-8 JSON holding a
 * string-to-string map. */
static int parse_context(struct call *c, const char *b64, struct s3_sse_spec *out) {
    static const char *const BAD =
        "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
        "holding JSON which represents a string-string map";
    size_t n = strlen(b64), len;
    char *json = arena_alloc(c->a, n * 3 / 4 + 3 + JSON_PADDING);
    struct jval *v;
    char msg[128];
    if (!b64_decode(b64, n, (uint8_t *)json, &len) ||
        json_parse(c->a, json, len, &v, msg, sizeof msg) != C_OK || v->t != J_OBJ)
        return aws_errf(c->err, 400, "InvalidArgument", "%s", BAD);
    out->ctx = arena_alloc(c->a, (v->u.o.n + 1) * sizeof *out->ctx);
    out->nctx = 0;
    for (size_t i = 0; i < v->u.o.n; i++) {
        const struct jmember *m = &v->u.o.m[i];
        if (m->v.t != J_STR || memchr(m->k, 0, m->klen) || memchr(m->v.u.s.s, 0, m->v.u.s.len))
            return aws_errf(c->err, 400, "InvalidArgument", "%s", BAD);
        /* S3 adds aws:s3:arn itself (s3_sse.h); a pair of that name is
         * replaced by S3's. */
        if (strcmp(m->k, "aws:s3:arn") == 0) continue;
        out->ctx[out->nctx++] = (struct kms_ctx_pair){m->k, m->v.u.s.s, m->klen, m->v.u.s.len};
    }
    out->context_b64 = b64;
    return C_OK;
}

int s3_sse_spec_resolve(struct call *c, const struct s3_sse_headers *h, const struct s3_bucket *b,
                        struct s3_sse_spec *out) {
    s3_sse_spec_from_bucket(b, out);
    if (h->customer)
        return aws_errf(c->err, 501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(SSE-C: server-side encryption with customer-provided keys is not "
                        "available in Sluice).");
    const char *sse = h->sse;
    if (sse && strcmp(sse, S3_SSE_KMS ":dsse") == 0)
        return aws_errf(c->err, 501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(aws:kms:dsse: dual-layer encryption is not available in Sluice; use "
                        "aws:kms).");
    if (sse && strcmp(sse, S3_SSE_AES256) != 0 && strcmp(sse, S3_SSE_KMS) != 0)
        return invalid_argument(c, "%s", "The encryption method specified is not supported");
    bool kms = sse && strcmp(sse, S3_SSE_KMS) == 0;
    if (!kms && (h->kms_key_id || h->context))
        return invalid_argument(c, "%s",
                                "Server Side Encryption with AWS KMS managed key requires HTTP "
                                "header x-amz-server-side-encryption : aws:kms");
    if (h->bucket_key && strcasecmp(h->bucket_key, "true") != 0 &&
        strcasecmp(h->bucket_key, "false") != 0)
        return invalid_argument(c, "%s",
                                "Invalid value for x-amz-server-side-encryption-bucket-key-enabled");
    if (!sse) return C_OK;   /* the bucket default */
    bool inherit_bk = out->kms && out->bucket_key;
    memset(out, 0, sizeof *out);
    out->from_request = true;
    out->kms = kms;
    if (!kms) return C_OK;
    if (h->kms_key_id && !*h->kms_key_id)
        return aws_errf(c->err, 400, "KMS.NotFoundException", "Invalid keyId ''");
    out->kms_key_id = h->kms_key_id;
    out->bucket_key = h->bucket_key ? strcasecmp(h->bucket_key, "true") == 0 : inherit_bk;
    return h->context ? parse_context(c, h->context, out) : C_OK;
}

/* ---------------- KMS errors in S3's form ---------------- */

static const struct {
    const char *kms, *s3;
    int http;
} KMS_ERRORS[] = {
    {"NotFoundException", "KMS.NotFoundException", 400},
    {"DisabledException", "KMS.DisabledException", 400},
    {"KMSInvalidStateException", "KMS.KMSInvalidStateException", 400},
    {"InvalidCiphertextException", "KMS.InvalidCiphertextException", 400},
    {"IncorrectKeyException", "KMS.IncorrectKeyException", 400},
    {"KMSInternalException", "KMS.KMSInternalException", 500},
};

int s3_sse_kms_error(struct call *c) {
    struct aws_err *e = c->err;
    if (e->code && strcmp(e->code, "AccessDeniedException") == 0) {
        e->code = "AccessDenied";
        e->http = 403;
    }
    for (size_t i = 0; e->code && i < ARRAY_LEN(KMS_ERRORS); i++)
        if (strcmp(e->code, KMS_ERRORS[i].kms) == 0) {
            e->code = KMS_ERRORS[i].s3;
            e->http = KMS_ERRORS[i].http;
        }
    return C_ERR;
}

/* ---------------- keys ---------------- */

static char *object_arn(struct arena *a, const char *bucket, const char *key) {
    return arena_sprintf(a, "arn:aws:s3:::%s/%s", bucket, key);
}

/* The id the SSE-S3 data key is wrapped under: binds it to the object. */
static char *wrap_id(struct arena *a, const char *bucket, const char *key) {
    return arena_sprintf(a, "s3-sse:arn:aws:s3:::%s/%s", bucket, key);
}

/* The KMS encryption context: the request's pairs plus aws:s3:arn (the
 * object, or the bucket under an S3 Bucket Key). */
static struct kms_ctx_pair *kms_context(struct arena *a, const char *bucket, const char *key,
                                        bool bucket_key, const struct kms_ctx_pair *user,
                                        size_t nuser, size_t *n) {
    struct kms_ctx_pair *p = arena_alloc(a, (nuser + 1) * sizeof *p);
    if (nuser) memcpy(p, user, nuser * sizeof *p);
    p[nuser] = (struct kms_ctx_pair){
        "aws:s3:arn",
        bucket_key ? arena_sprintf(a, "arn:aws:s3:::%s", bucket) : object_arn(a, bucket, key), 0,
        0};
    *n = nuser + 1;
    return p;
}

static int master_key(struct call *c, unsigned char m[32]) {
    if (c->store->ops->kms_master_key(c->store, m) == C_OK) return C_OK;
    return aws_errf(c->err, 500, "InternalError",
                    "We encountered an internal error. Please try again. (no master key)");
}

int s3_sse_data_key(struct call *c, const char *bucket, const char *key,
                    const struct s3_object *o, unsigned char dk[32]) {
    if (!o->sse) return aws_errf(c->err, 500, "InternalError", "the object is not encrypted");
    if (strcmp(o->sse, S3_SSE_AES256) == 0) {
        unsigned char m[32];
        if (master_key(c, m) != C_OK) return C_ERR;
        int rc = kms_unwrap(m, wrap_id(c->a, bucket, key), o->sse_dkey, o->sse_dkey_len, dk);
        OPENSSL_cleanse(m, sizeof m);
        if (rc != C_OK)
            return aws_errf(c->err, 500, "InternalError",
                            "We encountered an internal error. Please try again. (the object's "
                            "data key does not unwrap under this server's kms-master.key)");
        return C_OK;
    }
    struct s3_sse_spec user = {0};
    if (o->sse_context && parse_context(c, o->sse_context, &user) != C_OK) return C_ERR;
    size_t nctx, outlen = 0;
    struct kms_ctx_pair *ctx =
        kms_context(c->a, bucket, key, o->sse_bucket_key, user.ctx, user.nctx, &nctx);
    unsigned char *out = arena_alloc(c->a, o->sse_dkey_len + 1);
    if (kms_decrypt_for(c, o->sse_dkey, o->sse_dkey_len, "s3", ctx, nctx, out, &outlen, NULL) !=
        C_OK)
        return s3_sse_kms_error(c);
    int rc = outlen == 32 ? C_OK : aws_errf(c->err, 500, "InternalError", "bad data key length");
    if (rc == C_OK) memcpy(dk, out, 32);
    OPENSSL_cleanse(out, outlen);
    return rc;
}

/* ---------------- writing ---------------- */

struct s3_sse_writer {
    unsigned char dk[32];
    EVP_CIPHER_CTX *x;
    bool kms, bucket_key, started;
    char *key_arn, *context_b64;
    unsigned char *dkey;                 /* wrapped key / KMS blob */
    size_t dkey_len;
    struct s3_sse_seg *segs;
    size_t nsegs, cap;
};

static char *xstrdup(const char *s) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static struct s3_sse_writer *writer_new(void) {
    struct s3_sse_writer *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->x = EVP_CIPHER_CTX_new();
    if (!w->x) abort();
    return w;
}

static void writer_set_dkey(struct s3_sse_writer *w, const unsigned char *p, size_t n) {
    w->dkey = malloc(n ? n : 1);
    if (!w->dkey) abort();
    memcpy(w->dkey, p, n);
    w->dkey_len = n;
}

int s3_sse_begin_object(struct call *c, const char *bucket, const char *key,
                        const struct s3_sse_spec *spec, struct s3_sse_writer **out) {
    struct s3_sse_writer *w = writer_new();
    w->kms = spec->kms;
    if (!spec->kms) {
        unsigned char m[32], wrapped[KMS_WRAPPED_BYTES];
        int rc = master_key(c, m);
        if (rc == C_OK && (RAND_bytes(w->dk, 32) != 1 ||
                           kms_wrap(m, wrap_id(c->a, bucket, key), w->dk, wrapped) != C_OK))
            rc = aws_errf(c->err, 500, "InternalError",
                          "We encountered an internal error. Please try again. (data key)");
        OPENSSL_cleanse(m, sizeof m);
        if (rc != C_OK) {
            s3_sse_free(w);
            return C_ERR;
        }
        writer_set_dkey(w, wrapped, sizeof wrapped);
        *out = w;
        return C_OK;
    }
    size_t nctx;
    struct kms_ctx_pair *ctx =
        kms_context(c->a, bucket, key, spec->bucket_key, spec->ctx, spec->nctx, &nctx);
    struct kms_data_key d;
    if (kms_generate_data_key_for(c, spec->kms_key_id, "s3", ctx, nctx, &d) != C_OK) {
        s3_sse_free(w);
        return s3_sse_kms_error(c);
    }
    memcpy(w->dk, d.plaintext, 32);
    OPENSSL_cleanse(d.plaintext, sizeof d.plaintext);
    writer_set_dkey(w, d.blob, d.blob_len);
    w->key_arn = xstrdup(d.key_arn);
    w->bucket_key = spec->bucket_key;
    w->context_b64 = xstrdup(spec->context_b64);
    *out = w;
    return C_OK;
}

int s3_sse_resume(struct call *c, const char *bucket, const char *key,
                  const struct s3_object *o, struct s3_sse_writer **out) {
    struct s3_sse_writer *w = writer_new();
    if (s3_sse_data_key(c, bucket, key, o, w->dk) != C_OK) {
        s3_sse_free(w);
        return C_ERR;
    }
    w->kms = strcmp(o->sse, S3_SSE_KMS) == 0;
    writer_set_dkey(w, o->sse_dkey, o->sse_dkey_len);
    w->key_arn = xstrdup(o->sse_kms_key);
    w->bucket_key = o->sse_bucket_key;
    w->context_b64 = xstrdup(o->sse_context);
    *out = w;
    return C_OK;
}

int s3_sse_begin_segment(struct s3_sse_writer *w, uint64_t off, struct s3_sse_seg *seg) {
    if (w->nsegs == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 4;
        w->segs = realloc(w->segs, w->cap * sizeof *w->segs);
        if (!w->segs) abort();
    }
    struct s3_sse_seg *s = &w->segs[w->nsegs];
    s->off = off;
    if (RAND_bytes(s->iv, S3_SSE_IV_BYTES) != 1 ||
        EVP_EncryptInit_ex(w->x, EVP_aes_256_ctr(), NULL, w->dk, s->iv) != 1)
        return C_ERR;
    w->nsegs++;
    w->started = true;
    if (seg) *seg = *s;
    return C_OK;
}

int s3_sse_encrypt(struct s3_sse_writer *w, const void *in, void *out, size_t n) {
    if (!w->started) return C_ERR;
    const unsigned char *i = in;
    unsigned char *o = out;
    while (n) {
        int k = (int)(n > EVP_STEP ? EVP_STEP : n), len;
        if (EVP_EncryptUpdate(w->x, o, &len, i, k) != 1 || len != k) return C_ERR;
        i += k;
        o += k;
        n -= (size_t)k;
    }
    return C_OK;
}

static const char *hex(struct arena *a, const unsigned char *p, size_t n) {
    static const char D[] = "0123456789abcdef";
    char *s = arena_alloc(a, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = D[p[i] >> 4];
        s[2 * i + 1] = D[p[i] & 15];
    }
    s[2 * n] = 0;
    return s;
}

void s3_sse_finish(struct s3_sse_writer *w, struct arena *a, const unsigned char etag_md5[16],
                   struct s3_object *o, const char **etag) {
    o->sse = w->kms ? S3_SSE_KMS : S3_SSE_AES256;
    o->sse_kms_key = w->key_arn ? arena_strdup(a, w->key_arn) : NULL;
    o->sse_bucket_key = w->kms && w->bucket_key;
    o->sse_context = w->context_b64 ? arena_strdup(a, w->context_b64) : NULL;
    unsigned char *dk = arena_alloc(a, w->dkey_len);
    memcpy(dk, w->dkey, w->dkey_len);
    o->sse_dkey = dk;
    o->sse_dkey_len = w->dkey_len;
    o->sse_segs = s3_sse_segments_encode(a, w->segs, w->nsegs, &o->sse_segs_len);
    if (!etag) return;
    if (!w->kms) {
        *etag = hex(a, etag_md5, 16);
        return;
    }
    /* Not the MD5 of the data, as AWS's SSE-KMS ETags: bound to this
     * object's data key, so equal bodies get different ETags. */
    unsigned char md[16];
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned int mdlen = 0;
    if (!m || EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1) abort();
    EVP_DigestUpdate(m, etag_md5, 16);
    EVP_DigestUpdate(m, w->dkey, w->dkey_len);
    EVP_DigestFinal_ex(m, md, &mdlen);
    EVP_MD_CTX_free(m);
    *etag = hex(a, md, 16);
}

void s3_sse_free(struct s3_sse_writer *w) {
    if (!w) return;
    OPENSSL_cleanse(w->dk, sizeof w->dk);
    EVP_CIPHER_CTX_free(w->x);
    free(w->key_arn);
    free(w->context_b64);
    free(w->dkey);
    free(w->segs);
    free(w);
}

/* ---------------- the segment table ---------------- */

unsigned char *s3_sse_segments_encode(struct arena *a, const struct s3_sse_seg *segs, size_t n,
                                      size_t *len) {
    *len = 1 + n * SEG_ENTRY;
    unsigned char *p = arena_alloc(a, *len), *w = p;
    *w++ = SEG_VERSION;
    for (size_t i = 0; i < n; i++) {
        for (int b = 7; b >= 0; b--) *w++ = (unsigned char)(segs[i].off >> (8 * b));
        memcpy(w, segs[i].iv, S3_SSE_IV_BYTES);
        w += S3_SSE_IV_BYTES;
    }
    return p;
}

int s3_sse_segments_decode(struct arena *a, const unsigned char *p, size_t len,
                           struct s3_sse_seg **out, size_t *n) {
    if (!p || len < 1 + SEG_ENTRY || p[0] != SEG_VERSION || (len - 1) % SEG_ENTRY) return C_ERR;
    *n = (len - 1) / SEG_ENTRY;
    struct s3_sse_seg *s = a ? arena_alloc(a, *n * sizeof *s) : malloc(*n * sizeof *s);
    if (!s) abort();
    const unsigned char *r = p + 1;
    for (size_t i = 0; i < *n; i++) {
        uint64_t off = 0;
        for (int b = 0; b < 8; b++) off = off << 8 | *r++;
        s[i].off = off;
        memcpy(s[i].iv, r, S3_SSE_IV_BYTES);
        r += S3_SSE_IV_BYTES;
        if ((i == 0 && off != 0) || (i > 0 && off <= s[i - 1].off)) {
            if (!a) free(s);
            return C_ERR;
        }
    }
    *out = s;
    return C_OK;
}

/* ---------------- reading ---------------- */

struct s3_sse_reader {
    int fd;
    bool own_fd, plain;
    unsigned char dk[32];
    struct s3_sse_seg *segs;             /* heap */
    size_t nsegs;
    EVP_CIPHER_CTX *x;
    size_t seg;                          /* the segment x is keyed for */
    uint64_t next;                       /* the offset x continues at (UINT64_MAX: none) */
};

int s3_sse_reader_new(const struct s3_object *o, const unsigned char dk[32], int fd, bool own_fd,
                      struct s3_sse_reader **out) {
    struct s3_sse_reader *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->fd = fd;
    r->own_fd = own_fd;
    r->next = UINT64_MAX;
    r->plain = o->sse == NULL;
    if (!r->plain) {
        if (s3_sse_segments_decode(NULL, o->sse_segs, o->sse_segs_len, &r->segs, &r->nsegs) !=
            C_OK) {
            s3_sse_reader_free(r);
            return C_ERR;
        }
        memcpy(r->dk, dk, 32);
        r->x = EVP_CIPHER_CTX_new();
        if (!r->x) abort();
    }
    *out = r;
    return C_OK;
}

/* The segment holding offset off (the last one starting at or before it). */
static size_t seg_of(const struct s3_sse_reader *r, uint64_t off) {
    size_t lo = 0, hi = r->nsegs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->segs[mid].off <= off) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Key the cipher for offset off: counter block = IV + block index (128-bit
 * big-endian), then drop the keystream bytes before off in its block. */
static int position(struct s3_sse_reader *r, size_t si, uint64_t off) {
    const struct s3_sse_seg *s = &r->segs[si];
    uint64_t rel = off - s->off, blocks = rel / 16;
    unsigned char ctr[16];
    memcpy(ctr, s->iv, 16);
    unsigned carry = 0;
    for (int i = 15; i >= 0; i--) {
        unsigned add = (unsigned)(i >= 8 ? (blocks >> (8 * (15 - i))) & 0xff : 0);
        unsigned v = ctr[i] + add + carry;
        ctr[i] = (unsigned char)v;
        carry = v >> 8;
    }
    if (EVP_EncryptInit_ex(r->x, EVP_aes_256_ctr(), NULL, r->dk, ctr) != 1) return C_ERR;
    unsigned char skip[16] = {0};
    int len, k = (int)(rel % 16);
    if (k && EVP_EncryptUpdate(r->x, skip, &len, skip, k) != 1) return C_ERR;
    r->seg = si;
    r->next = off;
    return C_OK;
}

ssize_t s3_sse_read(struct s3_sse_reader *r, uint64_t off, void *buf, size_t n) {
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(r->fd, p + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    if (r->plain) return (ssize_t)got;
    for (size_t done = 0; done < got;) {
        uint64_t at = off + done;
        size_t si = r->next == at ? r->seg : seg_of(r, at);
        /* The keystream continues within a segment; a new segment re-keys. */
        if (si + 1 < r->nsegs && at >= r->segs[si + 1].off) si = seg_of(r, at);
        if (r->next != at || si != r->seg) {
            if (position(r, si, at) != C_OK) return -1;
        }
        uint64_t end = si + 1 < r->nsegs ? r->segs[si + 1].off : UINT64_MAX;
        size_t piece = got - done;
        if (end - at < piece) piece = (size_t)(end - at);
        for (size_t d = 0; d < piece;) {
            int k = (int)(piece - d > EVP_STEP ? EVP_STEP : piece - d), len;
            if (EVP_EncryptUpdate(r->x, p + done + d, &len, p + done + d, k) != 1) return -1;
            d += (size_t)k;
        }
        done += piece;
        r->next = at + piece;
    }
    return (ssize_t)got;
}

void s3_sse_reader_free(struct s3_sse_reader *r) {
    if (!r) return;
    if (r->own_fd && r->fd >= 0) close(r->fd);
    OPENSSL_cleanse(r->dk, sizeof r->dk);
    EVP_CIPHER_CTX_free(r->x);
    free(r->segs);
    free(r);
}

/* ---------------- responses ---------------- */

void s3_sse_headers_out(const struct s3_object *o,
                        void (*add)(void *ctx, const char *name, const char *value), void *ctx) {
    if (!o->sse) return;
    add(ctx, "x-amz-server-side-encryption", o->sse);
    if (o->sse_kms_key) add(ctx, "x-amz-server-side-encryption-aws-kms-key-id", o->sse_kms_key);
    /* AWS leaves the header out when false. */
    if (o->sse_bucket_key) add(ctx, "x-amz-server-side-encryption-bucket-key-enabled", "true");
}

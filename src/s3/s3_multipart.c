/* S3 multipart uploads: CreateMultipartUpload, UploadPart (its body flows
 * through the same pipeline as PutObject's: aws-chunked, trailers,
 * Content-MD5, x-amz-checksum-*, Expect: 100-continue), CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts, ListMultipartUploads; the ETag and
 * checksum arithmetic of multipart objects.  Storage: store_s3_mpu.c.
 *
 * AWS's rules: part numbers 1..10,000; every part but the last at least
 * 5 MiB (checked at Complete, EntityTooSmall); parts up to 5 GiB (the
 * pipeline's PutObject bound) and objects up to 5 TiB; the object's ETag
 * is the MD5 of the parts' binary MD5s followed by "-N".  Checksums
 * ("Checking object integrity" in the S3 User Guide): an upload created
 * with x-amz-checksum-algorithm is COMPOSITE by default (FULL_OBJECT for
 * CRC64NVME, which has no composite form; SHA1/SHA256 have no full-object
 * form); each part of a COMPOSITE upload must carry that algorithm's
 * checksum, and Complete must list it for every part; the object's
 * checksum is then the algorithm over the concatenated binary part
 * checksums, base64, "-N".  FULL_OBJECT parts are checksummed by the server
 * when the client sends none, and the object's CRC is combined from the
 * parts' CRCs.  An upload created without an algorithm accepts parts with
 * any checksum (the SDKs send CRC32 by default), verifies and keeps it per
 * part (ListParts, UploadPart's answer); the object then has no checksum,
 * as a PutObject without one has none here. */
#include "s3.h"
#include "../core/text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_LIST 1000   /* max-parts / max-uploads ceiling and default */

/* ------------------------------------------------------------------------ */
/* Pure arithmetic: ETags, composite and full-object checksums. */

void s3_mpu_etag(const unsigned char (*md5s)[16], size_t n, char *out) {
    struct s3_md5 m;
    unsigned char d[16];
    s3_md5_init(&m);
    for (size_t i = 0; i < n; i++) s3_md5_update(&m, md5s[i], 16);
    s3_md5_final(&m, d);
    s3_hex(d, 16, out);
    /* S3 allows at most 10,000 parts: the count always fits "-NNNNN". */
    snprintf(out + 32, 8, "-%u", (unsigned)(n > 10000 ? 10000 : n));
}

/* The reflected CRCs as GF(2) polynomials: x^0 is the top bit of the
 * width, so "multiply by x" is a right shift (zlib's crc32_combine, for
 * any width and polynomial with init and xorout all ones). */
static const struct { uint64_t poly; int width; } CRCS[S3_CK__COUNT] = {
    [S3_CK_CRC32] = {0xEDB88320u, 32},
    [S3_CK_CRC32C] = {0x82F63B78u, 32},
    [S3_CK_CRC64NVME] = {0x9A6C9329AC4BC9B5ull, 64},
};

static uint64_t gf2_mulmod(uint64_t a, uint64_t b, uint64_t poly, int width) {
    uint64_t m = 1ull << (width - 1), p = 0;
    for (; m; m >>= 1) {
        if (a & m) p ^= b;
        b = b & 1 ? (b >> 1) ^ poly : b >> 1;
    }
    return p;
}

uint64_t s3_crc_combine(enum s3_cksum k, uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
    uint64_t poly = CRCS[k].poly;
    int w = CRCS[k].width;
    /* x^(8 * len_b) mod p by squaring: sq = x^(2^i), starting at x^8. */
    uint64_t p = 1ull << (w - 1);          /* x^0 */
    uint64_t sq = 1ull << (w - 1 - 8);     /* x^8 */
    for (uint64_t n = len_b; n; n >>= 1) {
        if (n & 1) p = gf2_mulmod(sq, p, poly, w);
        sq = gf2_mulmod(sq, sq, poly, w);
    }
    return gf2_mulmod(p, crc_a, poly, w) ^ crc_b;
}

int s3_mpu_checksum(enum s3_cksum k, bool full_object, const char *const *b64,
                    const int64_t *sizes, size_t n, char *out) {
    size_t len = s3_cksum_len(k);
    unsigned char raw[32];
    size_t got;
    if (full_object) {
        if (!CRCS[k].width) return C_ERR;
        uint64_t crc = 0;
        for (size_t i = 0; i < n; i++) {
            if (!s3_b64_decode(b64[i], raw, sizeof raw, &got) || got != len) return C_ERR;
            uint64_t v = 0;
            for (size_t j = 0; j < len; j++) v = v << 8 | raw[j];
            crc = i ? s3_crc_combine(k, crc, v, (uint64_t)sizes[i]) : v;
        }
        for (size_t j = 0; j < len; j++) raw[j] = (unsigned char)(crc >> (8 * (len - 1 - j)));
        s3_b64_encode(raw, len, out);
        return C_OK;
    }
    struct s3_hasher h;
    s3_hasher_init(&h, k);
    for (size_t i = 0; i < n; i++) {
        if (!s3_b64_decode(b64[i], raw, sizeof raw, &got) || got != len) {
            s3_hasher_free(&h);
            return C_ERR;
        }
        s3_hasher_update(&h, raw, len);
    }
    s3_hasher_final(&h, out);
    snprintf(out + strlen(out), 16, "-%zu", n);
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* The CompleteMultipartUpload body */

static bool parse_ll(const char *s, long long *out) {
    char *end;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    if (!*s) return false;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    if (*end) return false;
    *out = v;
    return true;
}

int s3_mpu_parse_complete(struct arena *a, const char *p, size_t n, struct s3_mpu_done **out,
                          size_t *nout, struct aws_err *e) {
    struct s3x *root;
    if (s3_xml_parse(a, p, n, &root, e) != C_OK) return C_ERR;
    if (strcmp(root->name, "CompleteMultipartUpload") != 0) return s3_malformed_xml(e);
    size_t cnt = 0, cap = 16;
    struct s3_mpu_done *v = arena_alloc(a, cap * sizeof *v);
    for (const struct s3x *x = root->child; x; x = x->next) {
        if (strcmp(x->name, "Part") != 0) continue;
        struct s3_mpu_done *d = ARENA_PUSH(a, v, cnt, cap);
        memset(d, 0, sizeof *d);
        const struct s3x *num = s3x_child(x, "PartNumber");
        if (!num || !parse_ll(num->text, &d->number)) return s3_malformed_xml(e);
        const struct s3x *et = s3x_child(x, "ETag");
        d->etag = et ? et->text : NULL;
        for (int k = 1; k < S3_CK__COUNT; k++) {
            const struct s3x *c =
                s3x_child(x, arena_sprintf(a, "Checksum%s", s3_cksum_name((enum s3_cksum)k)));
            if (!c) continue;
            d->ck[k] = c->text;
            d->nck++;
        }
    }
    if (!cnt) return s3_malformed_xml(e);
    *out = v;
    *nout = cnt;
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Steps a later layer hooks into (encryption at rest: per-upload data key,
 * one segment per part).  Kept apart so that layer adds to them, not to the
 * handlers. */

/* Encryption at rest (s3_sse.h): the upload gets its object's data key at
 * CreateMultipartUpload — from the request's headers or the bucket default,
 * KMS asked as the initiator — kept wrapped in u->attrs as
 * "sse\nkms key ARN\nbucket key\ncontext\nbase64 data key" (empty
 * fields for none); each part is one segment of the object, encrypted with
 * that key from a fresh IV at the part's own offset 0 (p->attrs: the IV in
 * hex), so parts can come in any order and be replaced; Complete lays the
 * segments end to end (segment_table).  The keystream of a byte depends only
 * on its distance from its segment's start, so the part files are
 * concatenated as they are. */

static const char *upload_attrs(struct arena *a, const struct s3_object *o) {
    char *dk = arena_alloc(a, 4 * (o->sse_dkey_len + 2) / 3 + 4);
    s3_b64_encode(o->sse_dkey, o->sse_dkey_len, dk);
    return arena_sprintf(a, "%s\n%s\n%d\n%s\n%s", o->sse, o->sse_kms_key ? o->sse_kms_key : "",
                         o->sse_bucket_key ? 1 : 0, o->sse_context ? o->sse_context : "", dk);
}

/* The encryption fields of the upload's object, from u->attrs; C_ERR when
 * the upload has none (created before encryption: its parts stay plain). */
static int upload_sse(struct arena *a, const struct s3_mpu *u, struct s3_object *o) {
    if (!u->attrs || !*u->attrs) return C_ERR;
    char *f[5];
    char *p = arena_strdup(a, u->attrs);
    for (int i = 0; i < 5; i++) {
        f[i] = p;
        p = strchr(p, '\n');
        if (p) *p++ = 0;
        else if (i < 4) return C_ERR;
    }
    size_t n = strlen(f[4]);
    unsigned char *dk = arena_alloc(a, n + 3);
    size_t dl;
    if (!s3_b64_decode(f[4], dk, n + 3, &dl)) return C_ERR;
    o->sse = f[0];
    o->sse_kms_key = *f[1] ? f[1] : NULL;
    o->sse_bucket_key = f[2][0] == '1';
    o->sse_context = *f[3] ? f[3] : NULL;
    o->sse_dkey = dk;
    o->sse_dkey_len = dl;
    return C_OK;
}

/* CreateMultipartUpload, after the request's checks and before the upload
 * is stored: the data key every part will use goes into u->attrs. */
static int mpu_upload_begin(struct s3_req *q, struct s3_mpu *u) {
    struct call *c = &q->c;
    struct s3_sse_spec spec;
    struct s3_sse_writer *w;
    if (s3_sse_for_write(q, &spec) != C_OK ||
        s3_sse_begin_object(c, q->bucket, q->key, &spec, &w) != C_OK)
        return C_ERR;
    static const unsigned char none[16];
    struct s3_object o = {0};
    const char *etag;
    s3_sse_finish(w, c->a, none, &o, &etag);
    s3_sse_free(w);
    u->attrs = upload_attrs(c->a, &o);
    s3_sse_respond(q, &o, true);
    return C_OK;
}

/* UploadPart, before the part's bytes arrive (its temporary file is open
 * in q->body.up): the body pipeline encrypts through q->body.sse, one
 * segment from a fresh IV; the IV goes into p->attrs. */
static int mpu_part_begin(struct s3_req *q, const struct s3_mpu *u, struct s3_mpu_part *p) {
    struct call *c = &q->c;
    p->attrs = NULL;
    struct s3_object o = {0};
    if (upload_sse(c->a, u, &o) != C_OK) return C_OK;
    struct s3_sse_seg seg;
    if (s3_sse_resume(c, q->bucket, q->key, &o, &q->body.sse) != C_OK) return C_ERR;
    if (s3_sse_begin_segment(q->body.sse, 0, &seg) != C_OK)
        return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    char *hex = arena_alloc(c->a, 2 * S3_SSE_IV_BYTES + 1);
    s3_hex(seg.iv, S3_SSE_IV_BYTES, hex);
    p->attrs = hex;
    s3_sse_respond(q, &o, false);
    return C_OK;
}

/* Complete: the object's encryption fields with its segment table (one
 * segment per part, in order).  Nothing when the upload has no encryption;
 * C_ERR (InternalError) when a part's IV is missing or damaged. */
static int segment_table(struct s3_req *q, const struct s3_mpu *u, const struct s3_mpu_part *parts,
                         size_t n, struct s3_object *o) {
    struct call *c = &q->c;
    if (upload_sse(c->a, u, o) != C_OK) return C_OK;
    struct s3_sse_seg *segs = arena_alloc(c->a, (n ? n : 1) * sizeof *segs);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const char *h = parts[i].attrs;
        if (!h || strlen(h) != 2 * S3_SSE_IV_BYTES)
            return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
        for (int k = 0; k < S3_SSE_IV_BYTES; k++) {
            int hi = hex_digit((unsigned char)h[2 * k]), lo = hex_digit((unsigned char)h[2 * k + 1]);
            if (hi < 0 || lo < 0)
                return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
            segs[i].iv[k] = (unsigned char)(hi * 16 + lo);
        }
        segs[i].off = off;
        off += (uint64_t)parts[i].size;
    }
    o->sse_segs = s3_sse_segments_encode(c->a, segs, n, &o->sse_segs_len);
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Helpers */

static int no_such_upload(struct s3_req *q, const char *id) {
    s3_err_field(q, "UploadId", id);
    return aws_errf(&q->err, 404, "NoSuchUpload",
                    "The specified upload does not exist. The upload ID may be invalid, or the "
                    "upload may have been aborted or completed.");
}

/* The upload ?uploadId= names, which must belong to this bucket and key. */
static int load_upload(struct s3_req *q, struct s3_mpu *u) {
    struct call *c = &q->c;
    const char *id = s3_query(q, "uploadId");
    if (!id || c->store->ops->s3_mpu_get(c->store, c->a, q->bucket, id, u, c->err) != C_OK ||
        strcmp(u->key, q->key) != 0)
        return no_such_upload(q, id ? id : "");
    return C_OK;
}

/* The store's NoSuchUpload gets AWS's UploadId element. */
static int store_failed(struct s3_req *q, const char *id) {
    if (strcmp(q->err.code, "NoSuchUpload") == 0) s3_err_field(q, "UploadId", id);
    return C_ERR;
}

static int bad_argument(struct s3_req *q, const char *name, const char *value, const char *msg) {
    s3_err_field(q, "ArgumentName", name);
    s3_err_field(q, "ArgumentValue", value);
    return aws_errf(&q->err, 400, "InvalidArgument", "%s", msg);
}

static int part_number(struct s3_req *q, int *out) {
    const char *v = s3_query(q, "partNumber");
    long long n;
    if (!v || !parse_ll(v, &n) || n < 1 || n > S3_MPU_MAX_PARTS)
        return bad_argument(q, "partNumber", v ? v : "",
                            "Part number must be an integer between 1 and 10000, inclusive");
    *out = (int)n;
    return C_OK;
}

/* max-parts / max-uploads: 0..2147483647, at most MAX_LIST used. */
static int max_param(struct s3_req *q, const char *name, size_t *out) {
    const char *v = s3_query(q, name);
    long long n;
    *out = MAX_LIST;
    if (!v) return C_OK;
    if (!parse_ll(v, &n) || n < 0 || n > 2147483647LL)
        return bad_argument(q, name, v,
                            arena_sprintf(q->c.a, "Argument %s must be an integer between 0 and "
                                                  "2147483647", name));
    *out = n < MAX_LIST ? (size_t)n : MAX_LIST;
    return C_OK;
}

static const char *quoted(struct arena *a, const char *etag) {
    return arena_sprintf(a, "\"%s\"", etag);
}

/* An ETag as a client sends it back: quotes (or none) around hex. */
static bool etag_equal(const char *sent, const char *stored) {
    if (!sent) return false;
    while (*sent == ' ' || *sent == '\n' || *sent == '\t' || *sent == '\r') sent++;
    size_t n = strlen(sent);
    while (n && (sent[n - 1] == ' ' || sent[n - 1] == '\n' || sent[n - 1] == '\t' ||
                 sent[n - 1] == '\r'))
        n--;
    if (n >= 2 && sent[0] == '"' && sent[n - 1] == '"') {
        sent++;
        n -= 2;
    }
    return n == strlen(stored) && strncasecmp(sent, stored, n) == 0;
}

/* The principal as S3 names initiators: the account's canonical id for
 * the root, the ARN for users and roles. */
static void who(struct xw *w, struct arena *a, const char *elem, const char *acct,
                const char *arn) {
    xw_open(w, elem, NULL);
    bool root = arn && strlen(arn) > 5 && strcmp(arn + strlen(arn) - 5, ":root") == 0;
    xw_elem(w, "ID", root || !arn ? s3_canonical_id(a, acct) : arn);
    xw_close(w, elem);
}

static void owner(struct xw *w, struct arena *a, const char *acct) {
    xw_open(w, "Owner", NULL);
    xw_elem(w, "ID", s3_canonical_id(a, acct));
    xw_close(w, "Owner");
}

static const char *lower(struct arena *a, const char *s) {
    char *o = arena_strdup(a, s);
    for (char *p = o; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    return o;
}

/* ------------------------------------------------------------------------ */
/* CreateMultipartUpload */

static int checksum_settings(struct s3_req *q, struct s3_mpu *u) {
    struct call *c = &q->c;
    const char *algo = http_header(q->rq, "x-amz-checksum-algorithm");
    const char *type = http_header(q->rq, "x-amz-checksum-type");
    if (!algo) {
        if (type)
            return aws_errf(c->err, 400, "InvalidRequest",
                            "The x-amz-checksum-type header can only be used with the "
                            "x-amz-checksum-algorithm header.");
        return C_OK;
    }
    enum s3_cksum k = s3_cksum_by_name(algo);
    if (k == S3_CK_NONE)
        return aws_errf(c->err, 400, "InvalidRequest",
                        "Checksum algorithm provided is unsupported. Please try again with any "
                        "of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    bool crc = k == S3_CK_CRC32 || k == S3_CK_CRC32C || k == S3_CK_CRC64NVME;
    if (!type) type = k == S3_CK_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
    if (strcmp(type, "COMPOSITE") != 0 && strcmp(type, "FULL_OBJECT") != 0) {
        s3_err_field(q, "ArgumentName", "x-amz-checksum-type");
        s3_err_field(q, "ArgumentValue", type);
        return aws_errf(c->err, 400, "InvalidArgument", "Invalid checksum type specified: %s",
                        type);
    }
    bool full = strcmp(type, "FULL_OBJECT") == 0;
    if ((full && !crc) || (!full && k == S3_CK_CRC64NVME))
        return aws_errf(c->err, 400, "InvalidRequest",
                        "The %s checksum type cannot be used with the %s checksum algorithm.",
                        type, lower(c->a, s3_cksum_name(k)));
    u->checksum_algo = s3_cksum_name(k);
    u->checksum_type = full ? "FULL_OBJECT" : "COMPOSITE";
    return C_OK;
}

int s3_CreateMultipartUpload(struct call *c) {
    struct s3_req *q = S3(c);
    if (s3_check_write_headers(q) != C_OK) return C_ERR;
    struct s3_mpu u = {
        .bucket = q->bucket, .key = q->key, .initiated = c->now_ms,
        .owner = c->who.account_id, .initiator_arn = c->who.arn,
        .acl = q->acl,
        .content_type = http_header(q->rq, "Content-Type"), .tags = q->tags,
    };
    if (checksum_settings(q, &u) != C_OK) return C_ERR;
    struct buf hdrs;
    buf_init(&hdrs);
    s3_collect_headers(q, &hdrs);
    u.headers = arena_strndup(c->a, hdrs.p ? hdrs.p : "", hdrs.len);
    buf_free(&hdrs);
    if (mpu_upload_begin(q, &u) != C_OK) return C_ERR;
    if (c->store->ops->s3_mpu_create(c->store, c->a, &u, c->err) != C_OK) return C_ERR;
    if (u.checksum_algo) {
        http_resp_header(q->rs, "x-amz-checksum-algorithm", u.checksum_algo);
        http_resp_header(q->rs, "x-amz-checksum-type", u.checksum_type);
    }
    struct xw w;
    s3_xml_begin(q, &w, "InitiateMultipartUploadResult");
    xw_elem(&w, "Bucket", q->bucket);
    xw_elem(&w, "Key", q->key);
    xw_elem(&w, "UploadId", u.upload_id);
    xw_close(&w, "InitiateMultipartUploadResult");
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* UploadPart */

struct part_state {
    struct s3_mpu u;
    struct s3_mpu_part p;
};

/* Before the body: the part number, the upload, the checksum the upload
 * demands, then the part's file. */
int s3_upload_part_begin(struct s3_req *q) {
    struct call *c = &q->c;
    struct s3_body *b = &q->body;
    if (!http_header(q->rq, "Content-Length") && !http_header(q->rq, "Transfer-Encoding"))
        return aws_errf(c->err, 411, "MissingContentLength",
                        "You must provide the Content-Length HTTP header.");
    struct part_state *ps = arena_calloc(c->a, sizeof *ps);
    if (part_number(q, &ps->p.number) != C_OK || load_upload(q, &ps->u) != C_OK) return C_ERR;
    enum s3_cksum want = ps->u.checksum_algo ? s3_cksum_by_name(ps->u.checksum_algo)
                                             : S3_CK_NONE;
    if (want != S3_CK_NONE && b->ck != want) {
        bool full = strcmp(ps->u.checksum_type, "FULL_OBJECT") == 0;
        if (b->ck != S3_CK_NONE || !full)
            return aws_errf(c->err, 400, "InvalidRequest",
                            "Checksum Type mismatch occurred, expected checksum Type: %s, actual "
                            "checksum Type: %s", lower(c->a, s3_cksum_name(want)),
                            b->ck == S3_CK_NONE ? "null" : lower(c->a, s3_cksum_name(b->ck)));
        /* A full-object CRC is combined from every part's: compute it. */
        s3_hasher_free(&b->hasher);
        s3_hasher_init(&b->hasher, want);
        b->ck = want;
        b->ck_server = true;
    }
    q->op_state = ps;
    if (c->store->ops->s3_upload_begin(c->store, q->bucket, &b->up, c->err) != C_OK)
        return C_ERR;
    return mpu_part_begin(q, &ps->u, &ps->p);
}

int s3_UploadPart(struct call *c) {
    struct s3_req *q = S3(c);
    struct part_state *ps = q->op_state;
    struct s3_mpu_part *p = &ps->p;
    p->etag = q->body.etag;
    p->last_modified = c->now_ms;
    if (q->body.ck != S3_CK_NONE) {
        p->checksum_algo = s3_cksum_name(q->body.ck);
        p->checksum = q->body.ck_value;
    }
    struct s3_upload *up = q->body.up;
    q->body.up = NULL;   /* the commit finishes it either way */
    if (c->store->ops->s3_mpu_part_commit(c->store, up, ps->u.upload_id, p, c->err) != C_OK)
        return store_failed(q, ps->u.upload_id);
    http_resp_header(q->rs, "ETag", quoted(c->a, p->etag));
    if (p->checksum_algo) http_resp_header(q->rs, s3_cksum_header(q->body.ck), p->checksum);
    return C_OK;
}

/* UploadPartCopy: a part made of (a range of) an existing object, read as
 * the caller (s3:GetObject and, when encrypted, kms:Decrypt on the source)
 * and written like an uploaded part (the upload's encryption, one segment).
 * Everything is checked before the (empty) body; the copy runs after it. */

/* x-amz-copy-source-range "bytes=first-last" within a source of size n. */
static int copy_range(struct s3_req *q, uint64_t n, uint64_t *off, uint64_t *len) {
    const char *r = http_header(q->rq, "x-amz-copy-source-range");
    *off = 0;
    *len = n;
    if (!r) return C_OK;
    unsigned long long first = 0, last = 0;
    const char *p = strncmp(r, "bytes=", 6) == 0 ? r + 6 : NULL;
    bool ok = p && *p >= '0' && *p <= '9';
    for (; ok && *p >= '0' && *p <= '9'; p++) {
        ok = first <= (ULLONG_MAX - 9) / 10;
        first = first * 10 + (unsigned long long)(*p - '0');
    }
    ok = ok && *p++ == '-' && *p >= '0' && *p <= '9';
    for (; ok && *p >= '0' && *p <= '9'; p++) {
        ok = last <= (ULLONG_MAX - 9) / 10;
        last = last * 10 + (unsigned long long)(*p - '0');
    }
    if (!ok || *p || first > last)
        return aws_errf(&q->err, 400, "InvalidArgument",
                        "The x-amz-copy-source-range value must be of the form bytes=first-last "
                        "where first and last are the zero-based offsets of the first and last "
                        "bytes to copy");
    if (last >= n)
        return aws_errf(&q->err, 400, "InvalidRequest",
                        "Range specified is not valid for source object of size: %llu",
                        (unsigned long long)n);
    *off = first;
    *len = last - first + 1;
    return C_OK;
}

struct part_copy {
    struct part_state ps;
    uint64_t off, len;
};

int s3_upload_part_copy_begin(struct s3_req *q) {
    struct call *c = &q->c;
    struct part_copy *pc = arena_calloc(c->a, sizeof *pc);
    if (part_number(q, &pc->ps.p.number) != C_OK || load_upload(q, &pc->ps.u) != C_OK)
        return C_ERR;
    struct copy_src *cs;
    if (s3_copy_source_open(q, &cs) != C_OK) return C_ERR;
    cs->part = pc;
    if (copy_range(q, (uint64_t)cs->o.size, &pc->off, &pc->len) != C_OK) return C_ERR;
    if (pc->len > S3_MAX_OBJECT_SIZE) {
        s3_err_field(q, "ProposedSize", arena_sprintf(c->a, "%llu", (unsigned long long)pc->len));
        s3_err_field(q, "MaxSizeAllowed", arena_sprintf(c->a, "%llu", S3_MAX_OBJECT_SIZE));
        return aws_errf(c->err, 400, "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size");
    }
    if (c->store->ops->s3_upload_begin(c->store, q->bucket, &q->body.up, c->err) != C_OK)
        return C_ERR;
    return mpu_part_begin(q, &pc->ps.u, &pc->ps.p);
}

int s3_UploadPartCopy(struct call *c) {
    struct s3_req *q = S3(c);
    struct copy_src *cs = q->op_state;
    struct part_copy *pc = cs->part;
    struct s3_mpu_part *p = &pc->ps.p;
    unsigned char md[16];
    /* An upload with a checksum algorithm gets the part's checksum of it,
     * computed here as AWS does for a copied part (COMPOSITE uploads list
     * it back at Complete; FULL_OBJECT ones combine it). */
    enum s3_cksum ck = pc->ps.u.checksum_algo ? s3_cksum_by_name(pc->ps.u.checksum_algo)
                                              : S3_CK_NONE;
    char *ckv = arena_alloc(c->a, 64);
    if (s3_copy_source_stream(q, cs, pc->off, pc->len, q->body.sse, q->body.up, md, ck, ckv) !=
        C_OK)
        return C_ERR;
    char *etag = arena_alloc(c->a, 33);
    s3_hex(md, 16, etag);
    p->etag = etag;
    p->last_modified = c->now_ms;
    if (ck != S3_CK_NONE) {
        p->checksum_algo = s3_cksum_name(ck);
        p->checksum = ckv;
    }
    struct s3_upload *up = q->body.up;
    q->body.up = NULL;   /* the commit finishes it either way */
    if (c->store->ops->s3_mpu_part_commit(c->store, up, pc->ps.u.upload_id, p, c->err) != C_OK)
        return store_failed(q, pc->ps.u.upload_id);
    struct xw w;
    s3_xml_begin(q, &w, "CopyPartResult");
    xw_elem(&w, "ETag", quoted(c->a, p->etag));
    xw_elem(&w, "LastModified", s3_iso_time(c->a, p->last_modified));
    if (p->checksum_algo)
        xw_elem(&w, arena_sprintf(c->a, "Checksum%s", p->checksum_algo), p->checksum);
    xw_close(&w, "CopyPartResult");
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* CompleteMultipartUpload */

static int invalid_part(struct s3_req *q, const char *id, const struct s3_mpu_done *d) {
    s3_err_field(q, "UploadId", id);
    s3_err_field(q, "PartNumber", arena_sprintf(q->c.a, "%lld", d->number));
    if (d->etag) s3_err_field(q, "ETag", d->etag);
    return aws_errf(&q->err, 400, "InvalidPart",
                    "One or more of the specified parts could not be found.  The part may not "
                    "have been uploaded, or the specified entity tag may not match the part's "
                    "entity tag.");
}

/* The checksums a <Part> states against the stored part's. */
static int part_checksums(struct s3_req *q, const struct s3_mpu *u, const struct s3_mpu_done *d,
                          const struct s3_mpu_part *p) {
    struct arena *a = q->c.a;
    enum s3_cksum want = u->checksum_algo ? s3_cksum_by_name(u->checksum_algo) : S3_CK_NONE;
    for (int k = 1; k < S3_CK__COUNT; k++) {
        if (!d->ck[k]) continue;
        unsigned char raw[32];
        size_t n;
        if (d->nck > 1 || !s3_b64_decode(d->ck[k], raw, sizeof raw, &n) ||
            n != s3_cksum_len((enum s3_cksum)k)) {
            s3_err_field(q, "ArgumentName", "Checksum");
            s3_err_field(q, "ArgumentValue",
                         arena_sprintf(a, "%s:%s;", s3_cksum_name((enum s3_cksum)k), d->ck[k]));
            return aws_errf(&q->err, 400, "InvalidArgument",
                            "Invalid Base64 or multiple checksums present in request");
        }
        if (!p->checksum_algo || strcmp(p->checksum_algo, s3_cksum_name((enum s3_cksum)k)) ||
            strcmp(p->checksum, d->ck[k]) != 0)
            return invalid_part(q, u->upload_id, d);
    }
    if (want != S3_CK_NONE && !d->ck[want] && strcmp(u->checksum_type, "COMPOSITE") == 0)
        return aws_errf(&q->err, 400, "InvalidRequest",
                        "The upload was created using a %s checksum. The complete request must "
                        "include the checksum for each part. It was missing for part %lld in the "
                        "request.", lower(a, u->checksum_algo), d->number);
    return C_OK;
}

/* The object's checksum, and the one the request states (x-amz-checksum-*
 * header: "b64" or "b64-N") compared with it. */
static int object_checksum(struct s3_req *q, const struct s3_mpu *u,
                           const struct s3_mpu_part *parts, size_t n, const char **out) {
    struct arena *a = q->c.a;
    enum s3_cksum k = u->checksum_algo ? s3_cksum_by_name(u->checksum_algo) : S3_CK_NONE;
    *out = NULL;
    if (k == S3_CK_NONE) return C_OK;
    bool full = strcmp(u->checksum_type, "FULL_OBJECT") == 0;
    const char **v = arena_alloc(a, n * sizeof *v);
    int64_t *sizes = arena_alloc(a, n * sizeof *sizes);
    for (size_t i = 0; i < n; i++) {
        /* Every part of such an upload has the algorithm's checksum. */
        if (!parts[i].checksum_algo || strcmp(parts[i].checksum_algo, u->checksum_algo) != 0)
            return aws_errf(&q->err, 500, "InternalError", "We encountered an internal error.");
        v[i] = parts[i].checksum;
        sizes[i] = parts[i].size;
    }
    char *val = arena_alloc(a, 80);
    if (s3_mpu_checksum(k, full, v, sizes, n, val) != C_OK)
        return aws_errf(&q->err, 500, "InternalError", "We encountered an internal error.");
    *out = val;
    const char *type = http_header(q->rq, "x-amz-checksum-type");
    if (type && strcmp(type, u->checksum_type) != 0)
        return aws_errf(&q->err, 400, "BadDigest",
                        "The checksum type you specified did not match the checksum type of the "
                        "upload (%s).", u->checksum_type);
    const char *stated = http_header(q->rq, s3_cksum_header(k));
    if (!stated) return C_OK;
    /* "b64" or "b64-N" with N the part count. */
    const char *dash = strchr(stated, '-');
    size_t bl = dash ? (size_t)(dash - stated) : strlen(stated), got;
    unsigned char raw[32];
    long long cnt = 0;
    if (!s3_b64_decode(arena_strndup(a, stated, bl), raw, sizeof raw, &got) ||
        got != s3_cksum_len(k) || (dash && !parse_ll(dash + 1, &cnt)))
        return aws_errf(&q->err, 400, "InvalidRequest", "Value for %s header is invalid.",
                        s3_cksum_header(k));
    size_t vl = strcspn(val, "-");
    if (bl != vl || strncmp(stated, val, vl) != 0 || (dash && !full && cnt != (long long)n))
        return aws_errf(&q->err, 400, "BadDigest",
                        "The %s you specified did not match the calculated checksum.",
                        lower(a, u->checksum_algo));
    return C_OK;
}

/* A part's ETag (hex MD5) back to its 16 bytes. */
static bool md5_of_etag(const char *hex, unsigned char out[16]) {
    if (strlen(hex) != 32) return false;
    for (int i = 0; i < 16; i++) {
        int h = hex_digit((unsigned char)hex[2 * i]), l = hex_digit((unsigned char)hex[2 * i + 1]);
        if (h < 0 || l < 0) return false;
        out[i] = (unsigned char)(h << 4 | l);
    }
    return true;
}

static const char *location(struct s3_req *q) {
    const char *host = http_header(q->rq, "Host");
    struct arena *a = q->c.a;
    return arena_sprintf(a, "%s://%s/%s/%s", q->rq->tls ? "https" : "http", host ? host : "",
                         q->bucket, s3_url_enc(a, q->key, true));
}

int s3_CompleteMultipartUpload(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    struct s3_mpu u;
    if (load_upload(q, &u) != C_OK) return C_ERR;
    struct s3_mpu_done *done;
    size_t nd;
    if (s3_mpu_parse_complete(a, q->body.mem.p ? q->body.mem.p : "", q->body.mem.len, &done,
                              &nd, c->err) != C_OK)
        return C_ERR;
    for (size_t i = 1; i < nd; i++)
        if (done[i].number <= done[i - 1].number) {
            s3_err_field(q, "UploadId", u.upload_id);
            return aws_errf(c->err, 400, "InvalidPartOrder",
                            "The list of parts was not in ascending order. Parts must be ordered "
                            "by part number.");
        }
    struct s3_mpu_part *stored;
    size_t ns;
    bool more;
    if (c->store->ops->s3_mpu_parts(c->store, a, u.upload_id, 0, S3_MPU_MAX_PARTS, &stored, &ns,
                                    &more) != C_OK)
        return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    struct s3_mpu_part **by_number = arena_calloc(a, (S3_MPU_MAX_PARTS + 1) * sizeof *by_number);
    for (size_t i = 0; i < ns; i++) by_number[stored[i].number] = &stored[i];

    struct s3_mpu_part *use = arena_alloc(a, nd * sizeof *use);
    unsigned char (*md5s)[16] = arena_alloc(a, nd * sizeof *md5s);
    uint64_t total = 0;
    for (size_t i = 0; i < nd; i++) {
        const struct s3_mpu_done *d = &done[i];
        struct s3_mpu_part *p = d->number >= 1 && d->number <= S3_MPU_MAX_PARTS
                                    ? by_number[d->number] : NULL;
        if (!p || !etag_equal(d->etag, p->etag)) return invalid_part(q, u.upload_id, d);
        if (part_checksums(q, &u, d, p) != C_OK) return C_ERR;
        if (i + 1 < nd && (uint64_t)p->size < S3_MPU_MIN_PART) {
            s3_err_field(q, "ProposedSize", arena_sprintf(a, "%lld", (long long)p->size));
            s3_err_field(q, "MinSizeAllowed", arena_sprintf(a, "%llu", S3_MPU_MIN_PART));
            s3_err_field(q, "PartNumber", arena_sprintf(a, "%d", p->number));
            s3_err_field(q, "ETag", p->etag);
            return aws_errf(c->err, 400, "EntityTooSmall",
                            "Your proposed upload is smaller than the minimum allowed size");
        }
        total += (uint64_t)p->size;
        use[i] = *p;
        if (!md5_of_etag(p->etag, md5s[i]))
            return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    }
    if (total > S3_MPU_MAX_OBJECT) {
        s3_err_field(q, "ProposedSize", arena_sprintf(a, "%llu", (unsigned long long)total));
        s3_err_field(q, "MaxSizeAllowed", arena_sprintf(a, "%llu", S3_MPU_MAX_OBJECT));
        return aws_errf(c->err, 400, "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size");
    }
    const char *cks;
    if (object_checksum(q, &u, use, nd, &cks) != C_OK) return C_ERR;
    char *etag = arena_alloc(a, 48);
    s3_mpu_etag((const unsigned char (*)[16])md5s, nd, etag);
    struct s3_object o = {
        /* u.owner is the initiator's account: the object's is Object
         * Ownership's. */
        .key = q->key, .etag = etag, .last_modified = c->now_ms,
        .owner = s3_object_owner(&q->b, u.owner, u.acl), .acl = u.acl, .content_type = u.content_type, .headers = u.headers,
        .checksum_algo = cks ? u.checksum_algo : NULL, .checksum = cks, .tags = u.tags,
    };
    if (segment_table(q, &u, use, nd, &o) != C_OK) return C_ERR;
    if (c->store->ops->s3_mpu_complete(c->store, &u, use, nd, &o, c->err) != C_OK)
        return store_failed(q, u.upload_id);
    struct xw w;
    s3_xml_begin(q, &w, "CompleteMultipartUploadResult");
    xw_elem(&w, "Location", location(q));
    xw_elem(&w, "Bucket", q->bucket);
    xw_elem(&w, "Key", q->key);
    xw_elem(&w, "ETag", quoted(a, etag));
    if (cks) {
        xw_elem(&w, arena_sprintf(a, "Checksum%s", u.checksum_algo), cks);
        xw_elem(&w, "ChecksumType", u.checksum_type);
    }
    xw_close(&w, "CompleteMultipartUploadResult");
    s3_sse_respond(q, &o, false);
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* AbortMultipartUpload */

int s3_AbortMultipartUpload(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_mpu u;
    if (load_upload(q, &u) != C_OK) return C_ERR;
    if (c->store->ops->s3_mpu_abort(c->store, q->bucket, u.upload_id, c->err) != C_OK)
        return store_failed(q, u.upload_id);
    q->rs->status = 204;
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* ListParts */

int s3_ListParts(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    struct s3_mpu u;
    if (load_upload(q, &u) != C_OK) return C_ERR;
    size_t max;
    if (max_param(q, "max-parts", &max) != C_OK) return C_ERR;
    const char *mk = s3_query(q, "part-number-marker");
    long long marker = 0;
    if (mk && *mk && (!parse_ll(mk, &marker) || marker < 0 || marker > 2147483647LL))
        return bad_argument(q, "part-number-marker", mk,
                            "Argument partNumberMarker must be an integer.");
    struct s3_mpu_part *p;
    size_t n;
    bool more;
    if (c->store->ops->s3_mpu_parts(c->store, a, u.upload_id, (int)marker, max, &p, &n,
                                    &more) != C_OK)
        return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    struct xw w;
    s3_xml_begin(q, &w, "ListPartsResult");
    xw_elem(&w, "Bucket", q->bucket);
    xw_elem(&w, "Key", q->key);
    xw_elem(&w, "UploadId", u.upload_id);
    xw_elem(&w, "PartNumberMarker", arena_sprintf(a, "%lld", marker));
    if (n) xw_elem(&w, "NextPartNumberMarker", arena_sprintf(a, "%d", p[n - 1].number));
    xw_elem(&w, "MaxParts", arena_sprintf(a, "%zu", max));
    xw_elem(&w, "IsTruncated", more ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        xw_open(&w, "Part", NULL);
        xw_elem(&w, "PartNumber", arena_sprintf(a, "%d", p[i].number));
        xw_elem(&w, "LastModified", s3_iso_time(a, p[i].last_modified));
        xw_elem(&w, "ETag", quoted(a, p[i].etag));
        xw_elem(&w, "Size", arena_sprintf(a, "%lld", (long long)p[i].size));
        if (p[i].checksum_algo)
            xw_elem(&w, arena_sprintf(a, "Checksum%s", p[i].checksum_algo), p[i].checksum);
        xw_close(&w, "Part");
    }
    who(&w, a, "Initiator", u.owner, u.initiator_arn);
    owner(&w, a, u.owner);
    xw_elem(&w, "StorageClass", "STANDARD");
    if (u.checksum_algo) {
        xw_elem(&w, "ChecksumAlgorithm", u.checksum_algo);
        xw_elem(&w, "ChecksumType", u.checksum_type);
    }
    xw_close(&w, "ListPartsResult");
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* ListMultipartUploads */

struct upl_page {
    struct s3_mpu *up;
    size_t nup, ucap;
    const char **cp;
    size_t ncp, ccap;
    bool truncated;
    const char *next_key, *next_id;   /* the last entry: key (or prefix) and upload id */
};

/* Uploads after (key_marker, id_marker) under prefix, those whose key has
 * the delimiter after the prefix rolled up into common prefixes (a prefix
 * counts once and the walk jumps past it: prefix + "\xf5"), at most max
 * entries. */
static int upl_walk(struct s3_req *q, const char *prefix, const char *delim, const char *km,
                    const char *im, size_t max, struct upl_page *pg) {
    struct call *c = &q->c;
    struct arena *a = c->a;
    size_t plen = strlen(prefix), dlen = delim ? strlen(delim) : 0;
    const char *ka = km, *ia = km ? im : NULL;
    memset(pg, 0, sizeof *pg);
    size_t count = 0;
    for (;;) {
        struct s3_mpu *u;
        size_t n;
        bool more;
        if (c->store->ops->s3_mpu_list(c->store, a, q->bucket, prefix, ka, ia,
                                       max - count + 1, &u, &n, &more) != C_OK)
            return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
        bool requery = false;
        for (size_t i = 0; i < n; i++) {
            if (count == max) {
                pg->truncated = true;
                return C_OK;
            }
            const char *rest = u[i].key + plen;
            const char *d = dlen ? strstr(rest, delim) : NULL;
            if (d) {
                char *cp = arena_strndup(a, u[i].key, plen + (size_t)(d - rest) + dlen);
                ka = arena_sprintf(a, "%s\xf5", cp);
                ia = NULL;
                requery = true;
                /* A prefix at or before the marker was on an earlier page. */
                if (!km || strcmp(cp, km) > 0) {
                    *ARENA_PUSH(a, pg->cp, pg->ncp, pg->ccap) = cp;
                    pg->next_key = cp;
                    pg->next_id = NULL;
                    count++;
                }
                break;
            }
            *ARENA_PUSH(a, pg->up, pg->nup, pg->ucap) = u[i];
            pg->next_key = ka = u[i].key;
            pg->next_id = ia = u[i].upload_id;
            count++;
        }
        if (!requery && !more) return C_OK;
    }
}

int s3_ListMultipartUploads(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    size_t max;
    if (max_param(q, "max-uploads", &max) != C_OK) return C_ERR;
    const char *ev = s3_query(q, "encoding-type");
    if (ev && strcmp(ev, "url") != 0)
        return bad_argument(q, "encoding-type", ev, "Invalid Encoding Method specified in Request");
    bool url = ev != NULL;
    const char *prefix = s3_query(q, "prefix"), *delim = s3_query(q, "delimiter");
    const char *km = s3_query(q, "key-marker"), *im = s3_query(q, "upload-id-marker");
    if (delim && !*delim) delim = NULL;
    struct upl_page pg;
    if (upl_walk(q, prefix ? prefix : "", delim, km && *km ? km : NULL, im && *im ? im : NULL,
                 max, &pg) != C_OK)
        return C_ERR;
    struct xw w;
    s3_xml_begin(q, &w, "ListMultipartUploadsResult");
    xw_elem(&w, "Bucket", q->bucket);
    xw_elem(&w, "KeyMarker", s3_url_enc(a, km ? km : "", url));
    xw_elem(&w, "UploadIdMarker", im ? im : "");
    if (pg.truncated) {
        xw_elem(&w, "NextKeyMarker", s3_url_enc(a, pg.next_key, url));
        xw_elem(&w, "NextUploadIdMarker", pg.next_id ? pg.next_id : "");
    }
    if (delim) xw_elem(&w, "Delimiter", s3_url_enc(a, delim, url));
    if (prefix) xw_elem(&w, "Prefix", s3_url_enc(a, prefix, url));
    xw_elem(&w, "MaxUploads", arena_sprintf(a, "%zu", max));
    xw_elem(&w, "IsTruncated", pg.truncated ? "true" : "false");
    for (size_t i = 0; i < pg.nup; i++) {
        const struct s3_mpu *u = &pg.up[i];
        xw_open(&w, "Upload", NULL);
        xw_elem(&w, "Key", s3_url_enc(a, u->key, url));
        xw_elem(&w, "UploadId", u->upload_id);
        who(&w, a, "Initiator", u->owner, u->initiator_arn);
        owner(&w, a, u->owner);
        xw_elem(&w, "StorageClass", "STANDARD");
        xw_elem(&w, "Initiated", s3_iso_time(a, u->initiated));
        if (u->checksum_algo) {
            xw_elem(&w, "ChecksumAlgorithm", u->checksum_algo);
            xw_elem(&w, "ChecksumType", u->checksum_type);
        }
        xw_close(&w, "Upload");
    }
    for (size_t i = 0; i < pg.ncp; i++) {
        xw_open(&w, "CommonPrefixes", NULL);
        xw_elem(&w, "Prefix", s3_url_enc(a, pg.cp[i], url));
        xw_close(&w, "CommonPrefixes");
    }
    if (url) xw_elem(&w, "EncodingType", "url");
    xw_close(&w, "ListMultipartUploadsResult");
    return C_OK;
}

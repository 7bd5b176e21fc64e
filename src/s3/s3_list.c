/* S3 listings and batch deletes: ListObjectsV2, ListObjects (v1) and
 * DeleteObjects. */
#include "s3.h"
#include "../core/text.h"
#include "../iam/authz.h"
#include "../iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 1000
#define MAX_DELETE 1000

/* Condition keys of listings: s3:prefix, s3:delimiter, s3:max-keys. */
const struct iam_ctx *s3_ctx_list(struct call *c, size_t *n) {
    static const char *const KEYS[][2] = {
        {"s3:prefix", "prefix"}, {"s3:delimiter", "delimiter"}, {"s3:max-keys", "max-keys"}};
    struct iam_ctx *v = arena_alloc(c->a, ARRAY_LEN(KEYS) * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++) {
        const char *val = s3_query(S3(c), KEYS[i][1]);
        if (!val) continue;
        const char **vals = arena_alloc(c->a, sizeof *vals);
        vals[0] = val;
        v[(*n)++] = (struct iam_ctx){KEYS[i][0], vals, 1};
    }
    return v;
}

/* ---------------- the listing walk ---------------- */

struct listing {
    struct s3_object *obj;
    size_t nobj, ocap;
    const char **cp;            /* common prefixes */
    size_t ncp, ccap;
    bool truncated;
    const char *pos;            /* where the next page starts (after this) */
    const char *last;           /* last key or prefix returned (v1 NextMarker) */
};

/* Keys after `start` (NULL: from the first) under `prefix`, with keys that
 * share a part up to `delim` rolled up into one common prefix, at most
 * max_keys entries.  A rolled-up prefix is skipped by restarting after
 * prefix + "\xf5" (no UTF-8 byte is 0xF5), so a large "directory" costs one
 * row, not all of its keys. */
static int walk(struct s3_req *q, const char *prefix, const char *delim, const char *start,
                size_t max_keys, struct listing *out) {
    struct call *c = &q->c;
    struct arena *a = c->a;
    size_t plen = strlen(prefix), dlen = delim ? strlen(delim) : 0;
    const char *pos = start;
    memset(out, 0, sizeof *out);
    size_t count = 0;
    while (count < max_keys) {
        struct s3_object *o;
        size_t n;
        bool more;
        if (c->store->ops->s3_object_list(c->store, a, q->bucket, prefix, pos, max_keys - count,
                                          &o, &n, &more) != C_OK)
            return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
        bool requery = false;
        for (size_t i = 0; i < n && count < max_keys; i++) {
            const char *rest = o[i].key + plen;
            const char *d = dlen ? strstr(rest, delim) : NULL;
            if (d) {
                char *cp = arena_strndup(a, o[i].key, plen + (size_t)(d - rest) + dlen);
                pos = arena_sprintf(a, "%s\xf5", cp);
                requery = true;
                /* A prefix at or before the start was on an earlier page. */
                if (!start || strcmp(cp, start) > 0) {
                    *ARENA_PUSH(a, out->cp, out->ncp, out->ccap) = cp;
                    out->last = cp;
                    count++;
                }
                break;
            }
            *ARENA_PUSH(a, out->obj, out->nobj, out->ocap) = o[i];
            out->last = pos = o[i].key;
            count++;
        }
        if (!requery && !more) {
            out->pos = pos;
            return C_OK;
        }
    }
    /* Full page: is there anything after it? */
    struct s3_object *o;
    size_t n;
    bool more;
    c->store->ops->s3_object_list(c->store, a, q->bucket, prefix, pos, 1, &o, &n, &more);
    out->truncated = n > 0;
    out->pos = pos;
    return C_OK;
}

/* ---------------- parameters ---------------- */

static int bad_argument(struct s3_req *q, const char *name, const char *value, const char *msg) {
    s3_err_field(q, "ArgumentName", name);
    s3_err_field(q, "ArgumentValue", value);
    return aws_errf(&q->err, 400, "InvalidArgument", "%s", msg);
}

static int max_keys(struct s3_req *q, size_t *out) {
    const char *v = s3_query(q, "max-keys");
    *out = MAX_KEYS;
    if (!v) return C_OK;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n > 2147483647LL || n < -2147483648LL)
        return bad_argument(q, "max-keys", v,
                            "Provided max-keys not an integer or within integer range");
    if (n < 0)
        return bad_argument(q, "max-keys", v,
                            "Argument maxKeys must be an integer between 0 and 2147483647");
    *out = n < MAX_KEYS ? (size_t)n : MAX_KEYS;
    return C_OK;
}

static int encoding(struct s3_req *q, bool *url) {
    const char *v = s3_query(q, "encoding-type");
    *url = v != NULL;
    if (v && strcmp(v, "url") != 0)
        return bad_argument(q, "encoding-type", v, "Invalid Encoding Method specified in Request");
    return C_OK;
}

/* encoding-type=url: every byte outside [A-Za-z0-9-_.~/] as %XX, so both
 * unquote and unquote_plus (botocore) read it back exactly. */
const char *s3_url_enc(struct arena *a, const char *s, bool url) {
    if (!url || !s) return s;
    static const char hex[] = "0123456789ABCDEF";
    char *o = arena_alloc(a, strlen(s) * 3 + 1), *p = o;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-_.~/", *c)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    *p = 0;
    return o;
}

static void elem_opt(struct xw *w, const char *name, const char *v) {
    if (v) xw_elem(w, name, v);
}

static void contents(struct s3_req *q, struct xw *w, const struct listing *l, bool url,
                     bool owner) {
    struct arena *a = q->c.a;
    for (size_t i = 0; i < l->nobj; i++) {
        const struct s3_object *o = &l->obj[i];
        xw_open(w, "Contents", NULL);
        xw_elem(w, "Key", s3_url_enc(a, o->key, url));
        xw_elem(w, "LastModified", s3_iso_time(a, o->last_modified));
        xw_elem(w, "ETag", arena_sprintf(a, "\"%s\"", o->etag));
        if (o->checksum_algo) {
            xw_elem(w, "ChecksumAlgorithm", o->checksum_algo);
            xw_elem(w, "ChecksumType", strchr(o->checksum, '-') ? "COMPOSITE" : "FULL_OBJECT");
        }
        xw_elem(w, "Size", arena_sprintf(a, "%lld", (long long)o->size));
        if (owner) {
            xw_open(w, "Owner", NULL);
            xw_elem(w, "ID", s3_canonical_id(a, s3_object_effective_owner(&q->b, o)));
            xw_close(w, "Owner");
        }
        xw_elem(w, "StorageClass", "STANDARD");
        xw_close(w, "Contents");
    }
    for (size_t i = 0; i < l->ncp; i++) {
        xw_open(w, "CommonPrefixes", NULL);
        xw_elem(w, "Prefix", s3_url_enc(a, l->cp[i], url));
        xw_close(w, "CommonPrefixes");
    }
    if (url) xw_elem(w, "EncodingType", "url");
}

/* ---------------- ListObjectsV2 / ListObjects ---------------- */

int s3_ListObjectsV2(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    size_t mk;
    bool url;
    if (max_keys(q, &mk) != C_OK || encoding(q, &url) != C_OK) return C_ERR;
    const char *prefix = s3_query(q, "prefix"), *delim = s3_query(q, "delimiter");
    const char *token = s3_query(q, "continuation-token"), *sa = s3_query(q, "start-after");
    const char *fo = s3_query(q, "fetch-owner");
    if (delim && !*delim) delim = NULL;
    const char *start = sa && *sa ? sa : NULL;
    if (token) {
        /* Our tokens are base64 of the position to continue after. */
        size_t tl = strlen(token), n;
        uint8_t *pos = arena_alloc(a, tl + 4);
        if (!*token || !b64_decode(token, tl, pos, &n) || memchr(pos, 0, n) || n == 0) {
            s3_err_field(q, "ArgumentName", "continuation-token");
            return aws_errf(c->err, 400, "InvalidArgument",
                            "The continuation token provided is incorrect");
        }
        pos[n] = 0;
        start = (const char *)pos;
        if (sa && strcmp(sa, start) > 0) start = sa;
    }
    struct listing l;
    if (walk(q, prefix ? prefix : "", delim, start, mk, &l) != C_OK) return C_ERR;
    struct xw w;
    s3_xml_begin(q, &w, "ListBucketResult");
    xw_elem(&w, "Name", q->bucket);
    xw_elem(&w, "Prefix", s3_url_enc(a, prefix ? prefix : "", url));
    elem_opt(&w, "ContinuationToken", token);
    if (l.truncated) {
        char *t = arena_alloc(a, strlen(l.pos) * 4 / 3 + 8);
        s3_b64_encode((const unsigned char *)l.pos, strlen(l.pos), t);
        xw_elem(&w, "NextContinuationToken", t);
    }
    xw_elem(&w, "KeyCount", arena_sprintf(a, "%zu", l.nobj + l.ncp));
    xw_elem(&w, "MaxKeys", arena_sprintf(a, "%zu", mk));
    elem_opt(&w, "Delimiter", s3_url_enc(a, delim, url));
    xw_elem(&w, "IsTruncated", l.truncated ? "true" : "false");
    elem_opt(&w, "StartAfter", s3_url_enc(a, sa, url));
    contents(q, &w, &l, url, fo && strcmp(fo, "true") == 0);
    xw_close(&w, "ListBucketResult");
    return C_OK;
}

int s3_ListObjects(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    size_t mk;
    bool url;
    if (max_keys(q, &mk) != C_OK || encoding(q, &url) != C_OK) return C_ERR;
    const char *prefix = s3_query(q, "prefix"), *delim = s3_query(q, "delimiter");
    const char *marker = s3_query(q, "marker");
    if (delim && !*delim) delim = NULL;
    struct listing l;
    if (walk(q, prefix ? prefix : "", delim, marker && *marker ? marker : NULL, mk, &l) != C_OK)
        return C_ERR;
    struct xw w;
    s3_xml_begin(q, &w, "ListBucketResult");
    xw_elem(&w, "Name", q->bucket);
    xw_elem(&w, "Prefix", s3_url_enc(a, prefix ? prefix : "", url));
    xw_elem(&w, "Marker", s3_url_enc(a, marker ? marker : "", url));
    /* AWS returns NextMarker only with a delimiter; without one the client
     * continues after the last key. */
    if (l.truncated && delim) xw_elem(&w, "NextMarker", s3_url_enc(a, l.last, url));
    xw_elem(&w, "MaxKeys", arena_sprintf(a, "%zu", mk));
    elem_opt(&w, "Delimiter", s3_url_enc(a, delim, url));
    xw_elem(&w, "IsTruncated", l.truncated ? "true" : "false");
    contents(q, &w, &l, url, true);
    xw_close(&w, "ListBucketResult");
    return C_OK;
}

/* ---------------- DeleteObjects ---------------- */

int s3_DeleteObjects(struct call *c) {
    struct s3_req *q = S3(c);
    struct arena *a = c->a;
    /* S3 insists on an integrity header for this call. */
    if (!q->body.has_md5 && q->body.ck == S3_CK_NONE)
        return aws_errf(c->err, 400, "InvalidRequest",
                        "Missing required header for this request: Content-Md5.");
    struct s3x *root;
    if (s3_xml_parse(a, q->body.mem.p ? q->body.mem.p : "", q->body.mem.len, &root, c->err) !=
        C_OK)
        return C_ERR;
    if (strcmp(root->name, "Delete") != 0) return s3_malformed_xml(c->err);
    const struct s3x *quiet = s3x_child(root, "Quiet");
    bool is_quiet = quiet && strcmp(quiet->text, "true") == 0;
    size_t n = 0;
    for (const struct s3x *x = root->child; x; x = x->next) {
        if (strcmp(x->name, "Object") != 0) continue;
        if (!s3x_child(x, "Key") || ++n > MAX_DELETE) return s3_malformed_xml(c->err);
    }
    if (n == 0) return s3_malformed_xml(c->err);
    struct xw w;
    s3_xml_begin(q, &w, "DeleteResult");
    const char *saved_key = q->key;
    for (const struct s3x *x = root->child; x; x = x->next) {
        if (strcmp(x->name, "Object") != 0) continue;
        const char *key = s3x_child(x, "Key")->text;
        struct aws_err e = {0};
        int rc;
        /* Each key is authorized on its own (s3:DeleteObject), as AWS does. */
        q->key = key;
        c->err = &e;
        if (strlen(key) > S3_MAX_KEY_BYTES || !*key)
            rc = aws_errf(&e, 400, "KeyTooLongError", "Your key is too long");
        else if ((rc = iam_authorize(c, "s3:DeleteObject", s3_res_object(c))) == C_OK)
            rc = c->store->ops->s3_object_delete(c->store, q->bucket, key, NULL, &e);
        c->err = &q->err;
        if (rc != C_OK) {
            xw_open(&w, "Error", NULL);
            xw_elem(&w, "Key", key);
            xw_elem(&w, "Code", e.code);
            xw_elem(&w, "Message", e.msg[0] ? e.msg : e.code);
            xw_close(&w, "Error");
        } else if (!is_quiet) {
            xw_open(&w, "Deleted", NULL);
            xw_elem(&w, "Key", key);
            xw_close(&w, "Deleted");
        }
    }
    q->key = saved_key;
    xw_close(&w, "DeleteResult");
    return C_OK;
}

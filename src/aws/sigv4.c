/* AWS Signature Version 4 (see sigv4.h).
 *
 * Canonicalisation follows the published aws-sig-v4-test-suite and the S3
 * examples; error codes and texts follow what AWS returns per protocol.  The
 * crypto is OpenSSL's (SHA256, HMAC, CRYPTO_memcmp). */
#include "sigv4.h"
#include "../core/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCOPE_TERMINATOR "aws4_request"

/* AWS's texts.  Kept together so a reviewer can compare them with AWS in one place. */
#define MSG_MISMATCH                                                                         \
    "The request signature we calculated does not match the signature you provided. Check " \
    "your AWS Secret Access Key and signing method. Consult the service documentation for "  \
    "details."
#define MSG_S3_MISMATCH                                                                      \
    "The request signature we calculated does not match the signature you provided. Check " \
    "your key and signing method."
#define MSG_MISSING_TOKEN "Request is missing Authentication Token"
#define MSG_REQ_CREDENTIAL "Authorization header requires 'Credential' parameter."
#define MSG_REQ_SIGNATURE "Authorization header requires 'Signature' parameter."
#define MSG_REQ_SIGNED_HEADERS "Authorization header requires 'SignedHeaders' parameter."
#define MSG_REQ_DATE \
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
#define MSG_Q_CREDENTIAL "AWS query-string parameters must include 'X-Amz-Credential'."
#define MSG_Q_SIGNATURE "AWS query-string parameters must include 'X-Amz-Signature'."
#define MSG_Q_SIGNED_HEADERS "AWS query-string parameters must include 'X-Amz-SignedHeaders'."
#define MSG_Q_DATE "AWS query-string parameters must include 'X-Amz-Date'."
#define MSG_Q_REEXAMINE "Re-examine the query-string parameters."
#define MSG_HOST_UNSIGNED "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
#define MSG_S3_HDR_MALFORMED                                                               \
    "The authorization header is malformed; the authorization header requires three " \
    "components: Credential, SignedHeaders, and Signature."
#define MSG_S3_CRED_EXPECT "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
#define MSG_S3_Q_MISSING                                                                       \
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " \
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
#define MSG_S3_NO_DATE "AWS authentication requires a valid Date or x-amz-date header"
#define MSG_S3_UNSIGNED_HEADERS "There were headers present in the request which were not signed"
#define MSG_S3_SKEWED "The difference between the request time and the current time is too large."

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */

/* A string under construction in the arena; growth copies, which is fine
 * because canonical requests are small and the arena dies with the request. */
struct sb {
    struct arena *a;
    char *p;
    size_t n, cap;
};

static void sb_init(struct sb *b, struct arena *a, size_t cap) {
    b->a = a;
    b->cap = cap < 16 ? 16 : cap;
    b->p = arena_alloc(a, b->cap);
    b->n = 0;
    b->p[0] = 0;
}

static void sb_reserve(struct sb *b, size_t extra) {
    if (b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap * 2;
    if (cap < b->n + extra + 1) cap = b->n + extra + 1;
    char *p = arena_alloc(b->a, cap);
    memcpy(p, b->p, b->n + 1);
    b->p = p;
    b->cap = cap;
}

static void sb_putn(struct sb *b, const char *s, size_t n) {
    sb_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(struct sb *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_putc(struct sb *b, char c) { sb_putn(b, &c, 1); }

static bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* AWS's UriEncode: every byte outside the unreserved set becomes %XX with
 * uppercase hex; '/' is kept only inside paths. */
static void sb_put_encoded(struct sb *b, const char *s, size_t n, bool keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    sb_reserve(b, n * 3);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            b->p[b->n++] = (char)c;
        } else {
            b->p[b->n++] = '%';
            b->p[b->n++] = hex[c >> 4];
            b->p[b->n++] = hex[c & 15];
        }
    }
    b->p[b->n] = 0;
}

/* Percent-decode n bytes into the arena.  '+' stays '+': AWS's canonical
 * form distinguishes it from a space, and SDKs never send '+' for a space.
 * A '%' not followed by two hex digits is kept literally, so it is encoded
 * back as %25 rather than failing the whole request. */
static char *pct_decode(struct arena *a, const char *s, size_t n, size_t *outlen) {
    char *o = arena_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hex_digit((unsigned char)s[i + 1])) >= 0 &&
            (l = hex_digit((unsigned char)s[i + 2])) >= 0) {
            o[j++] = (char)(h * 16 + l);
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    *outlen = j;
    return o;
}

static bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Bounds of s with surrounding whitespace removed. */
static void trim(const char **s, size_t *n) {
    while (*n && is_ws(**s)) { (*s)++; (*n)--; }
    while (*n && is_ws((*s)[*n - 1])) (*n)--;
}

static char *trim_dup(struct arena *a, const char *s) {
    size_t n = strlen(s);
    trim(&s, &n);
    return arena_strndup(a, s, n);
}

static void hex_encode(const unsigned char *in, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = 0;
}

static bool is_hex64(const char *s) {
    size_t i = 0;
    for (; s[i]; i++)
        if (hex_digit((unsigned char)s[i]) < 0) return false;
    return i == 64;
}

/* First value of the header called name (lowercase), or NULL. */
static const char *header_first(const struct sigv4_request *r, const char *name) {
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct sigv4_header *h = &r->headers[i];
        if (h->name && strcasecmp(h->name, name) == 0) return h->value ? h->value : "";
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                      */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm); avoids timegm()'s dependence on the TZ machinery. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static unsigned days_in_month(int y, unsigned m) {
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static bool digits(const char *s, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool make_time(int y, int mo, int d, int h, int mi, int s, int64_t *t) {
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        (unsigned)d > days_in_month(y, (unsigned)mo) || h > 23 || mi > 59 || s > 60)
        return false;
    *t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

/* "YYYYMMDDTHHMMSSZ", the only form AWS signs with. */
static bool parse_amz_date(const char *s, int64_t *t) {
    int y, mo, d, h, mi, sec;
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return false;
    if (!digits(s, 4, &y) || !digits(s + 4, 2, &mo) || !digits(s + 6, 2, &d) ||
        !digits(s + 9, 2, &h) || !digits(s + 11, 2, &mi) || !digits(s + 13, 2, &sec))
        return false;
    return make_time(y, mo, d, h, mi, sec, t);
}

/* RFC 1123 ("Fri, 24 May 2013 00:00:00 GMT"), what clients put in Date. */
static bool parse_http_date(const char *s, int64_t *t) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *c = strchr(s, ',');
    c = c ? c + 1 : s;
    while (*c == ' ') c++;
    /* DD Mon YYYY HH:MM:SS GMT */
    if (strlen(c) < 24) return false;
    int d, y, h, mi, sec, mo = 0;
    if (!digits(c, 2, &d) || c[2] != ' ' || c[6] != ' ' || !digits(c + 7, 4, &y) ||
        c[11] != ' ' || !digits(c + 12, 2, &h) || c[14] != ':' || !digits(c + 15, 2, &mi) ||
        c[17] != ':' || !digits(c + 18, 2, &sec) || strcmp(c + 20, " GMT") != 0)
        return false;
    for (int i = 0; i < 12; i++)
        if (strncmp(c + 3, months + 3 * i, 3) == 0) mo = i + 1;
    return mo && make_time(y, mo, d, h, mi, sec, t);
}

void sigv4_format_amz_date(int64_t t, char out[17]) {
    /* Clamp to what four-digit years can show; only error texts ever see
     * times this far off. */
    if (t < 0) t = 0;
    if (t > 253402300799) t = 253402300799;
    int y;
    unsigned m, d;
    int64_t days = t / 86400, rem = t % 86400;
    civil_from_days(days, &y, &m, &d);
    /* Roomy scratch buffer: the compiler cannot see the clamped ranges and
     * would otherwise warn about truncation. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d%02u%02uT%02d%02d%02dZ", y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60));
    memcpy(out, tmp, 16);
    out[16] = 0;
}

/* ------------------------------------------------------------------------ */
/* Crypto                                                                    */

void sigv4_sha256_hex(const void *data, size_t n, char out[65]) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, n, md);
    hex_encode(md, sizeof md, out);
}

static void hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32]) {
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out, &len);
}

void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, unsigned char key[32]) {
    size_t sl = strlen(secret);
    unsigned char *k0 = malloc(sl + 4);
    unsigned char k[32], k2[32];
    if (!k0) abort();
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, sl);
    hmac(k0, sl + 4, date, k);
    OPENSSL_cleanse(k0, sl + 4);
    free(k0);
    /* Separate buffers: HMAC's key and output must not alias. */
    hmac(k, 32, region, k2);
    hmac(k2, 32, service, k);
    hmac(k, 32, SCOPE_TERMINATOR, key);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(k2, sizeof k2);
}

void sigv4_signature(const unsigned char key[32], const char *string_to_sign, char out[65]) {
    unsigned char mac[32];
    hmac(key, 32, string_to_sign, mac);
    hex_encode(mac, 32, out);
}

char *sigv4_string_to_sign(struct arena *a, const char *amz_date, const char *scope,
                           const char *creq) {
    char h[65];
    sigv4_sha256_hex(creq, strlen(creq), h);
    return arena_sprintf(a, SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, h);
}

/* ------------------------------------------------------------------------ */
/* Canonical request                                                         */

/* Non-S3 services normalise the path (RFC 3986 dot segments, empty segments
 * dropped) and then URI-encode the path as received, so a path the client
 * had already percent-encoded ends up encoded twice, exactly as the SDKs
 * sign it.  A trailing slash survives, as in the test suite. */
static void canonical_path_normalised(struct sb *b, const char *p) {
    size_t n = strlen(p), nseg = 0;
    size_t cap = 1;
    for (size_t i = 0; i < n; i++) cap += p[i] == '/';
    struct { const char *s; size_t n; } *seg = arena_alloc(b->a, cap * sizeof *seg);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/') j++;
        size_t len = j - i;
        if (len == 0 || (len == 1 && p[i] == '.')) {
            /* empty or "." : nothing */
        } else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
            if (nseg) nseg--;
        } else {
            seg[nseg].s = p + i;
            seg[nseg].n = len;
            nseg++;
        }
        i = j + 1;
    }
    sb_putc(b, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k) sb_putc(b, '/');
        sb_put_encoded(b, seg[k].s, seg[k].n, false);
    }
    if (nseg && n && p[n - 1] == '/') sb_putc(b, '/');
}

/* S3 signs the object key URI-encoded once and never normalises it (keys may
 * legitimately contain "//" or "/../").  Decoding first and re-encoding makes
 * the result independent of how the client chose to escape on the wire. */
static void canonical_path_s3(struct sb *b, const char *p) {
    size_t n;
    char *d = pct_decode(b->a, p, strlen(p), &n);
    if (n == 0 || d[0] != '/') sb_putc(b, '/');
    sb_put_encoded(b, d, n, true);
}

struct qpair {
    char *k, *v;
};

static int qpair_cmp(const void *x, const void *y) {
    const struct qpair *a = x, *b = y;
    int c = strcmp(a->k, b->k);
    return c ? c : strcmp(a->v, b->v);
}

static char *encode_dup(struct arena *a, const char *s, size_t n) {
    struct sb b;
    sb_init(&b, a, n * 3 + 1);
    sb_put_encoded(&b, s, n, false);
    return b.p;
}

/* Every parameter decoded then re-encoded per AWS, sorted by name then value,
 * "k=v" joined with '&'.  A parameter without '=' gets an empty value. */
static void canonical_query(struct sb *b, const char *q, bool presigned) {
    if (!q || !*q) return;
    size_t n = strlen(q), cap = 1;
    for (size_t i = 0; i < n; i++) cap += q[i] == '&';
    struct qpair *pairs = arena_alloc(b->a, cap * sizeof *pairs);
    size_t np = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && q[j] != '&') j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (q + i)) : j - i;
            size_t dkl, dvl;
            char *dk = pct_decode(b->a, q + i, kl, &dkl);
            char *dv = eq ? pct_decode(b->a, eq + 1, (size_t)(q + j - eq - 1), &dvl)
                          : (dvl = 0, arena_strdup(b->a, ""));
            if (!(presigned && dkl == 15 && memcmp(dk, "X-Amz-Signature", 15) == 0)) {
                pairs[np].k = encode_dup(b->a, dk, dkl);
                pairs[np].v = encode_dup(b->a, dv, dvl);
                np++;
            }
        }
        i = j + 1;
    }
    qsort(pairs, np, sizeof *pairs, qpair_cmp);
    for (size_t k = 0; k < np; k++) {
        if (k) sb_putc(b, '&');
        sb_puts(b, pairs[k].k);
        sb_putc(b, '=');
        sb_puts(b, pairs[k].v);
    }
}

/* "name:v1,v2\n" for the header called name (n bytes, any case): each value
 * trimmed and its inner whitespace runs collapsed to one space.  Nothing is
 * written when the request has no such header.  used[] marks headers already
 * written: a SignedHeaders list naming one header many times would otherwise
 * copy its value once per mention, letting a small request build a huge
 * canonical request.  No SDK repeats a name, so this changes no real
 * signature. */
static void canonical_header(struct sb *b, const struct sigv4_request *r, const char *name,
                             size_t n, bool *used) {
    bool first = true;
    for (size_t i = 0; i < r->nheaders; i++) {
        const struct sigv4_header *h = &r->headers[i];
        if (used[i] || !h->name || strlen(h->name) != n || strncasecmp(h->name, name, n) != 0)
            continue;
        used[i] = true;
        if (first) {
            for (size_t k = 0; k < n; k++) {
                char c = name[k];
                sb_putc(b, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
            }
            sb_putc(b, ':');
            first = false;
        } else {
            sb_putc(b, ',');
        }
        const char *v = h->value ? h->value : "";
        size_t vl = strlen(v);
        trim(&v, &vl);
        bool space = false;
        for (size_t k = 0; k < vl; k++) {
            if (is_ws(v[k])) {
                space = true;
                continue;
            }
            if (space) sb_putc(b, ' ');
            space = false;
            sb_putc(b, v[k]);
        }
    }
    if (!first) sb_putc(b, '\n');
}

int sigv4_canonical_request(struct arena *a, const struct sigv4_request *r,
                            const char *signed_headers, const char *payload_hash,
                            unsigned flags, const char **out, struct aws_err *e) {
    if (!r || !r->method || !signed_headers || !payload_hash)
        return aws_errf(e, 500, ERR_INTERNAL, "Incomplete request for canonicalisation.");
    struct sb b;
    sb_init(&b, a, 512);
    sb_puts(&b, r->method);
    sb_putc(&b, '\n');
    const char *path = r->path && *r->path ? r->path : "/";
    if (flags & SIGV4_CANON_S3)
        canonical_path_s3(&b, path);
    else
        canonical_path_normalised(&b, path);
    sb_putc(&b, '\n');
    canonical_query(&b, r->query, flags & SIGV4_CANON_PRESIGNED);
    sb_putc(&b, '\n');
    bool *used = arena_calloc(a, r->nheaders + 1);
    for (const char *p = signed_headers; *p;) {
        const char *q = strchr(p, ';');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n) canonical_header(&b, r, p, n, used);
        p += n + (q != NULL);
    }
    sb_putc(&b, '\n');
    sb_puts(&b, signed_headers);
    sb_putc(&b, '\n');
    sb_puts(&b, payload_hash);
    *out = b.p;
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Errors per protocol                                                       */

static int err_mismatch(enum sigv4_errstyle st, struct aws_err *e, const char *msg) {
    switch (st) {
    case SIGV4_JSON: return aws_errf(e, 400, "InvalidSignatureException", "%s", msg);
    case SIGV4_QUERY: return aws_errf(e, 403, "SignatureDoesNotMatch", "%s", msg);
    case SIGV4_S3: break;
    }
    return aws_errf(e, 403, "SignatureDoesNotMatch", "%s", msg);
}

static int err_incomplete(enum sigv4_errstyle st, struct aws_err *e, const char *msg) {
    if (st == SIGV4_JSON) return aws_errf(e, 400, "IncompleteSignatureException", "%s", msg);
    return aws_errf(e, 400, "IncompleteSignature", "%s", msg);
}

static int err_missing(enum sigv4_errstyle st, struct aws_err *e) {
    switch (st) {
    case SIGV4_JSON:
        return aws_errf(e, 400, "MissingAuthenticationTokenException", MSG_MISSING_TOKEN);
    case SIGV4_QUERY: return aws_errf(e, 403, "MissingAuthenticationToken", MSG_MISSING_TOKEN);
    case SIGV4_S3: break;
    }
    return aws_errf(e, 403, "AccessDenied", "Access Denied");
}

static int err_s3_hdr(struct aws_err *e, const char *msg) {
    return aws_errf(e, 400, "AuthorizationHeaderMalformed", "%s", msg);
}

static int err_s3_query(struct aws_err *e, const char *msg) {
    return aws_errf(e, 400, "AuthorizationQueryParametersError", "%s", msg);
}

void sigv4_unknown_key_error(enum sigv4_errstyle st, struct aws_err *e) {
    switch (st) {
    case SIGV4_JSON:
        aws_errf(e, 400, "UnrecognizedClientException",
                 "The security token included in the request is invalid.");
        return;
    case SIGV4_QUERY:
        aws_errf(e, 403, "InvalidClientTokenId",
                 "The security token included in the request is invalid.");
        return;
    case SIGV4_S3: break;
    }
    aws_errf(e, 403, "InvalidAccessKeyId",
             "The AWS Access Key Id you provided does not exist in our records.");
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */

/* First value of query parameter name (exact, after decoding), decoded, or NULL. */
static char *query_get(struct arena *a, const char *q, const char *name) {
    if (!q) return NULL;
    size_t n = strlen(q), nl = strlen(name);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && q[j] != '&') j++;
        const char *eq = memchr(q + i, '=', j - i);
        size_t kl = eq ? (size_t)(eq - (q + i)) : j - i, dkl, dvl;
        if (kl >= nl) { /* a decoded key is never longer than its encoding */
            char *dk = pct_decode(a, q + i, kl, &dkl);
            if (dkl == nl && memcmp(dk, name, nl) == 0) {
                if (!eq) return arena_strdup(a, "");
                return pct_decode(a, eq + 1, (size_t)(q + j - eq - 1), &dvl);
            }
        }
        i = j + 1;
    }
    return NULL;
}

/* Split "akid/date/region/service/aws4_request" into au. */
static int parse_credential(struct arena *a, const char *cred, enum sigv4_errstyle st,
                            bool presigned, struct sigv4_auth *au, struct aws_err *e) {
    const char *part[5];
    size_t len[5], np = 0;
    for (const char *p = cred;;) {
        const char *s = strchr(p, '/');
        size_t n = s ? (size_t)(s - p) : strlen(p);
        if (np < 5) {
            part[np] = p;
            len[np] = n;
        }
        np++;
        if (!s) break;
        p = s + 1;
    }
    if (np != 5) {
        if (st == SIGV4_S3)
            return presigned ? err_s3_query(e, "Error parsing the X-Amz-Credential parameter; "
                                               "the Credential is mal-formed; " MSG_S3_CRED_EXPECT)
                             : err_s3_hdr(e, "The authorization header is malformed; the "
                                             "Credential is mal-formed; " MSG_S3_CRED_EXPECT);
        char msg[900];
        snprintf(msg, sizeof msg,
                 "Credential must have exactly 5 slash-delimited elements, e.g. "
                 "keyid/date/region/service/term, got '%s'",
                 cred);
        return err_incomplete(st, e, msg);
    }
    char *term = arena_strndup(a, part[4], len[4]);
    if (strcmp(term, SCOPE_TERMINATOR) != 0) {
        char msg[900];
        if (st == SIGV4_S3) {
            snprintf(msg, sizeof msg,
                     "%sincorrect terminal \"%s\". This endpoint uses \"" SCOPE_TERMINATOR "\".",
                     presigned ? "Error parsing the X-Amz-Credential parameter; "
                               : "The authorization header is malformed; ",
                     term);
            return presigned ? err_s3_query(e, msg) : err_s3_hdr(e, msg);
        }
        snprintf(msg, sizeof msg,
                 "Credential should be scoped with a valid terminator: '" SCOPE_TERMINATOR
                 "', not '%s'.",
                 term);
        return err_mismatch(st, e, msg);
    }
    au->akid = arena_strndup(a, part[0], len[0]);
    au->date = arena_strndup(a, part[1], len[1]);
    au->region = arena_strndup(a, part[2], len[2]);
    au->service = arena_strndup(a, part[3], len[3]);
    au->scope = arena_strdup(a, part[1]); /* everything after the access key id */
    return C_OK;
}

static int parse_header_auth(struct arena *a, const struct sigv4_request *r, const char *raw,
                             enum sigv4_errstyle st, struct sigv4_auth *au, struct aws_err *e) {
    const char *h = trim_dup(a, raw);
    size_t alg_len = strcspn(h, " \t");
    if (alg_len != strlen(SIGV4_ALGORITHM) || strncmp(h, SIGV4_ALGORITHM, alg_len) != 0) {
        char *alg = arena_strndup(a, h, alg_len);
        if (st == SIGV4_S3) {
            if (strcmp(alg, "AWS") == 0)
                return aws_errf(e, 400, "InvalidRequest",
                                "The authorization mechanism you have provided is not "
                                "supported. Please use " SIGV4_ALGORITHM ".");
            return aws_errf(e, 400, "InvalidArgument", "Unsupported Authorization Type");
        }
        char msg[900];
        snprintf(msg, sizeof msg, "Unsupported AWS 'algorithm': '%s'.", alg);
        return err_incomplete(st, e, msg);
    }

    /* Comma-separated key=value parameters; the last of a repeated key wins. */
    const char *cred = NULL, *sh = NULL, *sig = NULL;
    for (const char *p = h + alg_len; *p;) {
        const char *c = strchr(p, ',');
        const char *s = p;
        size_t n = c ? (size_t)(c - p) : strlen(p);
        p += n + (c != NULL);
        trim(&s, &n);
        if (!n) continue;
        const char *eq = memchr(s, '=', n);
        if (!eq) {
            if (st == SIGV4_S3) return err_s3_hdr(e, MSG_S3_HDR_MALFORMED);
            char msg[1024];
            snprintf(msg, sizeof msg,
                     "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization "
                     "header: '%s'",
                     (int)n, s, h);
            return err_incomplete(st, e, msg);
        }
        size_t kl = (size_t)(eq - s);
        char *v = arena_strndup(a, eq + 1, n - kl - 1);
        if (kl == 10 && memcmp(s, "Credential", 10) == 0) cred = v;
        else if (kl == 13 && memcmp(s, "SignedHeaders", 13) == 0) sh = v;
        else if (kl == 9 && memcmp(s, "Signature", 9) == 0) sig = v;
    }

    const char *date = header_first(r, "x-amz-date");
    if (!date) date = header_first(r, "date");

    if (st == SIGV4_S3) {
        if (!cred || !sh || !sig) return err_s3_hdr(e, MSG_S3_HDR_MALFORMED);
        if (!date) return aws_errf(e, 403, "AccessDenied", MSG_S3_NO_DATE);
    } else if (!cred || !sh || !sig || !date) {
        struct sb m;
        sb_init(&m, a, 256);
        if (!cred) sb_puts(&m, MSG_REQ_CREDENTIAL " ");
        if (!sig) sb_puts(&m, MSG_REQ_SIGNATURE " ");
        if (!sh) sb_puts(&m, MSG_REQ_SIGNED_HEADERS " ");
        if (!date) sb_puts(&m, MSG_REQ_DATE " ");
        sb_puts(&m, "Authorization=");
        sb_puts(&m, h);
        return err_incomplete(st, e, m.p);
    }

    const char *d = trim_dup(a, date);
    if (!parse_amz_date(d, &au->time_s) && !parse_http_date(d, &au->time_s)) {
        if (st == SIGV4_S3) return aws_errf(e, 403, "AccessDenied", MSG_S3_NO_DATE);
        char msg[900];
        snprintf(msg, sizeof msg,
                 "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                 "http://en.wikipedia.org/wiki/ISO_8601",
                 d);
        return err_incomplete(st, e, msg);
    }
    if (parse_credential(a, cred, st, false, au, e) != C_OK) return C_ERR;
    au->signed_headers = sh;
    au->signature = sig;
    const char *tok = header_first(r, "x-amz-security-token");
    au->security_token = tok ? trim_dup(a, tok) : NULL;
    au->presigned = false;
    au->expires = 0;
    return C_OK;
}

/* X-Amz-Expires: decimal seconds.  *bad gets AWS's complaint, if any. */
static bool parse_expires(const char *s, int64_t *out, const char **bad) {
    const char *p = s;
    bool neg = *p == '-';
    if (neg) p++;
    if (!*p || strlen(p) > 12) {
        *bad = "X-Amz-Expires should be a number";
        return false;
    }
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            *bad = "X-Amz-Expires should be a number";
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    if (neg && v) {
        *bad = "X-Amz-Expires must be non-negative";
        return false;
    }
    if (v > SIGV4_MAX_EXPIRES_S) {
        *bad = "X-Amz-Expires must be less than a week (in seconds) that is 604800";
        return false;
    }
    *out = v;
    return true;
}

static int parse_query_auth(struct arena *a, const struct sigv4_request *r, const char *alg,
                            enum sigv4_errstyle st, struct sigv4_auth *au, struct aws_err *e) {
    if (alg && strcmp(alg, SIGV4_ALGORITHM) != 0) {
        if (st == SIGV4_S3)
            return err_s3_query(e, "X-Amz-Algorithm only supports \"" SIGV4_ALGORITHM "\"");
        /* AWS answers as if the request were not signed at all. */
        return err_missing(st, e);
    }
    const char *q = r->query;
    char *cred = query_get(a, q, "X-Amz-Credential");
    char *sig = query_get(a, q, "X-Amz-Signature");
    char *sh = query_get(a, q, "X-Amz-SignedHeaders");
    char *date = query_get(a, q, "X-Amz-Date");
    char *exp = query_get(a, q, "X-Amz-Expires");
    if (st == SIGV4_S3) {
        /* S3 insists on the full set, expiry included. */
        if (!alg || !cred || !sig || !sh || !date || !exp) return err_s3_query(e, MSG_S3_Q_MISSING);
    } else if (!cred || !sig || !sh || !date) {
        struct sb m;
        sb_init(&m, a, 256);
        if (!cred) sb_puts(&m, MSG_Q_CREDENTIAL " ");
        if (!sig) sb_puts(&m, MSG_Q_SIGNATURE " ");
        if (!sh) sb_puts(&m, MSG_Q_SIGNED_HEADERS " ");
        if (!date) sb_puts(&m, MSG_Q_DATE " ");
        sb_puts(&m, MSG_Q_REEXAMINE);
        return err_incomplete(st, e, m.p);
    }
    if (!parse_amz_date(date, &au->time_s)) {
        if (st == SIGV4_S3)
            return err_s3_query(
                e, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        char msg[900];
        snprintf(msg, sizeof msg,
                 "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                 "http://en.wikipedia.org/wiki/ISO_8601",
                 date);
        return err_incomplete(st, e, msg);
    }
    au->expires = 0;
    if (exp) {
        const char *bad = NULL;
        if (!parse_expires(exp, &au->expires, &bad)) {
            if (st == SIGV4_S3) return err_s3_query(e, bad);
            return err_incomplete(st, e, "X-Amz-Expires must be an integer between 1 and 604800.");
        }
        /* S3 accepts 0 and lets it expire; elsewhere the range is 1..604800. */
        if (au->expires == 0 && st != SIGV4_S3)
            return err_incomplete(st, e, "X-Amz-Expires must be an integer between 1 and 604800.");
    }
    if (parse_credential(a, cred, st, true, au, e) != C_OK) return C_ERR;
    au->signed_headers = sh;
    au->signature = sig;
    au->security_token = query_get(a, q, "X-Amz-Security-Token");
    au->presigned = true;
    return C_OK;
}

int sigv4_parse(struct arena *a, const struct sigv4_request *r, enum sigv4_errstyle st,
                struct sigv4_auth *out, struct aws_err *e) {
    memset(out, 0, sizeof *out);
    const char *hdr = header_first(r, "authorization");
    if (hdr) {
        size_t n = strlen(hdr);
        const char *s = hdr;
        trim(&s, &n);
        if (!n) hdr = NULL; /* an empty header carries no credentials */
    }
    char *alg = query_get(a, r->query, "X-Amz-Algorithm");
    bool presigned = alg != NULL;
    /* S3 also treats a URL carrying only some of the X-Amz-* auth parameters as
     * an (incomplete) presigned request, so the client hears what is missing. */
    if (st == SIGV4_S3 && !presigned)
        presigned = query_get(a, r->query, "X-Amz-Credential") ||
                    query_get(a, r->query, "X-Amz-Signature");
    if (hdr && presigned) {
        if (st == SIGV4_S3)
            return aws_errf(e, 400, "InvalidArgument",
                            "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                            "parameter, Signature query string parameter or the Authorization "
                            "header should be specified");
        return err_mismatch(st, e, MSG_MISMATCH);
    }
    if (!hdr && !presigned) return err_missing(st, e);
    int rc = hdr ? parse_header_auth(a, r, hdr, st, out, e) : parse_query_auth(a, r, alg, st, out, e);
    if (rc != C_OK) return rc;
    char d[17];
    sigv4_format_amz_date(out->time_s, d);
    out->amz_date = arena_strdup(a, d);
    return C_OK;
}

int sigv4_check_scope(const struct sigv4_auth *au, const char *region, const char *service,
                      enum sigv4_errstyle st, struct aws_err *e) {
    bool bad_region = region && strcmp(au->region, region) != 0;
    bool bad_service = service && strcmp(au->service, service) != 0;
    if (!bad_region && !bad_service) return C_OK;
    char msg[900];
    if (st == SIGV4_S3) {
        const char *pre = au->presigned ? "Error parsing the X-Amz-Credential parameter; "
                                        : "The authorization header is malformed; ";
        if (bad_region)
            snprintf(msg, sizeof msg, "%sthe region '%s' is wrong; expecting '%s'", pre,
                     au->region, region);
        else
            snprintf(msg, sizeof msg, "%sincorrect service \"%s\". This endpoint belongs to \"%s\".",
                     pre, au->service, service);
        return au->presigned ? err_s3_query(e, msg) : err_s3_hdr(e, msg);
    }
    int n = 0;
    msg[0] = 0;
    if (bad_region)
        n = snprintf(msg, sizeof msg, "Credential should be scoped to a valid region, not '%s'. ",
                     au->region);
    if (bad_service && n >= 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, "Credential should be scoped to correct service: '%s'. ",
                 service);
    /* AWS's texts end in ". " when joined; the last space is not part of it. */
    size_t l = strlen(msg);
    if (l && msg[l - 1] == ' ') msg[l - 1] = 0;
    return err_mismatch(st, e, msg);
}

/* ------------------------------------------------------------------------ */
/* Verification                                                              */

static bool list_has(const char *list, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = list; *p;) {
        const char *q = strchr(p, ';');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n == nl && strncasecmp(p, name, n) == 0) return true;
        p += n + (q != NULL);
    }
    return false;
}

static int check_time(const struct sigv4_auth *au, int64_t now, enum sigv4_errstyle st,
                      struct aws_err *e) {
    char req[17], lim[17], cur[17];
    sigv4_format_amz_date(au->time_s, req);
    sigv4_format_amz_date(now, cur);
    if (au->presigned && st == SIGV4_S3) {
        /* A presigned S3 URL lives X-Amz-Expires seconds, not 15 minutes. */
        if (now > au->time_s + au->expires)
            return aws_errf(e, 403, "AccessDenied", "Request has expired");
        if (au->time_s > now + SIGV4_MAX_SKEW_S)
            return aws_errf(e, 403, "AccessDenied", "Request is not valid yet");
        return C_OK;
    }
    char msg[512];
    if (au->time_s < now - SIGV4_MAX_SKEW_S || au->time_s > now + SIGV4_MAX_SKEW_S) {
        if (st == SIGV4_S3) return aws_errf(e, 403, "RequestTimeTooSkewed", MSG_S3_SKEWED);
        if (au->time_s < now) {
            sigv4_format_amz_date(now - SIGV4_MAX_SKEW_S, lim);
            snprintf(msg, sizeof msg, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
                     req, lim, cur);
        } else {
            sigv4_format_amz_date(now + SIGV4_MAX_SKEW_S, lim);
            snprintf(msg, sizeof msg,
                     "Signature not yet current: %s is still later than %s (%s + 15 min.)", req,
                     lim, cur);
        }
        return err_mismatch(st, e, msg);
    }
    /* Services other than S3 keep the 15-minute window for presigned URLs too;
     * a shorter X-Amz-Expires is honoured on top of it. */
    if (au->presigned && au->expires > 0 && now > au->time_s + au->expires) {
        sigv4_format_amz_date(now - au->expires, lim);
        snprintf(msg, sizeof msg, "Signature expired: %s is now earlier than %s (%s - %lld sec.)",
                 req, lim, cur, (long long)au->expires);
        return err_mismatch(st, e, msg);
    }
    return C_OK;
}

/* x-amz-* headers S3 refuses to see unsigned (x-amz-content-sha256 included). */
static int check_s3_unsigned(const struct sigv4_request *r, const char *list, struct aws_err *e) {
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *n = r->headers[i].name;
        if (n && strncasecmp(n, "x-amz-", 6) == 0 && !list_has(list, n))
            return aws_errf(e, 403, "AccessDenied", MSG_S3_UNSIGNED_HEADERS);
    }
    return C_OK;
}

int sigv4_verify(struct arena *a, const struct sigv4_request *r, const struct sigv4_auth *au,
                 const char *secret, int64_t now_s, enum sigv4_errstyle st, struct aws_err *e) {
    if (!list_has(au->signed_headers, "host") && !list_has(au->signed_headers, ":authority")) {
        if (st == SIGV4_S3) return aws_errf(e, 403, "AccessDenied", MSG_S3_UNSIGNED_HEADERS);
        return err_mismatch(st, e, MSG_HOST_UNSIGNED);
    }
    if (st == SIGV4_S3 && !au->presigned && check_s3_unsigned(r, au->signed_headers, e) != C_OK)
        return C_ERR;
    if (check_time(au, now_s, st, e) != C_OK) return C_ERR;
    if (strlen(au->date) != 8 || strncmp(au->date, au->amz_date, 8) != 0) {
        char msg[900];
        if (st == SIGV4_S3) {
            if (!au->presigned)
                return err_s3_hdr(e, "The authorization header is malformed; Invalid credential "
                                     "date. Date is not the same as X-Amz-Date.");
            snprintf(msg, sizeof msg,
                     "Invalid credential date \"%s\". This date is not the same as X-Amz-Date: "
                     "\"%.8s\".",
                     au->date, au->amz_date);
            return err_s3_query(e, msg);
        }
        snprintf(msg, sizeof msg,
                 "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                 "from HTTP: '%s' != '%.8s', from '%s'.",
                 au->date, au->amz_date, au->amz_date);
        return err_mismatch(st, e, msg);
    }

    /* The payload hash the client signed. */
    const char *payload = NULL;
    const char *xacs = header_first(r, "x-amz-content-sha256");
    if (xacs) {
        payload = trim_dup(a, xacs);
        /* A hex value must be the body's hash: the signature covers only the
         * header, so without this check the body could be swapped. */
        if (is_hex64(payload) && r->payload_sha256_hex &&
            strcasecmp(payload, r->payload_sha256_hex) != 0) {
            if (st == SIGV4_S3)
                return aws_errf(e, 400, "XAmzContentSHA256Mismatch",
                                "The provided 'x-amz-content-sha256' header does not match what "
                                "was computed.");
            return err_mismatch(st, e, MSG_MISMATCH);
        }
    } else if (st == SIGV4_S3 && au->presigned) {
        payload = query_get(a, r->query, "X-Amz-Content-Sha256");
        if (!payload) payload = SIGV4_UNSIGNED_PAYLOAD;
    } else if (st == SIGV4_S3) {
        return aws_errf(e, 400, "InvalidRequest",
                        "Missing required header for this request: x-amz-content-sha256");
    } else {
        payload = r->payload_sha256_hex;
        if (!payload) return aws_errf(e, 500, ERR_INTERNAL, "Payload hash not computed.");
    }

    unsigned flags = (st == SIGV4_S3 ? SIGV4_CANON_S3 : 0) |
                     (au->presigned ? SIGV4_CANON_PRESIGNED : 0);
    const char *creq;
    if (sigv4_canonical_request(a, r, au->signed_headers, payload, flags, &creq, e) != C_OK)
        return C_ERR;
    const char *sts = sigv4_string_to_sign(a, au->amz_date, au->scope, creq);
    unsigned char key[32];
    char sig[65];
    sigv4_signing_key(secret, au->date, au->region, au->service, key);
    sigv4_signature(key, sts, sig);
    OPENSSL_cleanse(key, sizeof key);
    /* Constant time, so the comparison leaks nothing about the right signature. */
    if (strlen(au->signature) != 64 || CRYPTO_memcmp(sig, au->signature, 64) != 0)
        return err_mismatch(st, e, st == SIGV4_S3 ? MSG_S3_MISMATCH : MSG_MISMATCH);
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Signing                                                                   */

/* Headers the AWS SDKs never sign: hop-by-hop ones, and ones proxies rewrite. */
static bool unsignable(const char *lname) {
    static const char *const names[] = {
        "authorization", "cache-control", "connection", "expect",           "from",
        "keep-alive",    "max-forwards",  "pragma",     "referer",          "te",
        "trailer",       "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    };
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strcmp(lname, names[i]) == 0) return true;
    return false;
}

static int strptr_cmp(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int sigv4_sign_headers(struct arena *a, const struct sigv4_request *r,
                       const struct sigv4_signer *s, const char **authorization,
                       const char **canonical_request, const char **string_to_sign,
                       struct aws_err *e) {
    const char *date = header_first(r, "x-amz-date");
    int64_t t;
    if (!date || !parse_amz_date(date = trim_dup(a, date), &t))
        return aws_errf(e, 500, ERR_INTERNAL, "Signing needs an X-Amz-Date header (YYYYMMDDTHHMMSSZ).");
    if (!header_first(r, "host"))
        return aws_errf(e, 500, ERR_INTERNAL, "Signing needs a Host header.");
    const char *payload = header_first(r, "x-amz-content-sha256");
    payload = payload ? trim_dup(a, payload) : r->payload_sha256_hex;
    if (!payload) return aws_errf(e, 500, ERR_INTERNAL, "Payload hash not computed.");

    /* Lowercased, de-duplicated, sorted names. */
    char **names = arena_alloc(a, (r->nheaders + 1) * sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (!r->headers[i].name || !*r->headers[i].name) continue;
        char *l = arena_strdup(a, r->headers[i].name);
        for (char *c = l; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
        if (!unsignable(l)) names[nn++] = l;
    }
    qsort(names, nn, sizeof *names, strptr_cmp);
    struct sb sh;
    sb_init(&sh, a, 256);
    for (size_t i = 0; i < nn; i++) {
        if (i && strcmp(names[i], names[i - 1]) == 0) continue;
        if (sh.n) sb_putc(&sh, ';');
        sb_puts(&sh, names[i]);
    }

    char day[9];
    memcpy(day, date, 8);
    day[8] = 0;
    const char *scope = arena_sprintf(a, "%s/%s/%s/" SCOPE_TERMINATOR, day, s->region, s->service);
    const char *creq;
    if (sigv4_canonical_request(a, r, sh.p, payload, s->s3 ? SIGV4_CANON_S3 : 0, &creq, e) != C_OK)
        return C_ERR;
    const char *sts = sigv4_string_to_sign(a, date, scope, creq);
    unsigned char key[32];
    char sig[65];
    sigv4_signing_key(s->secret, day, s->region, s->service, key);
    sigv4_signature(key, sts, sig);
    OPENSSL_cleanse(key, sizeof key);
    *authorization = arena_sprintf(a, SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                                   s->akid, scope, sh.p, sig);
    if (canonical_request) *canonical_request = creq;
    if (string_to_sign) *string_to_sign = sts;
    return C_OK;
}

/* S3 body digests (src/s3/checksum.h) and the aws-chunked decoder
 * (src/s3/aws_chunked.h): check values of every checksum, base64 strictness,
 * AWS's published streaming examples (chunk signatures, the signed
 * trailer), tampering of every kind, unsigned streams with trailers as the
 * JS SDK sends them, and that any slicing of the input decodes alike. */
#include "s3/aws_chunked.h"
#include "s3/checksum.h"
#include "aws/sigv4.h"
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static void test_checksums(void) {
    static const struct { enum s3_cksum k; const char *b64; } cases[] = {
        /* "123456789": the catalogue check values, base64 of big-endian bytes. */
        {S3_CK_CRC32, "y/Q5Jg=="},           /* 0xcbf43926 */
        {S3_CK_CRC32C, "4waSgw=="},          /* 0xe3069283 */
        {S3_CK_CRC64NVME, "rosUhgp5mIg="},   /* 0xae8b14860a799888 */
        {S3_CK_SHA1, "98O8HYCOBHMq32eZZczDTKeuNEE="},
        {S3_CK_SHA256, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct s3_hasher h;
        char out[64];
        s3_hasher_init(&h, cases[i].k);
        s3_hasher_update(&h, "1234", 4);   /* in two pieces: incremental */
        s3_hasher_update(&h, "56789", 5);
        s3_hasher_final(&h, out);
        CHECK(strcmp(out, cases[i].b64) == 0, "%s: %s", s3_cksum_name(cases[i].k), out);
        CHECK(s3_cksum_by_header(s3_cksum_header(cases[i].k)) == cases[i].k);
    }
    CHECK(s3_cksum_by_name("crc32c") == S3_CK_CRC32C);
    CHECK(s3_cksum_by_header("X-Amz-Checksum-CRC32") == S3_CK_CRC32);
    CHECK(s3_cksum_by_header("x-amz-checksum-md5") == S3_CK_NONE);

    struct s3_md5 m;
    unsigned char md[16];
    char hex[33], b64[32];
    s3_md5_init(&m);
    s3_md5_update(&m, "hello", 5);
    s3_md5_final(&m, md);
    s3_hex(md, 16, hex);
    CHECK(strcmp(hex, "5d41402abc4b2a76b9719d911017c592") == 0, "%s", hex);
    s3_b64_encode(md, 16, b64);
    CHECK(strcmp(b64, "XUFAKrxLKna5cZ2REBfFkg==") == 0, "%s", b64);

    unsigned char raw[32];
    size_t n;
    CHECK(s3_b64_decode("XUFAKrxLKna5cZ2REBfFkg==", raw, sizeof raw, &n) && n == 16 &&
          memcmp(raw, md, 16) == 0);
    CHECK(!s3_b64_decode("XUFAKrxLKna5cZ2REBfFkg=", raw, sizeof raw, &n), "bad length");
    CHECK(!s3_b64_decode("XUFAKrxLKna5cZ2REBfFkh==", raw, sizeof raw, &n), "stray bits");
    CHECK(!s3_b64_decode("XUFA KrxLKna5cZ2REBfFk==", raw, sizeof raw, &n), "space");
    CHECK(!s3_b64_decode("", raw, sizeof raw, &n), "empty");
    CHECK(!s3_b64_decode("XUFAKrxLKna5cZ2REBfFkg==", raw, 8, &n), "too long for the digest");
}

/* ---- the decoder ---- */

static int collect(void *ctx, const char *p, size_t n, struct aws_err *e) {
    buf_add(ctx, p, n);
    return C_OK;
}

/* Decode body in slices of `slice` bytes; returns the result code and
 * fills out (decoded bytes) and e. */
static int decode(struct awsc *d, const struct awsc_signing *sg, const char *body, size_t len,
                  size_t slice, struct buf *out, struct aws_err *e) {
    awsc_init(d, sg);
    out->len = 0;
    for (size_t off = 0; off < len; off += slice) {
        size_t k = len - off < slice ? len - off : slice;
        if (awsc_feed(d, body + off, k, collect, out, e) != C_OK) return C_ERR;
    }
    return awsc_finish(d, e);
}

/* AWS's streaming examples (S3 API reference, "Signature calculations for
 * the Authorization header: transferring payload in multiple chunks" and
 * "... including trailing headers"): secret
 * wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524T000000Z, 65,536 + 1,024
 * bytes of 'a'. */
static const char *const EX1_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
static const char *const EX1_SIGS[3] = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};
static const char *const EX2_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
static const char *const EX2_SIGS[3] = {
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
};
static const char *const EX2_TRAILER = "x-amz-checksum-crc32c:sOO8/Q==";
static const char *const EX2_TRAILER_SIG =
    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";

static void signing(struct awsc_signing *sg, const char *seed, bool trailer) {
    memset(sg, 0, sizeof *sg);
    sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3",
                      sg->key);
    strcpy(sg->amz_date, "20130524T000000Z");
    strcpy(sg->scope, "20130524/us-east-1/s3/aws4_request");
    strcpy(sg->seed, seed);
    sg->trailer = trailer;
}

static void example_body(struct buf *b, const char *const sigs[3], const char *trailer,
                         const char *trailer_sig) {
    char *a = malloc(65536);
    memset(a, 'a', 65536);
    b->len = 0;
    buf_printf(b, "10000;chunk-signature=%s\r\n", sigs[0]);
    buf_add(b, a, 65536);
    buf_printf(b, "\r\n400;chunk-signature=%s\r\n", sigs[1]);
    buf_add(b, a, 1024);
    buf_printf(b, "\r\n0;chunk-signature=%s\r\n", sigs[2]);
    if (trailer) buf_printf(b, "%s\r\n", trailer);
    if (trailer_sig) buf_printf(b, "x-amz-trailer-signature:%s\r\n", trailer_sig);
    buf_adds(b, "\r\n");
    free(a);
}

static bool all_a(const struct buf *out) {
    if (out->len != 66560) return false;
    for (size_t i = 0; i < out->len; i++)
        if (out->p[i] != 'a') return false;
    return true;
}

/* body with the first occurrence of `from` replaced by `to`. */
static void edit(struct buf *dst, const struct buf *src, const char *from, const char *to) {
    const char *p = memmem(src->p, src->len, from, strlen(from));
    REQUIRE(p, "'%s' in the body", from);
    dst->len = 0;
    buf_add(dst, src->p, (size_t)(p - src->p));
    buf_adds(dst, to);
    size_t rest = (size_t)(p - src->p) + strlen(from);
    buf_add(dst, src->p + rest, src->len - rest);
}

static void test_signed_examples(void) {
    struct awsc d;
    struct awsc_signing sg;
    struct aws_err e;
    struct buf body, out, bad;
    buf_init(&body);
    buf_init(&out);
    buf_init(&bad);

    signing(&sg, EX1_SEED, false);
    example_body(&body, EX1_SIGS, NULL, NULL);
    static const size_t slices[] = {1, 7, 100, 8192, 65536, 70000, 1 << 20};
    for (size_t i = 0; i < ARRAY_LEN(slices); i++) {
        int rc = decode(&d, &sg, body.p, body.len, slices[i], &out, &e);
        CHECK(rc == C_OK && all_a(&out), "example 1, slices of %zu: %s", slices[i],
              rc == C_OK ? "" : e.msg);
        awsc_free(&d);
    }

    /* Tampering of every kind breaks the chain. */
    static const struct { const char *from, *to, *what; } tamper[] = {
        {"a\r\n400;", "b\r\n400;", "a data byte"},
        {"0055627c9e194cb4542bae2aa5492e3c", "0000000000000000000000000000000c", "a chunk signature"},
        {"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
         "400", "a missing chunk signature"},
        {"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
         "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
         "the final chunk's signature"},
    };
    for (size_t i = 0; i < ARRAY_LEN(tamper); i++) {
        edit(&bad, &body, tamper[i].from, tamper[i].to);
        int rc = decode(&d, &sg, bad.p, bad.len, 4096, &out, &e);
        CHECK(rc == C_ERR && e.http == 403 && strcmp(e.code, "SignatureDoesNotMatch") == 0,
              "%s: %d %s", tamper[i].what, rc, rc ? e.code : "accepted");
        awsc_free(&d);
    }
    /* Cut short at a chunk boundary with a real signature in the wrong place. */
    bad.len = 0;
    buf_printf(&bad, "10000;chunk-signature=%s\r\n", EX1_SIGS[0]);
    for (int i = 0; i < 65536; i++) buf_addc(&bad, 'a');
    buf_printf(&bad, "\r\n0;chunk-signature=%s\r\n\r\n", EX1_SIGS[1]);
    CHECK(decode(&d, &sg, bad.p, bad.len, 1000, &out, &e) == C_ERR &&
          strcmp(e.code, "SignatureDoesNotMatch") == 0, "a dropped chunk");
    awsc_free(&d);
    /* A trailer on a stream signed without trailers was added in transit. */
    bad.len = 0;
    buf_add(&bad, body.p, body.len - 2);
    buf_adds(&bad, "x-amz-checksum-crc32:NSRBwg==\r\n\r\n");
    CHECK(decode(&d, &sg, bad.p, bad.len, 1000, &out, &e) == C_ERR &&
          strcmp(e.code, "SignatureDoesNotMatch") == 0, "unsigned trailer");
    awsc_free(&d);
    /* Truncated: no final chunk. */
    CHECK(decode(&d, &sg, body.p, 65536 + 100, 1000, &out, &e) == C_ERR &&
          strcmp(e.code, "IncompleteBody") == 0 && e.http == 400, "truncated: %s", e.code);
    awsc_free(&d);

    /* Example 2: with a signed trailer. */
    signing(&sg, EX2_SEED, true);
    example_body(&body, EX2_SIGS, EX2_TRAILER, EX2_TRAILER_SIG);
    for (size_t i = 0; i < ARRAY_LEN(slices); i++) {
        int rc = decode(&d, &sg, body.p, body.len, slices[i], &out, &e);
        CHECK(rc == C_OK && all_a(&out), "example 2, slices of %zu: %s", slices[i],
              rc == C_OK ? "" : e.msg);
        const char *t = awsc_trailer(&d, "X-Amz-Checksum-Crc32c");
        CHECK(t && strcmp(t, "sOO8/Q==") == 0, "trailer value");
        awsc_free(&d);
    }
    /* ...and the trailer's CRC32C is the payload's. */
    struct s3_hasher h;
    char ck[64];
    s3_hasher_init(&h, S3_CK_CRC32C);
    s3_hasher_update(&h, out.p, out.len);
    s3_hasher_final(&h, ck);
    CHECK(strcmp(ck, "sOO8/Q==") == 0, "crc32c of the example: %s", ck);
    static const struct { const char *from, *to, *what; } ttamper[] = {
        {"sOO8/Q==", "AAAAAA==", "the checksum"},
        {"sOO8/Q==\r\n", "sOO8/Q==\r\nx-amz-meta-extra:1\r\n", "a trailer added"},
        {"x-amz-checksum-crc32c:sOO8/Q==\r\n", "", "the trailer dropped"},
        {"d81f82fc3505edab", "106e2a8a18243abc", "the trailer signature"},
        {"x-amz-trailer-signature:", "x-amz-other:", "the trailer signature missing"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ttamper); i++) {
        edit(&bad, &body, ttamper[i].from, ttamper[i].to);
        int rc = decode(&d, &sg, bad.p, bad.len, 4096, &out, &e);
        CHECK(rc == C_ERR && strcmp(e.code, "SignatureDoesNotMatch") == 0, "%s: %s",
              ttamper[i].what, rc ? e.code : "accepted");
        awsc_free(&d);
    }
    buf_free(&body);
    buf_free(&out);
    buf_free(&bad);
}

static void test_unsigned(void) {
    struct awsc d;
    struct aws_err e;
    struct buf out;
    buf_init(&out);
    /* As the JS SDK frames a stream (STREAMING-UNSIGNED-PAYLOAD-TRAILER). */
    const char *body = "6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    for (size_t slice = 1; slice <= strlen(body); slice++) {
        int rc = decode(&d, NULL, body, strlen(body), slice, &out, &e);
        CHECK(rc == C_OK && out.len == 11 && memcmp(out.p, "hello world", 11) == 0,
              "slices of %zu: %s", slice, rc ? e.msg : "");
        const char *t = awsc_trailer(&d, "x-amz-checksum-crc32");
        CHECK(t && strcmp(t, "DUoRhQ==") == 0, "trailer");
        CHECK(d.decoded == 11);
        awsc_free(&d);
    }
    struct s3_hasher h;
    char ck[64];
    s3_hasher_init(&h, S3_CK_CRC32);
    s3_hasher_update(&h, "hello world", 11);
    s3_hasher_final(&h, ck);
    CHECK(strcmp(ck, "DUoRhQ==") == 0, "crc32('hello world') = %s", ck);

    /* Chunk extensions are ignored without signing; uppercase hex sizes;
     * no closing empty line. */
    const char *b2 = "A;foo=bar\r\n0123456789\r\n0\r\n";
    CHECK(decode(&d, NULL, b2, strlen(b2), 3, &out, &e) == C_OK && out.len == 10, "lenient end");
    awsc_free(&d);
    const char *b3 = "0\r\n\r\n";
    CHECK(decode(&d, NULL, b3, strlen(b3), 1, &out, &e) == C_OK && out.len == 0, "empty");
    awsc_free(&d);

    static const struct { const char *body, *code, *what; } bad[] = {
        {"", "IncompleteBody", "nothing"},
        {"5\r\nhel", "IncompleteBody", "cut in the data"},
        {"5\r\nhello", "IncompleteBody", "no CRLF after the data"},
        {"3\r\nhello\r\n0\r\n\r\n", "InvalidRequest", "data longer than the size"},
        {"zz\r\nhello\r\n", "InvalidRequest", "not hex"},
        {"11111111111111111\r\n", "InvalidRequest", "size overflow"},
        {"0\r\n\r\nmore", "InvalidRequest", "data after the end"},
        {"0\r\nno-colon\r\n\r\n", "InvalidRequest", "trailer without a colon"},
        {"5 \r\nhello\r\n0\r\n\r\n", "InvalidRequest", "junk after the size"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int rc = decode(&d, NULL, bad[i].body, strlen(bad[i].body), 2, &out, &e);
        CHECK(rc == C_ERR && strcmp(e.code, bad[i].code) == 0 && e.http == 400 && e.msg[0],
              "%s: %s", bad[i].what, rc ? e.code : "accepted");
        awsc_free(&d);
    }
    /* A header line longer than the limit. */
    struct buf big;
    buf_init(&big);
    buf_adds(&big, "1");
    for (int i = 0; i < AWSC_LINE_MAX + 10; i++) buf_addc(&big, ';');
    CHECK(decode(&d, NULL, big.p, big.len, 100, &out, &e) == C_ERR, "long line");
    awsc_free(&d);
    /* Too many trailers. */
    big.len = 0;
    buf_adds(&big, "0\r\n");
    for (int i = 0; i < AWSC_TRAILER_MAX + 1; i++) buf_printf(&big, "x-t%d:v\r\n", i);
    buf_adds(&big, "\r\n");
    CHECK(decode(&d, NULL, big.p, big.len, 100, &out, &e) == C_ERR, "trailer count");
    awsc_free(&d);
    buf_free(&big);
    buf_free(&out);
}

/* The emit callback's failure (disk full) stops decoding with its error. */
static int refuse(void *ctx, const char *p, size_t n, struct aws_err *e) {
    return aws_errf(e, 500, "InternalError", "disk full");
}

static void test_emit_failure(void) {
    struct awsc d;
    struct aws_err e;
    awsc_init(&d, NULL);
    const char *b = "5\r\nhello\r\n0\r\n\r\n";
    CHECK(awsc_feed(&d, b, strlen(b), refuse, NULL, &e) == C_ERR && strcmp(e.code, "InternalError") == 0);
    CHECK(awsc_feed(&d, b, strlen(b), refuse, NULL, &e) == C_ERR, "stays failed");
    CHECK(awsc_finish(&d, &e) == C_ERR);
    awsc_free(&d);
}

int main(void) {
    test_checksums();
    test_signed_examples();
    test_unsigned();
    test_emit_failure();
    printf("test_s3_chunked: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}

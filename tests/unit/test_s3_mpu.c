/* The arithmetic and parsing of S3 multipart uploads (src/s3/s3_multipart.c):
 * the multipart ETag (MD5 of the parts' binary MD5s, "-N"), COMPOSITE
 * checksums against values recorded from AWS (the checksum of one part's
 * checksum of "123456789", as S3 implementations' suites recorded them),
 * FULL_OBJECT CRCs combined from parts against the CRC of the whole, and
 * the CompleteMultipartUpload body. */
#include "s3/s3.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

static void md5(const void *p, size_t n, unsigned char out[16]) {
    unsigned int len;
    EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

static void test_etag(void) {
    /* Three parts: MD5 over the 48 bytes of their MD5s. */
    const char *parts[] = {"first part", "second", "3"};
    unsigned char md5s[3][16], cat[48], want[16];
    for (int i = 0; i < 3; i++) {
        md5(parts[i], strlen(parts[i]), md5s[i]);
        memcpy(cat + 16 * i, md5s[i], 16);
    }
    md5(cat, sizeof cat, want);
    char hex[33], got[48];
    s3_hex(want, 16, hex);
    s3_mpu_etag((const unsigned char (*)[16])md5s, 3, got);
    char expect[48];
    snprintf(expect, sizeof expect, "%s-3", hex);
    CHECK(strcmp(got, expect) == 0, "%s vs %s", got, expect);
    /* One part: still the MD5 of its MD5, "-1" (not the part's own ETag). */
    s3_mpu_etag((const unsigned char (*)[16])md5s, 1, got);
    md5(md5s[0], 16, want);
    s3_hex(want, 16, hex);
    snprintf(expect, sizeof expect, "%s-1", hex);
    CHECK(strcmp(got, expect) == 0);
    /* 10,000 parts fit: "-10000". */
    static unsigned char many[10000][16];
    s3_mpu_etag((const unsigned char (*)[16])many, 10000, got);
    CHECK(strlen(got) == 38 && strcmp(got + 32, "-10000") == 0, "%s", got);
}

static void test_composite(void) {
    /* Checksums of "123456789" and of that checksum (one part), from AWS. */
    static const struct { enum s3_cksum k; const char *part, *composite; } V[] = {
        {S3_CK_CRC32, "y/Q5Jg==", "7kxlUA==-1"},
        {S3_CK_CRC32C, "4waSgw==", "pzJFoA==-1"},
        {S3_CK_SHA1, "98O8HYCOBHMq32eZZczDTKeuNEE=", "zGcEPHvP9e6lVmvZsfPHT9mlz10=-1"},
        {S3_CK_SHA256, "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
         "KSsNAHVmgy25S/rmic1w0at3KBH9RLn0nYVQ7p6mpJQ=-1"},
    };
    for (size_t i = 0; i < ARRAY_LEN(V); i++) {
        /* The part value is what the hasher gives for "123456789". */
        struct s3_hasher h;
        char part[64], out[80];
        s3_hasher_init(&h, V[i].k);
        s3_hasher_update(&h, "123456789", 9);
        s3_hasher_final(&h, part);
        CHECK(strcmp(part, V[i].part) == 0, "%s: %s", s3_cksum_name(V[i].k), part);
        const char *list[] = {V[i].part};
        int64_t sizes[] = {9};
        REQUIRE(s3_mpu_checksum(V[i].k, false, list, sizes, 1, out) == C_OK);
        CHECK(strcmp(out, V[i].composite) == 0, "%s: %s", s3_cksum_name(V[i].k), out);
    }
    /* Two parts: the algorithm over both binary checksums, "-2". */
    const char *two[] = {"y/Q5Jg==", "y/Q5Jg=="};
    int64_t sizes[] = {9, 9};
    unsigned char raw[8] = {0xcb, 0xf4, 0x39, 0x26, 0xcb, 0xf4, 0x39, 0x26};
    struct s3_hasher h;
    char want[64], out[80];
    s3_hasher_init(&h, S3_CK_CRC32);
    s3_hasher_update(&h, raw, 8);
    s3_hasher_final(&h, want);
    strcat(want, "-2");
    REQUIRE(s3_mpu_checksum(S3_CK_CRC32, false, two, sizes, 2, out) == C_OK);
    CHECK(strcmp(out, want) == 0, "%s vs %s", out, want);
    /* Values that are not base64 of the algorithm's size are refused. */
    const char *bad[] = {"y/Q5Jg==", "AAAA"};
    CHECK(s3_mpu_checksum(S3_CK_CRC32, false, bad, sizes, 2, out) == C_ERR);
    CHECK(s3_mpu_checksum(S3_CK_SHA1, true, two, sizes, 2, out) == C_ERR, "no full-object SHA");
}

/* The whole object's CRC against the one combined from its parts, for
 * random bodies split at random places. */
static void test_full_object(void) {
    static unsigned char body[200000];
    RAND_bytes(body, sizeof body);
    const enum s3_cksum K[] = {S3_CK_CRC32, S3_CK_CRC32C, S3_CK_CRC64NVME};
    for (size_t k = 0; k < ARRAY_LEN(K); k++) {
        for (int round = 0; round < 20; round++) {
            size_t cuts[5], n = 1 + (size_t)round % 5, off = 0;
            char vals[5][64], whole[64], out[80];
            const char *list[5];
            int64_t sizes[5];
            for (size_t i = 0; i < n; i++) {
                unsigned r;
                RAND_bytes((unsigned char *)&r, sizeof r);
                cuts[i] = i + 1 == n ? sizeof body - off : r % ((sizeof body - off) / 2 + 1);
                struct s3_hasher h;
                s3_hasher_init(&h, K[k]);
                s3_hasher_update(&h, body + off, cuts[i]);
                s3_hasher_final(&h, vals[i]);
                list[i] = vals[i];
                sizes[i] = (int64_t)cuts[i];
                off += cuts[i];
            }
            struct s3_hasher h;
            s3_hasher_init(&h, K[k]);
            s3_hasher_update(&h, body, sizeof body);
            s3_hasher_final(&h, whole);
            REQUIRE(s3_mpu_checksum(K[k], true, list, sizes, n, out) == C_OK);
            CHECK(strcmp(out, whole) == 0, "%s, %zu parts: %s vs %s", s3_cksum_name(K[k]), n,
                  out, whole);
        }
    }
    /* CRC-64/NVME of "123456789" (AWS's value) from "1234" and "56789". */
    struct s3_hasher h;
    char a[64], b[64], out[80];
    s3_hasher_init(&h, S3_CK_CRC64NVME);
    s3_hasher_update(&h, "1234", 4);
    s3_hasher_final(&h, a);
    s3_hasher_init(&h, S3_CK_CRC64NVME);
    s3_hasher_update(&h, "56789", 5);
    s3_hasher_final(&h, b);
    const char *list[] = {a, b};
    int64_t sizes[] = {4, 5};
    REQUIRE(s3_mpu_checksum(S3_CK_CRC64NVME, true, list, sizes, 2, out) == C_OK);
    CHECK(strcmp(out, "rosUhgp5mIg=") == 0, "%s", out);
    /* An empty part changes nothing. */
    CHECK(s3_crc_combine(S3_CK_CRC32, 0xcbf43926u, 0, 0) == 0xcbf43926u);
}

static void test_parse(struct arena *a) {
    struct s3_mpu_done *d;
    size_t n;
    struct aws_err e;
    const char *ok =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><PartNumber>1</PartNumber>"
        "<ChecksumCRC32>y/Q5Jg==</ChecksumCRC32></Part>"
        "<Part><PartNumber> 3 </PartNumber><ETag>abc</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ChecksumSHA1>x</ChecksumSHA1>"
        "<ChecksumCRC32C>y</ChecksumCRC32C></Part>"
        "</CompleteMultipartUpload>";
    REQUIRE(s3_mpu_parse_complete(a, ok, strlen(ok), &d, &n, &e) == C_OK, "%s", e.msg);
    REQUIRE(n == 3);
    CHECK(d[0].number == 1 && strcmp(d[0].etag, "\"0cc175b9c0f1b6a831c399e269772661\"") == 0);
    CHECK(d[0].nck == 1 && strcmp(d[0].ck[S3_CK_CRC32], "y/Q5Jg==") == 0);
    CHECK(d[1].number == 3 && strcmp(d[1].etag, "abc") == 0 && d[1].nck == 0,
          "the order is kept as sent; spaces around numbers are fine");
    CHECK(d[2].etag == NULL && d[2].nck == 2 && d[2].ck[S3_CK_SHA1] && d[2].ck[S3_CK_CRC32C]);

    static const char *const bad[] = {
        "",
        "<CompleteMultipartUpload></CompleteMultipartUpload>",   /* no parts */
        "<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>"
        "</CompleteMultipartUpload>",
        "<CompleteMultipartUpload><Part><PartNumber>1x</PartNumber></Part>"
        "</CompleteMultipartUpload>",
        "<Complete><Part><PartNumber>1</PartNumber></Part></Complete>",
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memset(&e, 0, sizeof e);
        CHECK(s3_mpu_parse_complete(a, bad[i], strlen(bad[i]), &d, &n, &e) == C_ERR &&
                  strcmp(e.code, "MalformedXML") == 0 && e.http == 400,
              "case %zu", i);
    }
}

int main(void) {
    struct arena a;
    arena_init(&a, 4096);
    test_etag();
    test_composite();
    test_full_object();
    test_parse(&a);
    arena_free(&a);
    printf("test_s3_mpu: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}

/* libFuzzer target for S3 request XML (src/s3/s3_xml.c): any bytes either
 * parse into a tree whose every element has a name and NUL-terminated text,
 * or fail with MalformedXML; the CompleteMultipartUpload body reader
 * (s3_mpu_parse_complete) either lists parts with numbers and at most one
 * checksum per algorithm, or fails with S3's MalformedXML / InvalidPart. */
#include "s3/s3.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct s3x *x, int depth) {
    size_t n = 0;
    for (; x; x = x->next) {
        if (!x->name || !x->text || strlen(x->text) > x->len || depth > 64) abort();
        n += 1 + walk(x->child, depth + 1);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 20) return 0;
    struct arena a;
    arena_init(&a, 4096);
    struct s3x *root;
    struct aws_err e;
    if (s3_xml_parse(&a, (const char *)data, size, &root, &e) == C_OK)
        walk(root, 0);
    else if (strcmp(e.code, "MalformedXML") != 0)
        abort();
    struct s3_mpu_done *d;
    size_t n;
    if (s3_mpu_parse_complete(&a, (const char *)data, size, &d, &n, &e) == C_OK) {
        for (size_t i = 0; i < n; i++)
            if (d[i].nck < 0 || d[i].nck > S3_CK__COUNT) abort();
    } else if (strcmp(e.code, "MalformedXML") != 0 && strcmp(e.code, "InvalidPart") != 0) {
        abort();
    }
    arena_free(&a);
    return 0;
}

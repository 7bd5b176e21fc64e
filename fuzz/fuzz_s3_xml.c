/* libFuzzer target for S3 request XML (src/s3/s3_xml.c): any bytes either
 * parse into a tree whose every element has a name and NUL-terminated text,
 * or fail with MalformedXML. */
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
    arena_free(&a);
    return 0;
}

/* UTF-8 decoding (src/core/text.h text_utf8_next, text_utf8_valid), the one
 * rule both body escapers use: valid 1- to 4-byte sequences; the invalid
 * ones (overlongs, surrogates, > U+10FFFF, truncated, stray bytes) with the
 * length of their maximal subpart, which is what each U+FFFD replaces;
 * every scalar value round-trips; and on random bytes xml_escape and
 * json_escape always produce valid UTF-8. */
#include "core/text.h"
#include "core/common.h"
#include "aws/xml.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

struct dcase {
    const char *name;
    const char *in;
    size_t n;       /* 0: strlen(in) */
    int32_t cp;     /* -1: invalid */
    size_t len;     /* bytes consumed (the maximal subpart when invalid) */
};

static const struct dcase decodes[] = {
    {"ASCII", "A", 0, 'A', 1},
    {"NUL", "\0", 1, 0, 1},
    {"2-byte U+00A9", "\xC2\xA9", 0, 0xA9, 2},
    {"2-byte U+07FF", "\xDF\xBF", 0, 0x7FF, 2},
    {"3-byte U+20AC", "\xE2\x82\xAC", 0, 0x20AC, 3},
    {"3-byte U+0800 (lowest)", "\xE0\xA0\x80", 0, 0x800, 3},
    {"3-byte U+D7FF (below surrogates)", "\xED\x9F\xBF", 0, 0xD7FF, 3},
    {"3-byte U+E000 (above surrogates)", "\xEE\x80\x80", 0, 0xE000, 3},
    {"3-byte U+FFFF", "\xEF\xBF\xBF", 0, 0xFFFF, 3},
    {"4-byte U+1F600", "\xF0\x9F\x98\x80", 0, 0x1F600, 4},
    {"4-byte U+10000 (lowest)", "\xF0\x90\x80\x80", 0, 0x10000, 4},
    {"4-byte U+10FFFF (highest)", "\xF4\x8F\xBF\xBF", 0, 0x10FFFF, 4},
    {"only the first sequence", "\xC3\xA9\xC3\xA9", 0, 0xE9, 2},
    {"FF", "\xFF\xFE", 0, -1, 1},
    {"FE", "\xFE", 0, -1, 1},
    {"lone continuation 80", "\x80", 0, -1, 1},
    {"overlong C0 AF ('/')", "\xC0\xAF", 0, -1, 1},
    {"overlong C1 BF", "\xC1\xBF", 0, -1, 1},
    {"overlong E0 80 AF", "\xE0\x80\xAF", 0, -1, 1},
    {"overlong E0 9F BF", "\xE0\x9F\xBF", 0, -1, 1},
    {"overlong F0 80 80 AF", "\xF0\x80\x80\xAF", 0, -1, 1},
    {"overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF", 0, -1, 1},
    {"surrogate ED A0 80", "\xED\xA0\x80", 0, -1, 1},
    {"surrogate ED BF BF", "\xED\xBF\xBF", 0, -1, 1},
    {"above U+10FFFF: F4 90 80 80", "\xF4\x90\x80\x80", 0, -1, 1},
    {"F5 lead", "\xF5\x80\x80\x80", 0, -1, 1},
    {"truncated E2 82 (end of input)", "\xE2\x82", 0, -1, 2},
    {"truncated E2 82 before ASCII", "\xE2\x82" "A", 0, -1, 2},
    {"truncated E2 before ASCII", "\xE2" "A", 0, -1, 1},
    {"truncated F0 9F 98 (end)", "\xF0\x9F\x98", 0, -1, 3},
    {"truncated F0 9F 98 before a lead byte", "\xF0\x9F\x98\xF0", 0, -1, 3},
    {"n bounds the sequence", "\xE2\x82\xAC", 2, -1, 2},
    {"C3 then a non-continuation", "\xC3\xC3\xA9", 0, -1, 1},
};

static void test_decode(void) {
    for (size_t i = 0; i < ARRAY_LEN(decodes); i++) {
        const struct dcase *c = &decodes[i];
        size_t n = c->n ? c->n : strlen(c->in), len = 99;
        int32_t cp = text_utf8_next(c->in, n, &len);
        CHECK(cp == c->cp && len == c->len, "'%s': got %d len %zu, want %d len %zu", c->name,
              (int)cp, len, (int)c->cp, c->len);
        if (c->len == n)   /* one sequence: valid exactly when it decodes */
            CHECK(text_utf8_valid(c->in, n) == (c->cp >= 0), "'%s': text_utf8_valid", c->name);
    }
}

static const struct {
    const char *in;
    bool valid;
} valids[] = {
    {"", true},
    {"plain ASCII", true},
    {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", true},
    {"ends in E2 82 \xE2\x82", false},
    {"\xFF\xFE", false},
    {"key/\xC0\xAF", false},
    {"\xED\xA0\x80", false},
    {"\xF4\x90\x80\x80", false},
};

static void test_valid(void) {
    for (size_t i = 0; i < ARRAY_LEN(valids); i++)
        CHECK(text_utf8_valid(valids[i].in, strlen(valids[i].in)) == valids[i].valid,
              "text_utf8_valid case %zu", i);
}

/* Every scalar value encodes (by the book) and decodes back; every
 * surrogate's encoding is refused. */
static size_t encode(uint32_t c, char out[4]) {
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) { o[0] = (unsigned char)c; return 1; }
    if (c < 0x800) { o[0] = (unsigned char)(0xC0 | c >> 6); o[1] = (unsigned char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static void test_roundtrip(void) {
    size_t bad = 0;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        char e[4];
        size_t n = encode(c, e), len;
        int32_t got = text_utf8_next(e, n, &len);
        bool surrogate = c >= 0xD800 && c <= 0xDFFF;
        if (surrogate ? got != -1 : (got != (int32_t)c || len != n)) {
            if (bad++ < 5) CHECK(false, "U+%04X: got %d len %zu", c, (int)got, len);
        }
    }
    CHECK(bad == 0, "%zu code points wrong", bad);
}

/* Random bytes, biased to the interesting ones, through both escapers: the
 * output is always valid UTF-8 (and, for JSON, parses). */
static void test_escapers_random(void) {
    static const unsigned char pool[] = {'a', '<', '&', '"', '\\', 0x00, 0x1F, 0x7F, 0x80, 0xBF,
                                         0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4,
                                         0xF5, 0xFF, 0x9F, 0xA0, 0x8F, 0x90};
    srand(12345);
    struct buf x, j;
    buf_init(&x);
    buf_init(&j);
    struct arena a;
    arena_init(&a, 0);
    for (int round = 0; round < 20000; round++) {
        char in[12];
        size_t n = (size_t)(rand() % (int)sizeof in);
        for (size_t i = 0; i < n; i++) in[i] = (char)pool[rand() % (int)sizeof pool];
        x.len = j.len = 0;
        xml_escape(&x, in, n);
        json_escape(&j, in, n);
        CHECK(text_utf8_valid(x.p ? x.p : "", x.len), "xml_escape round %d", round);
        CHECK(text_utf8_valid(j.p ? j.p : "", j.len), "json_escape round %d", round);
        buf_reserve(&j, JSON_PADDING);
        memset(j.p + j.len, 0, JSON_PADDING);
        struct jval *v;
        char err[128];
        CHECK(json_parse(&a, j.p, j.len, &v, err, sizeof err) == C_OK, "json round %d: %s", round, err);
    }
    arena_free(&a);
    buf_free(&x);
    buf_free(&j);
}

int main(void) {
    test_decode();
    test_valid();
    test_roundtrip();
    test_escapers_random();
    printf("test_text: %zu decode cases; %d checks, %d failed\n", ARRAY_LEN(decodes), checks,
           failures);
    return failures ? 1 : 0;
}

/* JSON codec (src/json/json.h): json_parse on valid and invalid documents,
 * the jw_* writer, parse -> jw_value -> parse round trips, the lookups, and
 * the arena and buf it is built on.  Every parse copies the case into a
 * malloc'd buffer with exactly JSON_PADDING bytes after it (so ASan sees any
 * read beyond) and is repeated with several padding contents, which the
 * header says do not matter. */
#include "json/json.h"
#include "core/common.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

/* Padding contents tried for every parse: NUL, blank, a digit (a root
 * number must not run on into it), a quote, a closing bracket, invalid
 * UTF-8. */
static const unsigned char fills[] = {0x00, ' ', '9', '"', ']', 0xff};

static int parse_fill(struct arena *a, const char *text, size_t n, unsigned char fill,
                      struct jval **out, char *err, size_t errlen) {
    char *p = malloc(n + JSON_PADDING);
    if (!p) abort();
    if (n) memcpy(p, text, n);
    memset(p + n, fill, JSON_PADDING);
    err[0] = 0;
    *out = NULL;
    int rc = json_parse(a, p, n, out, err, errlen);
    /* The tree must not point into the input: free it before it is read. */
    free(p);
    return rc;
}

/* Printable form of a case for failure messages (first 60 bytes). */
static const char *show(const char *s, size_t n) {
    static char out[8][256];
    static int next;
    char *o = out[next++ % 8];
    size_t j = 0;
    for (size_t i = 0; i < n && i < 60 && j < 240; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) o[j++] = (char)c;
        else j += (size_t)snprintf(o + j, 256 - j, "\\x%02x", c);
    }
    if (n > 60) { memcpy(o + j, "...", 3); j += 3; }
    o[j] = 0;
    return o;
}

/* Tree equality.  Numbers compare by value across J_INT / J_DBL: jw_dbl
 * writes integral doubles without a fraction (by design), so 1.0 comes back
 * as the integer 1 and -0.0 as 0. */
static bool jeq(const struct jval *x, const struct jval *y) {
    if ((x->t == J_INT || x->t == J_DBL) && (y->t == J_INT || y->t == J_DBL)) {
        if (x->t == J_INT && y->t == J_INT) return x->u.i == y->u.i;
        double a = x->t == J_INT ? (double)x->u.i : x->u.d;
        double b = y->t == J_INT ? (double)y->u.i : y->u.d;
        return a == b;
    }
    if (x->t != y->t) return false;
    switch (x->t) {
    case J_NULL: return true;
    case J_BOOL: return x->u.b == y->u.b;
    case J_INT:
    case J_DBL: return false;   /* handled above */
    case J_STR:
        return x->u.s.len == y->u.s.len && memcmp(x->u.s.s, y->u.s.s, x->u.s.len) == 0;
    case J_ARR:
        if (x->u.a.n != y->u.a.n) return false;
        for (size_t i = 0; i < x->u.a.n; i++)
            if (!jeq(&x->u.a.v[i], &y->u.a.v[i])) return false;
        return true;
    case J_OBJ:
        if (x->u.o.n != y->u.o.n) return false;
        for (size_t i = 0; i < x->u.o.n; i++) {
            const struct jmember *a = &x->u.o.m[i], *b = &y->u.o.m[i];
            if (a->klen != b->klen || memcmp(a->k, b->k, a->klen) != 0) return false;
            if (!jeq(&a->v, &b->v)) return false;
        }
        return true;
    }
    return false;
}

/* Every string in the tree is NUL-terminated after .len (header promise). */
static bool nul_terminated(const struct jval *v) {
    switch (v->t) {
    case J_STR: return v->u.s.s[v->u.s.len] == 0;
    case J_ARR:
        for (size_t i = 0; i < v->u.a.n; i++)
            if (!nul_terminated(&v->u.a.v[i])) return false;
        return true;
    case J_OBJ:
        for (size_t i = 0; i < v->u.o.n; i++)
            if (v->u.o.m[i].k[v->u.o.m[i].klen] != 0 || !nul_terminated(&v->u.o.m[i].v))
                return false;
        return true;
    default: return true;
    }
}

static char *serialise(const struct jval *v, size_t *len) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_value(&w, v);
    return buf_steal(&b, len);
}

/* ------------------------------------------------------------ valid input */

struct vcase {
    const char *in;
    size_t len;         /* 0: strlen(in) */
    const char *canon;  /* expected jw_value output (compact) */
    size_t canon_len;   /* 0: strlen(canon) */
};

#define S(lit) lit, sizeof(lit) - 1   /* literal that contains NUL bytes */

static const struct vcase valid[] = {
    {"null", 0, "null", 0},
    {"true", 0, "true", 0},
    {"false", 0, "false", 0},
    {"0", 0, "0", 0},
    {"-1", 0, "-1", 0},
    {"123", 0, "123", 0},
    {"9223372036854775807", 0, "9223372036854775807", 0},
    {"-9223372036854775808", 0, "-9223372036854775808", 0},
    {"9223372036854775808", 0, "9.2233720368547758e+18", 0},
    {"18446744073709551615", 0, "1.8446744073709552e+19", 0},
    {"1.5", 0, "1.5", 0},
    {"-2.25e2", 0, "-225", 0},
    {"1E3", 0, "1000", 0},
    {"1e-2", 0, "0.01", 0},
    {"0.5", 0, "0.5", 0},
    {"1.0", 0, "1", 0},
    {"1.7976931348623157e308", 0, "1.7976931348623157e+308", 0},
    {"\"\"", 0, "\"\"", 0},
    {"\"plain\"", 0, "\"plain\"", 0},
    {"\"\\u00e9\"", 0, "\"\xc3\xa9\"", 0},
    {"\"\\u00E9t\\u00e9\"", 0, "\"\xc3\xa9t\xc3\xa9\"", 0},
    {"\"\\ud83d\\ude00\"", 0, "\"\xf0\x9f\x98\x80\"", 0},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 0, "\"\\\"\\\\/\\b\\f\\n\\r\\t\"", 0},
    {"\"a\\u0000b\"", 0, "\"a\\u0000b\"", 0},
    {"\"\\u0001\\u001f\\u007f\"", 0, "\"\\u0001\\u001f\x7f\"", 0},
    {"{}", 0, "{}", 0},
    {"[]", 0, "[]", 0},
    {" \t\r\n[ ]\n", 0, "[]", 0},
    {"[null,true,false,0,-0.5,\"s\",[],{}]", 0, "[null,true,false,0,-0.5,\"s\",[],{}]", 0},
    {" { \"a\" : [ 1 , { \"b\" : null } ] , \"c\" : { } , \"d\" : [ ] } ", 0,
     "{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":[]}", 0},
    {"{\"z\":1,\"a\":2,\"m\":3}", 0, "{\"z\":1,\"a\":2,\"m\":3}", 0},
    {"{\"a\":1,\"a\":2}", 0, "{\"a\":1,\"a\":2}", 0},
    {"[[[[[[1]]]],[2,[3]]]]", 0, "[[[[[[1]]]],[2,[3]]]]", 0},
    {"{\"k\\n\\u00e9\":\"v\\\"\"}", 0, "{\"k\\n\xc3\xa9\":\"v\\\"\"}", 0},
    {"{\"\":\"\"}", 0, "{\"\":\"\"}", 0},
    /* A key with a NUL: the tree keeps klen, so jw_value must too. */
    {"{\"a\\u0000b\":1}", 0, "{\"a\\u0000b\":1}", 0},
};

static void test_valid(void) {
    for (size_t i = 0; i < ARRAY_LEN(valid); i++) {
        const struct vcase *c = &valid[i];
        size_t n = c->len ? c->len : strlen(c->in);
        size_t cl = c->canon_len ? c->canon_len : strlen(c->canon);
        struct jval *first = NULL;
        struct arena a;
        arena_init(&a, 0);
        for (size_t f = 0; f < sizeof fills; f++) {
            struct jval *v;
            char err[128];
            int rc = parse_fill(&a, c->in, n, fills[f], &v, err, sizeof err);
            CHECK(rc == C_OK, "valid[%zu] '%s' (padding 0x%02x): %s", i, show(c->in, n),
                  fills[f], err);
            if (rc != C_OK) continue;
            if (!first) { first = v; continue; }
            CHECK(jeq(first, v), "valid[%zu] '%s': tree differs with padding 0x%02x", i,
                  show(c->in, n), fills[f]);
        }
        if (!first) { arena_free(&a); continue; }
        CHECK(nul_terminated(first), "valid[%zu] '%s': string not NUL-terminated", i,
              show(c->in, n));
        size_t ol;
        char *out = serialise(first, &ol);
        CHECK(ol == cl && memcmp(out, c->canon, cl) == 0, "valid[%zu] '%s': wrote '%s' want '%s'",
              i, show(c->in, n), show(out, ol), show(c->canon, cl));
        /* Round trip: what the writer produced parses to the same tree. */
        struct jval *again;
        char err[128];
        int rc = parse_fill(&a, out, ol, 0, &again, err, sizeof err);
        CHECK(rc == C_OK, "valid[%zu] '%s': re-parse of '%s': %s", i, show(c->in, n),
              show(out, ol), err);
        if (rc == C_OK)
            CHECK(jeq(first, again), "valid[%zu] '%s': round trip through '%s' changed the tree", i,
                  show(c->in, n), show(out, ol));
        free(out);
        arena_free(&a);
    }
}

/* Types and values of scalars, exactly. */
struct scase {
    const char *in;
    enum jtype t;
    int64_t i;
    double d;
};

static const struct scase scalars[] = {
    {"0", J_INT, 0, 0},
    {"42", J_INT, 42, 0},
    {"-42", J_INT, -42, 0},
    {"9223372036854775807", J_INT, INT64_MAX, 0},
    {"-9223372036854775808", J_INT, INT64_MIN, 0},
    /* Past int64: a double (header: "also ints beyond int64"). */
    {"9223372036854775808", J_DBL, 0, 9223372036854775808.0},
    {"18446744073709551615", J_DBL, 0, 18446744073709551615.0},
    {"1.0", J_DBL, 0, 1.0},
    {"1e2", J_DBL, 0, 100.0},
    {"2.5E-3", J_DBL, 0, 0.0025},
    {"-0.0", J_DBL, 0, -0.0},
    {"0.1", J_DBL, 0, 0.1},
    {"1.7976931348623157e308", J_DBL, 0, DBL_MAX},
    {"-1.7976931348623157e308", J_DBL, 0, -DBL_MAX},
    {"2.2250738585072014e-308", J_DBL, 0, DBL_MIN},
    {"4.9406564584124654e-324", J_DBL, 0, 4.9406564584124654e-324},
};

static void test_scalars(void) {
    struct arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < ARRAY_LEN(scalars); i++) {
        const struct scase *c = &scalars[i];
        struct jval *v;
        char err[128];
        if (parse_fill(&a, c->in, strlen(c->in), '7', &v, err, sizeof err) != C_OK) {
            CHECK(0, "scalar '%s': %s", c->in, err);
            continue;
        }
        CHECK(v->t == c->t, "scalar '%s': type %d want %d", c->in, v->t, c->t);
        if (v->t != c->t) continue;
        if (c->t == J_INT)
            CHECK(v->u.i == c->i, "scalar '%s': %lld want %lld", c->in, (long long)v->u.i,
                  (long long)c->i);
        else
            CHECK(v->u.d == c->d && signbit(v->u.d) == signbit(c->d),
                  "scalar '%s': %.17g want %.17g", c->in, v->u.d, c->d);
        CHECK(json_is_num(v), "scalar '%s': json_is_num false", c->in);
    }
    arena_free(&a);
}

/* Strings: exact bytes and .len (NUL bytes inside). */
struct strcase {
    const char *in;
    const char *want;
    size_t want_len;
};

static const struct strcase strings[] = {
    {"\"\\u00e9\"", S("\xc3\xa9")},
    {"\"\\u20AC\"", S("\xe2\x82\xac")},
    {"\"\\ud83d\\ude00\"", S("\xf0\x9f\x98\x80")},
    {"\"\\uD834\\uDD1E\"", S("\xf0\x9d\x84\x9e")},
    {"\"\\udbff\\udfff\"", S("\xf4\x8f\xbf\xbf")},
    {"\"a\\u0000b\"", S("a\0b")},
    {"\"\\u0000\"", S("\0")},
    {"\"\\u0000\\u0000x\\u0000\"", S("\0\0x\0")},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", S("\"\\/\b\f\n\r\t")},
    {"\"\"", S("")},
};

static void test_strings(void) {
    struct arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < ARRAY_LEN(strings); i++) {
        const struct strcase *c = &strings[i];
        struct jval *v;
        char err[128];
        if (parse_fill(&a, c->in, strlen(c->in), '"', &v, err, sizeof err) != C_OK) {
            CHECK(0, "string '%s': %s", c->in, err);
            continue;
        }
        CHECK(v->t == J_STR, "string '%s': type %d", c->in, v->t);
        if (v->t != J_STR) continue;
        CHECK(v->u.s.len == c->want_len && memcmp(v->u.s.s, c->want, c->want_len) == 0,
              "string '%s': got '%s' (len %zu) want '%s' (len %zu)", c->in,
              show(v->u.s.s, v->u.s.len), v->u.s.len, show(c->want, c->want_len), c->want_len);
        CHECK(v->u.s.s[v->u.s.len] == 0, "string '%s': not NUL-terminated", c->in);
        CHECK(json_str(v) == v->u.s.s, "string '%s': json_str", c->in);
        CHECK(!json_is_num(v), "string '%s': json_is_num true", c->in);
    }
    arena_free(&a);
}

/* Structure: document order of members, array order, nesting. */
static void test_structure(void) {
    struct arena a;
    arena_init(&a, 0);
    const char *doc = "{\"zeta\":1,\"alpha\":[true,null,\"x\",{}],\"mid\":{\"in\":[[],[-3]]},"
                      "\"a\\u0000b\":\"nul key\",\"alpha\":2}";
    struct jval *v;
    char err[128];
    if (parse_fill(&a, doc, strlen(doc), 0, &v, err, sizeof err) != C_OK) {
        CHECK(0, "structure doc: %s", err);
        arena_free(&a);
        return;
    }
    CHECK(v->t == J_OBJ && v->u.o.n == 5, "structure: type %d n %zu", v->t, v->u.o.n);
    if (v->t == J_OBJ && v->u.o.n == 5) {
        static const char *keys[] = {"zeta", "alpha", "mid", "a\0b", "alpha"};
        static const size_t klens[] = {4, 5, 3, 3, 5};
        for (size_t i = 0; i < 5; i++)
            CHECK(v->u.o.m[i].klen == klens[i] && memcmp(v->u.o.m[i].k, keys[i], klens[i]) == 0,
                  "member %zu is '%s'", i, show(v->u.o.m[i].k, v->u.o.m[i].klen));
    }
    const struct jval *alpha = json_get(v, "alpha");
    CHECK(alpha && alpha->t == J_ARR && alpha->u.a.n == 4,
          "json_get alpha: the first of the duplicates, an array of 4");
    if (alpha && alpha->t == J_ARR && alpha->u.a.n == 4) {
        CHECK(alpha->u.a.v[0].t == J_BOOL && alpha->u.a.v[0].u.b, "alpha[0]");
        CHECK(alpha->u.a.v[1].t == J_NULL, "alpha[1]");
        CHECK(json_str(&alpha->u.a.v[2]) && strcmp(json_str(&alpha->u.a.v[2]), "x") == 0,
              "alpha[2]");
        CHECK(alpha->u.a.v[3].t == J_OBJ && alpha->u.a.v[3].u.o.n == 0, "alpha[3]");
    }
    const struct jval *in = json_get(json_get(v, "mid"), "in");
    CHECK(in && in->t == J_ARR && in->u.a.n == 2 && in->u.a.v[0].t == J_ARR &&
              in->u.a.v[0].u.a.n == 0 && in->u.a.v[1].u.a.n == 1 &&
              in->u.a.v[1].u.a.v[0].t == J_INT && in->u.a.v[1].u.a.v[0].u.i == -3,
          "mid.in");
    /* json_get / json_str / json_is_num edge cases. */
    CHECK(json_get(v, "zet") == NULL, "json_get prefix of a key");
    CHECK(json_get(v, "zetaa") == NULL, "json_get longer than a key");
    CHECK(json_get(v, "") == NULL, "json_get empty key");
    CHECK(json_get(v, "a") == NULL, "json_get must not match the NUL key by its C string");
    CHECK(json_get(NULL, "zeta") == NULL, "json_get(NULL)");
    CHECK(json_get(alpha, "zeta") == NULL, "json_get on an array");
    CHECK(json_get(json_get(v, "zeta"), "x") == NULL, "json_get on a number");
    const struct jval *z = json_get(v, "zeta");
    CHECK(z && z->t == J_INT && z->u.i == 1, "zeta");
    CHECK(json_is_num(z), "json_is_num(int)");
    CHECK(json_str(z) == NULL, "json_str(int)");
    CHECK(json_str(NULL) == NULL, "json_str(NULL)");
    CHECK(!json_is_num(NULL), "json_is_num(NULL)");
    CHECK(!json_is_num(alpha), "json_is_num(array)");
    CHECK(!json_is_num(&alpha->u.a.v[1]), "json_is_num(null)");
    CHECK(!json_is_num(&alpha->u.a.v[0]), "json_is_num(bool)");
    CHECK(json_str(json_get(v, "mid")) == NULL, "json_str(object)");
    arena_free(&a);
}

/* Nesting: simdjson's limit is 1024 levels (header: "depth > 1024"). */
static char *nest(size_t depth, const char *open, const char *inner, const char *close) {
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < depth; i++) buf_adds(&b, open);
    buf_adds(&b, inner);
    for (size_t i = 0; i < depth; i++) buf_adds(&b, close);
    return buf_steal(&b, NULL);
}

static void test_depth(void) {
    static const struct {
        size_t depth;            /* repetitions of open/close */
        size_t per;              /* nesting levels per repetition */
        const char *open, *inner, *close;
        bool ok;
    } cases[] = {
        {1000, 1, "[", "", "]", true},          {1024, 1, "[", "", "]", true},
        {1025, 1, "[", "", "]", false},         {5000, 1, "[", "", "]", false},
        {1000, 1, "{\"a\":", "{}", "}", true},  {1025, 1, "{\"a\":", "{}", "}", false},
        {1023, 1, "{\"a\":", "{}", "}", true},  {1024, 1, "{\"a\":", "{}", "}", false},
        {500, 2, "[{\"k\":", "0", "}]", true}, {513, 2, "[{\"k\":", "0", "}]", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *s = nest(cases[i].depth, cases[i].open, cases[i].inner, cases[i].close);
        size_t levels = cases[i].depth * cases[i].per +
                        (cases[i].inner[0] == '{' || cases[i].inner[0] == '[');
        struct arena a;
        arena_init(&a, 0);
        struct jval *v;
        char err[128];
        int rc = parse_fill(&a, s, strlen(s), 0, &v, err, sizeof err);
        CHECK((rc == C_OK) == cases[i].ok, "depth %zu of '%s': rc %d (%s)", levels,
              cases[i].open, rc, err);
        if (rc == C_OK) {
            /* Walk down: every level is there. */
            const struct jval *p = v;
            size_t seen = 0;
            while (p && (p->t == J_ARR || p->t == J_OBJ)) {
                seen++;
                if (p->t == J_ARR) p = p->u.a.n ? &p->u.a.v[0] : NULL;
                else p = p->u.o.n ? &p->u.o.m[0].v : NULL;
            }
            CHECK(seen == levels, "depth %zu: walked %zu levels", levels, seen);
        } else {
            CHECK(err[0] != 0, "depth %zu: no error message", levels);
        }
        free(s);
        arena_free(&a);
    }
}

/* ---------------------------------------------------------- invalid input */

struct icase {
    const char *what;
    const char *in;
    size_t len;   /* 0: strlen(in) */
};

static const struct icase invalid[] = {
    {"empty", "", 0},
    {"only blanks", " \n\t", 0},
    {"trailing garbage", "[1] x", 0},
    {"trailing bracket", "[1]]", 0},
    {"two documents", "{} {}", 0},
    {"two scalars", "1 2", 0},
    {"trailing NUL byte", S("[1]\0")},
    {"NUL byte before document", S("\0[1]")},
    {"string then garbage", "\"a\"b", 0},
    {"invalid UTF-8 0xFF in string", "\"a\xff\"", 0},
    {"invalid UTF-8 0xFF outside string", "[1]\xff", 0},
    {"invalid UTF-8 0xFE", "\"\xfe\"", 0},
    {"truncated 2-byte sequence", "\"\xc3\"", 0},
    {"truncated 3-byte sequence", "\"\xe2\x82\"", 0},
    {"truncated 4-byte sequence", "\"\xf0\x9f\x98\"", 0},
    {"lone continuation byte", "\"\x80\"", 0},
    {"overlong 2-byte '/'", "\"\xc0\xaf\"", 0},
    {"overlong 2-byte NUL", "\"\xc0\x80\"", 0},
    {"overlong 3-byte", "\"\xe0\x80\xaf\"", 0},
    {"overlong 4-byte", "\"\xf0\x80\x80\xaf\"", 0},
    {"UTF-8 encoded high surrogate", "\"\xed\xa0\x80\"", 0},
    {"UTF-8 encoded low surrogate", "\"\xed\xbf\xbf\"", 0},
    {"code point above U+10FFFF", "\"\xf4\x90\x80\x80\"", 0},
    {"invalid UTF-8 in a key", "{\"\xff\":1}", 0},
    {"unterminated string", "\"abc", 0},
    {"unterminated string, escaped quote", "\"abc\\\"", 0},
    {"unterminated string in array", "[\"abc]", 0},
    {"raw newline in string", "\"a\nb\"", 0},
    {"raw tab in string", "\"a\tb\"", 0},
    {"raw NUL in string", S("\"a\0b\"")},
    {"invalid escape", "\"\\x41\"", 0},
    {"short \\u escape", "\"\\u12\"", 0},
    {"non-hex \\u escape", "\"\\u12g4\"", 0},
    {"lone high surrogate", "\"\\ud83d\"", 0},
    {"lone low surrogate", "\"\\ude00\"", 0},
    {"high surrogate then non-surrogate", "\"\\ud83d\\u0041\"", 0},
    {"trailing comma in array", "[1,]", 0},
    {"trailing comma in object", "{\"a\":1,}", 0},
    {"leading comma", "[,1]", 0},
    {"double comma", "[1,,2]", 0},
    {"missing comma", "[1 2]", 0},
    {"missing colon", "{\"a\" 1}", 0},
    {"unquoted key", "{a:1}", 0},
    {"non-string key", "{1:1}", 0},
    {"single quotes", "'a'", 0},
    {"unterminated array", "[1,2", 0},
    {"unterminated object", "{\"a\":1", 0},
    {"mismatched brackets", "[1}", 0},
    {"leading zero", "01", 0},
    {"leading zeros", "007", 0},
    {"negative leading zero", "-01", 0},
    {"leading zero in array", "[00]", 0},
    {"plus sign", "+1", 0},
    {"bare minus", "-", 0},
    {"no digits after point", "1.", 0},
    {"no digit before point", ".5", 0},
    {"empty exponent", "1e", 0},
    {"signed empty exponent", "1e+", 0},
    {"hex number", "0x10", 0},
    {"NaN", "NaN", 0},
    {"nan", "nan", 0},
    {"Infinity", "Infinity", 0},
    {"-Infinity", "-Infinity", 0},
    {"NaN in array", "[NaN]", 0},
    {"double overflow", "1e400", 0},
    {"negative double overflow", "-1e400", 0},
    {"below int64", "-9223372036854775809", 0},
    {"truncated true", "tru", 0},
    {"truncated null", "nul", 0},
    {"literal with suffix", "truex", 0},
    {"capitalised literal", "True", 0},
    {"comment", "[1] // c", 0},
};

static void test_invalid(void) {
    for (size_t i = 0; i < ARRAY_LEN(invalid); i++) {
        const struct icase *c = &invalid[i];
        size_t n = c->len ? c->len : strlen(c->in);
        for (size_t f = 0; f < sizeof fills; f++) {
            struct arena a;
            arena_init(&a, 0);
            struct jval *v;
            char err[128];
            int rc = parse_fill(&a, c->in, n, fills[f], &v, err, sizeof err);
            CHECK(rc == C_ERR, "invalid '%s' ('%s', padding 0x%02x) was accepted", c->what,
                  show(c->in, n), fills[f]);
            if (rc == C_ERR)
                CHECK(err[0] != 0, "invalid '%s': empty error message", c->what);
            arena_free(&a);
        }
    }
    /* A tiny errmsg buffer is truncated, not overrun; errlen 0 is allowed. */
    struct arena a;
    arena_init(&a, 0);
    char small[8];
    memset(small, 'X', sizeof small);
    struct jval *v;
    char *p = calloc(1, 3 + JSON_PADDING);
    memcpy(p, "[1,", 3);
    CHECK(json_parse(&a, p, 3, &v, small, 4) == C_ERR, "'[1,' accepted");
    CHECK(strlen(small) == 3 && small[4] == 'X', "errmsg not truncated to errlen: '%.8s'", small);
    CHECK(json_parse(&a, p, 3, &v, NULL, 0) == C_ERR, "'[1,' accepted without errmsg");
    free(p);
    arena_free(&a);
}

/* ---------------------------------------------------------------- writer */

typedef void (*wfn)(struct jw *w);

static void w_empty_obj(struct jw *w) { jw_obj_begin(w); jw_obj_end(w); }
static void w_empty_arr(struct jw *w) { jw_arr_begin(w); jw_arr_end(w); }
static void w_scalar(struct jw *w) { jw_int(w, 7); }
static void w_obj(struct jw *w) {
    jw_obj_begin(w);
    jw_key(w, "a"); jw_int(w, 1);
    jw_key(w, "b"); jw_str(w, "x");
    jw_key(w, "c"); jw_bool(w, true);
    jw_key(w, "d"); jw_bool(w, false);
    jw_key(w, "e"); jw_null(w);
    jw_obj_end(w);
}
static void w_arr(struct jw *w) {
    jw_arr_begin(w);
    jw_int(w, 1); jw_str(w, "two"); jw_null(w); jw_bool(w, true); jw_dbl(w, 2.5);
    jw_arr_end(w);
}
static void w_nested(struct jw *w) {
    jw_arr_begin(w);
    jw_arr_begin(w); jw_int(w, 1); jw_int(w, 2); jw_arr_end(w);
    jw_arr_begin(w); jw_arr_end(w);
    jw_obj_begin(w); jw_obj_end(w);
    jw_obj_begin(w);
    jw_key(w, "k");
    jw_arr_begin(w); jw_obj_begin(w); jw_key(w, "x"); jw_obj_begin(w); jw_obj_end(w);
    jw_key(w, "y"); jw_arr_begin(w); jw_arr_end(w); jw_obj_end(w); jw_int(w, 3); jw_arr_end(w);
    jw_key(w, "l"); jw_int(w, 4);
    jw_obj_end(w);
    jw_int(w, 5);
    jw_arr_end(w);
}
static void w_obj_values(struct jw *w) {
    jw_obj_begin(w);
    jw_key(w, "o"); jw_obj_begin(w); jw_key(w, "p"); jw_int(w, 1); jw_obj_end(w);
    jw_key(w, "a"); jw_arr_begin(w); jw_int(w, 1); jw_int(w, 2); jw_arr_end(w);
    jw_key(w, "s"); jw_str(w, "");
    jw_obj_end(w);
}
static void w_escape_quote(struct jw *w) { jw_str(w, "say \"hi\" \\ o/"); }
static void w_escape_short(struct jw *w) { jw_str(w, "\b\f\n\r\t"); }
static void w_escape_ctl(struct jw *w) { jw_str(w, "\x01\x02\x0b\x0e\x1b\x1f"); }
static void w_escape_nul(struct jw *w) { jw_strn(w, "a\0b\0", 4); }
static void w_no_escape(struct jw *w) { jw_str(w, " ~\x7f\xc3\xa9\xf0\x9f\x98\x80</script>"); }
/* Bytes that are not UTF-8 (echoed client input): one U+FFFD (EF BF BD)
 * per maximal subpart, as WHATWG's decoder; valid sequences untouched. */
#define FFFD "\xEF\xBF\xBD"
static void w_utf8_valid(struct jw *w) { jw_str(w, "\xC2\xA9 \xE2\x82\xAC \xEF\xBF\xBF \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"); }
static void w_utf8_ff_fe(struct jw *w) { jw_str(w, "a\xFF\xFE" "b"); }
static void w_utf8_overlong(struct jw *w) { jw_str(w, "\xC0\xAF \xE0\x80\xAF \xF0\x80\x80\xAF"); }
static void w_utf8_surrogate(struct jw *w) { jw_str(w, "\xED\xA0\x80|\xED\xBF\xBF|\xED\x9F\xBF"); }
static void w_utf8_above_max(struct jw *w) { jw_str(w, "\xF4\x90\x80\x80|\xF5\x80\x80\x80"); }
static void w_utf8_truncated(struct jw *w) { jw_str(w, "\xE2\x82|\xE2\x82"); }
static void w_utf8_truncated_end(struct jw *w) { jw_str(w, "x\xF0\x9F\x98"); }
static void w_utf8_lone_cont(struct jw *w) { jw_str(w, "\x80\xBF" "a"); }
static void w_utf8_mixed(struct jw *w) { jw_str(w, "\"\xFF\\\n\xE2\x82\x01\xC3\xA9\xC3\""); }
static void w_utf8_key(struct jw *w) {
    jw_obj_begin(w); jw_key(w, "k\xFF"); jw_str(w, "\xFE"); jw_obj_end(w);
}
static void w_escape_key(struct jw *w) {
    jw_obj_begin(w); jw_key(w, "k\"\\\n\x01"); jw_int(w, 1); jw_obj_end(w);
}
static void w_strn_prefix(struct jw *w) { jw_strn(w, "abcdef", 3); }
static void w_ints(struct jw *w) {
    jw_arr_begin(w);
    jw_int(w, 0); jw_int(w, -1); jw_int(w, INT64_MAX); jw_int(w, INT64_MIN);
    jw_arr_end(w);
}
static void w_dbl_integral(struct jw *w) {
    jw_arr_begin(w);
    jw_dbl(w, 0.0); jw_dbl(w, 1.0); jw_dbl(w, -3.0); jw_dbl(w, 1700000000000.0);
    jw_dbl(w, 999999999999999.0);
    jw_arr_end(w);
}
static void w_dbl_fraction(struct jw *w) {
    jw_arr_begin(w);
    jw_dbl(w, 0.5); jw_dbl(w, -2.25); jw_dbl(w, 1.5e-5); jw_dbl(w, 1e300);
    jw_arr_end(w);
}
static void w_dbl_nonfinite(struct jw *w) {
    jw_arr_begin(w);
    jw_dbl(w, NAN); jw_dbl(w, INFINITY); jw_dbl(w, -INFINITY); jw_int(w, 1);
    jw_arr_end(w);
}
static void w_dbl_nonfinite_obj(struct jw *w) {
    jw_obj_begin(w); jw_key(w, "n"); jw_dbl(w, NAN); jw_key(w, "m"); jw_dbl(w, 1); jw_obj_end(w);
}

struct wcase {
    const char *name;
    wfn fn;
    const char *want;
    size_t want_len;   /* 0: strlen(want) */
};

static const struct wcase writes[] = {
    {"empty object", w_empty_obj, "{}", 0},
    {"empty array", w_empty_arr, "[]", 0},
    {"top-level scalar", w_scalar, "7", 0},
    {"object", w_obj, "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":false,\"e\":null}", 0},
    {"array", w_arr, "[1,\"two\",null,true,2.5]", 0},
    {"nested", w_nested, "[[1,2],[],{},{\"k\":[{\"x\":{},\"y\":[]},3],\"l\":4},5]", 0},
    {"object values", w_obj_values, "{\"o\":{\"p\":1},\"a\":[1,2],\"s\":\"\"}", 0},
    {"quote and backslash", w_escape_quote, "\"say \\\"hi\\\" \\\\ o/\"", 0},
    {"short escapes", w_escape_short, "\"\\b\\f\\n\\r\\t\"", 0},
    {"control chars as \\u00XX", w_escape_ctl, "\"\\u0001\\u0002\\u000b\\u000e\\u001b\\u001f\"", 0},
    {"NUL bytes (jw_strn)", w_escape_nul, "\"a\\u0000b\\u0000\"", 0},
    {"DEL, UTF-8 and '/' unescaped", w_no_escape,
     "\" ~\x7f\xc3\xa9\xf0\x9f\x98\x80</script>\"", 0},
    {"escaped key", w_escape_key, "{\"k\\\"\\\\\\n\\u0001\":1}", 0},
    {"UTF-8 2-, 3- and 4-byte kept (U+FFFF too)", w_utf8_valid,
     "\"\xC2\xA9 \xE2\x82\xAC \xEF\xBF\xBF \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"", 0},
    {"FF FE: one U+FFFD each", w_utf8_ff_fe, "\"a" FFFD FFFD "b\"", 0},
    {"overlongs: one U+FFFD per byte", w_utf8_overlong,
     "\"" FFFD FFFD " " FFFD FFFD FFFD " " FFFD FFFD FFFD FFFD "\"", 0},
    {"surrogates rejected, ED 9F BF kept", w_utf8_surrogate,
     "\"" FFFD FFFD FFFD "|" FFFD FFFD FFFD "|\xED\x9F\xBF\"", 0},
    {"above U+10FFFF", w_utf8_above_max, "\"" FFFD FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD "\"", 0},
    {"truncated E2 82: one U+FFFD", w_utf8_truncated, "\"" FFFD "|" FFFD "\"", 0},
    {"truncated at the end", w_utf8_truncated_end, "\"x" FFFD "\"", 0},
    {"lone continuation bytes", w_utf8_lone_cont, "\"" FFFD FFFD "a\"", 0},
    {"invalid UTF-8 mixed with escapes", w_utf8_mixed,
     "\"\\\"" FFFD "\\\\\\n" FFFD "\\u0001\xC3\xA9" FFFD "\\\"\"", 0},
    {"invalid UTF-8 in a key", w_utf8_key, "{\"k" FFFD "\":\"" FFFD "\"}", 0},
    {"jw_strn takes n bytes", w_strn_prefix, "\"abc\"", 0},
    {"int64 limits", w_ints, "[0,-1,9223372036854775807,-9223372036854775808]", 0},
    {"integral doubles", w_dbl_integral, "[0,1,-3,1700000000000,999999999999999]", 0},
    {"fractional doubles", w_dbl_fraction, "[0.5,-2.25,1.5e-05,1.0000000000000001e+300]", 0},
    {"non-finite doubles", w_dbl_nonfinite, "[null,null,null,1]", 0},
    {"non-finite in object", w_dbl_nonfinite_obj, "{\"n\":null,\"m\":1}", 0},
};

static void test_writer(void) {
    for (size_t i = 0; i < ARRAY_LEN(writes); i++) {
        const struct wcase *c = &writes[i];
        size_t wl = c->want_len ? c->want_len : strlen(c->want);
        struct buf b;
        buf_init(&b);
        buf_adds(&b, "prefix:");   /* the writer appends */
        struct jw w;
        jw_init(&w, &b);
        c->fn(&w);
        CHECK(b.len == 7 + wl && memcmp(b.p, "prefix:", 7) == 0 && memcmp(b.p + 7, c->want, wl) == 0,
              "writer '%s': got '%s' want '%s'", c->name, show(b.p + 7, b.len - 7),
              show(c->want, wl));
        CHECK(w.depth == 0, "writer '%s': depth %d after balanced calls", c->name, w.depth);
        /* What the writer produced is valid JSON. */
        struct arena a;
        arena_init(&a, 0);
        struct jval *v;
        char err[128];
        CHECK(parse_fill(&a, b.p + 7, b.len - 7, 0, &v, err, sizeof err) == C_OK,
              "writer '%s': output '%s' does not parse: %s", c->name, show(b.p + 7, b.len - 7),
              err);
        arena_free(&a);
        buf_free(&b);
    }

    /* Doubles: every finite value written re-reads as the same double;
     * integral values below 1e15 are written without '.' or exponent. */
    static const double dbls[] = {0.1,     1.0 / 3,  -1e-300, 123456.789, 1e15,
                                  1e16,    1e20,     -1e20,   4.9406564584124654e-324,
                                  DBL_MAX, -DBL_MAX, 9007199254740993.0, 0.30000000000000004};
    for (size_t i = 0; i < ARRAY_LEN(dbls); i++) {
        struct buf b;
        buf_init(&b);
        struct jw w;
        jw_init(&w, &b);
        jw_dbl(&w, dbls[i]);
        char *end;
        double back = strtod(b.p, &end);
        CHECK(*end == 0 && back == dbls[i], "jw_dbl(%.17g) wrote '%s'", dbls[i], b.p);
        struct arena a;
        arena_init(&a, 0);
        struct jval *v;
        char err[128];
        int rc = parse_fill(&a, b.p, b.len, 0, &v, err, sizeof err);
        CHECK(rc == C_OK && json_is_num(v) &&
                  (v->t == J_DBL ? v->u.d : (double)v->u.i) == dbls[i],
              "jw_dbl(%.17g) wrote '%s' which does not parse back (%s)", dbls[i], b.p, err);
        arena_free(&a);
        buf_free(&b);
    }
}

/* The writer's nesting: the parser accepts 1024 levels, so jw_value must be
 * able to re-serialise any tree the parser returns.  Document with commas
 * at every level of a deep nest: [[...[0,1]...,1],1]. */
static void test_writer_deep(void) {
    static const size_t depths[] = {10, 63, 64, 65, 100, 1000};
    for (size_t k = 0; k < ARRAY_LEN(depths); k++) {
        size_t d = depths[k];
        struct buf doc;
        buf_init(&doc);
        for (size_t i = 0; i < d; i++) buf_addc(&doc, '[');
        buf_addc(&doc, '0');
        for (size_t i = 0; i < d; i++) buf_adds(&doc, ",1]");
        struct arena a;
        arena_init(&a, 0);
        struct jval *v;
        char err[128];
        if (parse_fill(&a, doc.p, doc.len, 0, &v, err, sizeof err) != C_OK) {
            CHECK(0, "deep doc %zu: %s", d, err);
        } else {
            size_t ol;
            char *out = serialise(v, &ol);
            CHECK(ol == doc.len && memcmp(out, doc.p, ol) == 0,
                  "jw_value of a %zu-deep document with commas: wrote '...%s' want '...%s'", d,
                  show(out + (ol > 40 ? ol - 40 : 0), ol > 40 ? 40 : ol),
                  show(doc.p + doc.len - 40, 40));
            free(out);
        }
        arena_free(&a);
        buf_free(&doc);
    }
    /* Same with objects via the jw_* calls directly. */
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    for (int i = 0; i < 80; i++) { jw_obj_begin(&w); jw_key(&w, "a"); jw_int(&w, i); jw_key(&w, "o"); }
    jw_null(&w);
    for (int i = 0; i < 80; i++) jw_obj_end(&w);
    struct buf want;
    buf_init(&want);
    for (int i = 0; i < 80; i++) buf_printf(&want, "{\"a\":%d,\"o\":", i);
    buf_adds(&want, "null");
    for (int i = 0; i < 80; i++) buf_addc(&want, '}');
    CHECK(b.len == want.len && memcmp(b.p, want.p, b.len) == 0,
          "80-deep jw_* objects: wrote '%s' want '%s'", show(b.p, b.len), show(want.p, want.len));
    buf_free(&b);
    buf_free(&want);
}

/* Round trips: parse -> jw_value -> parse gives an equal tree, and writing
 * again gives the same bytes (the writer's output is a fixed point). */
static const char *const roundtrip[] = {
    "{\"logGroupName\":\"/aws/lambda/x\",\"logEvents\":[{\"timestamp\":1700000000000,"
    "\"message\":\"line \\\"1\\\"\\n\\ttab \\u00e9 \\ud83d\\ude00\"}],\"limit\":10000}",
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
    "{\"Service\":[\"es.amazonaws.com\"]},\"Action\":[\"logs:PutLogEvents\",\"logs:Create*\"],"
    "\"Resource\":\"arn:aws:logs:us-east-1:123456789012:log-group:*\"}]}",
    "[0,-0.0,1e-7,123.456,-9223372036854775808,18446744073709551615,true,false,null]",
    "[\"\\u0000\\u0001\\u001f\\\"\\\\/\",\"\",{\"\":[]},[[[]]]]",
    "{\"a\":{\"b\":{\"c\":{\"d\":[1,[2,[3,[4,{\"e\":\"f\"}]]]]}}}}",
    "{\"dup\":1,\"dup\":[2],\"order\":{\"z\":0,\"y\":1,\"x\":2}}",
};

static void test_roundtrip(void) {
    for (size_t i = 0; i < ARRAY_LEN(roundtrip); i++) {
        struct arena a;
        arena_init(&a, 0);
        struct jval *v1, *v2;
        char err[128];
        const char *in = roundtrip[i];
        if (parse_fill(&a, in, strlen(in), ']', &v1, err, sizeof err) != C_OK) {
            CHECK(0, "roundtrip[%zu]: %s", i, err);
            arena_free(&a);
            continue;
        }
        size_t l1, l2;
        char *o1 = serialise(v1, &l1);
        int rc = parse_fill(&a, o1, l1, '[', &v2, err, sizeof err);
        CHECK(rc == C_OK, "roundtrip[%zu]: '%s' does not parse: %s", i, show(o1, l1), err);
        if (rc == C_OK) {
            CHECK(jeq(v1, v2), "roundtrip[%zu]: tree changed via '%s'", i, show(o1, l1));
            char *o2 = serialise(v2, &l2);
            CHECK(l1 == l2 && memcmp(o1, o2, l1) == 0, "roundtrip[%zu]: not a fixed point", i);
            free(o2);
        }
        free(o1);
        arena_free(&a);
    }
}

/* ----------------------------------------------------------------- arena */

static bool aligned16(const void *p) { return ((uintptr_t)p & 15) == 0; }

static void test_arena(void) {
    /* Many small allocations of varied sizes; each keeps its own bytes. */
    struct arena a;
    arena_init(&a, 1024);
    enum { N = 20000 };
    unsigned char **ptrs = malloc(N * sizeof(*ptrs));
    size_t *sizes = malloc(N * sizeof(*sizes));
    bool all_aligned = true;
    for (size_t i = 0; i < N; i++) {
        sizes[i] = (i * 7919) % 700;     /* 0 .. 699, some above block_size/2 */
        if (i % 997 == 0) sizes[i] = 5000 + i;   /* big ones, above block size */
        ptrs[i] = arena_alloc(&a, sizes[i]);
        if (!aligned16(ptrs[i])) all_aligned = false;
        memset(ptrs[i], (int)(i & 0xff), sizes[i]);
    }
    CHECK(all_aligned, "arena_alloc returned a pointer not aligned to 16");
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < sizes[i]; j++)
            if (ptrs[i][j] != (unsigned char)(i & 0xff)) { bad++; break; }
    CHECK(bad == 0, "%zu allocations were overwritten by later ones", bad);
    free(ptrs);
    free(sizes);
    arena_free(&a);
    CHECK(a.head == NULL, "arena_free leaves head");

    /* Odd sizes: still 16-aligned; zero-size allocations are fine. */
    arena_init(&a, 0);
    CHECK(a.block_size > 0, "block_size 0 must pick a default");
    for (size_t n = 0; n < 100; n++) {
        void *p = arena_alloc(&a, n);
        CHECK(aligned16(p), "arena_alloc(%zu) = %p not aligned", n, p);
    }
    /* A big allocation in a fresh arena, then small ones. */
    arena_free(&a);
    arena_init(&a, 256);
    unsigned char *big = arena_alloc(&a, 1 << 20);
    CHECK(aligned16(big), "big allocation not aligned");
    memset(big, 0xab, 1 << 20);
    unsigned char *s1 = arena_alloc(&a, 10);
    memset(s1, 1, 10);
    /* Big one-off allocations between small ones keep both usable. */
    unsigned char *s2 = arena_alloc(&a, 100);
    memset(s2, 2, 100);
    unsigned char *big2 = arena_alloc(&a, 300000);
    memset(big2, 0xcd, 300000);
    unsigned char *s3 = arena_alloc(&a, 50);
    memset(s3, 3, 50);
    bool ok = true;
    for (size_t i = 0; i < (1 << 20); i++) ok &= big[i] == 0xab;
    for (size_t i = 0; i < 300000; i++) ok &= big2[i] == 0xcd;
    for (size_t i = 0; i < 10; i++) ok &= s1[i] == 1;
    for (size_t i = 0; i < 100; i++) ok &= s2[i] == 2;
    for (size_t i = 0; i < 50; i++) ok &= s3[i] == 3;
    CHECK(ok, "big and small allocations overlap");
    CHECK(aligned16(s1) && aligned16(s2) && aligned16(s3) && aligned16(big2), "alignment");
    /* Exactly block_size and block_size/2 + 1. */
    void *e1 = arena_alloc(&a, 256), *e2 = arena_alloc(&a, 129);
    memset(e1, 4, 256);
    memset(e2, 5, 129);
    CHECK(aligned16(e1) && aligned16(e2), "alignment at block_size boundaries");

    /* calloc zeroes (also memory that was reused? no: arenas never reuse,
     * but a fresh block is malloc'd and may hold garbage). */
    unsigned char *z = arena_calloc(&a, 4096);
    bool zero = true;
    for (size_t i = 0; i < 4096; i++) zero &= z[i] == 0;
    CHECK(zero && aligned16(z), "arena_calloc not zeroed/aligned");

    /* strdup / strndup / sprintf. */
    const char *src = "hello, arena";
    char *d = arena_strdup(&a, src);
    CHECK(d != src && strcmp(d, src) == 0 && aligned16(d), "arena_strdup '%s'", d);
    char *dn = arena_strndup(&a, "abcdef", 3);
    CHECK(strcmp(dn, "abc") == 0, "arena_strndup prefix '%s'", dn);
    char *dz = arena_strndup(&a, "a\0b", 3);
    CHECK(dz[0] == 'a' && dz[1] == 0 && dz[2] == 'b' && dz[3] == 0, "arena_strndup copies NULs");
    char *de = arena_strdup(&a, "");
    CHECK(de[0] == 0, "arena_strdup of empty");
    char *sp = arena_sprintf(&a, "%s-%d-%05.1f-%lld", "x", 42, 3.14159, (long long)INT64_MIN);
    CHECK(strcmp(sp, "x-42-003.1--9223372036854775808") == 0, "arena_sprintf '%s'", sp);
    /* sprintf longer than the block size. */
    char *longs = arena_sprintf(&a, "%0*d|%s", 5000, 7, "end");
    CHECK(strlen(longs) == 5004 && longs[0] == '0' && longs[4999] == '7' &&
              strcmp(longs + 5000, "|end") == 0,
          "arena_sprintf long: len %zu", strlen(longs));
    char *empty = arena_sprintf(&a, "%s", "");
    CHECK(empty[0] == 0, "arena_sprintf empty");
    /* Earlier data still intact after all that. */
    CHECK(strcmp(d, src) == 0 && strcmp(dn, "abc") == 0, "strings clobbered");
    arena_free(&a);
    arena_free(&a);   /* freeing twice is harmless (head reset) */

    /* An arena is reusable after arena_free. */
    arena_init(&a, 64);
    for (int i = 0; i < 1000; i++) {
        char *p = arena_sprintf(&a, "item %d", i);
        if (strcmp(p, arena_sprintf(&a, "item %d", i)) != 0) { CHECK(0, "sprintf %d", i); break; }
    }
    arena_free(&a);
}

/* ------------------------------------------------------------------- buf */

static void test_buf(void) {
    struct buf b;
    buf_init(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0, "buf_init");

    /* Growth: 1 MiB in pieces of every size; contents and NUL kept. */
    size_t total = 0;
    for (size_t i = 0; total < (1 << 20); i++) {
        char piece[300];
        size_t n = i % 300;
        for (size_t j = 0; j < n; j++) piece[j] = (char)('a' + (total + j) % 26);
        buf_add(&b, piece, n);
        total += n;
        if (b.len != total || b.p[b.len] != 0 || b.cap <= b.len) {
            CHECK(0, "buf_add: len %zu want %zu, cap %zu", b.len, total, b.cap);
            break;
        }
    }
    bool ok = true;
    for (size_t j = 0; j < b.len; j++) ok &= b.p[j] == (char)('a' + j % 26);
    CHECK(ok, "buf contents after growth");
    buf_free(&b);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0, "buf_free resets");

    /* addc / adds / add of zero bytes. */
    buf_add(&b, "", 0);
    CHECK(b.p != NULL && b.len == 0 && b.p[0] == 0, "buf_add of nothing leaves a C string");
    for (int i = 0; i < 1000; i++) buf_addc(&b, (char)('0' + i % 10));
    CHECK(b.len == 1000 && b.p[1000] == 0 && b.p[999] == '9' && b.p[10] == '0', "buf_addc");
    buf_addc(&b, 0);
    CHECK(b.len == 1001 && b.p[1000] == 0, "buf_addc NUL counts");
    buf_adds(&b, "tail");
    CHECK(b.len == 1005 && strcmp(b.p + 1001, "tail") == 0, "buf_adds");
    buf_free(&b);

    /* printf: small, exactly at capacity, and larger than any earlier cap. */
    buf_printf(&b, "%d:%s", 12, "ab");
    CHECK(b.len == 5 && strcmp(b.p, "12:ab") == 0, "buf_printf small '%s'", b.p);
    buf_printf(&b, "%s", "");
    CHECK(b.len == 5 && b.p[5] == 0, "buf_printf empty");
    buf_free(&b);
    for (size_t fill = 250; fill < 260; fill++) {   /* cross the first 256-byte cap */
        buf_init(&b);
        for (size_t i = 0; i < fill; i++) buf_addc(&b, 'x');
        buf_printf(&b, "%08d", 123);
        CHECK(b.len == fill + 8 && strcmp(b.p + fill, "00000123") == 0 && b.p[b.len] == 0,
              "buf_printf across growth at %zu: len %zu", fill, b.len);
        buf_free(&b);
    }
    buf_init(&b);
    buf_printf(&b, "%0*d", 100000, 5);
    CHECK(b.len == 100000 && b.p[99999] == '5' && b.p[0] == '0' && b.p[100000] == 0,
          "buf_printf large: len %zu", b.len);
    for (int i = 0; i < 10000; i++) buf_printf(&b, ",%d", i);
    CHECK(b.p[b.len] == 0 && strcmp(b.p + b.len - 5, ",9999") == 0, "buf_printf many");

    /* steal: caller owns the bytes, buf is reset and reusable. */
    size_t len = 0;
    size_t before = b.len;
    char *p = buf_steal(&b, &len);
    CHECK(p && len == before && p[len] == 0, "buf_steal len %zu want %zu", len, before);
    CHECK(b.p == NULL && b.len == 0 && b.cap == 0, "buf_steal resets the buf");
    free(p);
    buf_adds(&b, "again");
    p = buf_steal(&b, NULL);
    CHECK(strcmp(p, "again") == 0, "buf_steal with NULL len");
    free(p);
    /* Stealing an empty buf gives an empty C string, not NULL. */
    p = buf_steal(&b, &len);
    CHECK(p && p[0] == 0 && len == 0, "buf_steal of empty buf");
    free(p);
    CHECK(b.p == NULL, "empty steal resets");
    buf_free(&b);
    buf_free(&b);   /* double free of a reset buf is harmless */
}

int main(void) {
    test_valid();
    test_scalars();
    test_strings();
    test_structure();
    test_depth();
    test_invalid();
    test_writer();
    test_writer_deep();
    test_roundtrip();
    test_arena();
    test_buf();
    printf("test_json: %zu valid, %zu invalid, %zu writer cases; %d checks, %d failed\n",
           ARRAY_LEN(valid), ARRAY_LEN(invalid), ARRAY_LEN(writes), checks, failures);
    return failures ? 1 : 0;
}

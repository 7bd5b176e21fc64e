// The only C++ in Sluice: a shim that runs simdjson's DOM parser and copies
// the result into Sluice's arena-allocated C tree (json.h).  One parser per
// thread (simdjson parsers are not thread-safe but are reusable).
#include <simdjson.h>
#include <cstring>
#include <memory>
#include <cstdio>

extern "C" {
#include "json.h"
}

using namespace simdjson;

// Destroyed when its thread exits (MHD's pool threads at shutdown).
static thread_local std::unique_ptr<dom::parser> tl_parser;

static int convert(struct arena *a, dom::element e, struct jval *out) {
    switch (e.type()) {
    case dom::element_type::NULL_VALUE: out->t = J_NULL; return 0;
    case dom::element_type::BOOL: out->t = J_BOOL; out->u.b = bool(e); return 0;
    case dom::element_type::INT64: out->t = J_INT; out->u.i = int64_t(e); return 0;
    case dom::element_type::UINT64: out->t = J_DBL; out->u.d = double(uint64_t(e)); return 0;
    case dom::element_type::DOUBLE: out->t = J_DBL; out->u.d = double(e); return 0;
    case dom::element_type::STRING: {
        std::string_view sv = e.get_string().value_unsafe();
        out->t = J_STR;
        out->u.s.s = arena_strndup(a, sv.data(), sv.size());
        out->u.s.len = sv.size();
        return 0;
    }
    case dom::element_type::ARRAY: {
        dom::array arr = e.get_array().value_unsafe();
        size_t n = arr.size();
        out->t = J_ARR;
        out->u.a.n = n;
        out->u.a.v = n ? (struct jval *)arena_alloc(a, n * sizeof(struct jval)) : nullptr;
        size_t i = 0;
        for (dom::element c : arr) convert(a, c, &out->u.a.v[i++]);
        return 0;
    }
    case dom::element_type::OBJECT: {
        dom::object obj = e.get_object().value_unsafe();
        size_t n = obj.size();
        out->t = J_OBJ;
        out->u.o.n = n;
        out->u.o.m = n ? (struct jmember *)arena_alloc(a, n * sizeof(struct jmember)) : nullptr;
        size_t i = 0;
        for (dom::key_value_pair kv : obj) {
            struct jmember *m = &out->u.o.m[i++];
            m->k = arena_strndup(a, kv.key.data(), kv.key.size());
            m->klen = kv.key.size();
            convert(a, kv.value, &m->v);
        }
        return 0;
    }
    }
    return -1;
}

extern "C" int json_parse(struct arena *a, const char *in, size_t len, struct jval **out,
                          char *errmsg, size_t errlen) {
    if (!tl_parser) tl_parser.reset(new dom::parser());
    dom::element root;
    // realloc_if_needed=false: callers guarantee JSON_PADDING bytes.
    auto err = tl_parser->parse(in, len, false).get(root);
    if (err) {
        if (errmsg && errlen) snprintf(errmsg, errlen, "%s", error_message(err));
        return -1;
    }
    struct jval *v = (struct jval *)arena_alloc(a, sizeof(struct jval));
    if (convert(a, root, v) != 0) {
        if (errmsg && errlen) snprintf(errmsg, errlen, "unsupported JSON value");
        return -1;
    }
    *out = v;
    return 0;
}

// The only C++ in Sluice: a shim that runs simdjson's DOM parser and copies
// the result into Sluice's arena-allocated C tree (json.h), or, for
// json_parse_view, tries its On Demand API first and lends the tree
// instead of copying it.  One parser per thread and use (simdjson parsers
// are not thread-safe but are reusable).
#include <simdjson.h>
#include <cstring>
#include <memory>
#include <cstdio>
#include <vector>

extern "C" {
#include "json.h"
}

using namespace simdjson;

// Destroyed when its thread exits (MHD's pool threads at shutdown).
static thread_local std::unique_ptr<dom::parser> tl_parser;

// Copy: strings into the arena, for a tree that outlives the parse
// (json_parse).  Otherwise they point into the parser's string buffer,
// where simdjson keeps them NUL-terminated too (json_parse_view).
template <bool Copy>
static int convert(struct arena *a, dom::element e, struct jval *out) {
    switch (e.type()) {
    case dom::element_type::NULL_VALUE: out->t = J_NULL; return 0;
    case dom::element_type::BOOL: out->t = J_BOOL; out->u.b = bool(e); return 0;
    case dom::element_type::INT64: out->t = J_INT; out->u.i = int64_t(e); return 0;
    case dom::element_type::UINT64: out->t = J_DBL; out->u.d = double(uint64_t(e)); return 0;
    case dom::element_type::DOUBLE: out->t = J_DBL; out->u.d = double(e); return 0;
    case dom::element_type::STRING: {
        out->t = J_STR;
        if (Copy) {
            std::string_view sv = e.get_string().value_unsafe();
            out->u.s.s = arena_strndup(a, sv.data(), sv.size());
            out->u.s.len = sv.size();
        } else {
            out->u.s.s = e.get_c_str().value_unsafe();
            out->u.s.len = e.get_string_length().value_unsafe();
        }
        return 0;
    }
    case dom::element_type::ARRAY: {
        dom::array arr = e.get_array().value_unsafe();
        size_t n = arr.size();
        out->t = J_ARR;
        out->u.a.n = n;
        out->u.a.v = n ? (struct jval *)arena_alloc(a, n * sizeof(struct jval)) : nullptr;
        size_t i = 0;
        for (dom::element c : arr) convert<Copy>(a, c, &out->u.a.v[i++]);
        return 0;
    }
    case dom::element_type::OBJECT: {
        dom::object obj = e.get_object().value_unsafe();
        size_t n = obj.size();
        out->t = J_OBJ;
        out->u.o.n = n;
        out->u.o.m = n ? (struct jmember *)arena_alloc(a, n * sizeof(struct jmember)) : nullptr;
        size_t i = 0;
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            struct jmember *m = &out->u.o.m[i++];
            m->klen = it.key_length();
            m->k = Copy ? arena_strndup(a, it.key_c_str(), m->klen) : it.key_c_str();
            convert<Copy>(a, it.value(), &m->v);
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
    if (convert<true>(a, root, v) != 0) {
        if (errmsg && errlen) snprintf(errmsg, errlen, "unsupported JSON value");
        return -1;
    }
    *out = v;
    return 0;
}

// json_parse_view tries simdjson's On Demand API first: it walks the text
// once and builds no tape, and the view unescapes each string straight
// into a buffer of its own (NUL-terminated), so a flat object costs about
// one pass.  It is lazy — it checks only what it is asked for — so the
// walk asks for everything: every key and string unescaped (which checks
// the escapes), every number read, every literal matched, then nothing
// after the object; the rest — UTF-8, unescaped control characters — its
// first stage checks for the whole text, as the DOM parser's does.  What
// it does not take, the DOM parser does, which also decides every error:
//  - nested arrays and objects (a tree needs the DOM's sizes);
//  - numbers with a fraction or exponent written in more than 19 bytes:
//    simdjson 3.0's On Demand reads some decimals of 20 digits or more
//    wrongly (0.7271513813923197936751076 as 1.0e-6: its check for more
//    digits than 64 bits hold miscounts after "0."), and the tree must be
//    the DOM's.  Shorter ones, and integers, read the same (millions of
//    random ones compared, tests/unit/test_format.c compares more);
//  - anything it refuses, valid JSON or not.
//
// The per-thread state, kept from call to call: the two parsers, one
// block holding the padded copy of the text and the unescaped strings, the
// root object's members, and an arena for nested arrays and objects of the
// DOM's trees (which allocates only when a record has one, and is emptied
// at the next call).
//
// Where the copy and the strings sit matters: unescaping stores each
// string at an address below the text still to be loaded, and when the
// two are a little apart modulo 4 KiB the loads look to the CPU as if they
// depended on the stores (4K aliasing): the DOM parse of a 485-byte record
// took 270-370 ns instead of 190 (bench/bench_format.c).  So the strings
// go half the free span of a page above the text; and the DOM parser's
// string buffer, which is its own, is found from the first key (it writes
// its strings from the start) and the text moved in the block when the
// two fall in that window.
namespace {
struct view_state {
    ondemand::parser od;
    dom::parser dom;
    std::unique_ptr<char[]> block;   // the text + JSON_PADDING at `at`; the strings further
    size_t block_cap = 0, at = 0;    // at < 4096
    std::vector<struct jmember> members;
    struct jval root;
    struct arena nested;
    view_state() { arena_init(&nested, 0); }
    ~view_state() { arena_free(&nested); }
};
thread_local view_state tl_view;

const size_t PAGE = 4096;

// How far above the text (modulo a page, so < PAGE) a buffer that the
// parse stores into should start: loads run ahead of stores by up to the
// text's length.  A text of most of a page or more cannot avoid it.
size_t apart(size_t len) { return len < 3 * PAGE / 4 ? (PAGE + len) / 2 : PAGE / 2; }

// The text moved in the block so that the DOM parser's strings sit apart.
void dom_place(view_state &vs, const char *text, const char *strings, size_t len) {
    if (len >= 3 * PAGE / 4) return;
    size_t d = (size_t)((uintptr_t)strings - (uintptr_t)text) & (PAGE - 1);
    if (d >= len + 128 && d <= PAGE - 128) return;
    vs.at = (vs.at + d + PAGE - apart(len)) & (PAGE - 1);
}

// A member "k":"v" takes klen + vlen + 5 bytes of text at the least
// (quotes and colon), plus a comma between two: the text is that long
// exactly when nothing separates the tokens and no string has an escape
// (every escape sequence is longer than what it stands for).
bool is_verbatim(const std::vector<struct jmember> &m, size_t n, size_t len) {
    size_t least = n ? n - 1 + 2 : 2;
    for (size_t i = 0; i < n; i++) {
        if (m[i].v.t != J_STR) return false;
        least += m[i].klen + m[i].v.u.s.len + 5;
    }
    return least == len;
}

// The On Demand walk of text (padded to cap) into vs.members, strings
// unescaped at dst (room for len + 2 * JSON_PADDING: a string's unescaped
// bytes and NUL are fewer than its quoted text, and simdjson writes up to
// JSON_PADDING past the end).  false: leave it to the DOM parser.
bool od_flat(view_state &vs, const char *text, size_t len, size_t cap, uint8_t *dst, size_t *n) {
    ondemand::document doc;
    ondemand::object obj;
    if (vs.od.iterate(text, len, cap).get(doc) || doc.get_object().get(obj)) return false;
    size_t i = 0;
    for (auto res : obj) {
        ondemand::field f;
        std::string_view k;
        if (std::move(res).get(f) || vs.od.unescape(f.key(), dst).get(k)) return false;
        *dst++ = 0;
        if (i == vs.members.size()) vs.members.resize(i ? 2 * i : 16);
        struct jmember *m = &vs.members[i++];
        m->k = k.data();
        m->klen = k.size();
        ondemand::value v = f.value();
        ondemand::json_type t;
        if (v.type().get(t)) return false;
        switch (t) {
        case ondemand::json_type::string: {
            ondemand::raw_json_string raw;
            std::string_view sv;
            if (v.get_raw_json_string().get(raw) || vs.od.unescape(raw, dst).get(sv)) return false;
            *dst++ = 0;
            m->v.t = J_STR;
            m->v.u.s.s = sv.data();
            m->v.u.s.len = sv.size();
            break;
        }
        case ondemand::json_type::number: {
            ondemand::number_type nt;
            if (v.get_number_type().get(nt)) return false;
            if (nt == ondemand::number_type::signed_integer) {
                m->v.t = J_INT;
                if (v.get_int64().get(m->v.u.i)) return false;
            } else if (nt == ondemand::number_type::unsigned_integer) {
                uint64_t u;
                if (v.get_uint64().get(u)) return false;
                m->v.t = J_DBL;   // as json_parse has it
                m->v.u.d = double(u);
            } else {
                // At most 19 bytes (the token and any space after it): at
                // most 19 digits, which both parsers read the same way
                // (see above).
                if (v.raw_json_token().size() > 19) return false;
                m->v.t = J_DBL;
                if (v.get_double().get(m->v.u.d)) return false;
            }
            break;
        }
        case ondemand::json_type::boolean:
            m->v.t = J_BOOL;
            if (v.get_bool().get(m->v.u.b)) return false;
            break;
        case ondemand::json_type::null: {
            bool is;
            if (v.is_null().get(is) || !is) return false;
            m->v.t = J_NULL;
            break;
        }
        default:
            return false;
        }
    }
    // Nothing after the object (a second value, say).
    if (doc.current_location().error() != OUT_OF_BOUNDS) return false;
    *n = i;
    return true;
}
}  // namespace

extern "C" int json_parse_view(const char *in, size_t len, const struct jval **out,
                               bool *verbatim, char *errmsg, size_t errlen) {
    view_state &vs = tl_view;
    if (verbatim) *verbatim = false;
    arena_free(&vs.nested);
    // the text at at < PAGE, its padded end rounded to a page, the strings
    // apart(len) further, len + 2 * JSON_PADDING of them
    size_t text_room = (len + JSON_PADDING + PAGE - 1) / PAGE * PAGE;
    size_t need = PAGE + text_room + PAGE + len + 2 * JSON_PADDING;
    if (vs.block_cap < need) {
        vs.block.reset(new char[need]);
        vs.block_cap = need;
    }
    char *text = vs.block.get() + vs.at;
    memcpy(text, in, len);
    // Zeroed, though simdjson does not ask it: no byte of an earlier text
    // there to be taken for the end of this one.
    memset(text + len, 0, JSON_PADDING);
    uint8_t *strs = (uint8_t *)text + text_room + apart(len);
    size_t n;
    if (od_flat(vs, text, len, text_room, strs, &n)) {
        vs.root.t = J_OBJ;
        vs.root.u.o.m = n ? vs.members.data() : nullptr;
        vs.root.u.o.n = n;
        if (verbatim) *verbatim = is_verbatim(vs.members, n, len);
        *out = &vs.root;
        return 0;
    }

    dom::element root;
    auto err = vs.dom.parse(text, len, false).get(root);
    if (err) {
        if (errmsg && errlen) snprintf(errmsg, errlen, "%s", error_message(err));
        return -1;
    }
    if (root.type() != dom::element_type::OBJECT) {
        if (convert<false>(&vs.nested, root, &vs.root) != 0) {
            if (errmsg && errlen) snprintf(errmsg, errlen, "unsupported JSON value");
            return -1;
        }
        *out = &vs.root;
        return 0;
    }
    // The root object's members in the kept vector (json_parse's convert
    // puts them in the arena); the rest as convert does it.
    dom::object obj = root.get_object().value_unsafe();
    n = obj.size();
    if (vs.members.size() < n) vs.members.resize(n);
    size_t i = 0;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        struct jmember *m = &vs.members[i++];
        m->klen = it.key_length();
        m->k = it.key_c_str();
        convert<false>(&vs.nested, it.value(), &m->v);
    }
    if (n) dom_place(vs, text, vs.members[0].k, len);
    vs.root.t = J_OBJ;
    vs.root.u.o.m = n ? vs.members.data() : nullptr;
    vs.root.u.o.n = n;
    if (verbatim) *verbatim = is_verbatim(vs.members, n, len);
    *out = &vs.root;
    return 0;
}

#include "json.h"
#include "../core/text.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

const struct jval *json_get(const struct jval *obj, const char *key) {
    if (!obj || obj->t != J_OBJ) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->u.o.n; i++)
        if (obj->u.o.m[i].klen == kl && memcmp(obj->u.o.m[i].k, key, kl) == 0)
            return &obj->u.o.m[i].v;
    return NULL;
}

const char *json_str(const struct jval *v) { return v && v->t == J_STR ? v->u.s.s : NULL; }

bool json_is_num(const struct jval *v) { return v && (v->t == J_INT || v->t == J_DBL); }

void json_escape(struct buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, n + 2);
    buf_addc(b, '"');
    size_t run = 0;
    size_t len;   /* bytes of the character at i */
    for (size_t i = 0; i < n; i += len) {
        unsigned char c = (unsigned char)s[i];
        len = 1;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') { run++; continue; }
        if (c >= 0x80) {
            /* JSON text must be UTF-8 (RFC 8259 8.1) and echoed client bytes
             * need not be: one U+FFFD per bad subpart. */
            if (text_utf8_next(s + i, n - i, &len) >= 0) { run += len; continue; }
            buf_add(b, s + i - run, run);
            run = 0;
            buf_add(b, TEXT_UTF8_REPLACEMENT, 3);
            continue;
        }
        buf_add(b, s + i - run, run);
        run = 0;
        switch (c) {
        case '"': buf_add(b, "\\\"", 2); break;
        case '\\': buf_add(b, "\\\\", 2); break;
        case '\n': buf_add(b, "\\n", 2); break;
        case '\r': buf_add(b, "\\r", 2); break;
        case '\t': buf_add(b, "\\t", 2); break;
        case '\b': buf_add(b, "\\b", 2); break;
        case '\f': buf_add(b, "\\f", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 6);
        }
        }
    }
    buf_add(b, s + n - run, run);
    buf_addc(b, '"');
}

void jw_init(struct jw *w, struct buf *b) {
    w->b = b;
    w->depth = 0;
    w->need_comma[0] = false;
}

/* Called before every value or key: emits the separating comma. */
static void sep(struct jw *w) {
    if (w->need_comma[w->depth]) buf_addc(w->b, ',');
    w->need_comma[w->depth] = true;
}

static void open(struct jw *w, char c) {
    sep(w);
    buf_addc(w->b, c);
    if (w->depth < 63) w->depth++;
    w->need_comma[w->depth] = false;
}

static void close_(struct jw *w, char c) {
    buf_addc(w->b, c);
    if (w->depth > 0) w->depth--;
}

void jw_obj_begin(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr_begin(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_key(struct jw *w, const char *k) { jw_keyn(w, k, strlen(k)); }

void jw_keyn(struct jw *w, const char *k, size_t n) {
    sep(w);
    json_escape(w->b, k, n);
    buf_addc(w->b, ':');
    /* The value that follows must not emit a comma; its own sep() marks
     * that the next key needs one. */
    w->need_comma[w->depth] = false;
}

void jw_strn(struct jw *w, const char *s, size_t n) { sep(w); json_escape(w->b, s, n); }
void jw_str(struct jw *w, const char *s) { jw_strn(w, s, strlen(s)); }
void jw_int(struct jw *w, int64_t v) { sep(w); buf_printf(w->b, "%lld", (long long)v); }
void jw_bool(struct jw *w, bool v) { sep(w); buf_adds(w->b, v ? "true" : "false"); }
void jw_null(struct jw *w) { sep(w); buf_adds(w->b, "null"); }

void jw_dbl(struct jw *w, double v) {
    sep(w);
    if (!isfinite(v)) { buf_adds(w->b, "null"); return; }
    /* Range first: converting |v| >= 2^63 to int64 is undefined. */
    if (fabs(v) < 1e15 && v == (double)(int64_t)v) buf_printf(w->b, "%lld", (long long)v);
    else buf_printf(w->b, "%.17g", v);
}

void jw_value(struct jw *w, const struct jval *v) {
    switch (v->t) {
    case J_NULL: jw_null(w); break;
    case J_BOOL: jw_bool(w, v->u.b); break;
    case J_INT: jw_int(w, v->u.i); break;
    case J_DBL: jw_dbl(w, v->u.d); break;
    case J_STR: jw_strn(w, v->u.s.s, v->u.s.len); break;
    case J_ARR:
        jw_arr_begin(w);
        for (size_t i = 0; i < v->u.a.n; i++) jw_value(w, &v->u.a.v[i]);
        jw_arr_end(w);
        break;
    case J_OBJ:
        jw_obj_begin(w);
        for (size_t i = 0; i < v->u.o.n; i++) {
            jw_keyn(w, v->u.o.m[i].k, v->u.o.m[i].klen);
            jw_value(w, &v->u.o.m[i].v);
        }
        jw_obj_end(w);
        break;
    }
}

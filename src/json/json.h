/* JSON: parse (simdjson, via a small C++ shim) into an arena-allocated tree,
 * and write (json_write.c) into a struct buf.
 *
 * The parser is strict: invalid UTF-8, trailing garbage, depth > 1024 and
 * malformed numbers are errors.  Strings in the tree are NUL-terminated
 * copies in the arena (json_parse_view's: in storage its thread keeps); they
 * may contain NUL bytes, use .len. */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "../core/arena.h"
#include "../core/buf.h"

enum jtype { J_NULL, J_BOOL, J_INT, J_DBL, J_STR, J_ARR, J_OBJ };

struct jmember;
struct jval {
    enum jtype t;
    union {
        bool b;
        int64_t i;                                  /* J_INT */
        double d;                                   /* J_DBL (also ints beyond int64) */
        struct { const char *s; size_t len; } s;    /* J_STR */
        struct { struct jval *v; size_t n; } a;     /* J_ARR */
        struct { struct jmember *m; size_t n; } o;  /* J_OBJ, in document order */
    } u;
};
struct jmember {
    const char *k;
    size_t klen;
    struct jval v;
};

/* The input needs JSON_PADDING readable bytes after len (simdjson reads
 * ahead); their content does not matter.  On error returns C_ERR and writes
 * a short description to errmsg. The tree lives in `a`. */
#define JSON_PADDING 64
int json_parse(struct arena *a, const char *in, size_t len, struct jval **out,
               char *errmsg, size_t errlen);

/* json_parse for a tree that is read once, at once (a log record made into
 * a line), without its per-call costs: the same texts accepted, the same
 * tree, the same errmsg, but the text is copied into a padded buffer the
 * calling thread keeps (in needs no padding), the tree's strings and
 * members live in storage the thread keeps, and a flat object — strings,
 * integers, short decimals, booleans, null — is read with simdjson's On
 * Demand API in one pass (the DOM parser reads the rest and decides every
 * error; json_parse.cc says why).  Once the thread has seen a text as
 * large, a call allocates nothing (nested values aside).  The tree is
 * valid until the thread's next json_parse_view.
 *
 * *verbatim (may be NULL): the text is an object whose values are all
 * strings, with nothing between its tokens and no escape sequence in any
 * key or value — so that it reads {"k":"v",...} with each k and v as the
 * tree holds them (found from the lengths: any whitespace or escape makes
 * the text longer than its keys and values quoted). */
int json_parse_view(const char *in, size_t len, const struct jval **out, bool *verbatim,
                    char *errmsg, size_t errlen);

/* Lookups (NULL when absent or of another type where noted). */
const struct jval *json_get(const struct jval *obj, const char *key);
const char *json_str(const struct jval *v);            /* NULL unless J_STR */
bool json_is_num(const struct jval *v);

/* Writer: appends compact JSON to b. The caller balances begin/end and
 * places commas by calling jw_* in order; the writer tracks them. */
struct jw {
    struct buf *b;
    int depth;
    bool need_comma[64];
};
void jw_init(struct jw *w, struct buf *b);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_keyn(struct jw *w, const char *k, size_t n);   /* keys may hold NUL bytes */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_dbl(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Re-serialise a parsed value. */
void jw_value(struct jw *w, const struct jval *v);
/* Append a JSON string literal (with quotes) for s to b: '"', '\\' and
 * control characters escaped, bytes that are not UTF-8 replaced by U+FFFD
 * (text_utf8_next's rule), so the output is valid JSON whatever s holds. */
void json_escape(struct buf *b, const char *s, size_t n);

#endif

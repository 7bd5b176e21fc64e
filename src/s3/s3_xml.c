/* S3 request bodies in XML (CreateBucketConfiguration, Delete, ...) parsed
 * by expat into a small element tree in the request arena.  Namespaces are
 * not processed (S3's clients send the S3 namespace as a default xmlns, or
 * none); DOCTYPEs are refused outright, so no entity can be declared, and
 * nesting is bounded. */
#include "s3.h"

#include <expat.h>
#include <string.h>

#define MAX_DEPTH 32

struct xparse {
    struct arena *a;
    XML_Parser p;
    struct s3x *root;
    struct s3x *stack[MAX_DEPTH];
    struct s3x *last_child[MAX_DEPTH];
    struct buf text[MAX_DEPTH];
    int depth;
    bool failed;
};

static void stop(struct xparse *x) {
    x->failed = true;
    XML_StopParser(x->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
    struct xparse *x = ud;
    if (x->failed) return;
    if (x->depth == MAX_DEPTH || (x->depth == 0 && x->root)) {
        stop(x);
        return;
    }
    struct s3x *e = arena_calloc(x->a, sizeof *e);
    /* An element's name without a namespace prefix ("s3:Key" -> "Key"). */
    const char *colon = strchr(name, ':');
    e->name = arena_strdup(x->a, colon ? colon + 1 : name);
    if (x->depth == 0) {
        x->root = e;
    } else {
        int d = x->depth - 1;
        if (x->last_child[d]) x->last_child[d]->next = e;
        else x->stack[d]->child = e;
        x->last_child[d] = e;
    }
    x->stack[x->depth] = e;
    x->last_child[x->depth] = NULL;
    x->text[x->depth].len = 0;
    x->depth++;
}

static void on_end(void *ud, const XML_Char *name) {
    struct xparse *x = ud;
    if (x->failed || x->depth == 0) return;
    x->depth--;
    struct s3x *e = x->stack[x->depth];
    struct buf *t = &x->text[x->depth];
    e->text = arena_strndup(x->a, t->p ? t->p : "", t->len);
    e->len = t->len;
}

static void on_text(void *ud, const XML_Char *s, int len) {
    struct xparse *x = ud;
    if (x->failed || x->depth == 0) return;
    buf_add(&x->text[x->depth - 1], s, (size_t)len);
}

static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                       const XML_Char *pubid, int has_internal) {
    stop(ud);
}

int s3_malformed_xml(struct aws_err *e) {
    return aws_errf(e, 400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema");
}

int s3_xml_parse(struct arena *a, const char *p, size_t n, struct s3x **root,
                 struct aws_err *e) {
    struct xparse x = {.a = a};
    x.p = XML_ParserCreate("UTF-8");
    if (!x.p) return aws_errf(e, 500, "InternalError", "We encountered an internal error.");
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, on_start, on_end);
    XML_SetCharacterDataHandler(x.p, on_text);
    XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
    for (int i = 0; i < MAX_DEPTH; i++) buf_init(&x.text[i]);
    bool ok = n <= INT32_MAX && XML_Parse(x.p, p, (int)n, XML_TRUE) == XML_STATUS_OK &&
              !x.failed && x.root;
    XML_ParserFree(x.p);
    for (int i = 0; i < MAX_DEPTH; i++) buf_free(&x.text[i]);
    if (!ok) return s3_malformed_xml(e);
    *root = x.root;
    return C_OK;
}

const struct s3x *s3x_child(const struct s3x *x, const char *name) {
    for (const struct s3x *c = x ? x->child : NULL; c; c = c->next)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

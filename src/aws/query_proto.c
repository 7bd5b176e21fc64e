/* AWS Query protocol codec (see query_proto.h). */
#include "query_proto.h"
#include "../core/text.h"
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------------- form decoding ---------------- */

static char *pct_decode(struct arena *a, const char *s, size_t n, size_t *outlen) {
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int h, l;
        if (c == '+') {
            o[k++] = ' ';
        } else if (c == '%' && i + 2 < n &&
                   (h = hex_digit((unsigned char)s[i + 1])) >= 0 &&
                   (l = hex_digit((unsigned char)s[i + 2])) >= 0) {
            o[k++] = (char)(h * 16 + l);
            i += 2;
        } else {
            o[k++] = (char)c;
        }
    }
    o[k] = 0;
    *outlen = k;
    return o;
}

void form_decode(struct arena *a, const char *s, size_t n, struct form_pair **out, size_t *np) {
    size_t cap = 16, cnt = 0;
    struct form_pair *p = arena_alloc(a, cap * sizeof(*p));
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '&') j++;
        if (j > i) {
            const char *eq = memchr(s + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (s + i)) : j - i;
            struct form_pair *fp = ARENA_PUSH(a, p, cnt, cap);
            fp->k = pct_decode(a, s + i, kl, &fp->klen);
            if (eq) fp->v = pct_decode(a, eq + 1, (size_t)(s + j - eq - 1), &fp->vlen);
            else { fp->v = ""; fp->vlen = 0; }
        }
        i = j + 1;
    }
    *out = p;
    *np = cnt;
}

const struct form_pair *form_find(const struct form_pair *p, size_t n, const char *key) {
    size_t kl = strlen(key);
    for (size_t i = 0; i < n; i++)
        if (p[i].klen == kl && memcmp(p[i].k, key, kl) == 0) return &p[i];
    return NULL;
}

/* ---------------- pairs → tree ---------------- */

struct qctx {
    struct arena *a;
    const struct form_pair *p;   /* sorted by key (byte order), stable */
    size_t n;
    struct aws_err *e;
    int depth;
};

static int keycmp(const char *a, size_t al, const char *b, size_t bl) {
    size_t m = al < bl ? al : bl;
    int r = memcmp(a, b, m);
    if (r) return r;
    return al < bl ? -1 : al > bl;
}

static int pair_cmp(const void *x, const void *y) {
    const struct form_pair *a = x, *b = y;
    int r = keycmp(a->k, a->klen, b->k, b->klen);
    if (r) return r;
    return a < b ? -1 : a > b;   /* keep input order among duplicates */
}

/* First pair whose key is >= key (lower bound). */
static size_t lower(const struct qctx *q, const char *key, size_t kl) {
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (keycmp(q->p[mid].k, q->p[mid].klen, key, kl) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static const struct form_pair *exact(const struct qctx *q, const char *key, size_t kl) {
    size_t i = lower(q, key, kl);
    if (i < q->n && q->p[i].klen == kl && memcmp(q->p[i].k, key, kl) == 0) return &q->p[i];
    return NULL;
}

static bool has_prefix(const struct qctx *q, const char *pre, size_t pl) {
    size_t i = lower(q, pre, pl);
    return i < q->n && q->p[i].klen >= pl && memcmp(q->p[i].k, pre, pl) == 0;
}

static int malformed(struct qctx *q, const char *key, const struct form_pair *fp) {
    return aws_errf(q->e, 400, "MalformedInput", "Invalid value '%.*s' for parameter %s",
                    (int)(fp->vlen > 256 ? 256 : fp->vlen), fp->v, key);
}

static bool parse_iso8601(const char *s, double *out) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int frac_off = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &frac_off) != 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    double frac = 0;
    const char *r = s + frac_off;
    if (*r == '.') {
        char *end;
        frac = strtod(r, &end);
        r = end;
    }
    if (strcmp(r, "Z") != 0 && *r) return false;
    *out = (double)timegm(&tm) + frac;
    return true;
}

static int build(struct qctx *q, const struct model_shape *s, const char *key, size_t kl,
                 struct jval *out, bool *present);

/* Elements of a list or entries of a map under `pre` ("Name.member." or
 * "Name."): the distinct positive indexes that occur, ascending. */
static size_t indexes(struct qctx *q, const char *pre, size_t pl, long **out) {
    size_t cap = 8, n = 0;
    long *ix = arena_alloc(q->a, cap * sizeof(*ix));
    for (size_t i = lower(q, pre, pl); i < q->n; i++) {
        const struct form_pair *fp = &q->p[i];
        if (fp->klen < pl || memcmp(fp->k, pre, pl) != 0) break;
        const char *d = fp->k + pl;
        if (*d < '1' || *d > '9') continue;
        char *end;
        errno = 0;
        long v = strtol(d, &end, 10);
        if (errno || (*end && *end != '.') || v > 100000) continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++) dup |= ix[k] == v;
        if (!dup) *ARENA_PUSH(q->a, ix, n, cap) = v;
    }
    /* insertion sort: lists are short */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && ix[j - 1] > ix[j]; j--) {
            long t = ix[j]; ix[j] = ix[j - 1]; ix[j - 1] = t;
        }
    *out = ix;
    return n;
}

static char *join(struct arena *a, const char *pre, size_t pl, const char *suf, size_t *len) {
    char *k = arena_sprintf(a, "%.*s%s%s", (int)pl, pre, pl ? "." : "", suf);
    *len = strlen(k);
    return k;
}

static int build_struct(struct qctx *q, const struct model_shape *s, const char *key, size_t kl,
                        struct jval *out, bool *present) {
    size_t cap = s->n_members ? s->n_members : 1, n = 0;
    struct jmember *m = arena_alloc(q->a, cap * sizeof(*m));
    for (size_t i = 0; i < s->n_members; i++) {
        const struct model_member *mm = &s->members[i];
        const char *wire = mm->location_name ? mm->location_name : mm->name;
        size_t cl;
        char *ck = join(q->a, key, kl, wire, &cl);
        bool here = false;
        struct jval v;
        if (build(q, mm->shape, ck, cl, &v, &here) != C_OK) return C_ERR;
        if (!here) continue;
        m[n].k = mm->name;
        m[n].klen = mm->name_len;
        m[n].v = v;
        n++;
    }
    out->t = J_OBJ;
    out->u.o.m = m;
    out->u.o.n = n;
    *present = n > 0;
    return C_OK;
}

static int build_list(struct qctx *q, const struct model_shape *s, const char *key, size_t kl,
                      bool flattened, struct jval *out, bool *present) {
    const struct model_member *el = s->member;
    const char *mname = flattened ? NULL : (el->location_name ? el->location_name : "member");
    size_t pl;
    char *pre = mname ? arena_sprintf(q->a, "%.*s.%s.", (int)kl, key, mname)
                      : arena_sprintf(q->a, "%.*s.", (int)kl, key);
    pl = strlen(pre);
    long *ix;
    size_t n = indexes(q, pre, pl, &ix);
    out->t = J_ARR;
    out->u.a.n = 0;
    out->u.a.v = arena_alloc(q->a, (n ? n : 1) * sizeof(struct jval));
    if (n == 0) {
        /* An empty list is sent as the bare name with an empty value. */
        const struct form_pair *fp = exact(q, key, kl);
        *present = fp && fp->vlen == 0;
        return C_OK;
    }
    for (size_t i = 0; i < n; i++) {
        size_t ekl;
        char *ek = arena_sprintf(q->a, "%s%ld", pre, ix[i]);
        ekl = strlen(ek);
        bool here = false;
        struct jval *v = &out->u.a.v[out->u.a.n];
        if (build(q, el->shape, ek, ekl, v, &here) != C_OK) return C_ERR;
        if (here) out->u.a.n++;
    }
    *present = true;
    return C_OK;
}

static int build_map(struct qctx *q, const struct model_shape *s, const char *key, size_t kl,
                     bool flattened, struct jval *out, bool *present) {
    const char *kn = s->key->location_name ? s->key->location_name : "key";
    const char *vn = s->value->location_name ? s->value->location_name : "value";
    char *pre = flattened ? arena_sprintf(q->a, "%.*s.", (int)kl, key)
                          : arena_sprintf(q->a, "%.*s.entry.", (int)kl, key);
    size_t pl = strlen(pre);
    long *ix;
    size_t n = indexes(q, pre, pl, &ix);
    out->t = J_OBJ;
    out->u.o.n = 0;
    out->u.o.m = arena_alloc(q->a, (n ? n : 1) * sizeof(struct jmember));
    for (size_t i = 0; i < n; i++) {
        char *kk = arena_sprintf(q->a, "%s%ld.%s", pre, ix[i], kn);
        char *vk = arena_sprintf(q->a, "%s%ld.%s", pre, ix[i], vn);
        const struct form_pair *kp = exact(q, kk, strlen(kk));
        if (!kp) continue;
        bool here = false;
        struct jmember *m = &out->u.o.m[out->u.o.n];
        if (build(q, s->value->shape, vk, strlen(vk), &m->v, &here) != C_OK) return C_ERR;
        if (!here) m->v.t = J_NULL;
        m->k = kp->v;
        m->klen = kp->vlen;
        out->u.o.n++;
    }
    *present = n > 0;
    return C_OK;
}

static int build(struct qctx *q, const struct model_shape *s, const char *key, size_t kl,
                 struct jval *out, bool *present) {
    *present = false;
    memset(out, 0, sizeof *out);
    if (++q->depth > 32) {   /* recursive shapes: stop where no parameter can reach */
        q->depth--;
        return C_OK;
    }
    int rc = C_OK;
    switch (s->type) {
    case MT_STRUCTURE:
        if (kl == 0 || has_prefix(q, arena_sprintf(q->a, "%.*s.", (int)kl, key), kl + 1))
            rc = build_struct(q, s, key, kl, out, present);
        break;
    case MT_LIST:
        rc = build_list(q, s, key, kl, s->flattened, out, present);
        break;
    case MT_MAP:
        rc = build_map(q, s, key, kl, s->flattened, out, present);
        break;
    default: {
        const struct form_pair *fp = exact(q, key, kl);
        if (!fp) break;
        *present = true;
        char *end;
        switch (s->type) {
        case MT_BOOLEAN:
            if (strcasecmp(fp->v, "true") == 0) { out->t = J_BOOL; out->u.b = true; }
            else if (strcasecmp(fp->v, "false") == 0) { out->t = J_BOOL; out->u.b = false; }
            else rc = malformed(q, key, fp);
            break;
        case MT_BYTE: case MT_SHORT: case MT_INTEGER: case MT_LONG: case MT_BIGINTEGER:
            errno = 0;
            out->t = J_INT;
            out->u.i = strtoll(fp->v, &end, 10);
            if (errno || end == fp->v || *end || fp->vlen != strlen(fp->v))
                rc = malformed(q, key, fp);
            break;
        case MT_FLOAT: case MT_DOUBLE: case MT_BIGDECIMAL:
            out->t = J_DBL;
            out->u.d = strtod(fp->v, &end);
            if (end == fp->v || *end) rc = malformed(q, key, fp);
            break;
        case MT_TIMESTAMP:
            out->t = J_DBL;
            out->u.d = strtod(fp->v, &end);
            if ((end == fp->v || *end) && !parse_iso8601(fp->v, &out->u.d))
                rc = malformed(q, key, fp);
            break;
        default:   /* strings, blobs (base64 text) */
            out->t = J_STR;
            out->u.s.s = fp->v;
            out->u.s.len = fp->vlen;
            break;
        }
    }
    }
    q->depth--;
    return rc;
}

int query_input_tree(struct arena *a, const struct model_shape *shape,
                     const struct form_pair *p, size_t n, struct jval **out, struct aws_err *e) {
    struct form_pair *sorted = arena_alloc(a, (n ? n : 1) * sizeof(*sorted));
    if (n) memcpy(sorted, p, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), pair_cmp);
    struct qctx q = {.a = a, .p = sorted, .n = n, .e = e};
    struct jval *v = arena_calloc(a, sizeof(*v));
    v->t = J_OBJ;
    if (shape) {
        bool present;
        if (build(&q, shape, "", 0, v, &present) != C_OK) return C_ERR;
    }
    *out = v;
    return C_OK;
}

/* ---------------- tree → XML ---------------- */

static void xml_scalar(struct xw *w, const struct jval *v) {
    char tmp[64];
    switch (v->t) {
    case J_STR: xw_text(w, v->u.s.s, v->u.s.len); break;
    case J_INT: snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i); buf_adds(w->b, tmp); break;
    case J_DBL: snprintf(tmp, sizeof tmp, "%.17g", v->u.d); buf_adds(w->b, tmp); break;
    case J_BOOL: buf_adds(w->b, v->u.b ? "true" : "false"); break;
    default: break;
    }
}

static void xml_value(struct xw *w, const char *name, const struct model_shape *s,
                      bool flattened, const struct jval *v);

static void xml_list_items(struct xw *w, const char *item, const struct model_shape *s,
                           const struct jval *v) {
    for (size_t i = 0; v->t == J_ARR && i < v->u.a.n; i++)
        xml_value(w, item, s->member->shape, false, &v->u.a.v[i]);
}

static void xml_value(struct xw *w, const char *name, const struct model_shape *s,
                      bool flattened, const struct jval *v) {
    if (v->t == J_NULL) return;
    switch (s->type) {
    case MT_STRUCTURE:
        if (v->t != J_OBJ) return;
        xw_open(w, name, NULL);
        query_xml_members(w, s, v);
        xw_close(w, name);
        return;
    case MT_LIST:
        if (v->t != J_ARR) return;
        if (flattened || s->flattened) {
            xml_list_items(w, s->member->location_name ? s->member->location_name : name, s, v);
        } else {
            xw_open(w, name, NULL);
            xml_list_items(w, s->member->location_name ? s->member->location_name : "member", s,
                           v);
            xw_close(w, name);
        }
        return;
    case MT_MAP: {
        if (v->t != J_OBJ) return;
        const char *kn = s->key->location_name ? s->key->location_name : "key";
        const char *vn = s->value->location_name ? s->value->location_name : "value";
        bool flat = flattened || s->flattened;
        if (!flat) xw_open(w, name, NULL);
        for (size_t i = 0; i < v->u.o.n; i++) {
            xw_open(w, flat ? name : "entry", NULL);
            xw_elemn(w, kn, v->u.o.m[i].k, v->u.o.m[i].klen);
            xml_value(w, vn, s->value->shape, false, &v->u.o.m[i].v);
            xw_close(w, flat ? name : "entry");
        }
        if (!flat) xw_close(w, name);
        return;
    }
    default:
        xw_open(w, name, NULL);
        xml_scalar(w, v);
        xw_close(w, name);
        return;
    }
}

void query_xml_members(struct xw *w, const struct model_shape *shape, const struct jval *v) {
    if (!shape || !v || v->t != J_OBJ) return;
    for (size_t i = 0; i < shape->n_members; i++) {
        const struct model_member *mm = &shape->members[i];
        const struct jval *mv = json_get(v, mm->name);
        if (!mv) continue;
        xml_value(w, mm->location_name ? mm->location_name : mm->name, mm->shape, mm->flattened,
                  mv);
    }
}

const char *query_xmlns(struct arena *a, const char *service) {
    if (!service || strcmp(service, "iam") == 0) return "https://iam.amazonaws.com/doc/2010-05-08/";
    if (strcmp(service, "sts") == 0) return "https://sts.amazonaws.com/doc/2011-06-15/";
    const struct model_service *ms = model_service(service);
    if (!ms) return "https://iam.amazonaws.com/doc/2010-05-08/";
    return arena_sprintf(a, "https://%s.amazonaws.com/doc/%s/",
                         ms->endpoint_prefix ? ms->endpoint_prefix : service,
                         ms->api_version ? ms->api_version : "");
}

/* ---------------- requests and errors ---------------- */

void query_proto_error(struct http_resp *rs, const struct aws_err *e, const char *xmlns,
                       const char *request_id) {
    rs->status = e->http ? e->http : 500;
    rs->content_type = "text/xml";
    rs->body.len = 0;
    struct xw w;
    xw_init(&w, &rs->body);
    xw_open(&w, "ErrorResponse", xmlns);
    xw_open(&w, "Error", NULL);
    xw_elem(&w, "Type", rs->status >= 500 ? "Receiver" : "Sender");
    xw_elem(&w, "Code", e->code ? e->code : ERR_INTERNAL);
    xw_elem(&w, "Message", e->msg);
    xw_close(&w, "Error");
    xw_elem(&w, "RequestId", request_id ? request_id : "");
    xw_close(&w, "ErrorResponse");
}

int query_proto_handle(struct sluice_ctx *sx, const struct service_def *svc, struct http_req *rq,
                       struct http_resp *rs, struct call *c) {
    (void)sx;
    struct aws_err *e = c->err;
    struct form_pair *fp;
    size_t nfp;
    if (strcmp(rq->method, "GET") == 0 || rq->body_len == 0)
        form_decode(c->a, rq->query ? rq->query : "", rq->query ? strlen(rq->query) : 0, &fp,
                    &nfp);
    else
        form_decode(c->a, rq->body, rq->body_len, &fp, &nfp);

    const struct model_service *ms = model_service(svc->name);
    const struct form_pair *act = form_find(fp, nfp, "Action");
    if (!act || !act->vlen)
        return aws_errf(e, 400, "MissingAction", "Missing Action");
    const struct form_pair *ver = form_find(fp, nfp, "Version");
    const char *opname = act->v;
    rs->log_op = opname;
    c->op = opname;
    const struct model_op *mop = ms ? model_op(ms, opname) : NULL;
    if (!mop || (ver && ms->api_version && strcmp(ver->v, ms->api_version) != 0))
        return aws_errf(e, 400, "InvalidAction", "Could not find operation %s for version %s",
                        opname, ver ? ver->v : "NO_VERSION_SPECIFIED");
    const struct op_def *od = service_op(svc, opname);
    if (!od)
        return aws_errf(e, 400, "InvalidAction", "Sluice does not implement %s:%s yet.",
                        svc->name, opname);

    struct jval *in;
    if (query_input_tree(c->a, mop->input, fp, nfp, &in, e) != C_OK) return C_ERR;
    const struct jval *vin = svc->validation_view ? svc->validation_view(c, in) : in;
    if (model_validate(ms, mop, vin, c->a, e) != C_OK) return C_ERR;
    c->in = in;

    /* The handler writes JSON under the model's names; re-emit it as XML. */
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    jw_obj_begin(&w);
    c->out = &w;
    if (dispatch_authorize(c, od) != C_OK || od->fn(c) != C_OK) {
        buf_free(&jb);
        return C_ERR;
    }
    jw_obj_end(&w);
    buf_reserve(&jb, JSON_PADDING);
    memset(jb.p + jb.len, 0, JSON_PADDING);
    struct jval *outv;
    char perr[128];
    if (json_parse(c->a, jb.p, jb.len, &outv, perr, sizeof perr) != C_OK) {
        buf_free(&jb);
        return aws_errf(e, 500, ERR_INTERNAL, "response encoding failed: %s", perr);
    }
    buf_free(&jb);

    const char *xmlns = query_xmlns(c->a, svc->name);
    buf_init(&rs->body);
    struct xw x;
    xw_init(&x, &rs->body);
    char *resp = arena_sprintf(c->a, "%sResponse", opname);
    xw_open(&x, resp, xmlns);
    if (mop->output) {
        char *res = arena_sprintf(c->a, "%sResult", opname);
        xw_open(&x, res, NULL);
        query_xml_members(&x, mop->output, outv);
        xw_close(&x, res);
    }
    xw_open(&x, "ResponseMetadata", NULL);
    xw_elem(&x, "RequestId", c->request_id);
    xw_close(&x, "ResponseMetadata");
    xw_close(&x, resp);
    rs->status = 200;
    rs->content_type = "text/xml";
    return C_OK;
}

/* socket → HTTP → here: pick the service, authenticate (SigV4), decode the
 * protocol, validate against the model, run the handler, encode the answer.
 * Each protocol's codec lives in its own file (json_proto.c for AWS JSON
 * 1.1, query_proto.c for the Query protocol of IAM and STS). */
#include "dispatch.h"
#include "sigv4.h"
#include "model.h"
#include "query_proto.h"
#include "xml.h"
#include "principal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The services (dispatch_register_service): registered at start-up, before
 * the server takes requests, and read-only after, so request threads read
 * them without a lock.  The tables are the services' own (static), never
 * copied. */
#define MAX_SERVICES 16
static const struct service_def *g_services[MAX_SERVICES];
static size_t g_nservices;

int dispatch_register_service(const struct service_def *svc) {
    if (!svc || !svc->name) return C_ERR;
    for (size_t i = 0; i < g_nservices; i++)
        if (strcmp(g_services[i]->name, svc->name) == 0) return g_services[i] == svc ? C_OK : C_ERR;
    if (g_nservices == MAX_SERVICES) return C_ERR;
    g_services[g_nservices++] = svc;
    return C_OK;
}

const struct service_def *service_by_name(const char *name) {
    for (size_t i = 0; name && i < g_nservices; i++)
        if (strcmp(g_services[i]->name, name) == 0) return g_services[i];
    return NULL;
}

/* The REST protocol's hooks (dispatch_set_rest_handler): same life as
 * g_services. */
static rest_headers_fn g_rest_headers;
static rest_error_fn g_rest_error;

void dispatch_set_rest_handler(rest_headers_fn on_headers, rest_error_fn render_error) {
    g_rest_headers = on_headers;
    g_rest_error = render_error;
}

/* Operation tables of higher layers served under a service's name (the
 * delivery plane's operations are CloudWatch Logs operations): registered
 * at start-up, before the server takes requests, and read-only after. */
#define MAX_EXT_TABLES 8
static struct {
    const char *service;
    const struct op_def *ops;
    size_t n;
} g_ext[MAX_EXT_TABLES];
static size_t g_next;

int service_register_ops(const char *service, const struct op_def *ops, size_t n) {
    if (g_next == MAX_EXT_TABLES) return C_ERR;
    for (size_t i = 1; i < n; i++)
        if (strcmp(ops[i - 1].name, ops[i].name) >= 0) return C_ERR;   /* must be sorted */
    g_ext[g_next++] = (typeof(g_ext[0])){service, ops, n};
    return C_OK;
}

/* The policy layer's operation check (dispatch_set_authorizer): same life
 * as g_ext. */
static op_authorize_fn g_authorize;

void dispatch_set_authorizer(op_authorize_fn fn) { g_authorize = fn; }

int dispatch_authorize(struct call *c, const struct op_def *od) {
    if (!g_authorize)
        return aws_errf(c->err, 500, ERR_INTERNAL, "No authorizer is installed.");
    return g_authorize(c, od);
}

/* Plain HTTP resources (dispatch_register_get): same life as g_ext. */
#define MAX_PATHS 4
static struct {
    const char *path, *service, *log_op;
    path_get_fn fn;
    void *ctx;
} g_paths[MAX_PATHS];
static size_t g_npaths;

int dispatch_register_get(const char *path, const char *service, const char *log_op,
                          path_get_fn fn, void *ctx) {
    if (g_npaths == MAX_PATHS || !path || path[0] != '/' || !service || !fn) return C_ERR;
    g_paths[g_npaths++] = (typeof(g_paths[0])){path, service, log_op, fn, ctx};
    return C_OK;
}

static int cmp_op(const void *k, const void *e) {
    return strcmp((const char *)k, ((const struct op_def *)e)->name);
}

const struct op_def *service_op(const struct service_def *svc, const char *name) {
    const struct op_def *od = bsearch(name, svc->ops, svc->nops, sizeof(*od), cmp_op);
    for (size_t i = 0; !od && i < g_next; i++)
        if (strcmp(g_ext[i].service, svc->name) == 0)
            od = bsearch(name, g_ext[i].ops, g_ext[i].n, sizeof(*od), cmp_op);
    return od;
}

const struct service_def *service_by_target(const char *target, size_t prefix_len) {
    for (size_t i = 0; i < g_nservices; i++) {
        const char *p = g_services[i]->target_prefix;
        if (p && strlen(p) == prefix_len && strncmp(p, target, prefix_len) == 0)
            return g_services[i];
    }
    return NULL;
}

int json_proto_handle(struct sluice_ctx *sx, const struct service_def *svc, struct http_req *rq,
                      struct http_resp *rs, struct call *c);
void json_proto_error(struct http_resp *rs, const struct aws_err *e);
int query_proto_handle(struct sluice_ctx *sx, const struct service_def *svc, struct http_req *rq,
                       struct http_resp *rs, struct call *c);
void query_proto_error(struct http_resp *rs, const struct aws_err *e, const char *xmlns,
                       const char *request_id);

/* Which protocol will answer: decides the error shape even before we know
 * who is calling. */
static enum sigv4_errstyle guess_style(const struct http_req *rq) {
    if (http_header(rq, "X-Amz-Target")) return SIGV4_JSON;
    const char *ct = http_header(rq, "Content-Type");
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) return SIGV4_QUERY;
    /* Query-protocol GET: ?Action=GetCallerIdentity&Version=... */
    if (rq->query && (strncmp(rq->query, "Action=", 7) == 0 || strstr(rq->query, "&Action=")))
        return SIGV4_QUERY;
    return SIGV4_S3;
}

/* The error in the shape of the protocol that answers.  service is the
 * signed scope's service when known (it picks the XML namespace).  The REST
 * shape is the REST handler's; with none installed, JSON. */
static void render_error(struct http_req *rq, struct http_resp *rs, enum sigv4_errstyle st,
                         const char *service, const struct aws_err *e) {
    if (st == SIGV4_QUERY) {
        query_proto_error(rs, e, query_xmlns(&rq->arena, service), rq->request_id);
        return;
    }
    if (st == SIGV4_S3 && g_rest_error) {
        g_rest_error(rq, rs, e);
        return;
    }
    json_proto_error(rs, e);
}

/* The service of a request's SigV4 credential scope (header or presigned
 * query) is s3.  A cheap look at header time; authentication proper comes
 * later. */
static bool signed_for_s3(const struct http_req *rq) {
    const char *v = NULL;
    const char *h = http_header(rq, "Authorization");
    if (h && (v = strstr(h, "Credential="))) v += 11;
    else if (rq->query && (v = strstr(rq->query, "X-Amz-Credential="))) v += 17;
    if (!v) return false;
    /* AKID/DATE/REGION/SERVICE/aws4_request, '/' maybe as %2F. */
    for (int seps = 0; *v && *v != ',' && *v != '&' && *v != ' ';) {
        size_t sep = *v == '/' ? 1 : (strncasecmp(v, "%2F", 3) == 0 ? 3 : 0);
        if (!sep) { v++; continue; }
        v += sep;
        if (++seps == 3)
            return strncmp(v, "s3", 2) == 0 && (v[2] == '/' || strncasecmp(v + 2, "%2F", 3) == 0);
    }
    return false;
}

/* The plain HTTP resource a request is for: a GET of a registered path
 * that no AWS protocol claims (no X-Amz-Target, form body or Action) and
 * that is not signed for s3 (that one is a path-style bucket). */
static int path_route(const struct http_req *rq) {
    if (!g_npaths || strcmp(rq->method, "GET") != 0) return -1;
    for (size_t i = 0; i < g_npaths; i++)
        if (strcmp(rq->path, g_paths[i].path) == 0)
            return guess_style(rq) == SIGV4_S3 && !signed_for_s3(rq) ? (int)i : -1;
    return -1;
}

/* Headers are in: S3-style requests (REST-XML) are taken over by the REST
 * handler (S3's) before their body arrives, so object bodies stream to disk
 * and a refusal reaches a client waiting on "Expect: 100-continue" at once.
 * Every other request is buffered and handled by sluice_handle. */
void sluice_on_headers(void *ctx, struct http_req *rq) {
    if (g_rest_headers && guess_style(rq) == SIGV4_S3 && path_route(rq) < 0)
        g_rest_headers(ctx, rq);
}

/* Constant-time string equality (session tokens). */
static bool secure_equal(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

int sluice_authenticate(struct sluice_ctx *sx, struct http_req *rq, enum sigv4_errstyle st,
                        const char *payload_hash, struct sigv4_auth *au, struct access_key *key,
                        struct aws_err *err) {
    struct arena *a = &rq->arena;
    struct sigv4_header *hs = arena_alloc(a, (rq->nheaders + 1) * sizeof(*hs));
    for (size_t i = 0; i < rq->nheaders; i++) {
        hs[i].name = rq->headers[i].name;
        hs[i].value = rq->headers[i].value;
    }
    struct sigv4_request sr = {
        .method = rq->method, .path = rq->path, .query = rq->query,
        .headers = hs, .nheaders = rq->nheaders,
        .payload_sha256_hex = payload_hash,
    };
    memset(au, 0, sizeof *au);
    if (sigv4_parse(a, &sr, st, au, err) != C_OK) return C_ERR;
    if (sx->dev_key && strcmp(au->akid, sx->dev_key->akid) == 0) {
        *key = *sx->dev_key;
    } else if (!sx->key_lookup || sx->key_lookup(sx->store, a, au->akid, key) != C_OK ||
               !key->active) {
        sigv4_unknown_key_error(st, err);
        return C_ERR;
    }
    if (key->session_token) {
        /* Temporary (STS) credentials: the token must come along and match;
         * without it, or with another, the key is as unknown as a wrong one. */
        if (!au->security_token || !secure_equal(au->security_token, key->session_token)) {
            sigv4_unknown_key_error(st, err);
            return C_ERR;
        }
        if (now_ms() >= key->expires_ms) {
            if (st == SIGV4_QUERY)
                aws_errf(err, 403, "ExpiredToken",
                         "The security token included in the request is expired");
            else if (st == SIGV4_S3)
                aws_errf(err, 400, "ExpiredToken", "The provided token has expired.");
            else
                aws_errf(err, 400, "ExpiredTokenException",
                         "The security token included in the request is expired");
            return C_ERR;
        }
    } else if (au->security_token) {
        /* A token beside a long-term key is refused as AWS refuses an
         * invalid token. */
        sigv4_unknown_key_error(st, err);
        return C_ERR;
    }
    if (sigv4_verify(a, &sr, au, key->secret, now_ms() / 1000, st, err) != C_OK) return C_ERR;
    return C_OK;
}

/* A plain HTTP resource (dispatch_register_get): a bearer token for the
 * handler to judge, or SigV4 verified here; errors in the S3 shape, as for
 * any request no AWS protocol claims. */
static void handle_path(struct sluice_ctx *sx, struct http_req *rq, struct http_resp *rs,
                        int route) {
    struct arena *a = &rq->arena;
    struct aws_err err = {0};
    const char *scope_service = NULL;
    rs->log_op = g_paths[route].log_op;
    struct path_req pr = {.store = sx->store, .region = sx->region, .a = a, .query = rq->query,
                          .err = &err};
    struct sigv4_auth au;
    struct access_key key;
    struct call c;
    const char *authz = http_header(rq, "Authorization");
    if (authz && strncasecmp(authz, "Bearer", 6) == 0 && (!authz[6] || authz[6] == ' ')) {
        const char *t = authz + 6;
        while (*t == ' ') t++;
        pr.bearer = t;
    } else {
        char body_hash[65];
        const char *stated = http_header(rq, "x-amz-content-sha256");
        sigv4_sha256_hex(rq->body ? rq->body : "", rq->body_len, body_hash);
        if (stated && strcmp(stated, body_hash) != 0) {
            aws_errf(&err, 400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
            goto fail;
        }
        int auth_rc = sluice_authenticate(sx, rq, SIGV4_S3, body_hash, &au, &key, &err);
        scope_service = au.service;
        if (auth_rc != C_OK) goto fail;
        rs->log_account = arena_strdup(a, key.account_id);
        if (sigv4_check_scope(&au, sx->region, g_paths[route].service, SIGV4_S3, &err) != C_OK)
            goto fail;
        c = (struct call){
            .a = a, .store = sx->store, .region = sx->region,
            .service = g_paths[route].service, .op = g_paths[route].log_op,
            .who = {.account_id = arena_strdup(a, key.account_id), .arn = key.principal_arn,
                    .akid = key.akid},
            .key = &key,
            .request_id = rq->request_id, .source_ip = rq->remote_ip,
            .secure_transport = rq->tls, .now_ms = now_ms(), .err = &err,
        };
        pr.c = &c;
    }
    if (g_paths[route].fn(g_paths[route].ctx, &pr, rs) == C_OK) return;
fail:
    rs->log_error = err.code;
    render_error(rq, rs, SIGV4_S3, scope_service, &err);
}

void sluice_handle(void *ctx, struct http_req *rq, struct http_resp *rs) {
    struct sluice_ctx *sx = ctx;
    struct arena *a = &rq->arena;
    struct aws_err err = {0};
    enum sigv4_errstyle st = guess_style(rq);
    const char *scope_service = NULL;
    int route = path_route(rq);
    if (route >= 0) {
        handle_path(sx, rq, rs, route);
        return;
    }

    /* 1. Authenticate.  Buffered (non-S3) bodies are always hashed: a hash
     * the client states in x-amz-content-sha256 is what the signature
     * covers, so it must be the body's, or a changed body would pass as
     * signed. */
    char body_hash[65];
    const char *stated = http_header(rq, "x-amz-content-sha256");
    sigv4_sha256_hex(rq->body ? rq->body : "", rq->body_len, body_hash);
    if (stated && st != SIGV4_S3 && strcmp(stated, body_hash) != 0) {
        aws_errf(&err, 400, "InvalidSignatureException",
                 "The provided x-amz-content-sha256 header does not match what was computed.");
        goto fail;
    }
    struct sigv4_auth au;
    struct access_key key;
    int auth_rc = sluice_authenticate(sx, rq, st, body_hash, &au, &key, &err);
    scope_service = au.service;
    if (auth_rc != C_OK) goto fail;
    rs->log_account = arena_strdup(a, key.account_id);

    /* 2. Route by the signed scope's service. */
    const struct service_def *svc = service_by_name(au.service);
    if (!svc) {
        aws_errf(&err, 400, ERR_UNKNOWN_OP, "Sluice does not serve '%s' on this endpoint.",
                 au.service);
        goto fail;
    }
    if (sigv4_check_scope(&au, sx->region, NULL, st, &err) != C_OK) goto fail;

    struct call c = {
        .a = a, .store = sx->store, .region = sx->region, .service = svc->name,
        .who = {.account_id = arena_strdup(a, key.account_id), .arn = key.principal_arn,
                .akid = key.akid},
        .key = &key,
        .request_id = rq->request_id, .source_ip = rq->remote_ip,
        .secure_transport = rq->tls, .now_ms = now_ms(), .err = &err,
    };
    switch (svc->proto) {
    case PROTO_JSON11:
        if (json_proto_handle(sx, svc, rq, rs, &c) == C_OK) return;
        goto fail;
    case PROTO_QUERY:
        if (query_proto_handle(sx, svc, rq, rs, &c) == C_OK) return;
        goto fail;
    default:
        aws_errf(&err, 400, ERR_UNKNOWN_OP, "Sluice does not serve this protocol yet.");
        goto fail;
    }

fail:
    rs->log_error = err.code;
    render_error(rq, rs, st, scope_service, &err);
}

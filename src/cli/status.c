/* `sluice delivery status` (status.h): GetDeliveryStatus of one delivery
 * (--id), or of every delivery of the caller's account — the V2 ones
 * (DescribeDeliveries) and the V1 log deliveries (ListLogDeliveries), all
 * pages — printed as a table (id, model, destination type, state, backlog,
 * delivered, last error shortened) or as JSON with every status field.
 *
 * The calls go through the command-line tools' client (http_client.h),
 * signed as the profile's principal: the server's policy engine decides
 * what it may see, as for any client. */
#include "status.h"
#include "cli.h"

#include "../json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_PREFIX "Logs_20140328."
#define PAGE_LIMIT 50
#define ERR_WIDTH 60

const char USAGE_DELIVERY[] =
    "usage: sluice delivery status [--id ID] [--endpoint URL] [--profile P]\n"
    "         [--credentials FILE] [--region R] [--json]\n"
    "Asks a running Sluice why deliveries are, or are not, delivering:\n"
    "GetDeliveryStatus of --id, or of every delivery of the profile's account\n"
    "(DescribeDeliveries and ListLogDeliveries). Prints id, model (V1/V2),\n"
    "destination type, state (IDLE, DELIVERING, FAILING), backlog and delivered\n"
    "records and the last error, shortened; --json prints\n"
    "{\"deliveries\":[...]} with every status field. Defaults: endpoint\n"
    "http://127.0.0.1:4566, profile default of $AWS_SHARED_CREDENTIALS_FILE or\n"
    "./data/credentials, region $AWS_REGION or us-east-1.\n"
    "Exit status: 0 shown, 1 failed, 2 usage.\n";

struct opts {
    const char *id, *endpoint, *profile, *credentials, *region;
    bool json;
};

struct client {
    struct http_client hc;
    struct aws_creds cr;
    const char *region;
    struct arena *a;
};

/* One delivery as shown. */
struct row {
    const char *id, *model, *dest_type, *dest_arn;
    const struct jval *status;     /* the deliveryStatus object */
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static struct row *row_add(struct rows *r) {
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        if (!(r->v = realloc(r->v, r->cap * sizeof *r->v))) abort();
    }
    struct row *w = &r->v[r->n++];
    memset(w, 0, sizeof *w);
    return w;
}

/* One JSON 1.1 call of CloudWatch Logs.  C_OK with *out the answer's
 * object; C_ERR with err "Type: message" (or why there was no answer) and
 * *type the error's type ("" without an answer). */
static int call(struct client *c, const char *op, const char *body, const struct jval **out,
                char *type, size_t tn, char *err, size_t en) {
    char target[128];
    snprintf(target, sizeof target, TARGET_PREFIX "%s", op);
    struct http_response r;
    type[0] = 0;
    if (http_client_aws_json(&c->hc, &c->cr, c->region, "logs", target, body, strlen(body), &r,
                             err, en) != C_OK) {
        http_response_free(&r);
        return C_ERR;
    }
    buf_reserve(&r.body, JSON_PADDING);
    struct jval *v = NULL;
    char perr[128];
    bool parsed = r.body.len &&
                  json_parse(c->a, r.body.p, r.body.len, &v, perr, sizeof perr) == C_OK &&
                  v->t == J_OBJ;
    int rc = C_ERR;
    if (r.status == 200 && parsed) {
        *out = v;
        rc = C_OK;
    } else if (r.status == 200) {
        snprintf(err, en, "%s: the answer is not a JSON object", op);
    } else {
        const char *t = parsed ? json_str(json_get(v, "__type")) : NULL;
        const char *m = parsed ? json_str(json_get(v, "message")) : NULL;
        if (parsed && !m) m = json_str(json_get(v, "Message"));
        if (!t && r.error_type[0]) t = r.error_type;
        if (t) {
            const char *hash = strrchr(t, '#');
            if (hash) t = hash + 1;
            snprintf(type, tn, "%.*s", (int)strcspn(t, ":"), t);
        } else {
            snprintf(type, tn, "HTTP %d", r.status);
        }
        snprintf(err, en, "%s: %s: %s", op, type, m ? m : "(no message)");
    }
    http_response_free(&r);
    return rc;
}

/* {"limit":50[,"nextToken":T]} / {"id":ID} */
static char *body_page(struct arena *a, const char *token) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "limit");
    jw_int(&w, PAGE_LIMIT);
    if (token) {
        jw_key(&w, "nextToken");
        jw_str(&w, token);
    }
    jw_obj_end(&w);
    char *s = arena_strdup(a, b.p);
    buf_free(&b);
    return s;
}

static char *body_id(struct arena *a, const char *id) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_str(&w, id);
    jw_obj_end(&w);
    char *s = arena_strdup(a, b.p);
    buf_free(&b);
    return s;
}

/* Every page of a Describe/List call: each element of `key` becomes a row. */
static int list_all(struct client *c, const char *op, const char *key, const char *model,
                    const char *dest_key, struct rows *rows, char *err, size_t en) {
    const char *token = NULL;
    do {
        const struct jval *v;
        char type[128];
        if (call(c, op, body_page(c->a, token), &v, type, sizeof type, err, en) != C_OK)
            return C_ERR;
        const struct jval *arr = json_get(v, key);
        for (size_t i = 0; arr && arr->t == J_ARR && i < arr->u.a.n; i++) {
            const struct jval *d = &arr->u.a.v[i];
            const char *id = json_str(json_get(d, "id"));
            if (!id) continue;
            struct row *w = row_add(rows);
            w->id = id;
            w->model = model;
            w->dest_type = json_str(json_get(d, "deliveryDestinationType"));
            w->dest_arn = json_str(json_get(d, dest_key));
        }
        token = json_str(json_get(v, "nextToken"));
    } while (token);
    return C_OK;
}

static int64_t num(const struct jval *obj, const char *key) {
    const struct jval *v = json_get(obj, key);
    if (!v) return 0;
    if (v->t == J_INT) return v->u.i;
    if (v->t == J_DBL) return (int64_t)v->u.d;
    return 0;
}

/* "Code: message" on one line, at most ERR_WIDTH characters ("-": none). */
static void short_error(const struct jval *st, char *out, size_t n) {
    const char *code = json_str(json_get(st, "lastErrorCode"));
    const char *msg = json_str(json_get(st, "lastErrorMessage"));
    if (!code && !msg) {
        snprintf(out, n, "-");
        return;
    }
    char full[1200];
    snprintf(full, sizeof full, "%s%s%s", code ? code : "", code && msg ? ": " : "",
             msg ? msg : "");
    size_t o = 0;
    bool space = false;
    for (const char *p = full; *p && o + 1 < n; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
            space = o > 0;
            continue;
        }
        if (space && o + 1 < n) out[o++] = ' ';
        space = false;
        if (o + 1 < n) out[o++] = *p;
    }
    out[o] = 0;
    if (o > ERR_WIDTH && n > ERR_WIDTH) strcpy(out + ERR_WIDTH - 3, "...");
}

static void print_table(const struct rows *r) {
    printf("%-16s  %-5s  %-4s  %-10s  %10s  %10s  %s\n", "ID", "MODEL", "DEST", "STATE",
           "BACKLOG", "DELIVERED", "LAST ERROR");
    for (size_t i = 0; i < r->n; i++) {
        const struct row *w = &r->v[i];
        const char *state = json_str(json_get(w->status, "state"));
        char e[ERR_WIDTH + 64];
        short_error(w->status, e, sizeof e);
        printf("%-16s  %-5s  %-4s  %-10s  %10lld  %10lld  %s\n", w->id, w->model ? w->model : "-",
               w->dest_type ? w->dest_type : "-", state ? state : "-",
               (long long)num(w->status, "backlogRecords"),
               (long long)num(w->status, "deliveredRecords"), e);
    }
}

static void print_json(const struct rows *r) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "deliveries");
    jw_arr_begin(&w);
    for (size_t i = 0; i < r->n; i++) {
        const struct row *d = &r->v[i];
        jw_obj_begin(&w);
        jw_key(&w, "id");
        jw_str(&w, d->id);
        if (d->model) { jw_key(&w, "model"); jw_str(&w, d->model); }
        if (d->dest_type) { jw_key(&w, "deliveryDestinationType"); jw_str(&w, d->dest_type); }
        if (d->dest_arn) { jw_key(&w, "destinationArn"); jw_str(&w, d->dest_arn); }
        const struct jval *st = d->status;
        for (size_t k = 0; st && st->t == J_OBJ && k < st->u.o.n; k++) {
            const struct jmember *m = &st->u.o.m[k];
            if (m->klen == 2 && memcmp(m->k, "id", 2) == 0) continue;
            jw_keyn(&w, m->k, m->klen);
            jw_value(&w, &m->v);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    printf("%s\n", b.p);
    buf_free(&b);
}

/* --id: its status, then (best effort) what it is: a V2 delivery or a V1
 * log delivery. */
static int one(struct client *c, const char *id, struct rows *rows, char *err, size_t en) {
    struct row *w = row_add(rows);
    w->id = id;
    char type[128], ignored[512];
    const struct jval *v;
    if (call(c, "GetDelivery", body_id(c->a, id), &v, type, sizeof type, ignored,
             sizeof ignored) == C_OK) {
        const struct jval *d = json_get(v, "delivery");
        w->model = "V2";
        w->dest_type = json_str(json_get(d, "deliveryDestinationType"));
        w->dest_arn = json_str(json_get(d, "deliveryDestinationArn"));
    } else if (call(c, "GetLogDelivery", body_id(c->a, id), &v, type, sizeof type, ignored,
                    sizeof ignored) == C_OK) {
        const struct jval *d = json_get(v, "logDelivery");
        w->model = "V1";
        w->dest_type = json_str(json_get(d, "deliveryDestinationType"));
        w->dest_arn = json_str(json_get(d, "destinationArn"));
    }
    return C_OK;
}

static int parse_opts(int argc, char **argv, struct opts *o) {
    const char *env_cred = getenv("AWS_SHARED_CREDENTIALS_FILE");
    const char *env_region = getenv("AWS_REGION");
    if (!env_region || !*env_region) env_region = getenv("AWS_DEFAULT_REGION");
    *o = (struct opts){.endpoint = "http://127.0.0.1:4566", .profile = "default",
                       .credentials = env_cred && *env_cred ? env_cred : "./data/credentials",
                       .region = env_region && *env_region ? env_region : "us-east-1"};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = !strcmp(a, "--id")            ? &o->id
                            : !strcmp(a, "--endpoint")    ? &o->endpoint
                            : !strcmp(a, "--profile")     ? &o->profile
                            : !strcmp(a, "--credentials") ? &o->credentials
                            : !strcmp(a, "--region")      ? &o->region
                                                          : NULL;
        if (!strcmp(a, "--json")) {
            o->json = true;
        } else if (slot && v) {
            *slot = v;
            i++;
        } else {
            fprintf(stderr, "sluice delivery status: %s %s\n", a,
                    slot ? "needs a value" : "is not an option");
            fputs(USAGE_DELIVERY, stderr);
            return 2;
        }
    }
    return 0;
}

static int status_cmd(int argc, char **argv) {
    struct opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc) return rc;
    char err[1024];
    struct arena a;
    arena_init(&a, 16384);
    struct client c = {.region = o.region, .a = &a};
    struct rows rows = {0};
    rc = 1;
    if (http_client_init(&c.hc, o.endpoint, err, sizeof err) != C_OK) goto out;
    if (cli_load_credentials(o.credentials, o.profile, &c.cr, err, sizeof err) != C_OK) goto out;
    if (o.id) {
        if (one(&c, o.id, &rows, err, sizeof err) != C_OK) goto out;
    } else if (list_all(&c, "DescribeDeliveries", "deliveries", "V2", "deliveryDestinationArn",
                        &rows, err, sizeof err) != C_OK ||
               list_all(&c, "ListLogDeliveries", "logDeliveries", "V1", "destinationArn", &rows,
                        err, sizeof err) != C_OK) {
        goto out;
    }
    for (size_t i = 0; i < rows.n; i++) {
        const struct jval *v;
        char type[128];
        if (call(&c, "GetDeliveryStatus", body_id(&a, rows.v[i].id), &v, type, sizeof type, err,
                 sizeof err) != C_OK)
            goto out;
        rows.v[i].status = json_get(v, "deliveryStatus");
    }
    if (o.json) print_json(&rows);
    else if (rows.n) print_table(&rows);
    else printf("no deliveries\n");
    rc = 0;
out:
    if (rc) fprintf(stderr, "sluice delivery status: %s\n", err);
    free(rows.v);
    cli_creds_free(&c.cr);
    http_client_close(&c.hc);
    arena_free(&a);
    return rc;
}

int delivery_cmd(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE_DELIVERY, stdout);
            return 0;
        }
    if (argc < 1 || strcmp(argv[0], "status") != 0) {
        fputs(USAGE_DELIVERY, stderr);
        return 2;
    }
    return status_cmd(argc - 1, argv + 1);
}

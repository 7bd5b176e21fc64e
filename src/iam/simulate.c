/* `sluice policy simulate`: the engine's decision, and why, for a
 * principal, action, resource and context — offline, from policy files, so
 * a policy can be tried before it is put anywhere.  The same engine answers
 * the server's requests (authz.c), so what it says is what Sluice does. */
#include "simulate.h"
#include "policy.h"
#include "../aws/arn.h"
#include "../core/buf.h"
#include "../json/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char SIMULATE_USAGE[] =
    "usage: sluice policy simulate --action SVC:ACTION --resource ARN\n"
    "         [--principal ARN] [--principal-type root|user|assumed-role|service]\n"
    "         [--role-arn ARN] [--username NAME] [--userid ID]\n"
    "         [--identity-policy FILE]... [--boundary FILE]\n"
    "         [--resource-policy FILE]... [--resource-account ACCT]\n"
    "         [--context KEY=VALUE[,VALUE...]]...\n"
    "Prints ALLOW, EXPLICIT DENY or IMPLICIT DENY with the deciding policy and\n"
    "statement (or what was missing) and the AccessDenied message a client\n"
    "would get. The principal's type and account come from its ARN unless\n"
    "given. Exit status: 0 allow, 1 deny, 2 usage or policy error.\n";

static void usage(void) { fputs(SIMULATE_USAGE, stderr); }

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct buf b;
    buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, n);
    fclose(f);
    buf_reserve(&b, JSON_PADDING);   /* the parser reads ahead */
    *len = b.len;
    return buf_steal(&b, NULL);
}

struct plist {
    const struct iam_policy **v;
    size_t n, cap;
};

static int load(struct arena *a, const char *path, enum iam_policy_kind kind, struct plist *l) {
    size_t len;
    char *doc = slurp(path, &len);
    if (!doc) {
        fprintf(stderr, "sluice: %s: %s\n", path, strerror(errno));
        return C_ERR;
    }
    struct iam_policy *p;
    struct aws_err e;
    int rc = iam_policy_parse(a, doc, len, kind, path, &p, &e);
    free(doc);
    if (rc != C_OK) {
        fprintf(stderr, "sluice: %s: %s: %s\n", path, e.code, e.msg);
        return C_ERR;
    }
    *ARENA_PUSH(a, l->v, l->n, l->cap) = p;
    return C_OK;
}

static const struct { const char *name; enum iam_principal_type t; } TYPES[] = {
    {"root", IAM_PT_ROOT}, {"user", IAM_PT_USER}, {"assumed-role", IAM_PT_ASSUMED_ROLE},
    {"service", IAM_PT_SERVICE}, {"anonymous", IAM_PT_ANONYMOUS},
};

/* Principal type and account from the ARN when not given. */
static void infer_principal(struct arena *a, struct iam_principal *p, bool typed) {
    const char *arn = p->arn;
    if (!typed) {
        if (strstr(arn, ":assumed-role/")) p->type = IAM_PT_ASSUMED_ROLE;
        else if (strstr(arn, ":user/")) p->type = IAM_PT_USER;
        else if (strncmp(arn, "arn:", 4) != 0) p->type = IAM_PT_SERVICE;
        else p->type = IAM_PT_ROOT;
    }
    if (!p->account && strncmp(arn, "arn:", 4) == 0) p->account = arn_field(a, arn, ARN_ACCOUNT);
    if (!p->account) p->account = "";
    if (p->type == IAM_PT_USER && !p->username) {
        const char *slash = strrchr(arn, '/');
        p->username = slash ? slash + 1 : NULL;
    }
    if (p->type == IAM_PT_ASSUMED_ROLE && !p->role_arn) {
        /* arn:aws:sts::ACCT:assumed-role/NAME/SESSION -> arn:aws:iam::ACCT:role/NAME */
        const char *r = strstr(arn, ":assumed-role/");
        const char *s = r ? strchr(r + 14, '/') : NULL;
        if (r && s)
            p->role_arn = arena_sprintf(a, "arn:aws:iam::%s:role/%.*s", p->account,
                                        (int)(s - (r + 14)), r + 14);
    }
}

int simulate_main(int argc, char **argv) {
    struct arena a;
    arena_init(&a, 65536);
    struct plist ident = {0}, bound = {0}, res = {0};
    struct iam_request r = {.resource_account = NULL};
    struct iam_principal *p = &r.principal;
    struct iam_ctx *ctx = NULL;
    size_t nctx = 0, cctx = 0;
    bool typed = false;
    int rc = 2;
    p->arn = NULL;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { usage(); goto out; }
        i++;
        if (!strcmp(o, "--action")) r.action = v;
        else if (!strcmp(o, "--resource")) r.resource = v;
        else if (!strcmp(o, "--principal")) p->arn = v;
        else if (!strcmp(o, "--role-arn")) p->role_arn = v;
        else if (!strcmp(o, "--username")) p->username = v;
        else if (!strcmp(o, "--userid")) p->userid = v;
        else if (!strcmp(o, "--resource-account")) r.resource_account = v;
        else if (!strcmp(o, "--principal-type")) {
            size_t k = 0;
            while (k < ARRAY_LEN(TYPES) && strcmp(TYPES[k].name, v)) k++;
            if (k == ARRAY_LEN(TYPES)) { usage(); goto out; }
            p->type = TYPES[k].t;
            typed = true;
        } else if (!strcmp(o, "--identity-policy")) {
            if (load(&a, v, IAM_POLICY_IDENTITY, &ident) != C_OK) goto out;
        } else if (!strcmp(o, "--boundary")) {
            if (load(&a, v, IAM_POLICY_IDENTITY, &bound) != C_OK) goto out;
        } else if (!strcmp(o, "--resource-policy")) {
            if (load(&a, v, IAM_POLICY_RESOURCE, &res) != C_OK) goto out;
        } else if (!strcmp(o, "--context")) {
            const char *eq = strchr(v, '=');
            if (!eq) { usage(); goto out; }
            /* KEY=V1,V2: a multivalued key (for ForAnyValue/ForAllValues). */
            const char **vals = NULL;
            size_t nv = 0, cv = 0;
            char *rest = arena_strdup(&a, eq + 1), *save = NULL;
            for (char *t = strtok_r(rest, ",", &save); t; t = strtok_r(NULL, ",", &save))
                *ARENA_PUSH(&a, vals, nv, cv) = t;
            *ARENA_PUSH(&a, ctx, nctx, cctx) =
                (struct iam_ctx){arena_strndup(&a, v, (size_t)(eq - v)), vals, nv};
        } else {
            usage();
            goto out;
        }
    }
    if (!r.action || !r.resource) { usage(); goto out; }
    if (!p->arn) p->arn = "arn:aws:iam::111122223333:root";
    infer_principal(&a, p, typed);
    if (!r.resource_account) {
        const char *acct = arn_field(&a, r.resource, ARN_ACCOUNT);
        r.resource_account = *acct ? acct : p->account;
    }
    r.ctx = ctx;
    r.nctx = nctx;
    struct iam_policy_set ps = {
        .identity = ident.v, .nidentity = ident.n, .boundary = bound.v, .nboundary = bound.n,
        .resource = res.v, .nresource = res.n, .identity_is_root = p->type == IAM_PT_ROOT,
    };
    struct iam_decision d;
    iam_decide(&ps, &r, &d);
    /* The decision, AWS's deny message, and a line per statement saying
     * which of action, resource, principal and conditions matched. */
    fputs(iam_explain_set(&a, &ps, &r, &d), stdout);
    rc = d.effect == IAM_ALLOW ? 0 : 1;
out:
    arena_free(&a);
    return rc;
}

/* Account-level CloudWatch Logs resource policies (PutResourcePolicy &c).
 * The documents are stored as sent; the IAM engine (issue 3) evaluates them
 * as the account's resource policy for its log groups. */
#include "logs.h"

#include <stdio.h>
#include <string.h>

#define MAX_POLICIES 10         /* per account and region */
#define MAX_POLICY_CHARS 5120   /* the seed's and AWS's documented limit */

/* Length in characters (code points), as AWS counts policy size. */
static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Parse a policy document (a JSON object) into the call's arena. */
static struct jval *parse_doc(struct call *c, const char *doc) {
    size_t dl = strlen(doc);
    char *padded = arena_calloc(c->a, dl + JSON_PADDING);
    memcpy(padded, doc, dl);
    struct jval *root;
    char perr[128];
    if (json_parse(c->a, padded, dl, &root, perr, sizeof perr) != C_OK || root->t != J_OBJ)
        return NULL;
    return root;
}

static void write_policy(struct call *c, const char *name, const char *doc, int64_t updated) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "policyName"); jw_str(w, name);
    jw_key(w, "policyDocument"); jw_str(w, doc);
    jw_key(w, "lastUpdatedTime"); jw_int(w, updated);
    jw_key(w, "policyScope"); jw_str(w, "ACCOUNT");
    jw_obj_end(w);
}

static int policy_arn_check(struct call *c) {
    if (in_str(c, "resourceArn"))
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Sluice supports account-level resource policies only; resourceArn "
                        "(log-group-scoped policies) is not supported yet.");
    return C_OK;
}

int logs_PutResourcePolicy(struct call *c) {
    const char *name = in_str(c, "policyName");
    const char *doc = in_str(c, "policyDocument");
    if (policy_arn_check(c) != C_OK) return C_ERR;
    if (!name)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyName must be specified.");
    if (!doc)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyDocument must be specified.");
    if (utf8_chars(doc) > MAX_POLICY_CHARS)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Policy document length breaking Cloudwatch Logs Constraints, either < 1 "
                        "or > %d", MAX_POLICY_CHARS);
    /* The document must at least be a JSON object; the policy grammar is
     * checked by the IAM engine when it lands (issue 3). */
    if (!parse_doc(c, doc))
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Unable to parse the policy document: not valid JSON");
    struct resource_policy p = {.name = name, .document = doc, .last_updated = c->now_ms};
    if (c->store->ops->rpolicy_put(c->store, c->who.account_id, c->region, &p, MAX_POLICIES,
                                   c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "resourcePolicy");
    write_policy(c, name, doc, p.last_updated);
    return C_OK;
}

/* DescribeResourcePolicies answers with AWS's normalised form of the
 * document: a missing Version becomes "2008-10-17" and a one-element
 * Principal.Service list becomes a plain string. */
static void normalise_principal(struct jval *stmt) {
    struct jval *pr = (struct jval *)json_get(stmt, "Principal");
    if (!pr || pr->t != J_OBJ) return;
    struct jval *svc = (struct jval *)json_get(pr, "Service");
    if (svc && svc->t == J_ARR && svc->u.a.n == 1) *svc = svc->u.a.v[0];
}

static const char *normalise(struct call *c, const char *doc) {
    struct jval *root = parse_doc(c, doc);
    if (!root) return doc;
    struct jval *st = (struct jval *)json_get(root, "Statement");
    if (st && st->t == J_ARR)
        for (size_t i = 0; i < st->u.a.n; i++) normalise_principal(&st->u.a.v[i]);
    else if (st && st->t == J_OBJ)
        normalise_principal(st);
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    if (!json_get(root, "Version")) {
        jw_key(&w, "Version");
        jw_str(&w, "2008-10-17");
    }
    for (size_t i = 0; i < root->u.o.n; i++) {
        jw_keyn(&w, root->u.o.m[i].k, root->u.o.m[i].klen);
        jw_value(&w, &root->u.o.m[i].v);
    }
    jw_obj_end(&w);
    char *out = arena_strndup(c->a, b.p, b.len);
    buf_free(&b);
    return out;
}

int logs_DescribeResourcePolicies(struct call *c) {
    if (policy_arn_check(c) != C_OK) return C_ERR;
    const char *scope = in_str(c, "policyScope");
    struct resource_policy *ps;
    size_t n;
    if (c->store->ops->rpolicy_list(c->store, c->a, c->who.account_id, c->region, &ps, &n) !=
        C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    jw_key(c->out, "resourcePolicies");
    jw_arr_begin(c->out);
    if (!scope || strcmp(scope, "ACCOUNT") == 0)
        for (size_t i = 0; i < n; i++)
            write_policy(c, ps[i].name, normalise(c, ps[i].document), ps[i].last_updated);
    jw_arr_end(c->out);
    return C_OK;
}

int logs_DeleteResourcePolicy(struct call *c) {
    if (policy_arn_check(c) != C_OK) return C_ERR;
    const char *name = in_str(c, "policyName");
    if (!name)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyName must be specified.");
    return c->store->ops->rpolicy_delete(c->store, c->who.account_id, c->region, name, c->err);
}

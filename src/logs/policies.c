/* CloudWatch Logs resource policies (PutResourcePolicy &c): account-level
 * ones (policyScope ACCOUNT, keyed by name, at most 10 per account and
 * region, 5,120 characters) and log-group-scoped ones (policyScope
 * RESOURCE, keyed by the group's ARN, one per group, 51,200 bytes, with a
 * revision id that changes on every put).  The documents are stored as
 * sent; the IAM engine evaluates a group's scoped policy together with the
 * account-level ones as the group's resource policies (src/iam/authz.c).
 *
 * AWS's behaviour this follows, and what was decided where it is not
 * documented (sources in tests/conformance/policies.test.mjs):
 *  - a request names either policyName (account-level) or resourceArn
 *    (scoped), never both;
 *  - a scoped policy is named "resourceArn=" + the group's ARN, and a
 *    policyName of that form addresses the group's scoped policy (AWS's
 *    CloudWatch pipelines guide creates and updates one that way, without
 *    expectedRevisionId: the revision is checked only when one is given);
 *  - through resourceArn, expectedRevisionId is the optimistic lock: absent
 *    to create, the current revision to update or delete; anything else is
 *    OperationAbortedException (declared by Put and Delete for "concurrent
 *    requests ... in conflict"; the message wording is ours);
 *  - resourceArn is reported without ":*" (the LogGroupArn form) whichever
 *    form was sent. */
#include "logs.h"
#include "../core/text.h"

#include <stdio.h>
#include <string.h>

#define MAX_POLICIES 10                 /* account-level, per account and region */
#define MAX_POLICY_CHARS 5120           /* account-level: characters */
#define MAX_SCOPED_POLICY_BYTES 51200   /* log-group-scoped: bytes */
#define SCOPED_PREFIX "resourceArn="
#define DESCRIBE_LIMIT 50               /* DescribeLimit's maximum, the default */

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

/* A log group ARN as resourceArn names it. */
struct group_arn {
    const char *account, *region, *group;
    const char *arn;   /* canonical: arn:aws:logs:R:A:log-group:NAME */
};

static bool group_name_ok(const char *s, size_t n) {
    if (n == 0 || n > 512) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              strchr("._-/#", ch)))
            return false;
    }
    return true;
}

/* arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]; false when text is not one. */
static bool parse_group_arn(struct call *c, const char *text, struct group_arn *out) {
    char region[32], acct[16];
    int off = 0;
    if (sscanf(text, "arn:aws:logs:%31[^:]:%15[^:]:log-group:%n", region, acct, &off) != 2 ||
        off == 0)
        return false;
    const char *name = text + off;
    size_t n = strlen(name);
    if (n >= 2 && strcmp(name + n - 2, ":*") == 0) n -= 2;
    if (!group_name_ok(name, n)) return false;
    out->account = arena_strdup(c->a, acct);
    out->region = arena_strdup(c->a, region);
    out->group = arena_strndup(c->a, name, n);
    out->arn = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s", out->region, out->account,
                             out->group);
    return true;
}

static int bad_arn(struct call *c, const char *text) {
    return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                    "Invalid resourceArn [%s]: only log group ARNs "
                    "(arn:aws:logs:REGION:ACCOUNT:log-group:NAME) are supported.", text);
}

/* policyName "resourceArn=<log group ARN>": the group's scoped policy. */
static bool scoped_name(struct call *c, const char *name, struct group_arn *out) {
    size_t pl = strlen(SCOPED_PREFIX);
    return strncmp(name, SCOPED_PREFIX, pl) == 0 && parse_group_arn(c, name + pl, out);
}

/* Only the caller's own groups, in the region it called. */
static bool own_group(const struct call *c, const struct group_arn *g) {
    return strcmp(g->account, c->who.account_id) == 0 && strcmp(g->region, c->region) == 0;
}

static void write_policy(struct call *c, const struct resource_policy *p, const char *doc) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "policyName"); jw_str(w, p->name);
    jw_key(w, "policyDocument"); jw_str(w, doc);
    jw_key(w, "lastUpdatedTime"); jw_int(w, p->last_updated);
    if (p->scope == RPOLICY_RESOURCE) {
        jw_key(w, "policyScope"); jw_str(w, "RESOURCE");
        jw_key(w, "resourceArn"); jw_str(w, p->resource_arn);
        jw_key(w, "revisionId"); jw_str(w, p->revision_id);
    } else {
        jw_key(w, "policyScope"); jw_str(w, "ACCOUNT");
    }
    jw_obj_end(w);
}

static int put_scoped(struct call *c, const struct group_arn *g, const char *doc,
                      bool check_revision, const char *expected) {
    if (strlen(doc) > MAX_SCOPED_POLICY_BYTES)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Policy document length breaking Cloudwatch Logs Constraints, either < 1 "
                        "or > %d", MAX_SCOPED_POLICY_BYTES);
    if (!parse_doc(c, doc))
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Unable to parse the policy document: not valid JSON");
    if (!own_group(c, g))
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
    char rev[UUID_LEN + 1];
    uuid4(rev);
    struct resource_policy p = {
        .name = arena_sprintf(c->a, SCOPED_PREFIX "%s", g->arn), .document = doc,
        .last_updated = c->now_ms, .scope = RPOLICY_RESOURCE, .resource_arn = g->arn,
        .revision_id = rev,
    };
    if (c->store->ops->rpolicy_put_scoped(c->store, c->who.account_id, c->region, g->group, &p,
                                          check_revision, expected, c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "resourcePolicy");
    write_policy(c, &p, doc);
    jw_key(c->out, "revisionId"); jw_str(c->out, rev);
    return C_OK;
}

int logs_PutResourcePolicy(struct call *c) {
    const char *name = in_str(c, "policyName");
    const char *doc = in_str(c, "policyDocument");
    const char *arn = in_str(c, "resourceArn");
    const char *expected = in_str(c, "expectedRevisionId");
    if (name && arn)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Specify either policyName (an account-level policy) or resourceArn (a "
                        "log-group-scoped policy), not both.");
    if (!name && !arn)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyName must be specified.");
    if (!doc)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyDocument must be specified.");
    struct group_arn g;
    if (arn) {
        if (!parse_group_arn(c, arn, &g)) return bad_arn(c, arn);
        return put_scoped(c, &g, doc, true, expected);
    }
    if (scoped_name(c, name, &g)) return put_scoped(c, &g, doc, expected != NULL, expected);

    /* Account-level (expectedRevisionId does not apply). */
    if (utf8_chars(doc) > MAX_POLICY_CHARS)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Policy document length breaking Cloudwatch Logs Constraints, either < 1 "
                        "or > %d", MAX_POLICY_CHARS);
    /* The document must at least be a JSON object; the engine compiles it
     * when it authorizes (a document it cannot compile grants nothing). */
    if (!parse_doc(c, doc))
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Unable to parse the policy document: not valid JSON");
    struct resource_policy p = {.name = name, .document = doc, .last_updated = c->now_ms};
    if (c->store->ops->rpolicy_put(c->store, c->who.account_id, c->region, &p, MAX_POLICIES,
                                   c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "resourcePolicy");
    write_policy(c, &p, doc);
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

/* What DescribeResourcePolicies lists:
 *  - resourceArn: that group's scoped policy (none: an empty list — the
 *    operation declares no ResourceNotFoundException); policyScope may be
 *    absent (AWS's CloudWatch pipelines guide describes a group's policy
 *    with --resource-arn alone) or RESOURCE; ACCOUNT with a resourceArn
 *    contradicts it (InvalidParameterException, our decision);
 *  - policyScope RESOURCE alone: every scoped policy of the account and
 *    region, by resourceArn;
 *  - otherwise (ACCOUNT, or no filter: the API reference says policyScope
 *    "defaults to ACCOUNT"): the account-level policies, by name.
 * Pages of `limit` (1-50, default 50); the token names the last policy. */
int logs_DescribeResourcePolicies(struct call *c) {
    const char *scope = in_str(c, "policyScope");
    const char *arn = in_str(c, "resourceArn");
    const char *token = in_str(c, "nextToken");
    int64_t limit = DESCRIBE_LIMIT;
    in_int(c, "limit", &limit);
    const char *after = NULL;
    if (token) {
        const char *plain = logs_token_decode(c, token);
        if (!plain || strncmp(plain, "rp:", 3) != 0)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
        after = plain + 3;
    }
    struct resource_policy *ps = NULL;
    size_t n = 0;
    if (arn) {
        struct group_arn g;
        if (scope && strcmp(scope, "RESOURCE") != 0)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                            "resourceArn can only be used with policyScope RESOURCE.");
        if (!parse_group_arn(c, arn, &g)) return bad_arn(c, arn);
        ps = arena_calloc(c->a, sizeof *ps);
        if (own_group(c, &g) &&
            c->store->ops->rpolicy_get_scoped(c->store, c->a, c->who.account_id, c->region, g.arn,
                                              ps) == C_OK)
            n = 1;
    } else if (scope && strcmp(scope, "RESOURCE") == 0) {
        if (c->store->ops->rpolicy_list_scoped(c->store, c->a, c->who.account_id, c->region, &ps,
                                               &n) != C_OK)
            return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    } else if (c->store->ops->rpolicy_list(c->store, c->a, c->who.account_id, c->region, &ps,
                                           &n) != C_OK) {
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    }
    /* Both lists are sorted by name (a scoped policy's name is its ARN
     * behind a fixed prefix). */
    size_t i = 0;
    while (after && i < n && strcmp(ps[i].name, after) <= 0) i++;
    jw_key(c->out, "resourcePolicies");
    jw_arr_begin(c->out);
    size_t shown = 0;
    for (; i < n && shown < (size_t)limit; i++, shown++)
        write_policy(c, &ps[i], normalise(c, ps[i].document));
    jw_arr_end(c->out);
    if (i < n) {
        jw_key(c->out, "nextToken");
        jw_str(c->out, logs_token_encode(c, arena_sprintf(c->a, "rp:%s", ps[i - 1].name)));
    }
    return C_OK;
}

static int delete_scoped(struct call *c, const struct group_arn *g, bool check_revision,
                         const char *expected) {
    if (!own_group(c, g))
        return aws_errf(c->err, 400, ERR_NOT_FOUND,
                        "Policy with name [" SCOPED_PREFIX "%s] does not exist.", g->arn);
    return c->store->ops->rpolicy_delete_scoped(c->store, c->who.account_id, c->region, g->arn,
                                                check_revision, expected, c->err);
}

int logs_DeleteResourcePolicy(struct call *c) {
    const char *name = in_str(c, "policyName");
    const char *arn = in_str(c, "resourceArn");
    const char *expected = in_str(c, "expectedRevisionId");
    if (name && arn)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Specify either policyName (an account-level policy) or resourceArn (a "
                        "log-group-scoped policy), not both.");
    if (!name && !arn)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "policyName must be specified.");
    struct group_arn g;
    if (arn) {
        if (!parse_group_arn(c, arn, &g)) return bad_arn(c, arn);
        /* The API reference: "Required when deleting a resource-scoped
         * policy to prevent concurrent modifications." */
        if (!expected)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                            "expectedRevisionId must be specified to delete a log-group-scoped "
                            "resource policy.");
        return delete_scoped(c, &g, true, expected);
    }
    if (scoped_name(c, name, &g)) {
        if (delete_scoped(c, &g, expected != NULL, expected) == C_OK) return C_OK;
        if (!c->err->code || strcmp(c->err->code, ERR_NOT_FOUND) != 0) return C_ERR;
        /* An account-level policy given such a name before scoped policies
         * existed stays deletable by its name. */
        struct aws_err not_found = *c->err;
        if (c->store->ops->rpolicy_delete(c->store, c->who.account_id, c->region, name,
                                          c->err) == C_OK)
            return C_OK;
        *c->err = not_found;
        return C_ERR;
    }
    return c->store->ops->rpolicy_delete(c->store, c->who.account_id, c->region, name, c->err);
}

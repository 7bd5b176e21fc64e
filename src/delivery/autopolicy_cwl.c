/* Automatic permissions of a CloudWatch Logs destination: the account-level
 * resource policy AWSLogDeliveryWrite20150319.
 *
 * Source: the seed, "Logs sent to CloudWatch Logs" (V1 and V2): the user
 * needs logs:PutResourcePolicy, logs:DescribeResourcePolicies and
 * logs:DescribeLogGroups unless the group is already covered; the policy
 * has one statement (Sid AWSLogDeliveryWrite20150319, delivery.logs.amazonaws.com,
 * logs:CreateLogStream + logs:PutLogEvents on a list of
 * log-group:NAME:log-stream:*, aws:SourceAccount / aws:SourceArn lists),
 * appended when it exists; resource policies are limited to 5,120
 * characters and, near the limit, "CloudWatch Logs automatically enables
 * /aws/vendedlogs/(wildcard) in the resource policy".  delivery-behaviour.md §4.3:
 * after that no further groups are added, so only /aws/vendedlogs/ groups
 * keep working; AWS's own policies carry the statement as Sid
 * AWSLogDeliveryWrite (C3), which is appended to as well. */
#include "autopolicy_int.h"
#include "../iam/aws_managed.h"

#include <stdio.h>
#include <string.h>

#define CWL_MAX_CHARS 5120      /* a resource policy's size (PutResourcePolicy) */
#define CWL_MAX_POLICIES 10     /* resource policies per account and region */
#define VENDED "/aws/vendedlogs/"

/* The Sid the seed gives the statement, and the one policies written by AWS
 * carry (research C3): either is "ours" when appending. */
static const char *const OUR_SIDS[] = {AP_POLICY_NAME, "AWSLogDeliveryWrite"};

/* One setup: the group, the strings its statement holds, and the account's
 * policy as it is now. */
struct cwl {
    struct call *c;
    const char *group;
    const char *group_res;    /* arn:aws:logs:R:A:log-group:NAME:log-stream:* */
    const char *vended_res;   /* the log-group:/aws/vendedlogs/ wildcard ARN */
    const char *source_arn;   /* arn:aws:logs:R:A:* (the seed's, V1 and V2) */
    const char *prev;         /* our policy's document, NULL when there is none */
    int64_t prev_updated;
};

/* May delivery.logs.amazonaws.com create a stream in the group and write
 * to it, for the caller's account?  (What a delivery will do.) */
static int covered(struct call *c, enum dlv_model model, const char *group, const char **why) {
    const char *arn = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:x",
                                    c->region, c->who.account_id, group);
    if (ap_service_allowed(c, model, "logs:CreateLogStream", arn, NULL, 0, why) != C_OK)
        return C_ERR;
    return ap_service_allowed(c, model, "logs:PutLogEvents", arn, NULL, 0, why);
}

/* Our policy of the account, if any (its document and time). */
static int find_policy(struct call *c, const char **doc, int64_t *updated) {
    struct resource_policy *p;
    size_t n;
    *doc = NULL;
    *updated = 0;
    if (c->store->ops->rpolicy_list(c->store, c->a, c->who.account_id, c->region, &p, &n) !=
        C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].name, AP_POLICY_NAME) == 0) {
            *doc = p[i].document;
            *updated = p[i].last_updated;
        }
    return C_OK;
}

static long find_ours(const struct jval *stmts) {
    for (size_t i = 0; i < ARRAY_LEN(OUR_SIDS); i++) {
        long k = ap_find_sid(stmts, OUR_SIDS[i]);
        if (k >= 0) return k;
    }
    return -1;
}

/* The statement exactly as the seed shows it, for `resource`. */
static struct jval fresh_statement(const struct cwl *w, const char *resource) {
    struct arena *a = w->c->a;
    struct jval principal = {.t = J_OBJ};
    ap_add(a, &principal, "Service", ap_list1(a, LOG_DELIVERY_SERVICE));
    struct jval action = ap_list1(a, "logs:CreateLogStream");
    ap_push(a, &action, ap_s(a, "logs:PutLogEvents"));
    struct jval eq = {.t = J_OBJ}, like = {.t = J_OBJ}, cond = {.t = J_OBJ};
    ap_add(a, &eq, "aws:SourceAccount", ap_list1(a, w->c->who.account_id));
    ap_add(a, &like, "aws:SourceArn", ap_list1(a, w->source_arn));
    ap_add(a, &cond, "StringEquals", eq);
    ap_add(a, &cond, "ArnLike", like);
    struct jval st = {.t = J_OBJ};
    ap_add(a, &st, "Sid", ap_s(a, AP_POLICY_NAME));
    ap_add(a, &st, "Effect", ap_s(a, "Allow"));
    ap_add(a, &st, "Principal", principal);
    ap_add(a, &st, "Action", action);
    ap_add(a, &st, "Resource", ap_list1(a, resource));
    ap_add(a, &st, "Condition", cond);
    return st;
}

enum edit {
    ADD_GROUP,   /* list the group (and the account) */
    COND_ONLY,   /* the account only: the group is under the vendedlogs wildcard */
    ADD_WILD,    /* list the vendedlogs wildcard beside the groups so far */
    ONLY_WILD,   /* the vendedlogs wildcard replaces the list (catch-all) */
};

/* Our statement's index in stmts, or -1 (root parsed from w->prev). */
static int parse_current(struct cwl *w, struct jval **root, struct jval **stmts) {
    struct call *c = w->c;
    struct arena *a = c->a;
    if (w->prev) {
        *root = ap_parse(c, w->prev);
    } else {
        *root = arena_calloc(a, sizeof **root);
        (*root)->t = J_OBJ;
        ap_add(a, *root, "Version", ap_s(a, "2012-10-17"));
    }
    *stmts = *root ? ap_statements(a, *root) : NULL;
    if (!*stmts)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The resource policy %s of this account is not a policy document log "
                        "delivery can add to; correct it or delete it (DeleteResourcePolicy).",
                        AP_POLICY_NAME);
    return C_OK;
}

/* The document after edit e; NULL with c->err filled when the current one
 * cannot be edited.  Every edit starts again from w->prev. */
static const char *edited(struct cwl *w, enum edit e) {
    struct call *c = w->c;
    struct arena *a = c->a;
    struct jval *root, *stmts;
    if (parse_current(w, &root, &stmts) != C_OK) return NULL;
    const char *res = e == ADD_WILD || e == ONLY_WILD ? w->vended_res : w->group_res;
    long i = find_ours(stmts);
    if (i < 0) {
        ap_push(a, stmts, fresh_statement(w, res));
        return ap_write(c, root);
    }
    struct jval *st = &stmts->u.a.v[i];
    if (e == ONLY_WILD) {
        struct jval *r = ap_get(st, "Resource");
        if (r) *r = ap_list1(a, res);
        else ap_add(a, st, "Resource", ap_list1(a, res));
    } else if (e != COND_ONLY) {
        ap_list_add(a, st, "Resource", res);
    }
    ap_cond_add(a, st, "StringEquals", "aws:SourceAccount", c->who.account_id);
    ap_cond_add(a, st, "ArnLike", "aws:SourceArn", w->source_arn);
    return ap_write(c, root);
}

/* Has the policy switched to the /aws/vendedlogs/ wildcard already? */
static bool switched(struct cwl *w) {
    struct jval *root, *stmts;
    struct aws_err keep = *w->c->err;
    bool yes = false;
    if (w->prev && parse_current(w, &root, &stmts) == C_OK) {
        long i = find_ours(stmts);
        yes = i >= 0 && ap_has(ap_get(&stmts->u.a.v[i], "Resource"), w->vended_res);
    }
    *w->c->err = keep;
    return yes;
}

/* The refusal once the policy is (near) full, worded after what users see
 * from AWS (delivery-behaviour.md §4.2, Step Functions: "The CloudWatch
 * Logs Resource Policy size was exceeded. We suggest prefixing your
 * CloudWatch log group name with /aws/vendedlogs/..."). */
static int too_full(struct cwl *w) {
    return aws_errf(w->c->err, 400, ERR_VALIDATION,
                    "The CloudWatch Logs resource policy size was exceeded: log group %s cannot "
                    "be added to the resource policy %s, which is at the 5,120-character limit of "
                    "resource policies, so log delivery is enabled for log groups whose names "
                    "start with %s instead (%s). Use such a log group, or allow %s to write to "
                    "this one in a resource policy of your own.",
                    w->group, AP_POLICY_NAME, VENDED, w->vended_res,
                    LOG_DELIVERY_SERVICE);
}

static int put(struct cwl *w, const char *doc, int64_t updated) {
    struct call *c = w->c;
    struct resource_policy p = {.name = AP_POLICY_NAME, .document = doc, .last_updated = updated};
    if (c->store->ops->rpolicy_put(c->store, c->who.account_id, c->region, &p, CWL_MAX_POLICIES,
                                   c->err) == C_OK)
        return C_OK;
    if (c->err->code && strcmp(c->err->code, ERR_LIMIT) == 0)
        /* The delivery operations declare ServiceQuotaExceededException. */
        return aws_errf(c->err, 400, "ServiceQuotaExceededException",
                        "Resource limit exceeded. Log delivery to log group %s needs the resource "
                        "policy %s, but account %s already has %d resource policies in %s, the "
                        "most CloudWatch Logs allows. Delete one (DeleteResourcePolicy), or allow "
                        "%s to write to this log group in one of them.",
                        w->group, AP_POLICY_NAME, c->who.account_id, CWL_MAX_POLICIES, c->region,
                        LOG_DELIVERY_SERVICE);
    return C_ERR;
}

/* Back to w->prev (the post-check failed). */
static void restore(struct cwl *w) {
    struct call *c = w->c;
    struct aws_err e;
    int rc = w->prev ? (put(w, w->prev, w->prev_updated))
                     : c->store->ops->rpolicy_delete(c->store, c->who.account_id, c->region,
                                                     AP_POLICY_NAME, &e);
    if (rc != C_OK)
        fprintf(stderr, "sluice: log delivery: cannot restore resource policy %s of %s\n",
                AP_POLICY_NAME, c->who.account_id);
}

int dlv_auto_cwl(struct call *c, enum dlv_model model, const char *group_name,
                 struct dlv_undo *u) {
    const char *acct = c->who.account_id;
    struct log_group g;
    struct aws_err e;
    ap_lock();
    if (!group_name || !*group_name ||
        c->store->ops->group_get(c->store, c->a, acct, c->region, group_name, &g, &e) != C_OK) {
        aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
        goto error;
    }
    /* Covered already (our policy, the user's own, a wildcard): then
     * logs:CreateLogDelivery / logs:CreateDelivery alone sufficed. */
    const char *why = NULL;
    if (covered(c, model, group_name, &why) == C_OK) goto done;

    /* Asked on the destination group's ARN: the seed's V1 example grants
     * these with "Resource": "arn:aws:logs:R:A:log-group:*", its V2 example
     * with "arn:aws:logs:R:A:*", and either (or "*") must let the user set
     * up delivery to this group. */
    const char *garn = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s", c->region, acct,
                                     group_name);
    const struct ap_need need[] = {
        {"logs:PutResourcePolicy", garn, NULL, 0},
        {"logs:DescribeResourcePolicies", garn, NULL, 0},
        {"logs:DescribeLogGroups", garn, NULL, 0},
    };
    const char *missing = ap_missing(c, need, ARRAY_LEN(need));
    if (missing) {
        ap_denied(c,
                  arena_sprintf(c->a,
                                "The resource policy of log group %s does not allow log "
                                "delivery: no resource policy of account %s lets %s call "
                                "logs:CreateLogStream and logs:PutLogEvents on it. Adding it "
                                "(resource policy %s) needs logs:PutResourcePolicy, "
                                "logs:DescribeResourcePolicies and logs:DescribeLogGroups.",
                                group_name, acct, LOG_DELIVERY_SERVICE, AP_POLICY_NAME),
                  missing,
                  "Grant these permissions, or add a resource policy allowing "
                  "delivery.logs.amazonaws.com to write to the log group yourself.");
        goto error;
    }

    struct cwl w = {
        .c = c, .group = group_name,
        .group_res = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:*",
                                   c->region, acct, group_name),
        .vended_res = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:" VENDED "*", c->region,
                                    acct),
        /* The seed's aws:SourceArn: arn:aws:logs:R:A:* */
        .source_arn = arena_sprintf(c->a, "arn:aws:logs:%s:%s:*", c->region, acct),
    };
    if (find_policy(c, &w.prev, &w.prev_updated) != C_OK) goto error;
    bool vended = strncmp(group_name, VENDED, strlen(VENDED)) == 0;
    bool refuse = false;
    const char *doc;
    if (switched(&w)) {
        /* From the switch on, only /aws/vendedlogs/ groups: they are under
         * the catch-all, at most the account is missing from the lists. */
        if (!vended) {
            too_full(&w);
            goto error;
        }
        if (!(doc = edited(&w, COND_ONLY))) goto error;
        if (ap_chars(doc) > CWL_MAX_CHARS) {
            too_full(&w);
            goto error;
        }
    } else {
        if (!(doc = edited(&w, ADD_GROUP))) goto error;
        /* "Approaches the size limit": a group is listed only while the
         * catch-all entry would still fit after it, so the switch below
         * never has to drop the groups listed so far. */
        size_t reserve = strlen(w.vended_res) + 3;   /* ,"..." */
        if (ap_chars(doc) + reserve > CWL_MAX_CHARS) {
            if (!(doc = edited(&w, ADD_WILD))) goto error;
            /* A document not written by us may lack that room: then the
             * seed's catch-all replaces the list. */
            if (ap_chars(doc) > CWL_MAX_CHARS && !(doc = edited(&w, ONLY_WILD))) goto error;
            if (ap_chars(doc) > CWL_MAX_CHARS) {
                aws_errf(c->err, 400, ERR_VALIDATION,
                         "The CloudWatch Logs resource policy size was exceeded: the resource "
                         "policy %s cannot take log delivery's statement for log group %s "
                         "within the 5,120-character limit of resource policies. Shorten it or "
                         "delete it (DeleteResourcePolicy), then try again.",
                         AP_POLICY_NAME, group_name);
                goto error;
            }
            refuse = !vended;
        }
    }
    if (put(&w, doc, c->now_ms) != C_OK) goto error;
    if (refuse) {
        /* The switch stays, as AWS's own does (it is the policy's state, not
         * this request's): from now on /aws/vendedlogs/ groups work. */
        too_full(&w);
        goto error;
    }
    /* The point of it: the engine must now let the service write (an
     * explicit deny elsewhere would still stop it; then nothing stays). */
    if (covered(c, model, group_name, &why) != C_OK) {
        restore(&w);
        aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                 "Log delivery to log group %s is not allowed even with the resource policy %s "
                 "in place, so it was left as it was: %s",
                 group_name, AP_POLICY_NAME, why ? why : "");
        goto error;
    }
    *u = (struct dlv_undo){.kind = DLV_UNDO_CWL, .name = AP_POLICY_NAME, .previous = w.prev,
                           .previous_updated = w.prev_updated, .written = doc};
done:
    ap_unlock();
    return C_OK;
error:
    ap_unlock();
    return C_ERR;
}

void ap_undo_cwl(struct call *c, const struct dlv_undo *u) {
    const char *now;
    int64_t updated;
    if (find_policy(c, &now, &updated) != C_OK || !now || strcmp(now, u->written) != 0) return;
    struct cwl w = {.c = c, .group = "(undo)", .prev = u->previous,
                    .prev_updated = u->previous_updated};
    restore(&w);
}

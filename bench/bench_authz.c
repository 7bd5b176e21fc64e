/* What the authorization check adds to one CloudWatch Logs call: the full
 * iam_authorize() (store reads of the caller's identity policies, the
 * account's CloudWatch Logs resource policies and the group's tags, policy
 * compilation, context, decision) against the engine's decision alone on
 * the same, precompiled policies — measured in the same run.
 *   bench_authz [iterations=20000]   (uses a temporary data dir) */
#include "aws/call.h"
#include "iam/authz.h"
#include "iam/policy.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *USER_POLICY =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Effect\":\"Allow\",\"Action\":[\"logs:PutLogEvents\",\"logs:CreateLogStream\"],"
    "\"Resource\":\"arn:aws:logs:us-east-1:*:log-group:app-*\"},"
    "{\"Effect\":\"Allow\",\"Action\":\"logs:Describe*\",\"Resource\":\"*\"},"
    "{\"Effect\":\"Deny\",\"Action\":\"logs:DeleteLogGroup\",\"Resource\":\"*\"}]}";
static const char *RESOURCE_POLICY =
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLogDeliveryWrite20150319\","
    "\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"delivery.logs.amazonaws.com\"]},"
    "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],"
    "\"Resource\":[\"arn:aws:logs:us-east-1:ACCT:log-group:app-1:log-stream:*\"],"
    "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[\"ACCT\"]},"
    "\"ArnLike\":{\"aws:SourceArn\":[\"arn:aws:logs:us-east-1:ACCT:*\"]}}}]}";

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 20000;
    char dir[] = "/tmp/sluice-bench-authz-XXXXXX", err[256];
    if (!mkdtemp(dir)) return 1;
    struct store *st;
    if (store_open_embedded(dir, 0, &st, err, sizeof err) != C_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct account ac;
    char akid[21], secret[41];
    struct aws_err e;
    if (st->ops->account_create(st, "bench", &ac, akid, secret, &e) != C_OK) return 1;
    struct iam_user u = {.name = "alice", .id = "AIDABENCHBENCHBENCHX", .path = "/",
                         .arn = NULL, .created = 0};
    char uarn[64];
    snprintf(uarn, sizeof uarn, "arn:aws:iam::%s:user/alice", ac.id);
    u.arn = uarn;
    if (st->ops->iam_user_create(st, ac.id, &u, &e) != C_OK ||
        st->ops->iam_inline_put(st, ac.id, IAM_OWNER_USER, "alice", "p", USER_POLICY, 10240,
                                &e) != C_OK) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 65536);
    char *rp = strdup(RESOURCE_POLICY);
    for (char *p; (p = strstr(rp, "ACCT"));) {   /* same length as no id: rebuild */
        char *n = arena_sprintf(&a, "%.*s%s%s", (int)(p - rp), rp, ac.id, p + 4);
        free(rp);
        rp = strdup(n);
    }
    struct resource_policy pol = {.name = "delivery", .document = rp, .last_updated = 0};
    if (st->ops->rpolicy_put(st, ac.id, "us-east-1", &pol, 10, &e) != C_OK) return 1;
    struct log_group g = {.account_id = ac.id, .region = "us-east-1", .name = "app-1",
                          .log_group_class = "STANDARD"};
    struct tag t = {"team", "blue"};
    st->ops->group_create(st, &g, &t, 1, &e);

    struct access_key key = {.akid = "AKIABENCH", .principal_type = IAM_PT_USER,
                             .userid = "AIDABENCHBENCHBENCHX", .username = "alice", .active = true};
    snprintf(key.account_id, sizeof key.account_id, "%s", ac.id);
    const char *res = arena_sprintf(&a, "arn:aws:logs:us-east-1:%s:log-group:app-1:log-stream:s",
                                    ac.id);
    double *full = malloc((size_t)iters * sizeof(double));
    double *engine = malloc((size_t)iters * sizeof(double));
    /* The engine alone, on the same policies compiled once. */
    struct iam_policy *ip, *rpp;
    iam_policy_parse(&a, USER_POLICY, strlen(USER_POLICY), IAM_POLICY_IDENTITY, "p", &ip, &e);
    iam_policy_parse(&a, rp, strlen(rp), IAM_POLICY_RESOURCE, "delivery", &rpp, &e);
    const struct iam_policy *ids[] = {ip}, *rs[] = {rpp};
    struct iam_policy_set ps = {.identity = ids, .nidentity = 1, .resource = rs, .nresource = 1};
    struct iam_request rq = {.action = "logs:PutLogEvents", .resource = res,
                             .resource_account = ac.id,
                             .principal = {.type = IAM_PT_USER, .arn = uarn, .account = ac.id,
                                           .userid = key.userid, .username = "alice"}};
    int allowed = 0;
    for (int i = 0; i < iters; i++) {
        struct arena ra;
        arena_init(&ra, 16384);
        struct aws_err ce;
        struct call c = {.a = &ra, .store = st, .region = "us-east-1", .service = "logs",
                         .op = "PutLogEvents", .who = {.account_id = ac.id, .arn = uarn,
                                                       .akid = key.akid},
                         .key = &key, .source_ip = "127.0.0.1", .now_ms = 1795000000000,
                         .err = &ce};
        double t0 = now_s();
        allowed += iam_authorize(&c, "logs:PutLogEvents", res) == C_OK;
        double t1 = now_s();
        struct iam_decision d;
        iam_decide(&ps, &rq, &d);
        double t2 = now_s();
        full[i] = (t1 - t0) * 1e6;
        engine[i] = (t2 - t1) * 1e6;
        arena_free(&ra);
    }
    qsort(full, (size_t)iters, sizeof(double), cmp_d);
    qsort(engine, (size_t)iters, sizeof(double), cmp_d);
    printf("authz per CloudWatch Logs call (IAM user, 3-statement policy, account resource "
           "policy, group tags): median %.1f us, p99 %.1f us  [%d/%d allowed]\n",
           full[iters / 2], full[(size_t)(iters * 0.99)], allowed, iters);
    printf("engine decision alone, same policies precompiled:            median %.2f us, "
           "p99 %.2f us  (check = %.0fx the decision: store reads + compile)\n",
           engine[iters / 2], engine[(size_t)(iters * 0.99)], full[iters / 2] / engine[iters / 2]);
    free(full);
    free(engine);
    free(rp);
    arena_free(&a);
    st->ops->close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return allowed == iters ? 0 : 1;
}

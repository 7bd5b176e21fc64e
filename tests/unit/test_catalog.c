/* The log-source catalog (src/catalog/): the built-in catalog parses and
 * holds every row of the seed table with exactly its cells
 * (tests/data/seed-log-types.tsv, a copy of the seed's table); bad files
 * fail with FILE:LINE; ARNs find their resource types; an operator's file
 * layers on the built-in one; templates come out in the model's shape. */
#include "catalog/catalog.h"
#include "json/json.h"

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED_TSV "tests/data/seed-log-types.tsv"

/* Cells where AWS lists a V2 source beside a seed cell of another model
 * (or none): CloudFront's and NLB's access logs, Network Firewall's alert
 * logs (shared with the proxy's V2 ALERT_LOGS). */
static const struct {
    const char *svc, *lt;
} V2_EXTRA[] = {
    {"cloudfront", "ACCESS_LOGS"},
    {"elasticloadbalancing", "NLB_ACCESS_LOGS"},
    {"network-firewall", "ALERT_LOGS"},
};

static unsigned seed_cell(const char *s) {
    if (strcmp(s, "none") == 0) return CAT_MODEL_SELF;
    if (strcmp(s, "V1") == 0) return CAT_MODEL_V1;
    if (strcmp(s, "V2") == 0) return CAT_MODEL_V2;
    if (strcmp(s, "-") == 0) return 0;
    return ~0u;
}

static bool v2_extra(const struct cat_log_type *lt) {
    for (size_t i = 0; i < ARRAY_LEN(V2_EXTRA); i++)
        if (strcmp(lt->svc->name, V2_EXTRA[i].svc) == 0 && strcmp(lt->name, V2_EXTRA[i].lt) == 0)
            return true;
    return false;
}

/* Every row of the tsv: at least one log type carries it, of the row's
 * namespace, with the row's cells; no log type names a row the tsv lacks. */
static void test_seed(const struct catalog *cat) {
    FILE *f = fopen(SEED_TSV, "r");
    REQUIRE(f, "%s (the test runs from the repository root)", SEED_TSV);
    char line[1024];
    int rows = 0;
    bool seen[1000] = {0};
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, "row\t", 4) == 0) continue;
        line[strcspn(line, "\r\n")] = 0;
        char *col[6];
        int n = 0;
        for (char *save = NULL, *t = strtok_r(line, "\t", &save); t && n < 6;
             t = strtok_r(NULL, "\t", &save))
            col[n++] = t;
        REQUIRE(n == 6, "tsv row with %d columns", n);
        int row = atoi(col[0]);
        REQUIRE(row >= 1 && row < 1000);
        seen[row] = true;
        rows++;
        unsigned want[3] = {seed_cell(col[3]), seed_cell(col[4]), seed_cell(col[5])};
        size_t found = 0;
        for (size_t s = 0; s < cat->nservices; s++)
            for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
                const struct cat_log_type *lt = &cat->services[s].log_types[l];
                if (lt->seed_row != row) continue;
                found++;
                CHECK(strcmp(lt->svc->name, col[2]) == 0, "row %d (%s): service %s, tsv says %s",
                      row, lt->name, lt->svc->name, col[2]);
                for (int d = 0; d < 3; d++) {
                    unsigned got = lt->cell[d].models;
                    unsigned old = got & (CAT_MODEL_SELF | CAT_MODEL_V1);
                    CHECK(old == (want[d] & (CAT_MODEL_SELF | CAT_MODEL_V1)),
                          "row %d %s.%s %s: models %s, tsv says %s", row, lt->svc->name,
                          lt->name, CAT_DEST_NAME[d], cat_models_str(got), col[3 + d]);
                    if (want[d] == CAT_MODEL_V2)
                        CHECK(got & CAT_MODEL_V2, "row %d %s %s: V2 missing", row, lt->name,
                              CAT_DEST_NAME[d]);
                    else if (!v2_extra(lt))
                        CHECK(!(got & CAT_MODEL_V2), "row %d %s %s: V2 not in the seed", row,
                              lt->name, CAT_DEST_NAME[d]);
                }
                CHECK(lt->cell[CAT_XRAY].models == 0, "row %d: XRAY is not a seed column", row);
            }
        CHECK(found >= 1, "seed row %d (%s) has no log type", row, col[1]);
    }
    fclose(f);
    CHECK(rows == 59, "tsv rows: %d", rows);
    for (size_t s = 0; s < cat->nservices; s++)
        for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
            const struct cat_log_type *lt = &cat->services[s].log_types[l];
            CHECK(lt->seed_row == 0 || (lt->seed_row < 1000 && seen[lt->seed_row]),
                  "%s names seed row %d", lt->name, lt->seed_row);
        }
    /* The extras really are extras: V2 where the seed says otherwise. */
    const struct cat_log_type *cf = cat_log_type(cat_service(cat, "cloudfront"), "ACCESS_LOGS");
    REQUIRE(cf);
    CHECK(cf->cell[CAT_S3].models == (CAT_MODEL_V1 | CAT_MODEL_V2));
    CHECK(cf->cell[CAT_CWL].models == CAT_MODEL_V2);
    const struct cat_log_type *nlb =
        cat_log_type(cat_service(cat, "elasticloadbalancing"), "NLB_ACCESS_LOGS");
    REQUIRE(nlb);
    CHECK(nlb->cell[CAT_S3].models == (CAT_MODEL_V1 | CAT_MODEL_V2));
}

/* Invariants of every cell, whatever the file says. */
static void test_invariants(const struct catalog *cat) {
    size_t nlt = 0;
    for (size_t s = 0; s < cat->nservices; s++) {
        const struct cat_service *svc = &cat->services[s];
        if (s) CHECK(strcmp(cat->services[s - 1].name, svc->name) < 0, "services sorted");
        CHECK(!svc->custom && !svc->owner_account, "%s", svc->name);
        CHECK(cat_service(cat, svc->name) == svc, "bsearch %s", svc->name);
        for (size_t l = 0; l < svc->nlog_types; l++) {
            const struct cat_log_type *lt = &svc->log_types[l];
            nlt++;
            CHECK(lt->svc == svc && cat_log_type(svc, lt->name) == lt, "%s", lt->name);
            CHECK(lt->nresources >= 1, "%s.%s resources", svc->name, lt->name);
            unsigned any = 0;
            for (int d = 0; d < CAT_NDEST; d++) {
                const struct cat_cell *c = &lt->cell[d];
                any |= c->models;
                if (!c->models) continue;
                if (d != CAT_S3)
                    CHECK(!cat_list_has(c->formats, c->nformats, "parquet"), "%s.%s %s parquet",
                          svc->name, lt->name, CAT_DEST_NAME[d]);
                if ((c->models & CAT_MODEL_V2) && d != CAT_XRAY)
                    CHECK(c->nformats > 0, "%s.%s %s formats", svc->name, lt->name,
                          CAT_DEST_NAME[d]);
                if (c->models & CAT_MODEL_V1)
                    CHECK(c->default_format != NULL, "%s.%s %s default format", svc->name,
                          lt->name, CAT_DEST_NAME[d]);
                for (size_t k = 0; k < c->ndefault_fields; k++)
                    CHECK(cat_field(lt, c->default_fields[k]) != NULL, "%s.%s default field %s",
                          svc->name, lt->name, c->default_fields[k]);
                if (d == CAT_S3 && (c->models & (CAT_MODEL_V1 | CAT_MODEL_V2)))
                    CHECK(c->suffix_path != NULL, "%s.%s suffix", svc->name, lt->name);
            }
            CHECK(any, "%s.%s has a cell", svc->name, lt->name);
        }
    }
    CHECK(nlt == cat->nlog_types);
    /* AWS's V2 sources today (PutDeliverySource's list, and more). */
    static const char *const V2[][2] = {
        {"cloudfront", "ACCESS_LOGS"}, {"cloudfront", "CONNECTION_LOGS"},
        {"elasticloadbalancing", "ALB_ACCESS_LOGS"},
        {"elasticloadbalancing", "ALB_CONNECTION_LOGS"},
        {"elasticloadbalancing", "ALB_HEALTH_CHECK_LOGS"},
        {"elasticloadbalancing", "NLB_ACCESS_LOGS"}, {"s3", "S3_SERVER_ACCESS_LOGS"},
        {"bedrock", "APPLICATION_LOGS"}, {"bedrock", "EVENT_LOGS"},
        {"workmail", "ACCESS_CONTROL_LOGS"}, {"workmail", "AUTHENTICATION_LOGS"},
        {"workmail", "WORKMAIL_AVAILABILITY_PROVIDER_LOGS"},
        {"workmail", "WORKMAIL_MAILBOX_ACCESS_LOGS"},
        {"workmail", "WORKMAIL_PERSONAL_ACCESS_TOKEN_LOGS"}, {"sso", "ERROR_LOGS"},
        {"codewhisperer", "EVENT_LOGS"}, {"qbusiness", "EVENT_LOGS"},
        {"qbusiness", "SYNC_JOB_LOGS"}, {"ses", "APPLICATION_LOGS"},
        {"ses", "TRAFFIC_POLICY_DEBUG_LOGS"}, {"eks", "AUTO_MODE_COMPUTE_LOGS"},
        {"eks", "EKS_CAPABILITY_ACK_LOGS"}, {"mediapackage", "EGRESS_ACCESS_LOGS"},
        {"mediatailor", "TRANSCODE_LOGS"}, {"securityhub", "SECURITY_FINDING_LOGS"},
        {"events", "ERROR_LOGS"}, {"network-firewall", "DENY_LOGS"}, {"ec2", "EVENT_LOGS"},
    };
    for (size_t i = 0; i < ARRAY_LEN(V2); i++) {
        const struct cat_log_type *lt = cat_log_type(cat_service(cat, V2[i][0]), V2[i][1]);
        CHECK(lt && (lt->cell[CAT_CWL].models & CAT_MODEL_V2), "%s %s", V2[i][0], V2[i][1]);
    }
    const struct cat_log_type *tr = cat_log_type(cat_service(cat, "bedrock"), "TRACES");
    CHECK(tr && tr->cell[CAT_XRAY].models == CAT_MODEL_V2 && !tr->cell[CAT_CWL].models);
    const struct cat_log_type *lam = cat_log_type(cat_service(cat, "lambda"), "FUNCTION_LOGS");
    CHECK(lam && lam->self_group && strcmp(lam->self_group, "/aws/lambda/{name}") == 0);
}

static void test_arns(const struct catalog *cat) {
    static const struct {
        const char *arn, *svc, *type;
    } C[] = {
        {"arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE", "cloudfront", "distribution"},
        {"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
         "elasticloadbalancing", "loadbalancer-app"},
        {"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/50dc6c495c0c9188",
         "elasticloadbalancing", "loadbalancer-net"},
        {"arn:aws:ec2:us-west-2:123456789012:vpc/vpc-0abc", "ec2", "vpc"},
        {"arn:aws:ec2:us-west-2:123456789012:vpn-connection/vpn-1", "ec2", "vpn-connection"},
        {"arn:aws:s3:::my-bucket", "s3", "bucket"},
        {"arn:aws:lambda:eu-west-1:123456789012:function:my-fn", "lambda", "function"},
        {"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/a1b2", "wafv2", "webacl"},
        {"arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod", "apigateway", "stage-rest"},
        {"arn:aws:workmail:us-east-1:123456789012:organization/m-1234EXAMPLEabcd1234abcd1234abcd1234",
         "workmail", "organization"},
        {"arn:aws:securityhub:us-east-1:111122223333:hub/*", "securityhub", "hub"},
        {"arn:aws:securityhub:us-east-1:111122223333:hubv2/*", "securityhub", "hubv2"},
        {"arn:aws:sso:::instance/ssoins-1234567890abcdef", "sso", "instance"},
        {"arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KB12345", "bedrock", "knowledge-base"},
        /* the most specific pattern wins over application/{id} */
        {"arn:aws:qbusiness:us-east-1:123456789012:application/a1/index/i1/data-source/d1",
         "qbusiness", "data-source"},
        {"arn:aws:qbusiness:us-east-1:123456789012:application/a1", "qbusiness", "application"},
        {"arn:aws:sqs:us-east-1:123456789012:queue", NULL, NULL},
        {"arn:aws:lambda:eu-west-1:12345:function:my-fn", NULL, NULL},       /* short account */
        {"arn:aws:ec2:us-west-2:123456789012:instance/i-1", NULL, NULL},     /* not a vendor */
        {"arn:aws:cloudfront::123456789012:distribution/", NULL, NULL},       /* empty id */
        {"not-an-arn", NULL, NULL},
        {"arn:aws:elasticloadbalancing:us:east:123456789012:loadbalancer/app/a/b", NULL, NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(C); i++) {
        const struct cat_service *svc = (const void *)1;
        const struct cat_resource *r = cat_resource_for_arn(cat, C[i].arn, &svc);
        if (!C[i].svc) {
            CHECK(!r && !svc, "%s matched %s", C[i].arn, r ? r->type : "?");
            continue;
        }
        CHECK(r && svc && strcmp(svc->name, C[i].svc) == 0 && strcmp(r->type, C[i].type) == 0,
              "%s -> %s", C[i].arn, r ? r->type : "none");
    }
    const struct cat_service *svc;
    const struct cat_resource *r =
        cat_resource_for_arn(cat, "arn:aws:cloudfront::123456789012:distribution/E1", &svc);
    REQUIRE(r);
    CHECK(cat_log_type_has_resource(cat_log_type(svc, "ACCESS_LOGS"), r));
    r = cat_resource_for_arn(cat, "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                                  "loadbalancer/net/n/1", &svc);
    CHECK(!cat_log_type_has_resource(cat_log_type(svc, "ALB_ACCESS_LOGS"), r));
    CHECK(cat_log_type_has_resource(cat_log_type(svc, "NLB_ACCESS_LOGS"), r));
}

/* A good minimal file, the base of the bad ones below. */
#define GOOD                                                                                     \
    "profile p\n"                                                                                \
    "  formats json plain\n"                                                                     \
    "  default-format json\n"                                                                    \
    "service acme \"ACME\"\n"                                                                    \
    "  resource thing arn:aws:acme:{region}:{account}:thing/{id}\n"                              \
    "  logtype ACCESS_LOGS \"access\"\n"                                                         \
    "    fields a! b:long c\n"                                                                   \
    "    cell CWL V2 p\n"

static void test_errors(void) {
    static const struct {
        const char *text, *want;   /* want: a substring of the message */
    } C[] = {
        {GOOD "    bogus 1\n", "t.catalog:9: unknown directive 'bogus'"},
        {"bogus\n", "t.catalog:1: unknown directive 'bogus'"},
        {GOOD GOOD, "t.catalog:9: duplicate profile 'p'"},
        {GOOD "service acme \"again\"\n", "t.catalog:9: duplicate service acme"},
        {GOOD "  logtype ACCESS_LOGS \"x\"\n", "t.catalog:9: duplicate log type ACCESS_LOGS"},
        {GOOD "    record-fields a zz\n", "t.catalog:9: record-fields: unknown field 'zz'"},
        {GOOD "  logtype X_LOGS \"x\"\n    fields a\n    record-fields nope\n    cell CWL V2 p\n",
         "t.catalog:11: record-fields: unknown field 'nope'"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell FH V2 p\n      formats json parquet\n",
         "t.catalog:11: parquet is an S3-only format"},
        {"service acme \"A\"\n  resource thing arn:aws:acme:{region}:{acct}:thing/{id}\n",
         "t.catalog:2: bad ARN pattern"},
        {"service acme \"A\"\n  resource thing arn:aws:other:{region}:{account}:thing/{id}\n",
         "t.catalog:2: ARN pattern 'arn:aws:other:{region}:{account}:thing/{id}' is not in the "
         "service's namespace acme"},
        {"service acme \"A\"\n  resource thing arn:aws:acme:{region}:{account}:thing/{id\n",
         "t.catalog:2: bad ARN pattern"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell S3 V2 p\n", "t.catalog:10: cell S3: a delivered S3 "
                                                        "cell needs a default suffix"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V1\n", "t.catalog:10: cell CWL: a V1 cell "
                                                       "needs a default-format"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V3 p\n", "t.catalog:10: unknown permission "
                                                         "model 'V3'"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V2 p\n    cell CWL V2 p\n",
         "t.catalog:11: duplicate cell CWL (first at line 10)"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V2 p\n    fields z\n",
         "t.catalog:11: fields belongs before the log type's first cell"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V2 p\n      suffix a/\n",
         "t.catalog:11: suffix applies to S3 cells only"},
        {GOOD "  logtype X_LOGS \"x\"\n    fields q:float\n", "t.catalog:10: unknown field type"},
        {GOOD "  logtype X_LOGS \"x\"\n    use nothere\n", "t.catalog:10: unknown fieldset"},
        {GOOD "  logtype X_LOGS \"x\"\n    fields a a\n", "t.catalog:10: duplicate field 'a'"},
        {GOOD "  logtype X_LOGS \"x\"\n    fields m!\n    record-fields\n",
         "t.catalog:11: record-fields wants"},
        {GOOD "  logtype X_LOGS \"x\"\n    fields m! n\n    record-fields n\n    cell CWL V2 p\n",
         "t.catalog:12: cell CWL: mandatory field 'm' is not in the default record fields"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell XRAY V1 p\n", "t.catalog:10: cell XRAY: X-Ray "
                                                          "deliveries are V2 only"},
        {GOOD "  logtype X_LOGS \"x\"\n    srccfg rate int 5 min=10\n",
         "t.catalog:10: srccfg rate: default 5 is outside min/max"},
        {GOOD "  logtype X_LOGS \"x\"\n", "t.catalog:9: log type X_LOGS has no cell"},
        {"service acme \"A\n", "t.catalog:1: unterminated quoted string"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell CWL V2 p\n      delimiters tab nope\n",
         "t.catalog:11: unknown delimiter 'nope'"},
        {GOOD "  resource more arn:aws:acme:{region}:{account}:more/{id}\n",
         "t.catalog:9: resource belongs before the service's first logtype"},
        {GOOD "  logtype X_LOGS \"x\"\n    cell S3 V2 p\n      suffix a/{bogus}/\n",
         "t.catalog:11: suffix 'a/{bogus}/': {bogus} is not in suffix-fields"},
        {GOOD "  owner 111122223333\n", "t.catalog:9: owner belongs before"},
        {"service acme \"A\"\n  owner 111122223333\n", "t.catalog:2: owner is for custom services"},
    };
    for (size_t i = 0; i < ARRAY_LEN(C); i++) {
        struct catalog *cat = NULL;
        char err[512] = "";
        int rc = catalog_parse("t.catalog", C[i].text, strlen(C[i].text), NULL, &cat, err,
                               sizeof err);
        CHECK(rc == C_ERR && !cat, "case %zu parsed", i);
        CHECK(strstr(err, C[i].want) != NULL, "case %zu: got '%s', want '%s'", i, err, C[i].want);
        catalog_free(cat);
    }
    /* The good file itself parses, with its defaults filled in. */
    struct catalog *cat = NULL;
    char err[512] = "";
    REQUIRE(catalog_parse("t.catalog", GOOD, strlen(GOOD), NULL, &cat, err, sizeof err) == C_OK,
            "%s", err);
    const struct cat_log_type *lt = cat_log_type(cat_service(cat, "acme"), "ACCESS_LOGS");
    REQUIRE(lt && lt->nfields == 3 && lt->nresources == 1);
    CHECK(lt->fields[0].mandatory && !lt->fields[1].mandatory);
    CHECK(strcmp(lt->fields[1].type, "long") == 0 && strcmp(lt->fields[2].type, "string") == 0);
    CHECK(lt->cell[CAT_CWL].ndefault_fields == 3, "defaults: all fields");
    CHECK(lt->cell[CAT_CWL].models == CAT_MODEL_V2 && !lt->cell[CAT_S3].models);
    catalog_free(cat);
}

static const char CUSTOM[] =
    "# an operator's service, using the built-in profiles\n"
    "service acme-queue \"ACME queue\"\n"
    "  owner 111122223333\n"
    "  allow-action acme-queue:AllowVendedLogDeliveryForResource\n"
    "  resource queue arn:aws:acme-queue:{region}:{account}:queue/{name}\n"
    "  logtype ACCESS_LOGS \"ACME access\"\n"
    "    fields resource_arn! event_timestamp!:long operation status:int\n"
    "    srccfg samplingRate int 100 min=1 max=100\n"
    "    cell CWL V2 v2-cwl\n"
    "    cell S3 V2 v2-s3\n"
    "      suffix AWSLogs/{account-id}/acme-queue/{region}/{yyyy}/{MM}/{dd}/\n";

static void test_custom(void) {
    char err[512] = "";
    REQUIRE(catalog_load(NULL, err, sizeof err) == C_OK, "%s", err);
    const struct catalog *builtin = catalog_get();
    struct catalog *cat = NULL;
    REQUIRE(catalog_parse("custom.catalog", CUSTOM, strlen(CUSTOM), builtin, &cat, err,
                          sizeof err) == C_OK, "%s", err);
    CHECK(cat->nservices == builtin->nservices + 1);
    const struct cat_service *s = cat_service(cat, "acme-queue");
    REQUIRE(s);
    CHECK(s->custom && strcmp(s->owner_account, "111122223333") == 0 && s->line == 2);
    CHECK(strcmp(s->file, "custom.catalog") == 0);
    CHECK(!cat_service(cat, "cloudfront")->custom);
    const struct cat_service *rs;
    CHECK(cat_resource_for_arn(cat, "arn:aws:acme-queue:us-east-1:111122223333:queue/q1", &rs) &&
          rs == s);
    const struct cat_log_type *lt = cat_log_type(s, "ACCESS_LOGS");
    REQUIRE(lt && lt->nsrccfg == 1 && lt->srccfg[0].has_max && lt->srccfg[0].max == 100);

    /* The template in the model's shape. */
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    cat_write_template(&w, lt, lt->resources[0], CAT_S3, false);
    buf_reserve(&b, JSON_PADDING);
    struct arena a;
    arena_init(&a, 4096);
    struct jval *v;
    char jerr[128];
    REQUIRE(json_parse(&a, b.p, b.len, &v, jerr, sizeof jerr) == C_OK, "%s", jerr);
    CHECK(strcmp(json_str(json_get(v, "service")), "acme-queue") == 0);
    CHECK(strcmp(json_str(json_get(v, "deliveryDestinationType")), "S3") == 0);
    CHECK(json_get(v, "permissionModel") == NULL);
    const struct jval *dv = json_get(v, "defaultDeliveryConfigValues");
    REQUIRE(dv);
    const struct jval *s3 = json_get(dv, "s3DeliveryConfiguration");
    CHECK(s3 && strcmp(json_str(json_get(s3, "suffixPath")),
                       "AWSLogs/{account-id}/acme-queue/{region}/{yyyy}/{MM}/{dd}/") == 0);
    CHECK(json_get(dv, "recordFields")->u.a.n == 4);
    CHECK(strcmp(json_str(json_get(dv, "fieldDelimiter")), "") == 0);
    const struct jval *af = json_get(v, "allowedFields");
    CHECK(af && af->u.a.n == 4 && json_get(&af->u.a.v[0], "mandatory")->u.b);
    CHECK(json_get(v, "allowedOutputFormats")->u.a.n == 4);
    CHECK(strcmp(json_str(json_get(v, "allowedActionForAllowVendedLogsDeliveryForResource")),
                 "acme-queue:AllowVendedLogDeliveryForResource") == 0);
    CHECK(json_get(v, "allowedSuffixPathFields")->u.a.n == 5);
    const struct jval *sc = json_get(v, "deliverySourceConfiguration");
    CHECK(sc && sc->u.a.n == 1 &&
          strcmp(json_str(json_get(&sc->u.a.v[0], "defaultValue")), "100") == 0);
    arena_free(&a);
    buf_free(&b);
    catalog_free(cat);

    /* A custom file may not redefine a built-in service. */
    static const char REDEF[] = "\n\nservice cloudfront \"mine\"\n";
    cat = NULL;
    CHECK(catalog_parse("custom.catalog", REDEF, strlen(REDEF), builtin, &cat, err,
                        sizeof err) == C_ERR && !cat);
    CHECK(strstr(err, "custom.catalog:3: service cloudfront is built in (aws.catalog:") != NULL,
          "%s", err);
    /* seed rows are the built-in catalog's */
    static const char SEED[] = "service acme \"A\"\n  resource r arn:aws:acme:::r/{id}\n"
                               "  logtype L_LOGS \"l\"\n    seed 3\n";
    CHECK(catalog_parse("c", SEED, strlen(SEED), builtin, &cat, err, sizeof err) == C_ERR);
    CHECK(strstr(err, "c:4: seed rows belong to the built-in catalog") != NULL, "%s", err);

    /* catalog_load with a file: the file's error names it. */
    const char *path = "/tmp/sluice-test-catalog-bad.catalog";
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("service acme \"A\"\n  bogus\n", f);
    fclose(f);
    CHECK(catalog_load(path, err, sizeof err) == C_ERR);
    char want[256];
    snprintf(want, sizeof want, "%s:2: unknown directive 'bogus'", path);
    CHECK(strstr(err, want) != NULL, "%s", err);
    CHECK(catalog_get() == builtin, "a failed load keeps the catalog");
    remove(path);
    CHECK(catalog_load("/nonexistent/x.catalog", err, sizeof err) == C_ERR);
    CHECK(strstr(err, "/nonexistent/x.catalog") != NULL, "%s", err);
}

int main(void) {
    char err[512] = "";
    REQUIRE(catalog_load(NULL, err, sizeof err) == C_OK, "built-in catalog: %s", err);
    const struct catalog *cat = catalog_get();
    REQUIRE(cat && cat->nservices > 40);
    test_seed(cat);
    test_invariants(cat);
    test_arns(cat);
    size_t nsvc = cat->nservices, nlt = cat->nlog_types;
    test_errors();
    test_custom();   /* reloads the process-wide catalog: cat is gone */
    printf("test_catalog: %zu services, %zu log types, %d checks, %d failed\n", nsvc, nlt,
           checks, failures);
    return failures != 0;
}

/* S3 object keys of vended logs (src/delivery/s3key.c), against AWS's
 * documented keys: VPC flow logs (V1 plain, hourly, Hive, prefix), WAF and
 * Network Firewall (V1 directory templates and file names), CloudFront's
 * V2 default suffix, user suffixes with variables, Hive names and the
 * destination prefix, ALB's four V2 examples exactly (research
 * delivery-behaviour.md §3.2), unknown variables, joins; the suffixPath a
 * delivery stores at creation; dlv_resource_id for several ARN shapes. */
#include "delivery/s3key.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "check.h"

/* "2018-06-20T16:20:00" (UTC) -> ms */
static int64_t ts(const char *s) {
    struct tm tm = {0};
    int ms = 0;
    sscanf(s, "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
           &tm.tm_min, &tm.tm_sec, &ms);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

#define CF_ARN "arn:aws:cloudfront::111122223333:distribution/E1ABCDEF"
#define ALB_ARN "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/my-alb/50dc6c495c0c9188"
#define ALB_DEFAULT "AWSLogs/{account-id}/elasticloadbalancing/{region}/{yyyy}/{MM}/{dd}/"
#define ALB_FILE "app.my-alb.50dc6c495c0c9188.2026-09-10-07.0000abcd.log.gz"

struct kcase {
    const char *name;
    struct dlv_s3key k;
    const char *when;             /* ts_ms as text */
    const char *want;
};

static const struct kcase CASES[] = {
    /* ---- V1 ---- */
    {"V1 VPC flow logs, generic layout (AWS's documented key)",
     {.model = 1, .account = "123456789012", .region = "us-east-1", .service = "vpcflowlogs",
      .resource_arn = "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/fl-1234abcd",
      .unique = 0xfe123456},
     "2018-06-20T16:20:00",
     "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"},
    {"V1 VPC flow logs, the catalog's template gives the same key",
     {.model = 1, .suffix_path = "AWSLogs/{account-id}/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/",
      .account = "123456789012", .region = "us-east-1", .service = "ec2",
      .resource_arn = "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/fl-1234abcd",
      .unique = 0xfe123456},
     "2018-06-20T16:20:59.999",
     "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz"},
    {"V1 hourly partition",
     {.model = 1, .hourly = true, .account = "123456789012", .region = "us-east-1",
      .service = "vpcflowlogs", .resource_arn = "fl-1234abcd", .unique = 1},
     "2018-06-20T16:20:00",
     "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/16/"
     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_00000001.log.gz"},
    {"V1 Hive",
     {.model = 1, .hive = true, .account = "123456789012", .region = "us-east-1",
      .service = "vpcflowlogs", .resource_arn = "fl-1234abcd", .unique = 0xabcdef12},
     "2018-06-20T16:20:00",
     "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/"
     "year=2018/month=06/day=20/"
     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_abcdef12.log.gz"},
    {"V1 Hive, hourly, prefix, template",
     {.model = 1, .hive = true, .hourly = true, .prefix = "my/prefix/",
      .suffix_path = "AWSLogs/{account-id}/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/",
      .account = "123456789012", .region = "eu-west-1", .resource_arn = "fl-1", .unique = 2},
     "2021-01-02T03:04:05",
     "my/prefix/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/"
     "aws-region=eu-west-1/year=2021/month=01/day=02/hour=03/"
     "123456789012_vpcflowlogs_eu-west-1_fl-1_20210102T0304Z_00000002.log.gz"},
    {"V1 prefix",
     {.model = 1, .prefix = "my-prefix", .account = "123456789012", .region = "us-east-1",
      .service = "vpcflowlogs", .resource_arn = "fl-1234abcd", .unique = 0xfe123456,
      .ext = ".log.parquet"},
     "2018-06-20T16:20:00",
     "my-prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
     "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.parquet"},
    {"V1 WAF (AWS's documented key)",
     {.model = 1, .suffix_path = "AWSLogs/{account-id}/WAFLogs/{region}/{name}/{yyyy}/{MM}/{dd}/{HH}/{mm}/",
      .account = "11111111111", .region = "us-east-1", .service = "wafv2",
      .resource_arn = "arn:aws:wafv2:us-east-1:11111111111:regional/webacl/TEST-WEBACL/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
      .unique = 0xe0ca43b5},
     "2021-10-28T19:50:00",
     "AWSLogs/11111111111/WAFLogs/us-east-1/TEST-WEBACL/2021/10/28/19/50/"
     "11111111111_waflogs_us-east-1_TEST-WEBACL_20211028T1950Z_e0ca43b5.log.gz"},
    {"V1 WAF with a key prefix; hourly does not add a second hour",
     {.model = 1, .prefix = "KEY-NAME-PREFIX", .hourly = true,
      .suffix_path = "AWSLogs/{account-id}/WAFLogs/{region}/{name}/{yyyy}/{MM}/{dd}/{HH}/{mm}/",
      .account = "11111111111", .region = "us-east-1",
      .resource_arn = "arn:aws:wafv2:us-east-1:11111111111:regional/webacl/TEST-WEBACL/a1b2",
      .unique = 0xe0ca43b5},
     "2021-10-28T19:50:00",
     "KEY-NAME-PREFIX/AWSLogs/11111111111/WAFLogs/us-east-1/TEST-WEBACL/2021/10/28/19/50/"
     "11111111111_waflogs_us-east-1_TEST-WEBACL_20211028T1950Z_e0ca43b5.log.gz"},
    {"V1 Network Firewall (AWS's documented layout)",
     {.model = 1, .prefix = "random_prefix",
      .suffix_path = "AWSLogs/{account-id}/network-firewall/flow/{region}/{name}/{yyyy}/{MM}/{dd}/{HH}/",
      .account = "012345678910", .region = "us-east-1",
      .resource_arn = "arn:aws:network-firewall:us-east-1:012345678910:firewall/my-test-firewall",
      .unique = 0xe5c84094},
     "2023-02-20T16:10:00",
     "random_prefix/AWSLogs/012345678910/network-firewall/flow/us-east-1/my-test-firewall/"
     "2023/02/20/16/"
     "012345678910_network-firewall_flow_us-east-1_my-test-firewall_20230220T1610Z_e5c84094.log.gz"},
    {"V1 load balancer: id app.NAME.ID",
     {.model = 1, .suffix_path = ALB_DEFAULT, .account = "123456789012", .region = "us-east-2",
      .resource_arn = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/my-loadbalancer/1234567890abcdef",
      .unique = 0x20a8b9c0},
     "2014-02-15T23:40:00",
     "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2014/02/15/123456789012_"
     "elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_20a8b9c0.log.gz"},
    {"V1 template without the AWSLogs head uses the service word",
     {.model = 1, .suffix_path = "feed/{yyyy}-{MM}-{dd}/", .account = "1", .region = "r",
      .service = "spot", .resource_arn = "x", .unique = 3},
     "2020-05-06T07:08:09", "feed/2020-05-06/1_spot_r_x_20200506T0708Z_00000003.log.gz"},

    /* ---- V2 ---- */
    {"V2 CloudFront default suffix",
     {.model = 2, .suffix_path = "AWSLogs/{account-id}/CloudFront/", .account = "111122223333",
      .region = "us-east-1", .resource_arn = CF_ARN, .ext = ".gz", .unique = 0xabcdef01},
     "2025-09-23T08:17:00", "AWSLogs/111122223333/CloudFront/E1ABCDEF.2025-09-23-08.abcdef01.gz"},
    {"V2 CloudFront user suffix with variables (stored with the default head)",
     {.model = 2,
      .suffix_path = "AWSLogs/{account-id}/CloudFront/cloudfront/{DistributionId}/{yyyy}/{MM}/{dd}",
      .account = "111122223333", .region = "us-east-1", .resource_arn = CF_ARN,
      .unique = 0xabcdef01},
     "2025-09-23T08:17:00",
     "AWSLogs/111122223333/CloudFront/cloudfront/E1ABCDEF/2025/09/23/"
     "E1ABCDEF.2025-09-23-08.abcdef01.log.gz"},
    {"V2 CloudFront Hive: {accountid}, {DistributionId} and {distributionid} keep their case",
     {.model = 2, .hive = true,
      .suffix_path = "AWSLogs/{account-id}/CloudFront/myFolderA/{accountid}/{DistributionId}/"
                     "{distributionid}/{yyyy}/{MM}/{dd}/{HH}",
      .account = "111122223333", .region = "us-east-1", .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00",
     "AWSLogs/aws-account-id=111122223333/CloudFront/myFolderA/accountid=111122223333/"
     "DistributionId=E1ABCDEF/distributionid=E1ABCDEF/year=2025/month=09/day=23/hour=08/"
     "E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 CloudFront prefix + Hive user suffix",
     {.model = 2, .hive = true, .prefix = "MyLogPrefix", .suffix_path = "myFolderA/{yyyy}",
      .account = "111122223333", .region = "us-east-1", .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00", "MyLogPrefix/myFolderA/year=2025/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 CloudFront prefix, no suffix left",
     {.model = 2, .prefix = "MyLogPrefix", .account = "111122223333", .region = "us-east-1",
      .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00", "MyLogPrefix/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 prefix with a slash and a suffix starting with one (Terraform's test)",
     {.model = 2, .prefix = "prefix/",
      .suffix_path = "/123456678910/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
      .account = "111122223333", .region = "us-east-1", .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00",
     "prefix/123456678910/E1ABCDEF/2025/09/23/08/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 no prefix, no suffix",
     {.model = 2, .account = "111122223333", .region = "us-east-1", .resource_arn = CF_ARN,
      .unique = 0xffffffff, .ext = ".parquet"},
     "2025-12-31T23:59:59.999", "E1ABCDEF.2025-12-31-23.ffffffff.parquet"},
    /* ALB, research §3.2: the four documented directories, exactly. */
    {"V2 ALB hive off, no suffix",
     {.model = 2, .suffix_path = ALB_DEFAULT, .account = "111122223333", .region = "us-east-1",
      .resource_arn = ALB_ARN, .unique = 0xabcd},
     "2026-09-10T07:05:00",
     "AWSLogs/111122223333/elasticloadbalancing/us-east-1/2026/09/10/" ALB_FILE},
    {"V2 ALB hive on, no suffix",
     {.model = 2, .hive = true, .suffix_path = ALB_DEFAULT, .account = "111122223333",
      .region = "us-east-1", .resource_arn = ALB_ARN, .unique = 0xabcd},
     "2026-09-10T07:05:00",
     "AWSLogs/aws-account-id=111122223333/elasticloadbalancing/region=us-east-1/year=2026/"
     "month=09/day=10/" ALB_FILE},
    {"V2 ALB hive on, suffix myFolder/{yyyy}/{MM}/{dd} (as stored at creation)",
     {.model = 2, .hive = true,
      .suffix_path = "AWSLogs/{account-id}/elasticloadbalancing/myFolder/{yyyy}/{MM}/{dd}",
      .account = "111122223333", .region = "us-east-1", .resource_arn = ALB_ARN, .unique = 0xabcd},
     "2026-09-10T07:05:00",
     "AWSLogs/aws-account-id=111122223333/elasticloadbalancing/myFolder/year=2026/month=09/"
     "day=10/" ALB_FILE},
    {"V2 ALB prefix MyLogPrefix, hive off (stored suffix without the head)",
     {.model = 2, .prefix = "MyLogPrefix", .suffix_path = "{region}/{yyyy}/{MM}/{dd}/",
      .account = "111122223333", .region = "us-east-1", .resource_arn = ALB_ARN, .unique = 0xabcd},
     "2026-09-10T07:05:00", "MyLogPrefix/us-east-1/2026/09/10/" ALB_FILE},
    {"V2 unknown variables left as written",
     {.model = 2, .suffix_path = "x/{foo}/{yyyy}/{Region}/{}", .account = "1", .region = "r",
      .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00", "x/{foo}/2025/{Region}/{}/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 unknown variables left as written, Hive on",
     {.model = 2, .hive = true, .suffix_path = "x/{foo}/{yyyy}", .account = "1", .region = "r",
      .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00", "x/{foo}/year=2025/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 variables inside a segment, an unclosed brace",
     {.model = 2, .hive = true, .suffix_path = "logs-{yyyy}{MM}/{mm}/a{b", .account = "1",
      .region = "r", .resource_arn = CF_ARN, .unique = 1},
     "2025-09-23T08:17:00",
     "logs-year=2025month=09/minute=17/a{b/E1ABCDEF.2025-09-23-08.00000001.log.gz"},
    {"V2 no resource: the account names the file",
     {.model = 2, .suffix_path = "d/", .account = "111122223333", .region = "r", .unique = 1},
     "1970-01-01T00:00:00", "d/111122223333.1970-01-01-00.00000001.log.gz"},
};

static void test_keys(void) {
    for (size_t i = 0; i < ARRAY_LEN(CASES); i++) {
        struct arena a;
        arena_init(&a, 0);
        struct dlv_s3key k = CASES[i].k;
        k.ts_ms = ts(CASES[i].when);
        char *key = dlv_s3_key(&a, &k);
        CHECK(key && strcmp(key, CASES[i].want) == 0, "%s:\n  got  %s\n  want %s", CASES[i].name,
              key, CASES[i].want);
        arena_free(&a);
    }
}

/* A time before the epoch rounds down, not toward zero. */
static void test_negative_time(void) {
    struct arena a;
    arena_init(&a, 0);
    struct dlv_s3key k = {.model = 2, .account = "1", .region = "r", .resource_arn = "id",
                          .ts_ms = -1, .unique = 0};
    char *key = dlv_s3_key(&a, &k);
    CHECK(strcmp(key, "id.1969-12-31-23.00000000.log.gz") == 0, "%s", key);
    arena_free(&a);
}

#define CF_DEFAULT "AWSLogs/{account-id}/CloudFront/"

static void test_effective_suffix(void) {
    static const struct {
        const char *dflt, *user;
        bool prefix;
        const char *want;   /* NULL: none */
    } T[] = {
        {CF_DEFAULT, NULL, false, CF_DEFAULT},
        {CF_DEFAULT, "cloudfront/{DistributionId}/{yyyy}/{MM}/{dd}", false,
         "AWSLogs/{account-id}/CloudFront/cloudfront/{DistributionId}/{yyyy}/{MM}/{dd}"},
        {CF_DEFAULT, "/lead/{yyyy}", false, "AWSLogs/{account-id}/CloudFront/lead/{yyyy}"},
        {CF_DEFAULT, "/123456678910/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}", true,
         "/123456678910/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"},
        {CF_DEFAULT, NULL, true, NULL},
        {CF_DEFAULT, "", true, NULL},
        {ALB_DEFAULT, NULL, false, ALB_DEFAULT},
        {ALB_DEFAULT, "myFolder/{yyyy}/{MM}/{dd}", false,
         "AWSLogs/{account-id}/elasticloadbalancing/myFolder/{yyyy}/{MM}/{dd}"},
        {ALB_DEFAULT, NULL, true, "{region}/{yyyy}/{MM}/{dd}/"},
        {ALB_DEFAULT, "x/{HH}", true, "x/{HH}"},
        {"AWSLogs/{account-id}/svc", "u", false, "AWSLogs/{account-id}/svc/u"},
        {"other/{yyyy}/", "u", false, "u"},
        {"other/{yyyy}/", NULL, true, "other/{yyyy}/"},
        {NULL, "u", false, "u"},
        {NULL, "u", true, "u"},
        {NULL, NULL, false, NULL},
        {NULL, NULL, true, NULL},
    };
    struct arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < ARRAY_LEN(T); i++) {
        const char *got = dlv_s3_effective_suffix(&a, T[i].dflt, T[i].user, T[i].prefix);
        bool ok = T[i].want ? got && strcmp(got, T[i].want) == 0 : got == NULL;
        CHECK(ok, "case %zu: got %s want %s", i, got ? got : "(none)",
              T[i].want ? T[i].want : "(none)");
    }
    arena_free(&a);
}

static void test_resource_id(void) {
    static const struct { const char *arn, *want; } T[] = {
        {CF_ARN, "E1ABCDEF"},
        {"arn:aws:cloudfront::111122223333:distribution/E1ABCDEF/", "E1ABCDEF"},
        {"arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0abc", "vpc-0abc"},
        {"arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1", "subnet-1"},
        {"arn:aws:lambda:us-east-1:111122223333:function:my-fn", "my-fn"},
        {"arn:aws:lambda:us-east-1:111122223333:function:my-fn:PROD", "my-fn"},
        {ALB_ARN, "app.my-alb.50dc6c495c0c9188"},
        {"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/my-nlb/abc", "net.my-nlb.abc"},
        {"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/my-clb", "my-clb"},
        {"arn:aws:wafv2:us-east-1:111122223333:regional/webacl/TEST-WEBACL/a1b2c3d4-5678", "TEST-WEBACL"},
        {"arn:aws:wafv2:us-east-1:111122223333:global/webacl/G/id", "G"},
        {"arn:aws:network-firewall:us-east-1:1:firewall/fw-1", "fw-1"},
        {"arn:aws:logs:us-east-1:1:log-group:my-group:*", "my-group"},
        {"arn:aws:s3:::my-bucket", "my-bucket"},
        {"arn:aws:bedrock:us-east-1:1:agent-alias/AGENT/ALIAS", "ALIAS"},
        {"arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-9", "vpc-9"},
        {"fl-1234abcd", "fl-1234abcd"},
        {"arn:aws:short", "arn:aws:short"},
        {"", ""},
    };
    struct arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < ARRAY_LEN(T); i++) {
        const char *got = dlv_resource_id(&a, T[i].arn);
        CHECK(strcmp(got, T[i].want) == 0, "%s -> %s, want %s", T[i].arn, got, T[i].want);
    }
    CHECK(strcmp(dlv_resource_id(&a, NULL), "") == 0);
    arena_free(&a);
}

int main(void) {
    test_keys();
    test_negative_time();
    test_effective_suffix();
    test_resource_id();
    printf("test_s3key: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}

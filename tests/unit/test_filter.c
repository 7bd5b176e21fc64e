/* Filter pattern compile + match.  Cases come from the CloudWatch Logs user
 * guide ("Filter pattern syntax ...", quoted where marked DOC) and from
 * responses of the real service (TestMetricFilter / FilterLogEvents, marked
 * AWS), which settle what the prose leaves open. */
#include "logs/filter.h"
#include <stdio.h>
#include <string.h>

struct mcase {
    const char *pattern;
    const char *message;
    bool want;
};

struct ecase {
    const char *pattern;
    const char *msg; /* exact AWS message */
};

/* DOC: the user guide's JSON example event. */
#define EV_TRAIL                                                                                   \
    "{\"eventType\": \"UpdateTrail\", \"sourceIPAddress\": \"111.111.111.111\", \"arrayKey\": "  \
    "[\"value\", \"another value\"], \"objectList\": [{\"name\": \"a\", \"id\": 1}, {\"name\": "  \
    "\"b\", \"id\": 2}], \"SomeObject\": null, \"ThisFlag\": true}"
/* DOC: the event for the compound-condition examples. */
#define EV_USERS                                                                                   \
    "{\"user\": {\"id\": 1, \"email\": \"John.Stiles@example.com\"}, \"users\": [{\"id\": 2, "    \
    "\"email\": \"John.Doe@example.com\"}, {\"id\": 3, \"email\": \"Jane.Doe@example.com\"}], "   \
    "\"actions\": [\"GET\", \"PUT\", \"DELETE\"], \"coordinates\": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}"
/* DOC: Apache access log lines. */
#define AP_200 "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534"
#define AP_500 "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324"
#define AP_404 "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534"
#define AP_410 "127.0.0.2 - jane [10/Oct/2000:13:25:16 -0700] \"GET /index.html HTTP/1.0\" 410 0"
#define AP_EXTRA "127.0.0.5  -  frank [10/Oct/2000:13:25:19 -0700] \"GET /index.html HTTP/1.0\" 404 1534 extra"
#define AP_TABS "127.0.0.6\t-\tfrank\t[10/Oct/2000:13:25:20 -0700]\t\"GET /index.html HTTP/1.0\"\t404\t1534"
#define AP_FIELDS "[ip, user, username, timestamp, request, status_code, bytes"

static const struct mcase matches[] = {
    /* ---- unstructured terms ---- */
    /* DOC: 'The filter pattern "" matches all log events.' */
    {"", "anything at all", true},
    {"   \t ", "anything at all", true},
    {"", "", true},
    /* DOC: '"ERROR" matches ... [ERROR] A fatal exception has occurred /
     * Exiting with ERRORCODE: -1' */
    {"ERROR", "[ERROR] A fatal exception has occurred", true},
    {"ERROR", "Exiting with ERRORCODE: -1", true},
    {"ERROR", "all is well", false},
    /* DOC: '"ERROR" - "Exiting" ... "Exiting with ERRORCODE: -1" would be excluded' */
    {"ERROR -Exiting", "Exiting with ERRORCODE: -1", false},
    {"ERROR -Exiting", "[ERROR] A fatal exception has occurred", true},
    {"ERROR - Exiting", "Exiting with ERRORCODE: -1", false},
    /* DOC: '"ERROR Exception" matches ... Caught IllegalArgumentException / Unhandled Exception' */
    {"ERROR Exception", "[ERROR] Caught IllegalArgumentException", true},
    {"ERROR Exception", "[ERROR] Unhandled Exception", true},
    {"ERROR Exception", "[ERROR] A fatal exception has occurred", false},
    /* DOC: '"Failed to process the request" matches ...' (all terms) */
    {"Failed to process the request", "[WARN] Failed to process the request", true},
    {"Failed to process the request", "[ERROR] Unable to continue: Failed to process the request", true},
    {"Failed to process the request", "the request failed to process", false},
    /* DOC: '?ERROR ?WARN matches examples 1, 2, and 3 ... ERROR WARN only matches
     * example 1 ... ERROR -WARN matches example 2' */
    {"?ERROR ?WARN", "ERROR WARN message", true},
    {"?ERROR ?WARN", "ERROR message", true},
    {"?ERROR ?WARN", "WARN message", true},
    {"?ERROR ?WARN", "INFO message", false},
    {"ERROR WARN", "ERROR WARN message", true},
    {"ERROR WARN", "ERROR message", false},
    {"ERROR -WARN", "ERROR message", true},
    {"ERROR -WARN", "ERROR WARN message", false},
    /* DOC (current guide): ERROR ARGUMENTS, ?ERROR ?ARGUMENTS */
    {"ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", true},
    {"ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST", false},
    {"?ERROR ?ARGUMENTS", "[ERROR 401] UNAUTHORIZED REQUEST", true},
    /* DOC: 'If you combine ? with other filter patterns, the question mark (?)
     * will be ignored ... ?ERROR ?ARGUMENTS REQUEST' */
    {"?ERROR ?ARGUMENTS REQUEST", "[INFO 200] SUCCESSFUL REQUEST", true},
    {"?ERROR ?ARGUMENTS REQUEST", "[ERROR] MISSING ARGUMENTS", false},
    /* AWS: with an exclusion too, the ? terms still do nothing. */
    {"?ERROR ?ARGUMENTS -REQUEST", "plain", true},
    {"?ERROR ?ARGUMENTS -REQUEST", "ERROR BAD REQUEST", false},
    {"-ERROR", "INFO REQUEST", true},
    {"-ERROR", "ERROR BAD REQUEST", false},
    /* DOC: '"INTERNAL SERVER ERROR"' exact phrase */
    {"\"INTERNAL SERVER ERROR\"", "[ERROR 500] INTERNAL SERVER ERROR", true},
    {"\"INTERNAL SERVER ERROR\"", "ERROR INTERNAL  SERVER ERROR", false},
    /* AWS: case-sensitive substring, not whole words. */
    {"error", "ERROR ARGUMENTS REQUEST", false},
    {"ERROR", "TERROR REQUEST", true},
    {"ERROR ARGUMENTS", "ERROR_ARGUMENTS", true},
    {"\"hello-world\"", "hello-world", true},
    {"ERROR -\"BAD REQUEST\"", "ERROR BAD REQUEST", false},
    {"ERROR -\"BAD REQUEST\"", "ERROR INTERNAL SERVER ERROR", true},
    {"\" \"", "plain", false},
    {"\" \"", "INFO REQUEST", true},
    /* CDK quotes every term and escapes with backslashes. */
    {"\"say \\\"hi\\\"\"", "they say \"hi\" here", true},
    {"\"ERR*\"", "ERR* literal", true},
    {"\"ERR*\"", "ERROR", false},
    /* ---- regular expressions (AWS) ---- */
    {"%^ERROR\\s[0-9]{3}$%", "ERROR 500", true},
    {"%^ERROR\\s[0-9]{3}$%", "ERROR 5000", false},
    {"%^ERROR\\s[0-9]{3}$%", "ERROR\n500", true},
    {"%ERROR|WARN%", "WARN 404", true},
    {"%ERROR|WARN%", "error 500", false},
    {"%^colou?r$%", "colour", true},
    {"%^colou?r$%", "colouur", false},
    {"%10\\.10\\.0\\.1%", "10010,051", false},
    {"%10.10.0.1%", "10010,051", true},
    {"%\\x21%", "hello!", true},
    {"%^[^a-z]+$%", "10010,051", true},
    {"%^[^a-z]+$%", "color", false},
    /* ---- JSON: the user guide's examples against its event ---- */
    {"{ $.eventType = \"UpdateTrail\" }", EV_TRAIL, true},
    {"{ $.sourceIPAddress != 123.123.* }", EV_TRAIL, true},
    {"{ $.sourceIPAddress != 111.111.* }", EV_TRAIL, false},
    {"{ $.arrayKey[0] = \"value\" }", EV_TRAIL, true},
    {"{ $.objectList[1].id = 2 }", EV_TRAIL, true},
    {"{ $.SomeObject IS NULL }", EV_TRAIL, true},
    {"{ $.SomeOtherObject NOT EXISTS }", EV_TRAIL, true},
    {"{ $.ThisFlag IS TRUE }", EV_TRAIL, true},
    {"{ $.ThisFlag IS FALSE }", EV_TRAIL, false},
    /* DOC: '*Event will match PutEvent ... Ev*ent will only match the actual string Ev*ent' */
    {"{ $.eventType = *Trail }", EV_TRAIL, true},
    {"{ $.eventType = \"Update*\" }", EV_TRAIL, true},
    {"{ $.eventType = Up*Trail }", EV_TRAIL, false},
    {"{ $.eventType = Up*Trail }", "{\"eventType\": \"Up*Trail\"}", true},
    {"{ $.eventName = \"Describe*\" }", "{\"eventName\": \"DescribeInstances\"}", true},
    {"{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }", EV_USERS, true},
    {"{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }", EV_USERS, false},
    {"{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch && "
     "$.actions[2] = nomatch }", EV_USERS, true},
    {"{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch) && "
     "$.actions[2] = nomatch }", EV_USERS, false},
    {"{ $.coordinates[2][0] = 7 }", EV_USERS, true},
    /* DOC: 'both {$.users = 1} and {$.users != 1} will fail to match' an array */
    {"{ $.users = 1 }", "{\"users\": [1, 2, 3]}", false},
    {"{ $.users != 1 }", "{\"users\": [1, 2, 3]}", false},
    /* DOC: OR pattern matching in JSON filters */
    {"{$.foo = bar}", "{\"foo\": \"bar\"}", true},
    {"{$.foo = baz }", "{\"foo\": \"bar\"}", false},
    {"{$.foo = bar || $.foo = baz }", "{\"foo\": \"baz\"}", true},
    /* DOC: numeric comparisons */
    {"{ $.latency >= 500 }", "{\"latency\": 500}", true},
    {"{ $.numbers[0] < 10e3 }", "{\"numbers\": [9999]}", true},
    {"{ $.numbers[0] < 10e-3 }", "{\"numbers\": [0.01]}", false},
    {"{ $.processes[4].averageRuntime <= 55.5 }",
     "{\"processes\": [{}, {}, {}, {}, {\"averageRuntime\": 55.5}]}", true},
    {"{ $.errorCode = 400 }", "{\"errorCode\": 400}", true},
    {"{ $.errorCode != 500 }", "{\"errorCode\": 400}", true},
    {"{ $.latency > +1000 }", "{\"latency\": 1001}", true},
    {"{ $.latency > +1000 }", "{\"latency\": 1000}", false},
    /* DOC: metricFilter '{ $.latency = * }' - any string or number */
    {"{ $.latency = * }", "{\"latency\": 42}", true},
    {"{ $.latency = * }", "{\"other\": 42}", false},
    {"{ $.latency = * }", "{\"latency\": null}", false},
    /* AWS: number literals vs strings, booleans, duplicate keys */
    {"{ $.v = 1 }", "{\"v\":\"1\"}", true},
    {"{ $.v = 1 }", "{\"v\":\"1.0\"}", false},
    {"{ $.v = 1 }", "{\"v\":1.0}", true},
    {"{ $.v = 1e+0 }", "{\"v\":1}", true},
    {"{ $.v = 1 }", "{\"v\":true}", false},
    {"{ $.v != 1 }", "{\"v\":null}", false},
    {"{ $.v != 1 }", "{\"v\":\"10\"}", true},
    {"{ $.v != 1 }", "{}", false},
    {"{ $.v > 1 }", "{\"v\":\"10\"}", false},
    {"{ $.v > 1 }", "{\"v\":1,\"v\":2}", true},
    {"{ $.v >= 1 }", "{\"v\":2,\"v\":1}", true},
    {"{ $.v > 1 }", "{\"v\":2,\"v\":1}", false},
    {"{ $.v = \"1\" }", "{\"v\":1}", true},
    {"{ $.v = \"1\" }", "{\"v\":1.0}", false},
    {"{ $.v = true }", "{\"v\":true}", false},
    {"{ $.v = true }", "{\"v\":\"true\"}", true},
    {"{ $.v != \"Alpha\" }", "{\"v\":false}", false},
    {"{ $.v = \"\" }", "{\"v\":\"\"}", true},
    {"{ $.v = \"a?b\" }", "{\"v\":\"axb\"}", false},
    {"{ $.v IS NULL }", "{\"v\":[1,\"Alpha\",null]}", true},
    {"{ $.v IS NULL }", "{}", false},
    {"{ $.v NOT EXISTS }", "{}", true},
    {"{ $.v NOT EXISTS }", "{\"v\":null}", false},
    {"{ $.v NOT EXISTS }", "[{\"v\":1}]", false},
    {"{ $.v NOT EXISTS }", "not JSON", false},
    {"{ $.v NOT EXISTS }", "{broken", false},
    {"{ $.v = %^Al.*% }", "{\"v\":\"Alphabet\"}", true},
    {"{ $.v = %^Al.*% }", "{\"v\":\"xAlpha\"}", false},
    /* AWS: selectors - dotted keys, wildcards, no flattening of arrays */
    {"{ $.['cluster.name'] = \"flat\" }", "{\"cluster.name\":\"flat\",\"cluster\":{\"name\":\"nested\"}}", true},
    {"{ $.cluster.name = \"flat\" }", "{\"cluster.name\":\"flat\",\"cluster\":{\"name\":\"nested\"}}", false},
    {"{ $.arr[*] = \"hit\" }", "{\"arr\":[\"miss\",\"hit\"]}", true},
    {"{ $.arr[*] = \"hit\" }", "{\"arr\":{\"0\":\"hit\"}}", true},
    {"{ $.arr[*] = \"hit\" }", "{\"arr\":[[\"hit\"]]}", false},
    {"{ $.* = \"hit\" }", "{\"other\":\"hit\"}", true},
    {"{ $.* = \"hit\" }", "{\"arr\":[\"miss\",\"hit\"]}", false},
    {"{ $.items[*].a = 1 && $.items[*].b = 2 }", "{\"items\":[{\"a\":1},{\"b\":2}]}", true},
    {"{ $.a = 1 || $.b = 2 && $.c = 3 }", "{\"a\":0,\"b\":2,\"c\":0}", false},
    {"{ $.a = 1 || $.b = 2 && $.c = 3 }", "{\"a\":1,\"b\":0,\"c\":0}", true},
    {"{ ($.a = 1 || $.b = 2) && $.c = 3 }", "{\"a\":1,\"b\":0,\"c\":0}", false},
    {"{ $.nested.value NOT EXISTS }", "{\"nested\":[{\"value\":\"hit\"}]}", true},
    {"{ $.detail-type = \"Scheduled Event\" }", "{\"detail-type\":\"Scheduled Event\"}", true},
    {"{$.a=1&&$.b=\"x\"}", "{\"a\":1,\"b\":\"x\"}", true},
    {"{ $.a = 1 }", "a = 1", false},
    {"{ $.a = 1 }", "  {\"a\": 1}  ", true},
    /* ---- space-delimited ---- */
    /* DOC: '[ip, user, username, timestamp, request, status_code, bytes]' and '...' */
    {AP_FIELDS "]", AP_200, true},
    {"[..., status_code, bytes]", AP_200, true},
    {"[ip, user, ..., status_code, bytes]", AP_200, true},
    {"[ip, user, ...]", AP_200, true},
    /* DOC: conditions */
    {AP_FIELDS " > 1000]", AP_200, true},
    {"[ip, user, username, timestamp, request, status_code, bytes > 5000]", AP_200, false},
    {"[ip, user, username, timestamp, request, status_code, bytes > 5000]", AP_500, true},
    {"[ip, user, username, timestamp, request, status_code = 200, bytes]", AP_200, true},
    {"[ip, user, username, timestamp, request, status_code = 200, bytes]", AP_500, false},
    {"[ip, user, username, timestamp, request, status_code = 4*, bytes]", AP_200, false},
    {"[ip, user, username, timestamp, request, status_code = 4*, bytes]", AP_404, true},
    {"[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", AP_404, true},
    {"[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", AP_200, false},
    /* DOC: '[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]' */
    {"[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", AP_404, true},
    {"[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", AP_200, false},
    /* DOC: '[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]' */
    {"[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", AP_404, true},
    {"[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
     "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET / HTTP/1.0\" 403 10", false},
    /* DOC: '[..., request=*.html*, status_code=4*,]' */
    {"[..., request=*.html*, status_code=4*,]", AP_404, true},
    {"[..., request=*.html*, status_code=4*,]", AP_200, false},
    /* DOC: [w1=ERROR, w2] / [w1=ERROR || w1=WARN, w2]; AWS: the last field takes
     * the rest of the line, so "ERROR WARN message" matches too. */
    {"[w1=ERROR, w2]", "ERROR message", true},
    {"[w1=ERROR, w2]", "WARN message", false},
    {"[w1=ERROR, w2]", "ERROR WARN message", true},
    {"[w1=ERROR, w2]", "ERROR", false},
    {"[w1=ERROR || w1=WARN, w2]", "WARN message", true},
    {"[w1=ERROR || w1=WARN, w2]", "INFO message", false},
    {"[w1!=ERROR && w1!=WARNING, w2]", "INFO request accepted", true},
    {"[w1!=ERROR && w1!=WARNING, w2]", "ERROR request failed", false},
    /* AWS: numeric fields, blanks, tabs, ellipsis edge cases */
    {"[ip, identity, user, timestamp, request, status >= 400, bytes > 1000]", AP_410, false},
    {"[ip, identity, user, timestamp, request, status >= 400, bytes > 1000]", AP_404, true},
    {"[ip, identity, user, timestamp, request, status >= 400, bytes > 1000]", AP_EXTRA, false},
    {"[ip, identity, user, timestamp, request, status, bytes = \"1534 extra\"]", AP_EXTRA, true},
    {"[ip, identity, user, timestamp, request, status = 404, bytes = 1534]", AP_TABS, true},
    {"[..., request = *.html*, status = 4*, bytes]", AP_EXTRA, false},
    {"[..., bytes]", "ERROR", true},
    {"[ip, ..., status, bytes]", "WARNING request", false},
    {"[]", "whatever it says", true},
    {"[ip = %127\\.0\\.0\\.[1-3]%, identity, user, timestamp, request, status, bytes]", AP_410, true},
    {"[ip = %127\\.0\\.0\\.[1-3]%, identity, user, timestamp, request, status, bytes]", AP_TABS, false},
    {"[level, msg = \"two words\"]", "ERROR \"two words\"", true},
    {"[level, q = \"\\\"unterminated\", rest]", "ERROR \"unterminated words", true},
    {"[a, b = 404]", "x 404.0", true},
    {"[a, b > 10]", "x 5000 extra", false},
    {"[a, b = 5*]", "x 5000 extra", true},
    {"[a, , c = 3]", "1 2 3", true},
    {"[a, , c = 3]", "1 2", false},
    {"[ip, user = \"-\", ...]", AP_200, true},
};

static const struct ecase errors[] = {
    /* AWS responses */
    {"ERR*", "Invalid character(s) in term '*'"},
    {"\"ERROR", "Invalid character(s) in term '\"ERROR'"},
    {"%^(ERROR|WARN)%", "Invalid character(s) in term '%^('"},
    {"%hello!%", "Invalid character(s) in term '%hello!'"},
    {"%caf\xc3\xa9%", "Invalid character(s) in term '%caf\xc3\xa9'"},
    {"%[abc%", "Failed to compile regular expression."},
    {"{ $.v = null }", "Invalid filter pattern"},
    {"{ $.v EXISTS }", "Invalid filter pattern"},
    {"{ $.v IS NOT NULL }", "Invalid character(s) in term 'NOT'"},
    {"{ $.v == 1 }", "Invalid filter pattern"},
    {"{ !($.v = 1) }", "Invalid character(s) in term '!('"},
    {"{ $.v > 0 AND $.v < 2 }", "Invalid filter pattern"},
    {"{ \"v\": [1] }", "Invalid character(s) in term ':'"},
    {"{ $.v > \"Alpha\" }", "Invalid character(s) in term '\"Alpha\"'"},
    {"{ $.v = %(Alpha|Beta)% }", "Invalid character(s) in term '%('"},
    {"{ $.items[*].* = 1 }",
     "Your filter pattern has a JSON path selector that exceeds the maximum of 1 wildcard allowed per json selector."},
    {"{ $..value = \"hit\" }", "Invalid character(s) in term '$..'"},
    {"{ $.arr[-1] = \"hit\" }", "Invalid character(s) in term '[-'"},
    {"{ $.arr[0:2] = \"hit\" }", "Invalid character(s) in term '[0:'"},
    {"{ $.arr[*] = \"hit\" || $.items[*].a = 1 || $.* = \"hit\" || $.matrix[*][0] = 0 }",
     "Your input has exceeded the maximum of 3 JSON wildcard selectors allowed per filter pattern."},
    {"{ $.v = %Alpha% || $.v = %Beta% || $.v = %Gamma% }",
     "Your input has exceeded the maximum of 2 regular expressions per filter pattern."},
    {"[..., status, ...]", "Duplicate field '...'"},
    {"[word, word]", "Duplicate field 'word'"},
    /* AWS (awslogs issue #210, FilterLogEvents) */
    {"{$.kubernetes.namespace_name=\"abc\"", "If a filter pattern starts with '{' it must end with '}'"},
    {"{ $.a = 1 } x", "If a filter pattern starts with '{' it must end with '}'"},
    /* AWS rejects the user guide's own cross-field example (awsdocs issue #21). */
    {"[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", "Invalid filter pattern"},
    /* Reported by users: "?Status: timeout" -> ':', a literal with "(" -> '(' */
    {"?Status: timeout", "Invalid character(s) in term ':'"},
    {"Service call (retry)", "Invalid character(s) in term '('"},
    /* Structural errors */
    {"{}", "Invalid filter pattern"},
    {"{ }", "Invalid filter pattern"},
    {"{ $.a 1 }", "Invalid filter pattern"},
    {"{ $.a = 1 }}", "Invalid filter pattern"},
    {"{ ($.a = 1 }", "Invalid filter pattern"},
    {"{ $.a = 1) }", "Invalid filter pattern"},
    {"{ $.a = 1 & $.b = 2 }", "Invalid filter pattern"},
    {"{ $.a = 1 && }", "Invalid filter pattern"},
    {"{ $.a = }", "Invalid filter pattern"},
    {"{ $ = 1 }", "Invalid filter pattern"},
    {"{ $.a > 12abc }", "Invalid character(s) in term '12abc'"},
    {"{ $.a ~ 1 }", "Invalid character(s) in term '~'"},
    {"{ $.a = \"x }", "Invalid character(s) in term '\"x }'"},
    {"{ ((((((((((((((((((((((((((((((((((($.a = 1))))))))))))))))))))))))))))))))))) }", "Invalid filter pattern"},
    {"[ip, user", "If a filter pattern starts with '[' it must end with ']'"},
    {"[ip, user]]", "Invalid filter pattern"},
    {"[a b]", "Invalid filter pattern"},
    {"[a = ]", "Invalid filter pattern"},
    {"[a > \"x\"]", "Invalid character(s) in term '\"x\"'"},
    {"[a = /x]", "Invalid character(s) in term '/'"},
    {"[a, ... x]", "Invalid filter pattern"},
    {"ERROR -", "Invalid character(s) in term '-'"},
    {"192.168.0.1", "Invalid character(s) in term '.'"},
    {"%unterminated", "Invalid character(s) in term '%unterminated'"},
};

static int check_match(const struct mcase *c) {
    struct arena a, scratch;
    struct aws_err e = {0};
    struct filter *f = NULL;
    int bad = 0;
    arena_init(&a, 0);
    arena_init(&scratch, 0);
    if (filter_compile(&a, c->pattern, strlen(c->pattern), &f, &e) != C_OK) {
        fprintf(stderr, "FAIL compile: pattern %s\n  error: %s\n", c->pattern, e.msg);
        bad = 1;
    } else {
        bool got = filter_match(f, c->message, strlen(c->message), &scratch);
        if (got != c->want) {
            fprintf(stderr, "FAIL match: pattern %s\n  message %s\n  want %d got %d\n", c->pattern,
                    c->message, c->want, got);
            bad = 1;
        }
    }
    arena_free(&scratch);
    arena_free(&a);
    return bad;
}

static int check_error(const struct ecase *c) {
    struct arena a;
    struct aws_err e = {0};
    struct filter *f = NULL;
    int bad = 0;
    arena_init(&a, 0);
    if (filter_compile(&a, c->pattern, strlen(c->pattern), &f, &e) == C_OK) {
        fprintf(stderr, "FAIL: pattern %s compiled, want error \"%s\"\n", c->pattern, c->msg);
        bad = 1;
    } else if (e.http != 400 || strcmp(e.code, ERR_INVALID_PARAM) != 0 || strcmp(e.msg, c->msg) != 0) {
        fprintf(stderr, "FAIL: pattern %s\n  want 400 %s \"%s\"\n  got  %d %s \"%s\"\n", c->pattern,
                ERR_INVALID_PARAM, c->msg, e.http, e.code ? e.code : "(null)", e.msg);
        bad = 1;
    }
    arena_free(&a);
    return bad;
}

/* One compiled filter, many messages, one scratch arena reset between them,
 * and a pattern that is not NUL-terminated. */
static int check_reuse(void) {
    static const char pat[] = "{ $.level = \"ERROR\" }garbage";
    struct arena a, scratch;
    struct aws_err e;
    struct filter *f;
    int bad = 0;
    arena_init(&a, 0);
    if (filter_compile(&a, pat, strlen("{ $.level = \"ERROR\" }"), &f, &e) != C_OK) {
        fprintf(stderr, "FAIL reuse compile: %s\n", e.msg);
        arena_free(&a);
        return 1;
    }
    for (int i = 0; i < 1000; i++) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "{\"level\":\"%s\",\"i\":%d}", i % 3 ? "INFO" : "ERROR", i);
        arena_init(&scratch, 4096);
        if (filter_match(f, msg, (size_t)n, &scratch) != (i % 3 == 0)) {
            fprintf(stderr, "FAIL reuse at %d: %s\n", i, msg);
            bad = 1;
        }
        arena_free(&scratch);
    }
    arena_free(&a);
    return bad;
}

int main(void) {
    int failed = 0;
    for (size_t i = 0; i < ARRAY_LEN(matches); i++) failed += check_match(&matches[i]);
    for (size_t i = 0; i < ARRAY_LEN(errors); i++) failed += check_error(&errors[i]);
    failed += check_reuse();
    printf("test_filter: %zu match cases, %zu error cases, %d failed\n", ARRAY_LEN(matches),
           ARRAY_LEN(errors), failed);
    return failed ? 1 : 0;
}

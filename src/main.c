/* sluice — command line: `serve` runs the endpoint, `account create` adds
 * an account (safe while the server runs: both use SQLite's WAL locking),
 * `catalog` prints the log-source catalog, `policy simulate` asks the policy
 * engine, `produce` sends vended log records as a service would
 * (src/cli/produce.c), `delivery status` shows why deliveries are or are
 * not delivering (src/cli/status.c).  Every subcommand answers --help / -h on stdout
 * with status 0 and touches nothing (no data directory is created). */
#include "aws/dispatch.h"
#include "aws/model.h"
#include "catalog/catalog.h"
#include "cli/cli.h"
#include "cli/status.h"
#include "delivery/delivery.h"
#include "delivery/engine.h"
#include "delivery/metrics.h"
#include "delivery/router.h"
#include "delivery/s3_access.h"
#include "firehose/firehose.h"
#include "http/server.h"
#include "http/tlscert.h"
#include "iam/authz.h"
#include "iam/aws_managed.h"
#include "iam/iam.h"
#include "iam/policy.h"
#include "iam/simulate.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "s3/s3.h"
#include "store/store.h"
#include "sts/sts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLUICE_VERSION "0.1.0"

static const char USAGE_SERVE[] =
    "usage: sluice serve [--listen HOST:PORT] [--data DIR] [--region REGION]\n"
    "                    [--tls | --tls-cert FILE --tls-key FILE] [--threads N]\n"
    "                    [--max-body BYTES] [--dev-credentials] [--no-access-log]\n"
    "                    [--sweep-interval SECONDS] [--firehose-retry-seconds N]\n"
    "                    [--firehose-backlog-mb N] [--catalog FILE]\n"
    "                    [--delivery-conflicts serialize|aws] [--delivery-flush-seconds N]\n"
    "                    [--delivery-backlog-mb N] [--delivery-retention-hours N]\n"
    "                    [--metrics-token TOKEN | --metrics-token-file FILE]\n";
static const char USAGE_ACCOUNT[] =
    "usage: sluice account create NAME [--data DIR] [--org o-ID [--ou ou-ID[/ou-ID...]]]\n"
    "       sluice account list [--data DIR]\n";
#define USAGE_SIMULATE SIMULATE_USAGE   /* src/iam/simulate.c */
static const char USAGE_CATALOG[] = "usage: sluice catalog [--json] [--catalog FILE]\n";
static const char USAGE_PRODUCE[] =
    "usage: sluice produce --resource ARN --log-type TYPE [--endpoint URL]\n"
    "         [--profile P] [--credentials FILE] [--region R] [--catalog FILE]\n"
    "         [--file F|-] [--count N] [--rate N] [--batch N] [--raw] [--seed S]\n"
    "         [--dry-run]\n"
    "Sends the resource's vended log records with PutVendedLogEvents, as the\n"
    "service that owns it would: the lines of --file (- is stdin; empty lines\n"
    "are skipped), or --count generated samples of the log type (default 100;\n"
    "JSON objects of its fields, --raw the service's native line where it has\n"
    "one; --seed makes them repeatable). --rate caps records per second;\n"
    "--batch events per call (default 500, at most 10000). Defaults: endpoint\n"
    "http://127.0.0.1:4566, profile default of $AWS_SHARED_CREDENTIALS_FILE or\n"
    "./data/credentials, region $AWS_REGION or us-east-1. --dry-run prints the\n"
    "records instead. Progress on stderr: sent N records (R rec/s), rejected K.\n"
    "Exit status: 0 sent, 1 failed, 2 usage.\n";
static const char USAGE_VERSION[] = "usage: sluice version\n";

static void usage(void) {
    fprintf(stderr, "%s%s%s%s%s%s%s", USAGE_SERVE, USAGE_ACCOUNT, USAGE_SIMULATE, USAGE_CATALOG,
            USAGE_PRODUCE, USAGE_DELIVERY, USAGE_VERSION);
}

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

/* --help anywhere among a subcommand's words: its usage on stdout, status 0. */
static bool want_help(int argc, char **argv, const char *text) {
    for (int i = 0; i < argc; i++)
        if (is_help(argv[i])) {
            fputs(text, stdout);
            return true;
        }
    return false;
}

/* Append a profile to <data>/credentials (0600) and fsync it: the file is
 * how users get their keys, so it must not lose a profile on a crash. */
static int write_profile(const char *data, const char *profile, const char *akid,
                         const char *secret) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/credentials", data);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) {
        fprintf(stderr, "sluice: %s: %s\n", path, strerror(errno));
        return C_ERR;
    }
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n", profile,
                     akid, secret);
    int rc = write(fd, buf, (size_t)n) == n && fsync(fd) == 0 ? C_OK : C_ERR;
    close(fd);
    return rc;
}

static const char *abs_path(const char *p, char *out, size_t n) {
    if (!realpath(p, out)) snprintf(out, n, "%s", p);
    return out;
}

static int account_create_cmd(struct store *st, const char *data, const char *name,
                              const char *profile, struct account *ac) {
    char akid[21], secret[41];
    struct aws_err e = {0};
    if (st->ops->account_create(st, name, ac, akid, secret, &e) != C_OK) {
        fprintf(stderr, "sluice: %s\n", e.msg);
        return C_ERR;
    }
    return write_profile(data, profile, akid, secret);
}

struct sweeper {
    struct store *store;
    int interval_s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* Retention: deletes expired events in the background, so what a client
 * reads never includes events older than the group's retention. */
static void *sweep_main(void *arg) {
    struct sweeper *sw = arg;
    pthread_mutex_lock(&sw->mu);
    while (!sw->stop) {
        pthread_mutex_unlock(&sw->mu);
        uint64_t n = logs_retention_sweep(sw->store, now_ms());
        if (n) fprintf(stderr, "sluice: retention sweep deleted %llu events\n",
                       (unsigned long long)n);
        pthread_mutex_lock(&sw->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += sw->interval_s;
        while (!sw->stop && pthread_cond_timedwait(&sw->cv, &sw->mu, &ts) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&sw->mu);
    return NULL;
}

/* The services the endpoint serves and S3's REST hooks.  The aws layer sits
 * below every service, so it takes them as tables and never names one. */
static int register_services(void) {
    static const struct service_def *const SERVICES[] = {
        &logs_service, &iam_service, &sts_service, &kms_service, &s3_service, &firehose_service};
    for (size_t i = 0; i < ARRAY_LEN(SERVICES); i++)
        if (dispatch_register_service(SERVICES[i]) != C_OK) return C_ERR;
    dispatch_set_rest_handler(s3_on_headers, s3_error_response);
    return C_OK;
}

/* The first line of path (trailing whitespace dropped) into buf: a token
 * given as a file stays out of the process list that --metrics-token
 * shows to every local user.  C_ERR with the reason printed. */
static int read_token_file(const char *path, char *buf, size_t n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sluice: --metrics-token-file %s: %s\n", path, strerror(errno));
        return C_ERR;
    }
    bool got = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    size_t len = got ? strlen(buf) : 0;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                   buf[len - 1] == '\t'))
        buf[--len] = 0;
    if (!len) {
        fprintf(stderr, "sluice: --metrics-token-file %s: no token on its first line\n", path);
        return C_ERR;
    }
    return C_OK;
}

static int serve(int argc, char **argv) {
    if (want_help(argc, argv, USAGE_SERVE)) return 0;
    const char *listen = "127.0.0.1:4566", *data = "./data", *region = "us-east-1";
    const char *catalog_file = NULL;
    const char *metrics_token = NULL, *metrics_token_file = NULL;
    static char token_buf[1024];
    const char *tls_cert = NULL, *tls_key = NULL;
    bool tls = false, dev = false, access_log = true;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    size_t max_body = 16u << 20;
    int sweep = 60;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (OPT("--listen")) listen = v;
        else if (OPT("--data")) data = v;
        else if (OPT("--region")) region = v;
        else if (OPT("--tls-cert")) tls_cert = v;
        else if (OPT("--tls-key")) tls_key = v;
        else if (OPT("--threads")) threads = atoi(v);
        else if (OPT("--max-body")) max_body = strtoull(v, NULL, 10);
        else if (OPT("--sweep-interval")) sweep = atoi(v);
        else if (OPT("--catalog")) catalog_file = v;
        /* Concurrent changes to one delivery source or destination: wait
         * (default) or answer ConflictException as AWS does. */
        else if (OPT("--delivery-conflicts") && (!strcmp(v, "aws") || !strcmp(v, "serialize")))
            dlv_set_conflict_mode(strcmp(v, "aws") == 0);
        /* Test-only: shortest AssumeRole session (AWS: 900 s). */
        else if (OPT("--sts-min-duration-seconds")) sts_min_duration_s = atoi(v);
        else if (OPT("--firehose-retry-seconds")) firehose_retry_seconds = atoi(v);
        else if (OPT("--firehose-backlog-mb")) firehose_backlog_mb = atoi(v);
        else if (OPT("--delivery-flush-seconds")) dlv_flush_seconds = atoi(v);
        else if (OPT("--delivery-backlog-mb")) dlv_backlog_mb = atoi(v);
        else if (OPT("--delivery-retention-hours")) dlv_retention_hours = atoi(v);
        /* GET /metrics for Prometheus: Authorization: Bearer TOKEN (every account). */
        else if (OPT("--metrics-token")) metrics_token = v;
        else if (OPT("--metrics-token-file")) metrics_token_file = v;
        else if (strcmp(a, "--tls") == 0) tls = true;
        else if (strcmp(a, "--dev-credentials") == 0) dev = true;
        else if (strcmp(a, "--no-access-log") == 0) access_log = false;
        else { fputs(USAGE_SERVE, stderr); return 2; }
#undef OPT
    }
    if (threads < 1) threads = 1;
    if (sweep < 1) sweep = 1;
    if (sts_min_duration_s < 1) sts_min_duration_s = 1;
    char host[256];
    int port;
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host ||
        (port = atoi(colon + 1)) < 0 || port > 65535) {
        fprintf(stderr, "sluice: --listen wants HOST:PORT\n");
        return 2;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    if (host[0] == '[') {   /* [::1]:4566 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }

    char err[1024];
    /* The catalog first: a bad operator file stops the server before it
     * touches the data directory. */
    if (catalog_load(catalog_file, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: catalog: %s\n", err);
        return 2;
    }
    if (dlv_api_register() != C_OK) {
        fprintf(stderr, "sluice: could not register the delivery operations\n");
        return 1;
    }
    dlv_s3_access_register();   /* S3 server access logs: the S3 layer's hooks */
    if (register_services() != C_OK) {
        fprintf(stderr, "sluice: could not register the services\n");
        return 1;
    }
    /* The policy layer's check of every operation, run by the codecs of
     * the aws layer, which never calls up. */
    dispatch_set_authorizer(iam_authorize_op);
    /* S3's resource side for the policy layer, which never calls up (S3
     * ARNs name no account: without it no S3 request is decided right). */
    if (s3_authz_register() != C_OK) {
        fprintf(stderr, "sluice: could not register S3's resource side\n");
        return 1;
    }
    if (metrics_token && metrics_token_file) {
        fputs("sluice: give --metrics-token or --metrics-token-file, not both\n", stderr);
        return 2;
    }
    if (metrics_token_file) {
        if (read_token_file(metrics_token_file, token_buf, sizeof token_buf) != C_OK) return 2;
        metrics_token = token_buf;
    }
    if (dlv_metrics_register(metrics_token) != C_OK) {
        fprintf(stderr, "sluice: could not register GET /metrics (an empty --metrics-token?)\n");
        return 2;
    }
    if (model_load_all(err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: models: %s\n", err);
        return 1;
    }
    struct store *st;
    if (store_open_embedded(data, 0, &st, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: store: %s\n", err);
        return 1;
    }
    char absdata[PATH_MAX];
    abs_path(data, absdata, sizeof absdata);

    /* The router's index of deliveries, from the store. */
    if (dlv_router_load(st) != C_OK) {
        fprintf(stderr, "sluice: could not load the deliveries\n");
        return 1;
    }

    /* First start: an admin account whose root keys become [default]. */
    struct arena a;
    arena_init(&a, 4096);
    struct account *accts;
    size_t nacct;
    st->ops->account_list(st, &a, &accts, &nacct);
    if (nacct == 0) {
        struct account ac;
        if (account_create_cmd(st, data, "admin", "default", &ac) != C_OK) return 1;
        fprintf(stderr, "sluice: created admin account %s; its root keys are profile [default] "
                        "in %s/credentials\n", ac.id, absdata);
    }
    arena_free(&a);

    char *cert_pem = NULL, *key_pem = NULL;
    if (tls_cert || tls_key) {
        if (!tls_cert || !tls_key ||
            tlscert_load(tls_cert, tls_key, &cert_pem, &key_pem, err, sizeof err) != C_OK) {
            fprintf(stderr, "sluice: tls: %s\n", tls_cert && tls_key ? err :
                    "--tls-cert and --tls-key go together");
            return 1;
        }
    } else if (tls) {
        if (tlscert_ensure(data, &cert_pem, &key_pem, err, sizeof err) != C_OK) {
            fprintf(stderr, "sluice: tls: %s\n", err);
            return 1;
        }
    }

    /* Signals are taken synchronously by this thread (sigwait); every other
     * thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* --dev-credentials: test/test is account 000000000000's root. */
    static const struct access_key DEV_KEY = {
        .akid = "test", .secret = "test", .account_id = "000000000000",
        .principal_arn = "arn:aws:iam::000000000000:root", .active = true,
        .principal_type = IAM_PT_ROOT, .userid = "000000000000"};
    /* Keys are found in the store, which sits above the dispatcher. */
    struct sluice_ctx ctx = {.store = st, .region = region, .key_lookup = st->ops->key_lookup,
                             .dev_key = dev ? &DEV_KEY : NULL};
    struct http_config hc = {.host = host, .port = port, .max_body = max_body,
                             .threads = threads, .tls_cert_pem = cert_pem,
                             .tls_key_pem = key_pem, .handler = sluice_handle,
                             .on_headers = sluice_on_headers,
                             .handler_ctx = &ctx, .access_log = access_log};
    struct http_server *srv;
    if (http_start(&hc, &srv, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: %s\n", err);
        return 1;
    }
    struct sweeper sw = {.store = st, .interval_s = sweep};
    pthread_mutex_init(&sw.mu, NULL);
    pthread_cond_init(&sw.cv, NULL);
    pthread_t sweeper;
    pthread_create(&sweeper, NULL, sweep_main, &sw);
    if (firehose_start(st, region) != C_OK) {
        fprintf(stderr, "sluice: could not start the Firehose delivery thread\n");
        return 1;
    }
    if (logs_export_start(st) != C_OK) {
        fprintf(stderr, "sluice: could not start the export task thread\n");
        return 1;
    }
    if (dlv_engine_start(st, region) != C_OK) {
        fprintf(stderr, "sluice: could not start the delivery engine\n");
        return 1;
    }

    const char *scheme = cert_pem ? "https" : "http";
    fprintf(stderr,
            "sluice %s listening on %s://%s:%d (region %s, data %s)\n"
            "  use it with:\n"
            "    export AWS_SHARED_CREDENTIALS_FILE=%s/credentials AWS_REGION=%s AWS_DEFAULT_REGION=%s\n"
            "    aws --endpoint-url %s://%s:%d logs describe-log-groups\n",
            SLUICE_VERSION, scheme, host, http_bound_port(srv), region, absdata, absdata, region, region,
            scheme, host, http_bound_port(srv));
    if (cert_pem && tls)
        fprintf(stderr, "  CA certificate: %s/tls/ca.crt (AWS_CA_BUNDLE)\n", absdata);
    if (dev) fprintf(stderr, "  --dev-credentials: test/test is account 000000000000\n");

    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "sluice: signal %d, draining\n", sig);
    http_stop(srv, 30000);
    pthread_mutex_lock(&sw.mu);
    sw.stop = true;
    pthread_cond_signal(&sw.cv);
    pthread_mutex_unlock(&sw.mu);
    pthread_join(sweeper, NULL);
    firehose_stop();
    logs_export_stop();
    dlv_s3_access_stop();
    dlv_engine_stop();
    dlv_router_free();
    st->ops->close(st);
    free(cert_pem);
    free(key_pem);
    fprintf(stderr, "sluice: stopped\n");
    return 0;
}

/* Organization ids as AWS Organizations writes them. */
static bool match_id(const char *s, const char *prefix, size_t min1, size_t max1, size_t min2,
                     size_t max2) {
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl) != 0) return false;
    s += pl;
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (n < min1 || n > max1) return false;
    s += n;
    if (!max2) return *s == 0;
    if (*s++ != '-') return false;
    n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789");
    return n >= min2 && n <= max2 && s[n] == 0;
}

/* "ou-a/ou-b": each an OU id (ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}). */
static bool valid_ous(const char *ous) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", ous);
    size_t l = strlen(buf);
    if (l && buf[l - 1] == '/') buf[l - 1] = 0;
    if (!buf[0]) return false;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save))
        if (!match_id(t, "ou-", 4, 32, 8, 32)) return false;
    return true;
}

static int account_cmd(int argc, char **argv) {
    const char *data = "./data";
    const char *name = NULL, *org = NULL, *ou = NULL;
    if (want_help(argc, argv, USAGE_ACCOUNT)) return 0;
    if (argc < 1 || (strcmp(argv[0], "create") != 0 && strcmp(argv[0], "list") != 0)) {
        fputs(USAGE_ACCOUNT, stderr);
        return 2;
    }
    const char *sub = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) data = argv[++i];
        else if (strcmp(argv[i], "--org") == 0 && i + 1 < argc) org = argv[++i];
        else if (strcmp(argv[i], "--ou") == 0 && i + 1 < argc) ou = argv[++i];
        else if (!name && argv[i][0] != '-') name = argv[i];
        else { fputs(USAGE_ACCOUNT, stderr); return 2; }
    }
    if (strcmp(sub, "create") == 0 && !name) {
        fputs(USAGE_ACCOUNT, stderr);
        return 2;
    }
    if (ou && !org) {
        fprintf(stderr, "sluice: --ou needs --org\n");
        return 2;
    }
    if (org && !match_id(org, "o-", 10, 32, 0, 0)) {
        fprintf(stderr, "sluice: --org wants an organization id: o- and 10-32 lowercase "
                        "letters or digits\n");
        return 2;
    }
    if (ou && !valid_ous(ou)) {
        fprintf(stderr, "sluice: --ou wants OU ids (ou-xxxx-xxxxxxxx), '/'-separated for "
                        "nested OUs\n");
        return 2;
    }
    char err[512];
    struct store *st;
    if (store_open_embedded(data, STORE_META_ONLY, &st, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: store: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (strcmp(sub, "create") == 0 && name) {
        /* Profile names become INI section headers. */
        for (const char *p = name; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) {
                fprintf(stderr, "sluice: account names are letters, digits, '-' and '_'\n");
                st->ops->close(st);
                return 2;
            }
        struct account ac;
        struct aws_err e = {0};
        if (account_create_cmd(st, data, name, name, &ac) != C_OK) {
            rc = 1;
        } else if (org && st->ops->account_set_org(st, ac.id, org, ou, &e) != C_OK) {
            fprintf(stderr, "sluice: %s\n", e.msg);
            rc = 1;
        } else {
            printf("%s\n", ac.id);
        }
    } else if (strcmp(sub, "list") == 0) {
        struct arena a;
        arena_init(&a, 4096);
        struct account *accts;
        size_t n;
        st->ops->account_list(st, &a, &accts, &n);
        for (size_t i = 0; i < n; i++)
            printf("%s %s%s%s\n", accts[i].id, accts[i].name, accts[i].org_path ? " " : "",
                   accts[i].org_path ? accts[i].org_path : "");
        arena_free(&a);
    } else {
        usage();
        rc = 2;
    }
    st->ops->close(st);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(); return 2; }
    /* Every store open (re)writes the AWS managed policies; their documents
     * are the policy layer's, above the store, so they are handed over
     * here, before any subcommand opens one. */
    store_set_aws_managed(AWS_MANAGED_POLICIES, AWS_MANAGED_POLICIES_N);
    const char *cmd = argv[1];
    if (is_help(cmd) || strcmp(cmd, "help") == 0) {
        printf("%s%s%s%s%s%s%s", USAGE_SERVE, USAGE_ACCOUNT, USAGE_SIMULATE, USAGE_CATALOG,
               USAGE_PRODUCE, USAGE_DELIVERY, USAGE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0) return serve(argc - 2, argv + 2);
    if (strcmp(cmd, "account") == 0) return account_cmd(argc - 2, argv + 2);
    if (strcmp(cmd, "catalog") == 0) return catalog_cmd(argc - 2, argv + 2);
    if (strcmp(cmd, "delivery") == 0) return delivery_cmd(argc - 2, argv + 2);
    if (strcmp(cmd, "produce") == 0) {
        if (want_help(argc - 2, argv + 2, USAGE_PRODUCE)) return 0;
        return produce_cmd(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "policy") == 0) {
        if (argc > 2 && strcmp(argv[2], "simulate") == 0) {
            if (want_help(argc - 3, argv + 3, USAGE_SIMULATE)) return 0;
            return simulate_main(argc - 3, argv + 3);
        }
        if (want_help(argc - 2, argv + 2, USAGE_SIMULATE)) return 0;
        fputs(USAGE_SIMULATE, stderr);
        return 2;
    }
    if (strcmp(cmd, "version") == 0) {
        if (want_help(argc - 2, argv + 2, USAGE_VERSION)) return 0;
        if (argc > 2) { fputs(USAGE_VERSION, stderr); return 2; }
        printf("sluice %s\n", SLUICE_VERSION);
        return 0;
    }
    usage();
    return 2;
}

/* tlscert: generation, reload, renewal, operator files, error paths.  The
 * checks use OpenSSL's own verifier, so "verifies" here means what a TLS
 * client built on OpenSSL would conclude. */
#include "http/tlscert.h"
#include "core/common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "check.h"

/* Abort the test on a failed precondition that later checks depend on. */

static char tmpdir[] = "/tmp/sluice-tlscert-XXXXXX";
static char data_dir[256], tls_dir[300];

static void pathf(char *out, const char *name) {
    snprintf(out, 512, "%s/%s", tls_dir, name);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    size_t got = fread(p, 1, (size_t)n, f);
    p[got] = 0;
    fclose(f);
    return p;
}

static void spit(const char *path, const char *data) {
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fputs(data, f);
    fclose(f);
}

static STACK_OF(X509) *chain_from_pem(const char *pem) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) sk_X509_push(sk, x);
    ERR_clear_error();
    BIO_free(b);
    return sk;
}

static X509 *cert_from_file(const char *path) {
    char *pem = slurp(path);
    REQUIRE(pem);
    STACK_OF(X509) *sk = chain_from_pem(pem);
    free(pem);
    X509 *x = sk_X509_num(sk) > 0 ? sk_X509_shift(sk) : NULL;
    sk_X509_pop_free(sk, X509_free);
    return x;
}

static EVP_PKEY *key_from_pem(const char *pem) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static EVP_PKEY *key_from_file(const char *path) {
    char *pem = slurp(path);
    REQUIRE(pem);
    EVP_PKEY *k = key_from_pem(pem);
    free(pem);
    return k;
}

static char *pem_of(X509 *x) {
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = strndup(p, (size_t)n);
    BIO_free(b);
    return s;
}

/* OpenSSL chain verification of leaf against ca as a TLS server for host
 * (a name, or an IP address if ip is set). */
static int verifies(X509 *leaf, X509 *ca, const char *host, bool ip) {
    X509_STORE *st = X509_STORE_new();
    X509_STORE_add_cert(st, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, st, leaf, NULL);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
    if (host && ip) X509_VERIFY_PARAM_set1_ip_asc(vp, host);
    else if (host) X509_VERIFY_PARAM_set1_host(vp, host, 0);
    int ok = X509_verify_cert(ctx);
    if (ok != 1)
        fprintf(stderr, "verify(%s): %s\n", host ? host : "-",
                X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    ERR_clear_error();
    return ok == 1;
}

static long lifetime_days(X509 *x) {
    int d, s;
    REQUIRE(ASN1_TIME_diff(&d, &s, X509_get0_notBefore(x), X509_get0_notAfter(x)));
    return d;
}

static long days_left(X509 *x) {
    int d, s;
    REQUIRE(ASN1_TIME_diff(&d, &s, NULL, X509_get0_notAfter(x)));
    return d;
}

static bool cn_is(X509 *x, const char *want) {
    char cn[128];
    return X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                                     sizeof cn) > 0 &&
           strcmp(cn, want) == 0;
}

static bool is_p256(X509 *x) {
    char grp[64];
    size_t len;
    EVP_PKEY *k = X509_get0_pubkey(x);
    return k && EVP_PKEY_get_group_name(k, grp, sizeof grp, &len) &&
           strcmp(grp, "prime256v1") == 0;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static int mode_of(const char *path) {
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    return (int)(st.st_mode & 0777);
}

/* A certificate expiring in `days`, for renewal tests. */
static X509 *short_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int days) {
    X509 *x = X509_new();
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL);
    X509_set_pubkey(x, key);
    REQUIRE(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return x;
}

/* ---------------------------------------------------------------------- */

static void test_generate(char **out_cert, char **out_key) {
    char err[512] = "", p[512];
    char *cert = NULL, *key = NULL;
    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    if (err[0]) fprintf(stderr, "unexpected err text: %s\n", err);

    /* Shapes MHD/GnuTLS are given. */
    CHECK(strncmp(cert, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    CHECK(count(cert, "-----BEGIN CERTIFICATE-----") == 2);
    CHECK(strncmp(key, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    CHECK(count(key, "-----BEGIN") == 1);

    /* Files, permissions, no leftovers. */
    const char *names[] = {"ca.crt", "ca.key", "server.crt", "server.key"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        pathf(p, names[i]);
        CHECK(access(p, R_OK) == 0);
    }
    pathf(p, "ca.key");
    CHECK(mode_of(p) == 0600);
    pathf(p, "server.key");
    CHECK(mode_of(p) == 0600);
    CHECK(mode_of(tls_dir) == 0700);
    DIR *d = opendir(tls_dir);
    REQUIRE(d);
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp")) {
            fprintf(stderr, "leftover temporary %s\n", e->d_name);
            failures++;
        }
    closedir(d);

    /* The returned PEM is exactly what is on disk. */
    pathf(p, "server.crt");
    char *disk = slurp(p);
    CHECK(disk && strcmp(disk, cert) == 0);
    free(disk);
    pathf(p, "server.key");
    disk = slurp(p);
    CHECK(disk && strcmp(disk, key) == 0);
    free(disk);

    pathf(p, "ca.crt");
    X509 *ca = cert_from_file(p);
    REQUIRE(ca);
    pathf(p, "ca.key");
    EVP_PKEY *ca_key = key_from_file(p);
    REQUIRE(ca_key);
    STACK_OF(X509) *chain = chain_from_pem(cert);
    REQUIRE(sk_X509_num(chain) == 2);
    X509 *leaf = sk_X509_value(chain, 0);
    EVP_PKEY *leaf_key = key_from_pem(key);
    REQUIRE(leaf_key);

    /* CA. */
    CHECK(cn_is(ca, "Sluice local CA"));
    CHECK(X509_check_ca(ca) == 1);
    CHECK(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
    CHECK(X509_get_pathlen(ca) == 0);
    CHECK(X509_check_private_key(ca, ca_key) == 1);
    CHECK(X509_verify(ca, X509_get0_pubkey(ca)) == 1);
    CHECK(X509_name_cmp(X509_get_subject_name(ca), X509_get_issuer_name(ca)) == 0);
    CHECK(is_p256(ca));
    CHECK(lifetime_days(ca) >= 3650 && lifetime_days(ca) <= 3651);
    CHECK(X509_get0_subject_key_id(ca) != NULL);
    CHECK(X509_get0_authority_key_id(ca) != NULL &&
          ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(ca),
                                X509_get0_subject_key_id(ca)) == 0);

    /* Leaf. */
    CHECK(cn_is(leaf, "localhost"));
    CHECK(X509_check_ca(leaf) == 0);
    CHECK(X509_get_key_usage(leaf) == KU_DIGITAL_SIGNATURE);
    CHECK(X509_get_extended_key_usage(leaf) == XKU_SSL_SERVER);
    CHECK(X509_check_private_key(leaf, leaf_key) == 1);
    CHECK(is_p256(leaf));
    CHECK(lifetime_days(leaf) >= 825 && lifetime_days(leaf) <= 826);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(leaf);
    CHECK(ASN1_STRING_length(serial) == 16 && ASN1_STRING_type(serial) == V_ASN1_INTEGER);
    CHECK(X509_get0_authority_key_id(leaf) != NULL &&
          ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf),
                                X509_get0_subject_key_id(ca)) == 0);
    CHECK(X509_get0_subject_key_id(leaf) != NULL);
    CHECK(X509_cmp(sk_X509_value(chain, 1), ca) == 0);

    /* SANs, directly and through the verifier. */
    CHECK(X509_check_host(leaf, "localhost", 0, 0, NULL) == 1);
    CHECK(X509_check_ip_asc(leaf, "127.0.0.1", 0) == 1);
    CHECK(X509_check_ip_asc(leaf, "::1", 0) == 1);
    CHECK(X509_check_host(leaf, "example.com", 0, 0, NULL) == 0);
    CHECK(X509_check_ip_asc(leaf, "127.0.0.2", 0) == 0);
    CHECK(verifies(leaf, ca, NULL, false));
    CHECK(verifies(leaf, ca, "localhost", false));
    CHECK(verifies(leaf, ca, "127.0.0.1", true));
    CHECK(verifies(leaf, ca, "::1", true));
    CHECK(!verifies(leaf, ca, "example.com", false));

    /* And the stock command-line tool agrees. */
    if (system("command -v openssl >/dev/null 2>&1") == 0) {
        char cmd[1600], cap[512], srv[512];
        pathf(cap, "ca.crt");
        pathf(srv, "server.crt");
        snprintf(cmd, sizeof cmd, "openssl verify -CAfile '%s' '%s'", cap, srv);
        CHECK(system(cmd) == 0);
        snprintf(cmd, sizeof cmd,
                 "openssl verify -purpose sslserver -verify_hostname localhost "
                 "-verify_ip ::1 -CAfile '%s' '%s' >/dev/null",
                 cap, srv);
        CHECK(system(cmd) == 0);
    } else {
        fprintf(stderr, "openssl binary not found; skipping CLI check\n");
    }

    sk_X509_pop_free(chain, X509_free);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    *out_cert = cert;
    *out_key = key;
}

static void test_reload(const char *cert0, const char *key0) {
    char err[512], *cert, *key;
    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    CHECK(strcmp(cert, cert0) == 0);
    CHECK(strcmp(key, key0) == 0);
    free(cert);
    free(key);
}

/* Server files gone, CA kept: the new leaf comes from the same CA so clients
 * that already trust ca.crt keep working. */
static void test_reissue_keeps_ca(void) {
    char err[512], p[512], *cert, *key;
    pathf(p, "ca.crt");
    char *ca_before = slurp(p);
    pathf(p, "server.crt");
    char *srv_before = slurp(p);
    unlink(p);
    pathf(p, "server.key");
    unlink(p);
    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    pathf(p, "ca.crt");
    char *ca_after = slurp(p);
    CHECK(strcmp(ca_before, ca_after) == 0);
    CHECK(strcmp(srv_before, cert) != 0);
    X509 *ca = cert_from_file(p);
    STACK_OF(X509) *chain = chain_from_pem(cert);
    CHECK(verifies(sk_X509_value(chain, 0), ca, "localhost", false));
    sk_X509_pop_free(chain, X509_free);
    X509_free(ca);
    free(ca_before);
    free(ca_after);
    free(srv_before);
    free(cert);
    free(key);
}

/* Only server.key present (a crash between writing the key and the cert):
 * regenerated, not an error. */
static void test_half_written(void) {
    char err[512], p[512], *cert, *key;
    pathf(p, "server.crt");
    unlink(p);
    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    STACK_OF(X509) *chain = chain_from_pem(cert);
    EVP_PKEY *k = key_from_pem(key);
    CHECK(X509_check_private_key(sk_X509_value(chain, 0), k) == 1);
    EVP_PKEY_free(k);
    sk_X509_pop_free(chain, X509_free);
    free(cert);
    free(key);
}

/* Our leaf close to expiry is re-issued for the same key by the same CA. */
static void test_renew_own(void) {
    char err[512], p[512], *cert, *key;
    pathf(p, "ca.crt");
    X509 *ca = cert_from_file(p);
    pathf(p, "ca.key");
    EVP_PKEY *ca_key = key_from_file(p);
    pathf(p, "server.key");
    EVP_PKEY *k = key_from_file(p);
    X509 *old = short_cert(k, ca, ca_key, 10);
    char *a = pem_of(old), *b = pem_of(ca);
    char *both = malloc(strlen(a) + strlen(b) + 1);
    strcpy(both, a);
    strcat(both, b);
    pathf(p, "server.crt");
    spit(p, both);

    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    CHECK(strcmp(cert, both) != 0);
    STACK_OF(X509) *chain = chain_from_pem(cert);
    X509 *leaf = sk_X509_value(chain, 0);
    CHECK(days_left(leaf) > 800);
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(leaf), k) == 1);
    CHECK(verifies(leaf, ca, "localhost", false));
    char *disk = slurp(p);
    CHECK(disk && strcmp(disk, cert) == 0);

    free(disk);
    sk_X509_pop_free(chain, X509_free);
    free(a);
    free(b);
    free(both);
    X509_free(old);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(k);
    free(cert);
    free(key);
}

/* A near-expiry certificate the operator put there (not from our CA) is
 * served as is, never replaced. */
static void test_foreign_not_renewed(void) {
    char err[512], p[512], *cert, *key;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = short_cert(k, NULL, NULL, 10);
    char *xpem = pem_of(x);
    pathf(p, "server.crt");
    spit(p, xpem);
    BIO *b = BIO_new(BIO_s_mem());
    /* Traditional SEC1 form, to see it come back as PKCS#8. */
    PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
    char *kp;
    long n = BIO_get_mem_data(b, &kp);
    char *kpem = strndup(kp, (size_t)n);
    BIO_free(b);
    CHECK(strstr(kpem, "BEGIN EC PRIVATE KEY") != NULL);
    pathf(p, "server.key");
    spit(p, kpem);

    REQUIRE(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_OK);
    CHECK(strcmp(cert, xpem) == 0);
    CHECK(strncmp(key, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    EVP_PKEY *back = key_from_pem(key);
    CHECK(back && EVP_PKEY_eq(back, k) == 1);
    EVP_PKEY_free(back);
    char *disk = slurp(p);
    CHECK(strcmp(disk, kpem) == 0); /* not rewritten */
    free(disk);

    free(cert);
    free(key);
    free(xpem);
    free(kpem);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* A broken pair is reported, not silently replaced. */
static void test_broken_pair_is_error(void) {
    char err[512] = "", p[512], *cert = (char *)1, *key = (char *)1;
    pathf(p, "server.crt");
    spit(p, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    CHECK(tlscert_ensure(data_dir, &cert, &key, err, sizeof err) == C_ERR);
    CHECK(cert == NULL && key == NULL);
    CHECK(strstr(err, "server.crt") != NULL);
    fprintf(stderr, "expected error: %s\n", err);
    CHECK(ERR_peek_error() == 0);
}

static void test_load(void) {
    char err[512], *cert, *key;
    char dir[512], ca[600], cak[600], srv[600], srvk[600], other[600], combo[600], enc[600],
        missing[600];
    /* A fresh generated set to load explicitly. */
    snprintf(dir, sizeof dir, "%s/load", tmpdir);
    REQUIRE(tlscert_ensure(dir, &cert, &key, err, sizeof err) == C_OK);
    char *cert0 = cert, *key0 = key;
    snprintf(ca, sizeof ca, "%s/tls/ca.crt", dir);
    snprintf(cak, sizeof cak, "%s/tls/ca.key", dir);
    snprintf(srv, sizeof srv, "%s/tls/server.crt", dir);
    snprintf(srvk, sizeof srvk, "%s/tls/server.key", dir);

    REQUIRE(tlscert_load(srv, srvk, &cert, &key, err, sizeof err) == C_OK);
    CHECK(strcmp(cert, cert0) == 0 && strcmp(key, key0) == 0);
    free(cert);
    free(key);

    /* Cert and key in one file, with text around the blocks. */
    snprintf(combo, sizeof combo, "%s/combo.pem", dir);
    char *both = malloc(strlen(cert0) + strlen(key0) + 64);
    sprintf(both, "Bag Attributes: junk\n%s\nsubject=whatever\n%s", key0, cert0);
    spit(combo, both);
    free(both);
    REQUIRE(tlscert_load(combo, combo, &cert, &key, err, sizeof err) == C_OK);
    CHECK(strcmp(cert, cert0) == 0 && strcmp(key, key0) == 0);
    free(cert);
    free(key);

    /* Mismatched key. */
    CHECK(tlscert_load(srv, cak, &cert, &key, err, sizeof err) == C_ERR);
    CHECK(cert == NULL && key == NULL && strstr(err, "does not match"));
    fprintf(stderr, "expected error: %s\n", err);

    /* Missing file. */
    snprintf(missing, sizeof missing, "%s/nope.pem", dir);
    CHECK(tlscert_load(missing, srvk, &cert, &key, err, sizeof err) == C_ERR);
    CHECK(strstr(err, "nope.pem") && strstr(err, "No such file"));
    fprintf(stderr, "expected error: %s\n", err);

    /* A file with no certificate in it. */
    snprintf(other, sizeof other, "%s/empty.pem", dir);
    spit(other, "hello\n");
    CHECK(tlscert_load(other, srvk, &cert, &key, err, sizeof err) == C_ERR);
    CHECK(strstr(err, "no PEM certificate"));
    fprintf(stderr, "expected error: %s\n", err);
    CHECK(tlscert_load(ca, other, &cert, &key, err, sizeof err) == C_ERR);
    fprintf(stderr, "expected error: %s\n", err);

    /* Encrypted key: refused, without prompting. */
    EVP_PKEY *k = key_from_pem(key0);
    BIO *b = BIO_new(BIO_s_mem());
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), "pw", 2, NULL, NULL));
    char *bp;
    long n = BIO_get_mem_data(b, &bp);
    char *encpem = strndup(bp, (size_t)n);
    BIO_free(b);
    EVP_PKEY_free(k);
    snprintf(enc, sizeof enc, "%s/enc.key", dir);
    spit(enc, encpem);
    free(encpem);
    CHECK(tlscert_load(srv, enc, &cert, &key, err, sizeof err) == C_ERR);
    CHECK(strstr(err, "encrypted"));
    fprintf(stderr, "expected error: %s\n", err);
    CHECK(ERR_peek_error() == 0);

    free(cert0);
    free(key0);
}

/* Several processes racing on a fresh data dir all end up with one pair. */
static void test_concurrent(void) {
    char dir[512], out[600], err[512], *cert, *key;
    snprintf(dir, sizeof dir, "%s/race", tmpdir);
    enum { N = 6 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        REQUIRE(pids[i] >= 0);
        if (pids[i] == 0) {
            if (tlscert_ensure(dir, &cert, &key, err, sizeof err) != C_OK) _exit(2);
            snprintf(out, sizeof out, "%s/race.%d", tmpdir, i);
            spit(out, cert);
            _exit(0);
        }
    }
    for (int i = 0; i < N; i++) {
        int st;
        REQUIRE(waitpid(pids[i], &st, 0) == pids[i]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    REQUIRE(tlscert_ensure(dir, &cert, &key, err, sizeof err) == C_OK);
    for (int i = 0; i < N; i++) {
        snprintf(out, sizeof out, "%s/race.%d", tmpdir, i);
        char *c = slurp(out);
        CHECK(c && strcmp(c, cert) == 0);
        free(c);
    }
    free(cert);
    free(key);
}

int main(void) {
    REQUIRE(mkdtemp(tmpdir));
    /* data_dir does not exist yet: tlscert_ensure creates it. */
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpdir);
    snprintf(tls_dir, sizeof tls_dir, "%s/tls", data_dir);

    char *cert0, *key0;
    test_generate(&cert0, &key0);
    test_reload(cert0, key0);
    free(cert0);
    free(key0);
    test_reissue_keeps_ca();
    test_half_written();
    test_renew_own();
    test_foreign_not_renewed();
    test_broken_pair_is_error();
    test_load();
    test_concurrent();

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);

    if (failures) {
        fprintf(stderr, "test_tlscert: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_tlscert: ok\n");
    return 0;
}

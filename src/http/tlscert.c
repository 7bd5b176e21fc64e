/* TLS certificate material: load operator-supplied PEMs, or create and keep a
 * local CA plus a localhost leaf under <data_dir>/tls.  All cryptography is
 * OpenSSL libcrypto (3.0 API); this file only decides what to build. */
#include "tlscert.h"
#include "core/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CA_CN "Sluice local CA"
#define LEAF_CN "localhost"
#define CA_DAYS 3650
/* 825 days is the longest lifetime Apple platforms accept for a TLS server
 * certificate, even one chaining to a locally trusted root. */
#define LEAF_DAYS 825
/* Re-issue a leaf we own (and replace a CA) once less than this is left, so
 * the server never starts with a certificate about to lapse. */
#define RENEW_BEFORE_SECS (30L * 86400)
/* Backdate notBefore so a client whose clock runs a little behind ours does
 * not reject a certificate created a moment ago. */
#define BACKDATE_SECS 3600
/* PEM files are small; anything bigger is not what the operator meant. */
#define MAX_PEM_FILE (1 << 20)

struct tls_paths {
    char dir[PATH_MAX], lock[PATH_MAX];
    char ca_crt[PATH_MAX], ca_key[PATH_MAX];
    char srv_crt[PATH_MAX], srv_key[PATH_MAX];
};

struct ext {
    int nid;
    const char *value;
};

/* pathlen:0: this CA only ever signs leaves, so a leaked leaf key cannot be
 * used to mint further certificates. */
static const struct ext CA_EXTS[] = {
    {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
    {NID_key_usage, "critical,keyCertSign,cRLSign"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

/* digitalSignature alone is right for an ECDSA key used with (EC)DHE. */
static const struct ext LEAF_EXTS[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

/* Format err, append OpenSSL's most specific queued reason if there is one,
 * and empty the (per-thread) queue so it cannot leak into a later report. */
__attribute__((format(printf, 3, 4)))
static void errf(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        unsigned long e = ERR_peek_last_error();
        if (e && n >= 0 && (size_t)n < errlen) {
            char ebuf[256];
            ERR_error_string_n(e, ebuf, sizeof ebuf);
            snprintf(err + n, errlen - (size_t)n, " (%s)", ebuf);
        }
    }
    ERR_clear_error();
}

static void free_secret(char *s) {
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

static int path_join(char *out, const char *dir, const char *name, char *err, size_t errlen) {
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX) {
        errf(err, errlen, "path too long: %s/%s", dir, name);
        return C_ERR;
    }
    return C_OK;
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static int make_dir(const char *path, char *err, size_t errlen) {
    if (mkdir(path, 0700) == 0 || errno == EEXIST) return C_OK;
    errf(err, errlen, "mkdir %s: %s", path, strerror(errno));
    return C_ERR;
}

/* Read a whole regular file into a NUL-terminated heap buffer. */
static int read_all(const char *path, char **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errf(err, errlen, "open %s: %s", path, strerror(errno));
        return C_ERR;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PEM_FILE) {
        errf(err, errlen, "%s: not a regular file of at most %d bytes", path, MAX_PEM_FILE);
        close(fd);
        return C_ERR;
    }
    /* Size from fstat is only a hint; read until EOF within the cap. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *p = malloc(cap + 1);
    if (!p) {
        errf(err, errlen, "out of memory");
        close(fd);
        return C_ERR;
    }
    for (;;) {
        if (len == cap) {
            if (cap > MAX_PEM_FILE) {
                errf(err, errlen, "%s: larger than %d bytes", path, MAX_PEM_FILE);
                goto fail;
            }
            char *np = realloc(p, cap * 2 + 1);
            if (!np) {
                errf(err, errlen, "out of memory");
                goto fail;
            }
            p = np;
            cap *= 2;
        }
        ssize_t n = read(fd, p + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            errf(err, errlen, "read %s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    p[len] = 0;
    *out = p;
    *outlen = len;
    return C_OK;
fail:
    /* The file may be a private key. */
    OPENSSL_cleanse(p, cap);
    free(p);
    close(fd);
    return C_ERR;
}

static void fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    /* Best effort: the rename is already visible; this only makes it
     * durable across a power cut. */
    (void)fsync(fd);
    close(fd);
}

/* Replace path with data so that readers (and a crash) see either the old
 * file or the complete new one.  The temporary is created with the final
 * mode, so a key never exists on disk with wider permissions. */
static int write_atomic(const char *dir, const char *path, const char *data, mode_t mode,
                        char *err, size_t errlen) {
    char tmp[PATH_MAX + 32];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        errf(err, errlen, "path too long: %s", path);
        return C_ERR;
    }
    /* A leftover from a crashed process that had our pid; O_EXCL below then
     * guarantees we do not write through a file (or symlink) someone else
     * prepared. */
    (void)unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        errf(err, errlen, "create %s: %s", tmp, strerror(errno));
        return C_ERR;
    }
    size_t len = strlen(data), off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            errf(err, errlen, "write %s: %s", tmp, strerror(errno));
            goto fail;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        errf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    int rc = close(fd);
    fd = -1;
    if (rc != 0) {
        errf(err, errlen, "close %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        errf(err, errlen, "rename %s -> %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    fsync_dir(dir);
    return C_OK;
fail:
    if (fd >= 0) close(fd);
    (void)unlink(tmp);
    return C_ERR;
}

/* ---- PEM in and out ---------------------------------------------------- */

static char *bio_to_string(BIO *b) {
    char *p;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    memcpy(s, p, (size_t)n);
    s[n] = 0;
    return s;
}

/* The chain as concatenated "BEGIN CERTIFICATE" blocks, in order. */
static char *pem_certs(X509 *const *certs, int n, char *err, size_t errlen) {
    BIO *b = BIO_new(BIO_s_mem());
    char *s = NULL;
    if (!b) goto out;
    for (int i = 0; i < n; i++)
        if (!PEM_write_bio_X509(b, certs[i])) goto out;
    s = bio_to_string(b);
out:
    if (!s) errf(err, errlen, "cannot encode certificate");
    BIO_free(b);
    return s;
}

/* Unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), which GnuTLS reads for every
 * key type.  The secure-memory BIO wipes its buffer when freed. */
static char *pem_key(EVP_PKEY *key, char *err, size_t errlen) {
    BIO *b = BIO_new(BIO_s_secmem());
    char *s = NULL;
    if (b && PEM_write_bio_PKCS8PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))
        s = bio_to_string(b);
    if (!s) errf(err, errlen, "cannot encode private key");
    BIO_free(b);
    return s;
}

/* Every certificate in a PEM file, leaf first; other PEM blocks (a key in a
 * combined file) are skipped. */
static STACK_OF(X509) *parse_chain(const char *data, size_t len, const char *path,
                                   char *err, size_t errlen) {
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(data, (int)len);
    X509 *x;
    if (!sk || !b) {
        errf(err, errlen, "out of memory");
        goto fail;
    }
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            errf(err, errlen, "out of memory");
            goto fail;
        }
    }
    /* The loop ends with "no start line" when the input is exhausted; any
     * other error means a block that is there but broken. */
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        errf(err, errlen, "%s: malformed certificate", path);
        goto fail;
    }
    ERR_clear_error();
    if (sk_X509_num(sk) == 0) {
        errf(err, errlen, "%s: no PEM certificate found", path);
        goto fail;
    }
    BIO_free(b);
    return sk;
fail:
    BIO_free(b);
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

/* Refuse encrypted keys rather than letting OpenSSL prompt on the terminal:
 * the server has nobody to type a passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    return -1;
}

static EVP_PKEY *parse_key(const char *data, size_t len, const char *path, char *err,
                           size_t errlen) {
    BIO *b = BIO_new_mem_buf(data, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
    /* Both PEM flavours of encryption (PKCS#8 "ENCRYPTED PRIVATE KEY" and
     * the legacy "Proc-Type: 4,ENCRYPTED" header) contain this word. */
    if (!k && strstr(data, "ENCRYPTED"))
        errf(err, errlen, "%s: encrypted private keys are not supported", path);
    else if (!k)
        errf(err, errlen, "%s: no usable PEM private key", path);
    BIO_free(b);
    return k;
}

/* Parse a certificate file and a key file and check they belong together. */
static int load_pair(const char *cert_path, const char *key_path, STACK_OF(X509) **chain,
                     EVP_PKEY **key, char *err, size_t errlen) {
    char *cdata = NULL, *kdata = NULL;
    size_t clen = 0, klen = 0;
    *chain = NULL;
    *key = NULL;
    if (read_all(cert_path, &cdata, &clen, err, errlen) != C_OK) goto fail;
    if ((*chain = parse_chain(cdata, clen, cert_path, err, errlen)) == NULL) goto fail;
    if (read_all(key_path, &kdata, &klen, err, errlen) != C_OK) goto fail;
    if ((*key = parse_key(kdata, klen, key_path, err, errlen)) == NULL) goto fail;
    if (X509_check_private_key(sk_X509_value(*chain, 0), *key) != 1) {
        errf(err, errlen, "%s does not match the first certificate in %s", key_path,
             cert_path);
        goto fail;
    }
    free(cdata);
    free_secret(kdata);
    return C_OK;
fail:
    free(cdata);
    free_secret(kdata);
    sk_X509_pop_free(*chain, X509_free);
    EVP_PKEY_free(*key);
    *chain = NULL;
    *key = NULL;
    return C_ERR;
}

static int encode_pair(STACK_OF(X509) *chain, EVP_PKEY *key, char **cert_pem,
                       char **key_pem, char *err, size_t errlen) {
    int n = sk_X509_num(chain);
    X509 **v = malloc(sizeof *v * (size_t)n);
    if (!v) {
        errf(err, errlen, "out of memory");
        return C_ERR;
    }
    for (int i = 0; i < n; i++) v[i] = sk_X509_value(chain, i);
    *cert_pem = pem_certs(v, n, err, errlen);
    free(v);
    if (!*cert_pem) return C_ERR;
    if ((*key_pem = pem_key(key, err, errlen)) == NULL) {
        free(*cert_pem);
        *cert_pem = NULL;
        return C_ERR;
    }
    return C_OK;
}

/* ---- certificate construction ------------------------------------------ */

/* Seconds until notAfter; negative once expired. */
static long secs_left(const X509 *x) {
    int days, secs;
    if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x))) return -1;
    return (long)days * 86400 + secs;
}

static EVP_PKEY *gen_p256(char *err, size_t errlen) {
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!k) errf(err, errlen, "cannot generate EC P-256 key");
    return k;
}

/* Build and sign a v3 certificate for `key` named CN=cn.  issuer == NULL
 * makes it self-signed; otherwise its lifetime is capped at the issuer's,
 * since it could not verify after that anyway. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long days, X509 *issuer,
                       EVP_PKEY *issuer_key, const struct ext *exts, size_t nexts,
                       char *err, size_t errlen) {
    X509 *x = X509_new();
    BIGNUM *bn = NULL;
    if (!x || !X509_set_version(x, X509_VERSION_3)) goto fail;

    /* 16 random bytes; top bit clear so the DER INTEGER stays positive and
     * next bit set so it is always encoded in exactly 16 bytes. */
    unsigned char sb[16];
    if (RAND_bytes(sb, sizeof sb) != 1) goto fail;
    sb[0] = (unsigned char)((sb[0] & 0x7f) | 0x40);
    if (!(bn = BN_bin2bn(sb, sizeof sb, NULL)) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        goto fail;

    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name))
        goto fail;

    if (!X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_SECS) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL))
        goto fail;
    if (issuer && ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(issuer)) > 0 &&
        !X509_set1_notAfter(x, X509_get0_notAfter(issuer)))
        goto fail;

    if (!X509_set_pubkey(x, key)) goto fail;

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    /* For a self-signed certificate the AKI must be computed from our own
     * key; telling OpenSSL the issuer key makes that explicit. */
    if (!X509V3_set_issuer_pkey(&ctx, issuer_key ? issuer_key : key)) goto fail;
    for (size_t i = 0; i < nexts; i++) {
        X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, &ctx, exts[i].nid, exts[i].value);
        int ok = e && X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        if (!ok) goto fail;
    }

    if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) goto fail;
    BN_free(bn);
    return x;
fail:
    errf(err, errlen, "cannot build certificate CN=%s", cn);
    BN_free(bn);
    X509_free(x);
    return NULL;
}

/* The CA in ca.crt/ca.key, if both parse, match, really are a CA and have
 * life left.  Anything else (absent, half-written by a crash, expiring)
 * means the caller makes a new one, so failures here are not reported. */
static int load_local_ca(const struct tls_paths *p, X509 **ca, EVP_PKEY **ca_key) {
    STACK_OF(X509) *chain = NULL;
    char scratch[256];
    *ca = NULL;
    *ca_key = NULL;
    if (!exists(p->ca_crt) || !exists(p->ca_key)) return C_ERR;
    if (load_pair(p->ca_crt, p->ca_key, &chain, ca_key, scratch, sizeof scratch) != C_OK)
        return C_ERR;
    *ca = sk_X509_shift(chain);
    sk_X509_pop_free(chain, X509_free);
    if (X509_check_ca(*ca) != 1 || secs_left(*ca) < RENEW_BEFORE_SECS) {
        X509_free(*ca);
        EVP_PKEY_free(*ca_key);
        *ca = NULL;
        *ca_key = NULL;
        ERR_clear_error();
        return C_ERR;
    }
    return C_OK;
}

/* Whether leaf was signed by the CA now in ca.crt, i.e. it is ours to
 * re-issue rather than something the operator put in place. */
static bool issued_by_local_ca(const struct tls_paths *p, X509 *leaf) {
    char *data = NULL;
    size_t len;
    char scratch[256];
    bool ours = false;
    if (!exists(p->ca_crt) || read_all(p->ca_crt, &data, &len, scratch, sizeof scratch))
        return false;
    STACK_OF(X509) *chain = parse_chain(data, len, p->ca_crt, scratch, sizeof scratch);
    if (chain) {
        X509 *ca = sk_X509_value(chain, 0);
        ours = X509_check_issued(ca, leaf) == X509_V_OK &&
               X509_verify(leaf, X509_get0_pubkey(ca)) == 1;
    }
    sk_X509_pop_free(chain, X509_free);
    free(data);
    ERR_clear_error();
    return ours;
}

/* Issue a new leaf (for leaf_key, or a fresh key if NULL) from the local CA,
 * creating the CA first if there is no usable one, and write everything.
 * Order matters for crash safety: each key is written before its
 * certificate, so an interrupted run leaves at worst a key without a
 * matching certificate, which the next run detects and replaces. */
static int issue(const struct tls_paths *p, EVP_PKEY *leaf_key, char **cert_pem,
                 char **key_pem, char *err, size_t errlen) {
    X509 *ca = NULL, *leaf = NULL;
    EVP_PKEY *ca_key = NULL, *new_key = NULL;
    char *ca_crt_pem = NULL, *ca_key_pem = NULL;
    int rc = C_ERR;

    if (load_local_ca(p, &ca, &ca_key) != C_OK) {
        if (!(ca_key = gen_p256(err, errlen))) goto out;
        if (!(ca = make_cert(ca_key, CA_CN, CA_DAYS, NULL, NULL, CA_EXTS, ARRAY_LEN(CA_EXTS),
                             err, errlen)))
            goto out;
        if (!(ca_key_pem = pem_key(ca_key, err, errlen)) ||
            !(ca_crt_pem = pem_certs(&ca, 1, err, errlen)))
            goto out;
        if (write_atomic(p->dir, p->ca_key, ca_key_pem, 0600, err, errlen) ||
            write_atomic(p->dir, p->ca_crt, ca_crt_pem, 0644, err, errlen))
            goto out;
    }

    if (!leaf_key) {
        if (!(new_key = gen_p256(err, errlen))) goto out;
        leaf_key = new_key;
    }
    if (!(*key_pem = pem_key(leaf_key, err, errlen))) goto out;
    if (new_key && write_atomic(p->dir, p->srv_key, *key_pem, 0600, err, errlen)) goto out;

    if (!(leaf = make_cert(leaf_key, LEAF_CN, LEAF_DAYS, ca, ca_key, LEAF_EXTS,
                           ARRAY_LEN(LEAF_EXTS), err, errlen)))
        goto out;
    /* Leaf then CA: clients that were given only the CA's name (or nothing)
     * still receive the full path. */
    X509 *pair[2] = {leaf, ca};
    if (!(*cert_pem = pem_certs(pair, 2, err, errlen))) goto out;
    if (write_atomic(p->dir, p->srv_crt, *cert_pem, 0644, err, errlen)) goto out;
    rc = C_OK;
out:
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(new_key);
    free(ca_crt_pem);
    free_secret(ca_key_pem);
    return rc;
}

/* ---- public API --------------------------------------------------------- */

int tlscert_ensure(const char *data_dir, char **cert_pem, char **key_pem, char *err,
                   size_t errlen) {
    struct tls_paths p;
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;
    int lockfd = -1, rc = C_ERR;

    *cert_pem = *key_pem = NULL;
    ERR_clear_error();
    if (path_join(p.dir, data_dir, "tls", err, errlen) ||
        path_join(p.lock, p.dir, ".lock", err, errlen) ||
        path_join(p.ca_crt, p.dir, "ca.crt", err, errlen) ||
        path_join(p.ca_key, p.dir, "ca.key", err, errlen) ||
        path_join(p.srv_crt, p.dir, "server.crt", err, errlen) ||
        path_join(p.srv_key, p.dir, "server.key", err, errlen))
        return C_ERR;
    if (make_dir(data_dir, err, errlen) || make_dir(p.dir, err, errlen)) return C_ERR;

    /* Two servers starting on one data dir must not each write half of a
     * certificate/key pair.  flock() locks belong to the open file, so this
     * also serializes threads of one process. */
    lockfd = open(p.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockfd < 0) {
        errf(err, errlen, "open %s: %s", p.lock, strerror(errno));
        return C_ERR;
    }
    while (flock(lockfd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            errf(err, errlen, "flock %s: %s", p.lock, strerror(errno));
            goto out;
        }
    }

    if (exists(p.srv_crt) && exists(p.srv_key)) {
        /* A pair that does not load is reported, not replaced: it may be the
         * operator's, and silently swapping it would hide the mistake. */
        if (load_pair(p.srv_crt, p.srv_key, &chain, &key, err, errlen) != C_OK) goto out;
        X509 *leaf = sk_X509_value(chain, 0);
        if (secs_left(leaf) >= RENEW_BEFORE_SECS || !issued_by_local_ca(&p, leaf)) {
            rc = encode_pair(chain, key, cert_pem, key_pem, err, errlen);
            goto out;
        }
        /* Our own leaf, about to expire: re-issue it for the same key. */
    }
    rc = issue(&p, key, cert_pem, key_pem, err, errlen);

out:
    close(lockfd);  /* releases the lock */
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    if (rc != C_OK) {
        free(*cert_pem);
        free_secret(*key_pem);
        *cert_pem = *key_pem = NULL;
    }
    return rc;
}

int tlscert_load(const char *cert_path, const char *key_path, char **cert_pem,
                 char **key_pem, char *err, size_t errlen) {
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;
    *cert_pem = *key_pem = NULL;
    ERR_clear_error();
    int rc = load_pair(cert_path, key_path, &chain, &key, err, errlen);
    if (rc == C_OK) rc = encode_pair(chain, key, cert_pem, key_pem, err, errlen);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    return rc;
}

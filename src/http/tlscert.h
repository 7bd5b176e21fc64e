/* TLS certificate material for the HTTPS listener.
 *
 * Sluice serves HTTPS through libmicrohttpd, which hands the PEM strings to
 * GnuTLS.  Both functions return heap strings (caller free()s; the key is
 * secret, so clear it with explicit_bzero() first) in the forms GnuTLS takes
 * everywhere: the certificate chain as a sequence of "BEGIN CERTIFICATE"
 * blocks, leaf first, and the private key as unencrypted PKCS#8
 * ("BEGIN PRIVATE KEY").  Keep both alive until MHD_stop_daemon(): MHD keeps
 * the pointers, not copies.
 *
 * On C_ERR, *cert_pem and *key_pem are NULL and err holds a one-line reason
 * (including OpenSSL's own message where there is one). */
#ifndef SLUICE_TLSCERT_H
#define SLUICE_TLSCERT_H

#include <stddef.h>

/* Load, creating on first use, the self-managed certificate under
 * <data_dir>/tls/:
 *
 *   ca.crt, ca.key       a local CA (EC P-256, 10 years, CN "Sluice local CA");
 *                        clients trust ca.crt (e.g. curl --cacert, or
 *                        AWS_CA_BUNDLE for the AWS SDKs/CLI)
 *   server.crt, .key     leaf for localhost / 127.0.0.1 / ::1 (EC P-256,
 *                        825 days) signed by the CA; server.crt holds the
 *                        leaf followed by the CA certificate
 *
 * If server.crt and server.key both exist they are used as they are, even if
 * the operator put unrelated files there, with one exception: a leaf that
 * this CA issued and that expires within 30 days is re-issued (same key) by
 * this call, so restarting the server is enough to renew it.  (A process
 * that runs for the whole 30 days keeps its old certificate until then.)  An existing, still valid CA is reused when a leaf is issued,
 * so clients that already trust ca.crt keep working.  Key files are mode
 * 0600; every file is replaced atomically; concurrent callers on the same
 * data_dir serialize on an flock() of <data_dir>/tls/.lock.  data_dir and
 * data_dir/tls are created (0700) if missing; data_dir's parent must exist. */
int tlscert_ensure(const char *data_dir, char **cert_pem, char **key_pem,
                   char *err, size_t errlen);

/* Load an operator-supplied certificate (--tls-cert: PEM, leaf first,
 * optionally followed by intermediates) and key (--tls-key: PEM in PKCS#8,
 * SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"; not encrypted).  Fails
 * if either does not parse or the key does not belong to the first
 * certificate.  The results are re-encoded, which drops text around the PEM
 * blocks and converts the key to PKCS#8. */
int tlscert_load(const char *cert_path, const char *key_path,
                 char **cert_pem, char **key_pem, char *err, size_t errlen);

#endif

/* AWS Signature Version 4: parsing, verification and signing.
 *
 * Server side, a request is authenticated in three steps:
 *
 *   sigv4_parse()   reads the Authorization header or the presigned query
 *                   (X-Amz-Algorithm=...) into a struct sigv4_auth;
 *   (caller)        looks the access key id (auth.akid) up; if unknown it
 *                   calls sigv4_unknown_key_error() for the AWS error;
 *   sigv4_verify()  checks the clock, the scope and the signature with the
 *                   secret.
 *
 * The same canonicalisation code signs requests (sigv4_sign_headers), so the
 * benchmark client and the tests cannot drift from what the server checks.
 *
 * Errors are rendered in the style of the protocol the endpoint speaks,
 * because AWS's codes and HTTP statuses differ per protocol:
 *   SIGV4_JSON   awsJson (CloudWatch Logs): IncompleteSignatureException,
 *                InvalidSignatureException, MissingAuthenticationTokenException
 *   SIGV4_QUERY  awsQuery (IAM/STS): IncompleteSignature, SignatureDoesNotMatch,
 *                MissingAuthenticationToken
 *   SIGV4_S3     REST-XML S3: AccessDenied, SignatureDoesNotMatch,
 *                AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
 *                RequestTimeTooSkewed, ...
 *
 * Ownership: nothing here keeps a pointer to its inputs after returning.
 * Every string a function produces is allocated from the arena it was given
 * and lives until that arena is freed.  Inputs (struct sigv4_request and the
 * strings it points to) are only read. */
#ifndef SLUICE_AWS_SIGV4_H
#define SLUICE_AWS_SIGV4_H

#include "../core/arena.h"
#include "../core/common.h"
#include "error.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* Hex SHA-256 of the empty string: the payload hash of a bodyless request. */
#define SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* Allowed distance between the request's timestamp and the server clock. */
#define SIGV4_MAX_SKEW_S (15 * 60)
/* Longest presigned URL lifetime AWS accepts (seven days). */
#define SIGV4_MAX_EXPIRES_S 604800

enum sigv4_errstyle { SIGV4_JSON, SIGV4_QUERY, SIGV4_S3 };

/* One HTTP header as received.  The name may be in any case; a header that
 * occurs several times is passed as several entries, in arrival order. */
struct sigv4_header {
    const char *name;
    const char *value;
};

/* A request as the server received it (or as a client is about to send it).
 * Only read; the caller keeps ownership of every pointer. */
struct sigv4_request {
    const char *method;                  /* "GET", "POST", ... */
    const char *path;                    /* raw path as on the wire, percent-encoded,
                                            without the query; NULL or "" means "/" */
    const char *query;                   /* raw query without '?', or NULL */
    const struct sigv4_header *headers;
    size_t nheaders;
    const char *payload_sha256_hex;      /* lowercase hex SHA-256 of the body, computed by
                                            the caller; may be NULL only when the request
                                            carries x-amz-content-sha256 (or is a presigned
                                            S3 request), because then the body is not hashed */
};

/* What sigv4_parse() found.  Strings are NUL-terminated, in the arena. */
struct sigv4_auth {
    const char *akid;            /* access key id from the credential */
    const char *date;            /* YYYYMMDD from the credential scope */
    const char *region;
    const char *service;
    const char *scope;           /* "date/region/service/aws4_request" */
    const char *signed_headers;  /* "host;x-amz-date", as sent */
    const char *signature;       /* hex, as sent */
    const char *amz_date;        /* request time as YYYYMMDDTHHMMSSZ (from X-Amz-Date,
                                    or the Date header converted) */
    const char *security_token;  /* X-Amz-Security-Token, or NULL */
    bool presigned;              /* came from the query string */
    int64_t expires;             /* X-Amz-Expires (presigned), 0 if absent */
    int64_t time_s;              /* amz_date as Unix seconds */
};

/* Parse the Authorization header ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...") or the presigned query (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
 * X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token).
 * A request with neither fails with MissingAuthenticationTokenException (JSON, 400) /
 * MissingAuthenticationToken (QUERY, 403) / AccessDenied (S3, 403).
 * Only syntax is checked here; see sigv4_verify() for the rest.
 * Fills *out (strings in the arena) and returns C_OK, or fills e and returns C_ERR. */
int sigv4_parse(struct arena *a, const struct sigv4_request *r, enum sigv4_errstyle st,
                struct sigv4_auth *out, struct aws_err *e);

/* Verify a parsed request with the secret of au->akid at time now_s (Unix seconds):
 * that host is signed, the scope date equals the request date, the request time is
 * within 15 minutes of now_s (presigned S3: not expired per X-Amz-Expires instead;
 * presigned elsewhere: both), and the signature matches.  The canonical request
 * covers every signed header; the payload hash is the x-amz-content-sha256 header
 * value when present (UNSIGNED-PAYLOAD and STREAMING-* are used literally), else
 * UNSIGNED-PAYLOAD for presigned S3, else r->payload_sha256_hex.  S3 canonical paths
 * are encoded once and not normalised; other services' are normalised (dot segments,
 * duplicate slashes) and the path as received is encoded again.
 * Returns C_OK, or fills e and returns C_ERR.  Scratch memory comes from a. */
int sigv4_verify(struct arena *a, const struct sigv4_request *r, const struct sigv4_auth *au,
                 const char *secret, int64_t now_s, enum sigv4_errstyle st, struct aws_err *e);

/* The error for an access key id the caller does not know:
 * JSON 400 UnrecognizedClientException, QUERY 403 InvalidClientTokenId,
 * S3 403 InvalidAccessKeyId. */
void sigv4_unknown_key_error(enum sigv4_errstyle st, struct aws_err *e);

/* Optional check a caller that serves one region/service can make after
 * sigv4_parse(): the credential must be scoped to them.  Fills e with AWS's
 * "Credential should be scoped to ..." errors (S3: AuthorizationHeaderMalformed /
 * AuthorizationQueryParametersError).  NULL region or service skips that part. */
int sigv4_check_scope(const struct sigv4_auth *au, const char *region, const char *service,
                      enum sigv4_errstyle st, struct aws_err *e);

/* ---- Building blocks, shared by the verifier, the tests and clients. ---- */

/* Canonicalisation options. */
#define SIGV4_CANON_S3 1u          /* S3 rules: path decoded and encoded once, not normalised */
#define SIGV4_CANON_PRESIGNED 2u   /* drop X-Amz-Signature from the canonical query */

/* The canonical request for r over the ';'-separated signed_headers (header names
 * in any case; each is looked up case-insensitively, values trimmed with inner
 * whitespace runs collapsed, repeats joined with ','), with payload_hash as its
 * last line.  *out is in the arena.  Fails (InternalFailure) only on a missing
 * argument. */
int sigv4_canonical_request(struct arena *a, const struct sigv4_request *r,
                            const char *signed_headers, const char *payload_hash,
                            unsigned flags, const char **out, struct aws_err *e);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>", in the arena. */
char *sigv4_string_to_sign(struct arena *a, const char *amz_date, const char *scope,
                           const char *canonical_request);

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"). */
void sigv4_signing_key(const char *secret, const char *date, const char *region,
                       const char *service, unsigned char key[32]);

/* Lowercase hex HMAC-SHA256(key, string_to_sign) into out (64 chars + NUL). */
void sigv4_signature(const unsigned char key[32], const char *string_to_sign, char out[65]);

/* Lowercase hex SHA-256 of n bytes (64 chars + NUL): the caller's body hash. */
void sigv4_sha256_hex(const void *data, size_t n, char out[65]);

/* Unix seconds -> "YYYYMMDDTHHMMSSZ" (16 chars + NUL). */
void sigv4_format_amz_date(int64_t unix_s, char out[17]);

/* Credentials and scope for signing. */
struct sigv4_signer {
    const char *akid;
    const char *secret;
    const char *region;
    const char *service;
    bool s3;             /* S3 canonicalisation (SIGV4_CANON_S3) */
};

/* Sign r as an AWS SDK would and return the Authorization header value in
 * *authorization (arena).  Every header in r is signed except those SDKs never
 * sign (authorization, user-agent, expect, connection, ...); names are
 * lowercased and sorted.  r must already carry Host and X-Amz-Date (the
 * signing time is read from X-Amz-Date, so the caller sends exactly what was
 * signed), plus X-Amz-Security-Token when a session token is used.  The
 * payload hash is x-amz-content-sha256 when r has it, else
 * r->payload_sha256_hex.  For a C HTTP client: build the header array, add
 * "Authorization: <*authorization>", send.  Optional outputs (may be NULL):
 * the canonical request and string to sign, for debugging. */
int sigv4_sign_headers(struct arena *a, const struct sigv4_request *r,
                       const struct sigv4_signer *s, const char **authorization,
                       const char **canonical_request, const char **string_to_sign,
                       struct aws_err *e);

#endif

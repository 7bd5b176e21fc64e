/* The command-line tools' HTTP/1.1 client: one keep-alive connection to a
 * Sluice endpoint, plain HTTP (https is not needed yet), requests signed
 * with src/aws/sigv4.c — the code the server verifies with — so a tool and
 * the server cannot disagree on a signature.
 *
 * A connection the server closed while idle (keep-alive timeout, restart)
 * is reopened and the request sent again, once, when nothing of an answer
 * had arrived; a fresh connection is never retried.  Blocking, with a
 * timeout per read and write.  Not thread-safe: one client per thread. */
#ifndef SLUICE_CLI_HTTP_CLIENT_H
#define SLUICE_CLI_HTTP_CLIENT_H

#include "../aws/sigv4.h"
#include "../core/buf.h"
#include "../core/common.h"

struct http_client {
    char host[256];        /* as in the URL, without brackets */
    char port[8];
    char hostport[300];    /* the Host header */
    int fd;                /* -1: not connected */
    int timeout_ms;        /* per read / write (default 60 s) */
    struct buf in;         /* bytes read past the last answer */
};

struct http_response {
    int status;
    struct buf body;
    char error_type[128];  /* x-amzn-ErrorType, "" when absent */
};

/* url: http://HOST[:PORT][/] (IPv6 hosts in brackets); "HOST:PORT" alone is
 * taken as http.  Does not connect yet.  C_ERR with a message in err. */
int http_client_init(struct http_client *c, const char *url, char *err, size_t errlen);
void http_client_close(struct http_client *c);

/* Send one request and read its answer into *resp (initialised here; free
 * it with http_response_free).  h are the headers besides Host and
 * Content-Length, which the client adds.  C_ERR (err says why) when no
 * answer could be had: connection refused, reset, timed out, malformed. */
int http_client_request(struct http_client *c, const char *method, const char *path,
                        const struct sigv4_header *h, size_t nh, const void *body, size_t len,
                        struct http_response *resp, char *err, size_t errlen);
void http_response_free(struct http_response *r);

/* Credentials for signing. */
struct aws_creds {
    char *akid, *secret, *token;   /* token: NULL without a session */
};

/* One AWS JSON 1.1 call: POST / with X-Amz-Target `target`
 * ("Logs_20140328.PutVendedLogEvents"), signed for (region, service). */
int http_client_aws_json(struct http_client *c, const struct aws_creds *cr, const char *region,
                         const char *service, const char *target, const void *body, size_t len,
                         struct http_response *resp, char *err, size_t errlen);

#endif

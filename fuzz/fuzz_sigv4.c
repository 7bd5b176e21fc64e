/* libFuzzer target for the SigV4 parser and canonicaliser.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_sigv4.c
 *        src/aws/sigv4.c src/aws/error.c src/core/arena.c -lcrypto
 *
 * Input layout (newline-separated), chosen so the fuzzer can reach every
 * field the parser reads:
 *   byte 0            error style (mod 3)
 *   line 1            method
 *   line 2            raw path
 *   line 3            raw query ("" means none)
 *   remaining lines   "Name: value" headers (Authorization, X-Amz-Date, ...)
 * A parsed request is then verified with the time it claims, so the scope,
 * canonical-request and signature code runs on attacker-shaped input too. */
#include "aws/sigv4.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 65536) return 0;
    enum sigv4_errstyle st = (enum sigv4_errstyle)(data[0] % 3);
    char *buf = malloc(size);
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0; /* the parser gets C strings, as from the HTTP layer */

    char *line[3 + MAX_HEADERS];
    size_t nl = 0;
    for (char *p = buf; nl < ARRAY_LEN(line);) {
        line[nl++] = p;
        char *q = strchr(p, '\n');
        if (!q) break;
        *q = 0;
        p = q + 1;
    }
    struct sigv4_header h[MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 3; i < nl; i++) {
        char *c = strchr(line[i], ':');
        if (!c) continue;
        *c = 0;
        h[nh].name = line[i];
        h[nh].value = c + 1;
        nh++;
    }
    struct sigv4_request r = {
        nl > 0 ? line[0] : "GET",
        nl > 1 ? line[1] : "/",
        nl > 2 && *line[2] ? line[2] : NULL,
        h,
        nh,
        SIGV4_EMPTY_SHA256,
    };

    struct arena a;
    struct aws_err e;
    struct sigv4_auth au;
    arena_init(&a, 0);
    if (sigv4_parse(&a, &r, st, &au, &e) == C_OK) {
        sigv4_check_scope(&au, "us-east-1", "logs", st, &e);
        sigv4_verify(&a, &r, &au, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", au.time_s, st, &e);
        sigv4_verify(&a, &r, &au, "", au.time_s + 3600, st, &e);
    }
    /* The signer walks the same headers with its own rules. */
    const struct sigv4_signer sg = {"AKIDEXAMPLE", "secret", "us-east-1", "logs", st == SIGV4_S3};
    const char *authz;
    sigv4_sign_headers(&a, &r, &sg, &authz, NULL, NULL, &e);
    arena_free(&a);
    free(buf);
    return 0;
}

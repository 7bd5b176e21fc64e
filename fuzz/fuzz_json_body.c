/* libFuzzer target: arbitrary bytes as a JSON request body, parsed with
 * json_parse and validated against the input shape of every CloudWatch Logs
 * operation.  Checks that nothing crashes or leaks and that every rejection
 * is a well-formed AWS error.
 *
 * Build (C sources as C, the simdjson shim as C++), from the repository root
 * after a normal build has generated build/models_embed.c:
 *
 *   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -D_GNU_SOURCE \
 *     -x c fuzz/fuzz_json_body.c src/aws/model.c src/aws/model_validate.c \
 *          src/core/arena.c src/core/buf.c src/json/json_write.c \
 *          build/models_embed.c \
 *     -x c++ src/json/json_parse.cc -x none \
 *     $(pkg-config --cflags --libs libpcre2-8 simdjson) -o fuzz_json_body
 *   ./fuzz_json_body -max_total_time=120 corpus/
 */
#include "aws/model.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C"
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const struct model_service *svc;
    if (!svc) {
        char err[512];
        if (model_load_all(err, sizeof err) != C_OK) {
            fprintf(stderr, "model_load_all: %s\n", err);
            abort();
        }
        svc = model_service("logs");
        if (!svc) abort();
    }
    /* json_parse reads up to JSON_PADDING bytes past the end. */
    char *buf = (char *)malloc(size + JSON_PADDING);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    memset(buf + size, 0, JSON_PADDING);

    struct arena a;
    arena_init(&a, 0);
    struct jval *v = NULL;
    char perr[128];
    if (json_parse(&a, buf, size, &v, perr, sizeof perr) == C_OK) {
        for (size_t i = 0; i < svc->n_ops; i++) {
            struct aws_err e;
            memset(&e, 0xAA, sizeof e);   /* catch fields left unset */
            if (model_validate(svc, &svc->ops[i], v, &a, &e) == C_OK) continue;
            const char *code = e.code;
            bool known = code && (strcmp(code, ERR_SERIALIZATION) == 0 ||
                                  strcmp(code, ERR_VALIDATION) == 0 ||
                                  strcmp(code, ERR_INVALID_PARAM) == 0);
            if (!known || e.http != 400 || !memchr(e.msg, 0, sizeof e.msg)) abort();
            /* Constraint messages always start with the count. */
            if (strcmp(code, ERR_SERIALIZATION) != 0 && !strstr(e.msg, "validation error"))
                abort();
        }
    }
    arena_free(&a);
    free(buf);
    return 0;
}

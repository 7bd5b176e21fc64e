/* libFuzzer target for filter patterns: compile the input as a pattern and,
 * when it compiles, match it against messages of every shape the matcher
 * handles (text, Apache-style fields, JSON, broken JSON, bad UTF-8), plus the
 * input itself.  A rejected pattern must carry a 400 and a message.
 *
 * Build (json_parse.cc is C++, so link with clang++):
 *   SAN="-fsanitize=fuzzer,address,undefined"
 *   clang++ $SAN -std=c++17 $(pkg-config --cflags simdjson) -c src/json/json_parse.cc -o jp.o
 *   clang $SAN -D_GNU_SOURCE -Isrc -c fuzz/fuzz_filter.c src/logs/filter.c src/core/arena.c src/aws/error.c
 *   clang++ $SAN fuzz_filter.o filter.o arena.o error.o jp.o \
 *       $(pkg-config --libs simdjson libpcre2-8) -o fuzz_filter
 *   ./fuzz_filter -max_total_time=120 corpus/ */
#include "logs/filter.h"
#include <string.h>

static const char *const messages[] = {
    "",
    " ",
    "ERROR WARN message",
    "[ERROR 500] INTERNAL SERVER ERROR",
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
    "127.0.0.5  -  frank\t[10/Oct/2000:13:25:19 -0700] \"GET / HTTP/1.0\" 404 1534 extra",
    "ERROR \"unterminated words [also",
    ("{\"eventType\":\"UpdateTrail\",\"a\":[1,\"x\",null,{\"b\":2.5}],\"v\":1,\"v\":2,"
     "\"f\":true,\"n\":null,\"s\":\"Alpha*\",\"d\":1e300,\"i\":-9223372036854775808}"),
    "{\"nested\":{\"value\":\"hit\"},\"cluster.name\":\"flat\",\"arr\":[[\"hit\"]],\"o\":{\"0\":\"hit\"}}",
    "[{\"v\":1}]",
    "{broken",
    "caf\xc3\xa9 \xff\xfe not utf-8 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct arena a, scratch;
    struct aws_err e = {0};
    struct filter *f = NULL;
    arena_init(&a, 0);
    if (filter_compile(&a, (const char *)data, size, &f, &e) == C_OK) {
        arena_init(&scratch, 0);
        for (size_t i = 0; i < ARRAY_LEN(messages); i++)
            (void)filter_match(f, messages[i], strlen(messages[i]), &scratch);
        (void)filter_match(f, (const char *)data, size, &scratch);
        arena_free(&scratch);
    } else if (e.http != 400 || !e.code || e.msg[0] == 0) {
        __builtin_trap();
    }
    arena_free(&a);
    return 0;
}

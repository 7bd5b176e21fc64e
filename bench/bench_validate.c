/* Cost of model validation on the hottest request: a 10,000-event
 * PutLogEvents body.  Prints events/s for json_parse alone and for
 * json_parse + model_validate, so the validator's share is visible, and —
 * when built with jansson (libjansson-dev) — jansson's strict parse + walk of
 * the same body: the measurement behind choosing simdjson (ARCHITECTURE.md).
 * Build: make -C build bench_validate && build/bench_validate [iterations] */
#include "aws/model.h"
#ifdef HAVE_JANSSON
#include <jansson.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS 10000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 200;
    if (iters < 1) iters = 1;
    char err[512];
    if (model_load_all(err, sizeof err) != C_OK) {
        fprintf(stderr, "model_load_all: %s\n", err);
        return 1;
    }
    const struct model_service *svc = model_service("logs");
    const struct model_op *op = model_op(svc, "PutLogEvents");
    if (!op) { fprintf(stderr, "no PutLogEvents\n"); return 1; }

    /* Realistic events: ~100-byte messages with JSON escapes, ascending
     * millisecond timestamps. */
    struct buf b;
    buf_init(&b);
    buf_adds(&b, "{\"logGroupName\":\"/aws/lambda/bench-fn\",\"logStreamName\":"
                 "\"2024/01/01/[$LATEST]0123456789abcdef\",\"logEvents\":[");
    for (int i = 0; i < EVENTS; i++) {
        char ev[256];
        int n = snprintf(ev, sizeof ev,
                         "%s{\"timestamp\":%lld,\"message\":\"INFO request %d handled in %d ms "
                         "path=/api/v1/items/%d status=200 \\\"ok\\\" user=u-%06d\"}",
                         i ? "," : "", 1700000000000LL + i, i, i % 97, i * 7, i);
        buf_add(&b, ev, (size_t)n);
    }
    buf_adds(&b, "]}");
    size_t len = b.len;
    char *body = (char *)calloc(1, len + JSON_PADDING);
    memcpy(body, b.p, len);
    buf_free(&b);

    struct arena a;
    arena_init(&a, 1 << 20);
    double t_parse = 0, t_both = 0, t_valid = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < iters; i++) {
            struct jval *v;
            double t0 = now_s();
            if (json_parse(&a, body, len, &v, err, sizeof err) != C_OK) {
                fprintf(stderr, "parse: %s\n", err);
                return 1;
            }
            double t1 = now_s();
            if (pass == 1) {
                struct aws_err e;
                if (model_validate(svc, op, v, &a, &e) != C_OK) {
                    fprintf(stderr, "validate: %s: %s\n", e.code, e.msg);
                    return 1;
                }
                double t2 = now_s();
                t_both += t2 - t0;
                t_valid += t2 - t1;
            } else {
                t_parse += t1 - t0;
            }
            arena_free(&a);
            arena_init(&a, 1 << 20);
        }
    }
    double ev = (double)EVENTS * iters;
#ifdef HAVE_JANSSON
    /* jansson, strict as we would run it: duplicates rejected; the walk
     * touches every event's timestamp and message as a handler would. */
    double t_jansson = 0;
    size_t sink = 0;
    for (int i = 0; i < iters; i++) {
        double t0 = now_s();
        json_error_t je;
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
        if (!root) { fprintf(stderr, "jansson: %s\n", je.text); return 1; }
        json_t *evs = json_object_get(root, "logEvents");
        for (size_t k = 0; k < json_array_size(evs); k++) {
            json_t *e = json_array_get(evs, k);
            sink += (size_t)json_integer_value(json_object_get(e, "timestamp"));
            sink += json_string_length(json_object_get(e, "message"));
        }
        json_decref(root);
        t_jansson += now_s() - t0;
    }
    if (!sink) return 1;
#endif
    printf("body %zu bytes, %d events, %d iterations\n", len, EVENTS, iters);
    printf("parse only:        %10.0f events/s  (%.3f ms/body)\n", ev / t_parse,
           t_parse * 1e3 / iters);
    printf("parse + validate:  %10.0f events/s  (%.3f ms/body)\n", ev / t_both,
           t_both * 1e3 / iters);
    printf("validate alone:    %10.0f events/s  (%.3f ms/body)\n", ev / t_valid,
           t_valid * 1e3 / iters);
#ifdef HAVE_JANSSON
    printf("jansson parse+walk:%10.0f events/s  (%.3f ms/body)  simdjson parse is %.1fx faster\n",
           ev / t_jansson, t_jansson * 1e3 / iters, t_jansson / t_parse);
#endif
    arena_free(&a);
    free(body);
    return 0;
}

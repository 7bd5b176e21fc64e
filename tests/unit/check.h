/* The unit tests' checks: CHECK records a failure and goes on, REQUIRE
 * stops the test.  Both take an optional printf-style note:
 *   CHECK(n == 3);  CHECK(n == 3, "case %zu", i);
 * Each test ends with `return failures != 0;` after printing its summary. */
#ifndef SLUICE_TEST_CHECK_H
#define SLUICE_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int failures, checks;

__attribute__((format(printf, 5, 6))) static inline void
check_report(const char *what, const char *file, int line, const char *expr, const char *fmt,
             ...) {
    va_list ap;
    fprintf(stderr, "%s:%d: %s: %s:", file, line, what, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* " " __VA_ARGS__ joins the note's format to a one-space prefix, so a
 * CHECK without a note still passes a valid (non-empty) format. */
#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            check_report("CHECK failed", __FILE__, __LINE__, #cond, " " __VA_ARGS__); \
        }                                                                             \
    } while (0)

#define REQUIRE(cond, ...)                                                              \
    do {                                                                                \
        checks++;                                                                       \
        if (!(cond)) {                                                                  \
            check_report("REQUIRE failed", __FILE__, __LINE__, #cond, " " __VA_ARGS__); \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

#endif

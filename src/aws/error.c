#include "error.h"
#include <stdarg.h>
#include <stdio.h>

int aws_errf(struct aws_err *e, int http, const char *code, const char *fmt, ...) {
    va_list ap;
    e->http = http;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return C_ERR;
}

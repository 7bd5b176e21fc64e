/* The error every layer fills: an AWS error code, the HTTP status it maps to,
 * and AWS's message text.  Protocol codecs (JSON 1.1, Query/XML, REST-XML)
 * render it in their own shape. */
#ifndef SLUICE_AWS_ERROR_H
#define SLUICE_AWS_ERROR_H

#include "../core/common.h"

struct aws_err {
    int http;           /* 400, 403, 404, 500, ... */
    const char *code;   /* static string: "ResourceNotFoundException" */
    char msg[8192];     /* AWS validation messages can run to kilobytes */
};

/* Fill e and return C_ERR, so handlers can `return aws_errf(...)`. */
int aws_errf(struct aws_err *e, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Common shorthands (HTTP 400 unless noted). */
#define ERR_INVALID_PARAM "InvalidParameterException"
#define ERR_NOT_FOUND "ResourceNotFoundException"
#define ERR_EXISTS "ResourceAlreadyExistsException"
#define ERR_LIMIT "LimitExceededException"
#define ERR_SERIALIZATION "SerializationException"
#define ERR_VALIDATION "ValidationException"
#define ERR_CONFLICT "ConflictException"
#define ERR_ACCESS_DENIED "AccessDeniedException"
#define ERR_UNKNOWN_OP "UnknownOperationException"
#define ERR_SERVICE_UNAVAILABLE "ServiceUnavailableException" /* 503 */
#define ERR_INTERNAL "InternalFailure"                         /* 500 */

#endif

/* CloudWatch Logs filter patterns ("Filter pattern syntax for metric filters,
 * subscription filters, filter log events, and Live Tail"): compile once,
 * match many messages.
 *
 * Three syntaxes, told apart by the first non-blank character:
 *   - '{'  JSON:            { $.a.b[0] = "x*" && ($.n >= 5 || $.f IS TRUE) }
 *   - '['  space-delimited: [ip, user, ..., status = 4* || status = 500, bytes > 1000]
 *   - else unstructured terms: ERROR "exact phrase" -excluded ?optional %regex%
 * An empty or all-blank pattern matches every message.
 *
 * Semantics follow AWS as observed through TestMetricFilter/FilterLogEvents,
 * not only the prose docs (filter.c says where the two disagree).
 *
 * Errors (C_ERR, 400 InvalidParameterException) carry AWS's messages, e.g.
 * "Invalid filter pattern" or "Invalid character(s) in term '*'".  AWS words
 * the generic one "Invalid metric filter pattern" for PutMetricFilter and
 * TestMetricFilter; those callers can compare e->msg with
 * FILTER_MSG_INVALID and substitute. */
#ifndef SLUICE_LOGS_FILTER_H
#define SLUICE_LOGS_FILTER_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../aws/error.h"

#define FILTER_MSG_INVALID "Invalid filter pattern"

struct filter;

/* Compile pattern (len bytes, UTF-8; need not be NUL-terminated).  The
 * compiled filter lives in `a` and is immutable, so one filter may be matched
 * from several threads at once (each with its own scratch arena). */
int filter_compile(struct arena *a, const char *pattern, size_t len, struct filter **out,
                   struct aws_err *e);

/* Does the message match?  scratch is an arena the matcher may allocate from
 * (JSON trees, token tables, regex match data); the caller resets it. */
bool filter_match(const struct filter *f, const char *msg, size_t len, struct arena *scratch);

#endif

/* Sluice — common conventions.
 *
 * Every fallible function returns C_OK (0) or C_ERR (-1). Functions that can
 * fail in a way a client must see take a `struct aws_err *` (src/aws/error.h)
 * and fill it on C_ERR; the caller owns the struct (usually on its stack).
 *
 * Memory: request-scoped data lives in a `struct arena` (src/core/arena.h)
 * that is freed as a whole when the request completes.  Functions that
 * allocate from an arena say so in their comment; nothing allocated from an
 * arena is ever free()d individually. */
#ifndef SLUICE_COMMON_H
#define SLUICE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define C_OK 0
#define C_ERR (-1)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t now_ms(void);

#endif

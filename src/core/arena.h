/* Bump allocator whose lifetime is one request (or one other unit of work).
 * Allocation never fails: on out-of-memory the process aborts, as with
 * Redis' zmalloc.  Everything is released by arena_free(). */
#ifndef SLUICE_ARENA_H
#define SLUICE_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head;   /* current block, linked to older ones */
    size_t block_size;          /* default size of the next block */
};

void arena_init(struct arena *a, size_t block_size);
void arena_free(struct arena *a);
/* 16-byte aligned, uninitialised. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
/* NUL-terminated copies. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Room for one more element in an arena-backed array of n elements of size
 * elem: returns arr itself while n < *cap, else a copy with twice the room
 * (*cap updated; the old copy stays in the arena until it is freed). */
void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t elem);
#define ARENA_PUSH(a, arr, n, cap) \
    ((arr) = arena_grow((a), (arr), (n), &(cap), sizeof(*(arr))), &(arr)[(n)++])
char *arena_sprintf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

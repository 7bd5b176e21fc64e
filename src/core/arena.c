#include "arena.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *prev;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) { fputs("sluice: out of memory\n", stderr); abort(); }
    return p;
}

void arena_init(struct arena *a, size_t block_size) {
    a->head = NULL;
    a->block_size = block_size ? block_size : 16384;
}

void arena_free(struct arena *a) {
    struct arena_block *b = a->head;
    while (b) { struct arena_block *p = b->prev; free(b); b = p; }
    a->head = NULL;
}

void *arena_alloc(struct arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size / 2 ? n : a->block_size;
        struct arena_block *nb = xmalloc(sizeof(*nb) + sz);
        nb->size = sz;
        nb->used = 0;
        if (b && sz == n) {
            /* Big one-off allocation: put it behind the current block so
             * the current block's free space stays usable. */
            nb->prev = b->prev;
            b->prev = nb;
            nb->used = n;
            return nb->data;
        }
        nb->prev = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *arena_calloc(struct arena *a, size_t n) {
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(struct arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_sprintf(struct arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void *arena_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t elem) {
    if (arr && n < *cap) return arr;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc <= n) nc *= 2;
    void *na = arena_alloc(a, nc * elem);
    if (arr && n) memcpy(na, arr, n * elem);
    *cap = nc;
    return na;
}

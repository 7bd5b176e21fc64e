/* The router's in-memory index of deliveries by (resource ARN, log type)
 * (router.h).  A chained hash table that doubles when it is as full as it is
 * wide; each key holds a small array of routes.  Keys and arrays are heap
 * memory owned by the table. */
#include "router.h"

#include "../store/store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    uint64_t hash;
    struct dlv_route *routes;
    size_t n, cap;
    size_t keylen;
    char key[];              /* resource ARN, NUL, log type, NUL: in the node, so a
                                probe touches one allocation, not two */
};

static struct {
    pthread_rwlock_t lock;
    struct node **buckets;
    size_t nbuckets;         /* a power of two (0 before the first add) */
    size_t nkeys, nroutes;
} g = {.lock = PTHREAD_RWLOCK_INITIALIZER};

/* FNV-1a over the key's bytes. */
static uint64_t hash_key(const char *k, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    return h;
}

/* The key "arn\0type\0" in buf (heap when it does not fit; *heap says). */
static char *make_key(const char *arn, const char *type, char *buf, size_t bufn, size_t *len,
                      bool *heap) {
    size_t al = strlen(arn), tl = strlen(type);
    *len = al + 1 + tl + 1;
    char *k = buf;
    *heap = *len > bufn;
    if (*heap && !(k = malloc(*len))) abort();
    memcpy(k, arn, al + 1);
    memcpy(k + al + 1, type, tl + 1);
    return k;
}

static struct node *find(uint64_t h, const char *key, size_t len) {
    if (!g.nbuckets) return NULL;
    for (struct node *nd = g.buckets[h & (g.nbuckets - 1)]; nd; nd = nd->next)
        if (nd->hash == h && nd->keylen == len && memcmp(nd->key, key, len) == 0) return nd;
    return NULL;
}

static void grow(void) {
    size_t nb = g.nbuckets ? g.nbuckets * 2 : 1024;
    struct node **b = calloc(nb, sizeof *b);
    if (!b) abort();
    for (size_t i = 0; i < g.nbuckets; i++) {
        for (struct node *nd = g.buckets[i], *next; nd; nd = next) {
            next = nd->next;
            nd->next = b[nd->hash & (nb - 1)];
            b[nd->hash & (nb - 1)] = nd;
        }
    }
    free(g.buckets);
    g.buckets = b;
    g.nbuckets = nb;
}

/* Add under the write lock. */
static void add_locked(const struct dlv_delivery *d) {
    char buf[512];
    size_t len;
    bool heap;
    char *key = make_key(d->resource_arn, d->log_type, buf, sizeof buf, &len, &heap);
    uint64_t h = hash_key(key, len);
    struct node *nd = find(h, key, len);
    if (!nd) {
        if (g.nkeys >= g.nbuckets) grow();
        if (!(nd = calloc(1, sizeof *nd + len))) abort();
        memcpy(nd->key, key, len);
        nd->keylen = len;
        nd->hash = h;
        nd->next = g.buckets[h & (g.nbuckets - 1)];
        g.buckets[h & (g.nbuckets - 1)] = nd;
        g.nkeys++;
    }
    if (heap) free(key);
    for (size_t i = 0; i < nd->n; i++)
        if (strcmp(nd->routes[i].id, d->id) == 0) return;   /* already indexed */
    if (nd->n == nd->cap) {
        nd->cap = nd->cap ? nd->cap * 2 : 2;
        if (!(nd->routes = realloc(nd->routes, nd->cap * sizeof *nd->routes))) abort();
    }
    struct dlv_route *r = &nd->routes[nd->n++];
    memset(r, 0, sizeof *r);
    strncpy(r->id, d->id, sizeof r->id - 1);
    strncpy(r->account, d->account_id, sizeof r->account - 1);
    r->model = d->model;
    g.nroutes++;
}

static void free_locked(void) {
    for (size_t i = 0; i < g.nbuckets; i++) {
        for (struct node *nd = g.buckets[i], *next; nd; nd = next) {
            next = nd->next;
            free(nd->routes);
            free(nd);
        }
    }
    free(g.buckets);
    g.buckets = NULL;
    g.nbuckets = g.nkeys = g.nroutes = 0;
}

static bool load_one(void *ctx, const struct dlv_delivery *d) {
    add_locked(d);
    return true;
}

int dlv_router_load(struct store *st) {
    pthread_rwlock_wrlock(&g.lock);
    free_locked();
    int rc = st->ops->dlv_scan(st, load_one, NULL);
    pthread_rwlock_unlock(&g.lock);
    return rc;
}

void dlv_router_free(void) {
    pthread_rwlock_wrlock(&g.lock);
    free_locked();
    pthread_rwlock_unlock(&g.lock);
}

void dlv_router_add(const struct dlv_delivery *d) {
    pthread_rwlock_wrlock(&g.lock);
    add_locked(d);
    pthread_rwlock_unlock(&g.lock);
}

void dlv_router_remove(const char *arn, const char *type, const char *id) {
    char buf[512];
    size_t len;
    bool heap;
    char *key = make_key(arn, type, buf, sizeof buf, &len, &heap);
    uint64_t h = hash_key(key, len);
    pthread_rwlock_wrlock(&g.lock);
    struct node *nd = find(h, key, len);
    for (size_t i = 0; nd && i < nd->n; i++) {
        if (strcmp(nd->routes[i].id, id) != 0) continue;
        nd->routes[i] = nd->routes[--nd->n];
        g.nroutes--;
        break;
    }
    /* An emptied key stays (a later delivery for it reuses the node). */
    pthread_rwlock_unlock(&g.lock);
    if (heap) free(key);
}

size_t dlv_router_lookup(const char *arn, const char *type, struct dlv_route *out, size_t max) {
    char buf[512];
    size_t len;
    bool heap;
    char *key = make_key(arn, type, buf, sizeof buf, &len, &heap);
    uint64_t h = hash_key(key, len);
    pthread_rwlock_rdlock(&g.lock);
    struct node *nd = find(h, key, len);
    size_t n = nd ? nd->n : 0;
    if (nd) memcpy(out, nd->routes, (n < max ? n : max) * sizeof *out);
    pthread_rwlock_unlock(&g.lock);
    if (heap) free(key);
    return n;
}

size_t dlv_router_count(void) {
    pthread_rwlock_rdlock(&g.lock);
    size_t n = g.nroutes;
    pthread_rwlock_unlock(&g.lock);
    return n;
}

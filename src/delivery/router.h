/* The router's index: every delivery (V1 and V2) by its routing key
 * (resource ARN, log type), in memory, so finding the deliveries of a
 * record costs one hash probe whatever the number of sources (the store's
 * indexed dlv_route stays the source of truth).  Built from the store at
 * start-up (dlv_router_load) and kept current by the control plane's
 * writes in this process.  Thread-safe (a read-write lock); lookups copy
 * entries out, so no lock is held by callers.
 *
 * Scale-out note: with several nodes on one shared store, each node's
 * index must follow the others' writes (a store change counter to poll);
 * not built yet — one process owns its store today. */
#ifndef SLUICE_DELIVERY_ROUTER_H
#define SLUICE_DELIVERY_ROUTER_H

#include "../core/common.h"

struct store;
struct dlv_delivery;

struct dlv_route {
    char id[17];          /* the delivery's id (16 characters) */
    char account[13];     /* the account that owns it */
    int model;            /* 1: V1 log delivery, 2: V2 delivery */
};

/* (Re)build the index from every delivery in the store. */
int dlv_router_load(struct store *st);
/* Drop the index (shutdown, tests). */
void dlv_router_free(void);
/* A delivery was created / deleted (no-op for one not indexed). */
void dlv_router_add(const struct dlv_delivery *d);
void dlv_router_remove(const char *resource_arn, const char *log_type, const char *id);
/* The deliveries of (resource_arn, log_type): copies up to max entries into
 * out and returns how many there are in all. */
size_t dlv_router_lookup(const char *resource_arn, const char *log_type, struct dlv_route *out,
                         size_t max);
/* Number of deliveries indexed. */
size_t dlv_router_count(void);

#endif

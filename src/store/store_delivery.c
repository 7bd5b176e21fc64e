/* Delivery plane objects (store.h "Delivery plane"): placeholder until the
 * tables land. */
#include "store_sqlite.h"

int store_delivery_init(sqlite3 *db, char *err, size_t errlen) { return C_OK; }
void store_delivery_ops(struct store_ops *o) {}

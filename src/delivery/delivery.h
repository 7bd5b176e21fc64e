/* The delivery plane's control plane: the V2 delivery API (delivery
 * sources, destinations, destination policies, deliveries, configuration
 * templates) and V1 log deliveries, served as CloudWatch Logs operations
 * (registered under "logs" with service_register_ops). */
#ifndef SLUICE_DELIVERY_H
#define SLUICE_DELIVERY_H

#include "../aws/call.h"

/* Register the delivery operations with the dispatcher (once, at start-up,
 * after catalog_load). */
int dlv_api_register(void);
/* --delivery-conflicts aws: answer concurrent changes to one delivery
 * source or destination with ConflictException as AWS does (default: wait). */
void dlv_set_conflict_mode(bool aws);

/* api_templates.c */
int dlv_DescribeConfigurationTemplates(struct call *c);

#endif

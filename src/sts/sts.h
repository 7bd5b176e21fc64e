/* AWS STS (Query protocol): GetCallerIdentity and AssumeRole. */
#ifndef SLUICE_STS_STS_H
#define SLUICE_STS_STS_H

/* The service (Query protocol): main registers it with
 * dispatch_register_service. */
struct service_def;
extern const struct service_def sts_service;

/* Shortest session AssumeRole grants, in seconds: AWS's 900 unless the
 * test-only `serve --sts-min-duration-seconds N` lowers it (so a test can
 * watch a 2-second session expire). */
extern int sts_min_duration_s;

#endif

/* The log-source catalog: which services vend which log types from which
 * resources, to which destinations, under which permission model, with
 * which fields, formats, delimiters and S3 paths.  It is data, not code:
 * catalog/aws.catalog (compiled into the binary, parsed at start-up) plus
 * an operator's own file (`sluice serve --catalog FILE`), which adds
 * services that are first-class everywhere (PutDeliverySource, V1 log
 * deliveries, DescribeConfigurationTemplates, the engine, the samples).
 *
 * Layer: above core and json only.  The loaded catalog is immutable and
 * shared by every thread; all pointers stay valid until catalog_free(). */
#ifndef SLUICE_CATALOG_H
#define SLUICE_CATALOG_H

#include "../core/common.h"

struct jw;

/* Destination types, in DescribeConfigurationTemplates' spelling. */
enum cat_dest { CAT_CWL, CAT_S3, CAT_FH, CAT_XRAY, CAT_NDEST };
extern const char *const CAT_DEST_NAME[CAT_NDEST];   /* "CWL", "S3", "FH", "XRAY" */
/* "CWL" -> CAT_CWL ...; -1 if unknown. */
int cat_dest_parse(const char *name);

/* The permission models of one (log type, destination) cell, as bits; 0 is
 * "not supported".  A cell may carry more than one model: CloudFront's
 * ACCESS_LOGS to S3 is V1 in the seed (legacy standard logging) and V2 today. */
#define CAT_MODEL_SELF 1u   /* the seed's plain "Supported": the service writes with
                               its own IAM identity; no delivery objects */
#define CAT_MODEL_V1 2u     /* "Supported [V1 Permissions]": CreateLogDelivery */
#define CAT_MODEL_V2 4u     /* "Supported [V2 Permissions]": delivery source/destination */

struct cat_field {
    const char *name;       /* "cs(Host)", "srcaddr", ... */
    bool mandatory;         /* must appear in recordFields */
    const char *type;       /* "string" (default), "int", "long", "double", "boolean",
                               "timestamp": Parquet column types (issue 10) */
};

/* One deliverySourceConfiguration key (DeliverySourceConfigurationSchema). */
struct cat_srccfg {
    const char *key;
    const char *value_type;           /* string | boolean | int | double | long */
    const char *default_value;
    const char *const *supported;     /* NULL-free list, nsupported entries (0: any) */
    size_t nsupported;
    bool has_min, has_max;
    double min, max;
};

/* One (log type, destination type) cell. */
struct cat_cell {
    unsigned models;                  /* CAT_MODEL_* bits; 0 = unsupported */
    const char *const *formats;       /* allowed output formats (parquet: S3 only) */
    size_t nformats;
    const char *default_format;       /* what V1 deliveries and the engine use by default */
    const char *const *delimiters;    /* allowed field delimiters ("" allowed) */
    size_t ndelimiters;
    const char *default_delimiter;    /* NULL: none */
    const char *const *default_fields;/* default recordFields (ordered) */
    size_t ndefault_fields;
    /* S3 only: */
    const char *suffix_path;          /* default suffixPath, e.g. "AWSLogs/{account-id}/CloudFront/" */
    bool hive_default;
    const char *const *suffix_fields; /* allowedSuffixPathFields */
    size_t nsuffix_fields;
};

struct cat_service;
struct cat_resource {
    const char *type;                 /* resourceType: "distribution", "loadbalancer", ... */
    const char *arn_pattern;          /* arn:aws:cloudfront::{account}:distribution/{id}:
                                         {region} {account} match one ARN component,
                                         {id} / {name} one or more characters */
};

struct cat_log_type {
    const char *name;                 /* "ACCESS_LOGS" */
    const struct cat_service *svc;
    int seed_row;                     /* row of the seed table (1..59); 0: not in the seed */
    const char *title;                /* human name ("CloudFront access logs") */
    const struct cat_resource *const *resources;   /* resource types that vend it */
    size_t nresources;
    const struct cat_field *fields;   /* allowedFields, in order */
    size_t nfields;
    struct cat_cell cell[CAT_NDEST];
    const struct cat_srccfg *srccfg;  /* deliverySourceConfiguration schema */
    size_t nsrccfg;
    /* CAT_MODEL_SELF cells (issue 10): the service's own log group naming,
     * e.g. "/aws/lambda/{name}"; NULL when undocumented. */
    /* The name AWS writes in V1 S3 keys and file names in place of the
     * service ("vpcflowlogs" for VPC flow logs); NULL: the service's. */
    const char *key_name;
    /* The log stream V1/V2 deliveries to CloudWatch Logs write, as the
     * service names it ("{region}_{id}_0" for WAF); NULL: "{id}_{log-type}". */
    const char *stream_name;
    const char *self_group;
    const char *self_stream;
};

struct cat_service {
    const char *name;                 /* ARN namespace: "cloudfront" */
    const char *title;                /* "Amazon CloudFront" */
    const char *allow_action;         /* "cloudfront:AllowVendedLogDeliveryForResource", or NULL
                                         when the service does not require it */
    const char *principal;            /* the service principal its SELF cells write as (a
                                         role trusting it); NULL: NAME.amazonaws.com */
    const char *owner_account;        /* custom services: the account that produces
                                         (PutVendedLogEvents); NULL: the admin account */
    bool custom;                      /* from the operator's file */
    const struct cat_resource *resources;
    size_t nresources;
    const struct cat_log_type *log_types;
    size_t nlog_types;
    const char *file;                 /* where it was defined (messages) */
    int line;
};

struct catalog {
    const struct cat_service *services;   /* sorted by name */
    size_t nservices;
    size_t nlog_types;                    /* over all services */
    void *priv;                           /* catalog.c: its memory and source texts */
};

/* catalog/aws.catalog, compiled in by cmake/embed_catalog.cmake (NUL-terminated). */
extern const char sluice_catalog_text[];
extern const size_t sluice_catalog_len;
#define CAT_BUILTIN_FILE "aws.catalog"

/* Parse the built-in catalog and, if custom_path is not NULL, the
 * operator's file, into the process-wide catalog.  On a bad file: C_ERR and
 * err = "FILE:LINE: problem".  Call once at start-up (not thread-safe). */
int catalog_load(const char *custom_path, char *err, size_t errlen);
/* Parse text (named `file` in messages) into a new catalog, on top of
 * `base` (NULL: empty); for tests and for catalog_load. */
int catalog_parse(const char *file, const char *text, size_t len, const struct catalog *base,
                  struct catalog **out, char *err, size_t errlen);
void catalog_free(struct catalog *cat);
/* The process-wide catalog (catalog_load), or NULL before it. */
const struct catalog *catalog_get(void);
/* Make cat the process-wide catalog (tests); returns the previous one. */
const struct catalog *catalog_set(const struct catalog *cat);

const struct cat_service *cat_service(const struct catalog *cat, const char *name);
const struct cat_log_type *cat_log_type(const struct cat_service *svc, const char *name);
/* The service and resource type an ARN belongs to (by namespace, then the
 * resource pattern that matches — the most specific one, i.e. with the most
 * literal characters, when several do); NULL when no catalog service vends
 * logs for it. */
const struct cat_resource *cat_resource_for_arn(const struct catalog *cat, const char *arn,
                                                const struct cat_service **svc);
/* Whether lt is vended by resource type res. */
bool cat_log_type_has_resource(const struct cat_log_type *lt, const struct cat_resource *res);
/* The field of lt named name, or NULL. */
const struct cat_field *cat_field(const struct cat_log_type *lt, const char *name);
/* Whether s is in the list. */
bool cat_list_has(const char *const *list, size_t n, const char *s);
/* Whether arn matches a resource pattern ({region} {account} {id} {name}). */
bool cat_arn_match(const char *pattern, const char *arn);
/* permissionModel of `sluice catalog --json`: "V1", "V2", "V1,V2",
 * "SERVICE_IDENTITY" (SELF), "SERVICE_IDENTITY,V2", ...; "" for 0. */
const char *cat_models_str(unsigned models);

/* One ConfigurationTemplate object (DescribeConfigurationTemplates' shape)
 * for (lt, res, dest); with_model adds "permissionModel" (`sluice catalog
 * --json`: "V1", "V2", "V1,V2" or "SERVICE_IDENTITY") and, for SELF cells,
 * Sluice's "serviceLogGroup" / "serviceLogStream" (self_group/self_stream). */
void cat_write_template(struct jw *w, const struct cat_log_type *lt,
                        const struct cat_resource *res, enum cat_dest dest, bool with_model);

/* `sluice catalog [--json] [--catalog FILE]`: print the catalog as a table
 * or as {"configurationTemplates":[...]} with every cell. */
int catalog_cmd(int argc, char **argv);

#endif

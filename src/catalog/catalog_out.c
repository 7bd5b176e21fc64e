/* The catalog as others see it: ConfigurationTemplate objects
 * (DescribeConfigurationTemplates, `sluice catalog --json`) and the
 * `sluice catalog` table. */
#include "catalog.h"

#include "../core/buf.h"
#include "../json/json.h"

#include <stdio.h>
#include <string.h>

static void write_list(struct jw *w, const char *key, const char *const *l, size_t n) {
    jw_key(w, key);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) jw_str(w, l[i]);
    jw_arr_end(w);
}

void cat_write_template(struct jw *w, const struct cat_log_type *lt,
                        const struct cat_resource *res, enum cat_dest dest, bool with_model) {
    const struct cat_cell *c = &lt->cell[dest];
    jw_obj_begin(w);
    jw_key(w, "service");
    jw_str(w, lt->svc->name);
    jw_key(w, "logType");
    jw_str(w, lt->name);
    jw_key(w, "resourceType");
    jw_str(w, res->type);
    jw_key(w, "deliveryDestinationType");
    jw_str(w, CAT_DEST_NAME[dest]);
    if (with_model) {
        jw_key(w, "permissionModel");
        jw_str(w, cat_models_str(c->models));
        /* Sluice's own members, beside permissionModel: the seed table's
         * row (0: not in the seed) and the resource type's ARN pattern, so
         * tools can walk the table without parsing the data file. */
        jw_key(w, "seedRow");
        jw_int(w, lt->seed_row);
        jw_key(w, "resourceArnPattern");
        jw_str(w, res->arn_pattern);
    }
    jw_key(w, "defaultDeliveryConfigValues");
    jw_obj_begin(w);
    if (dest != CAT_XRAY) write_list(w, "recordFields", c->default_fields, c->ndefault_fields);
    if (c->default_delimiter) {
        jw_key(w, "fieldDelimiter");
        jw_str(w, c->default_delimiter);
    }
    if (dest == CAT_S3) {
        jw_key(w, "s3DeliveryConfiguration");
        jw_obj_begin(w);
        if (c->suffix_path) {
            jw_key(w, "suffixPath");
            jw_str(w, c->suffix_path);
        }
        jw_key(w, "enableHiveCompatiblePath");
        jw_bool(w, c->hive_default);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    if (dest != CAT_XRAY) {
        jw_key(w, "allowedFields");
        jw_arr_begin(w);
        for (size_t i = 0; i < lt->nfields; i++) {
            jw_obj_begin(w);
            jw_key(w, "name");
            jw_str(w, lt->fields[i].name);
            jw_key(w, "mandatory");
            jw_bool(w, lt->fields[i].mandatory);
            jw_obj_end(w);
        }
        jw_arr_end(w);
        write_list(w, "allowedOutputFormats", c->formats, c->nformats);
    }
    if (lt->svc->allow_action) {
        jw_key(w, "allowedActionForAllowVendedLogsDeliveryForResource");
        jw_str(w, lt->svc->allow_action);
    }
    if (c->ndelimiters) write_list(w, "allowedFieldDelimiters", c->delimiters, c->ndelimiters);
    if (dest == CAT_S3) write_list(w, "allowedSuffixPathFields", c->suffix_fields, c->nsuffix_fields);
    if (lt->nsrccfg) {
        jw_key(w, "deliverySourceConfiguration");
        jw_arr_begin(w);
        for (size_t i = 0; i < lt->nsrccfg; i++) {
            const struct cat_srccfg *s = &lt->srccfg[i];
            jw_obj_begin(w);
            jw_key(w, "keyName");
            jw_str(w, s->key);
            jw_key(w, "valueType");
            jw_str(w, s->value_type);
            jw_key(w, "defaultValue");
            jw_str(w, s->default_value);
            if (s->nsupported) write_list(w, "supportedValues", s->supported, s->nsupported);
            if (s->has_min) {
                jw_key(w, "minValue");
                jw_dbl(w, s->min);
            }
            if (s->has_max) {
                jw_key(w, "maxValue");
                jw_dbl(w, s->max);
            }
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    if (with_model && (c->models & CAT_MODEL_SELF)) {
        /* Who writes a SELF cell: a role trusting this principal. */
        jw_key(w, "servicePrincipal");
        if (lt->svc->principal) {
            jw_str(w, lt->svc->principal);
        } else {
            char p[300];
            snprintf(p, sizeof p, "%s.amazonaws.com", lt->svc->name);
            jw_str(w, p);
        }
    }
    if (with_model && (lt->self_group || lt->self_stream) && (c->models & CAT_MODEL_SELF)) {
        /* Sluice's own addition: where the service itself writes. */
        if (lt->self_group) {
            jw_key(w, "serviceLogGroup");
            jw_str(w, lt->self_group);
        }
        if (lt->self_stream) {
            jw_key(w, "serviceLogStream");
            jw_str(w, lt->self_stream);
        }
    }
    jw_obj_end(w);
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: sluice catalog [--json] [--catalog FILE]\n"
            "Prints the log-source catalog: every service, log type and resource type\n"
            "with its CloudWatch Logs, S3, Firehose and X-Ray cells (SELF: the service\n"
            "writes with its own identity; V1: CreateLogDelivery; V2: delivery sources).\n"
            "--json prints {\"configurationTemplates\":[...]}, one template per cell of\n"
            "every model, with permissionModel, seedRow and resourceArnPattern.\n"
            "--catalog adds an operator's file\n"
            "(format: catalog/FORMAT.md).\n");
}

static const char *cell_str(const struct cat_cell *c) {
    static const char *const S[8] = {"-", "SELF", "V1", "SELF+V1", "V2", "SELF+V2", "V1+V2",
                                     "SELF+V1+V2"};
    return S[c->models & 7];
}

int catalog_cmd(int argc, char **argv) {
    bool json = false;
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (strcmp(argv[i], "--catalog") == 0 && i + 1 < argc) file = argv[++i];
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    char err[1024];
    if (catalog_load(file, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice: catalog: %s\n", err);
        return 2;
    }
    const struct catalog *cat = catalog_get();
    if (json) {
        struct buf b;
        buf_init(&b);
        struct jw w;
        jw_init(&w, &b);
        jw_obj_begin(&w);
        jw_key(&w, "configurationTemplates");
        jw_arr_begin(&w);
        for (size_t s = 0; s < cat->nservices; s++)
            for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
                const struct cat_log_type *lt = &cat->services[s].log_types[l];
                for (size_t r = 0; r < lt->nresources; r++)
                    for (int d = 0; d < CAT_NDEST; d++)
                        if (lt->cell[d].models)
                            cat_write_template(&w, lt, lt->resources[r], (enum cat_dest)d, true);
            }
        jw_arr_end(&w);
        jw_obj_end(&w);
        fwrite(b.p, 1, b.len, stdout);
        fputc('\n', stdout);
        buf_free(&b);
        return 0;
    }
    printf("%-4s %-22s %-40s %-34s %-5s %-6s %-5s %-4s\n", "ROW", "SERVICE", "LOG TYPE",
           "RESOURCE TYPES", "CWL", "S3", "FH", "XRAY");
    for (size_t s = 0; s < cat->nservices; s++)
        for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
            const struct cat_log_type *lt = &cat->services[s].log_types[l];
            char row[16], res[256];
            size_t o = 0;
            res[0] = 0;
            for (size_t r = 0; r < lt->nresources && o < sizeof res; r++)
                o += (size_t)snprintf(res + o, sizeof res - o, "%s%s", r ? "," : "",
                                      lt->resources[r]->type);
            if (lt->seed_row) snprintf(row, sizeof row, "%d", lt->seed_row);
            else snprintf(row, sizeof row, "%s", lt->svc->custom ? "c" : "-");
            printf("%-4s %-22s %-40s %-34s %-5s %-6s %-5s %-4s\n", row, lt->svc->name, lt->name,
                   res, cell_str(&lt->cell[CAT_CWL]), cell_str(&lt->cell[CAT_S3]),
                   cell_str(&lt->cell[CAT_FH]), cell_str(&lt->cell[CAT_XRAY]));
        }
    printf("%zu services, %zu log types (row: seed table row; -: not in the seed; c: custom)\n",
           cat->nservices, cat->nlog_types);
    return 0;
}

/* DescribeConfigurationTemplates: the V2 cells of the catalog, one template
 * per service x logType x resourceType x deliveryDestinationType, as AWS
 * lists them (V1 and service-identity cells are not delivery-API sources,
 * so AWS does not list them; `sluice catalog --json` shows those).
 *
 * Order: services by name, log types and resource types in catalog order,
 * destinations CWL, S3, FH, XRAY.  The page token carries the key of the
 * last template returned; the catalog never changes while the server runs,
 * so the next page starts right after it. */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

/* Whether s is among the strings of the JSON array member `key` of the
 * input; true when the member is absent (no filter). */
static bool filter_has(const struct call *c, const char *key, const char *s) {
    const struct jval *a = json_get(c->in, key);
    if (!a || a->t != J_ARR) return true;
    for (size_t i = 0; i < a->u.a.n; i++) {
        const char *v = json_str(&a->u.a.v[i]);
        if (v && strcmp(v, s) == 0) return true;
    }
    return false;
}

int dlv_DescribeConfigurationTemplates(struct call *c) {
    const struct catalog *cat = catalog_get();
    const char *after;
    size_t limit;
    if (dlv_page_in(c, &after, &limit) != C_OK) return C_ERR;
    if (limit < 1 || limit > 50) limit = 50;   /* the model validator keeps it 1-50 */
    const char *service = in_str(c, "service");

    struct jw *w = c->out;
    jw_key(w, "configurationTemplates");
    jw_arr_begin(w);
    size_t n = 0;
    bool started = after == NULL, more = false;
    char key[1024], last[1024] = "";
    for (size_t s = 0; cat && s < cat->nservices && !more; s++) {
        const struct cat_service *svc = &cat->services[s];
        if (service && strcmp(service, svc->name) != 0) continue;
        for (size_t l = 0; l < svc->nlog_types && !more; l++) {
            const struct cat_log_type *lt = &svc->log_types[l];
            if (!filter_has(c, "logTypes", lt->name)) continue;
            for (size_t r = 0; r < lt->nresources && !more; r++) {
                const struct cat_resource *res = lt->resources[r];
                if (!filter_has(c, "resourceTypes", res->type)) continue;
                for (int d = 0; d < CAT_NDEST; d++) {
                    if (!(lt->cell[d].models & CAT_MODEL_V2)) continue;
                    if (!filter_has(c, "deliveryDestinationTypes", CAT_DEST_NAME[d])) continue;
                    snprintf(key, sizeof key, "%s|%s|%s|%s", svc->name, lt->name, res->type,
                             CAT_DEST_NAME[d]);
                    if (!started) {
                        started = strcmp(key, after) == 0;
                        continue;
                    }
                    if (n == limit) {
                        more = true;
                        break;
                    }
                    cat_write_template(w, lt, res, (enum cat_dest)d, false);
                    snprintf(last, sizeof last, "%s", key);
                    n++;
                }
            }
        }
    }
    jw_arr_end(w);
    /* A token naming no template of this listing was not one we gave out
     * for these filters. */
    if (!started)
        return aws_errf(c->err, 400, ERR_VALIDATION, "The specified nextToken is invalid.");
    dlv_page_out(c, more, last);
    return C_OK;
}

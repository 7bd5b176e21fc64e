#include "arn.h"
#include <string.h>

const char *arn_field(struct arena *a, const char *arn, enum arn_field k) {
    const char *p = arn;
    for (int i = 0; i < (int)k; i++) {
        p = strchr(p, ':');
        if (!p) return "";
        p++;
    }
    const char *end = k < ARN_RESOURCE ? strchr(p, ':') : NULL;
    return end ? arena_strndup(a, p, (size_t)(end - p)) : arena_strdup(a, p);
}

#include "config/cfg4_ctx.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t pctx_push(pctx_t *p, const char *key)
{
    size_t old = p->plen;
    int n = snprintf(p->path + p->plen, sizeof p->path - p->plen, "/%s", key);
    if (n > 0 && (size_t)n < sizeof p->path - p->plen)
        p->plen += (size_t)n;
    return old;
}

size_t pctx_push_idx(pctx_t *p, size_t idx)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", idx);
    return pctx_push(p, buf);
}

void pctx_pop(pctx_t *p, size_t len)
{
    p->plen = len;
    p->path[len] = '\0';
}

int pctx_fail(pctx_t *p, const char *key, const char *fmt, ...)
{
    if (p->nerr++ >= PCTX_MAX_ERRORS)
        return NST_ECONFIG;
    size_t old = key ? pctx_push(p, key) : p->plen;
    char where[1200];
    jsonsrc_where(p->src, p->path, where, sizeof where);
    if (key)
        pctx_pop(p, old);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->nerr == 1 && p->errlen)
        snprintf(p->err, p->errlen, "%s: %s", where, msg);
    if (!p->collect)
        return NST_ECONFIG;
    size_t n = strlen(where) + strlen(msg) + 4;
    p->all = xrealloc(p->all, p->all_len + n + 1);
    p->all_len += (size_t)snprintf(p->all + p->all_len, n + 1, "%s%s: %s", p->all_len ? "\n" : "", where, msg);
    return NST_ECONFIG;
}

static bool listed(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (!strcmp(key, list[i]))
            return true;
    return false;
}

int pctx_check_keys2(pctx_t *p, json_t *obj, const char *what, const char *const *allowed,
                     const char *const *also)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (!strcmp(key, "comment") || !strcmp(key, "user-context") || listed(key, allowed) || listed(key, also))
            continue;
        pctx_fail_key(p, key, what, allowed, also);
    }
    return 0;
}

int pctx_check_keys(pctx_t *p, json_t *obj, const char *what, const char *const *allowed)
{
    return pctx_check_keys2(p, obj, what, allowed, NULL);
}

int pctx_get_bool(pctx_t *p, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return pctx_fail(p, key, "'%s' must be a boolean (true or false)", key);
    *out = json_is_true(v);
    return 0;
}

int pctx_get_u32(pctx_t *p, json_t *obj, const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return pctx_fail(p, key, "'%s' must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < (json_int_t)min || i > (json_int_t)max)
        return pctx_fail(p, key, "'%s' value %lld is out of range %u..%u", key, (long long)i, min, max);
    *out = (uint32_t)i;
    return 0;
}

int pctx_get_double(pctx_t *p, json_t *obj, const char *key, double min, double max, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_number(v))
        return pctx_fail(p, key, "'%s' must be a number", key);
    double d = json_number_value(v);
    if (isnan(d) || d < min || d > max)
        return pctx_fail(p, key, "'%s' value %g is out of range %g..%g", key, d, min, max);
    *out = d;
    return 0;
}

int pctx_get_str(pctx_t *p, json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return pctx_fail(p, key, "'%s' must be a string", key);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return pctx_fail(p, key, "'%s' must not contain NUL characters", key);
    free(*out);
    *out = xstrdup(json_string_value(v));
    return 0;
}

bool cfg_parse_ipv4(const char *text, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, text, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

int pctx_get_ipv4(pctx_t *p, json_t *obj, const char *key, uint32_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v) || !cfg_parse_ipv4(json_string_value(v), out))
        return pctx_fail(p, key, "'%s' must be an IPv4 address in dotted-decimal form", key);
    return 0;
}

int pctx_get_map(pctx_t *p, json_t *obj, const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_object(v))
        return pctx_fail(p, key, "'%s' must be a map", key);
    *out = v;
    return 0;
}

int pctx_get_list(pctx_t *p, json_t *obj, const char *key, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_array(v))
        return pctx_fail(p, key, "'%s' must be a list", key);
    *out = v;
    return 0;
}

const char *const cfg4_life_keys[] = {
    "valid-lifetime", "min-valid-lifetime", "max-valid-lifetime", "renew-timer", "rebind-timer",
    "calculate-tee-times", "t1-percent", "t2-percent", "allocator", NULL,
};

int cfg4_parse_life(pctx_t *p, json_t *obj, cfg_lifetimes_t *life)
{
    const uint32_t inf = UINT32_MAX;
    bool has_valid = json_object_get(obj, "valid-lifetime") != NULL;
    if (pctx_get_u32(p, obj, "valid-lifetime", 0, inf, &life->valid))
        return NST_ECONFIG;
    /* A bound set at this level or above it stays, as Kea 2.2 derives min-/max-valid-lifetime
     * into each level like any other key; a bound set nowhere follows this level's valid-lifetime
     * (parseIntTriplet), so unset bounds always equal valid. */
    if (has_valid && !life->has_valid_min)
        life->valid_min = life->valid;
    if (has_valid && !life->has_valid_max)
        life->valid_max = life->valid;
    if (pctx_get_u32(p, obj, "min-valid-lifetime", 0, inf, &life->valid_min) ||
        pctx_get_u32(p, obj, "max-valid-lifetime", 0, inf, &life->valid_max))
        return NST_ECONFIG;
    life->has_valid_min |= json_object_get(obj, "min-valid-lifetime") != NULL;
    life->has_valid_max |= json_object_get(obj, "max-valid-lifetime") != NULL;
    if (json_object_get(obj, "renew-timer")) {
        if (pctx_get_u32(p, obj, "renew-timer", 0, inf, &life->renew))
            return NST_ECONFIG;
        life->has_renew = true;
    }
    if (json_object_get(obj, "rebind-timer")) {
        if (pctx_get_u32(p, obj, "rebind-timer", 0, inf, &life->rebind))
            return NST_ECONFIG;
        life->has_rebind = true;
    }
    if (pctx_get_bool(p, obj, "calculate-tee-times", &life->calculate_tee_times) ||
        pctx_get_double(p, obj, "t1-percent", 0.0, 1.0, &life->t1_percent) ||
        pctx_get_double(p, obj, "t2-percent", 0.0, 1.0, &life->t2_percent))
        return NST_ECONFIG;
    json_t *al = json_object_get(obj, "allocator");
    if (al) {
        const char *a = json_string_value(al);
        if (a && !strcmp(a, "iterative"))
            life->allocator = CFG_ALLOC_ITERATIVE;
        else if (a && !strcmp(a, "random"))
            life->allocator = CFG_ALLOC_RANDOM;
        else
            return pctx_fail(p, "allocator", "'allocator' must be \"iterative\" or \"random\"");
    }
    if (life->valid_min > life->valid || life->valid > life->valid_max)
        return pctx_fail(p, "valid-lifetime",
                         "the valid lifetime %u must lie between min-valid-lifetime %u and max-valid-lifetime %u",
                         life->valid, life->valid_min, life->valid_max);
    if (life->has_renew && life->has_rebind && life->renew > life->rebind)
        return pctx_fail(p, "renew-timer", "renew-timer %u must not be greater than rebind-timer %u",
                         life->renew, life->rebind);
    if (life->t1_percent >= life->t2_percent && life->calculate_tee_times)
        return pctx_fail(p, "t1-percent", "t1-percent %g must be less than t2-percent %g",
                         life->t1_percent, life->t2_percent);
    return 0;
}

/* The remaining Dhcp4 parameters of Kea 2.2 that real configurations carry: reservation-mode
 * (deprecated, mapped as Kea maps it), store-extended-info, cache-threshold / cache-max-age, and
 * the global ones Nestor accepts with Kea's types (see cfg4.h). */
#include <stddef.h>
#include <string.h>

#include "config/cfg4_ctx.h"

const char *const cfg4_more_level_keys[] = {"reservation-mode", "store-extended-info", "cache-threshold",
                                            "cache-max-age", NULL};

int cfg4_parse_reservation_mode(pctx_t *p, json_t *obj, bool *global, bool *in_subnet, bool *out_of_pool)
{
    int r = 0;
    PCTX_STEP(r, pctx_get_bool(p, obj, "reservations-global", global));
    PCTX_STEP(r, pctx_get_bool(p, obj, "reservations-in-subnet", in_subnet));
    PCTX_STEP(r, pctx_get_bool(p, obj, "reservations-out-of-pool", out_of_pool));
    char *mode = NULL;
    PCTX_STEP(r, pctx_get_str(p, obj, "reservation-mode", &mode));
    if (!mode)
        return r;
    if (json_object_get(obj, "reservations-global") || json_object_get(obj, "reservations-in-subnet") ||
        json_object_get(obj, "reservations-out-of-pool"))
        r = pctx_fail(p, "reservation-mode", "'reservation-mode' (deprecated) and 'reservations-global', "
                      "'reservations-in-subnet' or 'reservations-out-of-pool' cannot be used together");
    else if (!strcmp(mode, "disabled"))
        *global = false, *in_subnet = false, *out_of_pool = false;
    else if (!strcmp(mode, "out-of-pool"))
        *global = false, *in_subnet = true, *out_of_pool = true;
    else if (!strcmp(mode, "global"))
        *global = true, *in_subnet = false, *out_of_pool = false;
    else if (!strcmp(mode, "all"))
        *global = false, *in_subnet = true, *out_of_pool = false;
    else
        r = pctx_fail(p, "reservation-mode", "invalid reservation-mode '%s' (expected disabled, out-of-pool, "
                      "global or all)", mode);
    free(mode);
    return r;
}

int cfg4_parse_extra(pctx_t *p, json_t *obj, cfg_extra4_t *x)
{
    int r = pctx_get_bool(p, obj, "store-extended-info", &x->store_extended_info);
    if (!r && json_object_get(obj, "cache-threshold")) {
        json_t *v = json_object_get(obj, "cache-threshold");
        double d = json_number_value(v);
        if (!json_is_number(v) || d <= 0.0 || d >= 1.0)
            r = pctx_fail(p, "cache-threshold", "'cache-threshold' must be a number greater than 0 and less than 1");
        else
            x->cache_threshold = d;
    }
    if (!r)
        r = pctx_get_u32(p, obj, "cache-max-age", 0, UINT32_MAX, &x->cache_max_age);
    return r;
}

int cfg4_parse_more_global(pctx_t *p, json_t *d)
{
    cfg4_t *c = p->cfg;
    int r = cfg4_parse_reservation_mode(p, d, &c->reservations_global, &c->reservations_in_subnet,
                                        &c->reservations_out_of_pool);
    if (!r)
        r = cfg4_parse_extra(p, d, &c->extra);
    static const struct {
        const char *key;
        size_t off;
    } flags[] = {{"reservations-lookup-first", offsetof(cfg4_t, reservations_lookup_first)},
                 {"early-global-reservations-lookup", offsetof(cfg4_t, early_global_reservations_lookup)}};
    for (size_t i = 0; !r && i < ARRAY_SIZE(flags); i++)
        r = pctx_get_bool(p, d, flags[i].key, (bool *)((char *)c + flags[i].off));
    if (!r)
        r = pctx_get_u32(p, d, "parked-packet-limit", 0, UINT32_MAX, &c->parked_packet_limit);
    json_t *m;
    if (!r)
        r = pctx_get_map(p, d, "compatibility", &m);
    if (!r && m) {
        static const char *const keys[] = {"lenient-option-parsing", NULL};
        size_t old = pctx_push(p, "compatibility");
        r = pctx_check_keys(p, m, "compatibility", keys);
        if (!r)
            r = pctx_get_bool(p, m, "lenient-option-parsing", &c->lenient_option_parsing);
        pctx_pop(p, old);
    }
    if (!r)
        r = pctx_get_map(p, d, "dhcp-queue-control", &m);
    if (!r && m) {
        /* Kea 2.2: enable-queue (required), queue-type (default kea-ring4, the only type it
         * registers: another fails its start), capacity (default 64, >= 0), and whatever else an
         * implementation may read. */
        char *type = NULL;
        size_t old = pctx_push(p, "dhcp-queue-control");
        if (!json_object_get(m, "enable-queue"))
            r = pctx_fail(p, NULL, "'dhcp-queue-control' requires 'enable-queue'");
        if (!r)
            r = pctx_get_bool(p, m, "enable-queue", &c->queue_enabled);
        if (!r)
            r = pctx_get_str(p, m, "queue-type", &type);
        if (!r && c->queue_enabled && type && strcmp(type, "kea-ring4"))
            r = pctx_fail(p, "queue-type", "the type of the packet queue '%s' is not supported (Kea 2.2 has "
                          "\"kea-ring4\")", type);
        if (!r)
            r = pctx_get_u32(p, m, "capacity", 0, UINT32_MAX, &c->queue_capacity);
        free(type);
        pctx_pop(p, old);
    }
    return r;
}

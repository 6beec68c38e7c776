/* DHCPv4's classification of a packet (see class4.h). */
#include "dhcp4/class4.h"

#include <stdio.h>
#include <string.h>

#include "log/log.h"

/* ---- the packet view the expressions read (eval/eval_view4.h) -------------------------------- */

static bool v_in_class(void *arg, unsigned index)
{
    return cls_set_has(&((const class4_t *)arg)->set, (int)index);
}

/* ---- the steps ------------------------------------------------------------------------------ */

static bool dropped(const class4_t *c)
{
    return c->dict->drop >= 0 && cls_set_has(&c->set, c->dict->drop);
}

static void log_classes(const class4_t *c)
{
    if (!nlog_enabled(NLOG_APP, NLOG_DEBUG, NLOG_DBG_TRACE) || (c->set.n < 2 && !c->vendor[0]))
        return;
    char who[160], list[768], rest[512];
    pkt4_describe(c->q, who, sizeof who);
    cls_set_describe(c->dict, &c->set, rest, sizeof rest);
    /* Kea's list names the vendor class too (after ALL) */
    bool unnamed = c->vendor[0] && cfg_classes_find(c->dict, c->vendor) < 0;
    snprintf(list, sizeof list, "%.3s%s%s%s", rest, unnamed ? ", " : "", unnamed ? c->vendor : "", rest + 3);
    nlog_write(NLOG_APP, NLOG_DEBUG, NLOG_DBG_TRACE, "DHCP4_CLASS_ASSIGNED",
               "%s: client packet has been assigned to the following class(es): %s", who, list);
}

bool class4_begin(class4_t *c, const cfg4_t *cfg, const srv4_iface_t *ifc, const pkt4_t *q, uint32_t src_ip,
                  uint32_t dst_ip, const char *ha_class)
{
    c->cfg = cfg;
    c->dict = cfg->classes;
    c->q = q;
    c->known_early = false;
    c->vendor[0] = '\0';
    cls_set_init(&c->set);
    c->vctx = (eval_view4_ctx_t){.iface = ifc->name, .src = src_ip, .dst = dst_ip, .in_class = v_in_class, .arg = c};
    eval_view4(&c->view, q, &c->vctx);
    if (!c->dict || c->dict->count == CFG_CLASS_BUILTIN_COUNT) {
        c->vctx.deferred_decoded = true;
        return false; /* no class is defined or used */
    }
    if (ha_class)
        cls_set_add(&c->set, cfg_classes_find(c->dict, ha_class));
    size_t n;
    const uint8_t *vc = pkt4_opt(q, PKT4_OPT_VENDOR_CLASS, &n);
    if (vc && n && n <= CFG_CLASS_NAME_MAX - 13) {
        memcpy(c->vendor, "VENDOR_CLASS_", 13);
        memcpy(c->vendor + 13, vc, n);
        c->vendor[13 + n] = '\0';
        cls_set_add(&c->set, cfg_classes_find_n(c->dict, c->vendor, 13 + n));
    }
    classify_run(c->dict, &c->set, &c->view, false);
    c->vctx.deferred_decoded = true; /* Kea's deferredUnpack follows its first classification */
    log_classes(c);
    return dropped(c);
}

bool class4_needs_host(const class4_t *c)
{
    return c->dict && c->dict->count > CFG_CLASS_BUILTIN_COUNT;
}

bool class4_host(class4_t *c, const cfg_host4_t *host)
{
    if (!c->dict || c->dict->count == CFG_CLASS_BUILTIN_COUNT)
        return false;
    if (host) {
        cls_set_add(&c->set, CFG_CLASS_KNOWN);
        cls_set_add_names(&c->set, c->dict, host->classes, host->class_count);
    } else if (!c->known_early) {
        cls_set_add(&c->set, CFG_CLASS_UNKNOWN);
    }
    if (c->dict->any_after_host) {
        classify_run(c->dict, &c->set, &c->view, true);
        log_classes(c);
    }
    return dropped(c);
}

void class4_required(class4_t *c, const cfg_subnet4_t *s, uint32_t addr)
{
    if (!c->dict || c->dict->count == CFG_CLASS_BUILTIN_COUNT || !s)
        return;
    if (s->network)
        classify_required(c->dict, &c->set, &c->view, s->network->cls.required, s->network->cls.required_count);
    classify_required(c->dict, &c->set, &c->view, s->cls.required, s->cls.required_count);
    for (size_t i = 0; addr && i < s->pool_count; i++)
        if (addr >= s->pools[i].first && addr <= s->pools[i].last)
            classify_required(c->dict, &c->set, &c->view, s->pools[i].cls.required, s->pools[i].cls.required_count);
}

const cfg_class_t *class4_first(const cls_set_t *s, const cfg_classes_t *d, enum class4_field f)
{
    for (size_t i = 0; d && i < s->n; i++) {
        const cfg_class_t *k = &d->items[s->order[i]];
        if ((f == CLASS4_NEXT_SERVER && k->next_server) || (f == CLASS4_SERVER_HOSTNAME && k->server_hostname) ||
            (f == CLASS4_BOOT_FILE && k->boot_file_name) || (f == CLASS4_VALID && k->has_valid))
            return k;
    }
    return NULL;
}

void class4_flex(class4_t *c, alloc4_req_t *req)
{
    size_t n = 0;
    if (!c->cfg->flex_id || eval_string(c->cfg->flex_id, &c->view, c->flex + 1, CFG_HOST_ID_MAX, &n) || !n)
        return;
    req->flex_id = c->flex + 1;
    req->flex_id_len = (uint8_t)n;
    if (c->cfg->flex_replace_client_id) {
        c->flex[0] = 0;
        req->client_id = c->flex;
        req->client_id_len = (uint8_t)(n + 1);
    }
}

bool class4_early_host(class4_t *c, const cfg_host4_t *host)
{
    if (!host || !c->dict)
        return false;
    c->known_early = true;
    if (host->class_count) {
        cls_set_add_names(&c->set, c->dict, host->classes, host->class_count);
        classify_run(c->dict, &c->set, &c->view, false);
    }
    cls_set_add(&c->set, CFG_CLASS_KNOWN);
    classify_run(c->dict, &c->set, &c->view, true);
    log_classes(c);
    return dropped(c);
}

/* DHCPv4's classification of a packet (see class4.h). */
#include "dhcp4/class4.h"

#include <arpa/inet.h>
#include <string.h>

#include "log/log.h"

/* ---- the packet view the expressions read -------------------------------------------------- */

static const class4_t *ctx_of(const eval_pkt_t *p)
{
    return p->arg;
}

static bool v_option(const eval_pkt_t *p, uint16_t code, const uint8_t **data, size_t *len)
{
    if (code > UINT8_MAX)
        return false;
    *data = pkt4_opt(ctx_of(p)->q, (uint8_t)code, len);
    return *data != NULL;
}

/* relay4[code]: a sub-option of the relay agent information option (82). */
static bool v_relay_option(const eval_pkt_t *p, int nest, uint16_t code, const uint8_t **data, size_t *len)
{
    size_t n;
    const uint8_t *rai = pkt4_opt(ctx_of(p)->q, PKT4_OPT_RAI, &n);
    if (!rai || nest != 0)
        return false;
    for (size_t i = 0; i + 2 <= n;) {
        uint8_t c = rai[i], l = rai[i + 1];
        if (i + 2 + l > n)
            return false;
        if (c == code) {
            *data = rai + i + 2;
            *len = l;
            return true;
        }
        i += 2 + (size_t)l;
    }
    return false;
}

static int put_u32(uint8_t *out, size_t cap, uint32_t v)
{
    if (cap < 4)
        return -1;
    v = htonl(v);
    memcpy(out, &v, 4);
    return 4;
}

static int v_field(const eval_pkt_t *p, enum eval_field f, uint8_t *out, size_t cap)
{
    const class4_t *c = ctx_of(p);
    const pkt4_t *q = c->q;
    switch (f) {
    case EVAL_PKT_IFACE: {
        size_t n = strlen(c->ifc->name);
        if (n > cap)
            n = cap;
        memcpy(out, c->ifc->name, n);
        return (int)n;
    }
    case EVAL_PKT_SRC: return put_u32(out, cap, c->src_ip);
    case EVAL_PKT_DST: return put_u32(out, cap, c->dst_ip);
    case EVAL_PKT_LEN: return put_u32(out, cap, (uint32_t)q->wire_len);
    case EVAL_PKT4_MAC: {
        size_t n = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
        if (n > cap)
            n = cap;
        memcpy(out, q->hdr.chaddr, n);
        return (int)n;
    }
    case EVAL_PKT4_HLEN: return cap ? (out[0] = q->hdr.hlen, 1) : -1;
    case EVAL_PKT4_HTYPE: return cap ? (out[0] = q->hdr.htype, 1) : -1;
    case EVAL_PKT4_CIADDR: return put_u32(out, cap, q->hdr.ciaddr);
    case EVAL_PKT4_GIADDR: return put_u32(out, cap, q->hdr.giaddr);
    case EVAL_PKT4_YIADDR: return put_u32(out, cap, q->hdr.yiaddr);
    case EVAL_PKT4_SIADDR: return put_u32(out, cap, q->hdr.siaddr);
    case EVAL_PKT4_MSGTYPE: return put_u32(out, cap, q->msg_type == PKT4_NOTYPE ? 0 : q->msg_type);
    case EVAL_PKT4_TRANSID: return put_u32(out, cap, q->hdr.xid);
    default: return -1;
    }
}

static bool v_in_class(const eval_pkt_t *p, unsigned index)
{
    return cls_set_has(&ctx_of(p)->set, (int)index);
}

/* ---- the steps ------------------------------------------------------------------------------ */

static bool dropped(const class4_t *c)
{
    return c->dict->drop >= 0 && cls_set_has(&c->set, c->dict->drop);
}

static void log_classes(const class4_t *c)
{
    if (!nlog_enabled(NLOG_DHCPSRV, NLOG_DEBUG, 45) || c->set.n < 2)
        return;
    char who[160], list[512];
    pkt4_describe(c->q, who, sizeof who);
    cls_set_describe(c->dict, &c->set, list, sizeof list);
    nlog_write(NLOG_DHCPSRV, NLOG_DEBUG, 45, "DHCP4_CLASS_ASSIGNED",
               "%s: client packet has been assigned to the following class(es): %s", who, list);
}

bool class4_begin(class4_t *c, const cfg4_t *cfg, const srv4_iface_t *ifc, const pkt4_t *q, uint32_t src_ip,
                  uint32_t dst_ip)
{
    c->cfg = cfg;
    c->dict = cfg->classes;
    c->q = q;
    c->ifc = ifc;
    c->src_ip = src_ip;
    c->dst_ip = dst_ip;
    c->flex_len = 0;
    cls_set_init(&c->set);
    c->view = (eval_pkt_t){.family = 4, .pkt = q, .arg = c, .option = v_option, .relay_option = v_relay_option,
                           .field = v_field, .in_class = v_in_class};
    if (!c->dict || c->dict->count == CFG_CLASS_BUILTIN_COUNT)
        return false; /* no class is defined or used */
    size_t n;
    const uint8_t *vc = pkt4_opt(q, PKT4_OPT_VENDOR_CLASS, &n);
    if (vc && n && n <= CFG_CLASS_NAME_MAX - 13) {
        char name[CFG_CLASS_NAME_MAX + 1] = "VENDOR_CLASS_";
        memcpy(name + 13, vc, n);
        cls_set_add(&c->set, cfg_classes_find_n(c->dict, name, 13 + n));
    }
    classify_run(c->dict, &c->set, &c->view, false);
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
    } else {
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
    c->flex_len = n;
    req->flex_id = c->flex + 1;
    req->flex_id_len = (uint8_t)n;
    if (c->cfg->flex_replace_client_id) {
        c->flex[0] = 0;
        req->client_id = c->flex;
        req->client_id_len = (uint8_t)(n + 1);
    }
}

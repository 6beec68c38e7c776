/* Vendor-identifying vendor-specific information (option 125, RFC 3925 §4) in replies, as Kea 2.2
 * builds it (Dhcpv4Srv::appendRequestedVendorOptions). */
#include <string.h>

#include "dhcp4/reply4.h"

#define VENDOR_CABLELABS 4491     /* DOCSIS; its sub-option 1 is the client's request list (ORO) */
#define DOCSIS_ORO 1

/* The first enterprise block of option 125 data, read as Kea's OptionVendor reads it: the
 * enterprise id, then a data-len octet and the sub-options inside it. false when malformed (Kea
 * then has no option 125 at all). An id without data-len has no sub-options. */
static bool vivso_parse(const uint8_t *d, size_t n, uint32_t *id, const uint8_t **subs, size_t *slen)
{
    if (n < 4)
        return false;
    *id = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    *subs = d + 4;
    *slen = 0;
    if (n == 4)
        return true;
    size_t dl = d[4];
    if (dl > n - 5)
        return false;
    const uint8_t *s = d + 5;
    for (size_t pos = 0; pos < dl; pos += 2u + s[pos + 1])
        if (dl - pos < 2 || dl - pos - 2 < s[pos + 1])
            return false;
    *subs = s;
    *slen = dl;
    return true;
}

/* The data of the first sub-option of code in subs, or NULL. */
static const uint8_t *sub_find(const uint8_t *s, size_t n, uint8_t code, size_t *len)
{
    for (size_t pos = 0; pos + 2 <= n; pos += 2u + s[pos + 1])
        if (s[pos] == code) {
            *len = s[pos + 1];
            return s + pos + 2;
        }
    return NULL;
}

int reply4_vivso(const cfg_optlevels_t *lv, const pkt4_t *q, const cfg_option_t *configured, uint8_t *out,
                 size_t cap)
{
    uint32_t id = 0, req_id = 0, rsp_id = 0;
    const uint8_t *req_subs = NULL, *rsp_subs = NULL;
    size_t req_len = 0, rsp_len = 0, qlen = 0;
    const uint8_t *qd = pkt4_opt(q, PKT4_OPT_VIVSO, &qlen);
    /* The vendor: the configured option 125 the reply carries, else the client's. */
    bool req = qd && vivso_parse(qd, qlen, &req_id, &req_subs, &req_len);
    bool rsp = configured && vivso_parse(configured->data, configured->len, &rsp_id, &rsp_subs, &rsp_len);
    if (!req && !rsp)
        return 0;
    id = rsp ? rsp_id : req_id;

    /* The sub-options wanted: those a DOCSIS client lists in its ORO, and every always-send
     * option of space "vendor-<id>" at any level. */
    bool want[256] = {false};
    size_t n;
    const uint8_t *oro = req && req_id == VENDOR_CABLELABS && id == VENDOR_CABLELABS
                             ? sub_find(req_subs, req_len, DOCSIS_ORO, &n) : NULL;
    for (size_t i = 0; oro && i < n; i++)
        want[oro[i]] = true;
    for (size_t k = 0, nk = cfg_optlevels_count(lv); k < nk; k++)
        for (size_t i = 0; lv->set[k] && i < lv->set[k]->count; i++) {
            const cfg_option_t *o = &lv->set[k]->items[i];
            if (o->vendor_id == id && o->always_send && o->code <= UINT8_MAX)
                want[o->code] = true;
        }

    /* Each from the most specific level that has it, unless the configured 125 holds it. */
    const cfg_option_t *add[256] = {NULL};
    bool added = false;
    size_t total = rsp_len;
    for (unsigned c = 0; c < 256; c++) {
        if (!want[c] || (rsp && sub_find(rsp_subs, rsp_len, (uint8_t)c, &n)))
            continue;
        const cfg_option_t *o = cfg_optlevels_find_vendor(lv, id, (uint16_t)c);
        if (!o || o->never_send || total + 2 + o->len > UINT8_MAX) /* data-len is one octet */
            continue;
        add[c] = o;
        total += 2u + o->len;
        added = true;
    }
    if (!added && !rsp)
        return 0;
    if (5 + total > cap)
        return 0;
    /* enterprise id, data-len, the sub-options in code order (Kea keeps them in a map by code and
     * writes the configured option this way too, data-len included) */
    uint8_t *p = out;
    *p++ = (uint8_t)(id >> 24);
    *p++ = (uint8_t)(id >> 16);
    *p++ = (uint8_t)(id >> 8);
    *p++ = (uint8_t)id;
    *p++ = (uint8_t)total;
    for (unsigned c = 0; c < 256; c++) {
        for (size_t pos = 0; rsp && pos < rsp_len; pos += 2u + rsp_subs[pos + 1])
            if (rsp_subs[pos] == c) {
                memcpy(p, rsp_subs + pos, 2u + rsp_subs[pos + 1]);
                p += 2u + rsp_subs[pos + 1];
            }
        if (add[c]) {
            *p++ = (uint8_t)c;
            *p++ = (uint8_t)add[c]->len;
            memcpy(p, add[c]->data, add[c]->len);
            p += add[c]->len;
        }
    }
    return (int)(p - out);
}

/* Walking option data as Kea 2.2 unpacks it: sub-option runs (option[a].option[b], relay4 and
 * relay6 sub-options, vendor sub-options), the vendor-identifying options (v4 125 / v6 17) and
 * the vendor class options (v4 124 / v6 16). Everything reads untrusted packet bytes: every
 * length is checked against what is left. */
#include <string.h>

#include "eval/eval_int.h"

static uint32_t rd32(const uint8_t *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

bool eval_tlv_find(int family, bool pad_end, const uint8_t *data, size_t len, uint16_t code,
                   const uint8_t **out, size_t *outlen)
{
    size_t hdr = family == 6 ? 4 : 2, off = 0;
    while (off < len) {
        if (family != 6 && pad_end) {
            /* Kea's sub-option spaces treat 0 as padding and 255 as the end. */
            if (data[off] == 0) {
                off++;
                continue;
            }
            if (data[off] == 255)
                return false;
        }
        if (len - off < hdr)
            return false;
        uint16_t c = family == 6 ? (uint16_t)(data[off] << 8 | data[off + 1]) : data[off];
        size_t l = family == 6 ? (size_t)(data[off + 2] << 8 | data[off + 3]) : data[off + 1];
        off += hdr;
        if (len - off < l)
            return false;
        if (c == code) {
            *out = data + off;
            *outlen = l;
            return true;
        }
        off += l;
    }
    return false;
}

/* Whether data is a well-formed run of TLVs without padding (Kea drops a vendor option whose
 * sub-options run past their end). */
static bool tlv_wellformed(int family, const uint8_t *data, size_t len)
{
    size_t hdr = family == 6 ? 4 : 2, off = 0;
    while (off < len) {
        if (len - off < hdr)
            return false;
        size_t l = family == 6 ? (size_t)(data[off + 2] << 8 | data[off + 3]) : data[off + 1];
        off += hdr;
        if (len - off < l)
            return false;
        off += l;
    }
    return true;
}

bool eval_vendor_parse(int family, const uint8_t *data, size_t len, eval_vendor_t *out)
{
    if (len < 4)
        return false;
    out->enterprise = rd32(data);
    out->subs = data + 4;
    out->subs_len = len - 4;
    if (family != 6) {
        /* RFC 3925 §4: enterprise-number, data-len, then the sub-options. Only the first
         * enterprise's chunk is read (Kea examines the first instance). */
        if (len < 5) {
            out->subs_len = 0;
            return true;
        }
        size_t chunk = data[4];
        if (chunk > len - 5)
            return false;
        out->subs = data + 5;
        out->subs_len = chunk;
    }
    return tlv_wellformed(family, out->subs, out->subs_len);
}

bool eval_vclass_parse(int family, const uint8_t *data, size_t len, uint32_t *enterprise,
                       unsigned index, const uint8_t **tuple, size_t *tuple_len, bool *found)
{
    *found = false;
    if (len < 4)
        return false;
    *enterprise = rd32(data);
    size_t lenw = family == 6 ? 2 : 1, off = 4;
    for (unsigned n = 0; off < len; n++) {
        if (len - off < lenw)
            return false;
        size_t l = family == 6 ? (size_t)(data[off] << 8 | data[off + 1]) : data[off];
        off += lenw;
        if (len - off < l)
            return false;
        if (n == index && !*found) {
            *tuple = data + off;
            *tuple_len = l;
            *found = true;
        }
        off += l;
        /* v4: each further tuple follows an enterprise id. Kea refuses the option when fewer
         * than 2 bytes follow that id. */
        if (family != 6 && off != len) {
            off += 4;
            if (off + 1 >= len)
                return false;
        }
    }
    return true;
}

/* Option spaces: vendor spaces, which definitions carry sub-options, and where an option's own
 * value ends and its sub-options begin (Kea 2.2 OptionCustom / OptionInt unpacking). */
#include "proto/optdef_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"

uint32_t optdef_vendor_id(const char *space)
{
    /* Kea LibDHCP::optionSpaceToVendorId: "vendor-" and a decimal number in 1..2^32-1 (leading
     * zeros allowed); anything else is an ordinary space (so "vendor-0" is one). */
    static const char prefix[] = "vendor-";
    if (!space || strncmp(space, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *p = space + sizeof prefix - 1;
    if (*p == '+')
        p++;
    if (!*p)
        return 0;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    return (uint32_t)v;
}

bool optdef_carries_suboptions(const optdef_t *def)
{
    /* Kea builds binary and string options (and arrays) as plain byte holders that never take
     * sub-options, whatever their definition encapsulates; every other type does. */
    return def && def->encapsulate && def->encapsulate[0] && !def->array
           && def->type != OPTDEF_BINARY && def->type != OPTDEF_STRING;
}

bool optdef_class_may_define(const char *space, uint16_t code)
{
    /* Kea LibDHCP::shouldDeferOptionUnpack: the options a client class may define. */
    return space && strcmp(space, OPTDEF_SPACE_DHCP4) == 0 && (code == 43 || (code >= 224 && code <= 254));
}

/* Bytes one field of type t takes at the start of d (left bytes), as Kea's bufferLength: fixed
 * sizes, a domain name's wire length, a prefix's length byte plus its bytes, a tuple's length
 * byte plus its bytes; strings and binary take the rest. 0 when it does not fit. */
static size_t field_len(optdef_type_t t, const uint8_t *d, size_t left)
{
    size_t n = optdef_type_size(t);
    if (n == 0) {
        switch (t) {
        case OPTDEF_FQDN:
            n = optdef_fqdn_wire_len(d, left);
            break;
        case OPTDEF_IPV6_PREFIX:
            n = left ? 1 + ((size_t)d[0] + 7) / 8 : 0;
            break;
        case OPTDEF_TUPLE:
            n = left ? 1 + (size_t)d[0] : 0;
            break;
        case OPTDEF_EMPTY:
            return 0;
        default:
            n = left;
            break;
        }
    }
    return n <= left ? n : 0;
}

int optdef_value_len(const optdef_t *def, const uint8_t *data, size_t len)
{
    if (!def || (len && !data))
        return NST_EINVAL;
    if (def->type == OPTDEF_EMPTY)
        return 0;
    if (def->array)
        return len > INT32_MAX ? NST_EMALFORMED : (int)len;
    size_t pos = 0;
    unsigned nf = def->type == OPTDEF_RECORD ? def->nfields : 1;
    for (unsigned i = 0; i < nf; i++) {
        optdef_type_t t = def->type == OPTDEF_RECORD ? def->fields[i] : def->type;
        size_t n = field_len(t, data + pos, len - pos);
        if (n == 0)
            return NST_EMALFORMED;      /* Kea: "option buffer truncated" */
        pos += n;
    }
    return pos > INT32_MAX ? NST_EMALFORMED : (int)pos;
}

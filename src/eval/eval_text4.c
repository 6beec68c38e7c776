/* DHCPv4 options as Kea 2.2 holds them once LibDHCP::unpackOptions4 has decoded them by their
 * definitions (the class each definition makes: Option, OptionString, OptionInt,
 * OptionIntArray, Option4AddrLst, OptionCustom, OptionVendor, OptionVendorClass,
 * Option4ClientFqdn), for option[...].hex/.exists/.text and option[a].option[b]:
 * - a string option loses its trailing NULs (none left: Kea skips the option);
 * - sub-options exist only where the definition encapsulates a space (after the option's own
 *   value) and in option 125 (the vendor's space);
 * - .text is Kea's toString(): a string option's value, else the option's toText(0) rendering
 *   ("type=050, len=004: 192.0.2.77 (ipv4-address)"), sub-options included, in code order.
 * Everything reads untrusted packet bytes: a value its definition cannot decode falls back to
 * the plain option's rendering. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "eval/eval_int.h"

#define SUBS_MAX 64

typedef struct sink {
    char *buf;
    size_t cap, pos;
} sink_t;

static void put(sink_t *s, const char *fmt, ...) NST_PRINTF(2, 3);
static void put(sink_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->pos < s->cap ? s->buf + s->pos : NULL, s->pos < s->cap ? s->cap - s->pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->pos += (size_t)n;
}

static void put_bytes(sink_t *s, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++, s->pos++)
        if (s->pos < s->cap)
            s->buf[s->pos] = (char)d[i];
}

static uint32_t rd(const uint8_t *d, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | d[i];
    return v;
}

static bool is_dhcp4(const optdef_t *def)
{
    return def && !strcmp(def->space, OPTDEF_SPACE_DHCP4);
}

static bool trims(const optdef_t *def)
{
    return def && def->type == OPTDEF_STRING && !def->array;
}

bool eval4_value(const optdef_t *def, const uint8_t **d, size_t *n)
{
    if (!trims(def))
        return true;
    while (*n && !(*d)[*n - 1])
        (*n)--;
    return *n > 0;
}

/* ---- where a value ends and its sub-options begin -------------------------------------------- */

static size_t int_size(optdef_type_t t)
{
    switch (t) {
    case OPTDEF_INT8: case OPTDEF_UINT8: case OPTDEF_BOOLEAN: return 1;
    case OPTDEF_INT16: case OPTDEF_UINT16: return 2;
    case OPTDEF_INT32: case OPTDEF_UINT32: case OPTDEF_IPV4: return 4;
    case OPTDEF_IPV6: return 16;
    default: return 0;
    }
}

/* The sub-options of an option as Kea decodes it: the run of TLVs after its own value, and
 * their space; false when it has none. */
static bool subs_of(const optdef_t *def, uint16_t code, const uint8_t *d, size_t n, const uint8_t **run,
                    size_t *run_len, char *space, size_t cap)
{
    if (is_dhcp4(def) && code == 125) {
        eval_vendor_t v;
        if (!eval_vendor_parse(4, d, n, &v))
            return false;
        snprintf(space, cap, "vendor-%u", v.enterprise);
        *run = v.subs, *run_len = v.subs_len;
        return true;
    }
    if (!def || !optdef_carries_suboptions(def) || (is_dhcp4(def) && (code == 81 || code == 124)))
        return false;
    int own = optdef_value_len(def, d, n);
    if (own < 0)
        return false;
    snprintf(space, cap, "%s", def->encapsulate);
    *run = d + own, *run_len = n - (size_t)own;
    return true;
}

/* Kea checks PAD and END only in the sub-options of option 43. */
static bool pad_end(const optdef_t *def, uint16_t code)
{
    return is_dhcp4(def) && code == 43;
}

bool eval4_sub(const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d, size_t n,
               uint16_t sub, const uint8_t **out, size_t *outlen, const optdef_t **sub_def)
{
    const uint8_t *run;
    size_t len;
    char space[64];
    if (!subs_of(def, code, d, n, &run, &len, space, sizeof space) ||
        !eval_tlv_find(4, pad_end(def, code), run, len, sub, out, outlen))
        return false;
    *sub_def = optdef_find_by_code(reg, space, sub);
    return eval4_value(*sub_def, out, outlen);
}

/* ---- toText ------------------------------------------------------------------------------------ */

static void fmt_option(sink_t *s, const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d,
                       size_t n, int indent);

static void header(sink_t *s, int indent, uint16_t code, size_t len)
{
    put(s, "%*stype=%03u, len=%03zu", indent, "", code, len);
}

static void plain(sink_t *s, int indent, uint16_t code, const uint8_t *d, size_t n)
{
    header(s, indent, code, n);
    put(s, ": ");
    for (size_t i = 0; i < n; i++)
        put(s, "%s%02x", i ? ":" : "", d[i]);
}

/* Option::suboptionsToText: ",\noptions:" and each sub-option on its line, in code order. */
static void fmt_subs(sink_t *s, const optdef_registry_t *reg, const char *space, bool pad, const uint8_t *d,
                     size_t n, int indent)
{
    struct {
        uint8_t code, len;
        const uint8_t *v;
    } sub[SUBS_MAX];
    size_t k = 0;
    for (size_t off = 0; off < n && k < SUBS_MAX;) {
        if (pad && d[off] == 0) {
            off++;
            continue;
        }
        if ((pad && d[off] == 255) || n - off < 2 || n - off - 2 < d[off + 1])
            break;
        size_t at = k++; /* sorted by code, stable, as Kea's multimap */
        while (at > 0 && sub[at - 1].code > d[off])
            sub[at] = sub[at - 1], at--;
        sub[at].code = d[off], sub[at].len = d[off + 1], sub[at].v = d + off + 2;
        off += 2u + d[off + 1];
    }
    if (k)
        put(s, ",\noptions:");
    for (size_t i = 0; i < k; i++) {
        put(s, "\n");
        fmt_option(s, reg, optdef_find_by_code(reg, space, sub[i].code), sub[i].code, sub[i].v, sub[i].len, indent);
    }
}

/* A DNS name (RFC 1035 wire form, compression pointers within the option data `base`) as
 * isc::dns::Name::toText gives it; the bytes it takes in *used. false when malformed. */
static bool fmt_name(sink_t *s, const uint8_t *base, size_t base_len, size_t at, bool lower, bool omit_dot,
                     size_t *used)
{
    size_t pos = at, hops = 0, total = 0;
    bool jumped = false, any = false;
    *used = 0;
    for (;;) {
        if (pos >= base_len)
            return false;
        uint8_t l = base[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= base_len || ++hops > 16)
                return false;
            if (!jumped)
                *used = pos + 2 - at;
            jumped = true;
            pos = (size_t)(l & 0x3f) << 8 | base[pos + 1];
            continue;
        }
        if (l > 63 || pos + 1 + l > base_len || (total += 1u + l) > 255)
            return false;
        if (!l) {
            if (!jumped)
                *used = pos + 1 - at;
            if (!any || !omit_dot)
                put(s, ".");
            return true;
        }
        if (any)
            put(s, ".");
        any = true;
        for (size_t i = 1; i <= l; i++) {
            uint8_t c = base[pos + i];
            if (lower && c >= 'A' && c <= 'Z')
                c = (uint8_t)(c + 32);
            if (strchr("\"().;\\@$", c) && c)
                put(s, "\\%c", c);
            else if (c > 0x20 && c < 0x7f)
                put(s, "%c", c);
            else
                put(s, "\\%03u", c);
        }
        pos += 1u + l;
    }
}

/* OptionCustom::dataFieldToText of the field at d (n left); its size in *used. */
static bool fmt_field(sink_t *s, optdef_type_t t, const uint8_t *base, size_t base_len, size_t at, size_t *used)
{
    const uint8_t *d = base + at;
    size_t n = base_len - at, sz = int_size(t);
    char addr[INET6_ADDRSTRLEN];
    if (sz && n < sz)
        return false;
    *used = sz;
    switch (t) {
    case OPTDEF_BINARY:
        for (size_t i = 0; i < n; i++)
            put(s, "%02X", d[i]);
        *used = n;
        break;
    case OPTDEF_BOOLEAN:
        if (d[0] > 1)
            return false;
        put(s, "%s", d[0] ? "true" : "false");
        break;
    case OPTDEF_INT8: put(s, "%d", (int8_t)d[0]); break;
    case OPTDEF_INT16: put(s, "%d", (int16_t)rd(d, 2)); break;
    case OPTDEF_INT32: put(s, "%d", (int32_t)rd(d, 4)); break;
    case OPTDEF_UINT8: case OPTDEF_UINT16: case OPTDEF_UINT32: put(s, "%u", rd(d, sz)); break;
    case OPTDEF_IPV4: case OPTDEF_IPV6:
        inet_ntop(t == OPTDEF_IPV4 ? AF_INET : AF_INET6, d, addr, sizeof addr);
        put(s, "%s", addr);
        break;
    case OPTDEF_FQDN:
        put(s, "\"");
        if (!fmt_name(s, base, base_len, at, false, false, used))
            return false;
        put(s, "\"");
        break;
    case OPTDEF_TUPLE:
        if (n < 1 || n - 1 < d[0])
            return false;
        put(s, "\"");
        put_bytes(s, d + 1, d[0]);
        put(s, "\"");
        *used = 1u + d[0];
        break;
    case OPTDEF_STRING: {
        size_t k = n;
        while (k && !d[k - 1])
            k--;
        if (!k)
            return false;
        put(s, "\"");
        put_bytes(s, d, k);
        put(s, "\"");
        *used = n;
        break;
    }
    case OPTDEF_PSID:
        if (n < 3 || d[0] > 16)
            return false;
        put(s, "len=%u,psid=%u", d[0], d[0] ? rd(d + 1, 2) >> (16 - d[0]) : 0);
        *used = 3;
        break;
    case OPTDEF_IPV6_PREFIX: /* Kea prints no value for it */
        if (n < 1 || d[0] > 128 || n - 1 < (d[0] + 7u) / 8)
            return false;
        *used = 1 + (d[0] + 7u) / 8;
        break;
    default:
        return false;
    }
    put(s, " (%s)", optdef_type_name(t));
    return true;
}

/* OptionCustom::toText's fields (the value: len bytes of d). */
static bool fmt_fields(sink_t *s, const optdef_t *def, const uint8_t *d, size_t len)
{
    size_t at = 0, used;
    if (def->type == OPTDEF_RECORD) {
        for (unsigned i = 0; i < def->nfields; i++, at += used) {
            put(s, " ");
            if (!fmt_field(s, def->fields[i], d, len, at, &used))
                return false;
        }
        for (; def->array && at < len; at += used) {
            put(s, " ");
            if (!fmt_field(s, def->fields[def->nfields - 1], d, len, at, &used))
                return false;
        }
        return at == len;
    }
    do {
        put(s, " ");
        if (!fmt_field(s, def->type, d, len, at, &used) || !used)
            return false;
        at += used;
    } while (def->array && at < len);
    return at == len;
}

/* Option4ClientFqdn::toText (flags, two RCODEs, the name: wire form with E, else text). */
static bool fmt_fqdn(sink_t *s, const uint8_t *d, size_t n, int indent)
{
    if (n < 3)
        return false;
    uint8_t f = d[0];
    put(s, "%*stype=81 (CLIENT_FQDN), flags: (N=%d, E=%d, O=%d, S=%d), domain-name='", indent, "", f >> 3 & 1,
        f >> 2 & 1, f >> 1 & 1, f & 1);
    bool full = false;
    if (n > 3 && (f & 4)) {
        size_t used;
        full = d[n - 1] == 0;
        uint8_t name[258];
        if (n - 3 > 256)
            return false;
        memcpy(name, d + 3, n - 3);
        name[n - 3] = 0; /* a partial name lacks its root label */
        if (!fmt_name(s, name, n - 3 + !full, 0, true, !full, &used))
            return false;
    } else if (n > 3) {
        full = d[n - 1] == '.';
        for (size_t i = 3; i < n - full; i++) {
            uint8_t c = d[i];
            if (c == '.' && (i == 3 || d[i - 1] == '.'))
                return false; /* an empty label */
            if (c == '.' || (c > 0x20 && c < 0x7f && !strchr("\"();\\@$", c)))
                put(s, "%c", c);
            else if (c > 0x20 && c < 0x7f)
                put(s, "\\%c", c);
            else
                put(s, "\\%03u", c);
        }
        if (full)
            put(s, ".");
    }
    put(s, "' (%s)", full ? "full" : "partial");
    return true;
}

/* OptionVendorClass::toText (v4: an enterprise id before each tuple but the first). */
static bool fmt_vclass(sink_t *s, const uint8_t *d, size_t n, int indent)
{
    if (n < 4)
        return false;
    uint32_t ent = rd(d, 4);
    put(s, "%*stype=124, len=%zu,  enterprise id=0x%x", indent, "", n, ent);
    for (size_t at = 4, i = 0; at < n; i++) {
        if (i && (n - at < 4 || (at += 4) >= n))
            return false;
        if (n - at - 1 < d[at])
            return false;
        put(s, ", data-len%zu=%u, vendor-class-data%zu='", i, d[at], i);
        put_bytes(s, d + at + 1, d[at]);
        put(s, "'");
        at += 1u + d[at];
        if (at < n)
            put(s, ", enterprise id=0x%x", ent);
    }
    return true;
}

static bool fmt_decoded(sink_t *s, const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d,
                        size_t n, int indent)
{
    const uint8_t *run = NULL;
    size_t run_len = 0, own = n, sz = int_size(def->type);
    char space[64];
    if (is_dhcp4(def) && code == 81)
        return fmt_fqdn(s, d, n, indent);
    if (is_dhcp4(def) && code == 124)
        return fmt_vclass(s, d, n, indent);
    bool subs = subs_of(def, code, d, n, &run, &run_len, space, sizeof space);
    if (subs)
        own = (size_t)(run - d);
    else if ((is_dhcp4(def) && code == 125) || def->type == OPTDEF_BINARY ||
             (def->type == OPTDEF_STRING && !def->array))
        return false; /* plain (a string option's text is its value: OptionString) */
    if (def->type == OPTDEF_EMPTY && !subs) { /* an empty option: whatever came is not kept */
        plain(s, indent, code, d, 0);
        return true;
    }
    header(s, indent, code, n);
    if (is_dhcp4(def) && code == 125) { /* OptionVendor: its data-len counts its sub-options */
        put(s, ": %u (uint32) %zu (uint8)", rd(d, 4), run_len);
    } else if (def->type == OPTDEF_EMPTY) {
        put(s, ":");
    } else if (sz && def->type != OPTDEF_IPV4 && def->type != OPTDEF_IPV6 && def->type != OPTDEF_BOOLEAN) {
        if (own % sz || !own || (!def->array && own != sz))
            return false;
        /* OptionInt, or OptionIntArray (which shows int16/int32 arrays as unsigned) */
        put(s, def->array ? ":" : ": ");
        for (size_t i = 0; i < own; i += sz) {
            uint32_t v = rd(d + i, sz);
            optdef_type_t t = def->type == OPTDEF_INT16 && def->array   ? OPTDEF_UINT16
                              : def->type == OPTDEF_INT32 && def->array ? OPTDEF_UINT32
                                                                        : def->type;
            if (t == OPTDEF_INT8 || t == OPTDEF_INT16 || t == OPTDEF_INT32)
                put(s, "%s%d", i ? " " : def->array ? " " : "", sz == 1 ? (int8_t)v : sz == 2 ? (int16_t)v : (int32_t)v);
            else
                put(s, "%s%u", i ? " " : def->array ? " " : "", v);
            put(s, def->array ? "(%s)" : " (%s)", optdef_type_name(t));
        }
    } else if (def->type == OPTDEF_IPV4 && def->array) { /* Option4AddrLst */
        if (own % 4)
            return false;
        put(s, ":");
        for (size_t i = 0; i < own; i += 4) {
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, d + i, a, sizeof a);
            put(s, " %s", a);
        }
    } else if (def->type == OPTDEF_FQDN && def->array) { /* a compressed list, decompressed */
        put(s, ":");
        for (size_t at = 0, used; at < own; at += used) {
            put(s, " \"");
            if (!fmt_name(s, d, own, at, false, false, &used))
                return false;
            put(s, "\" (fqdn)");
        }
    } else {
        put(s, ":"); /* OptionCustom */
        if (!fmt_fields(s, def, d, own))
            return false;
    }
    if (subs)
        fmt_subs(s, reg, space, pad_end(def, code), run, run_len, indent + 2);
    return true;
}

static void fmt_option(sink_t *s, const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d,
                       size_t n, int indent)
{
    size_t mark = s->pos;
    if (trims(def)) { /* OptionString::toText */
        while (n && !d[n - 1])
            n--;
        header(s, indent, code, n);
        put(s, ": \"");
        put_bytes(s, d, n);
        put(s, "\" (string)");
        return;
    }
    if (def && fmt_decoded(s, reg, def, code, d, n, indent))
        return;
    s->pos = mark;
    plain(s, indent, code, d, n);
}

size_t eval4_text(const optdef_registry_t *reg, const optdef_t *def, uint16_t code, const uint8_t *d, size_t n,
                  uint8_t *out, size_t cap)
{
    if (trims(def)) { /* toString(): the value */
        size_t k = n < cap ? n : cap;
        memcpy(out, d, k);
        return k;
    }
    char buf[EVAL_VALUE_MAX + 1]; /* vsnprintf ends what it writes with a NUL */
    sink_t s = {buf, sizeof buf, 0};
    fmt_option(&s, reg, def, code, d, n, 0);
    size_t k = s.pos < cap ? s.pos : cap;
    k = k < EVAL_VALUE_MAX ? k : EVAL_VALUE_MAX;
    memcpy(out, buf, k);
    return k;
}

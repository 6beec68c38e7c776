/* Option value formatting: wire bytes to Kea csv-format text. */
#include "proto/optdef_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "proto/wire.h"

/* Text sink with snprintf-like accounting: pos counts every byte asked for, only what fits is
 * stored (leaving room for the NUL). */
typedef struct sink {
    char *buf;
    size_t cap, pos;
} sink_t;

static void put_c(sink_t *s, char c)
{
    if (s->pos + 1 < s->cap)
        s->buf[s->pos] = c;
    s->pos++;
}

static void put_s(sink_t *s, const char *str)
{
    while (*str)
        put_c(s, *str++);
}

/* prefix then v in decimal */
static void put_num(sink_t *s, const char *prefix, long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s%lld", prefix, v);
    put_s(s, tmp);
}

/* Bytes of string / tuple text: ',' and '\' escaped with '\' so optdef_encode_csv() reads them
 * back; control bytes are not representable in the csv syntax and are shown as '.'. */
static void put_text(sink_t *s, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if (c == ',' || c == '\\')
            put_c(s, '\\');
        put_c(s, c < 0x20 || c == 0x7f ? '.' : (char)c);
    }
}

/* DNS name presentation (RFC 1035 §5.1): labels joined by '.', with a final '.'; '.', '\' and
 * the master-file specials escaped by '\', other non-printables as \DDD. The wire name must have
 * been checked with optdef_fqdn_wire_len(). */
static void put_fqdn(sink_t *s, const uint8_t *d, size_t n)
{
    if (n == 1) {
        put_c(s, '.');
        return;
    }
    size_t pos = 0;
    while (pos < n && d[pos] != 0) {
        uint8_t l = d[pos++];
        for (uint8_t i = 0; i < l; i++) {
            uint8_t c = d[pos++];
            if (c <= 0x20 || c >= 0x7f) {
                char tmp[8];
                snprintf(tmp, sizeof tmp, "\\%03u", (unsigned)c);
                put_s(s, tmp);
                continue;
            }
            if (c == '\\') {
                put_s(s, "\\092");    /* survives the csv tokenizer, unlike "\\\\" */
                continue;
            }
            if (strchr(".;\"()@$,", c))
                put_c(s, '\\');
            put_c(s, (char)c);
        }
        put_c(s, '.');
    }
}

/* Formats one value of type t from the reader. Variable-size types take `rest` bytes (strings and
 * binary are only ever last). Returns 0 or NST_EMALFORMED. */
static int fmt_value(sink_t *s, optdef_type_t t, wire_rd_t *r)
{
    size_t rest = wire_rd_remaining(r);
    switch (t) {
    case OPTDEF_BINARY: {
        static const char digits[] = "0123456789abcdef";
        const uint8_t *d = wire_rd_ptr(r, rest);
        for (size_t i = 0; i < rest; i++) {
            put_c(s, digits[d[i] >> 4]);
            put_c(s, digits[d[i] & 15]);
        }
        return 0;
    }
    case OPTDEF_BOOLEAN: {
        uint8_t v = wire_rd_u8(r);
        if (!wire_rd_ok(r) || v > 1)
            return NST_EMALFORMED;
        put_s(s, v ? "true" : "false");
        return 0;
    }
    case OPTDEF_INT8: {
        int8_t v = (int8_t)wire_rd_u8(r);
        put_num(s, "", v);
        break;
    }
    case OPTDEF_INT16: {
        int16_t v = (int16_t)wire_rd_u16(r);
        put_num(s, "", v);
        break;
    }
    case OPTDEF_INT32: {
        int32_t v = (int32_t)wire_rd_u32(r);
        put_num(s, "", v);
        break;
    }
    case OPTDEF_UINT8:
        put_num(s, "", wire_rd_u8(r));
        break;
    case OPTDEF_UINT16:
        put_num(s, "", wire_rd_u16(r));
        break;
    case OPTDEF_UINT32:
        put_num(s, "", (long long)wire_rd_u32(r));
        break;
    case OPTDEF_IPV4:
    case OPTDEF_IPV6: {
        size_t sz = t == OPTDEF_IPV4 ? 4 : 16;
        const uint8_t *d = wire_rd_ptr(r, sz);
        char tmp[INET6_ADDRSTRLEN];
        if (!d || !inet_ntop(t == OPTDEF_IPV4 ? AF_INET : AF_INET6, d, tmp, sizeof tmp))
            return NST_EMALFORMED;
        put_s(s, tmp);
        return 0;
    }
    case OPTDEF_IPV6_PREFIX: {
        uint8_t len = wire_rd_u8(r);
        if (!wire_rd_ok(r) || len > 128)
            return NST_EMALFORMED;
        const uint8_t *d = wire_rd_ptr(r, (len + 7u) / 8);
        uint8_t a[16] = {0};
        char tmp[INET6_ADDRSTRLEN];
        if (!d)
            return NST_EMALFORMED;
        memcpy(a, d, (len + 7u) / 8);
        inet_ntop(AF_INET6, a, tmp, sizeof tmp);
        put_s(s, tmp);
        put_num(s, "/", len);
        return 0;
    }
    case OPTDEF_PSID: {
        uint8_t len = wire_rd_u8(r);
        uint16_t v = wire_rd_u16(r);
        if (!wire_rd_ok(r) || len > 16)
            return NST_EMALFORMED;
        /* Bits beyond psid-len must be zero (Kea readPsid). */
        uint16_t mask = len == 0 ? 0 : (uint16_t)(0xffff << (16 - len));
        if (v & ~mask)
            return NST_EMALFORMED;
        put_num(s, "", len == 0 ? 0 : v >> (16 - len));
        put_num(s, "/", len);
        return 0;
    }
    case OPTDEF_STRING: {
        const uint8_t *d = wire_rd_ptr(r, rest);
        size_t n = rest;
        while (n > 0 && d[n - 1] == 0)      /* RFC 2132 §2: trailing NULs are not data */
            n--;
        put_text(s, d, n);
        return 0;
    }
    case OPTDEF_TUPLE: {
        uint8_t len = wire_rd_u8(r);
        const uint8_t *d = wire_rd_ptr(r, len);
        if (!d)
            return NST_EMALFORMED;
        put_text(s, d, len);
        return 0;
    }
    case OPTDEF_FQDN: {
        size_t n = rest ? optdef_fqdn_wire_len(r->buf + r->pos, rest) : 0;
        if (n == 0)
            return NST_EMALFORMED;
        put_fqdn(s, wire_rd_ptr(r, n), n);
        return 0;
    }
    default:
        return NST_EMALFORMED;
    }
    return wire_rd_ok(r) ? 0 : NST_EMALFORMED;
}

static int fmt_all(const optdef_t *def, wire_rd_t *r, sink_t *s)
{
    int ret;
    bool first = true;
    if (def->type == OPTDEF_EMPTY)
        return 0;          /* sub-options, if any, are not this option's value */
    if (def->type == OPTDEF_RECORD) {
        for (unsigned i = 0; i < def->nfields; i++) {
            if (!first)
                put_s(s, ", ");
            first = false;
            if ((ret = fmt_value(s, def->fields[i], r)) != 0)
                return ret;
        }
        while (def->array && wire_rd_remaining(r) > 0) {
            put_s(s, ", ");
            if ((ret = fmt_value(s, def->fields[def->nfields - 1], r)) != 0)
                return ret;
        }
        return 0;
    }
    if (!def->array)
        return fmt_value(s, def->type, r);
    while (wire_rd_remaining(r) > 0) {
        if (!first)
            put_s(s, ", ");
        first = false;
        if ((ret = fmt_value(s, def->type, r)) != 0)
            return ret;
    }
    return 0;
}

int optdef_format(const optdef_t *def, const uint8_t *data, size_t len, char *out, size_t cap)
{
    sink_t s = {out, cap, 0};
    wire_rd_t r;
    if (cap > 0)
        out[0] = '\0';
    if (!def)
        return NST_EINVAL;
    wire_rd_init(&r, data, len);
    /* Option 125: the enterprise number is the value; the data-len octet and the vendor
     * sub-options after it belong to the vendor space. */
    bool vivso = def->code == 125 && strcmp(def->space, OPTDEF_SPACE_DHCP4) == 0
                 && def->type == OPTDEF_UINT32 && !def->array;
    if (vivso) {
        if (len < 5)
            return NST_EMALFORMED;
        wire_rd_init(&r, data, 4);
    }
    int ret = fmt_all(def, &r, &s);
    /* Single values must use the whole option (sub-options aside). */
    if (ret == 0 && wire_rd_remaining(&r) > 0 && !def->encapsulate[0])
        ret = NST_EMALFORMED;
    if (ret != 0) {
        if (cap > 0)
            out[0] = '\0';
        return ret;
    }
    if (cap > 0)
        out[s.pos < cap ? s.pos : cap - 1] = '\0';
    if (s.pos >= cap)
        return NST_ENOSPACE;
    return (int)s.pos;
}

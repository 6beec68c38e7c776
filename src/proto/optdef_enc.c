/* Option value encoding: Kea csv-format text and hex data to wire bytes. */
#include "common/util.h"
#include "proto/optdef_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errcode.h"
#include "proto/wire.h"

/* ---- tokenizer (Kea isc::util::str::tokens(text, ",", escape=true)) ------------------------- */

typedef struct tok_iter {
    const char *p;
    char *buf;                /* scratch, strlen(text) + 1 bytes */
} tok_iter_t;

/* Next non-empty token, unescaped and trimmed of blanks, into it->buf. Returns false at the end.
 * Kea rules: runs of commas are one separator and leading/trailing commas are dropped; "\,"
 * keeps a comma, "\\" keeps one backslash, a backslash before anything else is kept as is. */
static bool tok_next(tok_iter_t *it, const char **tok, size_t *tok_len)
{
    size_t n = 0;
    bool in_token = false, escaped = false;
    for (; *it->p; it->p++) {
        char c = *it->p;
        if (c == ',') {
            if (!in_token)
                continue;
            if (escaped) {
                escaped = false;
                it->buf[n++] = ',';
                continue;
            }
            it->p++;
            break;
        } else if (c == '\\') {
            in_token = true;
            if (escaped) {
                escaped = false;
                it->buf[n++] = '\\';
            } else {
                escaped = true;
            }
        } else {
            in_token = true;
            if (escaped) {
                escaped = false;
                it->buf[n++] = '\\';
            }
            it->buf[n++] = c;
        }
    }
    if (escaped)
        it->buf[n++] = '\\';
    if (n == 0)
        return false;
    /* Kea trims " \t\n" around each value before converting it. */
    size_t a = 0, b = n;
    while (a < b && (it->buf[a] == ' ' || it->buf[a] == '\t' || it->buf[a] == '\n'))
        a++;
    while (b > a && (it->buf[b - 1] == ' ' || it->buf[b - 1] == '\t' || it->buf[b - 1] == '\n'))
        b--;
    it->buf[b] = '\0';
    *tok = it->buf + a;
    *tok_len = b - a;
    return true;
}

/* ---- scalar values -------------------------------------------------------------------------- */

/* Kea lexicalCastWithRangeCheck: decimal (optional sign) first; if that fails, hexadecimal with
 * an optional sign and 0x prefix (so "ff" and "0x1F" are accepted). */
static bool parse_int64(const char *s, int64_t *out)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno == 0 && *end == '\0') {
        *out = v;
        return true;
    }
    errno = 0;
    v = strtoll(s, &end, 16);
    if (errno != 0 || *end != '\0' || end == s)
        return false;
    /* strtoll accepts "0x" with no digits as 0 and stops at 'x': reject via *end above. */
    *out = v;
    return true;
}

static void int_range(optdef_type_t t, int64_t *lo, int64_t *hi)
{
    switch (t) {
    case OPTDEF_INT8: *lo = INT8_MIN; *hi = INT8_MAX; break;
    case OPTDEF_INT16: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case OPTDEF_INT32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case OPTDEF_UINT8: *lo = 0; *hi = UINT8_MAX; break;
    case OPTDEF_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    default: *lo = 0; *hi = UINT32_MAX; break;
    }
}

static int enc_int(wire_wr_t *w, optdef_type_t t, const char *v, char *err, size_t errlen)
{
    int64_t x, lo, hi;
    if (!parse_int64(v, &x))
        return optdef_err(err, errlen, "'%s' is not a valid %s", v, optdef_type_name(t));
    int_range(t, &lo, &hi);
    if (x < lo || x > hi)
        return optdef_err(err, errlen, "'%s' is out of range for %s (%lld..%lld)", v,
                          optdef_type_name(t), (long long)lo, (long long)hi);
    size_t sz = optdef_type_size(t);
    uint32_t u = (uint32_t)x;
    if (sz == 1)
        wire_wr_u8(w, (uint8_t)u);
    else if (sz == 2)
        wire_wr_u16(w, (uint16_t)u);
    else
        wire_wr_u32(w, u);
    return 0;
}

static int enc_bool(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    /* Kea convertToBool: "true"/"false" in any case, or an integer equal to 1 or 0. */
    int64_t x;
    if (strcasecmp(v, "true") == 0)
        x = 1;
    else if (strcasecmp(v, "false") == 0)
        x = 0;
    else {
        char *end;
        errno = 0;
        long long ll = strtoll(v, &end, 10);
        if (!*v || isspace((unsigned char)*v) || *end || errno || (ll != 0 && ll != 1))
            return optdef_err(err, errlen, "'%s' is not a valid boolean (true, false, 1 or 0)",
                              v);
        x = ll;
    }
    wire_wr_u8(w, (uint8_t)x);
    return 0;
}

static int enc_ipv4(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    struct in_addr a;
    if (inet_pton(AF_INET, v, &a) != 1)
        return optdef_err(err, errlen, "'%s' is not a valid IPv4 address", v);
    wire_wr_bytes(w, &a, 4);
    return 0;
}

static int enc_ipv6(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    struct in6_addr a;
    if (inet_pton(AF_INET6, v, &a) != 1)
        return optdef_err(err, errlen, "'%s' is not a valid IPv6 address", v);
    wire_wr_bytes(w, &a, 16);
    return 0;
}

/* Copies v without spaces and tabs (Kea erases them in prefix and psid values). False when the
 * result does not fit (no valid value is that long). */
static bool strip_blanks(char *dst, size_t cap, const char *v)
{
    size_t n = 0;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t')
            continue;
        if (n + 1 >= cap)
            return false;
        dst[n++] = *v;
    }
    dst[n] = '\0';
    return true;
}

static int enc_prefix(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    /* "2001:db8::/32": length byte, then the prefix bits rounded up to whole bytes with the bits
     * beyond the length zeroed (Kea writePrefix, RFC 8415 style). */
    char txt[128];
    char *slash = strip_blanks(txt, sizeof txt, v) ? strchr(txt, '/') : NULL;
    struct in6_addr a;
    int64_t len;
    if (!slash)
        return optdef_err(err, errlen, "'%s' is not a valid IPv6 prefix (address/length)", v);
    *slash = '\0';
    if (inet_pton(AF_INET6, txt, &a) != 1)
        return optdef_err(err, errlen, "'%s' is not a valid IPv6 address", txt);
    if (!parse_int64(slash + 1, &len) || len < 0 || len > 128)
        return optdef_err(err, errlen, "'%s' is not a valid IPv6 prefix length", slash + 1);
    size_t nbytes = ((size_t)len + 7) / 8;
    uint8_t *b = a.s6_addr;
    if (len % 8)
        b[nbytes - 1] &= (uint8_t)(0xff << (8 - len % 8));
    wire_wr_u8(w, (uint8_t)len);
    wire_wr_bytes(w, b, nbytes);
    return 0;
}

static int enc_psid(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    /* RFC 7618 §4: PSID-len octet, then the PSID left-aligned in 16 bits. Text is "psid/len". */
    char txt[64];
    char *slash = strip_blanks(txt, sizeof txt, v) ? strchr(txt, '/') : NULL;
    int64_t psid, plen;
    if (!slash)
        return optdef_err(err, errlen, "'%s' is not a valid PSID value (psid/length)", v);
    *slash = '\0';
    if (!parse_int64(txt, &psid) || psid < 0 || psid > UINT16_MAX)
        return optdef_err(err, errlen, "provided PSID '%s' is not valid", txt);
    if (!parse_int64(slash + 1, &plen) || plen < 0 || plen > 16)
        return optdef_err(err, errlen, "provided PSID length '%s' is not valid (0..16)",
                          slash + 1);
    if (plen > 0 && psid > (0xffff >> (16 - plen)))
        return optdef_err(err, errlen, "invalid PSID value %lld for PSID length %lld",
                          (long long)psid, (long long)plen);
    wire_wr_u8(w, (uint8_t)plen);
    wire_wr_u16(w, plen == 0 ? 0 : (uint16_t)(psid << (16 - plen)));
    return 0;
}


static int enc_binary(wire_wr_t *w, const char *v, char *err, size_t errlen)
{
    /* Kea writeBinary -> decodeHex: pairs of hex digits, whitespace ignored. */
    int hi = -1;
    for (const char *p = v; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        int d = hex_digit((unsigned char)*p);
        if (d < 0)
            return optdef_err(err, errlen, "'%s' is not a valid binary value (hex digits)", v);
        if (hi < 0) {
            hi = d;
        } else {
            wire_wr_u8(w, (uint8_t)(hi << 4 | d));
            hi = -1;
        }
    }
    if (hi >= 0)
        return optdef_err(err, errlen, "'%s' is not a valid binary value (odd number of hex "
                          "digits)", v);
    return 0;
}

static int enc_fqdn(wire_wr_t *w, const char *v, size_t vlen, char *err, size_t errlen)
{
    size_t space = wire_wr_space(w);
    int n = optdef_fqdn_to_wire(v, vlen, space ? w->buf + w->pos : NULL, space);
    if (n == NST_ENOSPACE) {
        w->err = true;
        return 0;
    }
    if (n < 0)
        return optdef_err(err, errlen, "'%s' is not a valid domain name", v);
    (void)wire_wr_ptr(w, (size_t)n);
    return 0;
}

static int enc_value(wire_wr_t *w, optdef_type_t t, const char *v, size_t vlen, char *err,
                     size_t errlen)
{
    switch (t) {
    case OPTDEF_BINARY:
        return enc_binary(w, v, err, errlen);
    case OPTDEF_BOOLEAN:
        return enc_bool(w, v, err, errlen);
    case OPTDEF_INT8: case OPTDEF_INT16: case OPTDEF_INT32:
    case OPTDEF_UINT8: case OPTDEF_UINT16: case OPTDEF_UINT32:
        return enc_int(w, t, v, err, errlen);
    case OPTDEF_IPV4:
        return enc_ipv4(w, v, err, errlen);
    case OPTDEF_IPV6:
        return enc_ipv6(w, v, err, errlen);
    case OPTDEF_IPV6_PREFIX:
        return enc_prefix(w, v, err, errlen);
    case OPTDEF_PSID:
        return enc_psid(w, v, err, errlen);
    case OPTDEF_STRING:
        wire_wr_bytes(w, v, vlen);
        return 0;
    case OPTDEF_TUPLE:
        /* DHCPv4 tuples have a one-byte length (RFC 3925 §3 style opaque data). */
        if (vlen > 255)
            return optdef_err(err, errlen, "tuple value is longer than 255 bytes");
        wire_wr_u8(w, (uint8_t)vlen);
        wire_wr_bytes(w, v, vlen);
        return 0;
    case OPTDEF_FQDN:
        return enc_fqdn(w, v, vlen, err, errlen);
    default:
        return optdef_err(err, errlen, "a value of type '%s' cannot be written",
                          optdef_type_name(t));
    }
}

/* ---- csv-format: true ----------------------------------------------------------------------- */

static int encode_tokens(const optdef_t *def, tok_iter_t *it, wire_wr_t *w, char *err,
                         size_t errlen)
{
    const char *v;
    size_t vlen, nvals = 0;
    int ret;

    if (def->type == OPTDEF_RECORD) {
        for (unsigned i = 0; i < def->nfields; i++) {
            if (!tok_next(it, &v, &vlen))
                return optdef_err(err, errlen, "number of data fields for the option type '%u' "
                                  "is greater than number of values provided.",
                                  (unsigned)def->code);
            if ((ret = enc_value(w, def->fields[i], v, vlen, err, errlen)) != 0)
                return ret;
        }
        /* Only an array record repeats its last field; extra values are otherwise ignored. */
        while (def->array && tok_next(it, &v, &vlen))
            if ((ret = enc_value(w, def->fields[def->nfields - 1], v, vlen, err, errlen)) != 0)
                return ret;
        return 0;
    }
    if (!def->array) {
        bool have = tok_next(it, &v, &vlen);
        if (def->type == OPTDEF_EMPTY) {
            if (have)
                return optdef_err(err, errlen, "option '%s' of type empty takes no data",
                                  def->name);
            return 0;
        }
        if (!have)
            return optdef_err(err, errlen, "no option value specified");
        /* Kea OptionString refuses empty strings. Extra values are ignored, as in Kea. */
        if (def->type == OPTDEF_STRING && vlen == 0)
            return optdef_err(err, errlen, "string value carried by the option '%u' must not be "
                              "empty", (unsigned)def->code);
        return enc_value(w, def->type, v, vlen, err, errlen);
    }
    while (tok_next(it, &v, &vlen)) {
        if ((ret = enc_value(w, def->type, v, vlen, err, errlen)) != 0)
            return ret;
        nvals++;
    }
    /* Kea accepts an empty address list or prefix/tuple array, and refuses empty arrays of other
     * fixed-size values and of domain names. */
    if (nvals > 0 || def->type == OPTDEF_IPV4 || def->type == OPTDEF_IPV6
        || def->type == OPTDEF_IPV6_PREFIX || def->type == OPTDEF_TUPLE)
        return 0;
    if (def->type == OPTDEF_FQDN)
        return optdef_err(err, errlen, "FQDN list option has invalid length of 0");
    if (def->type >= OPTDEF_INT8 && def->type <= OPTDEF_UINT32)
        return optdef_err(err, errlen, "option %u empty", (unsigned)def->code);
    return optdef_err(err, errlen, "no option value specified");
}

int optdef_encode_csv(const optdef_t *def, const char *text, uint8_t *out, size_t cap,
                      char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!def || !text)
        return optdef_err(err, errlen, "no option definition or data");
    wire_wr_t w;
    wire_wr_init(&w, out, out ? cap : 0);
    tok_iter_t it = {.p = text, .buf = xmalloc(strlen(text) + 2)};
    int ret = encode_tokens(def, &it, &w, err, errlen);
    free(it.buf);
    if (ret != 0)
        return ret;
    /* Kea OptionVendor (125, dhcp4): enterprise-id then a data-len octet covering the vendor
     * sub-options (RFC 3925 §4); with no sub-options that octet is 0. */
    if (def->code == 125 && strcmp(def->space, OPTDEF_SPACE_DHCP4) == 0
        && def->type == OPTDEF_UINT32 && !def->array)
        wire_wr_u8(&w, 0);
    if (!wire_wr_ok(&w)) {
        optdef_err(err, errlen, "option data does not fit in %zu bytes", cap);
        return NST_ENOSPACE;
    }
    return (int)wire_wr_len(&w);
}

/* ---- csv-format: false ---------------------------------------------------------------------- */

/* Groups separated by sep, each one or two hex digits; no empty group unless there is only one
 * (Kea decodeSeparatedHexString). */
static int hex_separated(const char *text, char sep, uint8_t *out, size_t cap)
{
    wire_wr_t w;
    wire_wr_init(&w, out, out ? cap : 0);
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || n > 2)
            return NST_EMALFORMED;
        int v = 0;
        for (size_t i = 0; i < n; i++) {
            int d = hex_digit((unsigned char)p[i]);
            if (d < 0)
                return NST_EMALFORMED;
            v = v << 4 | d;
        }
        wire_wr_u8(&w, (uint8_t)v);
        if (!e)
            break;
        p = e + 1;
    }
    return wire_wr_ok(&w) ? (int)wire_wr_len(&w) : NST_ENOSPACE;
}

int optdef_parse_hex(const char *text, uint8_t *out, size_t cap)
{
    if (!text)
        return NST_EMALFORMED;
    /* Kea decodeFormattedHexString: a colon anywhere means colon-separated octets; else a space
     * means space-separated octets; else a plain digit string, "0x" prefix allowed. */
    if (strchr(text, ':'))
        return hex_separated(text, ':', out, cap);
    if (strchr(text, ' '))
        return hex_separated(text, ' ', out, cap);
    size_t n = strlen(text);
    const char *p = text;
    if (n > 2 && p[0] == '0' && p[1] == 'x') {
        p += 2;
        n -= 2;
    }
    wire_wr_t w;
    wire_wr_init(&w, out, out ? cap : 0);
    size_t i = 0;
    int hi = n % 2 ? 0 : -1;        /* odd digit count: implicit leading 0 */
    for (; i < n; i++) {
        int d = hex_digit((unsigned char)p[i]);
        if (d < 0)
            return NST_EMALFORMED;
        if (hi < 0) {
            hi = d;
        } else {
            wire_wr_u8(&w, (uint8_t)(hi << 4 | d));
            hi = -1;
        }
    }
    return wire_wr_ok(&w) ? (int)wire_wr_len(&w) : NST_ENOSPACE;
}

int optdef_parse_binary(const char *text, uint8_t *out, size_t cap)
{
    if (!text)
        return NST_EMALFORMED;
    /* Kea quotedStringToBinary: trim, require '...' (at least the two quotes), trim inside. */
    const char *a = text, *b = text + strlen(text);
    while (a < b && (*a == ' ' || *a == '\t' || *a == '\n'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n'))
        b--;
    if (b - a > 1 && a[0] == '\'' && b[-1] == '\'') {
        a++;
        b--;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\n'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n'))
            b--;
        /* An empty quoted string gives no bytes, and Kea then decodes the text as hex (which
         * fails on the quotes): treat it the same way. */
        if (b > a) {
            size_t n = (size_t)(b - a);
            if (n > cap || !out)
                return NST_ENOSPACE;
            memcpy(out, a, n);
            return (int)n;
        }
    }
    return optdef_parse_hex(text, out, cap);
}

/* ---- domain names --------------------------------------------------------------------------- */

int optdef_fqdn_to_wire(const char *text, size_t text_len, uint8_t *out, size_t cap)
{
    /* RFC 1035 §3.1 uncompressed name: <len><label>... 0. Text escapes as in RFC 1035 §5.1
     * master files: "\X" is X, "\DDD" is the byte with decimal value DDD. */
    uint8_t name[255];
    size_t n = 0;                    /* bytes in name */
    size_t label_at = 0;             /* index of the current label's length byte */
    size_t i = 0;
    if (text_len == 0)
        return NST_EMALFORMED;
    if (text_len == 1 && text[0] == '.') {
        if (cap < 1 || !out)
            return NST_ENOSPACE;
        out[0] = 0;
        return 1;
    }
    name[n++] = 0;                   /* first label length, patched later */
    bool closed = false;             /* text ended with an unescaped dot */
    while (i < text_len) {
        unsigned c = (unsigned char)text[i++];
        if (c == '.') {
            size_t llen = n - label_at - 1;
            if (llen == 0)
                return NST_EMALFORMED;              /* empty label */
            name[label_at] = (uint8_t)llen;
            if (i == text_len) {
                closed = true;                      /* trailing dot: absolute name */
                break;
            }
            if (n >= sizeof name)
                return NST_EMALFORMED;
            label_at = n;
            name[n++] = 0;
            continue;
        }
        if (c == '\\') {
            if (i >= text_len)
                return NST_EMALFORMED;
            if (isdigit((unsigned char)text[i])) {
                if (i + 3 > text_len || !isdigit((unsigned char)text[i + 1])
                    || !isdigit((unsigned char)text[i + 2]))
                    return NST_EMALFORMED;
                c = (unsigned)((text[i] - '0') * 100 + (text[i + 1] - '0') * 10
                               + (text[i + 2] - '0'));
                if (c > 255)
                    return NST_EMALFORMED;
                i += 3;
            } else {
                c = (unsigned char)text[i++];
            }
        }
        if (n - label_at - 1 >= 63 || n >= sizeof name)
            return NST_EMALFORMED;                  /* label > 63 or name > 255 */
        name[n++] = (uint8_t)c;
    }
    if (!closed) {
        size_t llen = n - label_at - 1;
        if (llen == 0)
            return NST_EMALFORMED;
        name[label_at] = (uint8_t)llen;
    }
    if (n >= sizeof name)
        return NST_EMALFORMED;
    name[n++] = 0;                   /* root label */
    if (!out || cap < n)
        return NST_ENOSPACE;
    memcpy(out, name, n);
    return (int)n;
}

size_t optdef_fqdn_wire_len(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        uint8_t l = data[pos];
        if (l == 0)
            return pos + 1 <= 255 ? pos + 1 : 0;
        if (l > 63 || l >= len - pos)   /* compression pointers / truncated label */
            return 0;
        pos += 1 + (size_t)l;
        if (pos > 254)
            return 0;
    }
    return 0;
}

/* Shared memfile CSV text helpers (see csv.h). */
#include "lease/csv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

static const char hexdig[] = "0123456789abcdef";

void csv_out_mem(csv_out_t *o, const char *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void csv_out_char(csv_out_t *o, char c)
{
    if (o->overflow || o->len >= o->cap) {
        o->overflow = true;
        return;
    }
    o->buf[o->len++] = c;
}

void csv_out_u64(csv_out_t *o, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    csv_out_mem(o, tmp + n, sizeof(tmp) - n);
}

void csv_out_i64(csv_out_t *o, int64_t v)
{
    if (v < 0) {
        csv_out_char(o, '-');
        csv_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        csv_out_u64(o, (uint64_t)v);
    }
}

void csv_out_ipv4(csv_out_t *o, uint32_t a)
{
    for (int i = 3; i >= 0; i--) {
        csv_out_u64(o, (a >> (i * 8)) & 0xff);
        if (i)
            csv_out_char(o, '.');
    }
}

void csv_out_ipv6(csv_out_t *o, const struct in6_addr *addr)
{
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, addr, text, sizeof text))
        text[0] = '\0'; /* cannot happen: the buffer fits every address */
    csv_out_mem(o, text, strlen(text));
}

void csv_out_hex_colon(csv_out_t *o, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char t[3] = {':', hexdig[b[i] >> 4], hexdig[b[i] & 15]};
        if (i)
            csv_out_mem(o, t, 3);
        else
            csv_out_mem(o, t + 1, 2);
    }
}

static bool needs_escape(unsigned char c)
{
    /* ',' and '&' as Kea 2.2; '\n' too, or it would end the row (see csv.h). */
    return c == ',' || c == '&' || c == '\n';
}

void csv_out_escaped(csv_out_t *o, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        if (!needs_escape((unsigned char)*p))
            continue;
        csv_out_mem(o, run, (size_t)(p - run));
        unsigned char c = (unsigned char)*p;
        char t[5] = {'&', '#', 'x', hexdig[c >> 4], hexdig[c & 15]};
        csv_out_mem(o, t, 5);
        run = p + 1;
    }
    csv_out_mem(o, run, strlen(run));
}

size_t csv_escaped_len(const char *s)
{
    size_t n = 0;
    if (!s)
        return 0;
    for (; *s; s++)
        n += needs_escape((unsigned char)*s) ? 5 : 1;
    return n;
}


size_t csv_unescape_inplace(char *s)
{
    char *w = s;
    const char *r = s;
    while (*r) {
        if (r[0] == '&' && r[1] == '#' && r[2] == 'x') {
            const char *d = r + 3;
            if (d[0] == '\0' || d[1] == '\0') {
                /* Fewer than two characters after the tag: Kea decodes a NUL here, and a
                 * NUL ends the value. */
                break;
            }
            int hi = hex_digit((unsigned char)d[0]), lo = hex_digit((unsigned char)d[1]);
            if (hi >= 0 && lo >= 0) {
                char c = (char)(hi << 4 | lo);
                if (c == '\0')
                    break;
                *w++ = c;
                r = d + 2;
                continue;
            }
            /* Not an escape: keep the tag literally and go on after it. */
            *w++ = *r++;
            *w++ = *r++;
            *w++ = *r++;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

size_t csv_split(char *line, char **fields, size_t maxf)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < maxf)
            fields[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

bool csv_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (d > 9)
            return false;
        if (d > max || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Groups of one or two hex digits separated by sep; out may alias s (we never write ahead
 * of what we have read). */
static int parse_separated(const char *s, char sep, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *p = s;
    for (;;) {
        int hi = hex_digit((unsigned char)p[0]);
        if (hi < 0)
            return -1; /* empty group (two separators, leading/trailing one) or junk */
        int v = hi;
        p++;
        if (*p && *p != sep) {
            int lo = hex_digit((unsigned char)*p);
            if (lo < 0)
                return -1;
            v = hi << 4 | lo;
            p++;
        }
        if (*p && *p != sep)
            return -1; /* three or more digits in a group */
        if (n >= cap)
            return -1;
        out[n++] = (uint8_t)v;
        if (!*p)
            return (int)n;
        p++; /* separator */
    }
}

int csv_parse_hwaddr(const char *s, uint8_t *out, size_t cap)
{
    if (!*s)
        return 0;
    return parse_separated(s, ':', out, cap);
}

int csv_parse_hexid(const char *s, uint8_t *out, size_t cap)
{
    if (!*s)
        return 0;
    if (strchr(s, ':'))
        return parse_separated(s, ':', out, cap);
    if (strchr(s, ' '))
        return parse_separated(s, ' ', out, cap);
    if (s[0] == '0' && s[1] == 'x' && s[2] != '\0')
        s += 2;
    size_t len = strlen(s), n = 0, i = 0;
    if (len % 2) {
        int v = hex_digit((unsigned char)s[0]);
        if (v < 0 || cap < 1)
            return -1;
        out[n++] = (uint8_t)v;
        i = 1;
    }
    for (; i < len; i += 2) {
        int hi = hex_digit((unsigned char)s[i]), lo = hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0 || n >= cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    return (int)n;
}

/* ---- versioned header ---- */

void csv_schema_current(const csv_dialect_t *d, csv_schema_t *s)
{
    s->header_cols = d->ncols;
    s->known_cols = d->ncols;
}

int csv_schema_age(const csv_dialect_t *d, const csv_schema_t *s)
{
    if (s->known_cols < d->ncols)
        return -1;
    return s->header_cols > d->ncols ? 1 : 0;
}

const char *csv_schema_version(const csv_dialect_t *d, const csv_schema_t *s)
{
    if (s->header_cols > d->ncols)
        return d->later;
    return d->versions[s->known_cols ? s->known_cols - 1 : 0];
}

/* Quoted value for messages: at most 64 characters, then "...". */
static const char *shown(const char *v, char *tmp, size_t cap)
{
    if (strlen(v) < 65)
        return v;
    snprintf(tmp, cap, "%.64s...", v);
    return tmp;
}

int csv_parse_header(const csv_dialect_t *d, const char *line, csv_schema_t *out, char *err,
                     size_t errlen)
{
    size_t len = strlen(line);
    char copy[1024];
    char *cols[CSV_MAX_COLS];
    if (len >= sizeof(copy))
        return errf(err, errlen, NST_EMALFORMED,
                    "invalid %s file header: longer than %zu characters", d->what,
                    sizeof(copy) - 1);
    memcpy(copy, line, len + 1);
    size_t n = csv_split(copy, cols, CSV_MAX_COLS);
    if (n > CSV_MAX_COLS)
        return errf(err, errlen, NST_EMALFORMED, "invalid %s file header: %zu columns", d->what,
                    n);
    size_t known = 0;
    for (; known < n && known < d->ncols; known++) {
        if (strcmp(cols[known], d->names[known]) != 0) {
            char tmp[80];
            return errf(err, errlen, NST_EMALFORMED,
                        "invalid %s file header: column %zu is '%s', expected '%s'", d->what,
                        known + 1, shown(cols[known], tmp, sizeof tmp), d->names[known]);
        }
    }
    if (known < d->min_cols)
        return errf(err, errlen, NST_EMALFORMED,
                    "invalid %s file header: only %zu known column(s), at least %u required",
                    d->what, known, d->min_cols);
    out->header_cols = (unsigned)n;
    out->known_cols = (unsigned)known;
    return 0;
}

/* ---- column readers ---- */

/* A copy of v as shown() shows it, for a value about to be rewritten in place; cap >= 68.
 * (memcpy, not snprintf: GCC's sanitizer build sees a NULL v on its null-check path.) */
static void keep_shown(char *dst, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n > 64 && cap >= 68) {
        memcpy(dst, v, 64);
        memcpy(dst + 64, "...", 4);
    } else if (n < cap) {
        memcpy(dst, v, n + 1);
    } else {
        dst[0] = '\0';
    }
}

int csv_row_split(csv_row_t *r, const csv_dialect_t *d, const csv_schema_t *s, char *line,
                  unsigned lineno, char *err, size_t errlen)
{
    r->d = d;
    r->lineno = lineno;
    r->err = err;
    r->errlen = errlen;
    r->empty[0] = '\0';
    if (errlen)
        err[0] = '\0';
    r->n = csv_split(line, r->f, CSV_MAX_COLS);
    unsigned maxc = s->header_cols > d->ncols ? s->header_cols : d->ncols;
    if (r->n < s->known_cols || r->n > maxc) {
        if (s->known_cols == maxc)
            return errf(err, errlen, NST_EMALFORMED, "line %u: expected %u columns, found %zu",
                        lineno, maxc, r->n);
        return errf(err, errlen, NST_EMALFORMED,
                    "line %u: expected %u to %u columns, found %zu", lineno, s->known_cols, maxc,
                    r->n);
    }
    for (size_t i = r->n; i < d->ncols; i++)
        r->f[i] = r->empty; /* a column an older schema lacks: its default */
    return 0;
}

/* The message for column col showing value (which may no longer be r->f[col]). */
static int bad_value(const csv_row_t *r, unsigned col, const char *value, const char *why)
{
    char tmp[80];
    return errf(r->err, r->errlen, NST_EMALFORMED, "line %u: invalid %s '%s'%s%s", r->lineno,
                r->d->names[col], shown(value, tmp, sizeof tmp), why ? ": " : "",
                why ? why : "");
}

int csv_row_bad(const csv_row_t *r, unsigned col, const char *why)
{
    return bad_value(r, col, r->f[col], why);
}

int csv_row_uint(const csv_row_t *r, unsigned col, uint64_t max, uint64_t *out)
{
    return csv_parse_uint(r->f[col], max, out) ? 0 : csv_row_bad(r, col, NULL);
}

int csv_row_u32(const csv_row_t *r, unsigned col, uint32_t *out)
{
    uint64_t v;
    int rc = csv_row_uint(r, col, UINT32_MAX, &v);
    *out = (uint32_t)v;
    return rc;
}

int csv_row_flag(const csv_row_t *r, unsigned col, bool *out)
{
    uint64_t v = 0;
    int rc = csv_row_uint(r, col, 1, &v);
    *out = v != 0;
    return rc;
}

int csv_row_lifetime(const csv_row_t *r, unsigned valid_col, unsigned expire_col, lease_t *l)
{
    uint64_t expire = 0;
    int rc = csv_row_u32(r, valid_col, &l->valid_lft);
    if (rc == 0)
        rc = csv_row_uint(r, expire_col, INT64_MAX, &expire);
    l->cltt = (int64_t)expire - (int64_t)l->valid_lft;
    return rc;
}

int csv_row_state(const csv_row_t *r, unsigned col, uint32_t *out)
{
    *out = LEASE_STATE_DEFAULT;
    return csv_row_has(r, col) ? csv_row_u32(r, col, out) : 0;
}

int csv_row_hexid(const csv_row_t *r, unsigned col, size_t min, size_t max, uint8_t **out,
                  uint16_t *len)
{
    char *text = r->f[col], raw[80], why[40] = "";
    *out = NULL;
    *len = 0;
    if (!*text)
        return 0;
    /* Decoded in place (the bytes never outgrow their text): keep the text for messages. */
    keep_shown(raw, sizeof raw, text);
    int n = csv_parse_hexid(text, (uint8_t *)text, strlen(text));
    if (n >= 0 && (size_t)n < min)
        snprintf(why, sizeof why, "shorter than %zu bytes", min);
    else if (n >= 0 && (size_t)n > max)
        snprintf(why, sizeof why, "longer than %zu bytes", max);
    if (n < 0 || why[0])
        return bad_value(r, col, raw, why[0] ? why : NULL);
    *out = (uint8_t *)text;
    *len = (uint16_t)n;
    return 0;
}

int csv_row_hostname(const csv_row_t *r, unsigned col, bool lower, char **out)
{
    char *s = r->f[col], raw[80];
    keep_shown(raw, sizeof raw, s);
    csv_unescape_inplace(s);
    if (strlen(s) > LEASE_HOSTNAME_MAX) /* what no store keeps (lease.h) */
        return bad_value(r, col, raw, "longer than 255 bytes");
    for (char *p = s; lower && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *out = *s ? s : NULL;
    return 0;
}

/* A JSON object? Otherwise the reason in why. */
static bool json_object_ok(const char *text, char *why, size_t cap)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (!j) {
        snprintf(why, cap, "%s", jerr.text);
        return false;
    }
    bool ok = json_is_object(j);
    json_decref(j);
    if (!ok)
        snprintf(why, cap, "not a JSON map");
    return ok;
}

int csv_row_user_context(const csv_row_t *r, unsigned col, char **out)
{
    char *ctx = r->f[col], raw[80], why[160];
    *out = NULL;
    if (!*ctx)
        return 0;
    keep_shown(raw, sizeof raw, ctx);
    csv_unescape_inplace(ctx);
    if (!*ctx)
        return bad_value(r, col, raw, "empty after unescaping");
    if (strlen(ctx) > LEASE_USER_CONTEXT_MAX)
        return bad_value(r, col, raw, "longer than 65535 bytes");
    if (!json_object_ok(ctx, why, sizeof why))
        return bad_value(r, col, raw, why);
    *out = ctx;
    return 0;
}

/* ---- writing and checking ---- */

void csv_out_lifetime_subnet(csv_out_t *o, const lease_t *l)
{
    csv_out_u64(o, l->valid_lft);
    csv_out_char(o, ',');
    csv_out_i64(o, lease_expire(l));
    csv_out_char(o, ',');
    csv_out_u64(o, l->subnet_id);
}

void csv_out_fqdn_hostname(csv_out_t *o, const lease_t *l)
{
    csv_out_mem(o, l->fqdn_fwd ? "1," : "0,", 2);
    csv_out_mem(o, l->fqdn_rev ? "1," : "0,", 2);
    csv_out_escaped(o, l->hostname);
}

int csv_out_end(csv_out_t *o)
{
    csv_out_mem(o, "\n", 2);
    return o->overflow ? NST_ENOSPACE : (int)(o->len - 1);
}

size_t csv_row_var_len(const lease_t *l)
{
    size_t hw = l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len : LEASE_HWADDR_MAX;
    size_t id = l->client_id ? l->client_id_len : 0;
    return 3 * hw + 3 * id + csv_escaped_len(l->hostname) + csv_escaped_len(l->user_context);
}

int csv_check_common(const lease_t *l, enum lease_family fam, char *err, size_t errlen)
{
    char why[160];
    if (l->family != fam)
        return errf(err, errlen, NST_EINVAL, "not an IPv%d lease", (int)fam);
    if (l->hwaddr_len > LEASE_HWADDR_MAX)
        return errf(err, errlen, NST_EINVAL, "hwaddr longer than %d bytes", LEASE_HWADDR_MAX);
    if (l->hostname && strlen(l->hostname) > LEASE_HOSTNAME_MAX)
        return errf(err, errlen, NST_EINVAL, "hostname longer than %d bytes", LEASE_HOSTNAME_MAX);
    if (l->user_context && strlen(l->user_context) > LEASE_USER_CONTEXT_MAX)
        return errf(err, errlen, NST_EINVAL, "user_context longer than %d bytes", LEASE_USER_CONTEXT_MAX);
    if (lease_expire(l) < 0)
        return errf(err, errlen, NST_EINVAL, "expire (cltt + valid_lft) is negative");
    if (l->user_context && *l->user_context && !json_object_ok(l->user_context, why, sizeof why))
        return errf(err, errlen, NST_EINVAL, "user_context: %s", why);
    return 0;
}

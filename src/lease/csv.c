/* Shared memfile CSV text helpers (see csv.h). */
#include "common/util.h"
#include "lease/csv.h"

#include <string.h>

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

#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("nestor: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom();
    return p;
}

char *xstrdup_opt(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        oom();
    return p;
}

size_t hex_colon(char *out, size_t cap, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (o + (i ? 3 : 2) >= cap)
            break;
        if (i)
            out[o++] = ':';
        out[o++] = digits[in[i] >> 4];
        out[o++] = digits[in[i] & 15];
    }
    out[o] = '\0';
    return o;
}

int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int hex_parse(uint8_t *out, size_t cap, const char *text)
{
    const char *p = text;
    size_t n = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    bool separated = strpbrk(p, ":- ") != NULL;
    if (!separated) {
        size_t len = strlen(p);
        /* Odd length: leading digit stands alone (Kea pads with a zero). */
        size_t i = 0;
        if (len % 2) {
            int v = hex_digit(p[0]);
            if (v < 0 || n >= cap)
                return -1;
            out[n++] = (uint8_t)v;
            i = 1;
        }
        for (; i < len; i += 2) {
            int hi = hex_digit(p[i]), lo = hex_digit(p[i + 1]);
            if (hi < 0 || lo < 0 || n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | lo);
        }
        return (int)n;
    }
    char sep = *strpbrk(p, ":- ");
    while (*p) {
        int hi = hex_digit(p[0]);
        if (hi < 0)
            return -1;
        int v = hi;
        p++;
        if (*p && *p != sep) {
            int lo = hex_digit(*p);
            if (lo < 0)
                return -1;
            v = hi << 4 | lo;
            p++;
        }
        if (n >= cap)
            return -1;
        out[n++] = (uint8_t)v;
        if (*p == sep) {
            p++;
            if (!*p)
                return -1;
        } else if (*p) {
            return -1;
        }
    }
    return (int)n;
}

int64_t now_epoch(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec;
}

int64_t now_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void format_timestamp_us(char *out, size_t cap, const struct timespec *ts)
{
    struct tm tm;
    localtime_r(&ts->tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out, cap, "%s.%06ld", base, ts->tv_nsec / 1000);
}

bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

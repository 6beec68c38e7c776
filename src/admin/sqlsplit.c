/* MySQL script splitting (see sqlsplit.h). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "admin/sqlsplit.h"

static bool at_line_start(const char *text, const char *p)
{
    while (p > text && (p[-1] == ' ' || p[-1] == '\t'))
        p--;
    return p == text || p[-1] == '\n';
}

int admin_sql_split(const char *text, admin_sql_stmt_fn fn, void *arg)
{
    char delim[16] = ";";
    size_t dlen = 1;
    const char *start = text, *p = text;
    bool content = false;  /* the current statement has something besides comments and spaces */
    while (*p) {
        if (at_line_start(text, p) && !strncasecmp(p, "DELIMITER", 9) && (p[9] == ' ' || p[9] == '\t')) {
            /* flush what came before (a statement not yet ended is kept going as mysql does not;
             * here it ends at the DELIMITER line) */
            if (content) {
                int r = fn(arg, start, (size_t)(p - start));
                if (r)
                    return r;
            }
            const char *d = p + 9;
            while (*d == ' ' || *d == '\t')
                d++;
            size_t n = 0;
            while (d[n] && !isspace((unsigned char)d[n]) && n < sizeof delim - 1)
                n++;
            if (n) {
                memcpy(delim, d, n);
                delim[n] = 0;
                dlen = n;
            }
            p = strchr(d, '\n');
            p = p ? p + 1 : d + strlen(d);
            start = p;
            content = false;
            continue;
        }
        char c = *p;
        if (c == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == '\t' || p[2] == '\n' || !p[2])) {
            const char *e = strchr(p, '\n');
            p = e ? e : p + strlen(p);
            continue;
        }
        if (c == '#') {
            const char *e = strchr(p, '\n');
            p = e ? e : p + strlen(p);
            continue;
        }
        if (c == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            content = true;
            p++;
            while (*p) {
                if (*p == '\\' && c != '`' && p[1]) {
                    p += 2;
                } else if (*p == c && p[1] == c) {
                    p += 2;
                } else if (*p == c) {
                    p++;
                    break;
                } else {
                    p++;
                }
            }
            continue;
        }
        if (!strncmp(p, delim, dlen)) {
            if (content) {
                int r = fn(arg, start, (size_t)(p - start));
                if (r)
                    return r;
            }
            p += dlen;
            start = p;
            content = false;
            continue;
        }
        if (!isspace((unsigned char)c))
            content = true;
        p++;
    }
    if (content)
        return fn(arg, start, (size_t)(p - start));
    return 0;
}

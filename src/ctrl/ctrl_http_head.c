/* HTTP/1.x request heads (see ctrl_http_head.h). */
#include "ctrl/ctrl_http_head.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

void ctrl_http_head_clear(ctrl_http_head_t *h)
{
    free(h->authorization);
    free(h->content_type);
    *h = (ctrl_http_head_t){.minor = 1};
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

bool ctrl_http_is_json_type(const char *ct)
{
    if (!ct)
        return false;
    static const char want[] = "application/json";
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    char next = ct[sizeof want - 1];
    return next == '\0' || next == ';' || is_space(next);
}

/* Cuts the line at s (ending in LF or CRLF) and returns the start of the next one. */
static char *cut_line(char *s)
{
    char *end = strchr(s, '\n');
    *end = '\0';
    if (end > s && end[-1] == '\r')
        end[-1] = '\0';
    return end + 1;
}

/* Request line "METHOD SP target SP HTTP/1.x". Returns 0 or the refusing status. */
static int parse_request_line(char *line, ctrl_http_head_t *h)
{
    char *sp1 = strchr(line, ' '), *sp2 = strrchr(line, ' ');
    if (!sp1 || sp1 == line || sp2 == sp1)
        return 400;
    size_t ml = (size_t)(sp1 - line);
    snprintf(h->method, sizeof h->method, "%.*s", (int)ml, line);
    const char *v = sp2 + 1;
    if (strncmp(v, "HTTP/", 5) != 0 || !v[5] || v[6] != '.' || !v[7] || v[8])
        return 400;
    if (strcmp(v + 5, "1.0") == 0 || strcmp(v + 5, "1.1") == 0) {
        h->minor = v[7] - '0';
        return 0;
    }
    return 505;
}

static int parse_length(const char *v, uint64_t *out)
{
    uint64_t n = 0;
    if (!*v)
        return 400;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > UINT64_MAX / 10 - 1)
            return 400;
        n = n * 10 + (uint64_t)(*v - '0');
    }
    *out = n;
    return 0;
}

static int parse_lines(char *text, ctrl_http_head_t *h)
{
    char *line = text;
    char *next = cut_line(line);
    int st = parse_request_line(line, h);
    if (st)
        return st;
    bool ka = false, close = false;
    for (line = next; *line; line = next) {
        next = cut_line(line);
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        /* No folded lines, no space before the colon (RFC 9112 5.1, 5.2). */
        if (is_space(*line) || !colon || colon == line || is_space(colon[-1]))
            return 400;
        *colon = '\0';
        char *v = trim(colon + 1);
        if (strcasecmp(line, "Content-Length") == 0) {
            uint64_t n;
            if (parse_length(v, &n) || (h->has_length && n != h->length))
                return 400;
            h->has_length = true;
            h->length = n;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
            h->has_coding = true;
        } else if (strcasecmp(line, "Connection") == 0) {
            for (char *save, *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                t = trim(t);
                close = close || strcasecmp(t, "close") == 0;
                ka = ka || strcasecmp(t, "keep-alive") == 0;
            }
        } else if (strcasecmp(line, "Expect") == 0) {
            h->expect = strcasecmp(v, "100-continue") == 0 ? 1 : -1;
        } else if (strcasecmp(line, "Authorization") == 0 && !h->authorization) {
            h->authorization = xstrdup(v);
        } else if (strcasecmp(line, "Content-Type") == 0 && !h->content_type) {
            h->content_type = xstrdup(v);
        }
    }
    h->keep_alive = !close && (h->minor >= 1 || ka);
    return 0;
}

int ctrl_http_parse_head(char *text, size_t n, ctrl_http_head_t *h)
{
    if (memchr(text, '\0', n) || !n || text[n - 1] != '\n')
        return 400;
    return parse_lines(text, h);
}

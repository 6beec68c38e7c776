/* HTTP/1.x request heads of the control listeners (see ctrl_http_conn.c): the request line and
 * the header fields the listener acts on. Pure functions, no I/O, any thread.
 *
 * Contract: ctrl_http_parse_head() takes a complete head of n bytes, NUL-terminated at text[n],
 * that ends with its empty line (LF or CRLF), parses it in place into h (which must be clear:
 * ctrl_http_head_clear) and returns 0 or the HTTP status that refuses it (400, 505). A NUL byte
 * inside the head, a folded line, a space before a colon, a malformed or conflicting
 * Content-Length are refused. h owns the strings it keeps (authorization, content type). */
#ifndef NESTOR_CTRL_CTRL_HTTP_HEAD_H
#define NESTOR_CTRL_CTRL_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ctrl_http_head {
    char method[16];
    int minor; /* HTTP/1.minor */
    bool keep_alive;
    bool has_length, has_coding;
    uint64_t length;
    int expect; /* 0: none, 1: 100-continue, -1: anything else */
    char *authorization, *content_type;
} ctrl_http_head_t;

int ctrl_http_parse_head(char *text, size_t n, ctrl_http_head_t *h);
/* Frees what h holds and makes it clear (HTTP/1.1, nothing seen). */
void ctrl_http_head_clear(ctrl_http_head_t *h);
/* "application/json", with or without parameters. */
bool ctrl_http_is_json_type(const char *ct);

#endif

/* Shared helpers of the ctrl unit tests: an event base driven from the test thread, a report
 * recorder, non-blocking socket clients that pump the loop while they wait, and the test
 * groups (one per source file). */
#ifndef NESTOR_TESTS_CTRL_TEST_H
#define NESTOR_TESTS_CTRL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctrl/ctrl.h"

struct event_base;

typedef struct ct_env {
    struct event_base *base;
    struct event *tick; /* keeps EVLOOP_ONCE from blocking for long */
    ctrl_t *c;
    char dir[64];       /* scratch directory */
    char log[64][256];  /* "MSGID text" of the last reports */
    int nlog;
    const char *watch[4]; /* counts every report whose "MSGID text" contains watch[i] */
    int watched[4];
} ct_env_t;

/* Creates base, ctrl (report recorded) and a scratch directory. */
ct_env_t *ct_env_new(void);
void ct_env_free(ct_env_t *e);
/* True if a report with msgid (and text containing needle, if given) was recorded. */
bool ct_logged(const ct_env_t *e, const char *msgid, const char *needle);

/* Runs the loop for about ms milliseconds. */
void ct_pump(ct_env_t *e, int ms);

/* UNIX client: non-blocking connect; returns fd. */
int ct_unix_connect(const char *path);
/* TCP client to 127.0.0.1:port; returns fd. */
int ct_tcp_connect(uint16_t port);
/* Sends everything, pumping the loop when the socket is full. */
void ct_send(ct_env_t *e, int fd, const void *data, size_t len);
/* Reads until EOF (or timeout_ms), pumping the loop; returns a NUL-terminated malloc'ed
 * buffer and its length in *len. *eof tells whether the peer closed. */
char *ct_recv_all(ct_env_t *e, int fd, int timeout_ms, size_t *len, bool *eof);

/* One HTTP exchange on a fresh connection with "Connection: close". extra_headers is a
 * string of complete "Name: value\r\n" lines (or NULL). Returns the status code; *headers and
 * *body are malloc'ed (may be NULL args). */
int ct_http(ct_env_t *e, uint16_t port, const char *method, const char *extra_headers,
            const char *body, char **headers, char **body_out);
/* Finds a header value in a raw header block (case-insensitive name); malloc'ed or NULL. */
char *ct_header(const char *headers, const char *name);

/* A test PKI in dir: a CA, a server certificate for IP 127.0.0.1 and a client certificate
 * (PEM files, keys apart). */
typedef struct pki {
    char ca[128], srv_cert[128], srv_key[128], cli_cert[128], cli_key[128];
} pki_t;
void ct_make_pki(const char *dir, pki_t *p);

/* Parses an answer text and checks result and text (text NULL = must be absent). */
void ct_check_answer(const char *json_text, int result, const char *text);

int ct_dispatch_tests(void);
int ct_unix_tests(void);
int ct_http_tests(void);
int ct_tls_tests(void);
int ct_http_limit_tests(void);
int ct_defer_tests(void);
int ct_httpc_tests(void);
int ct_config_tests(void);

#endif

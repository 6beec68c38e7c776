/* Private state of the control channel, shared by ctrl*.c only.
 *
 * Contract: everything here runs on the owning event base's thread (see ctrl.h). Listener and
 * connection lists are owned by the ctrl_t and torn down by ctrl_free. */
#ifndef NESTOR_CTRL_CTRL_INT_H
#define NESTOR_CTRL_CTRL_INT_H

#include <stdbool.h>

#include <event2/listener.h>

#include "common/util.h"
#include "ctrl/ctrl.h"

struct ctrl_cmd {
    char *name;
    cmd_handler_fn fn;   /* one of fn and dfn */
    ctrl_handler_fn dfn;
    void *ud;
    unsigned flags;
};

/* Receives a deferred answer (owned by the callee from then on). */
typedef void (*ctrl_done_fn)(void *arg, json_t *answer);

/* The transports' dispatch: like ctrl_dispatch_json/_text, but when the handler answers later
 * it returns NULL and stores the reply in *pending; done(arg, answer) is then called once,
 * later, unless the transport calls ctrl_reply_detach(*pending) first (its client went away). */
json_t *ctrl_dispatch_async(ctrl_t *c, json_t *req, ctrl_done_fn done, void *arg,
                            ctrl_reply_t **pending);
json_t *ctrl_dispatch_text_async(ctrl_t *c, const char *text, size_t len, ctrl_done_fn done,
                                 void *arg, ctrl_reply_t **pending);
/* Nobody waits for this answer any more: ctrl_reply_send will drop it. */
void ctrl_reply_detach(ctrl_reply_t *r);

struct ctrl_unix_listener;
struct ctrl_unix_conn;
struct ctrl_http_listener;
struct ctrl_http_conn;
struct ssl_ctx_st;

struct ctrl {
    struct event_base *base;
    ctrl_report_fn report;
    void *report_arg;
    struct ctrl_cmd *cmds; /* sorted by name (strcmp) */
    size_t ncmds, capcmds;
    void (*guard_enter)(void *);
    void (*guard_leave)(void *);
    void *guard_arg;
    size_t max_request;
    unsigned timeout_ms;
    struct ctrl_unix_listener *unix_listeners;
    struct ctrl_unix_conn *unix_conns;
    struct ctrl_http_listener *http_listeners; /* open, in opening order */
    struct ctrl_http_conn *http_oldest, *http_newest; /* every HTTP connection, by age */
    unsigned http_conns, http_max_conns;
    size_t http_open_bytes; /* announced bodies being read on listeners without credentials */
    bool http_full; /* the connection cap was reached and reported */
};

/* A listening socket that backs off when accept() fails for want of resources (descriptors,
 * memory, buffers): accepting stops for ACCEPT_BACKOFF_MIN_MS, doubling up to
 * ACCEPT_BACKOFF_MAX_MS while the failures go on. A failure is reported (msgid, error) at most
 * once per ACCEPT_REPORT_INTERVAL_MS, and the next accepted connection after a reported
 * failure is reported once (info, with the number of failed attempts), so a listener that
 * runs out of descriptors again and again writes two lines per interval at most. Shared by
 * the UNIX and HTTP listeners. */
#define ACCEPT_BACKOFF_MIN_MS 100u
#define ACCEPT_BACKOFF_MAX_MS 1000u
#define ACCEPT_REPORT_INTERVAL_MS 60000

typedef struct ctrl_acceptor {
    ctrl_t *c;
    evconnlistener_cb cb;
    void *arg;
    struct evconnlistener *lev;
    struct event *retry;
    const char *msgid;
    char *name;          /* for reports: "command socket /path", "HTTP ... port N" */
    unsigned backoff_ms;  /* 0: accepting normally */
    unsigned long failed; /* accept() failures since the last report of recovery */
    bool reported;        /* a failure was reported, its recovery not yet */
    int64_t reported_ms;  /* when a failure was last reported (monotonic) */
} ctrl_acceptor_t;

/* Watches the listening socket fd (taken over, closed by ctrl_acceptor_close and on failure)
 * and calls cb(..., arg) for every accepted connection. a must stay at its address until
 * closed. NST_EIO if fd cannot be watched. */
int ctrl_acceptor_open(ctrl_acceptor_t *a, ctrl_t *c, evutil_socket_t fd, evconnlistener_cb cb,
                       void *arg, const char *msgid, const char *name);
/* Stops accepting and closes the socket. Safe on a zeroed or closed acceptor. */
void ctrl_acceptor_close(ctrl_acceptor_t *a);

/* One HTTP(S) listener. Connections hold a reference, so a closed listener lives on (not in
 * c->http_listeners) until the answers in flight on its connections are written. */
struct ctrl_http_listener {
    struct ctrl_http_listener *next;
    ctrl_t *c;
    ctrl_acceptor_t acc;
    ctrl_http_config_t *cfg;
    char **tokens; /* base64("user:password") per client, as sent in Authorization */
    size_t ntokens;
    struct ssl_ctx_st *ssl;
    uint16_t port; /* actually bound */
    unsigned refs; /* 1 while open, plus one per connection */
    bool closed;
};

/* Formats and forwards one event to the report callback. */
void ctrl_report(const ctrl_t *c, int severity, const char *msgid, const char *fmt, ...)
    NST_PRINTF(4, 5);

/* Copies s into out (cap >= 8) for a log line: at most max bytes, control characters
 * replaced by '?', "..." appended when cut. Returns out. */
char *ctrl_log_safe(char *out, size_t cap, const char *s, size_t max);

/* HTTP request handling (ctrl_http_conn.c) for the listeners of ctrl_http.c. */
/* Takes over an accepted connection of l, applying the connection cap (c->http_max_conns): at
 * the cap the oldest idle connection is closed to make room, or fd is closed if none is idle. */
void ctrl_http_conn_accept(struct ctrl_http_listener *l, evutil_socket_t fd,
                           const struct sockaddr *sa, int salen);
/* Closes the idle connections of l (all listeners: NULL); busy ones close after their answer. */
void ctrl_http_conn_close_idle(ctrl_t *c, const struct ctrl_http_listener *l);
void ctrl_http_conn_free_all(ctrl_t *c);
/* Basic auth as Kea's BasicHttpAuthConfig::checkAuth; value is the Authorization header (may
 * be NULL). Reports the outcome. True when l has no clients configured. */
bool ctrl_http_auth_ok(const struct ctrl_http_listener *l, const char *value, const char *peer);
/* A TLS context (server or client side) with the trust anchor (CA file or directory; NULL on
 * a client: the system's), certificate chain and key (NULL on a client: none), verifying the
 * peer. NULL with err naming the file at fault. */
struct ssl_ctx_st *ctrl_tls_ctx_new(bool server, const char *ca, const char *cert,
                                    const char *key, char *err, size_t errlen);
/* Drops a reference; frees a closed listener with none left. */
void ctrl_http_listener_unref(struct ctrl_http_listener *l);

/* Transport teardown used by ctrl_free. */
void ctrl_unix_free_all(ctrl_t *c);
void ctrl_http_free_all(ctrl_t *c);

/* Used by ctrl_apply_sockets. */
bool ctrl_unix_is_open(const ctrl_t *c, const char *path);
/* Returns the listener open for address/port, or NULL. *tls receives its TLS flag. */
struct ctrl_http_listener *ctrl_http_find(const ctrl_t *c, const char *address, uint16_t port,
                                          bool *tls);
/* Two-phase in-place update of an open listener: prepare builds the new state (may fail,
 * changes nothing), commit installs it, discard releases an unused prepared state. */
typedef struct ctrl_http_update ctrl_http_update_t;
int ctrl_http_update_prepare(struct ctrl_http_listener *l, const ctrl_http_config_t *cfg,
                             ctrl_http_update_t **out, char *err, size_t errlen);
void ctrl_http_update_commit(struct ctrl_http_listener *l, ctrl_http_update_t *u);
void ctrl_http_update_discard(ctrl_http_update_t *u);
/* Close every listener whose socket is not in cfg (NULL: all). */
void ctrl_unix_close_unlisted(ctrl_t *c, const ctrl_sockets_config_t *cfg);
void ctrl_http_close_unlisted(ctrl_t *c, const ctrl_sockets_config_t *cfg);

#endif

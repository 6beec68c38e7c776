/* Private state of the control channel, shared by ctrl*.c only.
 *
 * Contract: everything here runs on the owning event base's thread (see ctrl.h). Listener and
 * connection lists are owned by the ctrl_t and torn down by ctrl_free. */
#ifndef NESTOR_CTRL_CTRL_INT_H
#define NESTOR_CTRL_CTRL_INT_H

#include <stdbool.h>

#include "common/util.h"
#include "ctrl/ctrl.h"

struct ctrl_cmd {
    char *name;
    cmd_handler_fn fn;
    void *ud;
};

struct ctrl_unix_listener;
struct ctrl_unix_conn;
struct ctrl_http_listener;

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
    struct ctrl_http_listener *http_closing;   /* closed, waiting for replies in flight */
};

/* Formats and forwards one event to the report callback. */
void ctrl_report(const ctrl_t *c, int severity, const char *msgid, const char *fmt, ...)
    NST_PRINTF(4, 5);

/* Copies s into out (cap >= 8) for a log line: at most max bytes, control characters
 * replaced by '?', "..." appended when cut. Returns out. */
char *ctrl_log_safe(char *out, size_t cap, const char *s, size_t max);

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

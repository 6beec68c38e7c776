/* Control channel: command registry, dispatch, and the UNIX / HTTP(S) transports that carry
 * Kea-compatible control commands ({"command": ..., "arguments": {...}} -> {"result": N, ...}).
 *
 * Contract:
 * - Threading: a ctrl_t lives on one libevent base and every function here, every handler and
 *   every report callback runs on that base's thread. A command is exclusive (the default) or
 *   concurrent (CTRL_CMD_CONCURRENT): the optional guard (ctrl_set_guard), with which a daemon
 *   pauses its worker threads, brackets exclusive handlers only.
 * - Deferred answers: a handler registered with ctrl_register_ex may return CTRL_PENDING and
 *   answer later with ctrl_reply_send on the reply it was given (exactly once, on the base's
 *   thread; the guard does not cover that later part). Both transports then send the answer
 *   when it comes; if the client went away first, the answer is dropped (ctrl_reply_wanted
 *   tells). A caller of ctrl_dispatch_json/_text cannot wait: it gets an error answer at once
 *   and the later answer is dropped.
 * - Memory: requests and handler arguments are borrowed by handlers for the duration of the
 *   call (a deferring handler copies what it needs); a handler returns (or sends) a new answer
 *   that the channel owns from then on. ctrl_dispatch_* return a new answer the caller owns.
 *   Configuration structs passed in are copied; the caller keeps ownership.
 * - Errors: functions return 0 or a negative NST_E* code and fill err (when given) with a
 *   sentence naming the problem. Malformed requests never fail a call: they produce a Kea-style
 *   error answer (result 1) instead. Nothing here logs directly: events go to the report
 *   callback given to ctrl_new (severity 0 debug .. 4 fatal, a Kea-style message id and a
 *   finished text).
 * - Transports: one UNIX connection carries one command; the answer is written completely and
 *   the connection is closed. HTTP checks basic auth, method, type and size on the request
 *   head and reads the body only of an acceptable request (a refused one is answered at once
 *   and the connection closed); bodies on listeners without credentials share a budget of
 *   max_request bytes at once (503 beyond it). When accept() fails for want of descriptors or memory, a listener
 *   stops accepting for 100 ms to 1 s (doubling) and reports the episode once. HTTP answers are wrapped in a one-element JSON list like Kea's
 *   Control Agent and HTTP listeners. Closing a listener never cuts a connection in the middle
 *   of a command, so a handler may reconfigure (ctrl_apply_sockets) the listener that carried
 *   its own command.
 * - Writing to a peer that went away must not kill the process: ctrl_new sets SIGPIPE to
 *   ignored if it is still at its default disposition. */
#ifndef NESTOR_CTRL_CTRL_H
#define NESTOR_CTRL_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/cmd.h"
#include "ctrl/ctrl_config.h"

struct event_base;

typedef struct ctrl ctrl_t;

enum ctrl_severity {
    CTRL_SEV_DEBUG = 0,
    CTRL_SEV_INFO = 1,
    CTRL_SEV_WARN = 2,
    CTRL_SEV_ERROR = 3,
    CTRL_SEV_FATAL = 4,
};

typedef void (*ctrl_report_fn)(void *arg, int severity, const char *msgid, const char *text);

/* Default limits (Kea: 10 s receive timeout, src/lib/config/timeouts.h). */
#define CTRL_DEFAULT_MAX_REQUEST (64u * 1024 * 1024)
#define CTRL_DEFAULT_TIMEOUT_MS 10000u
#define CTRL_DEFAULT_MAX_HTTP_CONNS 256u

/* Creates a channel on base with "list-commands" registered. report may be NULL. */
ctrl_t *ctrl_new(struct event_base *base, ctrl_report_fn report, void *arg);
/* Closes every listener and connection (UNIX socket files are removed) and frees c.
 * Must not be called from inside a handler. NULL is allowed. */
void ctrl_free(ctrl_t *c);

/* Registers an exclusive handler that answers at once. NST_EEXIST if name is taken,
 * NST_EINVAL on NULL/empty name or fn. */
int ctrl_register(ctrl_t *c, const char *name, cmd_handler_fn fn, void *ud);

/* A command's answer still to come (see "Deferred answers" above). */
typedef struct ctrl_reply ctrl_reply_t;

enum ctrl_cmd_flags {
    CTRL_CMD_EXCLUSIVE = 0,        /* the guard brackets the handler (workers paused) */
    CTRL_CMD_CONCURRENT = 1u << 0, /* no guard: the handler must be safe beside the workers */
};

/* Returned by a ctrl_handler_fn that keeps reply to answer later. */
extern json_t *const ctrl_pending;
#define CTRL_PENDING ctrl_pending

/* Returns an answer (owned by the channel) or CTRL_PENDING; reply is valid until
 * ctrl_reply_send when CTRL_PENDING is returned, and only during the call otherwise. */
typedef json_t *(*ctrl_handler_fn)(ctrl_reply_t *reply, const char *name, json_t *args,
                                   void *ud);

/* ctrl_register with flags (enum ctrl_cmd_flags) and a handler that may answer later. */
int ctrl_register_ex(ctrl_t *c, const char *name, ctrl_handler_fn fn, void *ud,
                     unsigned flags);

/* Completes a deferred command with answer (consumed; NULL gives an internal-error answer)
 * and frees reply. Called inside the handler, it simply becomes the handler's answer. */
void ctrl_reply_send(ctrl_reply_t *reply, json_t *answer);
/* False once nobody waits for the answer any more (client gone, channel closed). */
bool ctrl_reply_wanted(const ctrl_reply_t *reply);
/* Removes a handler (list-commands cannot be removed). NST_ENOENT if unknown. */
int ctrl_unregister(ctrl_t *c, const char *name);

/* enter(arg) / leave(arg) are called around every handler invocation. NULL clears. */
void ctrl_set_guard(ctrl_t *c, void (*enter)(void *), void (*leave)(void *), void *arg);

/* Largest accepted request in bytes and the receive/idle timeout of a connection in ms
 * (restarted by every received chunk; it also bounds a stalled answer write and an idle HTTP
 * keep-alive connection). 0 keeps the current value. UNIX connections accepted afterwards and
 * HTTP requests started afterwards use the new values. */
void ctrl_set_limits(ctrl_t *c, size_t max_request, unsigned timeout_ms);

/* Most HTTP connections open at once over all listeners (default CTRL_DEFAULT_MAX_HTTP_CONNS;
 * 0 keeps the current value). At the cap a new connection replaces the oldest idle one, or is
 * closed at once if every connection is in the middle of a request. Reported once per episode. */
void ctrl_set_http_max_conns(ctrl_t *c, unsigned n);

/* Raises this process's soft RLIMIT_NOFILE to its hard limit (a daemon calls it at start-up:
 * control connections, lease stores and sockets all need descriptors). *soft (may be NULL)
 * receives the limit now in force (ULONG_MAX for unlimited). */
int ctrl_raise_nofile(unsigned long *soft, char *err, size_t errlen);

/* Parses a request text (comments allowed; only whitespace and comments may follow the
 * object). Returns the JSON value or NULL with a reason in err. Does not check the shape. */
json_t *ctrl_parse_request(const char *text, size_t len, char *err, size_t errlen);

/* Validates the shape of a parsed request exactly as Kea does and runs its handler.
 * req is borrowed. Always returns an answer object. */
json_t *ctrl_dispatch_json(ctrl_t *c, json_t *req);

/* ctrl_parse_request + ctrl_dispatch_json; a malformed text gives {"result": 1, "text": ...}. */
json_t *ctrl_dispatch_text(ctrl_t *c, const char *text, size_t len);

/* Serialises an answer for the wire (sorted keys). Returns a malloc'ed string. */
char *ctrl_answer_dump(const json_t *answer, size_t *len);

/* UNIX stream socket at path (Kea semantics, see ctrl_unix.c). Fails with NST_EBUSY if another
 * live process holds or serves the socket, NST_EEXIST if path is a non-socket file or already
 * open in c, NST_EINVAL if the path is too long. The socket file gets mode 0750. */
int ctrl_unix_listen(ctrl_t *c, const char *path, char *err, size_t errlen);
/* Stops accepting on path and removes the socket file. NST_ENOENT if not open. */
int ctrl_unix_close(ctrl_t *c, const char *path);

/* HTTP or HTTPS (cfg->tls) listener. NST_EEXIST if cfg's address and port are already open
 * in c, NST_ECONFIG for unusable TLS files, NST_EIO if the address cannot be bound. */
int ctrl_http_listen(ctrl_t *c, const ctrl_http_config_t *cfg, char *err, size_t errlen);
/* Stops the listener configured for address/port (as given in its config). */
int ctrl_http_close(ctrl_t *c, const char *address, uint16_t port);
/* Ports actually bound by the open HTTP listeners, in opening order (for port 0).
 * Returns the number of listeners (may exceed max). */
size_t ctrl_http_ports(const ctrl_t *c, uint16_t *ports, size_t max);

/* Makes the open listeners match cfg (NULL = none): sockets present before and after keep
 * their file descriptors (an HTTP listener gets its new credentials, headers and TLS files in
 * place), new ones are opened and the rest are closed. If any new socket cannot be opened,
 * everything is left as it was and an error is returned. Switching one address/port between
 * http and https is refused, as in Kea. */
int ctrl_apply_sockets(ctrl_t *c, const ctrl_sockets_config_t *cfg, char *err, size_t errlen);

#endif

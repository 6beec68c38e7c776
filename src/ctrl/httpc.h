/* HTTP(S) client for control commands to a peer (high availability): POST a JSON command to a
 * Kea-style HTTP control listener (Kea's Control Agent or HA listener, or Nestor's own), get
 * the JSON answer through a callback. Built on libevent's evhttp client.
 *
 * Contract:
 * - Threads: an httpc_t lives on one libevent base; httpc_* and every callback run on that
 *   base's thread only.
 * - One httpc_t talks to one peer over one persistent (keep-alive) connection, opened at the
 *   first request and reopened when it breaks; requests go in order, one at a time. HTTPS uses
 *   a trust anchor (CA file or directory; default: the system's), optionally a client
 *   certificate and key, and checks the peer's certificate against the URL's host name or IP.
 *   Basic auth is sent with every request when a user is configured.
 * - Timeout: each request must be answered within timeout_ms of httpc_post (waiting in the
 *   queue included); then it is cancelled (a connection it was using is reset) and its
 *   callback gets status 0 and an error.
 * - Ownership: configuration strings and the body are copied by the call that takes them.
 *   The callback is called exactly once per accepted request, from the event loop (never from
 *   inside httpc_post); it owns answer (may be NULL) and borrows error (valid during the call).
 *   httpc_free may be called from a callback; it calls the callbacks of the requests not yet
 *   answered with status 0 and error "cancelled" before it returns.
 * - Errors: functions return 0 or a negative NST_E* code with a sentence in err. */
#ifndef NESTOR_CTRL_HTTPC_H
#define NESTOR_CTRL_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct event_base;

typedef struct httpc httpc_t;

typedef struct httpc_config {
    const char *url;          /* "http://host:port/path" or "https://..." (path default "/") */
    const char *user;         /* basic auth; NULL: none */
    const char *password;     /* NULL counts as "" */
    const char *trust_anchor; /* HTTPS: CA file or directory; NULL: the system's */
    const char *cert_file;    /* HTTPS: client certificate chain; NULL: none */
    const char *key_file;     /* HTTPS: its private key */
    bool tls;                 /* HTTPS even when the URL says http:// (the port still defaults
                               * to 80): Kea's HA client, whose TLS settings win over the scheme */
    unsigned timeout_ms;      /* per request; 0: 10000 */
} httpc_config_t;

/* status: the HTTP status, 0 when no answer came (connection or TLS failure, timeout,
 * cancelled). answer: the parsed JSON body (a one-element list, as Kea's listeners wrap
 * answers, is unwrapped; any JSON value, not only a map or a list), NULL if there is none or it
 * is not JSON. error: NULL when status is 200 and answer is set, else what went wrong. */
typedef void (*httpc_done_fn)(void *arg, int status, json_t *answer, const char *error);

/* NST_EINVAL for an unusable URL, NST_ECONFIG for unusable TLS files. */
int httpc_new(struct event_base *base, const httpc_config_t *cfg, httpc_t **out, char *err,
              size_t errlen);
void httpc_free(httpc_t *h);

/* Queues a POST of body (serialised now) as application/json. NST_EIO if libevent refuses
 * the request (the callback is then not called). */
int httpc_post(httpc_t *h, const json_t *body, httpc_done_fn done, void *arg);

#endif

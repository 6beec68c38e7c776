/* HTTP/1.x connections of the control listeners (see ctrl.h; listeners in ctrl_http.c).
 *
 * Behaviour follows Kea's HTTP command listeners (Control Agent 2.2, CmdHttpListener and the
 * 2.7+ "control-sockets" http entries): POST a command as application/json, get the answer
 * wrapped in a one-element JSON list with status 200. Errors at the HTTP level get the matching
 * status and a bare map {"result": <status>, "text": <reason phrase>} like Kea's stock replies.
 * A listener with an accept list (restrict-commands) answers any other named command 403 with
 * {"result": 403, "text": "Forbidden"}, as Kea's HA listener. Differences, chosen for
 * correctness: basic auth is checked before anything else, a wrong method gets 405 (Kea: 400),
 * a wrong Content-Type 415 (Kea: 400), an empty body 400 (Kea: 200 with a result-1 answer).
 *
 * The protocol is the small part of HTTP/1.1 a control client needs: one request at a time per
 * connection (pipelined requests wait in the input buffer), bodies with Content-Length only
 * (as Kea's parser; a Transfer-Encoding gets 411), persistent connections as HTTP/1.1 and 1.0
 * define them, "Expect: 100-continue".
 *
 * Every check (basic auth first) is made on the request head, so a body is only read for an
 * authorised, acceptable request. A request refused before its body is read is answered with
 * "Connection: close"; the connection then drains the unread input (from the socket into a
 * stack buffer: nothing is kept) for a short linger so that the client reads the answer rather
 * than a reset. Bodies grow with what
 * arrives, are freed with their request, and a large one is handed back to the system.
 *
 * Connections are kept by age in c->http_oldest .. c->http_newest and capped at
 * c->http_max_conns: at the cap a new connection replaces the oldest idle one (no request
 * started), or is closed at once when every connection is busy. */
#include "ctrl/ctrl_http_head.h"
#include "ctrl/ctrl_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_HEAD_SIZE (64 * 1024)
#define READ_HIGH_WATER (MAX_HEAD_SIZE + 16 * 1024)
#define LINGER_MS 2000 /* at most, after a closing answer, for the client to close its side */
#define LINGER_BYTES (1024 * 1024) /* at most drained meanwhile */
#define TRIM_BODY_SIZE (1024 * 1024)

enum conn_state {
    ST_HEAD,   /* waiting for (the rest of) a request head; idle if nothing arrived */
    ST_BODY,   /* reading the body */
    ST_BUSY,   /* the command runs or its answer is still to come */
    ST_WRITE,  /* the answer is being written */
    ST_LINGER, /* answered and shut down for writing: draining until the peer closes */
};


struct ctrl_http_conn {
    struct ctrl_http_conn *older, *newer;
    ctrl_t *c;
    struct ctrl_http_listener *l;
    struct bufferevent *bev;
    struct event *linger, *drain;
    size_t drained;
    evutil_socket_t fd;
    enum conn_state st;
    size_t scanned; /* input bytes known to hold no end of head */
    ctrl_http_head_t head;
    char *body;
    size_t blen, bcap;
    size_t reserved; /* share of c->http_open_bytes held by this request */
    ctrl_reply_t *pending; /* the command answers later */
    bool closing;  /* the answer says "Connection: close" */
    bool peer_eof; /* the client shut its side down */
    char peer[INET6_ADDRSTRLEN + 8];
};

static void advance(struct ctrl_http_conn *k);

static void free_string(const void *data, size_t len, void *arg)
{
    free((void *)data);
}

/* Ends the request: its budget goes back and its body's memory to the system. */
static void request_end(struct ctrl_http_conn *k)
{
    k->c->http_open_bytes -= k->reserved;
    k->reserved = 0;
    ctrl_http_head_clear(&k->head);
    free(k->body);
#ifdef __GLIBC__
    /* Freed small chunks stay in malloc's arenas; give a large body's worth back. */
    if (k->bcap >= TRIM_BODY_SIZE)
        malloc_trim(0);
#endif
    k->body = NULL;
    k->blen = k->bcap = 0;
}

static bool conn_idle(const struct ctrl_http_conn *k)
{
    return k->st == ST_HEAD && evbuffer_get_length(bufferevent_get_input(k->bev)) == 0;
}

static void set_timeouts(struct ctrl_http_conn *k, bool reading, bool writing)
{
    unsigned ms = k->c->timeout_ms;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    bufferevent_set_timeouts(k->bev, reading ? &tv : NULL, writing ? &tv : NULL);
}

static void conn_free(struct ctrl_http_conn *k)
{
    ctrl_t *c = k->c;
    ctrl_report(c, CTRL_SEV_DEBUG, "HTTP_CONNECTION_STOP", "closing HTTP connection from %s",
                k->peer);
    *(k->older ? &k->older->newer : &c->http_oldest) = k->newer;
    *(k->newer ? &k->newer->older : &c->http_newest) = k->older;
    c->http_conns--;
    if (k->pending)
        ctrl_reply_detach(k->pending);
    request_end(k);
    bufferevent_free(k->bev);
    if (k->linger)
        event_free(k->linger);
    if (k->drain)
        event_free(k->drain);
    ctrl_http_listener_unref(k->l);
    free(k);
}

static void http_date(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void add_header(struct evbuffer *out, const char *name, const char *value)
{
    /* Configured values cannot split the answer. */
    if (!strpbrk(name, "\r\n") && !strpbrk(value, "\r\n"))
        evbuffer_add_printf(out, "%s: %s\r\n", name, value);
}

/* Queues the answer (body consumed) with the configured extra headers. */
static void respond(struct ctrl_http_conn *k, int code, const char *reason, json_t *body,
                    const char *xname, const char *xvalue)
{
    const ctrl_http_config_t *cfg = k->l->cfg;
    k->closing = k->closing || !k->head.keep_alive || k->l->closed || k->peer_eof;
    size_t len;
    char *text = ctrl_answer_dump(body, &len);
    json_decref(body);
    struct evbuffer *out = bufferevent_get_output(k->bev);
    char date[64];
    http_date(date, sizeof date);
    evbuffer_add_printf(out, "HTTP/1.%d %d %s\r\nDate: %s\r\n", k->head.minor, code, reason,
                        date);
    add_header(out, "Content-Type", "application/json");
    for (size_t i = 0; i < cfg->nheaders; i++)
        add_header(out, cfg->headers[i].name, cfg->headers[i].value);
    if (xname)
        add_header(out, xname, xvalue);
    evbuffer_add_printf(out, "Content-Length: %zu\r\n%s\r\n", len,
                        k->closing           ? "Connection: close\r\n"
                        : k->head.minor == 0 ? "Connection: keep-alive\r\n"
                                             : "");
    if (strcmp(k->head.method, "HEAD") == 0)
        free(text);
    else if (evbuffer_add_reference(out, text, len, free_string, NULL) < 0)
        abort();
    k->st = ST_WRITE;
    set_timeouts(k, false, true);
}

static void respond_stock(struct ctrl_http_conn *k, int code, const char *reason,
                          const char *xname, const char *xvalue)
{
    respond(k, code, reason, cmd_answer(code, reason, NULL), xname, xvalue);
}

/* Answers a request whose body will not be read, and closes after the answer. */
static void refuse(struct ctrl_http_conn *k, int code, const char *reason)
{
    k->closing = true;
    respond_stock(k, code, reason, NULL, NULL);
}

/* Length of the head at the start of in, through its empty line; 0 while incomplete. Scans
 * each input byte once however the head trickles in. */
static size_t head_end(struct ctrl_http_conn *k, struct evbuffer *in)
{
    size_t have = evbuffer_get_length(in);
    struct evbuffer_ptr p;
    if (evbuffer_ptr_set(in, &p, k->scanned, EVBUFFER_PTR_SET) < 0)
        return 0;
    for (;;) {
        p = evbuffer_search(in, "\n", 1, &p);
        if (p.pos < 0) {
            k->scanned = have;
            return 0;
        }
        size_t at = (size_t)p.pos;
        char nx[3];
        size_t n = have - at < 3 ? have - at : 3;
        evbuffer_copyout_from(in, &p, nx, n);
        if (n >= 2 && nx[1] == '\n')
            return at + 2;
        if (n == 3 && nx[1] == '\r' && nx[2] == '\n')
            return at + 3;
        if (n == 1 || (n == 2 && nx[1] == '\r')) {
            k->scanned = at;
            return 0;
        }
        evbuffer_ptr_set(in, &p, 1, EVBUFFER_PTR_ADD);
    }
}

/* Everything is decided on the head, before a byte of the body is read: basic auth first (an
 * unauthenticated client learns nothing else and never gets its body read), then method, type
 * and size. Requests on a listener without credentials share a budget of c->max_request body
 * bytes at once. */
static void on_head(struct ctrl_http_conn *k)
{
    struct ctrl_http_listener *l = k->l;
    ctrl_t *c = k->c;
    ctrl_http_head_t *h = &k->head;
    /* A refusal leaves the body unread: the connection closes after the answer. */
    k->closing = h->length > 0 || h->has_coding;
    if (!ctrl_http_auth_ok(l, h->authorization, k->peer)) {
        char realm[512];
        snprintf(realm, sizeof realm, "Basic realm=\"%s\"", l->cfg->realm ? l->cfg->realm : "");
        respond_stock(k, 401, "Unauthorized", "WWW-Authenticate", realm);
        return;
    }
    if (strcmp(h->method, "POST") != 0) {
        respond_stock(k, 405, "Method Not Allowed", "Allow", "POST");
        return;
    }
    if (!ctrl_http_is_json_type(h->content_type)) {
        respond_stock(k, 415, "Unsupported Media Type", NULL, NULL);
        return;
    }
    if (h->has_coding) {
        respond_stock(k, 411, "Length Required", NULL, NULL);
        return;
    }
    if (h->length > c->max_request) {
        respond_stock(k, 413, "Payload Too Large", NULL, NULL);
        return;
    }
    if (h->length == 0) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command from %s: empty HTTP body", k->peer);
        respond_stock(k, 400, "Bad Request", NULL, NULL);
        return;
    }
    if (h->expect < 0) {
        respond_stock(k, 417, "Expectation Failed", NULL, NULL);
        return;
    }
    if (!l->ntokens) {
        if (c->http_open_bytes > c->max_request ||
            h->length > c->max_request - c->http_open_bytes) {
            ctrl_report(c, CTRL_SEV_WARN, "HTTP_REQUEST_BUDGET",
                        "refusing a request of %llu bytes from %s: unauthenticated requests "
                        "already hold %zu of %zu bytes", (unsigned long long)h->length,
                        k->peer, c->http_open_bytes, c->max_request);
            respond_stock(k, 503, "Service Unavailable", "Retry-After", "1");
            return;
        }
        k->reserved = (size_t)h->length;
        c->http_open_bytes += k->reserved;
    }
    k->closing = false;
    if (h->expect > 0)
        evbuffer_add_printf(bufferevent_get_output(k->bev), "HTTP/1.%d 100 Continue\r\n\r\n",
                            h->minor);
    k->st = ST_BODY;
}

static void read_head(struct ctrl_http_conn *k, struct evbuffer *in)
{
    /* Empty lines before a request line are ignored (RFC 9112 2.2). */
    char ch;
    while (k->scanned == 0 && evbuffer_copyout(in, &ch, 1) == 1 && (ch == '\r' || ch == '\n'))
        evbuffer_drain(in, 1);
    size_t n = head_end(k, in);
    if (n == 0 && evbuffer_get_length(in) <= MAX_HEAD_SIZE)
        return;
    if (n == 0 || n > MAX_HEAD_SIZE) {
        refuse(k, 431, "Request Header Fields Too Large");
        return;
    }
    char *text = xmalloc(n + 1);
    evbuffer_remove(in, text, n);
    text[n] = '\0';
    k->scanned = 0;
    int st = ctrl_http_parse_head(text, n, &k->head);
    free(text);
    if (st == 505)
        refuse(k, 505, "HTTP Version Not Supported");
    else if (st)
        refuse(k, 400, "Bad Request");
    else
        on_head(k);
}

static void handle_request(struct ctrl_http_conn *k);

static void read_body(struct ctrl_http_conn *k, struct evbuffer *in)
{
    size_t want = (size_t)k->head.length - k->blen;
    size_t n = evbuffer_get_length(in);
    if (n > want)
        n = want;
    if (k->blen + n > k->bcap) {
        /* Grows with what arrives, not with what the head announces. */
        size_t cap = k->bcap ? k->bcap * 2 : 16384;
        if (cap < k->blen + n)
            cap = k->blen + n;
        if (cap > k->head.length)
            cap = (size_t)k->head.length;
        k->body = xrealloc(k->body, cap);
        k->bcap = cap;
    }
    evbuffer_remove(in, k->body + k->blen, n);
    k->blen += n;
    if (k->blen == k->head.length) {
        k->st = ST_BUSY;
        set_timeouts(k, false, false);
        handle_request(k);
    }
}

/* The command's answer, now or later. */
static void request_done(void *arg, json_t *ans)
{
    struct ctrl_http_conn *k = arg;
    k->pending = NULL;
    /* Kea's listeners emulate the Control Agent: a single answer goes in a list. */
    if (!json_is_array(ans)) {
        json_t *list = json_array();
        json_array_append_new(list, ans);
        ans = list;
    }
    respond(k, 200, "OK", ans, NULL, NULL);
}

/* Kea's CmdResponseCreator::filterCommand: on a listener with an accept list, a command named
 * (a non-empty string) and not in it is refused; anything else goes on to the dispatch. */
static bool refused_command(struct ctrl_http_conn *k, const json_t *cmd)
{
    const char *const *accept = k->l->cfg->accept;
    const char *name = json_string_value(json_object_get(cmd, "command"));
    if (!accept || !name || !*name)
        return false;
    for (; *accept; accept++)
        if (!strcmp(*accept, name))
            return false;
    const char *colon = strrchr(k->peer, ':');
    char safe[160];
    ctrl_report(k->c, CTRL_SEV_DEBUG, "COMMAND_HTTP_LISTENER_COMMAND_REJECTED",
                "Command HTTP listener rejected command '%s' from '%.*s'",
                ctrl_log_safe(safe, sizeof safe, name, 128),
                (int)(colon ? colon - k->peer : (ptrdiff_t)strlen(k->peer)), k->peer);
    return true;
}

/* A relationship's listener (ctrl_http_config_t.server_name): its server's name into an ha-*
 * command that names none. Arguments that are not a map are left to the handler's error. */
static void add_server_name(const struct ctrl_http_conn *k, json_t *cmd)
{
    const char *sn = k->l->cfg->server_name;
    const char *name = json_string_value(json_object_get(cmd, "command"));
    if (!sn || !name || strncmp(name, "ha-", 3))
        return;
    json_t *args = json_object_get(cmd, "arguments");
    if (!args) {
        args = json_object();
        json_object_set_new(cmd, "arguments", args);
    }
    if (json_is_object(args) && !json_object_get(args, "server-name"))
        json_object_set_new(args, "server-name", json_string(sn));
}

static void handle_request(struct ctrl_http_conn *k)
{
    ctrl_t *c = k->c;
    char err[256];
    json_t *cmd = ctrl_parse_request(k->body, k->blen, err, sizeof err);
    if (!cmd) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command from %s: %s", k->peer, err);
        respond_stock(k, 400, "Bad Request", NULL, NULL);
        return;
    }
    if (refused_command(k, cmd)) {
        json_decref(cmd);
        respond_stock(k, 403, "Forbidden", NULL, NULL);
        return;
    }
    add_server_name(k, cmd);
    json_t *ans = ctrl_dispatch_async(c, cmd, request_done, k, &k->pending);
    json_decref(cmd);
    if (ans)
        request_done(k, ans);
}

static void advance(struct ctrl_http_conn *k)
{
    struct evbuffer *in = bufferevent_get_input(k->bev);
    if (k->st == ST_HEAD)
        read_head(k, in);
    if (k->st == ST_BODY)
        read_body(k, in);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
    advance(arg);
}

static void linger_done(evutil_socket_t fd, short what, void *arg)
{
    conn_free(arg);
}

/* Discards what the client still sends, straight from the socket (TLS records unread): no
 * memory is allocated for it, and LINGER_BYTES at most are taken. */
static void linger_drain(evutil_socket_t fd, short what, void *arg)
{
    struct ctrl_http_conn *k = arg;
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0 && (k->drained += (size_t)n) < LINGER_BYTES)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        conn_free(k); /* the client's end, an error, or enough */
        return;
    }
}

/* The closing answer is out: shut our side down and wait (briefly) for the client's end, so
 * that unread input does not turn the close into a reset that could lose the answer. */
static void start_linger(struct ctrl_http_conn *k)
{
    SSL *ssl = bufferevent_openssl_get_ssl(k->bev);
    if (ssl)
        SSL_shutdown(ssl);
    if (k->peer_eof || shutdown(k->fd, SHUT_WR) < 0) {
        conn_free(k);
        return;
    }
    k->st = ST_LINGER;
    set_timeouts(k, false, false);
    bufferevent_disable(k->bev, EV_READ | EV_WRITE);
    evbuffer_drain(bufferevent_get_input(k->bev),
                   evbuffer_get_length(bufferevent_get_input(k->bev)));
    k->linger = evtimer_new(k->c->base, linger_done, k);
    k->drain = event_new(k->c->base, k->fd, EV_READ | EV_PERSIST, linger_drain, k);
    unsigned ms = k->c->timeout_ms < LINGER_MS ? k->c->timeout_ms : LINGER_MS;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(k->linger, &tv);
    event_add(k->drain, NULL);
}

static void conn_write(struct bufferevent *bev, void *arg)
{
    struct ctrl_http_conn *k = arg;
    if (k->st != ST_WRITE || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
        return;
    request_end(k);
    if (k->closing || k->peer_eof) {
        start_linger(k);
        return;
    }
    k->st = ST_HEAD;
    set_timeouts(k, true, true);
    advance(k); /* a pipelined request may be waiting */
}

/* A connection failed: a TLS handshake that failed is an operator's business (a peer whose
 * certificate this listener refuses, or that refuses this listener's), reported as Kea's
 * HTTP_CONNECTION_HANDSHAKE_FAILED (info) with OpenSSL's reason; any other error is debug. */
static void report_error(struct ctrl_http_conn *k)
{
    unsigned long e, first = 0;
    while ((e = bufferevent_get_openssl_error(k->bev)))
        if (!first)
            first = e;
    char detail[200];
    if (first)
        ERR_error_string_n(first, detail, sizeof detail);
    else
        snprintf(detail, sizeof detail, "%s", strerror(EVUTIL_SOCKET_ERROR()));
    SSL *ssl = bufferevent_openssl_get_ssl(k->bev);
    if (ssl && !SSL_is_init_finished(ssl))
        ctrl_report(k->c, CTRL_SEV_INFO, "HTTP_CONNECTION_HANDSHAKE_FAILED",
                    "TLS handshake with %s failed with %s", k->peer, detail);
    else
        ctrl_report(k->c, CTRL_SEV_DEBUG, "HTTP_CONNECTION_ERROR",
                    "error on HTTP connection from %s: %s", k->peer, detail);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    struct ctrl_http_conn *k = arg;
    if (what & BEV_EVENT_CONNECTED)
        return;
    if ((what & BEV_EVENT_EOF) && (k->st == ST_BUSY || k->st == ST_WRITE)) {
        /* Half-closed by a client that still waits for the answer. */
        k->peer_eof = true;
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        ctrl_report(k->c, CTRL_SEV_DEBUG, "HTTP_IDLE_CONNECTION_TIMEOUT_OCCURRED",
                    "closing HTTP connection from %s after a timeout", k->peer);
    else if ((what & BEV_EVENT_ERROR) && k->st != ST_LINGER)
        report_error(k);
    conn_free(k);
}

static void peer_text(const struct sockaddr *sa, char *out, size_t cap)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        port = ntohs(s6->sin6_port);
    }
    snprintf(out, cap, "%s:%u", a, port);
}

/* Makes room under the cap. False if fd must be refused. */
static bool make_room(ctrl_t *c)
{
    if (c->http_conns < c->http_max_conns) {
        c->http_full = false;
        return true;
    }
    struct ctrl_http_conn *old = c->http_oldest;
    while (old && !conn_idle(old))
        old = old->newer;
    if (!c->http_full)
        ctrl_report(c, CTRL_SEV_WARN, "HTTP_CONNECTION_LIMIT",
                    "%u HTTP control connections are open, the limit: new connections replace "
                    "idle ones, or are refused while none is idle", c->http_conns);
    c->http_full = true;
    if (!old)
        return false;
    conn_free(old);
    return true;
}

void ctrl_http_conn_accept(struct ctrl_http_listener *l, evutil_socket_t fd,
                           const struct sockaddr *sa, int salen)
{
    ctrl_t *c = l->c;
    if (!make_room(c)) {
        close(fd);
        return;
    }
    struct bufferevent *bev;
    if (l->ssl) {
        SSL *ssl = SSL_new(l->ssl);
        if (!ssl)
            abort();
        bev = bufferevent_openssl_socket_new(c->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE);
        if (bev)
            bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    } else {
        bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev)
        abort();
    struct ctrl_http_conn *k = xcalloc(1, sizeof(*k));
    k->c = c;
    k->l = l;
    l->refs++;
    k->bev = bev;
    k->fd = fd;
    k->head.minor = 1;
    peer_text(sa, k->peer, sizeof k->peer);
    k->older = c->http_newest;
    *(k->older ? &k->older->newer : &c->http_oldest) = k;
    c->http_newest = k;
    c->http_conns++;
    bufferevent_setcb(bev, conn_read, conn_write, conn_event, k);
    bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH_WATER);
    set_timeouts(k, true, true);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    ctrl_report(c, CTRL_SEV_DEBUG, "HTTP_CONNECTION_START", "accepted HTTP connection from %s",
                k->peer);
}

void ctrl_http_conn_close_idle(ctrl_t *c, const struct ctrl_http_listener *l)
{
    struct ctrl_http_conn *k = c->http_oldest;
    while (k) {
        struct ctrl_http_conn *next = k->newer;
        if (!l || k->l == l) {
            if (conn_idle(k))
                conn_free(k);
            else
                k->closing = true;
        }
        k = next;
    }
}

void ctrl_http_conn_free_all(ctrl_t *c)
{
    while (c->http_oldest)
        conn_free(c->http_oldest);
}

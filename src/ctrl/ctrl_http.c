/* HTTP / HTTPS control listener on libevent's evhttp (see ctrl.h).
 *
 * Behaviour follows Kea's HTTP command listeners (Control Agent 2.2, CmdHttpListener and the
 * 2.7+ "control-sockets" http entries): POST a command as application/json, get the answer
 * wrapped in a one-element JSON list with status 200. Errors at the HTTP level get the matching
 * status and a bare map {"result": <status>, "text": <reason phrase>} like Kea's stock replies.
 * Differences, chosen for correctness: basic auth is checked before anything else, a wrong
 * method gets 405 (Kea: 400), a wrong Content-Type 415 (Kea: 400), an empty body 400 (Kea:
 * 200 with a result-1 answer). Bodies over the limit are refused by evhttp itself with 413
 * before they are read; libevent 2.1 has no hook for that reply, so it carries evhttp's small
 * HTML body instead of JSON (as do evhttp's own 400s for unparsable request heads). */
#include "ctrl/ctrl_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "common/errcode.h"

#define MAX_HEADERS_SIZE (64 * 1024)

struct ctrl_http_listener {
    struct ctrl_http_listener *next;
    ctrl_t *c;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    ctrl_http_config_t *cfg;
    char **tokens; /* base64("user:password") per client, as sent in Authorization */
    size_t ntokens;
    SSL_CTX *ssl;
    uint16_t port; /* actually bound */
    unsigned inflight;
    struct event *reaper; /* frees a closed listener once its replies are out */
};

struct ctrl_http_update {
    ctrl_http_config_t *cfg;
    char **tokens;
    size_t ntokens;
    SSL_CTX *ssl;
};

static void free_string(const void *data, size_t len, void *arg)
{
    free((void *)data);
}

static void tokens_free(char **t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        explicit_bzero(t[i], strlen(t[i]));
        free(t[i]);
    }
    free(t);
}

static char **tokens_build(const ctrl_http_config_t *cfg)
{
    char **t = xcalloc(cfg->nclients ? cfg->nclients : 1, sizeof(*t));
    for (size_t i = 0; i < cfg->nclients; i++) {
        char *cred = NULL;
        int n = asprintf(&cred, "%s:%s", cfg->clients[i].user, cfg->clients[i].password);
        if (n < 0)
            abort();
        t[i] = xmalloc(4 * (((size_t)n + 2) / 3) + 1);
        EVP_EncodeBlock((unsigned char *)t[i], (const unsigned char *)cred, n);
        explicit_bzero(cred, (size_t)n);
        free(cred);
    }
    return t;
}

static void ssl_error(char *err, size_t errlen, const char *what, const char *path)
{
    char detail[160];
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, detail, sizeof detail);
    else
        snprintf(detail, sizeof detail, "unknown error");
    ERR_clear_error();
    snprintf(err, errlen, "load of %s '%s' failed: %s", what, path, detail);
}

/* TLS context as Kea's TlsContextBase::configure: CA file or directory, certificate chain,
 * key; a client certificate is required unless cert-required is false. */
static SSL_CTX *tls_ctx(const ctrl_http_config_t *cfg, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_error(err, errlen, "TLS context", "-");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    struct stat st;
    bool dir = stat(cfg->trust_anchor, &st) == 0 && S_ISDIR(st.st_mode);
    if (SSL_CTX_load_verify_locations(ctx, dir ? NULL : cfg->trust_anchor,
                                      dir ? cfg->trust_anchor : NULL) != 1) {
        ssl_error(err, errlen, dir ? "CA directory" : "CA file", cfg->trust_anchor);
        goto fail;
    }
    if (!dir) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->trust_anchor);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
        ssl_error(err, errlen, "cert file", cfg->cert_file);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
        ssl_error(err, errlen, "private key file", cfg->key_file);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error(err, errlen, "private key file (does not match the certificate)",
                  cfg->key_file);
        goto fail;
    }
    SSL_CTX_set_verify(ctx,
                       cfg->cert_required ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                          : SSL_VERIFY_NONE,
                       NULL);
    ERR_clear_error();
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static struct bufferevent *make_tls_bev(struct event_base *base, void *arg)
{
    struct ctrl_http_listener *l = arg;
    SSL *ssl = SSL_new(l->ssl);
    /* Returning NULL would make evhttp fall back to plain text on a TLS port. */
    if (!ssl)
        abort();
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        abort();
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static void peer_name(struct evhttp_request *req, char *out, size_t cap)
{
    char *addr = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon)
        evhttp_connection_get_peer(evcon, &addr, &port);
    snprintf(out, cap, "%s:%u", addr ? addr : "?", (unsigned)port);
}

/* Sends body (consumed) with the configured extra headers. */
static void reply(struct ctrl_http_listener *l, struct evhttp_request *req, int code,
                  const char *reason, json_t *body, const char *xname, const char *xvalue)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/json");
    for (size_t i = 0; i < l->cfg->nheaders; i++)
        evhttp_add_header(h, l->cfg->headers[i].name, l->cfg->headers[i].value);
    if (xname)
        evhttp_add_header(h, xname, xvalue);
    size_t len;
    char *text = ctrl_answer_dump(body, &len);
    json_decref(body);
    struct evbuffer *b = evbuffer_new();
    if (!b || evbuffer_add_reference(b, text, len, free_string, NULL) < 0)
        abort();
    evhttp_send_reply(req, code, reason, b);
    evbuffer_free(b);
}

static void reply_stock(struct ctrl_http_listener *l, struct evhttp_request *req, int code,
                        const char *reason, const char *xname, const char *xvalue)
{
    reply(l, req, code, reason, cmd_answer(code, reason, NULL), xname, xvalue);
}

/* Constant-time for equal lengths; the length of a configured credential is not secret. */
static bool token_equal(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen) {
        (void)CRYPTO_memcmp(b, b, blen);
        return false;
    }
    return CRYPTO_memcmp(a, b, alen) == 0;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Kea's BasicHttpAuthConfig::checkAuth: "Basic" (any case), then the base64 credential. */
static bool auth_ok(struct ctrl_http_listener *l, struct evhttp_request *req, const char *peer)
{
    const char *v = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (!v) {
        ctrl_report(l->c, CTRL_SEV_INFO, "HTTP_CLIENT_REQUEST_NO_AUTH_HEADER",
                    "received HTTP request from %s without required authentication header",
                    peer);
        return false;
    }
    size_t len = strlen(v);
    while (len && is_space(*v))
        v++, len--;
    while (len && is_space(v[len - 1]))
        len--;
    const char *why = NULL;
    if (len < 8)
        why = "header content is too short";
    else if (strncasecmp(v, "basic", 5) != 0)
        why = "not basic authentication";
    if (why) {
        ctrl_report(l->c, CTRL_SEV_INFO, "HTTP_CLIENT_REQUEST_BAD_AUTH_HEADER",
                    "received HTTP request from %s with malformed authentication header: %s",
                    peer, why);
        return false;
    }
    v += 5;
    len -= 5;
    while (len && is_space(*v))
        v++, len--;
    size_t found = l->ntokens;
    for (size_t i = 0; i < l->ntokens; i++) {
        bool eq = token_equal(v, len, l->tokens[i]);
        if (eq && found == l->ntokens)
            found = i;
    }
    if (found == l->ntokens) {
        ctrl_report(l->c, CTRL_SEV_INFO, "HTTP_CLIENT_REQUEST_NOT_AUTHORIZED",
                    "received HTTP request from %s with not matching authentication header",
                    peer);
        return false;
    }
    char safe[160];
    ctrl_report(l->c, CTRL_SEV_INFO, "HTTP_CLIENT_REQUEST_AUTHORIZED",
                "received HTTP request from %s authorized for '%s'", peer,
                ctrl_log_safe(safe, sizeof safe, l->cfg->clients[found].user, 128));
    return true;
}

static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (is_space(*ct))
        ct++;
    static const char want[] = "application/json";
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    char next = ct[sizeof want - 1];
    return next == '\0' || next == ';' || is_space(next);
}

static void schedule_reap(struct ctrl_http_listener *l, bool now)
{
    struct timeval tv = {.tv_sec = now ? 0 : (l->c->timeout_ms + 999) / 1000, .tv_usec = 0};
    evtimer_add(l->reaper, &tv);
}

static void on_complete(struct evhttp_request *req, void *arg)
{
    struct ctrl_http_listener *l = arg;
    if (l->inflight)
        l->inflight--;
    if (l->reaper && l->inflight == 0)
        schedule_reap(l, true);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct ctrl_http_listener *l = arg;
    ctrl_t *c = l->c;
    l->inflight++;
    evhttp_request_set_on_complete_cb(req, on_complete, l);
    char peer[80];
    peer_name(req, peer, sizeof peer);
    if (l->ntokens && !auth_ok(l, req, peer)) {
        char realm[512];
        snprintf(realm, sizeof realm, "Basic realm=\"%s\"", l->cfg->realm ? l->cfg->realm : "");
        reply_stock(l, req, 401, "Unauthorized", "WWW-Authenticate", realm);
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        reply_stock(l, req, 405, "Method Not Allowed", "Allow", "POST");
        return;
    }
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    if (!is_json_type(ct)) {
        reply_stock(l, req, 415, "Unsupported Media Type", NULL, NULL);
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len > c->max_request) {
        reply_stock(l, req, 413, "Payload Too Large", NULL, NULL);
        return;
    }
    if (len == 0) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command from %s: empty HTTP body", peer);
        reply_stock(l, req, 400, "Bad Request", NULL, NULL);
        return;
    }
    const char *body = (const char *)evbuffer_pullup(in, -1);
    char err[256];
    json_t *cmd = ctrl_parse_request(body, len, err, sizeof err);
    if (!cmd) {
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command from %s: %s", peer, err);
        reply_stock(l, req, 400, "Bad Request", NULL, NULL);
        return;
    }
    json_t *ans = ctrl_dispatch_json(c, cmd);
    json_decref(cmd);
    /* Kea's listeners emulate the Control Agent: a single answer goes in a list. */
    if (!json_is_array(ans)) {
        json_t *list = json_array();
        json_array_append_new(list, ans);
        ans = list;
    }
    reply(l, req, 200, "OK", ans, NULL, NULL);
}

static void listener_destroy(struct ctrl_http_listener *l)
{
    if (l->bound)
        evhttp_del_accept_socket(l->http, l->bound);
    evhttp_free(l->http);
    if (l->reaper)
        event_free(l->reaper);
    SSL_CTX_free(l->ssl);
    tokens_free(l->tokens, l->ntokens);
    ctrl_http_config_free(l->cfg);
    free(l);
}

static void reap(evutil_socket_t fd, short what, void *arg)
{
    struct ctrl_http_listener *l = arg;
    for (struct ctrl_http_listener **pl = &l->c->http_closing; *pl; pl = &(*pl)->next) {
        if (*pl == l) {
            *pl = l->next;
            break;
        }
    }
    listener_destroy(l);
}

int ctrl_http_listen(ctrl_t *c, const ctrl_http_config_t *cfg, char *err, size_t errlen)
{
    if (!cfg || !cfg->address) {
        snprintf(err, errlen, "HTTP control socket without an address");
        return NST_EINVAL;
    }
    bool tls;
    if (ctrl_http_find(c, cfg->address, cfg->port, &tls)) {
        snprintf(err, errlen, "HTTP control socket %s port %u is already open", cfg->address,
                 cfg->port);
        return NST_EEXIST;
    }
    SSL_CTX *ssl = NULL;
    if (cfg->tls && !(ssl = tls_ctx(cfg, err, errlen)))
        return NST_ECONFIG;
    struct ctrl_http_listener *l = xcalloc(1, sizeof(*l));
    l->c = c;
    l->ssl = ssl;
    l->cfg = ctrl_http_config_dup(cfg);
    l->tokens = tokens_build(cfg);
    l->ntokens = cfg->nclients;
    l->http = evhttp_new(c->base);
    if (!l->http)
        abort();
    evhttp_set_gencb(l->http, on_request, l);
    evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                            EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_max_body_size(l->http, (ev_ssize_t)c->max_request);
    evhttp_set_max_headers_size(l->http, MAX_HEADERS_SIZE);
    evhttp_set_timeout(l->http, (int)((c->timeout_ms + 999) / 1000));
    if (ssl)
        evhttp_set_bevcb(l->http, make_tls_bev, l);
    errno = 0;
    l->bound = evhttp_bind_socket_with_handle(l->http, cfg->address, cfg->port);
    if (!l->bound) {
        int e = errno;
        snprintf(err, errlen, "cannot bind HTTP control socket %s port %u: %s", cfg->address,
                 cfg->port, e ? strerror(e) : "address not usable");
        listener_destroy(l);
        return NST_EIO;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    l->port = cfg->port;
    if (getsockname(evhttp_bound_socket_get_fd(l->bound), (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            l->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    struct ctrl_http_listener **tail = &c->http_listeners;
    while (*tail)
        tail = &(*tail)->next;
    *tail = l;
    ctrl_report(c, CTRL_SEV_INFO, "COMMAND_HTTP_LISTENER_STARTED",
                "command HTTP listener started on address %s port %u, use TLS: %s",
                cfg->address, l->port, ssl ? "true" : "false");
    if (!ssl && !l->ntokens)
        ctrl_report(c, CTRL_SEV_WARN, "COMMAND_HTTP_SOCKET_SECURITY_WARNING",
                    "command socket configuration is NOT SECURE: HTTP on %s port %u has "
                    "neither TLS nor authentication", cfg->address, l->port);
    return 0;
}

int ctrl_http_close(ctrl_t *c, const char *address, uint16_t port)
{
    for (struct ctrl_http_listener **pl = &c->http_listeners; *pl; pl = &(*pl)->next) {
        struct ctrl_http_listener *l = *pl;
        if (l->cfg->port != port || strcmp(l->cfg->address, address) != 0)
            continue;
        *pl = l->next;
        /* Stop accepting now; free once the replies in flight (possibly the one to the
         * command that closes us) are written. */
        evhttp_del_accept_socket(l->http, l->bound);
        l->bound = NULL;
        l->reaper = evtimer_new(c->base, reap, l);
        l->next = c->http_closing;
        c->http_closing = l;
        schedule_reap(l, l->inflight == 0);
        ctrl_report(c, CTRL_SEV_INFO, "COMMAND_HTTP_LISTENER_STOPPED",
                    "command HTTP listener for address %s port %u stopped", address, port);
        return 0;
    }
    return NST_ENOENT;
}

size_t ctrl_http_ports(const ctrl_t *c, uint16_t *ports, size_t max)
{
    size_t n = 0;
    for (const struct ctrl_http_listener *l = c->http_listeners; l; l = l->next, n++)
        if (n < max)
            ports[n] = l->port;
    return n;
}

struct ctrl_http_listener *ctrl_http_find(const ctrl_t *c, const char *address, uint16_t port,
                                          bool *tls)
{
    for (struct ctrl_http_listener *l = c->http_listeners; l; l = l->next) {
        if (l->cfg->port == port && strcmp(l->cfg->address, address) == 0) {
            *tls = l->ssl != NULL;
            return l;
        }
    }
    return NULL;
}

int ctrl_http_update_prepare(struct ctrl_http_listener *l, const ctrl_http_config_t *cfg,
                             ctrl_http_update_t **out, char *err, size_t errlen)
{
    SSL_CTX *ssl = NULL;
    if (cfg->tls && !(ssl = tls_ctx(cfg, err, errlen)))
        return NST_ECONFIG;
    ctrl_http_update_t *u = xcalloc(1, sizeof(*u));
    u->ssl = ssl;
    u->cfg = ctrl_http_config_dup(cfg);
    u->tokens = tokens_build(cfg);
    u->ntokens = cfg->nclients;
    *out = u;
    return 0;
}

void ctrl_http_update_commit(struct ctrl_http_listener *l, ctrl_http_update_t *u)
{
    /* Connections already set up keep a reference to the old SSL_CTX (SSL_new takes one). */
    SSL_CTX *old_ssl = l->ssl;
    char **old_tokens = l->tokens;
    size_t old_n = l->ntokens;
    ctrl_http_config_t *old_cfg = l->cfg;
    l->ssl = u->ssl;
    l->tokens = u->tokens;
    l->ntokens = u->ntokens;
    l->cfg = u->cfg;
    SSL_CTX_free(old_ssl);
    tokens_free(old_tokens, old_n);
    ctrl_http_config_free(old_cfg);
    free(u);
    ctrl_report(l->c, CTRL_SEV_INFO, "HTTP_COMMAND_MGR_SERVICE_UPDATED",
                "reused HTTP%s service bound to address %s port %u with updated settings",
                l->ssl ? "S" : "", l->cfg->address, l->port);
}

void ctrl_http_update_discard(ctrl_http_update_t *u)
{
    if (!u)
        return;
    SSL_CTX_free(u->ssl);
    tokens_free(u->tokens, u->ntokens);
    ctrl_http_config_free(u->cfg);
    free(u);
}

void ctrl_http_close_unlisted(ctrl_t *c, const ctrl_sockets_config_t *cfg)
{
    struct ctrl_http_listener *l = c->http_listeners;
    while (l) {
        struct ctrl_http_listener *next = l->next;
        bool keep = false;
        for (size_t i = 0; cfg && i < cfg->n && !keep; i++) {
            const ctrl_socket_config_t *s = &cfg->items[i];
            keep = s->type != CTRL_SOCK_UNIX && s->http.port == l->cfg->port &&
                   strcmp(s->http.address, l->cfg->address) == 0;
        }
        if (!keep)
            ctrl_http_close(c, l->cfg->address, l->cfg->port);
        l = next;
    }
}

void ctrl_http_free_all(ctrl_t *c)
{
    while (c->http_listeners) {
        struct ctrl_http_listener *l = c->http_listeners;
        c->http_listeners = l->next;
        listener_destroy(l);
    }
    while (c->http_closing) {
        struct ctrl_http_listener *l = c->http_closing;
        c->http_closing = l->next;
        listener_destroy(l);
    }
}

/* HTTP / HTTPS control listeners (see ctrl.h): listening sockets, TLS contexts and the
 * credentials of basic auth. The requests themselves are handled in ctrl_http_conn.c.
 *
 * Listeners accept through ctrl_acceptor (back-off when descriptors run out) and hand every
 * connection to ctrl_http_conn_accept, which applies the connection cap. */
#include "ctrl/ctrl_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "common/errcode.h"

#define HTTP_BACKLOG 128

struct ctrl_http_update {
    ctrl_http_config_t *cfg;
    char **tokens;
    size_t ntokens;
    SSL_CTX *ssl;
};

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

struct ssl_ctx_st *ctrl_tls_ctx_new(bool server, const char *ca, const char *cert,
                                    const char *key, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        ssl_error(err, errlen, "TLS context", "-");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    struct stat st;
    bool dir = ca && stat(ca, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ca) {
        SSL_CTX_set_default_verify_paths(ctx);
    } else if (SSL_CTX_load_verify_locations(ctx, dir ? NULL : ca, dir ? ca : NULL) != 1) {
        ssl_error(err, errlen, dir ? "CA directory" : "CA file", ca);
        goto fail;
    }
    if (server && !dir) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
    }
    if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ssl_error(err, errlen, "cert file", cert);
        goto fail;
    }
    if (key && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ssl_error(err, errlen, "private key file", key);
        goto fail;
    }
    if ((cert || key) && SSL_CTX_check_private_key(ctx) != 1) {
        ssl_error(err, errlen, "private key file (does not match the certificate)",
                  key ? key : "-");
        goto fail;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ERR_clear_error();
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* TLS context as Kea's TlsContextBase::configure: CA file or directory, certificate chain,
 * key; a client certificate is required unless cert-required is false. */
static SSL_CTX *tls_ctx(const ctrl_http_config_t *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = ctrl_tls_ctx_new(true, cfg->trust_anchor, cfg->cert_file, cfg->key_file, err,
                                    errlen);
    if (ctx)
        SSL_CTX_set_verify(ctx,
                           cfg->cert_required ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                              : SSL_VERIFY_NONE,
                           NULL);
    return ctx;
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
bool ctrl_http_auth_ok(const struct ctrl_http_listener *l, const char *v, const char *peer)
{
    if (!l->ntokens)
        return true;
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

static void listener_destroy(struct ctrl_http_listener *l)
{
    ctrl_acceptor_close(&l->acc);
    SSL_CTX_free(l->ssl);
    tokens_free(l->tokens, l->ntokens);
    ctrl_http_config_free(l->cfg);
    free(l);
}

void ctrl_http_listener_unref(struct ctrl_http_listener *l)
{
    if (--l->refs == 0)
        listener_destroy(l);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    ctrl_http_conn_accept(arg, fd, sa, salen);
}

/* A bound, listening, non-blocking socket for address/port (as evhttp_bind_socket did). */
static int open_socket(const char *address, uint16_t port, evutil_socket_t *out, char *err,
                       size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo *ai;
    int g = getaddrinfo(address, service, &hints, &ai);
    if (g != 0) {
        snprintf(err, errlen, "cannot bind HTTP control socket %s port %u: %s", address, port,
                 gai_strerror(g));
        return NST_EIO;
    }
    int one = 1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, HTTP_BACKLOG) < 0) {
        snprintf(err, errlen, "cannot bind HTTP control socket %s port %u: %s", address, port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return NST_EIO;
    }
    freeaddrinfo(ai);
    *out = fd;
    return 0;
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
    evutil_socket_t fd;
    int rc = open_socket(cfg->address, cfg->port, &fd, err, errlen);
    if (rc < 0) {
        SSL_CTX_free(ssl);
        return rc;
    }
    struct ctrl_http_listener *l = xcalloc(1, sizeof(*l));
    l->c = c;
    l->ssl = ssl;
    l->cfg = ctrl_http_config_dup(cfg);
    l->tokens = tokens_build(cfg);
    l->ntokens = cfg->nclients;
    l->refs = 1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    l->port = cfg->port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            l->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            l->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    char name[300];
    snprintf(name, sizeof name, "HTTP control socket %s port %u", cfg->address, l->port);
    if (ctrl_acceptor_open(&l->acc, c, fd, on_accept, l, "COMMAND_HTTP_ACCEPT_FAIL", name) < 0) {
        snprintf(err, errlen, "cannot watch %s", name);
        listener_destroy(l);
        return NST_EIO;
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
        /* Stop accepting now; connections in the middle of a request (possibly the one to
         * the command that closes us) close once their answer is written. */
        ctrl_acceptor_close(&l->acc);
        l->closed = true;
        /* address may be l's own. */
        ctrl_report(c, CTRL_SEV_INFO, "COMMAND_HTTP_LISTENER_STOPPED",
                    "command HTTP listener for address %s port %u stopped", address, port);
        ctrl_http_conn_close_idle(c, l);
        ctrl_http_listener_unref(l);
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
    /* Connections first: they release closed listeners and detach pending answers. */
    ctrl_http_conn_free_all(c);
    while (c->http_listeners) {
        struct ctrl_http_listener *l = c->http_listeners;
        c->http_listeners = l->next;
        ctrl_http_listener_unref(l);
    }
}

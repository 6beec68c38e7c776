/* HTTP(S) client for control commands on libevent's evhttp (see httpc.h).
 *
 * evhttp may run a request's callback from inside evhttp_make_request (a connection that
 * fails at once) and forbids freeing the connection from its callbacks. So evhttp's callbacks
 * only record the outcome and arm the request's event with a zero timeout; the caller's
 * callback runs from that event, which is also the request's timeout. */
#include "ctrl/httpc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/errcode.h"
#include "ctrl/ctrl_int.h"

#define DEFAULT_TIMEOUT_MS 10000u

typedef struct httpc_req {
    struct httpc_req *prev, *next;
    httpc_t *h;
    struct evhttp_request *req; /* NULL once evhttp is done with it */
    struct event *ev;           /* timeout, then completion */
    httpc_done_fn done;
    void *arg;
    bool finished;              /* evhttp answered or failed */
    int failure;                /* enum evhttp_request_error + 1; 0: none reported */
    int status;
    json_t *answer;
    char error[256];
} httpc_req_t;

struct httpc {
    struct event_base *base;
    struct evhttp_connection *evcon;
    struct bufferevent *bev; /* TLS only; owned by evcon */
    SSL_CTX *ssl;
    char *host, *host_header, *path, *auth;
    uint16_t port;
    unsigned timeout_ms;
    httpc_req_t *reqs;
    int in_cb;
    bool dying;
};

static void ms_to_tv(unsigned ms, struct timeval *tv)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}

static void destroy(httpc_t *h)
{
    if (h->evcon)
        evhttp_connection_free(h->evcon);
    SSL_CTX_free(h->ssl);
    free(h->host);
    free(h->host_header);
    free(h->path);
    if (h->auth)
        explicit_bzero(h->auth, strlen(h->auth));
    free(h->auth);
    free(h);
}

static void unlink_req(httpc_req_t *r)
{
    *(r->prev ? &r->prev->next : &r->h->reqs) = r->next;
    if (r->next)
        r->next->prev = r->prev;
}

/* Hands the outcome to the caller and frees r. */
static void deliver(httpc_req_t *r, int status, json_t *answer, const char *error)
{
    httpc_t *h = r->h;
    unlink_req(r);
    event_free(r->ev);
    h->in_cb++;
    r->done(r->arg, status, answer, error);
    free(r);
    if (--h->in_cb == 0 && h->dying)
        destroy(h);
}

static const char *failure_text(int failure)
{
    switch (failure - 1) {
    case EVREQ_HTTP_TIMEOUT: return "no answer in time (connection timeout)";
    case EVREQ_HTTP_EOF: return "connection closed by the peer";
    case EVREQ_HTTP_INVALID_HEADER: return "invalid HTTP answer";
    case EVREQ_HTTP_DATA_TOO_LONG: return "answer too large";
    default: return "connection failed";
    }
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
    httpc_req_t *r = arg;
    if (!r->finished) {
        snprintf(r->error, sizeof r->error, "no answer within %u ms", r->h->timeout_ms);
        struct evhttp_request *req = r->req;
        r->req = NULL;
        evhttp_cancel_request(req); /* resets the connection if req is on the wire */
        deliver(r, 0, NULL, r->error);
        return;
    }
    deliver(r, r->status, r->answer, r->error[0] ? r->error : NULL);
}

static void finish(httpc_req_t *r)
{
    static const struct timeval now = {0, 0};
    r->finished = true;
    r->req = NULL;
    evtimer_del(r->ev);
    evtimer_add(r->ev, &now);
}

static void on_error(enum evhttp_request_error e, void *arg)
{
    httpc_req_t *r = arg;
    if (r->finished || !r->req)
        return; /* our own cancel */
    r->failure = (int)e + 1;
    if (!r->h->bev)
        return;
    /* The first queued error is the cause; a failed peer check is named precisely. */
    unsigned long le, first = 0;
    while ((le = bufferevent_get_openssl_error(r->h->bev)))
        if (!first && ERR_GET_LIB(le))
            first = le;
    long v = SSL_get_verify_result(bufferevent_openssl_get_ssl(r->h->bev));
    if (v != X509_V_OK) {
        snprintf(r->error, sizeof r->error, "TLS: certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
    } else if (first) {
        char detail[160];
        ERR_error_string_n(first, detail, sizeof detail);
        snprintf(r->error, sizeof r->error, "TLS: %s", detail);
    }
}

static void on_response(struct evhttp_request *req, void *arg)
{
    httpc_req_t *r = arg;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (code <= 0) {
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s", failure_text(r->failure));
        finish(r);
        return;
    }
    r->status = code;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    json_error_t je;
    json_t *j = len ? json_loadb((const char *)evbuffer_pullup(in, -1), len, JSON_DECODE_ANY, &je) : NULL;
    if (json_is_array(j) && json_array_size(j) == 1) {
        json_t *one = json_incref(json_array_get(j, 0));
        json_decref(j);
        j = one;
    }
    r->answer = j;
    if (code != 200)
        snprintf(r->error, sizeof r->error, "HTTP %d %s", code,
                 evhttp_request_get_response_code_line(req));
    else if (!j)
        snprintf(r->error, sizeof r->error, "the answer is not JSON");
    finish(r);
}

int httpc_post(httpc_t *h, const json_t *body, httpc_done_fn done, void *arg)
{
    if (!h || !body || !done || h->dying)
        return NST_EINVAL;
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return NST_EINVAL;
    httpc_req_t *r = xcalloc(1, sizeof(*r));
    r->h = h;
    r->done = done;
    r->arg = arg;
    r->req = evhttp_request_new(on_response, r);
    if (!r->req)
        abort();
    evhttp_request_set_error_cb(r->req, on_error);
    struct evkeyvalq *hd = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(hd, "Host", h->host_header);
    evhttp_add_header(hd, "Content-Type", "application/json");
    if (h->auth)
        evhttp_add_header(hd, "Authorization", h->auth);
    evbuffer_add(evhttp_request_get_output_buffer(r->req), text, strlen(text));
    free(text);
    r->ev = evtimer_new(h->base, on_event, r);
    struct timeval tv;
    ms_to_tv(h->timeout_ms, &tv);
    evtimer_add(r->ev, &tv);
    r->next = h->reqs;
    if (r->next)
        r->next->prev = r;
    h->reqs = r;
    /* On failure evhttp has freed the request or still holds it: either way it is not ours. */
    if (evhttp_make_request(h->evcon, r->req, EVHTTP_REQ_POST, h->path) != 0) {
        unlink_req(r);
        event_free(r->ev);
        free(r);
        return NST_EIO;
    }
    return 0;
}

static int parse_url(httpc_t *h, const char *url, bool *tls, char *err, size_t errlen)
{
    struct evhttp_uri *u = url ? evhttp_uri_parse(url) : NULL;
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *host = u ? evhttp_uri_get_host(u) : NULL;
    int rc = 0;
    if (!scheme || !host || !*host ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        rc = errf(err, errlen, NST_EINVAL, "URL '%s' is not http://host[:port][/path] or "
                  "https://...", url ? url : "");
        goto out;
    }
    *tls = strcasecmp(scheme, "https") == 0;
    int port = evhttp_uri_get_port(u);
    h->port = port > 0 ? (uint16_t)port : *tls ? 443 : 80;
    h->host = xstrdup(host);
    bool v6 = strchr(host, ':') != NULL;
    if (asprintf(&h->host_header, v6 ? "[%s]:%u" : "%s:%u", host, h->port) < 0)
        abort();
    const char *path = evhttp_uri_get_path(u);
    const char *query = evhttp_uri_get_query(u);
    if (asprintf(&h->path, "%s%s%s", path && *path ? path : "/", query ? "?" : "",
                 query ? query : "") < 0)
        abort();
out:
    if (u)
        evhttp_uri_free(u);
    return rc;
}

static struct bufferevent *tls_bev(httpc_t *h)
{
    SSL *ssl = SSL_new(h->ssl);
    if (!ssl)
        abort();
    struct in6_addr a;
    if (inet_pton(AF_INET, h->host, &a) == 1 || inet_pton(AF_INET6, h->host, &a) == 1) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), h->host);
    } else {
        SSL_set1_host(ssl, h->host);
        SSL_set_tlsext_host_name(ssl, h->host);
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        h->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!bev)
        abort();
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

int httpc_new(struct event_base *base, const httpc_config_t *cfg, httpc_t **out, char *err,
              size_t errlen)
{
    if (!base || !cfg || !out)
        return errf(err, errlen, NST_EINVAL, "httpc_new: missing base, configuration or out");
    httpc_t *h = xcalloc(1, sizeof(*h));
    h->base = base;
    h->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    bool tls = false;
    int rc = parse_url(h, cfg->url, &tls, err, errlen);
    if (rc < 0)
        goto fail;
    tls = tls || cfg->tls;
    if (!cfg->cert_file != !cfg->key_file) {
        rc = errf(err, errlen, NST_ECONFIG, "a client certificate needs both cert-file and "
                  "key-file");
        goto fail;
    }
    if (tls && !(h->ssl = ctrl_tls_ctx_new(false, cfg->trust_anchor, cfg->cert_file,
                                           cfg->key_file, err, errlen))) {
        rc = NST_ECONFIG;
        goto fail;
    }
    if (cfg->user) {
        char *cred = NULL;
        int n = asprintf(&cred, "%s:%s", cfg->user, cfg->password ? cfg->password : "");
        if (n < 0)
            abort();
        h->auth = xmalloc(6 + 4 * (((size_t)n + 2) / 3) + 1);
        memcpy(h->auth, "Basic ", 6);
        EVP_EncodeBlock((unsigned char *)h->auth + 6, (const unsigned char *)cred, n);
        explicit_bzero(cred, (size_t)n);
        free(cred);
    }
    h->bev = tls ? tls_bev(h) : NULL;
    h->evcon = evhttp_connection_base_bufferevent_new(base, NULL, h->bev, h->host, h->port);
    if (!h->evcon)
        abort();
    /* A backstop for a stalled connection; each request's own timer comes first. */
    struct timeval tv;
    ms_to_tv(h->timeout_ms + 1000, &tv);
    evhttp_connection_set_timeout_tv(h->evcon, &tv);
    evhttp_connection_set_retries(h->evcon, 0);
    *out = h;
    return 0;
fail:
    destroy(h);
    return rc;
}

void httpc_free(httpc_t *h)
{
    if (!h || h->dying)
        return;
    h->dying = true;
    h->in_cb++; /* callbacks below must not destroy h */
    while (h->reqs) {
        httpc_req_t *r = h->reqs;
        if (r->req) {
            struct evhttp_request *req = r->req;
            r->req = NULL;
            evhttp_cancel_request(req);
        }
        json_decref(r->answer);
        deliver(r, 0, NULL, "cancelled");
    }
    if (--h->in_cb == 0)
        destroy(h);
}

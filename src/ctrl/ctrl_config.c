/* Control-socket configuration parsing: see ctrl_config.h.
 *
 * Key names, defaults and rules come from Kea: 2.2's "control-socket" map (socket-type,
 * socket-name, user-context, comment) and 2.7+'s "control-sockets" items (dhcp4_parser.yy
 * control_socket_param, src/lib/config/unix_command_config.cc and http_command_config.cc,
 * src/lib/http/basic_auth_config.cc, cfg_http_header.cc; ARM dhcp4-srv.rst). */
#include "ctrl/ctrl_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/errcode.h"
#include "common/util.h"

#define MAX_SECRET_FILE 4096

typedef struct pctx {
    const json_t **where;
    char *err;
    size_t errlen;
} pctx_t;

static int perr(pctx_t *p, const json_t *at, const char *fmt, ...) NST_PRINTF(3, 4);

static int perr(pctx_t *p, const json_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    if (p->where)
        *p->where = at;
    return NST_ECONFIG;
}

static int check_keys(pctx_t *p, const json_t *map, const char *const *allowed,
                      const char *what)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)map, key, val) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok)
            return perr(p, val, "unsupported parameter '%s' in %s", key, what);
    }
    return 0;
}

/* Optional string member: 0 (absent: *out untouched), or an error. */
static int get_str(pctx_t *p, const json_t *map, const char *key, const char *what,
                   const char **out)
{
    const json_t *v = json_object_get(map, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return perr(p, v, "'%s' in %s must be a string", key, what);
    *out = json_string_value(v);
    return 0;
}

/* "user-context" must be a map and "comment" a string wherever they are accepted. */
static int check_meta(pctx_t *p, const json_t *map, const char *what)
{
    const json_t *uc = json_object_get(map, "user-context");
    if (uc && !json_is_object(uc))
        return perr(p, uc, "'user-context' in %s must be a map", what);
    const json_t *cm = json_object_get(map, "comment");
    if (cm && !json_is_string(cm))
        return perr(p, cm, "'comment' in %s must be a string", what);
    return 0;
}

/* First line of directory/file, as Kea's BasicHttpAuthConfig::getFileContent. */
static int read_secret(pctx_t *p, const json_t *at, const char *dir, const char *file,
                       const char *key, char **out)
{
    size_t dl = strlen(dir);
    const char *f = file[0] == '/' ? file + 1 : file;
    char *path = NULL;
    if (asprintf(&path, "%s%s%s", dir, (dl && dir[dl - 1] == '/') ? "" : "/", f) < 0)
        abort();
    int rc = 0;
    struct stat st;
    FILE *fp = NULL;
    char buf[MAX_SECRET_FILE + 1];
    if (stat(path, &st) < 0) {
        rc = perr(p, at, "%s '%s': cannot read '%s': %s", key, file, path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = perr(p, at, "%s '%s': '%s' is not a regular file", key, file, path);
        goto out;
    }
    if (!(fp = fopen(path, "re"))) {
        rc = perr(p, at, "%s '%s': cannot read '%s': %s", key, file, path, strerror(errno));
        goto out;
    }
    size_t n = fread(buf, 1, MAX_SECRET_FILE, fp);
    buf[n] = '\0';
    char *nl = memchr(buf, '\n', n);
    if (nl)
        *nl = '\0';
    else if (n == MAX_SECRET_FILE)
        rc = perr(p, at, "%s '%s': first line of '%s' is too long", key, file, path);
    if (rc == 0)
        *out = xstrdup(buf);
    explicit_bzero(buf, sizeof buf);
out:
    if (fp)
        fclose(fp);
    free(path);
    return rc;
}

static int check_user(pctx_t *p, const json_t *at, const char *user, const char *from)
{
    if (!*user)
        return perr(p, at, "user must not be empty%s", from);
    if (strchr(user, ':'))
        return perr(p, at, "user must not contain a ':'%s", from);
    return 0;
}

static int parse_client(pctx_t *p, const json_t *item, const char *dir,
                        ctrl_http_client_t *out)
{
    static const char *const keys[] = {"user", "user-file", "password", "password-file",
                                       "user-context", "comment", NULL};
    const char *what = "authentication clients item";
    if (!json_is_object(item))
        return perr(p, item, "authentication clients items must be maps");
    int rc = check_keys(p, item, keys, what);
    if (rc == 0)
        rc = check_meta(p, item, what);
    const char *user = NULL, *user_file = NULL, *pw = NULL, *pw_file = NULL;
    if (rc == 0)
        rc = get_str(p, item, "user", what, &user);
    if (rc == 0)
        rc = get_str(p, item, "user-file", what, &user_file);
    if (rc == 0)
        rc = get_str(p, item, "password", what, &pw);
    if (rc == 0)
        rc = get_str(p, item, "password-file", what, &pw_file);
    if (rc < 0)
        return rc;
    if (user && user_file)
        return perr(p, json_object_get(item, "user-file"),
                    "user and user-file are mutually exclusive");
    if (pw && pw_file)
        return perr(p, json_object_get(item, "password-file"),
                    "password and password-file are mutually exclusive");
    if (!user && !user_file && !pw_file)
        return perr(p, item, "user is required in authentication clients items");
    char *u = NULL, *w = NULL;
    if (user) {
        rc = check_user(p, json_object_get(item, "user"), user, "");
        if (rc == 0)
            u = xstrdup(user);
    } else if (user_file) {
        const json_t *at = json_object_get(item, "user-file");
        rc = read_secret(p, at, dir, user_file, "user-file", &u);
        if (rc == 0)
            rc = check_user(p, at, u, " (from user-file)");
    }
    if (rc == 0 && pw_file) {
        const json_t *at = json_object_get(item, "password-file");
        char *content = NULL;
        rc = read_secret(p, at, dir, pw_file, "password-file", &content);
        if (rc == 0 && !u) {
            /* No user given: the file holds "user:password" (Kea 2.7+). */
            char *colon = strchr(content, ':');
            if (!colon) {
                rc = perr(p, at, "password-file '%s' has no 'user:' part", pw_file);
            } else {
                *colon = '\0';
                u = xstrdup(content);
                w = xstrdup(colon + 1);
                rc = check_user(p, at, u, " (from password-file)");
            }
            free(content);
        } else {
            w = content;
        }
    } else if (rc == 0) {
        w = xstrdup(pw ? pw : "");
    }
    if (rc < 0) {
        free(u);
        free(w);
        return rc;
    }
    out->user = u;
    out->password = w;
    return 0;
}

static int parse_auth(pctx_t *p, const json_t *auth, const char *default_realm,
                      ctrl_http_config_t *h)
{
    static const char *const keys[] = {"type", "realm", "directory", "clients",
                                       "user-context", "comment", NULL};
    const char *what = "authentication";
    if (!json_is_object(auth))
        return perr(p, auth, "'authentication' must be a map");
    int rc = check_keys(p, auth, keys, what);
    if (rc == 0)
        rc = check_meta(p, auth, what);
    const char *type = "basic", *realm = default_realm, *dir = "";
    if (rc == 0)
        rc = get_str(p, auth, "type", what, &type);
    if (rc == 0 && strcmp(type, "basic") != 0)
        rc = perr(p, json_object_get(auth, "type"),
                  "only basic HTTP authentication is supported, not '%s'", type);
    if (rc == 0)
        rc = get_str(p, auth, "realm", what, &realm);
    if (rc == 0)
        rc = get_str(p, auth, "directory", what, &dir);
    if (rc < 0)
        return rc;
    h->realm = xstrdup(realm);
    const json_t *clients = json_object_get(auth, "clients");
    if (!clients)
        return 0;
    if (!json_is_array(clients))
        return perr(p, clients, "'clients' in authentication must be a list");
    size_t n = json_array_size(clients);
    h->clients = xcalloc(n ? n : 1, sizeof(*h->clients));
    for (size_t i = 0; i < n; i++) {
        rc = parse_client(p, json_array_get(clients, i), dir, &h->clients[h->nclients]);
        if (rc < 0)
            return rc;
        h->nclients++;
    }
    return 0;
}

static bool is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int parse_headers(pctx_t *p, const json_t *list, ctrl_http_config_t *h)
{
    static const char *const keys[] = {"name", "value", "user-context", "comment", NULL};
    const char *what = "http-headers item";
    if (!json_is_array(list))
        return perr(p, list, "'http-headers' must be a list");
    size_t n = json_array_size(list);
    h->headers = xcalloc(n ? n : 1, sizeof(*h->headers));
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(list, i);
        if (!json_is_object(it))
            return perr(p, it, "http-headers items must be maps");
        const char *name = NULL, *value = NULL;
        int rc = check_keys(p, it, keys, what);
        if (rc == 0)
            rc = check_meta(p, it, what);
        if (rc == 0)
            rc = get_str(p, it, "name", what, &name);
        if (rc == 0)
            rc = get_str(p, it, "value", what, &value);
        if (rc < 0)
            return rc;
        if (!name || !*name)
            return perr(p, it, "'name' in http-headers item is missing or empty");
        if (!value || !*value)
            return perr(p, it, "'value' in http-headers item is missing or empty");
        /* RFC 9110 section 5.1: a field name is a token; section 5.5: no CR/LF/NUL in values. */
        for (const char *s = name; *s; s++)
            if (!is_tchar((unsigned char)*s))
                return perr(p, json_object_get(it, "name"),
                            "'name' in http-headers item is not a valid header name");
        for (const char *s = value; *s; s++)
            if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
                return perr(p, json_object_get(it, "value"),
                            "'value' in http-headers item contains control characters");
        h->headers[h->nheaders].name = xstrdup(name);
        h->headers[h->nheaders].value = xstrdup(value);
        h->nheaders++;
    }
    return 0;
}

static const char *const unix_only[] = {"socket-name", NULL};
static const char *const http_only[] = {"socket-address", "socket-port", "authentication",
                                        "trust-anchor", "cert-file", "key-file",
                                        "cert-required", "http-headers", NULL};

static int parse_http(pctx_t *p, const json_t *m, ctrl_socket_config_t *s,
                      const char *default_realm, const char *what)
{
    ctrl_http_config_t *h = &s->http;
    const char *tname = s->type == CTRL_SOCK_HTTPS ? "HTTPS" : "HTTP";
    for (size_t i = 0; unix_only[i]; i++)
        if (json_object_get(m, unix_only[i]))
            return perr(p, json_object_get(m, unix_only[i]),
                        "parameter '%s' is not supported by %s control sockets", unix_only[i],
                        tname);
    const char *addr = CTRL_HTTP_DEFAULT_ADDRESS;
    int rc = get_str(p, m, "socket-address", what, &addr);
    if (rc < 0)
        return rc;
    unsigned char bin[16];
    if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
        return perr(p, json_object_get(m, "socket-address"),
                    "'socket-address' '%s' is not an IPv4 or IPv6 address", addr);
    h->address = xstrdup(addr);
    h->port = CTRL_HTTP_DEFAULT_PORT;
    const json_t *port = json_object_get(m, "socket-port");
    if (port) {
        if (!json_is_integer(port))
            return perr(p, port, "'socket-port' in %s must be an integer", what);
        json_int_t v = json_integer_value(port);
        if (v < 0 || v > 65535)
            return perr(p, port, "'socket-port' value %lld is out of range 0..65535",
                        (long long)v);
        h->port = (uint16_t)v;
    }
    const char *ta = NULL, *cf = NULL, *kf = NULL;
    if ((rc = get_str(p, m, "trust-anchor", what, &ta)) < 0 ||
        (rc = get_str(p, m, "cert-file", what, &cf)) < 0 ||
        (rc = get_str(p, m, "key-file", what, &kf)) < 0)
        return rc;
    h->cert_required = true;
    const json_t *cr = json_object_get(m, "cert-required");
    if (cr) {
        if (!json_is_boolean(cr))
            return perr(p, cr, "'cert-required' in %s must be a boolean", what);
        h->cert_required = json_is_true(cr);
    }
    /* All or none of the TLS files (Kea's HttpCommandConfig::checkTlsSetup). */
    bool has_ta = ta && *ta, has_cf = cf && *cf, has_kf = kf && *kf;
    if (!has_ta && !has_cf && !has_kf) {
        if (s->type == CTRL_SOCK_HTTPS)
            return perr(p, m, "no TLS setup (trust-anchor, cert-file, key-file) for an "
                              "https control socket");
    } else {
        const char *missing = !has_ta ? "trust-anchor" : !has_cf ? "cert-file"
                              : !has_kf ? "key-file" : NULL;
        if (missing)
            return perr(p, m, "%s parameter is missing or empty: all or none of the TLS "
                              "parameters must be set", missing);
        h->tls = true;
        h->trust_anchor = xstrdup(ta);
        h->cert_file = xstrdup(cf);
        h->key_file = xstrdup(kf);
    }
    const json_t *hd = json_object_get(m, "http-headers");
    if (hd && (rc = parse_headers(p, hd, h)) < 0)
        return rc;
    const json_t *auth = json_object_get(m, "authentication");
    if (auth && (rc = parse_auth(p, auth, default_realm, h)) < 0)
        return rc;
    if (!h->realm)
        h->realm = xstrdup(default_realm);
    return 0;
}

static int parse_socket(pctx_t *p, const json_t *m, const char *what, const char *default_realm,
                        ctrl_socket_config_t *s)
{
    static const char *const keys[] = {"socket-type", "socket-name", "socket-address",
                                       "socket-port", "authentication", "trust-anchor",
                                       "cert-file", "key-file", "cert-required", "http-headers",
                                       "user-context", "comment", NULL};
    if (!json_is_object(m))
        return perr(p, m, "%s must be a map", what);
    int rc = check_keys(p, m, keys, what);
    if (rc == 0)
        rc = check_meta(p, m, what);
    if (rc < 0)
        return rc;
    const json_t *t = json_object_get(m, "socket-type");
    if (!t)
        return perr(p, m, "'socket-type' is required in %s", what);
    if (!json_is_string(t))
        return perr(p, t, "'socket-type' in %s must be a string", what);
    const char *type = json_string_value(t);
    if (strcmp(type, "unix") == 0) {
        s->type = CTRL_SOCK_UNIX;
    } else if (strcmp(type, "http") == 0) {
        s->type = CTRL_SOCK_HTTP;
    } else if (strcmp(type, "https") == 0) {
        s->type = CTRL_SOCK_HTTPS;
    } else {
        return perr(p, t, "unsupported 'socket-type' '%s' in %s (expected 'unix', 'http' or "
                          "'https')", type, what);
    }
    if (s->type != CTRL_SOCK_UNIX)
        return parse_http(p, m, s, default_realm, what);
    for (size_t i = 0; http_only[i]; i++)
        if (json_object_get(m, http_only[i]))
            return perr(p, json_object_get(m, http_only[i]),
                        "parameter '%s' is not supported by UNIX control sockets",
                        http_only[i]);
    const json_t *name = json_object_get(m, "socket-name");
    if (!name)
        return perr(p, m, "'socket-name' is required for a unix control socket");
    if (!json_is_string(name))
        return perr(p, name, "'socket-name' in %s must be a string", what);
    size_t len = json_string_length(name);
    if (len == 0 || len >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
        strlen(json_string_value(name)) != len)
        return perr(p, name, "'socket-name' must be a path of 1 to %zu bytes",
                    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
    s->socket_name = xstrdup(json_string_value(name));
    return 0;
}

static void socket_clear(ctrl_socket_config_t *s)
{
    free(s->socket_name);
    ctrl_http_config_clear(&s->http);
}

static int add_socket(pctx_t *p, ctrl_sockets_config_t *cfg, const json_t *m, const char *what,
                      const char *default_realm)
{
    ctrl_socket_config_t s = {0};
    int rc = parse_socket(p, m, what, default_realm, &s);
    for (size_t i = 0; rc == 0 && i < cfg->n; i++) {
        const ctrl_socket_config_t *o = &cfg->items[i];
        if (s.type == CTRL_SOCK_UNIX && o->type == CTRL_SOCK_UNIX)
            rc = perr(p, m, "control socket of type 'unix' already configured");
        else if (s.type != CTRL_SOCK_UNIX && o->type != CTRL_SOCK_UNIX &&
                 o->http.port == s.http.port && strcmp(o->http.address, s.http.address) == 0)
            rc = perr(p, m, "HTTP control socket %s port %u is configured twice",
                      s.http.address, s.http.port);
    }
    if (rc < 0) {
        socket_clear(&s);
        return rc;
    }
    cfg->items = xrealloc(cfg->items, (cfg->n + 1) * sizeof(*cfg->items));
    cfg->items[cfg->n++] = s;
    return 0;
}

int ctrl_sockets_parse(const json_t *dhcp4, const char *default_realm,
                       ctrl_sockets_config_t **out, const json_t **where, char *err,
                       size_t errlen)
{
    pctx_t p = {.where = where, .err = err, .errlen = errlen};
    if (!default_realm)
        default_realm = CTRL_HTTP_DEFAULT_REALM_DHCP4;
    *out = NULL;
    ctrl_sockets_config_t *cfg = xcalloc(1, sizeof(*cfg));
    int rc = 0;
    const json_t *one = dhcp4 ? json_object_get(dhcp4, "control-socket") : NULL;
    const json_t *list = dhcp4 ? json_object_get(dhcp4, "control-sockets") : NULL;
    if (one)
        rc = add_socket(&p, cfg, one, "control-socket", default_realm);
    if (rc == 0 && list) {
        if (!json_is_array(list)) {
            rc = perr(&p, list, "control-sockets must be a list");
        } else {
            for (size_t i = 0; rc == 0 && i < json_array_size(list); i++)
                rc = add_socket(&p, cfg, json_array_get(list, i), "control-sockets item",
                                default_realm);
        }
    }
    if (rc < 0) {
        ctrl_sockets_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void ctrl_sockets_config_free(ctrl_sockets_config_t *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n; i++)
        socket_clear(&cfg->items[i]);
    free(cfg->items);
    free(cfg);
}

ctrl_http_config_t *ctrl_http_config_dup(const ctrl_http_config_t *src)
{
    ctrl_http_config_t *d = xcalloc(1, sizeof(*d));
    *d = *src;
    d->address = xstrdup_opt(src->address);
    d->trust_anchor = xstrdup_opt(src->trust_anchor);
    d->cert_file = xstrdup_opt(src->cert_file);
    d->key_file = xstrdup_opt(src->key_file);
    d->realm = xstrdup_opt(src->realm);
    d->server_name = xstrdup_opt(src->server_name);
    d->clients = xcalloc(src->nclients ? src->nclients : 1, sizeof(*d->clients));
    for (size_t i = 0; i < src->nclients; i++) {
        d->clients[i].user = xstrdup_opt(src->clients[i].user);
        d->clients[i].password = xstrdup_opt(src->clients[i].password);
    }
    d->headers = xcalloc(src->nheaders ? src->nheaders : 1, sizeof(*d->headers));
    for (size_t i = 0; i < src->nheaders; i++) {
        d->headers[i].name = xstrdup_opt(src->headers[i].name);
        d->headers[i].value = xstrdup_opt(src->headers[i].value);
    }
    return d;
}

void ctrl_http_config_clear(ctrl_http_config_t *cfg)
{
    free(cfg->address);
    free(cfg->trust_anchor);
    free(cfg->cert_file);
    free(cfg->key_file);
    free(cfg->realm);
    free(cfg->server_name);
    for (size_t i = 0; i < cfg->nclients; i++) {
        if (cfg->clients[i].password)
            explicit_bzero(cfg->clients[i].password, strlen(cfg->clients[i].password));
        free(cfg->clients[i].user);
        free(cfg->clients[i].password);
    }
    free(cfg->clients);
    for (size_t i = 0; i < cfg->nheaders; i++) {
        free(cfg->headers[i].name);
        free(cfg->headers[i].value);
    }
    free(cfg->headers);
    memset(cfg, 0, sizeof(*cfg));
}

void ctrl_http_config_free(ctrl_http_config_t *cfg)
{
    if (!cfg)
        return;
    ctrl_http_config_clear(cfg);
    free(cfg);
}

/* Control-socket configuration: Kea's "control-socket" (2.2: one UNIX socket) and
 * "control-sockets" (2.7+: a list of unix / http / https sockets) from the Dhcp4 map.
 *
 * Contract: ctrl_sockets_parse() reads only those two keys of the map it is given and builds a
 * self-contained ctrl_sockets_config_t (all strings owned, freed by ctrl_sockets_config_free).
 * The credentials named by "user-file" / "password-file" are read from disk during parsing, as
 * Kea does when it loads a configuration, so the result needs no further I/O. On error nothing
 * is allocated, err names the offending key and *where (if given) points at the JSON value at
 * fault, so a caller that knows source positions can prefix file:line:col. Pure functions of
 * their input (apart from those files); safe from any thread. */
#ifndef NESTOR_CTRL_CTRL_CONFIG_H
#define NESTOR_CTRL_CTRL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Defaults documented in Kea's ARM (dhcp4-srv.rst, HTTP/HTTPS Control Socket). */
#define CTRL_HTTP_DEFAULT_ADDRESS "127.0.0.1"
#define CTRL_HTTP_DEFAULT_PORT 8000
#define CTRL_HTTP_DEFAULT_REALM_DHCP4 "kea-dhcpv4-server"

typedef enum ctrl_sock_type {
    CTRL_SOCK_UNIX,
    CTRL_SOCK_HTTP,
    CTRL_SOCK_HTTPS,
} ctrl_sock_type_t;

typedef struct ctrl_http_client {
    char *user;     /* never empty, no ':' */
    char *password; /* may be empty */
} ctrl_http_client_t;

typedef struct ctrl_http_header {
    char *name;
    char *value;
} ctrl_http_header_t;

/* One HTTP(S) listener. Strings are owned by whoever built the struct (the parser, or the
 * caller of ctrl_http_listen, which copies what it needs). */
typedef struct ctrl_http_config {
    char *address;       /* IPv4 or IPv6 literal */
    uint16_t port;       /* 0 = any free port (tests) */
    bool tls;            /* trust_anchor, cert_file and key_file are all set */
    char *trust_anchor;  /* CA file or directory */
    char *cert_file;
    char *key_file;
    bool cert_required;  /* client certificate required (Kea default true) */
    char *realm;         /* basic-auth realm */
    ctrl_http_client_t *clients; /* basic auth is enforced when nclients > 0 */
    size_t nclients;
    ctrl_http_header_t *headers; /* added to every response */
    size_t nheaders;
    /* The commands this listener runs (NULL-terminated, static: copied as a pointer); any other
     * named command gets 403 Forbidden (Kea's restrict-commands). NULL: every command. */
    const char *const *accept;
    /* Hub-and-spoke: the listener at one relationship's URL names that relationship ("server-name"
     * added to an ha-* command whose arguments have none), so that a peer which does not send it
     * (Kea 2.2) reaches its own relationship. NULL: nothing added. */
    char *server_name;
} ctrl_http_config_t;

typedef struct ctrl_socket_config {
    ctrl_sock_type_t type;
    char *socket_name;       /* unix only */
    ctrl_http_config_t http; /* http / https only */
} ctrl_socket_config_t;

typedef struct ctrl_sockets_config {
    ctrl_socket_config_t *items; /* at most one unix item */
    size_t n;
} ctrl_sockets_config_t;

/* Builds the socket list from dhcp4's "control-socket" (put first) and "control-sockets".
 * default_realm is used when an authentication map has no "realm" (NULL: the DHCPv4 default).
 * Returns 0 and *out (n == 0 when neither key is present), or NST_ECONFIG with err filled.
 * User and password files are resolved against the authentication "directory". */
int ctrl_sockets_parse(const json_t *dhcp4, const char *default_realm,
                       ctrl_sockets_config_t **out, const json_t **where, char *err,
                       size_t errlen);

void ctrl_sockets_config_free(ctrl_sockets_config_t *cfg);

/* Deep copy / release of one HTTP configuration (used by the listeners). */
ctrl_http_config_t *ctrl_http_config_dup(const ctrl_http_config_t *src);
void ctrl_http_config_free(ctrl_http_config_t *cfg);
/* Releases the members of an embedded config (not the struct itself). */
void ctrl_http_config_clear(ctrl_http_config_t *cfg);

#endif

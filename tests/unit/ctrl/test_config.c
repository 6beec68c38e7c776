/* Parsing of "control-socket" / "control-sockets". */
#include "ctrl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errcode.h"

static ctrl_sockets_config_t *parse_ok(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s", je.text);
    ctrl_sockets_config_t *cfg = NULL;
    char err[256] = "";
    int rc = ctrl_sockets_parse(j, NULL, &cfg, NULL, err, sizeof err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
    json_decref(j);
    return cfg;
}

/* Expects an error; checks the text and that *where is the value at key wkey of the item
 * (or of the map itself when wkey is NULL). */
static void parse_bad(const char *text, const char *msg)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    ctrl_sockets_config_t *cfg = (void *)1;
    const json_t *where = NULL;
    char err[256] = "";
    assert_int_equal(ctrl_sockets_parse(j, NULL, &cfg, &where, err, sizeof err), NST_ECONFIG);
    assert_null(cfg);
    assert_string_equal(err, msg);
    assert_non_null(where);
    json_decref(j);
}

static void test_kea22_unix(void **state)
{
    ctrl_sockets_config_t *cfg =
        parse_ok("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": "
                 "\"/run/kea/k4.sock\", \"comment\": \"c\", \"user-context\": {\"a\": 1}},"
                 " \"subnet4\": []}");
    assert_int_equal(cfg->n, 1);
    assert_int_equal(cfg->items[0].type, CTRL_SOCK_UNIX);
    assert_string_equal(cfg->items[0].socket_name, "/run/kea/k4.sock");
    ctrl_sockets_config_free(cfg);
    cfg = parse_ok("{\"subnet4\": []}");
    assert_int_equal(cfg->n, 0);
    ctrl_sockets_config_free(cfg);
}

static void test_http_defaults(void **state)
{
    ctrl_sockets_config_t *cfg = parse_ok(
        "{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": \"/tmp/a\"},"
        " \"control-sockets\": [{\"socket-type\": \"http\"},"
        "  {\"socket-type\": \"http\", \"socket-address\": \"::1\", \"socket-port\": 8004,"
        "   \"cert-required\": false, \"http-headers\": [{\"name\": \"X-A\", \"value\": \"b\"}],"
        "   \"authentication\": {\"type\": \"basic\", \"realm\": \"R\", \"clients\": ["
        "     {\"user\": \"admin\", \"password\": \"1234\"}, {\"user\": \"nopw\"}]}}]}");
    assert_int_equal(cfg->n, 3);
    assert_int_equal(cfg->items[0].type, CTRL_SOCK_UNIX);
    const ctrl_http_config_t *h = &cfg->items[1].http;
    assert_int_equal(cfg->items[1].type, CTRL_SOCK_HTTP);
    assert_string_equal(h->address, "127.0.0.1");
    assert_int_equal(h->port, 8000);
    assert_false(h->tls);
    assert_true(h->cert_required);
    assert_string_equal(h->realm, "kea-dhcpv4-server");
    assert_int_equal(h->nclients, 0);
    h = &cfg->items[2].http;
    assert_string_equal(h->address, "::1");
    assert_int_equal(h->port, 8004);
    assert_false(h->cert_required);
    assert_string_equal(h->realm, "R");
    assert_int_equal(h->nclients, 2);
    assert_string_equal(h->clients[0].user, "admin");
    assert_string_equal(h->clients[0].password, "1234");
    assert_string_equal(h->clients[1].password, "");
    assert_int_equal(h->nheaders, 1);
    assert_string_equal(h->headers[0].name, "X-A");
    assert_string_equal(h->headers[0].value, "b");
    /* Copies are deep. */
    ctrl_http_config_t *d = ctrl_http_config_dup(h);
    ctrl_sockets_config_free(cfg);
    assert_string_equal(d->clients[0].password, "1234");
    ctrl_http_config_free(d);
}

static void test_https_and_files(void **state)
{
    char dir[] = "/tmp/ctrl-cfg-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/user", dir);
    FILE *f = fopen(path, "w");
    fputs("alice\nignored second line\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/pw", dir);
    f = fopen(path, "w");
    fputs("s3cret", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/both", dir);
    f = fopen(path, "w");
    fputs("bob:pa:ss\n", f);
    fclose(f);
    char text[1024];
    snprintf(text, sizeof text,
             "{\"control-sockets\": [{\"socket-type\": \"https\", \"socket-port\": 0,"
             " \"trust-anchor\": \"/ca\", \"cert-file\": \"/c\", \"key-file\": \"/k\","
             " \"authentication\": {\"directory\": \"%s\", \"clients\": ["
             "   {\"user-file\": \"user\", \"password-file\": \"/pw\"},"
             "   {\"password-file\": \"both\"}]}}]}", dir);
    ctrl_sockets_config_t *cfg = parse_ok(text);
    const ctrl_http_config_t *h = &cfg->items[0].http;
    assert_int_equal(cfg->items[0].type, CTRL_SOCK_HTTPS);
    assert_true(h->tls);
    assert_string_equal(h->trust_anchor, "/ca");
    assert_int_equal(h->port, 0);
    assert_string_equal(h->clients[0].user, "alice");
    assert_string_equal(h->clients[0].password, "s3cret");
    assert_string_equal(h->clients[1].user, "bob");
    assert_string_equal(h->clients[1].password, "pa:ss");
    ctrl_sockets_config_free(cfg);

    snprintf(text, sizeof text,
             "{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": {"
             "\"directory\": \"%s\", \"clients\": [{\"user\": \"u\", \"password-file\": "
             "\"missing\"}]}}]}", dir);
    char msg[256];
    snprintf(msg, sizeof msg, "password-file 'missing': cannot read '%s/missing': No such file "
                              "or directory", dir);
    parse_bad(text, msg);
    snprintf(text, sizeof text,
             "{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": {"
             "\"directory\": \"%s\", \"clients\": [{\"password-file\": \"pw\"}]}}]}", dir);
    parse_bad(text, "password-file 'pw' has no 'user:' part");
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_errors(void **state)
{
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": \"/a\", "
              "\"bogus\": 1}}", "unsupported parameter 'bogus' in control-socket");
    parse_bad("{\"control-socket\": [1]}", "control-socket must be a map");
    parse_bad("{\"control-sockets\": {}}", "control-sockets must be a list");
    parse_bad("{\"control-sockets\": [5]}", "control-sockets item must be a map");
    parse_bad("{\"control-socket\": {\"socket-name\": \"/a\"}}",
              "'socket-type' is required in control-socket");
    parse_bad("{\"control-socket\": {\"socket-type\": 1}}",
              "'socket-type' in control-socket must be a string");
    parse_bad("{\"control-socket\": {\"socket-type\": \"tcp\"}}",
              "unsupported 'socket-type' 'tcp' in control-socket (expected 'unix', 'http' or "
              "'https')");
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\"}}",
              "'socket-name' is required for a unix control socket");
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": 3}}",
              "'socket-name' in control-socket must be a string");
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": \"\"}}",
              "'socket-name' must be a path of 1 to 107 bytes");
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": \"/a\","
              " \"socket-port\": 1}}",
              "parameter 'socket-port' is not supported by UNIX control sockets");
    parse_bad("{\"control-socket\": {\"socket-type\": \"unix\", \"socket-name\": \"/a\"},"
              " \"control-sockets\": [{\"socket-type\": \"unix\", \"socket-name\": \"/b\"}]}",
              "control socket of type 'unix' already configured");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"socket-name\": \"/a\"}]}",
              "parameter 'socket-name' is not supported by HTTP control sockets");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"socket-port\": \"80\"}]}",
              "'socket-port' in control-sockets item must be an integer");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"socket-port\": 70000}]}",
              "'socket-port' value 70000 is out of range 0..65535");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"socket-address\": "
              "\"localhost\"}]}",
              "'socket-address' 'localhost' is not an IPv4 or IPv6 address");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\"}, {\"socket-type\": "
              "\"http\", \"socket-port\": 8000}]}",
              "HTTP control socket 127.0.0.1 port 8000 is configured twice");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"https\"}]}",
              "no TLS setup (trust-anchor, cert-file, key-file) for an https control socket");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"trust-anchor\": \"/a\","
              " \"key-file\": \"/k\"}]}",
              "cert-file parameter is missing or empty: all or none of the TLS parameters "
              "must be set");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"cert-required\": 1}]}",
              "'cert-required' in control-sockets item must be a boolean");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"user-context\": 1}]}",
              "'user-context' in control-sockets item must be a map");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"type\": \"digest\"}}]}",
              "only basic HTTP authentication is supported, not 'digest'");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"clients\": [{\"user\": \"a:b\"}]}}]}",
              "user must not contain a ':'");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"clients\": [{\"user\": \"\"}]}}]}",
              "user must not be empty");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"clients\": [{\"password\": \"p\"}]}}]}",
              "user is required in authentication clients items");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"clients\": [{\"user\": \"u\", \"user-file\": \"f\"}]}}]}",
              "user and user-file are mutually exclusive");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"clients\": [{\"user\": \"u\", \"pass\": \"f\"}]}}]}",
              "unsupported parameter 'pass' in authentication clients item");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"authentication\": "
              "{\"realm\": 5}}]}",
              "'realm' in authentication must be a string");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"http-headers\": "
              "[{\"name\": \"X-A\"}]}]}",
              "'value' in http-headers item is missing or empty");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"http-headers\": "
              "[{\"name\": \"Bad Name\", \"value\": \"v\"}]}]}",
              "'name' in http-headers item is not a valid header name");
    parse_bad("{\"control-sockets\": [{\"socket-type\": \"http\", \"http-headers\": "
              "[{\"name\": \"X\", \"value\": \"a\\r\\nSet-Cookie: x\"}]}]}",
              "'value' in http-headers item contains control characters");

    /* *where points at the offending value. */
    json_t *j = json_loads("{\"control-sockets\": [{\"socket-type\": \"http\", "
                           "\"socket-port\": true}]}", 0, NULL);
    const json_t *where = NULL;
    ctrl_sockets_config_t *cfg;
    char err[256];
    assert_int_equal(ctrl_sockets_parse(j, NULL, &cfg, &where, err, sizeof err), NST_ECONFIG);
    assert_ptr_equal(where, json_object_get(json_array_get(json_object_get(j, "control-sockets"),
                                                           0), "socket-port"));
    json_decref(j);
}

int ct_config_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kea22_unix),
        cmocka_unit_test(test_http_defaults),
        cmocka_unit_test(test_https_and_files),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("ctrl_config", tests, NULL, NULL);
}

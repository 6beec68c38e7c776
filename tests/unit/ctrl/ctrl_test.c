/* Helpers for the ctrl unit tests (see ctrl_test.h) and the test executable's main. */
#include "ctrl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

static void record(void *arg, int severity, const char *msgid, const char *text)
{
    ct_env_t *e = arg;
    char *line = e->log[e->nlog % 64];
    snprintf(line, sizeof e->log[0], "%s %s", msgid, text);
    e->nlog++;
    for (int i = 0; i < 4; i++)
        if (e->watch[i] && strstr(line, e->watch[i]))
            e->watched[i]++;
    if (getenv("CTRL_TEST_VERBOSE"))
        fprintf(stderr, "[%d] %s %s\n", severity, msgid, text);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
}

ct_env_t *ct_env_new(void)
{
    ct_env_t *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->base = event_base_new();
    assert_non_null(e->base);
    e->tick = event_new(e->base, -1, EV_PERSIST, tick_cb, NULL);
    struct timeval tv = {0, 5000};
    event_add(e->tick, &tv);
    e->c = ctrl_new(e->base, record, e);
    assert_non_null(e->c);
    snprintf(e->dir, sizeof e->dir, "/tmp/ctrl-test-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    return e;
}

void ct_env_free(ct_env_t *e)
{
    ctrl_free(e->c);
    event_free(e->tick);
    event_base_free(e->base);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", e->dir);
    free(e);
}

bool ct_logged(const ct_env_t *e, const char *msgid, const char *needle)
{
    int n = e->nlog < 64 ? e->nlog : 64;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(msgid);
        if (strncmp(e->log[i], msgid, l) == 0 && e->log[i][l] == ' ' &&
            (!needle || strstr(e->log[i], needle)))
            return true;
    }
    return false;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ct_pump(ct_env_t *e, int ms)
{
    int64_t end = mono_ms() + ms;
    do {
        event_base_loop(e->base, EVLOOP_ONCE);
    } while (mono_ms() < end);
}

int ct_unix_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    return fd;
}

int ct_tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* Blocking connect completes from the kernel's backlog without the loop running. */
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    return fd;
}

void ct_send(ct_env_t *e, int fd, const void *data, size_t len)
{
    const char *p = data;
    int64_t end = mono_ms() + 10000;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            fail_msg("send: %s", strerror(errno));
        event_base_loop(e->base, EVLOOP_ONCE);
        if (mono_ms() > end)
            fail_msg("send timed out");
    }
    /* Let the server see the bytes. */
    event_base_loop(e->base, EVLOOP_NONBLOCK);
}

char *ct_recv_all(ct_env_t *e, int fd, int timeout_ms, size_t *len, bool *eof)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int64_t end = mono_ms() + timeout_ms;
    if (eof)
        *eof = false;
    while (mono_ms() < end) {
        if (cap - n < 2048)
            buf = realloc(buf, cap *= 2);
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r > 0) {
            n += (size_t)r;
            continue;
        }
        if (r == 0) {
            if (eof)
                *eof = true;
            break;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            if (eof)
                *eof = true; /* reset counts as closed */
            break;
        }
        event_base_loop(e->base, EVLOOP_ONCE);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int ct_http(ct_env_t *e, uint16_t port, const char *method, const char *extra_headers,
            const char *body, char **headers, char **body_out)
{
    int fd = ct_tcp_connect(port);
    char *req = NULL;
    size_t blen = body ? strlen(body) : 0;
    int n = asprintf(&req, "%s / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s"
                           "Content-Length: %zu\r\n\r\n%s",
                     method, extra_headers ? extra_headers : "", blen, body ? body : "");
    assert_true(n > 0);
    ct_send(e, fd, req, (size_t)n);
    free(req);
    size_t len;
    bool eof;
    char *resp = ct_recv_all(e, fd, 5000, &len, &eof);
    close(fd);
    assert_true(eof);
    int status = 0;
    assert_int_equal(sscanf(resp, "HTTP/1.%*d %d", &status), 1);
    char *sep = strstr(resp, "\r\n\r\n");
    assert_non_null(sep);
    if (headers)
        *headers = strndup(resp, (size_t)(sep - resp) + 2);
    if (body_out)
        *body_out = strdup(sep + 4);
    free(resp);
    return status;
}

char *ct_header(const char *headers, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(headers, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            return strndup(v, end ? (size_t)(end - v) : strlen(v));
        }
    }
    return NULL;
}

void ct_check_answer(const char *json_text, int result, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(json_text, 0, &je);
    if (!j)
        fail_msg("answer is not JSON: %s (%s)", json_text, je.text);
    assert_true(json_is_object(j));
    assert_int_equal(json_integer_value(json_object_get(j, "result")), result);
    if (text)
        assert_string_equal(json_string_value(json_object_get(j, "text")), text);
    else
        assert_null(json_object_get(j, "text"));
    json_decref(j);
}

int main(void)
{
    int failed = 0;
    failed += ct_dispatch_tests();
    failed += ct_config_tests();
    failed += ct_unix_tests();
    failed += ct_http_tests();
    failed += ct_tls_tests();
    failed += ct_http_limit_tests();
    failed += ct_defer_tests();
    failed += ct_httpc_tests();
    return failed ? 1 : 0;
}

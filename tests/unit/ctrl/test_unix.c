/* UNIX control socket end to end: the test thread runs the event loop and the clients. */
#include "ctrl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/errcode.h"

static ct_env_t *g_env; /* for handlers that reconfigure */

static json_t *echo(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_SUCCESS, "echoed", args ? json_incref(args) : NULL);
}

/* Closes every socket, including the one carrying this command. */
static json_t *close_all(const char *name, json_t *args, void *ud)
{
    char err[256];
    assert_int_equal(ctrl_apply_sockets(g_env->c, NULL, err, sizeof err), 0);
    return cmd_answer(CMD_SUCCESS, "closed", NULL);
}

static void sock_path(ct_env_t *e, char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", e->dir, name);
}

static char *exchange(ct_env_t *e, const char *path, const char *req)
{
    int fd = ct_unix_connect(path);
    ct_send(e, fd, req, strlen(req));
    bool eof;
    char *a = ct_recv_all(e, fd, 5000, NULL, &eof);
    assert_true(eof);
    close(fd);
    return a;
}

static void test_basic_chunks(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    ctrl_register(e->c, "echo", echo, NULL);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0750);
    assert_true(ct_logged(e, "COMMAND_ACCEPTOR_START", path));

    int fd = ct_unix_connect(path);
    const char *parts[] = {"  # hello\n{\"comm", "and\": \"ec", "ho\", \"arguments\": {\"k\": [1,",
                           " 2]}}"};
    for (size_t i = 0; i < 4; i++) {
        ct_send(e, fd, parts[i], strlen(parts[i]));
        ct_pump(e, 20);
    }
    bool eof;
    char *a = ct_recv_all(e, fd, 5000, NULL, &eof);
    assert_true(eof);
    assert_string_equal(a, "{\"arguments\": {\"k\": [1, 2]}, \"result\": 0, \"text\": \"echoed\"}");
    free(a);
    close(fd);

    a = exchange(e, path, "{\"command\": \"list-commands\"}");
    assert_string_equal(a, "{\"arguments\": [\"echo\", \"list-commands\"], \"result\": 0}");
    free(a);
    a = exchange(e, path, "{\"command\": \"nope\"}");
    ct_check_answer(a, 2, "'nope' command not supported.");
    free(a);
    /* Kea ignores what follows a complete command on the socket. */
    a = exchange(e, path, "{\"command\": \"echo\"} garbage");
    ct_check_answer(a, 0, "echoed");
    free(a);
    a = exchange(e, path, "xyz");
    ct_check_answer(a, 1, "invalid command: invalid first character 'x'");
    free(a);
    a = exchange(e, path, "{\"command\": \"echo\",}");
    ct_check_answer(a, 1, "invalid command: JSON syntax error at line 1 column 20: string or "
                          "'}' expected near '}'");
    free(a);

    char lock[160];
    snprintf(lock, sizeof lock, "%s.lock", path);
    assert_int_equal(access(lock, F_OK), 0);
    assert_int_equal(ctrl_unix_close(e->c, path), 0);
    assert_int_equal(ctrl_unix_close(e->c, path), NST_ENOENT);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(lock, F_OK), -1);
    ct_env_free(e);
}

static void test_two_clients(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    ctrl_register(e->c, "echo", echo, NULL);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    int a = ct_unix_connect(path);
    int b = ct_unix_connect(path);
    ct_send(e, a, "{\"command\": \"ec", 15);
    ct_pump(e, 20);
    /* b completes and is answered while a is still half-way. */
    ct_send(e, b, "{\"command\": \"list-commands\"}", 28);
    bool eof;
    char *rb = ct_recv_all(e, b, 5000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(rb, 0, NULL);
    free(rb);
    ct_send(e, a, "ho\"}", 4);
    char *ra = ct_recv_all(e, a, 5000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(ra, 0, "echoed");
    free(ra);
    close(a);
    close(b);
    ct_env_free(e);
}

static void test_half_close_and_eof(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    /* "echo ... | socat" style: the client shuts its side down right after writing. */
    int fd = ct_unix_connect(path);
    ct_send(e, fd, "{\"command\": \"list-commands\"}", 28);
    shutdown(fd, SHUT_WR);
    bool eof;
    char *r = ct_recv_all(e, fd, 5000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(r, 0, NULL);
    free(r);
    close(fd);
    /* Bytes after the command (a trailing newline sent separately) must not turn the end of
     * the answer into a connection reset. */
    for (int round = 0; round < 20; round++) {
        fd = ct_unix_connect(path);
        ct_send(e, fd, "{\"command\": \"list-commands\"}", 28);
        /* May fail (EPIPE) when the server was already done. */
        (void)!send(fd, "\n", 1, MSG_NOSIGNAL);
        char buf[512];
        size_t got = 0;
        ssize_t rc;
        for (int i = 0; i < 2000; i++) {
            rc = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
            if (rc > 0) {
                got += (size_t)rc;
                continue;
            }
            if (rc == 0 || errno != EAGAIN)
                break;
            ct_pump(e, 1);
        }
        if (rc != 0)
            fail_msg("round %d: recv ended with %zd (%s)", round, rc, strerror(errno));
        buf[got] = '\0';
        ct_check_answer(buf, 0, NULL);
        close(fd);
    }
    /* A client that leaves half-way gets nothing and costs nothing. */
    fd = ct_unix_connect(path);
    ct_send(e, fd, "{\"command\"", 10);
    ct_pump(e, 20);
    close(fd);
    ct_pump(e, 50);
    assert_true(ct_logged(e, "COMMAND_SOCKET_CLOSED_BY_FOREIGN_HOST", "10 bytes"));
    ct_env_free(e);
}

static void test_oversized(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    ctrl_set_limits(e->c, 100, 0);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    char big[300];
    memset(big, 'a', sizeof big);
    memcpy(big, "{\"command\": \"x\", \"arguments\": {\"a\": \"", 38);
    int fd = ct_unix_connect(path);
    ct_send(e, fd, big, sizeof big);
    bool eof;
    char *r = ct_recv_all(e, fd, 5000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(r, 1, "invalid command: request larger than 100 bytes");
    free(r);
    close(fd);
    /* A request of exactly the limit passes. */
    char exact[101];
    snprintf(exact, sizeof exact, "{\"command\": \"list-commands\", \"arguments\": {\"p\": \"%s\"}}",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_int_equal(strlen(exact), 100);
    r = exchange(e, path, exact);
    ct_check_answer(r, 0, NULL);
    free(r);
    ct_env_free(e);
}

static void test_timeout(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    ctrl_set_limits(e->c, 0, 150);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    int fd = ct_unix_connect(path);
    ct_send(e, fd, "{\"command\": ", 12);
    bool eof;
    char *r = ct_recv_all(e, fd, 3000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(r, 1, "Connection over control channel timed out, discarded partial "
                          "command of 12 bytes");
    free(r);
    close(fd);
    /* Silent client. */
    fd = ct_unix_connect(path);
    r = ct_recv_all(e, fd, 3000, NULL, &eof);
    assert_true(eof);
    ct_check_answer(r, 1, "Connection over control channel timed out");
    free(r);
    close(fd);
    assert_true(ct_logged(e, "COMMAND_SOCKET_CONNECTION_TIMEOUT", NULL));
    ct_env_free(e);
}

static void test_stale_and_busy(void **state)
{
    ct_env_t *e = ct_env_new();
    char path[128], err[256];
    sock_path(e, path, sizeof path, "k.sock");
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    assert_true(strlen(path) < sizeof sun.sun_path);
    memcpy(sun.sun_path, path, strlen(path) + 1);

    /* Stale socket file left by a dead process: removed and replaced. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
    close(s);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), 0);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), NST_EEXIST);

    /* Another live owner (lock held): refused, and its files stay. */
    ctrl_t *other = ctrl_new(e->base, NULL, NULL);
    assert_int_equal(ctrl_unix_listen(other, path, err, sizeof err), NST_EBUSY);
    assert_non_null(strstr(err, "in use by another process"));
    ctrl_free(other);
    assert_int_equal(access(path, F_OK), 0);
    char *r = exchange(e, path, "{\"command\": \"list-commands\"}");
    ct_check_answer(r, 0, NULL);
    free(r);
    ctrl_unix_close(e->c, path);

    /* A live listener without a lock file (another program): refused, not removed. */
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof sun), 0);
    assert_int_equal(listen(s, 4), 0);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), NST_EBUSY);
    assert_non_null(strstr(err, "already listening"));
    assert_int_equal(access(path, F_OK), 0);
    close(s);
    unlink(path);

    /* A regular file is never removed. */
    FILE *f = fopen(path, "w");
    fputs("data", f);
    fclose(f);
    assert_int_equal(ctrl_unix_listen(e->c, path, err, sizeof err), NST_EEXIST);
    assert_non_null(strstr(err, "is not a socket"));
    assert_int_equal(access(path, F_OK), 0);

    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(ctrl_unix_listen(e->c, longp, err, sizeof err), NST_EINVAL);
    ct_env_free(e);
}

static void test_apply(void **state)
{
    ct_env_t *e = ct_env_new();
    g_env = e;
    char a[128], b[128], err[256];
    sock_path(e, a, sizeof a, "a.sock");
    sock_path(e, b, sizeof b, "b.sock");
    ctrl_register(e->c, "close-all", close_all, NULL);
    ctrl_socket_config_t item = {.type = CTRL_SOCK_UNIX, .socket_name = a};
    ctrl_sockets_config_t cfg = {.items = &item, .n = 1};
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), 0);
    struct stat st1, st2;
    assert_int_equal(stat(a, &st1), 0);
    /* Same socket: kept as is (same inode, no re-creation). */
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), 0);
    assert_int_equal(stat(a, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);
    /* Moved: the old file goes away. */
    item.socket_name = b;
    assert_int_equal(ctrl_apply_sockets(e->c, &cfg, err, sizeof err), 0);
    assert_int_equal(access(a, F_OK), -1);
    assert_int_equal(access(b, F_OK), 0);
    /* A failing new socket leaves the old one in place. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/no/such/dir.sock", e->dir);
    item.socket_name = bad;
    assert_true(ctrl_apply_sockets(e->c, &cfg, err, sizeof err) < 0);
    assert_int_equal(access(b, F_OK), 0);
    /* A command that closes its own socket still gets its answer. */
    char *r = exchange(e, b, "{\"command\": \"close-all\"}");
    ct_check_answer(r, 0, "closed");
    free(r);
    assert_int_equal(access(b, F_OK), -1);
    ct_env_free(e);
}

int ct_unix_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_chunks),
        cmocka_unit_test(test_two_clients),
        cmocka_unit_test(test_half_close_and_eof),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_stale_and_busy),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests_name("ctrl_unix", tests, NULL, NULL);
}

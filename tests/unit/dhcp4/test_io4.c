/* Unit tests: a failed socket setup (dhcp4/io4.c) leaves no descriptor open. The executable is
 * linked with -Wl,--wrap=setsockopt, so each case makes one chosen setsockopt call fail and
 * counts /proc/self/fd before and after. Opens sockets on "lo" (port 0): needs CAP_NET_RAW for
 * the packet socket, and is skipped without it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/cfg4.h"
#include "dhcp4/srv4.h"

int __real_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len);

static struct {
    int level, name, domain; /* the call to fail: option and socket family */
    int hits;
} fail = {-1, -1, -1, 0};

int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    int domain = -1;
    socklen_t dl = sizeof domain;
    if (level == fail.level && name == fail.name &&
        getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl) == 0 && domain == fail.domain) {
        fail.hits++;
        errno = ENOMEM;
        return -1;
    }
    return __real_setsockopt(fd, level, name, val, len);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void test_failed_setup_closes_its_sockets(void **state)
{
    (void)state;
    int probe = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
    if (probe < 0)
        skip(); /* no CAP_NET_RAW */
    close(probe);
    static const struct {
        int level, name, domain;
        const char *what;
    } cases[] = {
        {SOL_SOCKET, SO_ATTACH_FILTER, AF_INET, "UDP socket filter (after the packet socket)"},
        {SOL_SOCKET, SO_ATTACH_FILTER, AF_PACKET, "packet socket filter"},
        {SOL_PACKET, PACKET_QDISC_BYPASS, AF_PACKET, "packet socket qdisc bypass"},
        {SOL_SOCKET, SO_BINDTODEVICE, AF_INET, "UDP socket device"},
    };
    char err[512];
    cfg4_t *cfg;
    assert_int_equal(cfg4_load_string("{\"Dhcp4\": {\"interfaces-config\": {\"interfaces\": [\"lo\"]}}}",
                                      "test", &cfg, err, sizeof err), 0);
    srv4_t s = {.core.base = event_base_new(), .server_port = 0};
    int before = open_fds();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fail.level = cases[i].level;
        fail.name = cases[i].name;
        fail.domain = cases[i].domain;
        fail.hits = 0;
        err[0] = '\0';
        assert_int_not_equal(srv4_open_sockets(&s, cfg, err, sizeof err), 0);
        assert_int_equal(fail.hits, 1);
        if (open_fds() != before)
            fail_msg("%s failing leaves %d descriptor(s) open (%s)", cases[i].what,
                     open_fds() - before, err);
    }
    fail.level = -1;
    assert_int_equal(srv4_open_sockets(&s, cfg, err, sizeof err), 0);
    assert_int_equal(open_fds(), before + 2); /* UDP and packet socket */
    srv4_close_sockets(&s);
    assert_int_equal(open_fds(), before);
    event_base_free(s.core.base);
    cfg4_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_setup_closes_its_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the DHCPv4 packet path's high-availability seams (srv4.h), in process. A server on
 * an in-memory memfile store handles relayed packets; its replies go to the relay (giaddr, here
 * 127.0.0.2) through a UDP socket, where the test reads them. Checks: in_scope sees the client's
 * identifying bytes and a client out of scope gets no answer; a leases-changed listener hears a
 * REQUEST's lease once stored and can hold its reply until it lets go, even across a reopening
 * of the sockets. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dhcp4/srv4.h"
#include "log/log.h"

#define RELAY 0x7f000002u /* 127.0.0.2 */
#define PORT 47067

static const char config[] =
    "{\"Dhcp4\": {\"interfaces-config\": {\"interfaces\": []},\n"
    " \"lease-database\": {\"type\": \"memfile\", \"persist\": false},\n"
    " \"loggers\": [{\"name\": \"kea-dhcp4\", \"severity\": \"NONE\"}],\n"
    " \"valid-lifetime\": 600,\n"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"10.10.10.0/24\", \"relay\": {\"ip-addresses\": [\"127.0.0.2\"]},\n"
    "   \"pools\": [{\"pool\": \"10.10.10.10 - 10.10.10.20\"}]}]}}";

static srv4_t srv;
static srv4_iface_t ifaces[1];
static srv4_iface_t *opened;  /* the server's own (empty) socket set, given back at the end */
static size_t opened_count;
static int relay_fd;

/* ---- what the seams hear ---- */
static struct {
    uint8_t client[64];
    size_t len;
    bool refuse;
} scope;

static bool in_scope(void *arg, const ha_query_t *q, const char **scope_class)
{
    memcpy(scope.client, q->key, q->key_len < sizeof scope.client ? q->key_len : sizeof scope.client);
    scope.len = q->key_len;
    *scope_class = NULL;
    return !scope.refuse;
}

static struct {
    int heard;
    enum lease_change_cause cause;
    uint32_t addr;
    srv_hold_t *held;
} change;

static void leases_changed(void *arg, const lease_change_t *c, srv_hold_t *hold)
{
    change.heard++;
    change.cause = c->cause;
    change.addr = c->new_lease ? c->new_lease->addr.v4 : 0;
    if (hold) { /* as HA: keep the reply until the partner acknowledged the update */
        srv_hold_take(hold);
        change.held = hold;
    }
}

static int setup(void **state)
{
    nlog_init("kea-dhcp4", false);
    memset(&srv, 0, sizeof srv);
    srv.server_port = PORT;
    srv.client_port = 68;
    srv4_init(&srv, event_base_new(), NULL);
    srv.leases_changed = leases_changed;
    char err[1024];
    cfg4_t *cfg;
    assert_int_equal(cfg4_load_string(config, "test", &cfg, err, sizeof err), 0);
    if (srv4_apply_config(&srv, cfg, err, sizeof err))
        fail_msg("%s", err);
    srv.rt->in_scope = in_scope;
    ifaces[0] = (srv4_iface_t){.name = "test0", .ifindex = 7, .mac = {2, 0, 0, 0, 0, 0xfe}, .addr = 0xc0000201,
                               .mask = 0xffffff00, .pkt_fd = -1, .udp_fd = socket(AF_INET, SOCK_DGRAM, 0),
                               .srv = &srv};
    opened = srv.ifaces, opened_count = srv.iface_count;
    srv.ifaces = ifaces;
    srv.iface_count = 1;
    relay_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr.s_addr = htonl(RELAY)};
    assert_int_equal(bind(relay_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {0, 200000};
    setsockopt(relay_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

static int teardown(void **state)
{
    close(relay_fd);
    close(ifaces[0].udp_fd);
    srv.ifaces = opened;
    srv.iface_count = opened_count;
    srv4_fini(&srv);
    return 0;
}

/* A relayed BOOTREQUEST of message type t from hardware address last byte mac, with a client
 * identifier when cid is not NULL (2 bytes), the requested address when req != 0 and our server
 * identifier when sid. Returns the length. */
static size_t request(uint8_t *p, uint8_t t, uint8_t mac, const uint8_t *cid, uint32_t req, bool sid)
{
    memset(p, 0, 300);
    p[0] = 1, p[1] = 1, p[2] = 6;
    p[4] = 0x12, p[7] = mac;
    uint32_t gi = htonl(RELAY);
    memcpy(p + 24, &gi, 4);
    uint8_t hw[6] = {2, 0, 0, 0, 0x33, mac};
    memcpy(p + 28, hw, 6);
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    memcpy(p + 236, cookie, 4);
    size_t o = 240;
    p[o++] = 53, p[o++] = 1, p[o++] = t;
    if (cid)
        p[o++] = 61, p[o++] = 2, p[o++] = cid[0], p[o++] = cid[1];
    if (req) {
        uint32_t r = htonl(req);
        p[o++] = 50, p[o++] = 4;
        memcpy(p + o, &r, 4);
        o += 4;
    }
    if (sid) {
        uint32_t s = htonl(ifaces[0].addr);
        p[o++] = 54, p[o++] = 4;
        memcpy(p + o, &s, 4);
        o += 4;
    }
    p[o++] = 255;
    return o;
}

/* The message type of the next reply the relay receives, 0 when none comes; *yiaddr gets its
 * address. */
static int relay_receives(uint32_t *yiaddr)
{
    uint8_t b[1500];
    ssize_t n = recv(relay_fd, b, sizeof b, 0);
    if (n < 240)
        return 0;
    if (yiaddr) {
        memcpy(yiaddr, b + 16, 4);
        *yiaddr = ntohl(*yiaddr);
    }
    for (size_t o = 240; o + 2 < (size_t)n; o += 2u + b[o + 1])
        if (b[o] == 53)
            return b[o + 2];
    return 0;
}

static void handle(const uint8_t *p, size_t len)
{
    srv4_handle(&srv, &ifaces[0], srv.rx, p, len, RELAY, ifaces[0].addr, NULL);
    srv_core_completions_run(&srv.core);
}

static void test_scope_sees_the_client_and_decides(void **state)
{
    uint8_t p[400];
    static const uint8_t cid[2] = {0xab, 0xcd};
    size_t n = request(p, PKT4_DISCOVER, 1, cid, 0, false);
    handle(p, n);
    assert_int_equal(scope.len, 2); /* the client identifier when there is one */
    assert_memory_equal(scope.client, cid, 2);
    uint32_t yi = 0;
    assert_int_equal(relay_receives(&yi), PKT4_OFFER);
    n = request(p, PKT4_DISCOVER, 2, NULL, 0, false);
    handle(p, n);
    assert_int_equal(scope.len, 6); /* else the hardware address */
    assert_int_equal(scope.client[5], 2);
    assert_int_equal(relay_receives(NULL), PKT4_OFFER);
    scope.refuse = true; /* the partner's client: no answer */
    handle(p, n);
    assert_int_equal(relay_receives(NULL), 0);
    scope.refuse = false;
}

static void test_listener_holds_the_reply_until_it_lets_go(void **state)
{
    uint8_t p[400];
    size_t n = request(p, PKT4_DISCOVER, 3, NULL, 0, false);
    handle(p, n);
    uint32_t yi = 0;
    assert_int_equal(relay_receives(&yi), PKT4_OFFER);
    assert_int_equal(change.heard, 0); /* an offer stores nothing */
    n = request(p, PKT4_REQUEST, 3, NULL, yi, true);
    handle(p, n);
    assert_int_equal(change.heard, 1);
    assert_int_equal(change.cause, LEASE_CHANGE_ALLOC);
    assert_int_equal(change.addr, yi);
    assert_non_null(change.held);
    assert_int_equal(relay_receives(NULL), 0); /* held: not sent */
    /* the sockets are reopened meanwhile: the reply goes out through the interface of the same
     * index in the new set */
    srv4_iface_t moved = ifaces[0];
    ifaces[0].udp_fd = -1; /* the old set's socket is closed */
    srv.iface_gen++;
    srv.ifaces = &moved;
    srv_hold_drop(change.held, 0);
    srv_core_completions_run(&srv.core);
    assert_int_equal(relay_receives(&yi), PKT4_ACK);
    assert_int_equal(yi, change.addr);
    ifaces[0].udp_fd = moved.udp_fd;
    srv.ifaces = ifaces;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_sees_the_client_and_decides),
        cmocka_unit_test(test_listener_holds_the_reply_until_it_lets_go),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

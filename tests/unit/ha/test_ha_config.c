/* Unit tests: libdhcp_ha.so's "high-availability" parameters (ha/ha_config.h) through the
 * configuration loader: Kea 2.2's defaults, every parameter, and each error naming its field.
 * Hub-and-spoke (Kea 2.6's several relationships) and the subnets' relationships (user-context
 * "ha-server-name", config/cfg_hamap.c): the chain of relationships, each check across them
 * naming its field, and one relationship (Kea 2.2's configuration) left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/cfg4.h"
#include "ha/ha_config.h"

static char buf[16384];

#define PEERS_LB "{\"name\": \"server1\", \"url\": \"http://192.0.2.1:8000/\", \"role\": \"primary\"}," \
                 "{\"name\": \"server2\", \"url\": \"http://192.0.2.2:8000/\", \"role\": \"secondary\"}"
#define PEERS_HS "{\"name\": \"server1\", \"url\": \"http://192.0.2.1:8000/\", \"role\": \"primary\"}," \
                 "{\"name\": \"server2\", \"url\": \"http://192.0.2.2:8000/\", \"role\": \"standby\"}"

/* A Dhcp4 configuration with lease_cmds and one relationship: mode, extra keys, peers. */
static const char *ha(const char *mode, const char *extra, const char *peers)
{
    snprintf(buf, sizeof buf,
             "{\"Dhcp4\": {\"hooks-libraries\": [\n"
             "  {\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so\"},\n"
             "  {\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so\",\n"
             "   \"parameters\": {\"high-availability\": [{\n"
             "     \"this-server-name\": \"server1\", \"mode\": \"%s\",%s\n"
             "     \"peers\": [%s]}]}}]}}",
             mode, extra, peers);
    return buf;
}

/* Loads text: with want NULL it must load (with HA), else fail with want in its first error,
 * which starts with the position. */
static cfg4_t *load(const char *text, const char *want)
{
    char err[1024] = "";
    cfg4_t *c = NULL;
    int r = cfg4_load_string(text, "test.json", &c, err, sizeof err);
    if (!want && (r || !c->common.ha))
        fail_msg("unexpected error: %s", err);
    if (want && (!r || c || !strstr(err, want) || strncmp(err, "test.json:", 10)))
        fail_msg("error '%s' does not contain '%s' (or has no position)", err, want);
    return c;
}

#define load_ok(text) load(text, NULL)
#define expect_error(text, want) load(text, want)

static void test_defaults(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(ha("load-balancing", "", PEERS_LB));
    const ha_config_t *h = c->common.ha;
    assert_string_equal(h->this_server_name, "server1");
    assert_int_equal(h->mode, HA_MODE_LOAD_BALANCING);
    assert_int_equal(h->heartbeat_delay, 10000);
    assert_int_equal(h->max_response_delay, 60000);
    assert_int_equal(h->max_ack_delay, 10000);
    assert_int_equal(h->max_unacked_clients, 10);
    assert_int_equal(h->delayed_updates_limit, 100);   /* load-balancing's own default */
    assert_true(h->send_lease_updates && h->sync_leases && h->require_client_certs);
    assert_false(h->wait_backup_ack || h->restrict_commands || h->mt.enabled || h->mt.dedicated_listener);
    assert_int_equal(h->sync_timeout, 60000);
    assert_int_equal(h->sync_page_limit, 10000);
    assert_int_equal(h->max_rejected_lease_updates, 10);   /* Kea 2.4's */
    assert_int_equal(h->mt.listener_threads + h->mt.client_threads, 0);
    for (int s = 0; s < HA_ST_COUNT; s++)
        assert_int_equal(h->pause[s], HA_PAUSE_NEVER);
    assert_int_equal(h->peer_count, 2);
    const ha_peer_t *me = ha_config_this(h), *partner = ha_config_partner(h);
    assert_string_equal(me->name, "server1");
    assert_string_equal(partner->name, "server2");
    assert_int_equal(partner->role, HA_ROLE_SECONDARY);
    assert_true(partner->auto_failover);
    assert_false(partner->https || partner->use_tls);
    assert_string_equal(partner->host, "192.0.2.2");
    assert_int_equal(partner->port, 8000);
    assert_string_equal(partner->path, "/");
    cfg4_free(c);
    c = load_ok(ha("hot-standby", "", PEERS_HS));
    assert_int_equal(c->common.ha->delayed_updates_limit, 0);
    cfg4_free(c);
}

static void test_every_parameter(void **state)
{
    (void)state;
    char pw[] = "/tmp/nestor-ha-pw-XXXXXX";
    int fd = mkstemp(pw);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    char peers[2048];
    snprintf(peers, sizeof peers,
             "{\"name\": \" server1 \", \"url\": \"https://[2001:db8::1]:8443/ha\", \"role\": \"primary\","
             " \"auto-failover\": false, \"basic-auth-user\": \"kea\", \"basic-auth-password\": \"pw1\","
             " \"cert-file\": \"/c1.pem\", \"comment\": \"me\"},"
             "{\"name\": \"server2\", \"url\": \"https://192.0.2.2\", \"role\": \"standby\","
             " \"basic-auth-user\": \"kea2\", \"basic-auth-password-file\": \"%s\"},"
             "{\"name\": \"server3\", \"url\": \"http://192.0.2.3:8000\", \"role\": \"backup\","
             " \"trust-anchor\": \"\", \"cert-file\": \"\", \"key-file\": \"\"}", pw);
    cfg4_t *c = load_ok(ha("hot-standby",
        "\"heartbeat-delay\": 5000, \"max-response-delay\": 20000, \"max-ack-delay\": 3000,"
        "\"max-unacked-clients\": 0, \"delayed-updates-limit\": 0, \"send-lease-updates\": false,"
        "\"sync-leases\": false, \"sync-timeout\": 1000, \"sync-page-limit\": 5, \"wait-backup-ack\": false,"
        "\"require-client-certs\": false, \"restrict-commands\": true, \"max-rejected-lease-updates\": 0,"
        "\"trust-anchor\": \"/ca.pem\", \"cert-file\": \"/c.pem\", \"key-file\": \"/k.pem\","
        "\"multi-threading\": {\"enable-multi-threading\": true, \"http-dedicated-listener\": true,"
        "  \"http-listener-threads\": 2, \"http-client-threads\": 3},"
        "\"state-machine\": {\"states\": [{\"state\": \"waiting\", \"pause\": \"always\"},"
        "  {\"state\": \"ready\", \"pause\": \"once\"}, {\"state\": \"syncing\"}]},", peers));
    unlink(pw);
    const ha_config_t *h = c->common.ha;
    assert_int_equal(h->heartbeat_delay, 5000);
    assert_int_equal(h->max_response_delay, 20000);
    assert_int_equal(h->max_ack_delay, 3000);
    assert_int_equal(h->max_unacked_clients, 0);
    assert_false(h->send_lease_updates || h->sync_leases || h->require_client_certs);
    assert_true(h->restrict_commands);
    assert_int_equal(h->sync_timeout, 1000);
    assert_int_equal(h->sync_page_limit, 5);
    assert_int_equal(h->max_rejected_lease_updates, 0);
    assert_true(h->mt.enabled && h->mt.dedicated_listener);
    assert_int_equal(h->mt.listener_threads, 2);
    assert_int_equal(h->mt.client_threads, 3);
    assert_int_equal(h->pause[HA_ST_WAITING], HA_PAUSE_ALWAYS);
    assert_int_equal(h->pause[HA_ST_READY], HA_PAUSE_ONCE);
    assert_int_equal(h->pause[HA_ST_SYNCING], HA_PAUSE_NEVER);
    const ha_peer_t *s1 = ha_config_peer(h, "server1"), *s2 = ha_config_peer(h, "server2");
    const ha_peer_t *s3 = ha_config_peer(h, "server3");
    assert_non_null(s1);                               /* the name is trimmed, as Kea does */
    assert_ptr_equal(ha_config_this(h), s1);
    assert_ptr_equal(ha_config_partner(h), s2);
    assert_false(s1->auto_failover);
    assert_true(s1->https && s1->use_tls);
    assert_string_equal(s1->host, "2001:db8::1");
    assert_int_equal(s1->port, 8443);
    assert_string_equal(s1->path, "/ha");
    assert_string_equal(s1->cert, "/c1.pem");          /* its own, the rest inherited */
    assert_string_equal(s1->ca, "/ca.pem");
    assert_string_equal(s1->key, "/k.pem");
    assert_string_equal(s1->basic_auth_user, "kea");
    assert_string_equal(s1->basic_auth_password, "pw1");
    assert_string_equal(s2->basic_auth_password, "s3cret\n");   /* the whole file, as Kea */
    assert_int_equal(s2->port, 0);
    assert_true(s2->use_tls);
    assert_false(s3->use_tls);                         /* empty strings switch TLS off for it */
    assert_int_equal(s3->role, HA_ROLE_BACKUP);
    cfg4_free(c);
}

static void test_roles_and_modes(void **state)
{
    (void)state;
    /* Passive-backup: one primary and backups. */
    cfg4_t *c = load_ok(ha("passive-backup", "\"wait-backup-ack\": true,",
                           "{\"name\": \"server1\", \"url\": \"http://192.0.2.1:8000/\", \"role\": \"primary\"},"
                           "{\"name\": \"b1\", \"url\": \"http://192.0.2.5:8000/\", \"role\": \"backup\"},"
                           "{\"name\": \"b2\", \"url\": \"http://192.0.2.6:8000/\", \"role\": \"backup\"}"));
    assert_null(ha_config_partner(c->common.ha));
    assert_true(c->common.ha->wait_backup_ack);
    cfg4_free(c);
    expect_error(ha("load-balancing", "", PEERS_HS), "role 'standby' of peer 'server2' does not fit mode 'load-balancing'");
    expect_error(ha("hot-standby", "", PEERS_LB), "role 'secondary' of peer 'server2' does not fit mode 'hot-standby'");
    expect_error(ha("passive-backup", "", PEERS_LB), "role 'secondary' of peer 'server2' does not fit mode 'passive-backup'");
    expect_error(ha("load-balancing", "",
                    "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"},"
                    "{\"name\": \"server2\", \"url\": \"http://192.0.2.2/\", \"role\": \"primary\"}"),
                 "peer 'server2' is a second primary (the first is 'server1')");
    expect_error(ha("load-balancing", "",
                    "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"},"
                    "{\"name\": \"server2\", \"url\": \"http://192.0.2.2/\", \"role\": \"backup\"}"),
                 "mode 'load-balancing' needs a peer with role 'secondary'");
    expect_error(ha("hot-standby", "",
                    "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"standby\"},"
                    "{\"name\": \"server2\", \"url\": \"http://192.0.2.2/\", \"role\": \"backup\"}"),
                 "mode 'hot-standby' needs a peer with role 'primary'");
    expect_error(ha("load-balancing", "\"wait-backup-ack\": true,", PEERS_LB), "'wait-backup-ack' must be false");
    expect_error(ha("hot-standby", "\"delayed-updates-limit\": 5,", PEERS_HS), "'delayed-updates-limit' must be 0");
    expect_error(ha("hot-standbye", "", PEERS_HS), "invalid mode 'hot-standbye' (did you mean 'hot-standby'?)");
    expect_error(ha("load-balancing", "",
                    "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"},"
                    "{\"name\": \"server2\", \"url\": \"http://192.0.2.2/\", \"role\": \"secundary\"}"),
                 "invalid role 'secundary' (did you mean 'secondary'?)");
}

/* Each broken peer list or value, and the words of its error. */
static void test_errors(void **state)
{
    (void)state;
    static const struct { const char *extra, *peers, *want; } cases[] = {
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"},"
             "{\"name\": \"server1\", \"url\": \"http://192.0.2.2/\", \"role\": \"secondary\"}",
         "a peer named 'server1' is already specified"},
        {"", "{\"name\": \"server9\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"},"
             "{\"name\": \"server2\", \"url\": \"http://192.0.2.2/\", \"role\": \"secondary\"}",
         "this-server-name 'server1' is not among the peers"},
        {"", "{\"name\": \"  \", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"}", "'name' must not be empty"},
        {"", "{\"name\": \"server1\", \"url\": \"ftp://192.0.2.1/\", \"role\": \"primary\"}", "the scheme 'ftp'"},
        {"", "{\"name\": \"server1\", \"url\": \"192.0.2.1:80\", \"role\": \"primary\"}", "the scheme '192.0.2.1'"},
        {"", "{\"name\": \"server1\", \"url\": \"http://host.example:80/\", \"role\": \"primary\"}",
         "the host 'host.example' must be an IPv4 address"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1:99999/\", \"role\": \"primary\"}", "invalid port"},
        {"", "{\"name\": \"server1\", \"url\": \"http://[2001:db8::1/\", \"role\": \"primary\"}", "lacks the ']'"},
        {"", "{\"name\": \"server1\", \"url\": \"http:///x\", \"role\": \"primary\"}", "has no host"},
        {"", "{\"name\": \"server1\", \"url\": \"https://192.0.2.1/\", \"role\": \"primary\"}",
         "is https but TLS is not configured for peer 'server1'"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"cert-file\": \"/c\"}",
         "peer 'server1' has cert-file but trust-anchor is missing"},
        {"\"trust-anchor\": \"/ca\", \"cert-file\": \"/c\",",
         "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\"}", "key-file is missing"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"basic-auth-user\": \"a:b\"}",
         "'basic-auth-user' must not contain ':'"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"basic-auth-password\": \"x\","
             " \"basic-auth-password-file\": \"/etc/hostname\"}", "mutually exclusive"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\","
             " \"basic-auth-password-file\": \"/nonexistent/pw\"}", "cannot open '/nonexistent/pw'"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\"}", "requires 'role'"},
        {"", "{\"name\": \"server1\", \"role\": \"primary\"}", "requires 'url'"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"auto-failover\": 1}",
         "'auto-failover' must be a boolean"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"autofailover\": true}",
         "unknown parameter 'autofailover' in peers entry (did you mean 'auto-failover'?)"},
        {"", "{\"name\": \"server1\", \"url\": \"http://192.0.2.1/\", \"role\": \"primary\", \"basic-auth-user-file\": \"/u\"}",
         "'basic-auth-user-file' in peers entry is a parameter of Kea 3.2 and later, not of Kea 2.2"},
        {"\"heartbeat-delay\": 70000,", "", "'heartbeat-delay' value 70000 is out of range 0..65535"},
        {"\"max-ack-delay\": -1,", "", "'max-ack-delay' value -1 is out of range"},
        {"\"sync-page-limit\": \"10\",", "", "'sync-page-limit' must be an integer"},
        {"\"max-rejected-lease-updates\": -1,", "", "'max-rejected-lease-updates' value -1 is out of range"},
        {"\"heartbeat-dealy\": 10,", "", "unknown parameter 'heartbeat-dealy' in high-availability (did you mean 'heartbeat-delay'?)"},
        {"\"multi-threading\": {\"thread-pool-size\": 4},", "",
         "unknown parameter 'thread-pool-size' in high-availability multi-threading"},
        {"\"multi-threading\": {\"http-client-threads\": true},", "", "'http-client-threads' must be an integer"},
        {"\"state-machine\": {\"states\": [{\"state\": \"wating\"}]},", "", "invalid state 'wating' (did you mean 'waiting'?)"},
        {"\"state-machine\": {\"states\": [{\"state\": \"ready\", \"pause\": \"twice\"}]},", "", "invalid pause 'twice'"},
        {"\"state-machine\": {\"states\": [{\"state\": \"ready\"}, {\"state\": \"ready\", \"pause\": \"once\"}]},", "",
         "the state 'ready' is configured twice"},
        {"\"state-machine\": {\"states\": [{\"pause\": \"once\"}]},", "", "a states entry requires 'state'"},
        {"\"peers\": {},", NULL, "'peers' must be a list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *peers = cases[i].peers && *cases[i].peers ? cases[i].peers : PEERS_LB;
        if (!cases[i].peers) {   /* the relationship's own peers key, replaced */
            snprintf(buf, sizeof buf, "{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", "
                     "\"parameters\": {\"high-availability\": [{\"this-server-name\": \"server1\", "
                     "\"mode\": \"load-balancing\", %s \"sync-leases\": true}]}}]}}", cases[i].extra);
            expect_error(buf, cases[i].want);
            continue;
        }
        expect_error(ha(*cases[i].peers ? "passive-backup" : "load-balancing", cases[i].extra, peers), cases[i].want);
    }
}

static void test_shape(void **state)
{
    (void)state;
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\"}]}}",
                 "libdhcp_ha.so requires 'parameters' with 'high-availability'");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": {}}]}}",
                 "libdhcp_ha.so requires 'high-availability'");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": "
                 "{\"high-availability\": []}}]}}", "'high-availability' must list at least one relationship");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": "
                 "{\"high-availability\": [{\"mode\": \"hot-standby\", \"peers\": []}]}}]}}",
                 "'high-availability' requires 'this-server-name'");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": "
                 "{\"high-availability\": [{\"this-server-name\": \"a\", \"peers\": []}]}}]}}",
                 "'high-availability' requires 'mode'");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": "
                 "{\"high-availability\": [{\"this-server-name\": \"a\", \"mode\": \"hot-standby\"}]}}]}}",
                 "'high-availability' requires 'peers'");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_ha.so\", \"parameters\": "
                 "{\"high-availability\": [], \"high-availabilty\": 1}}]}}",
                 "unknown parameter 'high-availabilty' in libdhcp_ha.so parameters (did you mean 'high-availability'?)");
    /* A second libdhcp_ha.so entry. */
    const char *one = ha("load-balancing", "", PEERS_LB);
    char two[sizeof buf * 2];
    const char *entry = strstr(one, "  {\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so\"");
    const char *tail = strrchr(one, ']');
    snprintf(two, sizeof two, "%.*s,%.*s]}}", (int)(tail - one), one, (int)(tail - entry), entry);
    expect_error(two, "libdhcp_ha.so is loaded twice");
}

/* ---- hub-and-spoke ---- */

#define RELR(me, mode, a, aurl, b, burl, brole)                                                             \
    "{\"this-server-name\": \"" me "\", \"mode\": \"" mode "\", \"peers\": ["                               \
    "{\"name\": \"" a "\", \"url\": \"" aurl "\", \"role\": \"primary\"},"                                  \
    "{\"name\": \"" b "\", \"url\": \"" burl "\", \"role\": \"" brole "\"}]}"
#define REL(me, mode, a, aurl, b, burl) RELR(me, mode, a, aurl, b, burl, "standby")
/* The hub of the ARM's example: the standby "server2" of server1 and "server4" of server3. */
#define REL1 REL("server2", "hot-standby", "server1", "http://192.0.2.1:8001/", "server2", "http://192.0.2.2:8002/")
#define REL2 REL("server4", "hot-standby", "server3", "http://192.0.2.3:8003/", "server4", "http://192.0.2.2:8004/")

/* A Dhcp4 configuration with the relationships rels (a JSON list's inside) and subnets, networks
 * (the insides of "subnet4" and "shared-networks"). */
static const char *hub(const char *rels, const char *subnets, const char *networks)
{
    snprintf(buf, sizeof buf,
             "{\"Dhcp4\": {\"hooks-libraries\": [\n"
             "  {\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so\"},\n"
             "  {\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so\",\n"
             "   \"parameters\": {\"high-availability\": [%s]}}],\n"
             " \"subnet4\": [%s],\n \"shared-networks\": [%s]}}",
             rels, subnets, networks);
    return buf;
}

#define SUBNET(id, prefix, ctx) "{\"id\": " #id ", \"subnet\": \"" prefix "\"" ctx "}"
#define CTX(name) ", \"user-context\": {\"ha-server-name\": " name "}"

static void test_two_relationships(void **state)
{
    (void)state;
    cfg4_t *c = load(hub(REL1 "," REL2,
                         SUBNET(1, "192.0.2.0/24", CTX("\"server1\"")) "," SUBNET(2, "10.0.2.0/24", CTX("\"server4\"")),
                         "{\"name\": \"n\", \"user-context\": {\"ha-server-name\": \"server3\"}, \"subnet4\": ["
                         SUBNET(3, "10.0.3.0/24", "") "," SUBNET(4, "10.0.4.0/24", CTX("\"server2\"")) "]}"),
                     NULL);
    const ha_config_t *h = c->common.ha;
    assert_int_equal(ha_config_count(h), 2);
    assert_string_equal(h->this_server_name, "server2");
    assert_int_equal(h->index, 0);
    assert_string_equal(h->next->this_server_name, "server4");
    assert_int_equal(h->next->index, 1);
    assert_null(h->next->next);
    assert_string_equal(ha_config_partner(h->next)->name, "server3");
    assert_int_equal(ha_config_relationship_of(h, "server1"), 0);
    assert_int_equal(ha_config_relationship_of(h, "server2"), 0);
    assert_int_equal(ha_config_relationship_of(h, "server3"), 1);
    assert_int_equal(ha_config_relationship_of(h, "server9"), -1);
    /* any peer name of a relationship maps; a shared network's name serves its subnets without one */
    int want[] = {0, 1, 1, 0};
    for (uint32_t id = 1; id <= 4; id++)
        assert_int_equal(cfg4_subnet_by_id(c, id)->ha_rel, want[id - 1]);
    cfg4_free(c);
}

static void test_hub_errors(void **state)
{
    (void)state;
    static const struct {
        const char *rels, *subnets, *want;
    } cases[] = {
        {REL1 "," RELR("server4", "load-balancing", "server3", "http://192.0.2.3:8003/", "server4",
                       "http://192.0.2.2:8004/", "secondary"), "",
         "relationship 1 is in mode 'load-balancing': with several relationships (hub-and-spoke, Kea 2.6) each one "
         "must be in mode 'hot-standby'"},
        {REL1 "," REL("server4", "hot-standby", "server1", "http://192.0.2.3:8003/", "server4",
                      "http://192.0.2.2:8004/"), "",
         "peer name 'server1' is also in relationship 0"},
        {REL1 "," REL("server4", "hot-standby", "server3", "http://192.0.2.3:8003/", "server4",
                      "http://192.0.2.2:8002"), "",
         "url 'http://192.0.2.2:8002' of peer 'server4' is also the url of peer 'server2' in relationship 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        load(hub(cases[i].rels, cases[i].subnets, ""), cases[i].want);
    /* subnets without a relationship load, as in Kea 2.6 (their queries are dropped), each case
     * marked for its log; a subnet's own value wins over its network's, even a bad one */
    cfg4_t *c = load(hub(REL1 "," REL2,
                         SUBNET(1, "192.0.2.0/24", "") "," SUBNET(2, "10.0.2.0/24", CTX("\"server9\"")) ","
                         SUBNET(3, "10.0.3.0/24", CTX("7")) "," SUBNET(4, "10.0.4.0/24", CTX("\"\"")),
                         "{\"name\": \"n\", \"user-context\": {\"ha-server-name\": \"server3\"}, \"subnet4\": ["
                         SUBNET(5, "10.0.5.0/24", CTX("\"\"")) "]}"),
                     NULL);
    int want[] = {CFG_HA_REL_NONE, CFG_HA_REL_UNKNOWN, CFG_HA_REL_INVALID, CFG_HA_REL_INVALID, CFG_HA_REL_INVALID};
    for (uint32_t id = 1; id <= 5; id++)
        assert_int_equal(cfg4_subnet_by_id(c, id)->ha_rel, want[id - 1]);
    assert_string_equal(cfg4_subnet_by_id(c, 2)->ha_name, "server9");
    assert_null(cfg4_subnet_by_id(c, 1)->ha_name);
    cfg4_free(c);
    /* the first relationship valid, the second not: its own error */
    load(hub(REL1 ", {\"this-server-name\": \"server4\", \"mode\": \"hot-standby\", \"peers\": []}", "", ""),
         "this-server-name 'server4' is not among the peers");
}

static void test_one_relationship_unchanged(void **state)
{
    (void)state;
    /* Kea 2.2's configuration: no subnet needs a relationship; a peer's name maps one, any other
     * value is left alone (Kea 2.2 ignores user-context) */
    cfg4_t *c = load(hub(REL1, SUBNET(1, "192.0.2.0/24", "") "," SUBNET(2, "10.0.2.0/24", CTX("\"server1\"")) ","
                         SUBNET(3, "10.0.3.0/24", CTX("\"other\"")) "," SUBNET(4, "10.0.4.0/24", CTX("5")), ""),
                     NULL);
    assert_int_equal(ha_config_count(c->common.ha), 1);
    int want[] = {CFG_HA_REL_NONE, 0, CFG_HA_REL_UNKNOWN, CFG_HA_REL_INVALID};
    for (uint32_t id = 1; id <= 4; id++)
        assert_int_equal(cfg4_subnet_by_id(c, id)->ha_rel, want[id - 1]);
    cfg4_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_parameter),
        cmocka_unit_test(test_roles_and_modes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_two_relationships),
        cmocka_unit_test(test_hub_errors),
        cmocka_unit_test(test_one_relationship_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

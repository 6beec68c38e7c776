/* Unit tests: the Dhcp4 configuration model (cfg4). */
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
#include "config/cfg4_ctx.h"

static cfg4_t *load_ok(const char *text)
{
    char err[1024] = "";
    cfg4_t *c = NULL;
    int r = cfg4_load_string(text, "test.json", &c, err, sizeof err);
    if (r)
        fail_msg("unexpected error: %s", err);
    return c;
}

static void expect_error(const char *text, const char *needle)
{
    char err[1024] = "";
    cfg4_t *c = NULL;
    int r = cfg4_load_string(text, "test.json", &c, err, sizeof err);
    assert_int_not_equal(r, 0);
    assert_null(c);
    if (!strstr(err, needle))
        fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void test_defaults(void **state)
{
    cfg4_t *c = load_ok("{\"Dhcp4\": {}}");
    assert_int_equal(c->life.valid, 7200);
    assert_false(c->life.has_renew);
    assert_true(c->match_client_id);
    assert_false(c->authoritative);
    assert_int_equal(c->decline_probation_period, 86400);
    assert_int_equal(c->common.lease_db.lfc_interval, 3600);
    assert_true(c->common.lease_db.persist);
    assert_string_equal(c->common.lease_db.type, "memfile");
    assert_int_equal(c->common.socket_type, CFG_SOCKET_RAW);
    assert_int_equal(c->common.expired.max_reclaim_leases, 100);
    assert_int_equal(c->common.mt.packet_queue_size, 64);
    assert_int_equal(c->host_id_count, 4);
    assert_int_equal(c->host_id_order[0], HOST_ID_HWADDR);
    cfg4_free(c);
}

static void test_full_subnet(void **state)
{
    cfg4_t *c = load_ok(
        "# comment\n"
        "{ \"Dhcp4\": {\n"
        "  \"interfaces-config\": {\"interfaces\": [\"eth0/192.0.2.1\", \"eth1\"], \"dhcp-socket-type\": \"udp\"},\n"
        "  \"valid-lifetime\": 4000, \"renew-timer\": 1000, \"rebind-timer\": 2000,\n"
        "  \"option-data\": [{\"name\": \"domain-name-servers\", \"data\": \"192.0.2.53\"}],\n"
        "  // a subnet\n"
        "  \"subnet4\": [{\"subnet\": \"192.0.2.0/24\", \"id\": 7, \"valid-lifetime\": 300,\n"
        "     \"pools\": [{\"pool\": \"192.0.2.10 - 192.0.2.20\"}, {\"pool\": \"192.0.2.128/28\"}],\n"
        "     \"option-data\": [{\"name\": \"routers\", \"data\": \"192.0.2.1\"},\n"
        "                       {\"code\": 15, \"data\": \"example.org\", \"always-send\": true}],\n"
        "     \"relay\": {\"ip-addresses\": [\"192.0.2.254\"]},\n"
        "     \"reservations\": [{\"hw-address\": \"aa:bb:cc:dd:ee:ff\", \"ip-address\": \"192.0.2.5\", \"hostname\": \"h\"}]\n"
        "  }]\n"
        "}}");
    assert_int_equal(c->common.iface_count, 2);
    assert_string_equal(c->common.ifaces[0].name, "eth0");
    assert_int_equal(c->common.ifaces[0].addr, 0xc0000201);
    assert_int_equal(c->common.socket_type, CFG_SOCKET_UDP);
    assert_int_equal(c->subnet_count, 1);
    const cfg_subnet4_t *s = cfg4_subnet_by_id(c, 7);
    assert_non_null(s);
    assert_int_equal(s->prefix, 0xc0000200);
    assert_int_equal(s->mask, 0xffffff00);
    assert_int_equal(s->life.valid, 300);
    assert_int_equal(s->life.renew, 1000); /* inherited */
    assert_int_equal(s->pool_count, 2);
    assert_int_equal(s->pools[1].first, 0xc0000280);
    assert_int_equal(s->pools[1].last, 0xc000028f);
    assert_int_equal(s->total_addresses, 11 + 16);
    assert_int_equal(s->relay_count, 1);
    /* each level keeps its own options; a lookup resolves them, most specific first */
    assert_int_equal(s->options.count, 2);
    assert_int_equal(c->options.count, 1);
    const cfg_optlevels_t lv = {{NULL, NULL, NULL, &s->options, NULL, &c->options}, 6};
    const cfg_option_t *o = cfg_optlevels_find(&lv, 6);
    assert_non_null(o);
    assert_int_equal(o->len, 4);
    assert_ptr_equal(cfg_optlevels_find(&lv, c->options.items[0].code), &c->options.items[0]);
    assert_null(cfg_optlevels_find(&lv, 250));
    o = cfg_optlevels_find(&lv, 15);
    assert_true(o->always_send);
    assert_memory_equal(o->data, "example.org", 11);
    assert_int_equal(c->host_count, 1);
    assert_int_equal(c->hosts[0].subnet_id, 7);
    assert_int_equal(c->hosts[0].ipv4, 0xc0000205);
    assert_true(cfg_subnet4_in_pool(s, 0xc000020a));
    assert_false(cfg_subnet4_in_pool(s, 0xc0000215));
    assert_ptr_equal(cfg4_subnet_containing(c, 0xc0000299), s);
    assert_null(cfg4_subnet_containing(c, 0x0a000001));
    cfg4_free(c);
}

static void test_auto_ids_and_shared_networks(void **state)
{
    cfg4_t *c = load_ok(
        "{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/24\"}, {\"subnet\": \"10.0.1.0/24\", \"id\": 5}],\n"
        " \"shared-networks\": [{\"name\": \"net\", \"authoritative\": true, \"valid-lifetime\": 99,\n"
        "   \"subnet4\": [{\"subnet\": \"10.0.2.0/24\", \"reservations\": [{\"client-id\": \"01:02\", \"ip-address\": \"10.0.2.9\"}]}]}]}}");
    /* Kea 2.2's numbering: one counter from 1, the shared networks' subnets first, explicit ids
     * not counted (verified with kea-dhcp4 2.2's config-get) */
    assert_int_equal(c->subnet_count, 3);
    assert_int_equal(cfg4_subnet_containing(c, 0x0a000201)->id, 1);
    assert_int_equal(cfg4_subnet_containing(c, 0x0a000001)->id, 2);
    assert_int_equal(cfg4_subnet_containing(c, 0x0a000101)->id, 5);
    assert_int_equal(c->subnets[0].id, 1);
    assert_int_equal(c->subnets[2].id, 5);
    const cfg_subnet4_t *s = cfg4_subnet_containing(c, 0x0a000201);
    assert_non_null(s->network);
    assert_string_equal(s->network->name, "net");
    assert_int_equal(s->network->subnet_count, 1);
    assert_true(s->authoritative);
    assert_int_equal(s->life.valid, 99);
    assert_int_equal(c->hosts[0].subnet_id, s->id);
    assert_int_equal(c->hosts[0].id_type, HOST_ID_CLIENT_ID);
    assert_int_equal(c->hosts[0].id_len, 2);
    cfg4_free(c);
}

static void test_auto_ids_as_kea(void **state)
{
    (void)state;
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.1.0/24\", \"id\": 0},"
                        " {\"subnet\": \"10.0.2.0/24\", \"id\": 7}, {\"subnet\": \"10.0.3.0/24\"}],"
                        " \"shared-networks\": [{\"name\": \"a\", \"subnet4\": [{\"subnet\": \"10.1.1.0/24\"},"
                        " {\"subnet\": \"10.1.2.0/24\", \"id\": 30}]}, {\"name\": \"b\", \"subnet4\": [{\"subnet\": \"10.2.1.0/24\"}]}]}}");
    static const struct {
        uint32_t addr, id;
    } want[] = {{0x0a010101, 1}, {0x0a020101, 2}, {0x0a000101, 3}, {0x0a000301, 4}, {0x0a000201, 7}, {0x0a010201, 30}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_int_equal(cfg4_subnet_containing(c, want[i].addr)->id, want[i].id);
    cfg4_free(c);
    /* a generated number another subnet has explicitly is refused, as by Kea 2.2 */
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.1.0/24\", \"id\": 1}, {\"subnet\": \"10.0.2.0/24\"}]}}",
                 "subnet id 1 is used by more than one subnet (a subnet without 'id'");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.1.0/24\", \"id\": 1}],"
                 " \"shared-networks\": [{\"name\": \"a\", \"subnet4\": [{\"subnet\": \"10.0.2.0/24\"}]}]}}",
                 "subnet id 1 is used by more than one subnet");
}

static void test_lifetime_bounds_inherited_per_parameter(void **state)
{
    (void)state;
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"valid-lifetime\": 500, \"min-valid-lifetime\": 100,"
                        " \"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"id\": 1, \"valid-lifetime\": 300}],"
                        " \"shared-networks\": [{\"name\": \"n\", \"valid-lifetime\": 400, \"max-valid-lifetime\": 900,"
                        " \"subnet4\": [{\"subnet\": \"10.0.1.0/24\", \"id\": 2, \"valid-lifetime\": 300},"
                        " {\"subnet\": \"10.0.2.0/24\", \"id\": 3}]}]}}");
    const cfg_lifetimes_t *l = &cfg4_subnet_containing(c, 0x0a000001)->life;
    assert_true(l->valid_min == 100 && l->valid == 300 && l->valid_max == 300); /* max follows valid */
    l = &cfg4_subnet_containing(c, 0x0a000101)->life;
    assert_true(l->valid_min == 100 && l->valid == 300 && l->valid_max == 900);
    l = &cfg4_subnet_containing(c, 0x0a000201)->life;
    assert_true(l->valid_min == 100 && l->valid == 400 && l->valid_max == 900);
    cfg4_free(c);
    /* an inherited bound the level's valid-lifetime lies outside of is an error, as in Kea */
    expect_error("{\"Dhcp4\": {\"min-valid-lifetime\": 100, \"valid-lifetime\": 500,"
                 " \"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"id\": 1, \"valid-lifetime\": 50}]}}",
                 "must lie between min-valid-lifetime 100");
}

static void test_flex_option_sub_options(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(
        "{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"libdhcp_flex_option.so\", \"parameters\": {\"options\": ["
        " {\"code\": 125, \"sub-options\": [{\"code\": 2, \"space\": \"vendor-4491\", \"remove\": \"option[60].exists\","
        "   \"container-remove\": false}]},"
        " {\"code\": 67, \"add\": \"'x'\"},"
        " {\"name\": \"vendor-encapsulated-options\", \"sub-options\": [{\"code\": 9, \"add\": \"'a'\"},"
        "   {\"code\": 1, \"supersede\": \"'b'\", \"container-add\": false}]}]}}]}}");
    assert_int_equal(c->flexopt_count, 1); /* the entries with sub-options have no action of their own */
    assert_int_equal(c->flexsub_count, 3);
    const cfg_flexsub_t *f = c->flexsubs; /* by container, then code */
    assert_true(f[0].container == 43 && f[0].code == 1 && f[0].action == CFG_FLEXOPT_SUPERSEDE && !f[0].container_act);
    assert_true(f[1].container == 43 && f[1].code == 9 && f[1].action == CFG_FLEXOPT_ADD && f[1].container_act);
    assert_string_equal(f[1].container_def->encapsulate, OPTDEF_SPACE_VENDOR_ENCAP);
    assert_true(f[2].container == 125 && f[2].vendor_id == 4491 && !f[2].container_act && f[0].vendor_id == 0);
    cfg4_free(c);
}

static void test_queue_control(void **state)
{
    (void)state;
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"dhcp-queue-control\": {\"enable-queue\": true, \"capacity\": 0}}}");
    assert_true(c->queue_enabled && c->queue_capacity == 0);
    cfg4_free(c);
    c = load_ok("{\"Dhcp4\": {\"dhcp-queue-control\": {\"enable-queue\": true},"
                " \"multi-threading\": {\"enable-multi-threading\": true}}}");
    assert_int_equal(c->queue_capacity, 64);
    json_t *j = cfg4_config_json(c); /* shown off under multi-threading, as by Kea 2.2 */
    json_t *q = json_object_get(json_object_get(j, "Dhcp4"), "dhcp-queue-control");
    assert_true(json_is_false(json_object_get(q, "enable-queue")));
    assert_string_equal(json_string_value(json_object_get(q, "queue-type")), "kea-ring4");
    json_decref(j);
    cfg4_free(c);
    expect_error("{\"Dhcp4\": {\"dhcp-queue-control\": {\"enable-queue\": true, \"queue-type\": \"x\"}}}",
                 "'x' is not supported");
}

/* Values and orders config-get writes as kea-dhcp4 2.2 does (test_config_check.py compares). */
static const char kea_forms[] =
    "{\"Dhcp4\": {\"subnet4\": [{\"id\": 9, \"subnet\": \"10.0.0.0/24\", \"relay\": {\"ip-address\": \"10.0.0.254\"},"
    " \"pools\": [{\"pool\": \"10.0.0.100 - 10.0.0.150\"}, {\"pool\": \"10.0.0.16 - 10.0.0.31\"}],"
    " \"reservations\": [{\"hw-address\": \"AA:BB:CC:DD:EE:FF\"}, {\"client-id\": \"01:aa\"}]},"
    " {\"id\": 2, \"subnet\": \"10.1.0.0/24\"}],"
    " \"option-data\": [{\"name\": \"vendor-encapsulated-options\"},"
    " {\"code\": 1, \"space\": \"vendor-encapsulated-options-space\", \"csv-format\": false, \"data\": \"0a 0b\"}]}}";

static void test_config_json_as_kea_writes_it(void **state)
{
    (void)state;
    cfg4_t *c = load_ok(kea_forms);
    json_t *j = cfg4_config_json(c);
    char *text = json_dumps(json_object_get(j, "Dhcp4"), JSON_SORT_KEYS | JSON_COMPACT);
    static const char *const want[] = {
        "\"pools\":[{\"option-data\":[],\"pool\":\"10.0.0.16/28\"},{\"option-data\":[],\"pool\":\"10.0.0.100-10.0.0.150\"}]",
        "\"relay\":{\"ip-addresses\":[\"10.0.0.254\"]}", "\"client-id\":\"01AA\"", "\"hw-address\":\"aa:bb:cc:dd:ee:ff\"",
        "\"csv-format\":false,\"data\":\"01020A0B\"", "\"data\":\"0A0B\""};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(text, want[i]))
            fail_msg("'%s' not in %s", want[i], text);
    const char *s2 = strstr(text, "\"id\":2"), *s9 = strstr(text, "\"id\":9");
    const char *cid = strstr(text, "\"client-id\""), *hw = strstr(text, "\"hw-address\":\"aa");
    assert_true(s2 && s9 && s2 < s9 && cid && hw && cid < hw); /* subnets by id, reservations by identifier */
    free(text);
    json_decref(j);
    cfg4_free(c);
}

static void test_errors_name_parameter_and_position(void **state)
{
    expect_error("{\"Dhcp4\": {\n  \"bogus\": 1}}", "test.json:2:");
    expect_error("{\"Dhcp4\": {\n  \"bogus\": 1}}", "'bogus'");
    expect_error("{\"Dhcp4\": {\"valid-lifetime\": \"x\"}}", "'valid-lifetime' must be an integer");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"pools\": [{\"pool\": \"10.0.1.1 - 10.0.1.5\"}]}]}}",
                 "does not lie within");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"pools\": [{\"pool\": \"10.0.0.9 - 10.0.0.5\"}]}]}}",
                 "greater than the last");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"pools\": [{\"pool\": \"10.0.0.1 - 10.0.0.5\"}, {\"pool\": \"10.0.0.5 - 10.0.0.9\"}]}]}}",
                 "overlaps");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/24\", \"id\": 1}, {\"subnet\": \"10.0.1.0/24\", \"id\": 1}]}}",
                 "subnet id 1 is used by more than one subnet");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/33\"}]}}", "invalid subnet");
    expect_error("{\"Dhcp4\": {\"option-data\": [{\"name\": \"no-such-option\", \"data\": \"1\"}]}}", "unknown option name");
    expect_error("{\"Dhcp4\": {\"option-data\": [{\"name\": \"routers\", \"data\": \"not-an-ip\"}]}}", "routers");
    expect_error("{\"Dhcp4\": {\"option-data\": [{\"code\": 200, \"data\": \"x\"}]}}", "has no definition");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mongodb\"}}}", "not supported");
    expect_error("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"/usr/lib/libfoo.so\"}]}}", "not supported");
    expect_error("{\"Dhcp4\": {\"interfaces-config\": {\"dhcp-socket-type\": \"tcp\"}}}", "dhcp-socket-type");
    expect_error("{\"Dhcp4\": {\"reservations\": [{\"hw-address\": \"aa:bb\", \"duid\": \"01:02\"}]}}", "exactly one identifier");
    expect_error("{\"Dhcp4\": {\"reservations\": [{\"hw-address\": \"zz\"}]}}", "invalid hw-address");
    expect_error("{\"Dhcp4\": {\"valid-lifetime\": 10, \"min-valid-lifetime\": 20}}", "must lie between");
    expect_error("{\"Dhcp6\": {}}", "Missing mandatory Dhcp4");
    expect_error("{\"Dhcp4\": {\"shared-networks\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}}", "used twice");
    expect_error("{\"Dhcp4\": {\"shared-networks\": [{\"name\": \"\"}]}}", "non-empty 'name'");
    expect_error("{\"Dhcp4\": {\"shared-networks\": [{\"subnet4\": []}]}}", "non-empty 'name'");
    /* ip-reservations-unique: one address reserved twice in a subnet only when it is false */
#define TWICE "\"reservations\": [{\"hw-address\": \"aa:bb\", \"ip-address\": \"10.0.0.5\"}, " \
              "{\"hw-address\": \"aa:cc\", \"ip-address\": \"10.0.0.5\"}]"
    expect_error("{\"Dhcp4\": {" TWICE "}}", "duplicate reservation for address 10.0.0.5");
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"ip-reservations-unique\": false, " TWICE "}}");
    assert_false(c->ip_reservations_unique);
    assert_int_equal(c->host_count, 2);
    cfg4_free(c);
#undef TWICE
}

static void test_hooks_map_to_builtins(void **state)
{
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"hooks-libraries\": [{\"library\": \"/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so\"}]}}");
    assert_true(c->common.hook_lease_cmds);
    cfg4_free(c);
}

static void test_sql_databases(void **state)
{
    cfg4_t *c = load_ok("{\"Dhcp4\": {\"lease-database\": {\"type\": \"postgresql\", \"name\": \"kea\", "
                        "\"host\": \"127.0.0.1\", \"port\": 5433, \"user\": \"kea\", \"password\": \"s3cret\", "
                        "\"tcp-user-timeout\": 7, \"max-reconnect-tries\": 3, \"reconnect-wait-time\": 500, "
                        "\"on-fail\": \"serve-retry-continue\", \"retry-on-startup\": true}, "
                        "\"hosts-databases\": [{\"type\": \"mysql\", \"name\": \"h1\", \"readonly\": true, "
                        "\"read-timeout\": 2}, {\"type\": \"postgresql\", \"name\": \"h2\", \"password\": \"p\"}]}}");
    const cfg_db_t *l = &c->common.lease_db.sql;
    assert_int_equal(l->type, CFG_DB_POSTGRESQL);
    assert_string_equal(l->name, "kea");
    assert_string_equal(l->host, "127.0.0.1");
    assert_int_equal(l->port, 5433);
    assert_string_equal(l->password, "s3cret");
    assert_int_equal(l->connect_timeout, 5);
    assert_int_equal(l->tcp_user_timeout, 7);
    assert_int_equal(l->max_reconnect_tries, 3);
    assert_int_equal(l->reconnect_wait_time, 500);
    assert_int_equal(l->on_fail, CFG_DB_SERVE_RETRY_CONTINUE);
    assert_true(l->retry_on_startup);
    assert_int_equal(c->common.hosts_db_count, 2);
    assert_int_equal(c->common.hosts_dbs[0].type, CFG_DB_MYSQL);
    assert_true(c->common.hosts_dbs[0].readonly);
    assert_int_equal(c->common.hosts_dbs[0].read_timeout, 2);
    assert_string_equal(c->common.hosts_dbs[1].name, "h2");
    /* config-get shows no password */
    json_t *root = json_deep_copy(jsonsrc_root(c->src));
    cfg_db_redact(root);
    char *text = json_dumps(root, 0);
    assert_null(strstr(text, "s3cret"));
    assert_non_null(strstr(text, "\"password\": \"*****\""));
    free(text);
    json_decref(root);
    cfg4_free(c);

    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"postgresql\"}}}", "requires the parameter 'name'");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mysql\", \"name\": \"k\", \"on-fail\": \"panic\"}}}",
                 "unsupported value 'panic' for on-fail");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"postgresql\", \"name\": \"k\", \"read-timeout\": 1}}}",
                 "apply to mysql only");
    /* memfile's persist and lfc-interval are accepted in a SQL lease-database and ignored, as
     * Kea does, but still type-checked */
    cfg4_free(load_ok("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mysql\", \"name\": \"k\", \"lfc-interval\": 1, "
                      "\"persist\": false}}}"));
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mysql\", \"name\": \"k\", \"lfc-interval\": \"x\"}}}",
                 "lfc-interval");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mysql\", \"name\": \"k\", \"readonly\": true}}}",
                 "hosts databases only");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"mysql\", \"name\": \"k\", \"port\": 70000}}}", "port");
    expect_error("{\"Dhcp4\": {\"hosts-database\": {\"type\": \"mysql\", \"name\": \"k\"}, "
                 "\"hosts-databases\": []}}", "mutually exclusive");
    expect_error("{\"Dhcp4\": {\"hosts-databases\": [{\"type\": \"memfile\"}]}}", "not supported here");
    expect_error("{\"Dhcp4\": {\"hosts-database\": {\"type\": \"mysql\", \"name\": \"k\", \"cert-file\": \"/c\"}}}",
                 "must be given together");
}

static void test_option_def_and_hex_data(void **state)
{
    cfg4_t *c = load_ok(
        "{\"Dhcp4\": {\"option-def\": [{\"name\": \"my-opt\", \"code\": 222, \"type\": \"uint16\", \"array\": true}],\n"
        " \"option-data\": [{\"name\": \"my-opt\", \"data\": \"1, 258\"}, {\"code\": 223, \"csv-format\": false, \"data\": \"0a 0B 0c\"}]}}");
    const cfg_option_t *o = cfg_optset_find(&c->options, 222);
    assert_non_null(o);
    assert_int_equal(o->len, 4);
    assert_memory_equal(o->data, "\x00\x01\x01\x02", 4);
    o = cfg_optset_find(&c->options, 223);
    assert_non_null(o);
    assert_int_equal(o->len, 3);
    assert_memory_equal(o->data, "\x0a\x0b\x0c", 3);
    cfg4_free(c);
}

/* ---- errors that say which case (cfg4_keys.c), every error of a check (cfg4_check_file) ---- */

static void test_kea_parameter_not_supported_yet(void **state)
{
    expect_error("{\"Dhcp4\": {\"dhcp-ddns\": {}}}",
                 "test.json:1:12: 'dhcp-ddns' in Dhcp4 is a Kea 2.2 parameter that Nestor does not support yet");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/8\", \"4o6-subnet\": \"2001:db8::/64\"}]}}",
                 "'4o6-subnet' in subnet4 entry is a Kea 2.2 parameter that Nestor does not support yet");
    expect_error("{\"Dhcp4\": {\"shared-networks\": [{\"name\": \"n\", \"ddns-send-updates\": true}]}}",
                 "'ddns-send-updates' in shared-networks entry is a Kea 2.2 parameter");
    expect_error("{\"Dhcp4\": {\"config-control\": {}}}", "'config-control' in Dhcp4 is a Kea 2.2 parameter");
}

static void test_unknown_parameter_suggests_nearest(void **state)
{
    expect_error("{\"Dhcp4\": {\"valid-lifetim\": 10}}",
                 "test.json:1:12: unknown parameter 'valid-lifetim' in Dhcp4 (did you mean 'valid-lifetime'?)");
    expect_error("{\"Dhcp4\": {\"renew_timer\": 10}}", "(did you mean 'renew-timer'?)");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/8\", \"pool\": []}]}}",
                 "unknown parameter 'pool' in subnet4 entry (did you mean 'pools'?)");
    expect_error("{\"Dhcp4\": {\"subnet4\": [{\"subnet\": \"10.0.0.0/8\", \"pools\": [{\"pool\": \"10.0.0.1-10.0.0.2\", "
                 "\"option-dat\": []}]}]}}",
                 "unknown parameter 'option-dat' in pools entry (did you mean 'option-data'?)");
    expect_error("{\"Dhcp4\": {\"interfaces-config\": {\"interface\": []}}}", "(did you mean 'interfaces'?)");
    /* nothing close: no suggestion, or where Kea 2.2 has the key */
    expect_error("{\"Dhcp4\": {\"frobnicate\": 1}}", "unknown parameter 'frobnicate' in Dhcp4\0");
    char err[512];
    cfg4_t *c = NULL;
    assert_int_not_equal(cfg4_load_string("{\"Dhcp4\": {\"frobnicate\": 1}}", "t", &c, err, sizeof err), 0);
    assert_null(strstr(err, "did you mean"));
    expect_error("{\"Dhcp4\": {\"pools\": []}}", "unknown parameter 'pools' in Dhcp4 (Kea 2.2 has it in subnet4 entries)");
    expect_error("{\"Dhcp4\": {\"lease-database\": {\"type\": \"memfile\", \"host\": \"db\"}}}",
                 "'host' is a parameter of SQL databases: lease-database of type memfile does not use it");
}

static void test_key_distance(void **state)
{
    assert_int_equal(cfg_key_distance("abc", "abc"), 0);
    assert_int_equal(cfg_key_distance("abc", "acb"), 1);   /* transposition */
    assert_int_equal(cfg_key_distance("pool", "pools"), 1);
    assert_int_equal(cfg_key_distance("", "abc"), 3);
    static const char *const keys[] = {"valid-lifetime", "renew-timer", NULL};
    assert_string_equal(cfg_key_suggest("vaild-lifetime", keys, NULL, NULL), "valid-lifetime");
    assert_null(cfg_key_suggest("xyz", keys, NULL, NULL));
}

static char *check_text(const char *text, int *rc)
{
    char path[] = "/tmp/nestor-cfgkeys-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    cfg4_t *c = NULL;
    char *errors = NULL;
    *rc = cfg4_check_file(path, &c, &errors);
    unlink(path);
    if (c)
        cfg4_free(c);
    return errors;
}

static size_t lines(const char *s)
{
    size_t n = s && *s ? 1 : 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_check_reports_every_error(void **state)
{
    int rc;
    char *e = check_text("{ \"Dhcp4\": {\n"
                         "  \"valid-lifetim\": 1,\n"
                         "  \"renew-timer\": \"x\",\n"
                         "  \"subnet4\": [ {\"subnet\": \"10.0.0.0/33\"},\n"
                         "     {\"subnet\": \"10.1.0.0/16\", \"pools\": [{\"pool\": \"bad\"}, {\"pool\": \"10.1.0.1-10.1.0.9\"}],\n"
                         "      \"option-data\": [{\"name\": \"nope\", \"data\": \"1\"}]} ],\n"
                         "  \"shared-networks\": [ {\"nam\": \"x\"} ],\n"
                         "  \"reservations\": [ {\"hw-address\": \"zz\"} ]\n"
                         "} }\n", &rc);
    assert_int_not_equal(rc, 0);
    assert_non_null(e);
    static const char *const want[] = {
        ":2:3: unknown parameter 'valid-lifetim'", ":3:3: 'renew-timer' must be an integer",
        ":4:17: invalid subnet '10.0.0.0/33'", ":5:43: invalid pool 'bad'", ":6:24: unknown option name 'nope'",
        ":7:25: unknown parameter 'nam' in shared-networks entry", ":8:22: invalid hw-address 'zz'",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (!strstr(e, want[i]))
            fail_msg("'%s' not in:\n%s", want[i], e);
    assert_int_equal(lines(e), 8); /* and the network's missing name */
    free(e);
    /* a valid file: no errors */
    e = check_text("{\"Dhcp4\": {\"valid-lifetime\": 100}}", &rc);
    assert_int_equal(rc, 0);
    assert_null(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_subnet),
        cmocka_unit_test(test_auto_ids_and_shared_networks),
        cmocka_unit_test(test_auto_ids_as_kea),
        cmocka_unit_test(test_lifetime_bounds_inherited_per_parameter),
        cmocka_unit_test(test_flex_option_sub_options),
        cmocka_unit_test(test_queue_control),
        cmocka_unit_test(test_config_json_as_kea_writes_it),
        cmocka_unit_test(test_errors_name_parameter_and_position),
        cmocka_unit_test(test_hooks_map_to_builtins),
        cmocka_unit_test(test_option_def_and_hex_data),
        cmocka_unit_test(test_sql_databases),
        cmocka_unit_test(test_kea_parameter_not_supported_yet),
        cmocka_unit_test(test_unknown_parameter_suggests_nearest),
        cmocka_unit_test(test_key_distance),
        cmocka_unit_test(test_check_reports_every_error),
    };
    return cmocka_run_group_tests_name("cfg4", tests, NULL, NULL);
}

/* Unit tests: Kea's JSON form of host reservations (reservation-get answers, reservation-add
 * arguments) and the decoding of dhcp4_options rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hosts/hostjson.h"

static hostdb_t fake_db; /* decode_option only reads defs, desc and the (NULL) report */

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static void test_host_to_json_as_kea(void **state)
{
    hostdb_host4_t *h = hostdb_host4_new();
    h->h.id_type = HOST_ID_HWADDR;
    h->h.id_len = 6;
    memcpy(h->h.id, (uint8_t[]){0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}, 6);
    h->h.subnet_id = 1;
    h->h.ipv4 = 0xc00002ca;
    h->h.hostname = strdup("host.example.org");
    h->h.next_server = 0xc0000201;
    hostdb_host4_set_classes(h, "office, special_snowflake,");
    h->user_context = strdup("{\"rack\":7}");
    uint8_t dns[8] = {10, 1, 1, 202, 10, 1, 1, 203};
    assert_true(hostdb_host4_add_option(h, 6, false, dns, 8, "10.1.1.202,10.1.1.203", NULL));
    assert_true(hostdb_host4_add_option(h, 200, true, (uint8_t[]){0xab, 0x01}, 2, NULL, "{\"x\":1}"));
    assert_false(hostdb_host4_add_option(h, 6, false, dns, 4, NULL, NULL)); /* one per code */
    char *s = dump(hostjson_from_host(h, NULL));
    assert_string_equal(s,
        "{\"boot-file-name\":\"\",\"client-classes\":[\"office\",\"special_snowflake\"],"
        "\"hostname\":\"host.example.org\",\"hw-address\":\"1a:1b:1c:1d:1e:1f\",\"ip-address\":\"192.0.2.202\","
        "\"next-server\":\"192.0.2.1\",\"option-data\":["
        "{\"always-send\":false,\"code\":6,\"csv-format\":true,\"data\":\"10.1.1.202,10.1.1.203\","
        "\"name\":\"domain-name-servers\",\"space\":\"dhcp4\"},"
        "{\"always-send\":true,\"code\":200,\"csv-format\":false,\"data\":\"AB01\",\"space\":\"dhcp4\","
        "\"user-context\":{\"x\":1}}],"
        "\"server-hostname\":\"\",\"subnet-id\":1,\"user-context\":{\"rack\":7}}");
    free(s);
    char *classes = hostdb_host4_classes_text(h);
    assert_string_equal(classes, "office,special_snowflake");
    free(classes);
    /* client-id, circuit-id and flex-id are plain uppercase hex; no address: no ip-address */
    h->h.id_type = HOST_ID_CLIENT_ID;
    h->h.ipv4 = 0;
    json_t *j = hostjson_from_host(h, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "client-id")), "1A1B1C1D1E1F");
    assert_null(json_object_get(j, "ip-address"));
    assert_null(json_object_get(j, "hw-address"));
    json_decref(j);
    h->h.id_type = HOST_ID_DUID;
    j = hostjson_from_host(h, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "duid")), "1a:1b:1c:1d:1e:1f");
    json_decref(j);
    hostdb_host4_free(h);
}

static hostdb_host4_t *parse_ok(const char *text, bool *has_subnet, uint32_t *subnet)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    hostdb_host4_t *h;
    char err[256] = "";
    int r = hostjson_parse(j, NULL, &h, has_subnet, subnet, err, sizeof err);
    json_decref(j);
    if (r)
        fail_msg("%s", err);
    return h;
}

static void parse_err(const char *text, const char *want)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    hostdb_host4_t *h = (hostdb_host4_t *)1;
    bool has;
    uint32_t sub;
    char err[256] = "";
    int r = hostjson_parse(j, NULL, &h, &has, &sub, err, sizeof err);
    if (r != NST_EINVAL)
        fail_msg("%s: got %d (%s)", text, r, err);
    assert_null(h);
    assert_string_equal(err, want);
    json_decref(j);
}

static void test_reservation_add_arguments(void **state)
{
    bool has;
    uint32_t sub;
    hostdb_host4_t *h = parse_ok(
        "{\"subnet-id\": 1, \"client-id\": \"01:0a:0b:0c:0d:0e:0f\", \"ip-address\": \"192.0.2.205\","
        " \"next-server\": \"192.0.2.1\", \"server-hostname\": \"hal9000\", \"boot-file-name\": \"/dev/null\","
        " \"option-data\": [{\"name\": \"domain-name-servers\", \"data\": \"10.1.1.202,10.1.1.203\"},"
        "                   {\"code\": 200, \"csv-format\": false, \"data\": \"ab:01\", \"always-send\": true}],"
        " \"client-classes\": [\"special_snowflake\", \"office\"], \"comment\": \"lab\"}", &has, &sub);
    assert_true(has);
    assert_int_equal(sub, 1);
    assert_int_equal(h->h.subnet_id, 1);
    assert_int_equal(h->h.id_type, HOST_ID_CLIENT_ID);
    assert_int_equal(h->h.id_len, 7);
    assert_int_equal(h->h.ipv4, 0xc00002cd);
    assert_int_equal(h->h.next_server, 0xc0000201);
    assert_string_equal(h->h.server_hostname, "hal9000");
    assert_string_equal(h->h.boot_file_name, "/dev/null");
    assert_null(h->h.hostname);
    assert_int_equal(h->h.class_count, 2);
    assert_string_equal(h->user_context, "{\"comment\":\"lab\"}");
    assert_int_equal(h->h.options.count, 2);
    assert_int_equal(h->h.options.items[0].code, 6);
    assert_int_equal(h->h.options.items[0].len, 8);
    assert_string_equal(h->optx[0].formatted, "10.1.1.202,10.1.1.203");
    assert_null(h->optx[1].formatted);
    assert_true(h->h.options.items[1].always_send);
    assert_memory_equal(h->h.options.items[1].data, ((uint8_t[]){0xab, 0x01}), 2);
    hostdb_host4_free(h);
    /* no subnet-id: reported, not an error here */
    h = parse_ok("{\"hw-address\": \"1a1b1c1d1e1f\"}", &has, &sub);
    hostdb_host4_free(h);
    h = parse_ok("{\"flex-id\": \"'port7'\"}", &has, &sub);
    assert_false(has);
    assert_int_equal(h->h.id_len, 5);
    assert_memory_equal(h->h.id, "port7", 5);
    hostdb_host4_free(h);
}

static void test_reservation_add_errors(void **state)
{
    parse_err("[1]", "'reservation' must be a map");
    parse_err("{\"subnet-id\": 1}", "a reservation needs one of hw-address, duid, circuit-id, client-id or flex-id");
    parse_err("{\"hw-address\": \"01:02\", \"duid\": \"01:02\"}", "a reservation must have exactly one identifier");
    parse_err("{\"hw-address\": \"zz\"}", "invalid hw-address 'zz'");
    parse_err("{\"hw-address\": \"01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21\"}",
              "invalid hw-address '01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21'");
    parse_err("{\"hw-address\": \"01:02\", \"ip-addresses\": [\"2001:db8::1\"]}",
              "unsupported parameter 'ip-addresses' in a DHCPv4 reservation");
    parse_err("{\"hw-address\": \"01:02\", \"subnet-id\": \"1\"}", "'subnet-id' parameter is not integer.");
    parse_err("{\"hw-address\": \"01:02\", \"subnet-id\": 4294967295}",
              "subnet-id: 4294967295 is invalid, must be between 0 and 4294967294 (inclusive).");
    parse_err("{\"hw-address\": \"01:02\", \"ip-address\": \"2001:db8::1\"}", "'ip-address' must be an IPv4 address");
    parse_err("{\"hw-address\": \"01:02\", \"server-hostname\": 5}", "'server-hostname' must be a string");
    parse_err("{\"hw-address\": \"01:02\", \"user-context\": [1]}", "'user-context' must be a map");
    parse_err("{\"hw-address\": \"01:02\", \"client-classes\": \"a\"}", "'client-classes' must be a list of strings");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"name\": \"no-such\", \"data\": \"1\"}]}",
              "option-data[0]: unknown option name 'no-such' in space dhcp4");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"code\": 222, \"csv-format\": true, \"data\": \"1\"}]}",
              "option-data[0]: option code 222 has no definition: give its data in hex with \"csv-format\": false");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"code\": 6, \"space\": \"vendor-4491\", \"data\": \"1\"}]}",
              "option-data[0]: option space 'vendor-4491' is not supported (only dhcp4)");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"name\": \"routers\", \"data\": \"300.1.1.1\"}]}",
              "option-data[0]: option 3: '300.1.1.1' is not a valid IPv4 address");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"code\": 255, \"csv-format\": false}]}",
              "option-data[0]: 'code' must be an integer from 1 to 254");
    parse_err("{\"hw-address\": \"01:02\", \"option-data\": [{\"name\": \"routers\", \"data\": \"10.0.0.1\"},"
              " {\"code\": 3, \"data\": \"10.0.0.2\"}]}", "option-data[1]: option 3 is given twice");
}

static void test_identifiers_and_types(void **state)
{
    uint8_t b[CFG_HOST_ID_MAX];
    uint8_t t;
    assert_int_equal(hostjson_id_type("circuit-id", &t), 0);
    assert_int_equal(t, HOST_ID_CIRCUIT_ID);
    assert_int_equal(hostjson_id_type("address", &t), NST_EINVAL);
    assert_int_equal(hostjson_parse_identifier(HOST_ID_HWADDR, "aa:bb", b, sizeof b), 2);
    assert_int_equal(hostjson_parse_identifier(HOST_ID_HWADDR, "'ab'", b, sizeof b), -1);
    assert_int_equal(hostjson_parse_identifier(HOST_ID_CLIENT_ID, "'ab'", b, sizeof b), 2);
    assert_int_equal(hostjson_parse_identifier(HOST_ID_CLIENT_ID, "''", b, sizeof b), -1);
    assert_int_equal(hostjson_parse_identifier(HOST_ID_CLIENT_ID, "", b, sizeof b), -1);
}

static void test_decode_option_rows(void **state)
{
    hostdb_host4_t *h = hostdb_host4_new();
    /* csv text with a definition: encoded by it (Kea's optionFactory on the split text) */
    hostdb_decode_option(&fake_db, h, 6, NULL, 0, "192.0.2.53, 192.0.2.54", NULL, false, NULL);
    /* binary value, space "dhcp4", persistent */
    hostdb_decode_option(&fake_db, h, 15, (const uint8_t *)"example.org", 11, NULL, "dhcp4", true, "{\"a\":1}");
    /* other spaces are skipped; codes out of range too; a second option 6 is ignored */
    hostdb_decode_option(&fake_db, h, 2, (const uint8_t *)"\1", 1, NULL, "vendor-4491", false, NULL);
    hostdb_decode_option(&fake_db, h, 0, NULL, 0, NULL, NULL, false, NULL);
    hostdb_decode_option(&fake_db, h, 300, NULL, 0, NULL, NULL, false, NULL);
    hostdb_decode_option(&fake_db, h, 6, (const uint8_t *)"\1\2\3\4", 4, NULL, NULL, false, NULL);
    /* csv text that does not fit the definition: skipped; no definition: the value, text kept */
    hostdb_decode_option(&fake_db, h, 3, NULL, 0, "not-an-address", NULL, false, NULL);
    hostdb_decode_option(&fake_db, h, 222, (const uint8_t *)"\xaa", 1, "whatever", NULL, false, "[1]");
    assert_int_equal(h->h.options.count, 3);
    const cfg_option_t *o = cfg_optset_find(&h->h.options, 6);
    assert_int_equal(o->len, 8);
    assert_memory_equal(o->data, ((uint8_t[]){192, 0, 2, 53, 192, 0, 2, 54}), 8);
    assert_string_equal(h->optx[0].formatted, "192.0.2.53, 192.0.2.54");
    o = cfg_optset_find(&h->h.options, 15);
    assert_true(o->always_send);
    assert_int_equal(o->len, 11);
    assert_string_equal(h->optx[1].user_context, "{\"a\":1}");
    o = cfg_optset_find(&h->h.options, 222);
    assert_int_equal(o->len, 1);
    assert_string_equal(h->optx[2].formatted, "whatever");
    assert_null(h->optx[2].user_context); /* not a map: dropped */
    hostdb_host4_free(h);
}

int main(void)
{
    strcpy(fake_db.desc, "unit");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_to_json_as_kea),
        cmocka_unit_test(test_reservation_add_arguments),
        cmocka_unit_test(test_reservation_add_errors),
        cmocka_unit_test(test_identifiers_and_types),
        cmocka_unit_test(test_decode_option_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

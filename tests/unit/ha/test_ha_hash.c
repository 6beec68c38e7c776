/* Unit tests: the load-balancing hash (ha/ha_hash.h) against vectors computed with RFC 3074's
 * algorithm as Kea 2.2 runs it (seed = key length, bytes from last to first; the MAC vectors'
 * scopes are confirmed against kea-dhcp4 2.2 by tests/integration/test_ha_hash_kea.py), and the
 * unacked-clients bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ha/ha_hash.h"

static const struct vec {
    const char *key;   /* hex */
    uint8_t hash;
} vecs[] = {
    {"020000000000", 4}, {"020000000001", 133}, {"020000000002", 45}, {"020000000003", 182},
    {"020000000004", 150}, {"020000000005", 13}, {"020000000006", 166}, {"020000000007", 26},
    {"020000000008", 62}, {"020000000009", 79}, {"02000000000a", 249}, {"02000000000b", 139},
    {"02000000000c", 190}, {"02000000000d", 60}, {"02000000000e", 0}, {"02000000000f", 102},
    {"00", 175}, {"ff", 234}, {"01020304050607", 38}, {"010a0b0c0d0e0f", 34},
    {"636c69656e742d61", 6}, {"636c69656e742d62", 139}, {"636c69656e742d63", 18},
    {"000102030405060708090a0b0c0d0e0f10111213", 229},
};

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        uint8_t key[64];
        size_t n = unhex(vecs[i].key, key);
        if (ha_lb_hash(key, n) != vecs[i].hash)
            fail_msg("key %s: hash %u, want %u", vecs[i].key, ha_lb_hash(key, n), vecs[i].hash);
        assert_int_equal(ha_lb_server(key, n, 2), vecs[i].hash % 2);
        assert_int_equal(ha_lb_server(key, n, 1), 0);
    }
    uint8_t k = 0;
    assert_int_equal(ha_lb_hash(&k, 0), 0);
    assert_int_equal(ha_lb_server(&k, 0, 2), -1);          /* no key: nobody's scope */
    assert_int_equal(ha_lb_server(&k, 1, 0), -1);
    /* The byte order matters: reversed, another hash. */
    const uint8_t ab[] = {1, 2}, ba[] = {2, 1};
    assert_int_not_equal(ha_lb_hash(ab, 2), ha_lb_hash(ba, 2));
    /* The seed is the length mod 256. */
    uint8_t big[256] = {0};
    assert_int_equal(ha_lb_hash(big, 256), ha_lb_hash(big, 256));
}

static void test_delays(void **state)
{
    (void)state;
    assert_int_equal(ha_secs_ms(0), 0);
    assert_int_equal(ha_secs_ms(5), 5000);
    assert_int_equal(ha_secs_ms(255), 255000);
    assert_int_equal(ha_secs_ms(0x0500), 5000);            /* byte-swapped by the client */
    assert_int_equal(ha_secs_ms(0x0501), 0x0501 * 1000);
    assert_int_equal(ha_secs_ms(256), 1000);
    assert_int_equal(ha_elapsed_ms(150), 1500);
}

static void test_unacked(void **state)
{
    (void)state;
    ha_unacked_t u;
    ha_unacked_init(&u);
    const uint8_t mac1[] = {2, 0, 0, 0, 0, 1}, mac2[] = {2, 0, 0, 0, 0, 2}, cid[] = {1, 2, 0, 0, 0, 0, 1};
    const uint32_t max_ack = 10000;
    assert_false(ha_unacked_failure(&u, 2));
    assert_true(ha_unacked_failure(&u, 0));                 /* 0: failure at once */
    /* Not yet unacked: recorded only. */
    assert_false(ha_unacked_analyze(&u, mac1, 6, NULL, 0, 10000, max_ack));
    assert_int_equal(u.clients, 1);
    assert_int_equal(u.unacked, 0);
    /* The same client, now waiting too long: unacked, reported once. */
    assert_true(ha_unacked_analyze(&u, mac1, 6, NULL, 0, 10001, max_ack));
    assert_false(ha_unacked_analyze(&u, mac1, 6, NULL, 0, 20000, max_ack));
    assert_false(ha_unacked_analyze(&u, mac1, 6, NULL, 0, 0, max_ack));   /* stays unacked */
    assert_int_equal(u.clients, 1);
    assert_int_equal(u.unacked, 1);
    /* The same MAC with a client identifier is another client; the pair is unambiguous. */
    assert_true(ha_unacked_analyze(&u, mac1, 6, cid, sizeof cid, 11000, max_ack));
    assert_true(ha_unacked_analyze(&u, mac1, 5, (const uint8_t *)"\x01", 1, 11000, max_ack));
    assert_int_equal(u.clients, 3);
    assert_int_equal(u.unacked, 3);
    assert_int_equal(ha_unacked_left(&u, 3), 1);
    assert_false(ha_unacked_failure(&u, 3));                /* more than max-unacked-clients fails */
    assert_true(ha_unacked_analyze(&u, mac2, 6, NULL, 0, ha_secs_ms(0x0b00), max_ack));
    assert_true(ha_unacked_failure(&u, 3));
    assert_int_equal(ha_unacked_left(&u, 3), 0);
    /* A DHCPv6 query without a DUID is only counted. */
    assert_false(ha_unacked_analyze(&u, NULL, 0, NULL, 0, 99999, max_ack));
    assert_int_equal(u.analyzed, 8);
    assert_int_equal(u.clients, 4);
    /* Many clients (the table grows). */
    for (unsigned i = 0; i < 1000; i++) {
        uint8_t m[6] = {4, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
        ha_unacked_analyze(&u, m, 6, NULL, 0, i % 2 ? 20000 : 0, max_ack);
    }
    assert_int_equal(u.clients, 1004);
    assert_int_equal(u.unacked, 504);
    for (unsigned i = 0; i < 1000; i += 2) {
        uint8_t m[6] = {4, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
        assert_true(ha_unacked_analyze(&u, m, 6, NULL, 0, 20000, max_ack));
    }
    assert_int_equal(u.clients, 1004);
    assert_int_equal(u.unacked, 1004);
    /* The partner answered: everything is forgotten. */
    ha_unacked_clear(&u);
    assert_int_equal(u.clients + u.unacked + u.analyzed, 0);
    assert_false(ha_unacked_analyze(&u, mac1, 6, NULL, 0, 0, max_ack));
    assert_int_equal(u.clients, 1);
    ha_unacked_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_delays),
        cmocka_unit_test(test_unacked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

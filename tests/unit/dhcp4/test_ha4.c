/* DHCPv4's lease updates for high availability (dhcp4/ha4.c): Kea 2.2's command_creator shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp4/srv4.h"

static void lease_at(lease_t *l, uint32_t addr, int64_t cltt)
{
    lease_init(l, LEASE_V4);
    l->addr.v4 = addr;
    l->subnet_id = 1;
    l->valid_lft = 600;
    l->cltt = cltt;
    l->hwaddr_len = 6;
    memcpy(l->hwaddr, "\x02\x00\x00\x00\x00\x01", 6);
}

static size_t cmds_of(const lease_t *old, const lease_t *new, enum lease_change_cause cause, ha_cmd_t *out)
{
    lease_change_t ch = {cause, old, new};
    return srv4_ha_family.update_cmds(&ch, out);
}

static void free_cmds(ha_cmd_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(c[i].args);
}

static void test_update_has_expire_and_force_create(void **state)
{
    lease_t l;
    lease_at(&l, 0xc000020a, 1700000000);
    ha_cmd_t c[HA_CMDS_PER_CHANGE];
    size_t n = cmds_of(NULL, &l, LEASE_CHANGE_ALLOC, c);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].name, "lease4-update");
    assert_int_equal(c[0].key, 0xc000020a);
    assert_string_equal(json_string_value(json_object_get(c[0].args, "ip-address")), "192.0.2.10");
    assert_int_equal(json_integer_value(json_object_get(c[0].args, "expire")), 1700000600);
    assert_null(json_object_get(c[0].args, "cltt"));
    assert_true(json_is_true(json_object_get(c[0].args, "force-create")));
    free_cmds(c, n);
    lease_free(&l);
}

static void test_renewal_is_one_update_a_move_deletes_first(void **state)
{
    lease_t old, renewed, moved;
    lease_at(&old, 0xc000020a, 1700000000);
    lease_at(&renewed, 0xc000020a, 1700000300);
    lease_at(&moved, 0xc000020b, 1700000300);
    ha_cmd_t c[HA_CMDS_PER_CHANGE];
    size_t n = cmds_of(&old, &renewed, LEASE_CHANGE_ALLOC, c);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].name, "lease4-update");
    free_cmds(c, n);
    n = cmds_of(&old, &moved, LEASE_CHANGE_ALLOC, c);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].name, "lease4-del");
    assert_string_equal(json_string_value(json_object_get(c[0].args, "ip-address")), "192.0.2.10");
    assert_null(json_object_get(c[0].args, "force-create"));
    assert_int_equal(json_integer_value(json_object_get(c[0].args, "expire")), 1700000600);
    assert_string_equal(c[1].name, "lease4-update");
    assert_int_equal(c[1].key, 0xc000020b);
    free_cmds(c, n);
    n = cmds_of(&old, NULL, LEASE_CHANGE_RELEASE, c);   /* a release */
    assert_int_equal(n, 1);
    assert_string_equal(c[0].name, "lease4-del");
    free_cmds(c, n);
    lease_free(&old);
    lease_free(&renewed);
    lease_free(&moved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_has_expire_and_force_create),
        cmocka_unit_test(test_renewal_is_one_update_a_move_deletes_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* csv6_kea_check FILE [--compact]: runs a lease6 file through csv6 (csv6_file.h) for
 * tests/integration/test_csv6_kea.py. Prints, as JSON, the row counts and the leases left in
 * the shape of Kea's lease6-get-all; with --compact, the file kea-lfc would write instead.
 * Exit status 1 (message on stderr) when a row does not parse or does not come back byte for
 * byte. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "csv6_file.h"

static json_t *hex(const uint8_t *b, size_t len)
{
    char text[3 * 256 + 1];
    hex_colon(text, sizeof text, b, len);
    return json_string(text);
}

/* l as Kea 2.2's lease6-get-all shows it (the keys the interop test compares). */
static json_t *kea_json(const lease_t *l)
{
    static const char *const types[] = {"IA_NA", "IA_TA", "IA_PD"};
    char addr[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &l->addr.v6, addr, sizeof addr);
    json_t *j = json_pack("{s:s, s:s, s:i, s:o, s:I, s:I, s:I, s:I, s:I, s:s, s:o, s:I, s:b, s:b}",
                          "ip-address", addr, "type", types[l->type], "prefix-len", l->prefix_len,
                          "duid", hex(l->client_id, l->client_id_len), "iaid", (json_int_t)l->iaid,
                          "valid-lft", (json_int_t)l->valid_lft, "cltt", (json_int_t)l->cltt,
                          "subnet-id", (json_int_t)l->subnet_id,
                          "preferred-lft", (json_int_t)l->pref_lft,
                          "hostname", l->hostname ? l->hostname : "",
                          "hw-address", hex(l->hwaddr, l->hwaddr_len), "state",
                          (json_int_t)l->state, "fqdn-fwd", l->fqdn_fwd, "fqdn-rev", l->fqdn_rev);
    if (l->user_context)
        json_object_set_new(j, "user-context", json_loads(l->user_context, 0, NULL));
    return j;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [--compact]\n", argv[0]);
        return 2;
    }
    csv6_file_stats_t st;
    lease_list_t left = {0};
    char err[512];
    if (csv6_file_check(argv[1], &st, &left, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    if (argc > 2 && strcmp(argv[2], "--compact") == 0) {
        char *text = csv6_file_compact(&left);
        fputs(text, stdout);
        free(text);
    } else {
        json_t *leases = json_array();
        for (size_t i = 0; i < left.count; i++)
            json_array_append_new(leases, kea_json(&left.items[i]));
        json_t *out = json_pack(
            "{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o}", "stats",
            "rows", (json_int_t)st.rows, "deletes", (json_int_t)st.deletes, "warnings",
            (json_int_t)st.warnings, "na", (json_int_t)st.na, "ta", (json_int_t)st.ta, "pd",
            (json_int_t)st.pd, "declined", (json_int_t)st.declined, "reclaimed",
            (json_int_t)st.reclaimed, "hostnames", (json_int_t)st.hostnames, "escaped",
            (json_int_t)st.escaped, "contexts", (json_int_t)st.contexts, "hwaddrs",
            (json_int_t)st.hwaddrs, "leases", leases);
        char *text = json_dumps(out, JSON_COMPACT);
        puts(text);
        free(text);
        json_decref(out);
    }
    lease_list_free(&left);
    return 0;
}

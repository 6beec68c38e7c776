/* Kea lease4 CSV rows: row parse (in place) and row format. See csv4.h. */
#include "lease/csv4.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

enum {
    C_ADDRESS, C_HWADDR, C_CLIENT_ID, C_VALID, C_EXPIRE, C_SUBNET, C_FQDN_FWD, C_FQDN_REV,
    C_HOSTNAME, C_STATE, C_USER_CONTEXT,
};

static const char *const col_names[CSV4_NCOLS] = {
    "address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
    "fqdn_fwd", "fqdn_rev", "hostname", "state", "user_context",
};

/* Kea's CSVLeaseFile4: 1.0 up to hostname, 2.0 adds state, 2.1 user_context. */
static const char *const col_versions[CSV4_NCOLS] = {
    "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "2.0", "2.1",
};

const csv_dialect_t csv4_dialect = {
    .what = "lease4", .names = col_names, .versions = col_versions,
    .ncols = CSV4_NCOLS, .min_cols = CSV4_MIN_COLS, .later = "2.1+",
};

/* Kea's ClientId::MIN_CLIENT_ID_LEN; the maximum is LEASE_CLIENTID_MAX. */
#define CSV4_CLIENTID_MIN 2

static bool parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

int csv4_parse_row(const csv4_schema_t *schema, char *line, unsigned lineno, lease_t *out,
                   bool *is_delete, char *err, size_t errlen)
{
    csv_row_t r;
    int rc = csv_row_split(&r, &csv4_dialect, schema, line, lineno, err, errlen);
    if (rc < 0)
        return rc;
    lease_init(out, LEASE_V4);

    if (!parse_ipv4(r.f[C_ADDRESS], &out->addr.v4))
        return csv_row_bad(&r, C_ADDRESS, NULL);
    int hl = csv_parse_hwaddr(r.f[C_HWADDR], out->hwaddr, LEASE_HWADDR_MAX);
    if (hl < 0)
        return csv_row_bad(&r, C_HWADDR, NULL);
    out->hwaddr_len = (uint8_t)hl;
    if ((rc = csv_row_hexid(&r, C_CLIENT_ID, CSV4_CLIENTID_MIN, LEASE_CLIENTID_MAX,
                            &out->client_id, &out->client_id_len)) < 0 ||
        (rc = csv_row_lifetime(&r, C_VALID, C_EXPIRE, out)) < 0 ||
        (rc = csv_row_u32(&r, C_SUBNET, &out->subnet_id)) < 0 ||
        (rc = csv_row_flag(&r, C_FQDN_FWD, &out->fqdn_fwd)) < 0 ||
        (rc = csv_row_flag(&r, C_FQDN_REV, &out->fqdn_rev)) < 0 ||
        (rc = csv_row_state(&r, C_STATE, &out->state)) < 0)
        return rc;
    if ((rc = csv_row_hostname(&r, C_HOSTNAME, true, &out->hostname)) < 0 || /* Kea's Lease4 lower-cases it */
        (rc = csv_row_user_context(&r, C_USER_CONTEXT, &out->user_context)) < 0)
        return rc;

    /* Kea: a v4 lease needs a hardware address or a client identifier unless declined. */
    if (out->hwaddr_len == 0 && out->client_id_len == 0 &&
        out->state != LEASE_STATE_DECLINED)
        return errf(err, errlen, NST_EMALFORMED,
                    "line %u: lease has neither hwaddr nor client_id (state %u)", lineno,
                    out->state);

    *is_delete = out->valid_lft == 0;
    return 0;
}

size_t csv4_row_max_len(const lease_t *l)
{
    /* address 15, five numbers of at most 20 characters, two flags, 10 separators, newline
     * and NUL: 140. */
    return 140 + csv_row_var_len(l);
}

int csv4_format_row(const lease_t *l, char *buf, size_t cap)
{
    csv_out_t o;
    csv_out_init(&o, buf, cap);
    csv_out_ipv4(&o, l->addr.v4);
    csv_out_char(&o, ',');
    csv_out_hex_colon(&o, l->hwaddr, l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len
                                                                       : LEASE_HWADDR_MAX);
    csv_out_char(&o, ',');
    if (l->client_id)
        csv_out_hex_colon(&o, l->client_id, l->client_id_len);
    csv_out_char(&o, ',');
    csv_out_lifetime_subnet(&o, l);
    csv_out_char(&o, ',');
    csv_out_fqdn_hostname(&o, l);
    csv_out_char(&o, ',');
    csv_out_u64(&o, l->state);
    csv_out_char(&o, ',');
    csv_out_escaped(&o, l->user_context);
    return csv_out_end(&o);
}

int csv4_check_lease(const lease_t *l, char *err, size_t errlen)
{
    int rc = csv_check_common(l, LEASE_V4, err, errlen);
    if (rc < 0)
        return rc;
    if (l->client_id_len > LEASE_CLIENTID_MAX || l->client_id_len == 1 ||
        (l->client_id_len && !l->client_id))
        return errf(err, errlen, NST_EINVAL, "client_id must be 2 to %d bytes",
                    LEASE_CLIENTID_MAX);
    if (l->hwaddr_len == 0 && l->client_id_len == 0 && l->state != LEASE_STATE_DECLINED)
        return errf(err, errlen, NST_EINVAL, "lease has neither hwaddr nor client_id");
    return 0;
}

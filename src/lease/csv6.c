/* Kea lease6 CSV rows: row parse (in place) and row format. See csv6.h. */
#include "lease/csv6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

enum {
    C_ADDRESS, C_DUID, C_VALID, C_EXPIRE, C_SUBNET, C_PREF, C_TYPE, C_IAID, C_PREFIX_LEN,
    C_FQDN_FWD, C_FQDN_REV, C_HOSTNAME, C_HWADDR, C_STATE, C_USER_CONTEXT, C_HWTYPE,
    C_HWADDR_SOURCE,
};

static const char *const col_names[CSV6_NCOLS] = {
    "address", "duid", "valid_lifetime", "expire", "subnet_id", "pref_lifetime", "lease_type",
    "iaid", "prefix_len", "fqdn_fwd", "fqdn_rev", "hostname", "hwaddr", "state",
    "user_context", "hwtype", "hwaddr_source",
};

/* Kea's CSVLeaseFile6: 1.0 up to hostname, 2.0 hwaddr, 3.0 state, 3.1 user_context, 4.0
 * hwtype and hwaddr_source. */
static const char *const col_versions[CSV6_NCOLS] = {
    "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0",
    "2.0", "3.0", "3.1", "4.0", "4.0",
};

const csv_dialect_t csv6_dialect = {
    .what = "lease6", .names = col_names, .versions = col_versions,
    .ncols = CSV6_NCOLS, .min_cols = CSV6_MIN_COLS, .later = "4.0+",
};

#define HTYPE_ETHER 1 /* hwtype of a hardware address whose row has none */

/* Kea's DUID::EMPTY(): one zero byte, the DUID of a declined lease. */
static bool empty_duid(const uint8_t *duid, size_t len)
{
    return len == 1 && duid[0] == 0;
}

/* Why a lease type / prefix length pair cannot be stored, or NULL. */
static const char *prefix_len_problem(unsigned type, unsigned plen)
{
    if (type != LEASE6_PD && plen != 128)
        return "must be 128 for an address lease";
    if (type == LEASE6_PD && (plen < 1 || plen > 128))
        return "must be 1 to 128 for a prefix lease";
    return NULL;
}

/* The hardware address columns as Kea's readHWAddr: any problem drops the address with a
 * warning in r->err instead of failing the row. */
static void parse_hwaddr(const csv_row_t *r, lease_t *out)
{
    uint64_t v;
    unsigned bad = C_HWADDR;
    int hl = csv_parse_hwaddr(r->f[C_HWADDR], out->hwaddr, LEASE_HWADDR_MAX);
    if (hl <= 0)
        goto done;
    out->hwtype = HTYPE_ETHER;
    out->hwaddr_source = 0;
    if (*r->f[C_HWTYPE]) {
        if (!csv_parse_uint(r->f[C_HWTYPE], UINT16_MAX, &v)) {
            bad = C_HWTYPE;
            goto done;
        }
        out->hwtype = (uint16_t)v;
    }
    if (*r->f[C_HWADDR_SOURCE]) {
        if (!csv_parse_uint(r->f[C_HWADDR_SOURCE], UINT32_MAX, &v)) {
            bad = C_HWADDR_SOURCE;
            goto done;
        }
        out->hwaddr_source = (uint32_t)v;
    }
    out->hwaddr_len = (uint8_t)hl;
    return;
done:
    if (hl < 0 || bad != C_HWADDR)
        (void)csv_row_bad(r, bad, "hardware address dropped");
    memset(out->hwaddr, 0, sizeof out->hwaddr);
    out->hwaddr_len = 0;
    out->hwtype = 0;
    out->hwaddr_source = 0;
}

int csv6_parse_row(const csv_schema_t *schema, char *line, unsigned lineno, lease_t *out,
                   bool *is_delete, char *err, size_t errlen)
{
    csv_row_t r;
    uint64_t type, plen;
    int rc = csv_row_split(&r, &csv6_dialect, schema, line, lineno, err, errlen);
    if (rc < 0)
        return rc;
    lease_init(out, LEASE_V6);

    if (inet_pton(AF_INET6, r.f[C_ADDRESS], &out->addr.v6) != 1)
        return csv_row_bad(&r, C_ADDRESS, NULL);
    if (!*r.f[C_DUID])
        return csv_row_bad(&r, C_DUID, "empty");
    if ((rc = csv_row_hexid(&r, C_DUID, 1, CSV6_DUID_MAX, &out->client_id,
                            &out->client_id_len)) < 0 ||
        (rc = csv_row_lifetime(&r, C_VALID, C_EXPIRE, out)) < 0 ||
        (rc = csv_row_u32(&r, C_SUBNET, &out->subnet_id)) < 0 ||
        (rc = csv_row_u32(&r, C_PREF, &out->pref_lft)) < 0 ||
        (rc = csv_row_uint(&r, C_TYPE, LEASE6_PD, &type)) < 0 ||
        (rc = csv_row_u32(&r, C_IAID, &out->iaid)) < 0 ||
        (rc = csv_row_uint(&r, C_PREFIX_LEN, 255, &plen)) < 0)
        return rc;
    const char *why = prefix_len_problem((unsigned)type, (unsigned)plen);
    if (why)
        return csv_row_bad(&r, C_PREFIX_LEN, why);
    out->type = (uint8_t)type;
    out->prefix_len = (uint8_t)plen;
    if ((rc = csv_row_flag(&r, C_FQDN_FWD, &out->fqdn_fwd)) < 0 ||
        (rc = csv_row_flag(&r, C_FQDN_REV, &out->fqdn_rev)) < 0 ||
        (rc = csv_row_state(&r, C_STATE, &out->state)) < 0)
        return rc;
    if ((rc = csv_row_hostname(&r, C_HOSTNAME, false, &out->hostname)) < 0 ||
        (rc = csv_row_user_context(&r, C_USER_CONTEXT, &out->user_context)) < 0)
        return rc;
    if (empty_duid(out->client_id, out->client_id_len) && out->state != LEASE_STATE_DECLINED)
        return errf(err, errlen, NST_EMALFORMED,
                    "line %u: invalid duid '00': the empty DUID is only valid for a declined "
                    "lease (state %u)", lineno, out->state);
    parse_hwaddr(&r, out); /* last: its warning is all err may say on success */

    *is_delete = out->valid_lft == 0;
    return 0;
}

size_t csv6_row_max_len(const lease_t *l)
{
    /* address 45, nine numbers of at most 20 characters, two flags, three of at most 3, 16
     * separators, newline and NUL: 260. */
    return 260 + csv_row_var_len(l);
}

int csv6_format_row(const lease_t *l, char *buf, size_t cap)
{
    csv_out_t o;
    size_t hw = l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len : LEASE_HWADDR_MAX;
    csv_out_init(&o, buf, cap);
    csv_out_ipv6(&o, &l->addr.v6);
    csv_out_char(&o, ',');
    if (l->client_id)
        csv_out_hex_colon(&o, l->client_id, l->client_id_len);
    csv_out_char(&o, ',');
    csv_out_lifetime_subnet(&o, l);
    const uint64_t mid[] = {l->pref_lft, l->type, l->iaid, l->prefix_len};
    for (size_t i = 0; i < ARRAY_SIZE(mid); i++) {
        csv_out_char(&o, ',');
        csv_out_u64(&o, mid[i]);
    }
    csv_out_char(&o, ',');
    csv_out_fqdn_hostname(&o, l);
    csv_out_char(&o, ',');
    csv_out_hex_colon(&o, l->hwaddr, hw);
    csv_out_char(&o, ',');
    csv_out_u64(&o, l->state);
    csv_out_char(&o, ',');
    csv_out_escaped(&o, l->user_context);
    csv_out_char(&o, ',');
    if (hw) {
        csv_out_u64(&o, l->hwtype);
        csv_out_char(&o, ',');
        csv_out_u64(&o, l->hwaddr_source);
    } else {
        csv_out_char(&o, ',');
    }
    return csv_out_end(&o);
}

int csv6_check_lease(const lease_t *l, char *err, size_t errlen)
{
    int rc = csv_check_common(l, LEASE_V6, err, errlen);
    if (rc < 0)
        return rc;
    if (l->type > LEASE6_PD)
        return errf(err, errlen, NST_EINVAL, "lease type %u is not 0 (NA), 1 (TA) or 2 (PD)",
                    l->type);
    const char *why = prefix_len_problem(l->type, l->prefix_len);
    if (why)
        return errf(err, errlen, NST_EINVAL, "prefix_len %u %s", l->prefix_len, why);
    if (!l->client_id || l->client_id_len < 1 || l->client_id_len > CSV6_DUID_MAX)
        return errf(err, errlen, NST_EINVAL, "duid must be 1 to %d bytes", CSV6_DUID_MAX);
    if (empty_duid(l->client_id, l->client_id_len) && l->state != LEASE_STATE_DECLINED)
        return errf(err, errlen, NST_EINVAL, "the empty DUID (00) is only valid for a declined "
                    "lease");
    return 0;
}

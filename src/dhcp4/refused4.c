/* Why a DHCPRELEASE or DHCPDECLINE changed nothing, logged with Kea 2.2's message ids and
 * parameters (see srv4.h). */
#include <arpa/inet.h>
#include <string.h>

#include "common/util.h"
#include "dhcp4/srv4.h"
#include "log/log.h"

/* Kea's Lease4::belongsToClient, for naming the case: the client identifiers decide when both
 * sides have one, else the hardware addresses. */
static bool same_client(const lease_t *l, const pkt4_t *q)
{
    size_t cid_len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &cid_len);
    if (cid && cid_len && l->client_id_len)
        return l->client_id_len == cid_len && !memcmp(l->client_id, cid, cid_len);
    size_t hlen = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
    return l->hwaddr_len && l->hwaddr_len == hlen && !memcmp(l->hwaddr, q->hdr.chaddr, hlen);
}

static const char *hex_or_none(char *buf, size_t cap, const uint8_t *b, size_t len)
{
    if (!b || !len)
        return "(none)";
    hex_colon(buf, cap, b, len);
    return buf;
}

static void log_decline(const pkt4_t *q, const char *who, const char *ip, const lease_t *l, bool found)
{
    if (!found) {
        LOG_WARN(NLOG_APP, "DHCP4_DECLINE_LEASE_NOT_FOUND", "DHCPDECLINE for address %s from client %s: "
                 "there is no lease for this address; ignored", ip, who);
        return;
    }
    if (same_client(l, q)) { /* the client's own lease that the store did not update */
        LOG_ERROR(NLOG_LEASES, "DHCP4_DECLINE_FAIL", "%s: declining the lease for address %s failed: %s", who, ip,
                  l->state == LEASE_STATE_DEFAULT ? "the lease store did not update it"
                                                  : "the lease is not in the default state");
        return;
    }
    if (!nlog_enabled(NLOG_APP, NLOG_WARN, 0))
        return;
    char qhw[3 * PKT4_CHADDR_LEN + 1], lhw[3 * LEASE_HWADDR_MAX + 1], qcid[3 * 255 + 1], lcid[3 * 255 + 1];
    size_t cid_len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &cid_len);
    size_t hlen = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
    size_t lcid_len = l->client_id_len > 255 ? 255 : l->client_id_len;
    nlog_write(NLOG_APP, NLOG_WARN, 0, "DHCP4_DECLINE_LEASE_MISMATCH",
               "DHCPDECLINE for address %s from client %s does not match the lease: received hwaddr: %s, "
               "lease hwaddr: %s, received client-id: %s, lease client-id: %s; ignored",
               ip, who, hex_or_none(qhw, sizeof qhw, q->hdr.chaddr, hlen),
               hex_or_none(lhw, sizeof lhw, l->hwaddr, l->hwaddr_len), hex_or_none(qcid, sizeof qcid, cid, cid_len),
               hex_or_none(lcid, sizeof lcid, l->client_id, lcid_len));
}

static void log_release(const pkt4_t *q, const char *who, const char *ip, const lease_t *l, bool found)
{
    if (!found)
        LOG_DEBUG(NLOG_LEASES, NLOG_DBG_TRACE_DETAIL, "DHCP4_RELEASE_FAIL_NO_LEASE",
                  "%s: the client releases address %s, which has no lease", who, ip);
    else if (!same_client(l, q) || l->state != LEASE_STATE_DEFAULT)
        LOG_DEBUG(NLOG_LEASES, NLOG_DBG_TRACE_DETAIL, "DHCP4_RELEASE_FAIL_WRONG_CLIENT",
                  "%s: the client releases the lease for %s, which belongs to another client", who, ip);
    else
        LOG_ERROR(NLOG_LEASES, "DHCP4_RELEASE_FAIL", "%s: the lease for %s could not be removed", who, ip);
}

void srv4_log_refused(srv4_t *s, const pkt4_t *q, uint32_t addr, bool decline)
{
    if (!nlog_enabled(decline ? NLOG_APP : NLOG_LEASES, decline ? NLOG_WARN : NLOG_DEBUG,
                      decline ? 0 : NLOG_DBG_TRACE_DETAIL) &&
        !nlog_enabled(NLOG_LEASES, NLOG_ERROR, 0))
        return;
    char who[160], ip[INET_ADDRSTRLEN];
    struct in_addr in = {htonl(addr)};
    inet_ntop(AF_INET, &in, ip, sizeof ip);
    pkt4_describe(q, who, sizeof who);
    lease_t l;
    bool found = s->store && lease_store_get4(s->store, addr, &l) == 0;
    if (decline)
        log_decline(q, who, ip, &l, found);
    else
        log_release(q, who, ip, &l, found);
    if (found)
        lease_free(&l);
}

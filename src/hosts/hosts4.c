#include "hosts/hosts4.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct hosts4 {
    const cfg_host4_t **by_id;   /* sorted by (subnet, type, len, bytes) */
    const cfg_host4_t **by_addr; /* reservations with an address, sorted by (subnet, addr) */
    size_t count, addr_count;
};

static int cmp_id_key(uint32_t subnet, uint8_t type, const uint8_t *id, size_t len, const cfg_host4_t *h)
{
    if (subnet != h->subnet_id)
        return subnet < h->subnet_id ? -1 : 1;
    if (type != h->id_type)
        return type < h->id_type ? -1 : 1;
    if (len != h->id_len)
        return len < h->id_len ? -1 : 1;
    return memcmp(id, h->id, len);
}

static int cmp_by_id(const void *a, const void *b)
{
    const cfg_host4_t *x = *(const cfg_host4_t *const *)a, *y = *(const cfg_host4_t *const *)b;
    return cmp_id_key(x->subnet_id, x->id_type, x->id, x->id_len, y);
}

static int cmp_addr_key(uint32_t subnet, uint32_t addr, const cfg_host4_t *h)
{
    if (subnet != h->subnet_id)
        return subnet < h->subnet_id ? -1 : 1;
    return addr < h->ipv4 ? -1 : addr > h->ipv4;
}

static int cmp_by_addr(const void *a, const void *b)
{
    const cfg_host4_t *x = *(const cfg_host4_t *const *)a, *y = *(const cfg_host4_t *const *)b;
    return cmp_addr_key(x->subnet_id, x->ipv4, y);
}

hosts4_t *hosts4_build(const cfg4_t *cfg)
{
    hosts4_t *h = xcalloc(1, sizeof *h);
    h->by_id = xcalloc(cfg->host_count, sizeof *h->by_id);
    h->by_addr = xcalloc(cfg->host_count, sizeof *h->by_addr);
    for (size_t i = 0; i < cfg->host_count; i++) {
        h->by_id[h->count++] = &cfg->hosts[i];
        if (cfg->hosts[i].ipv4)
            h->by_addr[h->addr_count++] = &cfg->hosts[i];
    }
    qsort(h->by_id, h->count, sizeof *h->by_id, cmp_by_id);
    qsort(h->by_addr, h->addr_count, sizeof *h->by_addr, cmp_by_addr);
    return h;
}

void hosts4_free(hosts4_t *h)
{
    if (!h)
        return;
    free(h->by_id);
    free(h->by_addr);
    free(h);
}

size_t hosts4_count(const hosts4_t *h) { return h ? h->count : 0; }

const cfg_host4_t *hosts4_find_id(const hosts4_t *h, uint32_t subnet_id, uint8_t id_type,
                                  const uint8_t *id, size_t len)
{
    if (!h || !len || len > CFG_HOST_ID_MAX)
        return NULL;
    size_t lo = 0, hi = h->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_id_key(subnet_id, id_type, id, len, h->by_id[mid]);
        if (c == 0)
            return h->by_id[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const cfg_host4_t *hosts4_find_addr(const hosts4_t *h, uint32_t subnet_id, uint32_t addr)
{
    if (!h)
        return NULL;
    size_t lo = 0, hi = h->addr_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_addr_key(subnet_id, addr, h->by_addr[mid]);
        if (c == 0)
            return h->by_addr[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool hosts4_client_id(const hosts4_client_ids_t *ids, int t, const uint8_t **id, size_t *len)
{
    *id = NULL;
    *len = 0;
    switch (t) {
    case HOST_ID_HWADDR: *id = ids->hwaddr, *len = ids->hwaddr_len; break;
    case HOST_ID_CLIENT_ID: *id = ids->client_id, *len = ids->client_id_len; break;
    case HOST_ID_DUID:
        /* RFC 4361 §6.1: type 255, 4-byte IAID, then the DUID. */
        if (ids->client_id_len > 5 && ids->client_id[0] == 255)
            *id = ids->client_id + 5, *len = ids->client_id_len - 5;
        break;
    case HOST_ID_CIRCUIT_ID: *id = ids->circuit_id, *len = ids->circuit_id_len; break;
    case HOST_ID_FLEX_ID: *id = ids->flex_id, *len = ids->flex_id_len; break;
    default: break;
    }
    return *id && *len > 0 && *len <= CFG_HOST_ID_MAX;
}

const cfg_host4_t *hosts4_find_client(const hosts4_t *h, const cfg4_t *cfg, uint32_t subnet_id,
                                      const hosts4_client_ids_t *ids)
{
    if (!h || !h->count)
        return NULL;
    for (size_t i = 0; i < cfg->host_id_count; i++) {
        const uint8_t *id;
        size_t len;
        const cfg_host4_t *r = NULL;
        if (hosts4_client_id(ids, cfg->host_id_order[i], &id, &len))
            r = hosts4_find_id(h, subnet_id, cfg->host_id_order[i], id, len);
        if (r)
            return r;
    }
    return NULL;
}

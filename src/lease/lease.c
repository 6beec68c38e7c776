/* lease_t value helpers (see lease.h for the contract). */
#include "lease/lease.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void lease_init(lease_t *l, enum lease_family fam)
{
    memset(l, 0, sizeof(*l));
    l->family = (uint8_t)fam;
    if (fam == LEASE_V4) {
        l->prefix_len = 32;
        l->hwtype = 1; /* ethernet: the v4 CSV has no hwtype column */
    } else {
        l->prefix_len = 128;
    }
}

void lease_free(lease_t *l)
{
    if (!l)
        return;
    free(l->client_id);
    free(l->hostname);
    free(l->user_context);
    l->client_id = NULL;
    l->client_id_len = 0;
    l->hostname = NULL;
    l->user_context = NULL;
}

void lease_dup(lease_t *dst, const lease_t *src)
{
    if (dst == src)
        return;
    *dst = *src;
    dst->client_id = NULL;
    dst->client_id_len = 0;
    dst->hostname = NULL;
    dst->user_context = NULL;
    lease_set_client_id(dst, src->client_id, src->client_id_len);
    lease_set_hostname(dst, src->hostname);
    lease_set_user_context(dst, src->user_context);
}

void lease_set_client_id(lease_t *l, const uint8_t *id, size_t len)
{
    uint8_t *copy = NULL;
    if (id && len > 0) {
        if (len > LEASE_CLIENTID_MAX)
            len = LEASE_CLIENTID_MAX;
        copy = xmalloc(len);
        memcpy(copy, id, len); /* copy first: id may alias l->client_id */
    } else {
        len = 0;
    }
    free(l->client_id);
    l->client_id = copy;
    l->client_id_len = (uint16_t)len;
}

void lease_set_hostname(lease_t *l, const char *name)
{
    char *copy = (name && *name) ? xstrdup(name) : NULL;
    free(l->hostname);
    l->hostname = copy;
}

void lease_set_user_context(lease_t *l, const char *json)
{
    char *copy = json ? xstrdup(json) : NULL;
    free(l->user_context);
    l->user_context = copy;
}

void lease_list_push(lease_list_t *list, const lease_t *l)
{
    if (list->count == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 16;
        list->items = xrealloc(list->items, ncap * sizeof(*list->items));
        list->cap = ncap;
    }
    lease_dup(&list->items[list->count++], l);
}

void lease_list_free(lease_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        lease_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = list->cap = 0;
}

lease_key_t lease_key_of(const lease_t *l)
{
    if (l->family == LEASE_V6)
        return lease_key6((enum lease6_type)l->type, &l->addr.v6);
    return lease_key4(l->addr.v4);
}

int lease_key_cmp(const lease_key_t *a, const lease_key_t *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    if (a->family == LEASE_V4)
        return a->addr.v4 < b->addr.v4 ? -1 : a->addr.v4 > b->addr.v4;
    int c = memcmp(&a->addr.v6, &b->addr.v6, sizeof a->addr.v6);
    if (c)
        return c < 0 ? -1 : 1;
    return a->type < b->type ? -1 : a->type > b->type;
}

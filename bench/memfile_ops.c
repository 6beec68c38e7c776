/* Memfile store operation costs through the lease-store API (no file: persist off), for
 * comparing two builds of src/lease (bench/README.md: "memfile_ops"). Not a test: it prints
 * nanoseconds per operation, the best of 5 rounds, for N leases (default 1,000,000):
 *   add, get (hits), get (misses), client (client-id + hwaddr), update, page (1000 a page).
 * Usage: memfile_ops [N] [4|6] */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lease/lease.h"
#include "lease/memfile.h"

static uint32_t rng = 2463534242u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int fam = 4;

/* The i-th lease (addresses spread over a /8 or a /64, not in insertion order). */
static void make(lease_t *l, uint32_t i, uint8_t cid[8])
{
    uint32_t a = 0x0a000000u + (uint32_t)((i * 2654435761u) & 0xffffff);
    lease_init(l, fam == 4 ? LEASE_V4 : LEASE_V6);
    if (fam == 4) {
        l->addr.v4 = a;
    } else {
        inet_pton(AF_INET6, "2001:db8::", &l->addr.v6);
        uint32_t be = htonl(a);
        memcpy(l->addr.v6.s6_addr + 12, &be, 4);
        l->iaid = i;
        l->pref_lft = 3000;
    }
    l->subnet_id = 1;
    l->valid_lft = 4000;
    l->cltt = 1000000 + i;
    l->hwaddr_len = 6;
    memcpy(l->hwaddr, (uint8_t[]){0, 0x0c, 0, 0, 0, 0}, 6);
    memcpy(l->hwaddr + 2, &i, 4);
    cid[0] = 1;
    memcpy(cid + 1, &i, 4);
    memset(cid + 5, 7, 3);
    l->client_id = cid;
    l->client_id_len = 8;
}

static lease_key_t key_of(uint32_t i)
{
    lease_t l;
    uint8_t cid[8];
    make(&l, i, cid);
    return lease_key_of(&l);
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
    fam = argc > 2 ? atoi(argv[2]) : 4;
    enum { ROUNDS = 5, OPS = 7 };
    static const char *names[OPS] = {"add", "get", "get-miss", "client", "update", "page",
                                     "list-cid"};
    double best[OPS];
    for (int k = 0; k < OPS; k++)
        best[k] = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        memfile_config_t cfg = {.family = fam == 4 ? LEASE_V4 : LEASE_V6, .persist = false};
        lease_store_t *s;
        char err[256];
        if (memfile_open(&cfg, &s, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        double t[OPS], t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            lease_t l;
            uint8_t cid[8];
            make(&l, i, cid);
            if (s->ops->add(s, &l, NULL, NULL) < 0)
                return 1;
        }
        t[0] = (now_ns() - t0) / n;
        unsigned found = 0;
        t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            lease_key_t k = key_of(rnd() % n);
            lease_t out;
            if (s->ops->get(s, &k, &out) == 0) {
                found++;
                lease_free(&out);
            }
        }
        t[1] = (now_ns() - t0) / n;
        t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            lease_key_t k = key_of(n + rnd() % n);
            lease_t out;
            if (s->ops->get(s, &k, &out) == 0)
                lease_free(&out);
        }
        t[2] = (now_ns() - t0) / n;
        t0 = now_ns();
        for (uint32_t i = 0; fam == 4 && i < n; i++) {
            lease_t l, out[2];
            uint8_t cid[8];
            bool f[2];
            make(&l, rnd() % n, cid);
            lease_client_query_t q = {.family = LEASE_V4, .cid = cid, .cidlen = 8,
                                      .hw = l.hwaddr, .hwlen = 6, .subnet_id = 1};
            s->ops->client(s, &q, out, f);
            for (int j = 0; j < 2; j++)
                if (f[j])
                    lease_free(&out[j]);
        }
        t[3] = (now_ns() - t0) / n;
        t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            lease_t l;
            uint8_t cid[8];
            make(&l, rnd() % n, cid);
            l.cltt += 10;
            s->ops->update(s, &l, NULL, NULL, NULL);
        }
        t[4] = (now_ns() - t0) / n;
        t0 = now_ns();
        lease_query_t q = {.family = (uint8_t)cfg.family, .by = LEASE_BY_PAGE, .limit = 1000};
        size_t seen = 0;
        for (;;) {
            lease_list_t page = {0};
            s->ops->list(s, &q, &page);
            seen += page.count;
            if (page.count == 0) {
                lease_list_free(&page);
                break;
            }
            q.after = lease_key_of(&page.items[page.count - 1]);
            lease_list_free(&page);
        }
        t[5] = (now_ns() - t0) / (seen ? seen : 1);
        t0 = now_ns();
        for (uint32_t i = 0; i < n; i++) {
            lease_t l;
            uint8_t cid[8];
            make(&l, rnd() % n, cid);
            lease_query_t cq = {.family = (uint8_t)cfg.family, .by = LEASE_BY_CLIENT_ID,
                                .id = cid, .idlen = 8};
            lease_list_t list = {0};
            s->ops->list(s, &cq, &list);
            lease_list_free(&list);
        }
        t[6] = (now_ns() - t0) / n;
        if (found != n || seen != n)
            fprintf(stderr, "unexpected: found %u seen %zu of %u\n", found, seen, n);
        for (int k = 0; k < OPS; k++)
            if (t[k] < best[k])
                best[k] = t[k];
        s->ops->close(s);
    }
    printf("v%d, %u leases, ns/op (best of %d):", fam, n, ROUNDS);
    for (int k = 0; k < OPS; k++)
        printf(" %s %.0f", names[k], best[k]);
    printf("\n");
    return 0;
}

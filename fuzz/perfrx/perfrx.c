/* Fuzz target for nestor-perf's answer path: whatever a server (or anything on the link) sends
 * must be counted — as an answer, malformed, unmatched or unexpected — and never crash the
 * generator. The first byte picks the family; a few exchanges are in flight with transaction
 * ids 1..8 so that forged answers can match them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "perf/perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static perf_t P4, P6;

static void setup(perf_t *p, const perf_fam_t *fam)
{
    p->o.family = fam->family;
    p->o.clients = 16;
    p->o.lease_type = PLT_BOTH;
    p->fam = fam;
    p->fd = -1;
    perf_xtab_init(&p->xt, 8, fam->xid_mask);
    p->leased.cap = 16;
    p->leased.v = calloc(16, sizeof(uint32_t));
    p->clients = calloc(16, fam->client_size);
    p->txq = perf_txq_new();
    p->txq_rx = perf_txq_new();
    char err[128];
    fam->setup(p, err, sizeof err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!P4.fam) {
        setup(&P4, &perf_fam4);
        setup(&P6, &perf_fam6);
    }
    if (size < 1)
        return 0;
    perf_t *p = data[0] & 1 ? &P6 : &P4;
    /* keep eight exchanges waiting: ids restart at 1 each run */
    atomic_store(&p->xt.next, 1);
    for (uint32_t c = 0; c < 8; c++)
        p->fam->start(p, c % 3 == 2 ? PK_RENEW : PK_NEW, c);
    uint64_t before = p->st.rx_bad + p->st.rx_unmatched + p->st.rx_unexpected;
    p->fam->rx(p, data + 1, size - 1, perf_now_real());
    perf_tx_flush(p);                       /* fd -1: counted as send failures */
    (void)before;
    return 0;
}

/* Shared helpers of the lease tests. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/memfile_int.h"
#include "test_lease.h"

char *tl_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/nst-lease-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return xstrdup(d);
}

void tl_rmdir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = tl_path(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

void tl_dir_init(tl_dir_t *d, const char *name)
{
    d->dir = tl_mkdtemp();
    d->x = tl_path(d->dir, name);
    size_t n = strlen(d->x) + 3;
    d->x1 = xmalloc(n);
    d->x2 = xmalloc(n);
    snprintf(d->x1, n, "%s.1", d->x);
    snprintf(d->x2, n, "%s.2", d->x);
}

void tl_dir_free(tl_dir_t *d)
{
    free(d->x);
    free(d->x1);
    free(d->x2);
    tl_rmdir(d->dir);
}

char *tl_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *tl_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = xmalloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

void tl_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

bool tl_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void tl_lease(lease_t *l, uint32_t addr, uint8_t hwlast, int64_t cltt)
{
    static const uint8_t hw[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x00};
    lease_init(l, LEASE_V4);
    l->addr.v4 = addr;
    memcpy(l->hwaddr, hw, 6);
    l->hwaddr[5] = hwlast;
    l->hwaddr_len = 6;
    l->subnet_id = 1;
    l->valid_lft = 3600;
    l->cltt = cltt;
}

void tl_lease6(lease_t *l, enum lease6_type type, uint16_t last, uint32_t iaid, uint8_t duid_last,
               int64_t cltt)
{
    static const uint8_t duid[10] = {0, 1, 0, 1, 0x32, 0xa5, 0x37, 0x9c, 0x0c, 0};
    lease_init(l, LEASE_V6);
    l->type = (uint8_t)type;
    inet_pton(AF_INET6, type == LEASE6_PD ? "2001:db8:8000::" : "2001:db8:1::", &l->addr.v6);
    l->addr.v6.s6_addr[type == LEASE6_PD ? 6 : 14] = (uint8_t)(last >> 8);
    l->addr.v6.s6_addr[type == LEASE6_PD ? 7 : 15] = (uint8_t)last;
    l->prefix_len = type == LEASE6_PD ? 64 : 128;
    uint8_t id[10];
    memcpy(id, duid, sizeof id);
    id[9] = duid_last;
    lease_set_client_id(l, id, sizeof id);
    l->iaid = iaid;
    l->subnet_id = 1;
    l->valid_lft = 4000;
    l->pref_lft = 3000;
    l->cltt = cltt;
}

void tl_assert_lease_eq(const lease_t *a, const lease_t *b)
{
#define EQ(field) assert_int_equal(a->field, b->field)
    EQ(family);
    if (a->family == LEASE_V6) {
        assert_memory_equal(&a->addr.v6, &b->addr.v6, sizeof a->addr.v6);
        EQ(type), EQ(prefix_len), EQ(pref_lft), EQ(iaid), EQ(hwtype), EQ(hwaddr_source);
    } else {
        EQ(addr.v4);
    }
    EQ(hwaddr_len);
    assert_memory_equal(a->hwaddr, b->hwaddr, a->hwaddr_len);
    EQ(client_id_len);
    if (a->client_id_len)
        assert_memory_equal(a->client_id, b->client_id, a->client_id_len);
    EQ(subnet_id), EQ(valid_lft), EQ(cltt), EQ(state), EQ(fqdn_fwd), EQ(fqdn_rev);
#undef EQ
    if (a->hostname || b->hostname) {
        assert_non_null(a->hostname);
        assert_non_null(b->hostname);
        assert_string_equal(a->hostname, b->hostname);
    }
    if (a->user_context || b->user_context) {
        assert_non_null(a->user_context);
        assert_non_null(b->user_context);
        assert_string_equal(a->user_context, b->user_context);
    }
}

void tl_report(void *arg, int severity, const char *msgid, const char *text)
{
    tl_reports_t *r = arg;
    r->count++;
    if (!strcmp(msgid, "DHCPSRV_MEMFILE_LEASE_LOAD_ROW_ERROR")) {
        r->row_errors++;
        snprintf(r->last_row_error, sizeof r->last_row_error, "%s", text);
    }
    if (severity <= MEMFILE_SEV_ERROR)
        r->errors++;
    snprintf(r->last_id, sizeof r->last_id, "%s", msgid);
    snprintf(r->last_text, sizeof r->last_text, "%s", text);
    if (getenv("TL_VERBOSE"))
        fprintf(stderr, "[%d] %s %s\n", severity, msgid, text);
}

memfile_config_t tl_config(const char *path, tl_reports_t *r)
{
    memfile_config_t c = {
        .family = LEASE_V4,
        .path = path,
        .persist = true,
        .report = r ? tl_report : NULL,
        .report_arg = r,
    };
    return c;
}

lease_store_t *tl_open(const memfile_config_t *cfg)
{
    lease_store_t *s = NULL;
    char err[512] = "";
    int rc = memfile_open(cfg, &s, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "memfile_open: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

int tl_client4(lease_store_t *s, bool by_hw, const uint8_t *id, size_t len, uint32_t subnet_id, lease_t *out)
{
    lease_client_query_t q = {.family = LEASE_V4, .subnet_id = subnet_id};
    if (by_hw)
        q.hw = id, q.hwlen = len;
    else
        q.cid = id, q.cidlen = len;
    lease_t got[2];
    bool found[2];
    int r = s->ops->client(s, &q, got, found);
    if (r)
        return r;
    assert_false(found[!by_hw]); /* only the asked lookup answers */
    if (!found[by_hw])
        return NST_ENOENT;
    *out = got[by_hw];
    return 0;
}

int tl_list4(lease_store_t *s, enum lease_by by, const uint8_t *id, size_t len, lease_list_t *out)
{
    lease_query_t q = {.family = LEASE_V4, .by = (uint8_t)by, .id = id, .idlen = len};
    return s->ops->list(s, &q, out);
}

int tl_hostname4(lease_store_t *s, const char *hostname, lease_list_t *out)
{
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_HOSTNAME, .hostname = hostname};
    return s->ops->list(s, &q, out);
}

int tl_subnet4(lease_store_t *s, uint32_t subnet_id, lease_list_t *out)
{
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_SUBNET, .subnet_id = subnet_id};
    return s->ops->list(s, &q, out);
}

int tl_page4(lease_store_t *s, uint32_t after, size_t limit, lease_list_t *out)
{
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_PAGE, .limit = limit};
    if (after)
        q.after = lease_key4(after);
    return s->ops->list(s, &q, out);
}

int tl_delete_reclaimed4(lease_store_t *s, int64_t now, uint32_t secs)
{
    size_t n = 0;
    int r = s->ops->delete_reclaimed(s, LEASE_V4, now, secs, &n);
    return r ? r : (int)n;
}

int tl_wipe4(lease_store_t *s, uint32_t subnet_id)
{
    size_t n = 0;
    int r = s->ops->wipe(s, LEASE_V4, subnet_id, &n);
    return r ? r : (int)n;
}

void tl_all(lease_store_t *s, lease_list_t *out)
{
    lease_query_t q = {.family = LEASE_V4, .by = LEASE_BY_SUBNET};
    if (s->ops->list(s, &q, out) == NST_EINVAL) { /* a v6 store */
        q.family = LEASE_V6;
        assert_int_equal(s->ops->list(s, &q, out), 0);
    }
}

void tl_assert_same_store(lease_store_t *a, lease_store_t *b)
{
    lease_list_t la = {0}, lb = {0};
    tl_all(a, &la);
    tl_all(b, &lb);
    assert_int_equal(la.count, lb.count);
    for (size_t i = 0; i < la.count; i++)
        tl_assert_lease_eq(&la.items[i], &lb.items[i]);
    lease_list_free(&la);
    lease_list_free(&lb);
}

void tl_assert_reloads(lease_store_t *s, const memfile_config_t *cfg)
{
    lease_store_t *r = tl_open(cfg);
    tl_assert_same_store(s, r);
    r->ops->close(r);
}

static int real_fd = -1;

bool tl_memfile_fail_writes(lease_store_t *s, bool fail)
{
    memfile_store_t *m = memfile_of(s);
    int fd = -1;
    if (fail && (fd = open("/dev/full", O_WRONLY | O_CLOEXEC)) < 0)
        return false;
    pthread_mutex_lock(&m->io_mu);
    if (fail) {
        real_fd = m->fd;
        m->fd = fd;
    } else {
        fd = m->fd;
        m->fd = real_fd;
        real_fd = -1;
    }
    pthread_mutex_unlock(&m->io_mu);
    if (!fail)
        close(fd);
    return true;
}

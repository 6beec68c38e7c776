/* UNIX stream control socket with Kea's semantics (src/lib/config/command_mgr.cc, 2.2):
 * one command per connection, read until a complete JSON value has arrived, answer, close.
 * The receive timer restarts with every chunk (Kea reschedules it on each read); after the
 * answer is queued the same timeout bounds writing it. A "<path>.lock" file held with flock()
 * marks the socket as owned, like Kea's, so two servers (Kea or Nestor) never share one path. */
#include "ctrl/ctrl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/errcode.h"
#include "ctrl/ctrl_feed.h"

#define UNIX_BACKLOG 128
#define LINGER_MS 2000 /* at most, after the answer, for the client to close its side */

struct ctrl_unix_listener {
    struct ctrl_unix_listener *next;
    ctrl_t *c;
    char *path;
    char *lock_path;
    int lock_fd;
    ctrl_acceptor_t acc;
};

struct ctrl_unix_conn {
    struct ctrl_unix_conn *next, **pprev;
    ctrl_t *c;
    struct bufferevent *bev;
    struct event *timer;
    ctrl_feed_t feed;
    int fd;
    ctrl_reply_t *pending; /* the command answers later: input is discarded */
    bool sending;  /* the answer is queued: input is discarded */
    bool lingering; /* the answer is out and our side shut down: waiting for the peer's end */
    bool peer_eof;  /* the peer shut its side down */
};

static void timer_arm(struct ctrl_unix_conn *k)
{
    struct timeval tv = {.tv_sec = k->c->timeout_ms / 1000,
                         .tv_usec = (k->c->timeout_ms % 1000) * 1000};
    evtimer_add(k->timer, &tv);
}

static void conn_close(struct ctrl_unix_conn *k)
{
    ctrl_report(k->c, CTRL_SEV_DEBUG, "COMMAND_SOCKET_CONNECTION_CLOSED",
                "closed socket %d for existing command connection", k->fd);
    *k->pprev = k->next;
    if (k->next)
        k->next->pprev = k->pprev;
    if (k->pending)
        ctrl_reply_detach(k->pending);
    bufferevent_free(k->bev);
    event_free(k->timer);
    ctrl_feed_free(&k->feed);
    free(k);
}

static void free_string(const void *data, size_t len, void *arg)
{
    free((void *)data);
}

/* Restarts the timer whenever part of the answer left, so a slow reader of a large answer
 * is only cut off when it stalls for the whole timeout (Kea restarts it per sent chunk). */
static void out_progress(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct ctrl_unix_conn *k = arg;
    if (info->n_deleted > 0)
        timer_arm(k);
}

/* Queues the answer (consumed) and switches the connection to writing. */
static void conn_answer(struct ctrl_unix_conn *k, json_t *ans)
{
    size_t len;
    char *text = ctrl_answer_dump(ans, &len);
    json_decref(ans);
    /* Reading stays on while the answer goes out: whatever the client still sends (a trailing
     * newline, say) is discarded, because closing a UNIX socket with unread input makes the
     * peer see ECONNRESET instead of a clean end of the answer (see conn_write). */
    k->sending = true;
    bufferevent_enable(k->bev, EV_READ);
    ctrl_feed_free(&k->feed);
    if (evbuffer_add_reference(bufferevent_get_output(k->bev), text, len, free_string, NULL) <
        0) {
        free(text);
        conn_close(k);
        return;
    }
    evbuffer_add_cb(bufferevent_get_output(k->bev), out_progress, k);
    timer_arm(k);
}

/* A deferred answer arrived. */
static void conn_done(void *arg, json_t *ans)
{
    struct ctrl_unix_conn *k = arg;
    k->pending = NULL;
    conn_answer(k, ans);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
    struct ctrl_unix_conn *k = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (k->sending || k->pending) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    ctrl_report(k->c, CTRL_SEV_DEBUG, "COMMAND_SOCKET_READ",
                "received %zu bytes over command socket %d", evbuffer_get_length(in), k->fd);
    int st = CTRL_FEED_MORE;
    while (st == CTRL_FEED_MORE && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec vec[8];
        int nv = evbuffer_peek(in, -1, NULL, vec, 8);
        if (nv > 8)
            nv = 8;
        size_t taken = 0;
        for (int i = 0; i < nv && st == CTRL_FEED_MORE; i++) {
            size_t used;
            st = ctrl_feed_push(&k->feed, vec[i].iov_base, vec[i].iov_len, &used);
            taken += used;
        }
        evbuffer_drain(in, taken);
        if (k->feed.seen > k->c->max_request)
            break;
    }
    if (k->feed.seen > k->c->max_request) {
        ctrl_report(k->c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command: request on socket %d exceeds %zu bytes",
                    k->fd, k->c->max_request);
        char text[128];
        snprintf(text, sizeof text, "invalid command: request larger than %zu bytes",
                 k->c->max_request);
        conn_answer(k, cmd_answer(CMD_ERROR, text, NULL));
        return;
    }
    if (st == CTRL_FEED_ERROR) {
        char text[160];
        snprintf(text, sizeof text, "invalid command: %s", ctrl_feed_error(&k->feed));
        ctrl_report(k->c, CTRL_SEV_WARN, "COMMAND_PROCESS_ERROR1",
                    "error while processing command: %s", text);
        conn_answer(k, cmd_answer(CMD_ERROR, text, NULL));
        return;
    }
    if (st == CTRL_FEED_MORE) {
        timer_arm(k);
        return;
    }
    /* Complete: anything after the value is ignored, as Kea does. Processing may take long
     * (config-set), so the timer is stopped until the answer is queued. */
    evbuffer_drain(in, evbuffer_get_length(in));
    evtimer_del(k->timer);
    size_t n;
    const char *body = ctrl_feed_text(&k->feed, &n);
    json_t *ans = ctrl_dispatch_text_async(k->c, body, n, conn_done, k, &k->pending);
    if (ans)
        conn_answer(k, ans);
}

/* The whole answer is written. Closing now could reset the connection (and lose the answer
 * for the client) if input we have not read is still queued, so our side is shut down first
 * and the socket is closed when the client closes its side, or after a short linger. */
static void conn_write(struct bufferevent *bev, void *arg)
{
    struct ctrl_unix_conn *k = arg;
    if (!k->sending || k->lingering || evbuffer_get_length(bufferevent_get_output(bev)) != 0)
        return;
    if (k->peer_eof || shutdown(k->fd, SHUT_WR) < 0) {
        conn_close(k);
        return;
    }
    k->lingering = true;
    unsigned ms = k->c->timeout_ms < LINGER_MS ? k->c->timeout_ms : LINGER_MS;
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_add(k->timer, &tv);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    struct ctrl_unix_conn *k = arg;
    if ((what & BEV_EVENT_EOF) && (k->sending || k->pending) && !k->lingering) {
        /* Half-closed by a client that still waits for or reads the answer. */
        k->peer_eof = true;
        bufferevent_disable(bev, EV_READ);
        return;
    }
    if ((what & BEV_EVENT_EOF) && k->lingering) {
        conn_close(k);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        if (k->feed.seen)
            ctrl_report(k->c, CTRL_SEV_INFO, "COMMAND_SOCKET_CLOSED_BY_FOREIGN_HOST",
                        "command socket %d closed by the peer, discarding partial command "
                        "of %zu bytes", k->fd, k->feed.seen);
        else
            ctrl_report(k->c, CTRL_SEV_DEBUG, "COMMAND_SOCKET_CLOSED_BY_FOREIGN_HOST",
                        "command socket %d closed by the peer, no input data to discard",
                        k->fd);
    } else if (what & BEV_EVENT_ERROR) {
        int e = EVUTIL_SOCKET_ERROR();
        ctrl_report(k->c, CTRL_SEV_ERROR,
                    (what & BEV_EVENT_WRITING) ? "COMMAND_SOCKET_WRITE_FAIL"
                                               : "COMMAND_SOCKET_READ_FAIL",
                    "error on command socket %d: %s", k->fd, strerror(e));
    } else {
        return;
    }
    conn_close(k);
}

static void conn_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct ctrl_unix_conn *k = arg;
    if (k->lingering) {
        conn_close(k);
        return;
    }
    if (k->sending) {
        ctrl_report(k->c, CTRL_SEV_INFO, "COMMAND_SOCKET_CONNECTION_TIMEOUT",
                    "timeout while sending the answer over socket %d", k->fd);
        conn_close(k);
        return;
    }
    ctrl_report(k->c, CTRL_SEV_INFO, "COMMAND_SOCKET_CONNECTION_TIMEOUT",
                "timeout occurred for connection over socket %d", k->fd);
    char text[160];
    if (k->feed.seen)
        snprintf(text, sizeof text,
                 "Connection over control channel timed out, discarded partial command of "
                 "%zu bytes", k->feed.seen);
    else
        snprintf(text, sizeof text, "Connection over control channel timed out");
    conn_answer(k, cmd_answer(CMD_ERROR, text, NULL));
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct ctrl_unix_listener *l = arg;
    ctrl_t *c = l->c;
    struct bufferevent *bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        close(fd);
        return;
    }
    struct ctrl_unix_conn *k = xcalloc(1, sizeof(*k));
    k->c = c;
    k->bev = bev;
    k->fd = fd;
    ctrl_feed_init(&k->feed);
    k->timer = evtimer_new(c->base, conn_timeout, k);
    k->next = c->unix_conns;
    if (k->next)
        k->next->pprev = &k->next;
    k->pprev = &c->unix_conns;
    c->unix_conns = k;
    bufferevent_setcb(bev, conn_read, conn_write, conn_event, k);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    timer_arm(k);
    ctrl_report(c, CTRL_SEV_DEBUG, "COMMAND_SOCKET_CONNECTION_OPENED",
                "opened socket %d for incoming command connection", (int)fd);
}

bool ctrl_unix_is_open(const ctrl_t *c, const char *path)
{
    for (const struct ctrl_unix_listener *l = c->unix_listeners; l; l = l->next)
        if (strcmp(l->path, path) == 0)
            return true;
    return false;
}

/* Returns 0 if nothing serves path (a stale file was removed), or an error. */
static int clear_stale(const char *path, const struct sockaddr_un *sun, char *err,
                       size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot stat control socket %s: %s", path, strerror(errno));
        return NST_EIO;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "control socket path %s exists and is not a socket", path);
        return NST_EEXIST;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create socket: %s", strerror(errno));
        return NST_EIO;
    }
    int rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
    int e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
        snprintf(err, errlen, "another process is already listening on control socket %s",
                 path);
        return NST_EBUSY;
    }
    if (e != ECONNREFUSED && e != ENOENT) {
        snprintf(err, errlen, "cannot probe control socket %s: %s", path, strerror(e));
        return NST_EIO;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale control socket %s: %s", path,
                 strerror(errno));
        return NST_EIO;
    }
    return 0;
}

int ctrl_unix_listen(ctrl_t *c, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t plen = path ? strlen(path) : 0;
    if (plen == 0 || plen >= sizeof sun.sun_path) {
        snprintf(err, errlen, "control socket path '%s' is empty or longer than %zu bytes",
                 path ? path : "", sizeof sun.sun_path - 1);
        return NST_EINVAL;
    }
    memcpy(sun.sun_path, path, plen + 1);
    if (ctrl_unix_is_open(c, path)) {
        snprintf(err, errlen, "control socket %s is already open", path);
        return NST_EEXIST;
    }
    struct ctrl_unix_listener *l = xcalloc(1, sizeof(*l));
    l->c = c;
    l->path = xstrdup(path);
    if (asprintf(&l->lock_path, "%s.lock", path) < 0)
        abort();
    int fd = -1, rc;
    l->lock_fd = open(l->lock_path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (l->lock_fd < 0) {
        snprintf(err, errlen, "cannot create socket lock file %s: %s", l->lock_path,
                 strerror(errno));
        rc = NST_EIO;
        goto fail;
    }
    if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            snprintf(err, errlen,
                     "control socket %s is in use by another process (lock file %s is held)",
                     path, l->lock_path);
            rc = NST_EBUSY;
        } else {
            snprintf(err, errlen, "cannot lock %s: %s", l->lock_path, strerror(errno));
            rc = NST_EIO;
        }
        /* Not ours: keep the other owner's lock file. */
        close(l->lock_fd);
        l->lock_fd = -1;
        free(l->lock_path);
        l->lock_path = NULL;
        goto fail;
    }
    rc = clear_stale(path, &sun, err, errlen);
    if (rc < 0)
        goto fail;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        snprintf(err, errlen, "cannot bind control socket %s: %s", path, strerror(errno));
        rc = NST_EIO;
        goto fail;
    }
    if (chmod(path, 0750) < 0 || listen(fd, UNIX_BACKLOG) < 0) {
        snprintf(err, errlen, "cannot set up control socket %s: %s", path, strerror(errno));
        unlink(path);
        rc = NST_EIO;
        goto fail;
    }
    char name[sizeof sun.sun_path + 16];
    snprintf(name, sizeof name, "command socket %s", path);
    rc = ctrl_acceptor_open(&l->acc, c, fd, on_accept, l, "COMMAND_SOCKET_ACCEPT_FAIL", name);
    fd = -1;
    if (rc < 0) {
        snprintf(err, errlen, "cannot watch control socket %s", path);
        unlink(path);
        goto fail;
    }
    l->next = c->unix_listeners;
    c->unix_listeners = l;
    ctrl_report(c, CTRL_SEV_INFO, "COMMAND_ACCEPTOR_START",
                "starting to accept connections via unix domain socket bound to %s", path);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    if (l->lock_fd >= 0) {
        unlink(l->lock_path);
        close(l->lock_fd);
    }
    free(l->lock_path);
    free(l->path);
    free(l);
    return rc;
}

static void listener_destroy(struct ctrl_unix_listener *l)
{
    ctrl_acceptor_close(&l->acc);
    unlink(l->path);
    unlink(l->lock_path);
    close(l->lock_fd);
    ctrl_report(l->c, CTRL_SEV_INFO, "COMMAND_ACCEPTOR_STOP",
                "stopped accepting connections on unix domain socket %s", l->path);
    free(l->path);
    free(l->lock_path);
    free(l);
}

int ctrl_unix_close(ctrl_t *c, const char *path)
{
    for (struct ctrl_unix_listener **pl = &c->unix_listeners; *pl; pl = &(*pl)->next) {
        struct ctrl_unix_listener *l = *pl;
        if (strcmp(l->path, path) == 0) {
            *pl = l->next;
            listener_destroy(l);
            return 0;
        }
    }
    return NST_ENOENT;
}

void ctrl_unix_close_unlisted(ctrl_t *c, const ctrl_sockets_config_t *cfg)
{
    struct ctrl_unix_listener **pl = &c->unix_listeners;
    while (*pl) {
        struct ctrl_unix_listener *l = *pl;
        bool keep = false;
        for (size_t i = 0; cfg && i < cfg->n && !keep; i++)
            keep = cfg->items[i].type == CTRL_SOCK_UNIX &&
                   strcmp(cfg->items[i].socket_name, l->path) == 0;
        if (keep) {
            pl = &l->next;
        } else {
            *pl = l->next;
            listener_destroy(l);
        }
    }
}

void ctrl_unix_free_all(ctrl_t *c)
{
    while (c->unix_listeners) {
        struct ctrl_unix_listener *l = c->unix_listeners;
        c->unix_listeners = l->next;
        listener_destroy(l);
    }
    while (c->unix_conns)
        conn_close(c->unix_conns);
}

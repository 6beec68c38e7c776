/* Paths a configuration received by command may use: see cfg_paths.h. */
#include "config/cfg_paths.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "build_config.h"
#include "common/errcode.h"
#include "common/fspath.h"
#include "common/util.h"
#include "config/jsonsrc.h"

static const struct {
    const char *env, *def, *what;
} kinds[] = {
    [CFG_PATH_LEASES] = {"KEA_DHCP_DATA_DIR", NESTOR_LEASE_DIR, "lease files"},
    [CFG_PATH_LOGS] = {"KEA_LOG_FILE_DIR", NESTOR_LOG_DIR, "log files"},
    [CFG_PATH_SOCKETS] = {"KEA_CONTROL_SOCKET_DIR", NESTOR_SOCKET_DIR, "control sockets"},
};

const char *cfg_paths_dir(enum cfg_path_kind kind, char *buf, size_t cap)
{
    return fspath_env_dir(kinds[kind].env, kinds[kind].def, buf, cap);
}

/* One path of a configuration: obj[key] is the string value, field its name for messages. */
typedef struct path_ref {
    enum cfg_path_kind kind;
    const char *field;
    const char *value;
    const json_t *obj;
    const char *key;
} path_ref_t;

typedef int (*path_fn)(const path_ref_t *ref, void *ud);

static int visit(path_fn fn, void *ud, enum cfg_path_kind kind, const char *field,
                 const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return 0;
    path_ref_t ref = {kind, field, json_string_value(v), obj, key};
    return fn(&ref, ud);
}

static int walk_loggers(const json_t *loggers, path_fn fn, void *ud)
{
    static const char *const okeys[] = {"output_options", "output-options"};
    size_t i, j;
    const json_t *e, *o;
    int r = 0;
    json_array_foreach(loggers, i, e) {
        for (size_t k = 0; k < ARRAY_SIZE(okeys) && !r; k++) {
            json_array_foreach(json_object_get(e, okeys[k]), j, o) {
                const char *out = json_string_value(json_object_get(o, "output"));
                if (!out || !strcmp(out, "stdout") || !strcmp(out, "stderr") ||
                    !strcmp(out, "syslog") || !strncmp(out, "syslog:", 7))
                    continue;
                char field[96];
                snprintf(field, sizeof field, "loggers[%zu].%s[%zu].output", i, okeys[k], j);
                if ((r = visit(fn, ud, CFG_PATH_LOGS, field, o, "output")))
                    break;
            }
        }
        if (r)
            break;
    }
    return r;
}

static int walk_socket(const json_t *m, const char *field, path_fn fn, void *ud)
{
    const char *type = json_string_value(json_object_get(m, "socket-type"));
    if (!type || strcmp(type, "unix"))
        return 0;
    return visit(fn, ud, CFG_PATH_SOCKETS, field, m, "socket-name");
}

/* Calls fn for every path of c that the server would create or write. */
static int walk(const cfg4_t *c, path_fn fn, void *ud)
{
    int r = 0;
    if (c->common.lease_db.sql.type == CFG_DB_MEMFILE && c->common.lease_db.persist)
        r = visit(fn, ud, CFG_PATH_LEASES, "lease-database.name",
                  json_object_get(c->dhcp4, "lease-database"), "name");
    if (!r)
        r = walk_loggers(c->common.loggers, fn, ud);
    if (!r)
        r = walk_socket(c->common.control_socket, "control-socket.socket-name", fn, ud);
    size_t i;
    const json_t *m;
    json_array_foreach(c->common.control_sockets, i, m) {
        char field[64];
        snprintf(field, sizeof field, "control-sockets[%zu].socket-name", i);
        if (r || (r = walk_socket(m, field, fn, ud)))
            break;
    }
    return r;
}

static int same_as(const path_ref_t *ref, void *ud)
{
    const path_ref_t *want = ud;
    return ref->kind == want->kind && !strcmp(ref->value, want->value);
}

struct check {
    const cfg4_t *cfg, *running;
    char *err;
    size_t errlen;
};

static int check_one(const path_ref_t *ref, void *ud)
{
    struct check *c = ud;
    if (c->running && walk(c->running, same_as, (void *)ref))
        return 0;
    char dir[1024], why[1200], where[1400];
    cfg_paths_dir(ref->kind, dir, sizeof dir);
    if (fspath_in_dir(ref->value, dir, why, sizeof why) == 0)
        return 0;
    jsonsrc_where_member(c->cfg->src, ref->obj, ref->key, where, sizeof where);
    return errf(c->err, c->errlen, NST_ECONFIG,
                "%s: '%s' '%s' %s, but a configuration received by command may only use %s for "
                "%s (set %s to allow another directory; files read at start-up or by "
                "config-reload may use any path)",
                where, ref->field, ref->value, why, dir, kinds[ref->kind].what,
                kinds[ref->kind].env);
}

int cfg_paths_check_api(const cfg4_t *cfg, const cfg4_t *running, char *err, size_t errlen)
{
    struct check c = {cfg, running, err, errlen};
    return walk(cfg, check_one, &c);
}

/* The commands every daemon answers the same way, with Kea's names, argument shapes and texts
 * (see core.h); the family's words come from its descriptor. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "build_config.h"
#include "common/cmd.h"
#include "common/errcode.h"
#include "common/fspath.h"
#include "common/util.h"
#include "config/cfg_db.h"
#include "server/class_cmds.h"
#include "server/core.h"
#include "server/srvlog.h"
#include "stats/stats.h"

#define CORE(ud) ((srv_core_t *)(ud))

static srv_cfg_view_t running(srv_core_t *c)
{
    return c->fam->view(c->fam->running(c));
}

static json_t *cmd_version_get(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_SUCCESS, NESTOR_VERSION,
                      json_pack("{s:s}", "extended", NESTOR_VERSION " (Nestor, compatible with ISC Kea 2.2)\n"
                                "compiler: " NESTOR_CC "\n"
                                "backends: memfile, postgresql, mysql\n"));
}

static json_t *cmd_build_report(const char *name, json_t *args, void *ud)
{
    return cmd_answer(CMD_SUCCESS, "Nestor " NESTOR_VERSION "\n"
                      "Compatible with: ISC Kea 2.2 configuration, commands and lease files\n"
                      "Compiler: " NESTOR_CC "\n"
                      "Lease backends: memfile, postgresql, mysql\n"
                      "Default lease directory: " NESTOR_LEASE_DIR "\n", NULL);
}

static json_t *cmd_status_get(const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    int64_t now = now_mono_ms();
    const cfg_mt_t *mt = &running(c).common->mt;
    json_t *a = json_pack("{s:I, s:I, s:I, s:b, s:{s:s}}",
                          "pid", (json_int_t)getpid(),
                          "uptime", (json_int_t)((now - c->start_mono_ms) / 1000),
                          "reload", (json_int_t)((now - c->reload_mono_ms) / 1000),
                          "multi-threading-enabled", c->workers != NULL,
                          "sockets", "status", "ready");
    if (c->workers) { /* as Kea: the thread fields only when multi-threading runs */
        json_object_set_new(a, "thread-pool-size", json_integer(workq_threads(c->workers)));
        json_object_set_new(a, "packet-queue-size", json_integer(mt->packet_queue_size));
        json_object_set_new(a, "packet-queue-statistics", json_pack("[f,f,f]", 0.0, 0.0, 0.0));
    }
    if (c->status_add)
        c->status_add(c->status_arg, a);
    return cmd_answer(CMD_SUCCESS, NULL, a);
}

/* The running configuration as config-get and config-write show it (Kea's defaults filled in). */
static json_t *shown_config(srv_core_t *c)
{
    const void *cfg = c->fam->running(c);
    return c->fam->config_json && cfg ? c->fam->config_json(cfg) : json_deep_copy(jsonsrc_root(running(c).src));
}

static json_t *cmd_config_get(const char *name, json_t *args, void *ud)
{
    json_t *root = shown_config(CORE(ud));
    cfg_db_redact(root); /* passwords are for connecting, not for showing */
    return cmd_answer(CMD_SUCCESS, NULL, root);
}

/* Parses a configuration given as command arguments ({"Dhcp4": {...}}), with the path rules of
 * the family's load_api. */
static int parse_args_config(srv_core_t *c, json_t *args, void **out, char *err, size_t errlen)
{
    if (!json_is_object(args)) {
        snprintf(err, errlen, "Missing mandatory 'arguments' parameter.");
        return NST_EINVAL;
    }
    if (!json_object_get(args, c->fam->root)) {
        snprintf(err, errlen, "Missing mandatory '%s' parameter.", c->fam->root);
        return NST_EINVAL;
    }
    char *text = json_dumps(args, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    int r = c->fam->load_api(c, text, out, err, errlen);
    free(text);
    return r;
}

static json_t *cmd_config_test(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    char err[2048];
    void *cfg;
    if (parse_args_config(c, args, &cfg, err, sizeof err))
        return cmd_answer(CMD_ERROR, err, NULL);
    int r = srv_core_check(c->fam, cfg, err, sizeof err);
    c->fam->free_cfg(cfg);
    if (r)
        return cmd_answer(CMD_ERROR, err, NULL);
    return cmd_answer(CMD_SUCCESS, "Configuration seems sane. Control-socket, hook-libraries, and D2 "
                      "configuration were sanity checked, but not applied.", NULL);
}

static json_t *cmd_config_set(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    char err[2048];
    void *cfg;
    if (parse_args_config(c, args, &cfg, err, sizeof err) || c->fam->apply(c, cfg, err, sizeof err)) {
        /* Kea logs a rejected config-set as a parser failure, not as a file's CONFIG_LOAD_FAIL */
        srv_log(c->fam->prefix, NLOG_APP, NLOG_ERROR, "PARSER_FAIL",
                "configuration from config-set rejected: %s; the running configuration is unchanged", err);
        return cmd_answer(CMD_ERROR, err, NULL);
    }
    return cmd_answer(CMD_SUCCESS, "Configuration successful.", NULL);
}

static json_t *cmd_config_reload(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    char err[2048];
    if (srv_core_reload_file(c, c->config_path, err, sizeof err)) /* logs what happened */
        return cmd_answerf(CMD_ERROR, NULL, "Config reload failed: %s", err);
    return cmd_answer(CMD_SUCCESS, "Configuration successful.", NULL);
}

/* The file config-write may write (Kea 2.6.3): the configuration file the server was started
 * with, or a file directly in its directory; a bare name goes into that directory. NULL and
 * *out (malloc'd), or the error answer. */
static json_t *write_target(const srv_core_t *c, json_t *args, char **out)
{
    const char *conf = c->config_path;
    json_t *f = json_object_get(args, "filename");
    if (f && !json_is_string(f))
        return cmd_answer(CMD_ERROR, "passed parameter 'filename' is not a string", NULL);
    const char *name = f ? json_string_value(f) : "";
    if (!conf || !*conf)
        return cmd_answer(CMD_ERROR, "Unable to determine filename. Please specify filename explicitly.", NULL);
    if (!*name) {
        *out = xstrdup(conf);
        return NULL;
    }
    const char *slash = strrchr(conf, '/');
    char *dir = slash ? xstrndup(conf, slash == conf ? 1 : (size_t)(slash - conf)) : xstrdup(".");
    char *file;
    if (strchr(name, '/'))
        file = xstrdup(name);
    else if (asprintf(&file, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name) < 0)
        abort();
    char why[PATH_MAX + 64];
    int r = fspath_in_dir(file, dir, why, sizeof why);
    free(dir);
    if (r) {
        json_t *a = cmd_answerf(CMD_ERROR, NULL, "not allowed to write config into %s: 'filename' %s, "
                                "but config-write writes only into the directory of the "
                                "configuration file %s", name, why, conf);
        free(file);
        return a;
    }
    *out = file;
    return NULL;
}

/* Writes text and a newline to file through file.tmp (created afresh, never through a link;
 * 0640: the configuration holds passwords) and a rename. */
static bool write_file(const char *file, const char *text, size_t len)
{
    char *tmp;
    if (asprintf(&tmp, "%s.tmp", file) < 0)
        abort();
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !out)
        close(fd);
    bool ok = out && fwrite(text, 1, len, out) == len && fputc('\n', out) != EOF;
    if (out)
        ok = (fclose(out) == 0) && ok;
    ok = ok && rename(tmp, file) == 0;
    if (!ok && fd >= 0)
        unlink(tmp);
    free(tmp);
    return ok;
}

static json_t *cmd_config_write(const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    char *file;
    json_t *refused = write_target(c, args, &file);
    if (refused)
        return refused;
    json_t *shown = shown_config(c);
    char *text = json_dumps(shown, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(shown);
    size_t len = strlen(text);
    bool ok = write_file(file, text, len);
    free(text);
    json_t *a = ok ? cmd_answerf(CMD_SUCCESS, json_pack("{s:s, s:I}", "filename", file, "size", (json_int_t)len + 1),
                                 "Configuration written to %s successful", file)
                   : cmd_answerf(CMD_ERROR, NULL, "Unable to write configuration to %s", file);
    free(file);
    return a;
}

static json_t *cmd_shutdown(const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    int code = 0;
    json_t *ev = json_object_get(args, "exit-value");
    if (ev && !json_is_integer(ev))
        return cmd_answer(CMD_ERROR, "parameter 'exit-value' is not an integer", NULL);
    if (ev)
        code = (int)json_integer_value(ev);
    srv_log(c->fam->prefix, NLOG_COMMANDS, NLOG_INFO, "SHUTDOWN_REQUEST",
            "shutdown of server requested (exit value %d)", code);
    srv_core_shutdown(c, code);
    return cmd_answer(CMD_SUCCESS, "Shutting down.", NULL);
}

/* max-period elapsed: the origin of the timer is enabled again. */
static void on_enable_timer(evutil_socket_t fd, short what, void *arg)
{
    struct srv_enable_timer *t = arg;
    atomic_store(&t->core->disabled[t->origin], false);
    srv_log(t->core->fam->prefix, NLOG_DHCPSRV, NLOG_INFO, "DHCP_ENABLED",
            "DHCP service re-enabled after the max-period elapsed");
}

/* The origin named by args (Kea: "user", the default, or "ha-partner") in *origin: NULL, or the
 * error answer when invalid. */
static json_t *origin_of(json_t *args, int *origin)
{
    json_t *o = json_object_get(args, "origin");
    *origin = SRV_ORIGIN_USER;
    if (!o || (json_is_string(o) && !strcmp(json_string_value(o), "user")))
        return NULL;
    *origin = SRV_ORIGIN_HA;
    if (json_is_string(o) && !strcmp(json_string_value(o), "ha-partner"))
        return NULL;
    return cmd_answer(CMD_ERROR, "invalid value used for 'origin' parameter: expected \"user\" or \"ha-partner\"", NULL);
}

/* As Kea's NetworkState: each origin has its own max-period timer; a disable with max-period
 * (re)arms it, dhcp-enable for the origin cancels it, a disable without one leaves it. */
static json_t *cmd_dhcp_disable(const char *name, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    int o;
    json_t *refused = origin_of(args, &o);
    if (refused)
        return refused;
    json_t *mp = json_object_get(args, "max-period");
    json_int_t secs = 0;
    if (mp && (!json_is_integer(mp) || (secs = json_integer_value(mp)) <= 0))
        return cmd_answer(CMD_ERROR, "'max-period' must be a positive integer", NULL);
    atomic_store(&c->disabled[o], true);
    if (secs) {
        struct srv_enable_timer *t = &c->enable[o];
        if (!t->ev)
            t->ev = evtimer_new(c->base, on_enable_timer, t);
        struct timeval tv = {(time_t)secs, 0};
        event_add(t->ev, &tv);
        srv_log(c->fam->prefix, NLOG_COMMANDS, NLOG_INFO, "DHCP_DISABLED", "DHCP service disabled for %lld seconds",
                (long long)secs);
        return cmd_answerf(CMD_SUCCESS, NULL, "%s service disabled for %lld seconds", c->fam->service, (long long)secs);
    }
    srv_log(c->fam->prefix, NLOG_COMMANDS, NLOG_INFO, "DHCP_DISABLED", "DHCP service disabled");
    return cmd_answerf(CMD_SUCCESS, NULL, "%s service disabled", c->fam->service);
}

static json_t *cmd_dhcp_enable(const char *name, json_t *args, void *ud)
{
    int o;
    json_t *refused = origin_of(args, &o);
    if (refused)
        return refused;
    srv_core_t *c = CORE(ud);
    srv_core_set_service(c, o, true);
    srv_log(c->fam->prefix, NLOG_COMMANDS, NLOG_INFO, "DHCP_ENABLED", "DHCP service enabled");
    return cmd_answer(CMD_SUCCESS, "DHCP service successfully enabled", NULL);
}

static json_t *cmd_server_tag_get(const char *name, json_t *args, void *ud)
{
    const char *tag = running(CORE(ud)).common->server_tag;
    return cmd_answer(CMD_SUCCESS, NULL, json_pack("{s:s}", "server-tag", tag ? tag : ""));
}

void srv_cmds_register(srv_core_t *c)
{
    static const struct {
        const char *name;
        cmd_handler_fn fn;
    } cmds[] = {
        {"version-get", cmd_version_get},   {"build-report", cmd_build_report},
        {"status-get", cmd_status_get},     {"config-get", cmd_config_get},
        {"config-write", cmd_config_write},
        {"shutdown", cmd_shutdown},         {"dhcp-disable", cmd_dhcp_disable},
        {"dhcp-enable", cmd_dhcp_enable},   {"server-tag-get", cmd_server_tag_get},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
        ctrl_register(c->ctrl, cmds[i].name, cmds[i].fn, c);
    /* A reconfiguration builds the new generation while the workers serve and pauses them
     * itself, only for the swap (the family's apply): it must not be bracketed by the guard. */
    static const struct {
        const char *name;
        ctrl_handler_fn fn;
    } beside[] = {
        {"config-test", cmd_config_test}, {"config-set", cmd_config_set}, {"config-reload", cmd_config_reload},
    };
    for (size_t i = 0; i < ARRAY_SIZE(beside); i++)
        ctrl_register_ex(c->ctrl, beside[i].name, beside[i].fn, c, CTRL_CMD_CONCURRENT);
    for (const struct stats_cmd *s = stats_cmds; s->name; s++)
        ctrl_register(c->ctrl, s->name, s->fn, NULL);
    srv_class_cmds_register(c);
}

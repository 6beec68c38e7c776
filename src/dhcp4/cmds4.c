/* Server control commands with Kea's names, argument shapes and texts. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_config.h"
#include "common/cmd.h"
#include "common/fspath.h"
#include "config/cfg_paths.h"
#include "ctrl/ctrl.h"
#include "common/errcode.h"
#include "dhcp4/srv4.h"
#include "dhcp4/workers4.h"
#include "log/log.h"

#define SRV(ud) ((srv4_t *)(ud))

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
    srv4_t *s = SRV(ud);
    int64_t now = now_mono_ms();
    const cfg_mt_t *mt = &s->rt->cfg->common.mt;
    json_t *a = json_pack("{s:I, s:I, s:I, s:b, s:{s:s}}",
                          "pid", (json_int_t)getpid(),
                          "uptime", (json_int_t)((now - s->start_mono_ms) / 1000),
                          "reload", (json_int_t)((now - s->reload_mono_ms) / 1000),
                          "multi-threading-enabled", s->workers != NULL,
                          "sockets", "status", "ready");
    if (s->workers) { /* as Kea: the thread fields only when multi-threading runs */
        json_object_set_new(a, "thread-pool-size", json_integer(workq_threads(s->workers)));
        json_object_set_new(a, "packet-queue-size", json_integer(mt->packet_queue_size));
        json_object_set_new(a, "packet-queue-statistics", json_pack("[f,f,f]", 0.0, 0.0, 0.0));
    }
    return cmd_answer(CMD_SUCCESS, NULL, a);
}

static json_t *cmd_config_get(const char *name, json_t *args, void *ud)
{
    json_t *root = json_deep_copy(jsonsrc_root(SRV(ud)->rt->cfg->src));
    cfg_db_redact(root); /* passwords are for connecting, not for showing */
    return cmd_answer(CMD_SUCCESS, NULL, root);
}

/* Parses a configuration given as command arguments ({"Dhcp4": {...}}) and checks the paths it
 * would write to (cfg_paths.h). */
static int parse_args_config(srv4_t *s, json_t *args, cfg4_t **out, char *err, size_t errlen)
{
    if (!json_is_object(args)) {
        snprintf(err, errlen, "Missing mandatory 'arguments' parameter.");
        return NST_EINVAL;
    }
    if (!json_object_get(args, "Dhcp4")) {
        snprintf(err, errlen, "Missing mandatory 'Dhcp4' parameter.");
        return NST_EINVAL;
    }
    char *text = json_dumps(args, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    int r = cfg4_load_string(text, "<command arguments>", out, err, errlen);
    free(text);
    if (r)
        return r;
    /* Before anything opens a file: a command may not point the server at new places. */
    r = cfg_paths_check_api(*out, s->rt ? s->rt->cfg : NULL, err, errlen);
    if (r) {
        cfg4_free(*out);
        *out = NULL;
    }
    return r;
}

static json_t *cmd_config_test(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    char err[2048];
    cfg4_t *cfg;
    if (parse_args_config(SRV(ud), args, &cfg, err, sizeof err))
        return cmd_answer(CMD_ERROR, err, NULL);
    int r = srv4_check_config(cfg, err, sizeof err);
    cfg4_free(cfg);
    if (r)
        return cmd_answer(CMD_ERROR, err, NULL);
    return cmd_answer(CMD_SUCCESS, "Configuration seems sane. Control-socket, hook-libraries, and D2 "
                      "configuration were sanity checked, but not applied.", NULL);
}

static json_t *cmd_config_set(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    char err[2048];
    cfg4_t *cfg;
    if (parse_args_config(SRV(ud), args, &cfg, err, sizeof err) || srv4_apply_config(SRV(ud), cfg, err, sizeof err)) {
        LOG_ERROR(NLOG_COMMANDS, "DHCP4_CONFIG_LOAD_FAIL", "configuration error using command: %s; the running configuration is unchanged", err);
        return cmd_answer(CMD_ERROR, err, NULL);
    }
    return cmd_answer(CMD_SUCCESS, "Configuration successful.", NULL);
}

static json_t *cmd_config_reload(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    char err[2048];
    if (srv4_reload_file(s, s->config_path, err, sizeof err)) {
        LOG_ERROR(NLOG_COMMANDS, "DHCP4_CONFIG_LOAD_FAIL", "configuration reload failed: %s; the running configuration is unchanged", err);
        return cmd_answerf(CMD_ERROR, NULL, "Config reload failed: %s", err);
    }
    return cmd_answer(CMD_SUCCESS, "Configuration successful.", NULL);
}

/* The file config-write may write (Kea 2.6.3): the configuration file the server was started
 * with, or a file directly in its directory; a bare name goes into that directory. NULL and
 * *out (malloc'd), or the error answer. */
static json_t *write_target(const srv4_t *s, json_t *args, char **out)
{
    const char *conf = s->config_path;
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
    srv4_t *s = SRV(ud);
    char *file;
    json_t *refused = write_target(s, args, &file);
    if (refused)
        return refused;
    char *text = json_dumps(jsonsrc_root(s->rt->cfg->src), JSON_INDENT(4) | JSON_PRESERVE_ORDER);
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
    int code = 0;
    json_t *ev = json_object_get(args, "exit-value");
    if (ev && !json_is_integer(ev))
        return cmd_answer(CMD_ERROR, "parameter 'exit-value' is not an integer", NULL);
    if (ev)
        code = (int)json_integer_value(ev);
    LOG_INFO(NLOG_COMMANDS, "DHCP4_SHUTDOWN_REQUEST", "shutdown of server requested (exit value %d)", code);
    srv4_shutdown(SRV(ud), code);
    return cmd_answer(CMD_SUCCESS, "Shutting down.", NULL);
}

/* max-period elapsed: arg is the flag of the origin that disabled the service. */
static void on_enable_timer(evutil_socket_t fd, short what, void *arg)
{
    *(_Atomic bool *)arg = false;
    LOG_INFO(NLOG_DHCPSRV, "DHCP4_DHCP_ENABLED", "DHCP service re-enabled after the max-period elapsed");
}

/* The origin named by args (Kea: "user", the default, or "ha-partner"): its index in
 * srv4_t.ev_enable and its flag; -1 and *err when invalid. */
static int origin_of(srv4_t *s, json_t *args, _Atomic bool **flag, json_t **err)
{
    json_t *o = json_object_get(args, "origin");
    *err = NULL;
    if (!o || (json_is_string(o) && !strcmp(json_string_value(o), "user"))) {
        *flag = &s->disabled_user;
        return 0;
    }
    if (json_is_string(o) && !strcmp(json_string_value(o), "ha-partner")) {
        *flag = &s->disabled_ha;
        return 1;
    }
    *err = cmd_answer(CMD_ERROR, "invalid value used for 'origin' parameter: expected \"user\" or \"ha-partner\"", NULL);
    return -1;
}

/* As Kea's NetworkState: each origin has its own max-period timer; a disable with max-period
 * (re)arms it, dhcp-enable for the origin cancels it, a disable without one leaves it. */
static json_t *cmd_dhcp_disable(const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    json_t *err;
    _Atomic bool *flag;
    int o = origin_of(s, args, &flag, &err);
    if (o < 0)
        return err;
    json_t *mp = json_object_get(args, "max-period");
    json_int_t secs = 0;
    if (mp && (!json_is_integer(mp) || (secs = json_integer_value(mp)) <= 0))
        return cmd_answer(CMD_ERROR, "'max-period' must be a positive integer", NULL);
    *flag = true;
    if (secs) {
        if (!s->ev_enable[o])
            s->ev_enable[o] = evtimer_new(s->base, on_enable_timer, (void *)flag);
        struct timeval tv = {(time_t)secs, 0};
        event_add(s->ev_enable[o], &tv);
        LOG_INFO(NLOG_COMMANDS, "DHCP4_DHCP_DISABLED", "DHCP service disabled for %lld seconds", (long long)secs);
        return cmd_answerf(CMD_SUCCESS, NULL, "DHCPv4 service disabled for %lld seconds", (long long)secs);
    }
    LOG_INFO(NLOG_COMMANDS, "DHCP4_DHCP_DISABLED", "DHCP service disabled");
    return cmd_answer(CMD_SUCCESS, "DHCPv4 service disabled", NULL);
}

static json_t *cmd_dhcp_enable(const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    json_t *err;
    _Atomic bool *flag;
    int o = origin_of(s, args, &flag, &err);
    if (o < 0)
        return err;
    *flag = false;
    if (s->ev_enable[o])
        event_del(s->ev_enable[o]);
    LOG_INFO(NLOG_COMMANDS, "DHCP4_DHCP_ENABLED", "DHCP service enabled");
    return cmd_answer(CMD_SUCCESS, "DHCP service successfully enabled", NULL);
}

static json_t *cmd_leases_reclaim(const char *name, json_t *args, void *ud)
{
    srv4_t *s = SRV(ud);
    json_t *rm = json_object_get(args, "remove");
    if (!rm)
        return cmd_answer(CMD_ERROR, "Missing mandatory 'remove' parameter.", NULL);
    if (!json_is_boolean(rm))
        return cmd_answer(CMD_ERROR, "'remove' parameter expected to be a boolean.", NULL);
    alloc4_reclaim(s->rt->alloc, now_epoch(), 0, 0, json_is_true(rm));
    return cmd_answer(CMD_SUCCESS, "Reclamation of expired leases is complete.", NULL);
}

static json_t *cmd_server_tag_get(const char *name, json_t *args, void *ud)
{
    const char *tag = SRV(ud)->rt->cfg->common.server_tag;
    return cmd_answer(CMD_SUCCESS, NULL, json_pack("{s:s}", "server-tag", tag ? tag : ""));
}

void srv4_register_commands(srv4_t *s)
{
    static const struct {
        const char *name;
        cmd_handler_fn fn;
    } cmds[] = {
        {"version-get", cmd_version_get},   {"build-report", cmd_build_report},
        {"status-get", cmd_status_get},     {"config-get", cmd_config_get},
        {"config-write", cmd_config_write},
        {"shutdown", cmd_shutdown},         {"dhcp-disable", cmd_dhcp_disable},
        {"dhcp-enable", cmd_dhcp_enable},   {"leases-reclaim", cmd_leases_reclaim},
        {"server-tag-get", cmd_server_tag_get},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
        ctrl_register(s->ctrl, cmds[i].name, cmds[i].fn, s);
    /* A reconfiguration builds the new generation while the workers serve and pauses them
     * itself, only for the swap (srv4_apply_config): it must not be bracketed by the guard. */
    static const struct {
        const char *name;
        ctrl_handler_fn fn;
    } beside[] = {
        {"config-test", cmd_config_test}, {"config-set", cmd_config_set}, {"config-reload", cmd_config_reload},
    };
    for (size_t i = 0; i < ARRAY_SIZE(beside); i++)
        ctrl_register_ex(s->ctrl, beside[i].name, beside[i].fn, s, CTRL_CMD_CONCURRENT);
    for (const struct stats_cmd *c = stats_cmds; c->name; c++)
        ctrl_register(s->ctrl, c->name, c->fn, NULL);
}

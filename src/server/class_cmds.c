/* The class commands (Kea's class_cmds hook, built in): class-add, class-update, class-del,
 * class-get, class-list, for either family (see class_cmds.h). */
#include "server/class_cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmd.h"
#include "common/util.h"
#include "server/srvlog.h"

#define CORE(ud) ((srv_core_t *)(ud))

static json_t *root_map(srv_core_t *c)
{
    srv_cfg_view_t v = c->fam->view(c->fam->running(c));
    return json_object_get(jsonsrc_root(v.src), c->fam->root);
}

static json_t *find_class(json_t *classes, const char *name, size_t *at)
{
    size_t i;
    json_t *k;
    json_array_foreach(classes, i, k) {
        const char *n = json_string_value(json_object_get(k, "name"));
        if (n && !strcmp(n, name)) {
            if (at)
                *at = i;
            return k;
        }
    }
    return NULL;
}

/* Applies the running configuration with its client-classes replaced by classes (stolen) as a
 * config-set would; NULL, or the error answer. */
static json_t *apply_classes(srv_core_t *c, json_t *classes, const char *cmd)
{
    srv_cfg_view_t v = c->fam->view(c->fam->running(c));
    json_t *root = json_deep_copy(jsonsrc_root(v.src));
    json_object_set_new(json_object_get(root, c->fam->root), "client-classes", classes);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    char err[2048];
    void *cfg;
    int r = c->fam->load_api(c, text, &cfg, err, sizeof err);
    free(text);
    if (!r)
        r = c->fam->apply(c, cfg, err, sizeof err);
    if (!r)
        return NULL;
    srv_log(c->fam->prefix, NLOG_COMMANDS, NLOG_ERROR, "CONFIG_LOAD_FAIL",
            "%s refused: %s; the running configuration is unchanged", cmd, err);
    return cmd_answer(CMD_ERROR, err, NULL);
}

/* The one class of class-add / class-update's arguments, or NULL with *err set. */
static json_t *one_class(json_t *args, const char *cmd, json_t **err)
{
    json_t *list = json_object_get(args, "client-classes");
    if (!json_is_object(args) || !list) {
        *err = cmd_answerf(CMD_ERROR, NULL, "missing 'client-classes' argument for the '%s' command", cmd);
        return NULL;
    }
    if (!json_is_array(list) || json_array_size(list) != 1 || !json_is_object(json_array_get(list, 0))) {
        *err = cmd_answerf(CMD_ERROR, NULL, "invalid number of classes specified for the '%s' command. "
                           "Expected one class", cmd);
        return NULL;
    }
    json_t *k = json_array_get(list, 0);
    if (!json_is_string(json_object_get(k, "name"))) {
        *err = cmd_answerf(CMD_ERROR, NULL, "missing 'name' parameter in the class definition of '%s'", cmd);
        return NULL;
    }
    return k;
}

static json_t *class_set(srv_core_t *c, json_t *args, bool add)
{
    const char *cmd = add ? "class-add" : "class-update";
    json_t *err = NULL, *k = one_class(args, cmd, &err);
    if (!k)
        return err;
    const char *name = json_string_value(json_object_get(k, "name"));
    json_t *classes = json_object_get(root_map(c), "client-classes");
    classes = classes ? json_deep_copy(classes) : json_array();
    size_t at;
    json_t *old = find_class(classes, name, &at);
    if (add && old) {
        json_decref(classes);
        return cmd_answerf(CMD_ERROR, NULL, "Class '%s' already exists.", name);
    }
    if (!add && !old) {
        json_decref(classes);
        return cmd_answerf(CMD_EMPTY, NULL, "Class '%s' is not found.", name);
    }
    if (add)
        json_array_append(classes, k);
    else
        json_array_set(classes, at, k); /* in place: the order of evaluation is kept */
    json_t *refused = apply_classes(c, classes, cmd);
    if (refused)
        return refused;
    return cmd_answerf(CMD_SUCCESS, NULL, "Class '%s' %s.", name, add ? "added" : "updated");
}

static json_t *cmd_class_add(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    return class_set(CORE(ud), args, true);
}

static json_t *cmd_class_update(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    return class_set(CORE(ud), args, false);
}

/* Whether text names class (member('class'), spaces allowed). */
static bool uses_member(const char *text, const char *class)
{
    for (const char *p = strstr(text, "member"); p; p = strstr(p + 6, "member")) {
        const char *q = p + 6;
        while (*q == ' ')
            q++;
        if (*q++ != '(')
            continue;
        while (*q == ' ')
            q++;
        if (*q++ != '\'')
            continue;
        size_t n = strlen(class);
        if (!strncmp(q, class, n) && q[n] == '\'')
            return true;
    }
    return false;
}

/* Whether a level (subnet, pool, shared network) uses class name: client-class or
 * require-client-classes. */
static bool level_uses(json_t *level, const char *name)
{
    const char *cc = json_string_value(json_object_get(level, "client-class"));
    if (cc && !strcmp(cc, name))
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(level, "require-client-classes"), i, v)
        if (json_string_value(v) && !strcmp(json_string_value(v), name))
            return true;
    return false;
}

static bool subnets_use(json_t *subnets, const char *name, char *buf, size_t cap)
{
    size_t i, k;
    json_t *s, *p;
    json_array_foreach(subnets, i, s) {
        const char *pfx = json_string_value(json_object_get(s, "subnet"));
        if (level_uses(s, name)) {
            snprintf(buf, cap, "subnet %s", pfx ? pfx : "?");
            return true;
        }
        for (int pd = 0; pd < 2; pd++)
            json_array_foreach(json_object_get(s, pd ? "pd-pools" : "pools"), k, p)
                if (level_uses(p, name)) {
                    snprintf(buf, cap, "a pool of subnet %s", pfx ? pfx : "?");
                    return true;
                }
    }
    return false;
}

/* Where the configuration map m still uses class name: another class's test (member()), or a
 * level; the first use as text into buf, or false. */
static bool in_use(json_t *m, const char *name, char *buf, size_t cap)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m, "client-classes"), i, v) {
        const char *t = json_string_value(json_object_get(v, "test"));
        const char *n = json_string_value(json_object_get(v, "name"));
        if (t && uses_member(t, name)) {
            snprintf(buf, cap, "the test of class '%s'", n ? n : "?");
            return true;
        }
    }
    if (subnets_use(json_object_get(m, "subnet4"), name, buf, cap) ||
        subnets_use(json_object_get(m, "subnet6"), name, buf, cap))
        return true;
    json_array_foreach(json_object_get(m, "shared-networks"), i, v) {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (level_uses(v, name)) {
            snprintf(buf, cap, "shared network '%s'", n ? n : "?");
            return true;
        }
        if (subnets_use(json_object_get(v, "subnet4"), name, buf, cap) ||
            subnets_use(json_object_get(v, "subnet6"), name, buf, cap))
            return true;
    }
    return false;
}

static const char *name_arg(json_t *args, const char *cmd, json_t **err)
{
    const char *n = json_string_value(json_object_get(args, "name"));
    if (!json_is_object(args))
        *err = cmd_answerf(CMD_ERROR, NULL, "missing arguments for the '%s' command", cmd);
    else if (!n)
        *err = cmd_answerf(CMD_ERROR, NULL, "missing 'name' argument (a string) for the '%s' command", cmd);
    return n;
}

static json_t *cmd_class_del(ctrl_reply_t *reply, const char *cmd, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    json_t *err = NULL;
    const char *name = name_arg(args, "class-del", &err);
    if (!name)
        return err;
    json_t *m = root_map(c);
    json_t *classes = json_object_get(m, "client-classes");
    size_t at;
    if (!classes || !find_class(classes, name, &at))
        return cmd_answerf(CMD_EMPTY, NULL, "Class '%s' not found.", name);
    char where[256];
    if (in_use(m, name, where, sizeof where))
        return cmd_answerf(CMD_ERROR, NULL, "Class '%s' is used by %s and cannot be deleted.", name, where);
    classes = json_deep_copy(classes);
    json_array_remove(classes, at);
    json_t *refused = apply_classes(c, classes, "class-del");
    if (refused)
        return refused;
    return cmd_answerf(CMD_SUCCESS, NULL, "Class '%s' deleted.", name);
}

static json_t *cmd_class_get(const char *cmd, json_t *args, void *ud)
{
    srv_core_t *c = CORE(ud);
    json_t *err = NULL;
    const char *name = name_arg(args, "class-get", &err);
    if (!name)
        return err;
    json_t *k = find_class(json_object_get(root_map(c), "client-classes"), name, NULL);
    if (!k)
        return cmd_answerf(CMD_EMPTY, NULL, "Class '%s' not found.", name);
    json_t *out = json_deep_copy(k);
    /* what Kea shows for a class: its settings with their defaults */
    if (!json_object_get(out, "only-if-required"))
        json_object_set_new(out, "only-if-required", json_false());
    if (!json_object_get(out, "option-data"))
        json_object_set_new(out, "option-data", json_array());
    if (!strcmp(c->fam->root, "Dhcp4")) {
        if (!json_object_get(out, "next-server"))
            json_object_set_new(out, "next-server", json_string("0.0.0.0"));
        if (!json_object_get(out, "server-hostname"))
            json_object_set_new(out, "server-hostname", json_string(""));
        if (!json_object_get(out, "boot-file-name"))
            json_object_set_new(out, "boot-file-name", json_string(""));
    }
    return cmd_answerf(CMD_SUCCESS, json_pack("{s:[o]}", "client-classes", out), "Class '%s' definition returned",
                       name);
}

static json_t *cmd_class_list(const char *cmd, json_t *args, void *ud)
{
    json_t *classes = json_object_get(root_map(CORE(ud)), "client-classes");
    size_t n = json_array_size(classes), i;
    if (!n)
        return cmd_answer(CMD_EMPTY, "0 classes found", json_pack("{s:[]}", "client-classes"));
    json_t *list = json_array(), *k;
    json_array_foreach(classes, i, k)
        json_array_append_new(list, json_pack("{s:O}", "name", json_object_get(k, "name")));
    return cmd_answerf(CMD_SUCCESS, json_pack("{s:o}", "client-classes", list), "%zu classes found", n);
}

void srv_class_cmds_register(srv_core_t *c)
{
    ctrl_register(c->ctrl, "class-get", cmd_class_get, c);
    ctrl_register(c->ctrl, "class-list", cmd_class_list, c);
    /* reconfigurations: like config-set, they pause the workers themselves only for the swap */
    ctrl_register_ex(c->ctrl, "class-add", cmd_class_add, c, CTRL_CMD_CONCURRENT);
    ctrl_register_ex(c->ctrl, "class-update", cmd_class_update, c, CTRL_CMD_CONCURRENT);
    ctrl_register_ex(c->ctrl, "class-del", cmd_class_del, c, CTRL_CMD_CONCURRENT);
}

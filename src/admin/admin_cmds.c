/* nestor-admin commands: db-init, db-version, db-upgrade, stats-recount (see admin.h). Lease
 * dump and upload are in admin_leases.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "common/errcode.h"

const admin_script_t *admin_script_create(const char *backend)
{
    for (const admin_script_t *s = admin_schema_scripts; s->backend; s++)
        if (!strcmp(s->backend, backend) && s->kind == 0)
            return s;
    return NULL;
}

const admin_script_t *admin_script_upgrade_from(const char *backend, int major, int minor)
{
    for (const admin_script_t *s = admin_schema_scripts; s->backend; s++)
        if (!strcmp(s->backend, backend) && s->kind == 1 && s->from_major == major && s->from_minor == minor)
            return s;
    return NULL;
}

void admin_schema_current(const char *backend, int *major, int *minor)
{
    *major = *minor = 0;
    for (const admin_script_t *s = admin_schema_scripts; s->backend; s++)
        if (!strcmp(s->backend, backend) && s->kind == 1 &&
            (s->to_major > *major || (s->to_major == *major && s->to_minor > *minor)))
            *major = s->to_major, *minor = s->to_minor;
}

/* The oldest version an upgrade chain starts from. */
static void oldest_upgradable(const char *backend, int *major, int *minor)
{
    *major = *minor = 1 << 30;
    for (const admin_script_t *s = admin_schema_scripts; s->backend; s++)
        if (!strcmp(s->backend, backend) && s->kind == 1 &&
            (s->from_major < *major || (s->from_major == *major && s->from_minor < *minor)))
            *major = s->from_major, *minor = s->from_minor;
}

static int connect_or_fail(const admin_backend_t *b, const admin_opts_t *o, admin_conn_t **c)
{
    char err[512];
    if (b->connect(&o->db, c, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: cannot connect to %s database %s: %s\n", b->name, o->db.name, err);
        return 1;
    }
    return 0;
}

int admin_db_version(const admin_backend_t *b, const admin_opts_t *o)
{
    admin_conn_t *c;
    if (connect_or_fail(b, o, &c))
        return 1;
    char err[512];
    int major, minor;
    int r = b->version(c, &major, &minor, err, sizeof err);
    b->close(c);
    if (r == NST_ENOENT) {
        fprintf(stderr, "nestor-admin: database %s has no schema (no schema_version table); "
                "run: nestor-admin db-init %s\n", o->db.name, b->name);
        return 1;
    }
    if (r) {
        fprintf(stderr, "nestor-admin: cannot read the schema version: %s\n", err);
        return 1;
    }
    printf("%d.%d\n", major, minor);
    return 0;
}

int admin_db_init(const admin_backend_t *b, const admin_opts_t *o)
{
    const admin_script_t *s = admin_script_create(b->name);
    admin_conn_t *c;
    if (!s) {
        fprintf(stderr, "nestor-admin: no schema for backend %s in this build\n", b->name);
        return 1;
    }
    if (connect_or_fail(b, o, &c))
        return 1;
    char err[512];
    long tables = 0;
    int rc = 1;
    if (b->table_count(c, &tables, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: cannot list the tables of %s: %s\n", o->db.name, err);
    } else if (tables) {
        /* kea-admin's rule: never initialise over existing data */
        fprintf(stderr, "nestor-admin: expected an empty database, but %s has %ld table(s); db-init "
                "does nothing (use db-version or db-upgrade on an existing schema)\n", o->db.name, tables);
    } else if (b->can_create && b->can_create(c, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: the user cannot create the schema objects: %s\n", err);
    } else if (b->exec_script(c, s->text, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: creating the schema failed (nothing was kept where the database "
                "allows): %s\n", err);
    } else {
        int major = 0, minor = 0;
        b->version(c, &major, &minor, err, sizeof err);
        printf("Database version reported after initialization: %d.%d\n", major, minor);
        rc = 0;
    }
    b->close(c);
    return rc;
}

int admin_db_upgrade(const admin_backend_t *b, const admin_opts_t *o)
{
    admin_conn_t *c;
    if (connect_or_fail(b, o, &c))
        return 1;
    char err[512];
    int major, minor, cur_major, cur_minor, rc = 1;
    admin_schema_current(b->name, &cur_major, &cur_minor);
    if (b->version(c, &major, &minor, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: cannot read the schema version (%s); a database without a schema "
                "needs db-init\n", err);
        goto out;
    }
    printf("Database version reported before upgrade: %d.%d\n", major, minor);
    if (b->can_create && b->can_create(c, err, sizeof err)) {
        fprintf(stderr, "nestor-admin: the user cannot create the schema objects: %s\n", err);
        goto out;
    }
    while (major != cur_major || minor != cur_minor) {
        const admin_script_t *s = admin_script_upgrade_from(b->name, major, minor);
        if (!s) {
            int om, on;
            oldest_upgradable(b->name, &om, &on);
            if (major > cur_major || (major == cur_major && minor > cur_minor))
                fprintf(stderr, "nestor-admin: schema %d.%d is newer than this tool's %d.%d; nothing done\n",
                        major, minor, cur_major, cur_minor);
            else
                fprintf(stderr, "nestor-admin: no upgrade step from schema %d.%d: this tool upgrades from %d.%d "
                        "on; bring older databases to %d.%d with the matching Kea release's kea-admin first\n",
                        major, minor, om, on, om, on);
            goto out;
        }
        printf("Upgrading schema %d.%d to %d.%d\n", s->from_major, s->from_minor, s->to_major, s->to_minor);
        fflush(stdout);
        if (b->exec_script(c, s->text, err, sizeof err)) {
            fprintf(stderr, "nestor-admin: upgrade %d.%d -> %d.%d failed: %s\n", s->from_major, s->from_minor,
                    s->to_major, s->to_minor, err);
            goto out;
        }
        int nm, nn;
        if (b->version(c, &nm, &nn, err, sizeof err) || (nm == major && nn == minor)) {
            fprintf(stderr, "nestor-admin: the upgrade step from %d.%d did not change the version\n", major, minor);
            goto out;
        }
        major = nm, minor = nn;
    }
    printf("Database version reported after upgrade: %d.%d\n", major, minor);
    rc = 0;
out:
    b->close(c);
    return rc;
}

int admin_stats_recount(const admin_backend_t *b, const admin_opts_t *o)
{
    static const char *const sql =
        "START TRANSACTION;\n"
        "DELETE FROM lease4_stat;\n"
        "INSERT INTO lease4_stat (subnet_id, state, leases)\n"
        "    SELECT subnet_id, state, count(*) FROM lease4 WHERE state IN (0, 1) GROUP BY subnet_id, state;\n"
        "DELETE FROM lease6_stat;\n"
        "INSERT INTO lease6_stat (subnet_id, lease_type, state, leases)\n"
        "    SELECT subnet_id, lease_type, state, count(*) FROM lease6 WHERE state IN (0, 1)\n"
        "    GROUP BY subnet_id, lease_type, state;\n"
        "COMMIT;\n";
    admin_conn_t *c;
    if (connect_or_fail(b, o, &c))
        return 1;
    char err[512];
    int r = b->exec_script(c, sql, err, sizeof err);
    b->close(c);
    if (r) {
        fprintf(stderr, "nestor-admin: recounting the lease statistics failed (nothing changed): %s\n", err);
        return 1;
    }
    printf("Lease statistics recounted from lease4 and lease6.\n");
    return 0;
}

/* nestor-admin: command line (kea-admin's), dispatch to the commands (see admin.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin/admin.h"
#include "build_config.h"
#include "common/util.h"

static const char usage_text[] =
    "Usage: nestor-admin COMMAND BACKEND [OPTIONS]\n"
    "\n"
    "Creates, inspects and upgrades the SQL schema that Nestor and ISC Kea 2.2 share, and moves\n"
    "leases between a database and a memfile CSV file. The command line is kea-admin's.\n"
    "\n"
    "COMMAND\n"
    "  db-init        create the schema in an empty database (refuses one that has any table)\n"
    "  db-version     print the schema version (MAJOR.MINOR)\n"
    "  db-upgrade     upgrade the schema step by step to this release's version; each step runs\n"
    "                 only when the database is at its starting version\n"
    "  lease-dump     write the leases to a memfile CSV file (-4, -o FILE)\n"
    "  lease-upload   load a memfile CSV file into the database (-4, -i FILE); as kea-lfc, the last\n"
    "                 row of an address wins and a row with valid_lifetime 0 deletes it\n"
    "  stats-recount  rebuild lease4_stat and lease6_stat from the lease tables, in one transaction\n"
    "\n"
    "BACKEND\n"
    "  pgsql          PostgreSQL (schema 13.0, as Kea 2.2)\n"
    "  mysql          MySQL / MariaDB (schema 14.0, as Kea 2.2)\n"
    "  memfile        accepted for compatibility; nothing to do for a lease file\n"
    "\n"
    "OPTIONS\n"
    "  -h, --host HOST        database host (default localhost; a path starting with '/' is a\n"
    "                         Unix socket directory for pgsql)\n"
    "  -P, --port PORT        database port\n"
    "  -u, --user USER        database user (default keatest, as kea-admin)\n"
    "  -p, --password [PW]    password; without a value it is asked for on the terminal. The\n"
    "                         environment variable KEA_ADMIN_DB_PASSWORD is read too.\n"
    "  -n, --name NAME        database name (default keatest, as kea-admin)\n"
    "  -4 | -6                lease family for lease-dump / lease-upload (default -4)\n"
    "  -o, --output FILE      lease-dump output file\n"
    "  -i, --input FILE       lease-upload input file\n"
    "  -y, --yes              overwrite an existing output file without asking\n"
    "  -d, --directory DIR    accepted for compatibility and ignored: the scripts are built in\n"
    "  -v, --version          print the version and the schema versions this build creates\n"
    "      --help             this text\n"
    "\n"
    "EXIT STATUS\n"
    "  0 success; 1 refused or failed (message on stderr); 2 bad command line.\n"
    "\n"
    "EXAMPLES\n"
    "  nestor-admin db-init pgsql -u kea -p secret -n kea -h 127.0.0.1\n"
    "  nestor-admin db-upgrade mysql -u kea -p secret -n kea\n"
    "  nestor-admin lease-dump pgsql -4 -u kea -p secret -n kea -o leases4.csv\n";

static char *ask_password(void)
{
    if (!isatty(STDIN_FILENO))
        return NULL;
    struct termios t, quiet;
    fprintf(stderr, "Password: ");
    tcgetattr(STDIN_FILENO, &t);
    quiet = t;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    char buf[256] = "";
    char *ok = fgets(buf, sizeof buf, stdin);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    fprintf(stderr, "\n");
    if (!ok)
        return NULL;
    buf[strcspn(buf, "\r\n")] = 0;
    return xstrdup(buf);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},   {"port", required_argument, NULL, 'P'},
        {"user", required_argument, NULL, 'u'},   {"password", optional_argument, NULL, 'p'},
        {"name", required_argument, NULL, 'n'},   {"output", required_argument, NULL, 'o'},
        {"input", required_argument, NULL, 'i'},  {"yes", no_argument, NULL, 'y'},
        {"directory", required_argument, NULL, 'd'}, {"extra", required_argument, NULL, 'x'},
        {"version", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0}};
    admin_opts_t o = {.family = 4};
    o.db.connect_timeout = 5;
    bool want_password = false;
    int c;
    while ((c = getopt_long(argc, argv, "h:P:u:p::n:o:i:yd:x:v46", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': o.db.host = optarg; break;
        case 'P': {
            char *end;
            long p = strtol(optarg, &end, 10);
            if (*end || p <= 0 || p > 65535) {
                fprintf(stderr, "nestor-admin: invalid port '%s'\n", optarg);
                return 2;
            }
            o.db.port = (uint16_t)p;
            break;
        }
        case 'u': o.db.user = optarg; break;
        case 'p':
            /* "-p VALUE" (kea-admin's form) as well as "-pVALUE" / "--password=VALUE" */
            if (optarg)
                o.db.password = optarg;
            else if (optind < argc && argv[optind][0] != '-' && strcmp(argv[optind], "--"))
                o.db.password = argv[optind++];
            else
                want_password = true;
            break;
        case 'n': o.db.name = optarg; break;
        case 'o': o.output = optarg; break;
        case 'i': o.input = optarg; break;
        case 'y': o.yes = true; break;
        case 'd': case 'x': break;
        case '4': o.family = 4; break;
        case '6': o.family = 6; break;
        case 'v': {
            int pm, pn, mm, mn;
            admin_schema_current("pgsql", &pm, &pn);
            admin_schema_current("mysql", &mm, &mn);
            printf("%s (Nestor; schemas: pgsql %d.%d, mysql %d.%d)\n", NESTOR_VERSION, pm, pn, mm, mn);
            return 0;
        }
        case 'H': fputs(usage_text, stdout); return 0;
        default: fputs(usage_text, stderr); return 2;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "nestor-admin: a COMMAND and a BACKEND are required (see --help)\n");
        return 2;
    }
    const char *cmd = argv[optind], *backend = argv[optind + 1];
    if (argc - optind > 2) {
        fprintf(stderr, "nestor-admin: unexpected argument '%s' (see --help)\n", argv[optind + 2]);
        return 2;
    }
    static const struct {
        const char *name;
        int (*fn)(const admin_backend_t *, const admin_opts_t *);
    } cmds[] = {{"db-init", admin_db_init},           {"db-version", admin_db_version},
                {"db-upgrade", admin_db_upgrade},     {"lease-dump", admin_lease_dump},
                {"lease-upload", admin_lease_upload}, {"stats-recount", admin_stats_recount}};
    int (*fn)(const admin_backend_t *, const admin_opts_t *) = NULL;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name))
            fn = cmds[i].fn;
    if (!fn) {
        fprintf(stderr, "nestor-admin: unknown command '%s' (db-init, db-version, db-upgrade, lease-dump, "
                "lease-upload, stats-recount)\n", cmd);
        return 2;
    }
    const admin_backend_t *b = NULL;
    if (!strcmp(backend, "pgsql"))
        b = &admin_pgsql;
    else if (!strcmp(backend, "mysql"))
        b = &admin_mysql;
    else if (!strcmp(backend, "memfile")) {
        printf("%s: nothing to do for memfile (a lease file has no schema%s)\n", cmd,
               !strcmp(cmd, "stats-recount") ? " and keeps no lease statistics" : "");
        return 0;
    } else {
        fprintf(stderr, "nestor-admin: unknown backend '%s' (pgsql, mysql, memfile)\n", backend);
        return 2;
    }
    if (!b->connect) {
        fprintf(stderr, "nestor-admin: backend %s is not available in this build yet\n", backend);
        return 1;
    }
    if (!o.db.user)
        o.db.user = "keatest";
    if (!o.db.name)
        o.db.name = "keatest";
    if (!o.db.password)
        o.db.password = getenv("KEA_ADMIN_DB_PASSWORD");
    char *asked = NULL;
    if (want_password && !o.db.password)
        o.db.password = asked = ask_password();
    o.db.type = b == &admin_pgsql ? CFG_DB_POSTGRESQL : CFG_DB_MYSQL;
    int rc = fn(b, &o);
    free(asked);
    return rc;
}

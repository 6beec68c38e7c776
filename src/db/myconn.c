/* MySQL / MariaDB connections (see myconn.h). */
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/errcode.h"
#include "db/sqlsess.h"
#include "db/myconn.h"

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

/* mysql_init() would initialise the library on first use, but not thread-safely. */
static void lib_init(void)
{
    lib_status = mysql_library_init(0, NULL, NULL);
}

static void one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
}

void myconn_error(MYSQL *c, MYSQL_STMT *stmt, char *err, size_t errlen)
{
    unsigned e = stmt ? mysql_stmt_errno(stmt) : c ? mysql_errno(c) : 0;
    const char *m = stmt ? mysql_stmt_error(stmt) : c ? mysql_error(c) : "no connection";
    if (!m || !*m)
        m = "unknown error";
    if (e)
        snprintf(err, errlen, "%s (%u)", m, e);
    else
        snprintf(err, errlen, "%s", m);
    one_line(err);
}

bool myconn_lost(unsigned e)
{
    switch (e) {
    case CR_CONNECTION_ERROR:      /* 2002: cannot reach the socket */
    case CR_CONN_HOST_ERROR:       /* 2003: cannot reach the host */
    case CR_SERVER_GONE_ERROR:     /* 2006: gone between statements */
    case CR_SERVER_LOST:           /* 2013: lost during a statement */
    case CR_COMMANDS_OUT_OF_SYNC:  /* 2014: the protocol state is unknown: start afresh */
    case CR_SERVER_LOST_EXTENDED:  /* 2055 */
    case CR_ERR_NET_READ:          /* 5013 */
    case CR_ERR_NET_WRITE:         /* 5014 */
    case ER_SERVER_SHUTDOWN:       /* 1053: the server is shutting down */
    case ER_SHUTDOWN_COMPLETE:     /* 1079 */
    case ER_NET_READ_ERROR:        /* 1158 */
    case ER_NET_READ_INTERRUPTED:  /* 1159 */
    case ER_NET_ERROR_ON_WRITE:    /* 1160 */
    case ER_CONNECTION_KILLED:     /* 1927: KILL CONNECTION by an administrator */
    case 4031:                     /* ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8): idle too long */
        return true;
    default:
        return false;
    }
}

void myconn_to_time(int64_t epoch, MYSQL_TIME *out)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    memset(out, 0, sizeof *out);
    if (!localtime_r(&t, &tm))
        return;
    out->year = (unsigned)(tm.tm_year + 1900);
    out->month = (unsigned)(tm.tm_mon + 1);
    out->day = (unsigned)tm.tm_mday;
    out->hour = (unsigned)tm.tm_hour;
    out->minute = (unsigned)tm.tm_min;
    out->second = (unsigned)tm.tm_sec;
    out->time_type = MYSQL_TIMESTAMP_DATETIME;
}

int64_t myconn_from_time(const MYSQL_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)t->year - 1900;
    tm.tm_mon = (int)t->month - 1;
    tm.tm_mday = (int)t->day;
    tm.tm_hour = (int)t->hour;
    tm.tm_min = (int)t->minute;
    tm.tm_sec = (int)t->second;
    tm.tm_isdst = -1; /* the C library decides whether DST applied at that local time */
    return (int64_t)mktime(&tm);
}

int myconn_schema_version(MYSQL *c, int *major, int *minor, char *err, size_t errlen)
{
    if (mysql_query(c, "SELECT version, minor FROM schema_version")) {
        int code = mysql_errno(c) == ER_NO_SUCH_TABLE ? NST_ENOENT : NST_EIO;
        myconn_error(c, NULL, err, errlen);
        return code;
    }
    MYSQL_RES *r = mysql_store_result(c);
    if (!r) {
        myconn_error(c, NULL, err, errlen);
        return NST_EIO;
    }
    int rc = 0;
    MYSQL_ROW row;
    if (mysql_num_rows(r) != 1 || !(row = mysql_fetch_row(r)) || !row[0]) {
        snprintf(err, errlen, "schema_version has %llu rows (expected 1)", (unsigned long long)mysql_num_rows(r));
        rc = NST_EMALFORMED;
    } else {
        *major = atoi(row[0]);
        *minor = row[1] ? atoi(row[1]) : 0;
    }
    mysql_free_result(r);
    return rc;
}

/* Sets the connection options (Kea 2.2's MySqlConnection::openDatabase, as facts). */
static int set_options(MYSQL *c, const cfg_db_t *db, char *err, size_t errlen)
{
    my_bool no = 0;
    unsigned ct = db->connect_timeout ? db->connect_timeout : 5;
    unsigned rt = db->read_timeout, wt = db->write_timeout;
    int bad = mysql_options(c, MYSQL_OPT_RECONNECT, &no);
    /* a reconnect behind our back would drop the prepared statements: we reconnect ourselves */
    bad |= mysql_options(c, MYSQL_INIT_COMMAND, "SET SESSION wait_timeout = 30 * 86400");
    bad |= mysql_options(c, MYSQL_INIT_COMMAND, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
    bad |= mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    if (rt)
        bad |= mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &rt);
    if (wt)
        bad |= mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &wt);
    if (db->host && db->host[0] == '/') {
        unsigned proto = MYSQL_PROTOCOL_SOCKET;
        bad |= mysql_options(c, MYSQL_OPT_PROTOCOL, &proto);
    }
    if (db->trust_anchor || db->cert_file || db->key_file || db->cipher_list) {
        /* a trust anchor that is a directory is a CA path (hashed certificates), else a file */
        const char *ca = db->trust_anchor, *capath = NULL;
        struct stat st;
        if (ca && stat(ca, &st) == 0 && S_ISDIR(st.st_mode)) {
            capath = ca;
            ca = NULL;
        }
        bad |= mysql_ssl_set(c, db->key_file, db->cert_file, ca, capath, db->cipher_list);
    }
    if (bad) {
        myconn_error(c, NULL, err, errlen);
        return NST_EIO;
    }
    return 0;
}

int myconn_connect(const cfg_db_t *db, MYSQL **out, char *err, size_t errlen)
{
    *out = NULL;
    pthread_once(&lib_once, lib_init);
    if (lib_status) {
        snprintf(err, errlen, "cannot initialise the MySQL client library");
        return NST_EIO;
    }
    MYSQL *c = mysql_init(NULL);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NST_ENOMEM;
    }
    int r = set_options(c, db, err, errlen);
    if (r) {
        mysql_close(c);
        return r;
    }
    bool sock = db->host && db->host[0] == '/';
    const char *host = sock ? "localhost" : db->host ? db->host : "localhost";
    if (!mysql_real_connect(c, host, db->user, db->password, db->name, db->port, sock ? db->host : NULL,
                            CLIENT_FOUND_ROWS)) {
        myconn_error(c, NULL, err, errlen);
        mysql_close(c);
        return NST_EIO;
    }
    if (mysql_autocommit(c, 1)) {
        myconn_error(c, NULL, err, errlen);
        mysql_close(c);
        return NST_EIO;
    }
    *out = c;
    return 0;
}

int myconn_open(const cfg_db_t *db, MYSQL **out, char *err, size_t errlen)
{
    MYSQL *c;
    *out = NULL;
    int r = myconn_connect(db, &c, err, errlen);
    if (r)
        return r;
    int major = 0, minor = 0;
    char e2[256];
    r = myconn_schema_version(c, &major, &minor, e2, sizeof e2);
    r = sqlsess_schema_check(r, e2, major, minor, MYCONN_SCHEMA_MAJOR, MYCONN_SCHEMA_MINOR, "mysql", db->name, err,
                             errlen);
    if (r) {
        mysql_close(c);
        return r;
    }
    *out = c;
    return 0;
}

"""Normalised text dump of a MySQL/MariaDB database's catalog, for comparing two schemas.

catalog(server, db) reads information_schema through a MysqlServer (mysqlserver.py) and returns
sorted lines, one object (or object part) per line:

    table    <name> engine/collation/row format/options/comment/next AUTO_INCREMENT value
    column   <table>.<ordinal> <name> <column type> NULL|NOT NULL default/extra/charset/collation
    index    <table>.<name> unique|multi <type> (col[(prefix)] [DESC], ...)
    fk       <table>.<name> (cols) -> <table>(cols) update <rule> delete <rule>
    check    <table>.<name> <clause>
    trigger  <name> <timing> <event> ON <table> order=<n> calls=<routines called by its body>
    procedure/function <name>(<mode> <param> <type>, ...) [returns <type>] <characteristics>
    view     <name> <definition>
    event    <name> ...
    row      <table>: <values>     (every row of every table, binary columns in hex,
                                    timestamps masked)

Column order is kept (ordinal) because INSERT ... VALUES without a column list and SELECT *
depend on it. Trigger bodies are not compared as text (the two schemas are written
independently); what a body calls is. Timestamp/datetime cell values are replaced by <ts>
since seed rows record their creation time.

CLI: python3 schema_catalog_mysql.py SOCKET DB   (root over the socket)
"""
import re
import sys

ROUTINE_CALL = re.compile(r"\bCALL\s+`?([A-Za-z0-9_]+)`?", re.I)


def _q(s):
    return "NULL" if s is None else repr(s)


def catalog_lines(srv, db):
    out = []
    S = lambda q: srv.sql(q.replace("@DB", "'" + db + "'"))

    for (name, ttype, engine, coll, rowfmt, opts, comment, autoinc) in S(
            "SELECT table_name, table_type, engine, table_collation, row_format, create_options,"
            " table_comment, auto_increment FROM information_schema.tables"
            " WHERE table_schema=@DB"):
        if ttype == "VIEW":
            continue
        out.append(f"table {name} engine={engine} collation={coll} row_format={rowfmt}"
                   f" options={opts!r} comment={comment!r} auto_increment={autoinc}")

    for (tbl, pos, col, ctype, nullable, default, extra, cs, coll, comment, gen) in S(
            "SELECT c.table_name, c.ordinal_position, c.column_name, c.column_type,"
            " c.is_nullable, c.column_default, c.extra, c.character_set_name,"
            " c.collation_name, c.column_comment, c.generation_expression"
            " FROM information_schema.columns c JOIN information_schema.tables t"
            " ON t.table_schema=c.table_schema AND t.table_name=c.table_name"
            " WHERE c.table_schema=@DB AND t.table_type<>'VIEW'"):
        out.append(f"column {tbl}.{int(pos):02d} {col} {ctype}"
                   f" {'NULL' if nullable == 'YES' else 'NOT NULL'} default={_q(default)}"
                   f" extra={extra!r} charset={cs} collation={coll} comment={comment!r}"
                   f" gen={_q(gen)}")

    idx = {}
    for (tbl, name, nonuniq, seq, col, sub, coll, itype, comment, expr) in S(
            "SELECT table_name, index_name, non_unique, seq_in_index, column_name, sub_part,"
            " collation, index_type, index_comment, NULL"
            " FROM information_schema.statistics WHERE table_schema=@DB"):
        key = (tbl, name)
        ent = idx.setdefault(key, {"u": nonuniq == "0", "t": itype, "c": comment, "cols": {}})
        part = col if col is not None else f"expr:{expr}"
        if sub is not None:
            part += f"({sub})"
        if coll == "D":
            part += " DESC"
        ent["cols"][int(seq)] = part
    for (tbl, name), e in idx.items():
        cols = ", ".join(e["cols"][k] for k in sorted(e["cols"]))
        out.append(f"index {tbl}.{name} {'unique' if e['u'] else 'multi'} {e['t']} ({cols})"
                   f" comment={e['c']!r}")

    fks = {}
    for (tbl, name, col, pos, rtbl, rcol) in S(
            "SELECT table_name, constraint_name, column_name, ordinal_position,"
            " referenced_table_name, referenced_column_name"
            " FROM information_schema.key_column_usage WHERE table_schema=@DB"
            " AND referenced_table_name IS NOT NULL"):
        e = fks.setdefault((tbl, name), {"rt": rtbl, "cols": {}})
        e["cols"][int(pos)] = (col, rcol)
    rules = {(t, n): (u, d) for (t, n, u, d) in S(
        "SELECT table_name, constraint_name, update_rule, delete_rule"
        " FROM information_schema.referential_constraints WHERE constraint_schema=@DB")}
    for (tbl, name), e in fks.items():
        pairs = [e["cols"][k] for k in sorted(e["cols"])]
        upd, dele = rules.get((tbl, name), ("?", "?"))
        out.append(f"fk {tbl}.{name} ({', '.join(p[0] for p in pairs)}) -> {e['rt']}"
                   f"({', '.join(p[1] for p in pairs)}) update {upd} delete {dele}")

    for (tbl, name, clause) in S(
            "SELECT table_name, constraint_name, check_clause"
            " FROM information_schema.check_constraints WHERE constraint_schema=@DB"):
        out.append(f"check {tbl}.{name} {clause}")

    for (name, event, tbl, order, timing, body, mode) in S(
            "SELECT trigger_name, event_manipulation, event_object_table, action_order,"
            " action_timing, action_statement, sql_mode"
            " FROM information_schema.triggers WHERE trigger_schema=@DB"):
        calls = sorted(set(m.group(1) for m in ROUTINE_CALL.finditer(body or "")))
        out.append(f"trigger {name} {timing} {event} ON {tbl} order={order}"
                   f" calls={','.join(calls)} sql_mode={mode}")

    params = {}
    for (rname, rtype, pos, mode, pname, dtd) in S(
            "SELECT specific_name, routine_type, ordinal_position, parameter_mode,"
            " parameter_name, dtd_identifier FROM information_schema.parameters"
            " WHERE specific_schema=@DB"):
        params.setdefault((rname, rtype), {})[int(pos)] = (mode, pname, dtd)
    for (name, rtype, dtd, det, access, sec, mode, comment) in S(
            "SELECT routine_name, routine_type, dtd_identifier, is_deterministic,"
            " sql_data_access, security_type, sql_mode, routine_comment"
            " FROM information_schema.routines WHERE routine_schema=@DB"):
        ps = params.get((name, rtype), {})
        args = ", ".join(f"{m or ''} {n} {t}".strip() for k, (m, n, t) in sorted(ps.items()) if k > 0)
        ret = f" returns {ps[0][2]}" if 0 in ps else (f" returns {dtd}" if rtype == "FUNCTION" else "")
        out.append(f"{rtype.lower()} {name}({args}){ret} deterministic={det} access={access}"
                   f" security={sec} sql_mode={mode} comment={comment!r}")

    for (name, definition, check, upd, sec) in S(
            "SELECT table_name, view_definition, check_option, is_updatable, security_type"
            " FROM information_schema.views WHERE table_schema=@DB"):
        out.append(f"view {name} check={check} updatable={upd} security={sec} {definition}")

    for (name, etype, body) in S(
            "SELECT event_name, event_type, event_definition FROM information_schema.events"
            " WHERE event_schema=@DB"):
        out.append(f"event {name} {etype} {body}")

    coltypes = {}
    for (tbl, col, dtype) in S(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t ON t.table_schema=c.table_schema"
            " AND t.table_name=c.table_name WHERE c.table_schema=@DB AND t.table_type<>'VIEW'"
            " ORDER BY c.table_name, c.ordinal_position"):
        coltypes.setdefault(tbl, []).append((col, dtype))
    binary = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob")
    for tbl, cols in sorted(coltypes.items()):
        exprs = ", ".join(f"HEX(`{c}`)" if t in binary else f"`{c}`" for c, t in cols)
        rows = srv.sql(f"SELECT {exprs} FROM `{db}`.`{tbl}`")
        for r in rows:
            vals = ["<ts>" if v is not None and t in ("timestamp", "datetime") else _q(v)
                    for v, (c, t) in zip(r, cols)]
            out.append(f"row {tbl}: {' | '.join(vals)}")

    return sorted(out)


def catalog(srv, db):
    """The catalog of database db as one newline-terminated string."""
    return "".join(line + "\n" for line in catalog_lines(srv, db))


def _main(argv):
    import mysqlserver
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    srv = mysqlserver.MysqlServer(basedir="/nonexistent")
    srv.sock = argv[0]
    sys.stdout.write(catalog(srv, argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

"""Normalized, sorted text dumps of an SQL database's catalog, for comparing two schemas.

A dump is a list of one-line strings, sorted, each starting with the object kind, e.g.
    column lease4 #01 address bigint NOT NULL
    index lease4 lease4_by_hostname CREATE INDEX ... USING btree (lower((hostname)::text))
Two databases built differently (e.g. by `kea-admin db-init` and by Nestor's create.sql) have the
same layout exactly when their dumps are equal; diff() renders the difference for a test failure.

What is compared is everything a client can depend on: tables and column order, types, defaults,
nullability and collations; primary/unique/foreign/check constraints; indexes; triggers; routines
with their argument/result types and attributes; views; sequences with their state; custom types;
and every row present right after initialisation (seed rows of lookup tables, schema_version).
Routine BODIES are deliberately not compared (behaviour is tested separately).

Per database family there is one function FAMILY_catalog(query) -> list[str], where query(sql)
runs SQL against the database under test and returns its result rows as lists of strings/None.
Register it in FAMILIES. No third-party Python modules are needed.
"""
import difflib
import sys

# Row values of these types are replaced by a marker: they hold the creation time.
_TS_TYPES = ("timestamp without time zone", "timestamp with time zone")


def _q(s):
    """Quote an SQL identifier."""
    return '"' + s.replace('"', '""') + '"'


# ----------------------------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------------------------
_PG_NS = "n.nspname = 'public'"

_PG_QUERIES = {
    "table": f"""
        SELECT c.relname, c.relkind::text, c.relpersistence::text, c.relhasrules::text,
               coalesce('options=' || array_to_string(c.reloptions, ','), ''),
               'replident=' || c.relreplident::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_PG_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')""",
    "column": f"""
        SELECT c.relname,
               lpad(row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum)::text, 2, '0'),
               a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
               coalesce('default=' || pg_get_expr(d.adbin, d.adrelid), ''),
               CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                    THEN 'collate=' || co.collname ELSE '' END,
               CASE WHEN a.attidentity <> '' THEN 'identity=' || a.attidentity::text ELSE '' END,
               CASE WHEN a.attgenerated <> '' THEN 'generated' ELSE '' END
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE {_PG_NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraint": f"""
        SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid, true),
               CASE WHEN k.condeferrable THEN 'deferrable' ELSE '' END,
               CASE WHEN k.convalidated THEN '' ELSE 'not-valid' END
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_PG_NS}""",
    "index": f"""
        SELECT t.relname, i.relname,
               regexp_replace(pg_get_indexdef(i.oid), ' ON public\\.', ' ON '),
               CASE WHEN x.indisprimary THEN 'primary' ELSE '' END,
               coalesce(k.conname, '')
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_constraint k ON k.conindid = i.oid AND k.conrelid = t.oid
        WHERE {_PG_NS}""",
    "trigger": f"""
        SELECT c.relname, g.tgname,
               regexp_replace(pg_get_triggerdef(g.oid), ' ON public\\.', ' ON '),
               CASE WHEN g.tgenabled = 'O' THEN '' ELSE 'enabled=' || g.tgenabled::text END
        FROM pg_trigger g
        JOIN pg_class c ON c.oid = g.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_PG_NS} AND NOT g.tgisinternal""",
    "routine": f"""
        SELECT p.proname, pg_get_function_identity_arguments(p.oid),
               coalesce(pg_get_function_result(p.oid), ''),
               'args=' || pg_get_function_arguments(p.oid),
               'kind=' || p.prokind::text, 'lang=' || l.lanname,
               'volatile=' || p.provolatile::text,
               CASE WHEN p.proisstrict THEN 'strict' ELSE '' END,
               CASE WHEN p.prosecdef THEN 'secdef' ELSE '' END,
               CASE WHEN p.proleakproof THEN 'leakproof' ELSE '' END,
               'parallel=' || p.proparallel::text,
               coalesce(array_to_string(p.proconfig, ','), '')
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE {_PG_NS}""",
    "view": f"""
        SELECT c.relname, pg_get_viewdef(c.oid, true)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_PG_NS} AND c.relkind IN ('v', 'm')""",
    "sequence": """
        SELECT s.sequencename, s.data_type::text, s.start_value::text,
               s.increment_by::text, s.min_value::text, s.max_value::text,
               s.cycle::text, s.cache_size::text, coalesce(s.last_value::text, 'unused'),
               coalesce((SELECT c.relname || '.' || a.attname
                         FROM pg_depend d
                         JOIN pg_class c ON c.oid = d.refobjid
                         JOIN pg_attribute a ON a.attrelid = d.refobjid
                                            AND a.attnum = d.refobjsubid
                         WHERE d.objid = (quote_ident(s.schemaname) || '.' ||
                                          quote_ident(s.sequencename))::regclass
                           AND d.classid = 'pg_class'::regclass
                           AND d.refclassid = 'pg_class'::regclass
                           AND d.deptype IN ('a', 'i')), 'unowned')
        FROM pg_sequences s WHERE s.schemaname = 'public'""",
    "type": f"""
        SELECT t.typname, t.typtype::text,
               coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                         FROM pg_enum e WHERE e.enumtypid = t.oid), ''),
               CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
                    ELSE '' END
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_PG_NS} AND t.typtype IN ('e', 'd', 'r', 'm')
           OR ({_PG_NS} AND t.typtype = 'c' AND EXISTS
                 (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))""",
    "comment": f"""
        SELECT c.relname, coalesce(a.attname, ''), d.description
        FROM pg_description d
        JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
                                 AND d.objsubid > 0
        WHERE {_PG_NS}""",
    "extension": "SELECT extname FROM pg_extension",
}


def _line(kind, row):
    return " ".join([kind] + [c if c is not None else "NULL" for c in row if c != ""])


def _pg_rows(query):
    """Every row of every public table (timestamps masked), as catalog lines."""
    cols = query(f"""
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_PG_NS} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum""")
    tables = {}
    for rel, col, typ in cols:
        if typ in _TS_TYPES:
            expr = f"CASE WHEN {_q(col)} IS NULL THEN 'NULL' ELSE '<ts>' END"
        else:
            expr = f"coalesce(quote_literal({_q(col)}::text), 'NULL')"
        tables.setdefault(rel, []).append(expr)
    if not tables:
        return []
    parts = [f"SELECT '{rel}', concat_ws(', ', {', '.join(exprs)}) FROM {_q(rel)}"
             for rel, exprs in sorted(tables.items())]
    return [f"row {rel} ({vals})" for rel, vals in query("\nUNION ALL\n".join(parts) + ";")]


def pgsql_catalog(query):
    """Catalog lines of the `public` schema of a PostgreSQL database."""
    lines = []
    for kind, sql in _PG_QUERIES.items():
        for row in query(sql + ";"):
            lines.append(_line(kind, row))
    lines += _pg_rows(query)
    return sorted(lines)


# ----------------------------------------------------------------------------------------------
# Registry and helpers
# ----------------------------------------------------------------------------------------------
FAMILIES = {
    "pgsql": pgsql_catalog,
}


def catalog(family, query):
    """Catalog lines of the database behind query(sql) for `family` ('pgsql', ...)."""
    return FAMILIES[family](query)


def diff(a, b, name_a="a", name_b="b"):
    """Unified diff text of two catalogs ('' when equal)."""
    return "\n".join(difflib.unified_diff(a, b, name_a, name_b, lineterm="", n=1))


def summary(lines):
    """{kind: count} of a catalog, for reports."""
    out = {}
    for ln in lines:
        k = ln.split(" ", 1)[0]
        out[k] = out.get(k, 0) + 1
    return out


def _main(argv):
    import argparse
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="dump a database catalog")
    ap.add_argument("family", choices=sorted(FAMILIES))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", default="kea")
    ap.add_argument("--password", default="kea")
    a = ap.parse_args(argv)
    if a.family == "pgsql":
        from pgsqlserver import PgServer
        srv = PgServer(port=a.port)
        srv.host = a.host

        def query(text):
            return srv.sql(text, db=a.db, user=a.user, password=a.password)
    print("\n".join(catalog(a.family, query)))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

#!/bin/sh
# One-shot (temporalio/admin-tools): create Temporal's two databases on PostgreSQL and bring
# their schemas to the image's newest version. Safe to run again: `create` of an existing
# database fails and is skipped, `update-schema` applies only what is missing.
# Reads POSTGRES_SEEDS, DB_PORT, POSTGRES_USER and SQL_PASSWORD (what temporalio/server reads).
set -eu

schemas=/etc/temporal/schema/postgresql/v12
sql() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
    database=${pair%%:*}
    schema=${pair#*:}
    sql --db "$database" create 2>/dev/null || echo "database $database exists"
    sql --db "$database" setup-schema -v 0.0 2>/dev/null || echo "database $database has a schema"
    sql --db "$database" update-schema -d "$schemas/$schema/versioned"
    echo "database $database: schema up to date"
done

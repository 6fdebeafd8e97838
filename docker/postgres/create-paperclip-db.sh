#!/bin/sh
# One-shot (the postgres image): Paperclip's role and database beside Temporal's, made once; the
# role's password follows STORE_PASSWORD on every run. Reads STORE_DB, STORE_USER, STORE_PASSWORD
# and libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD (a role that may create roles and databases).
set -eu

psql -v ON_ERROR_STOP=1 -q -d postgres -v db="$STORE_DB" -v role="$STORE_USER" -v password="$STORE_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
ALTER ROLE :"role" PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
echo "database $STORE_DB ready for $STORE_USER"

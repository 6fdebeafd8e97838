"""`paperclip doctor`: what is wrong with an installation, one line each, and how to fix it.

Each check answers a `Finding`: `ok`, `info` (worth knowing, never wrong: the CLI tools on PATH),
`warn` (likely a mistake, not fatal: no provider key at all) or `fail` (the stack will not work
until it is fixed), with a concrete `fix` — a command or a setting — for the last two. The checks
read the settings, the store and Temporal directly (the kernel's own modules), so the doctor
answers even when the API is down, which is when it is needed most.
"""

from paperclip.doctor.checks import (
    backup_check,
    cli_tools_check,
    migrations_check,
    provider_keys_check,
    secret_key_check,
    settings_check,
    temporal_checks,
)
from paperclip.doctor.findings import Finding, Status, failed
from paperclip.doctor.schema import SchemaRevisions, schema_revisions

__all__ = [
    "Finding",
    "SchemaRevisions",
    "Status",
    "backup_check",
    "cli_tools_check",
    "failed",
    "migrations_check",
    "provider_keys_check",
    "schema_revisions",
    "secret_key_check",
    "settings_check",
    "temporal_checks",
]

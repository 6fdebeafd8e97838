"""Small builders of the models the store keeps, with defaults a test can override."""

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config

from paperclip.models import ActivityEntry, CostEvent, Provider, TaskRecord, Usage
from paperclip.store import Store
from paperclip.store.store import MIGRATIONS

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def migrate_to(store: Store, revision: str, *, down: bool = False) -> None:
    """Upgrade (or downgrade) the store's schema to `revision`, as a store of that time had it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def task_record(identifier: str, **fields: object) -> TaskRecord:
    values: dict[str, object] = {
        "company_id": "acme",
        "identifier": identifier,
        "title": f"Task {identifier}",
        "assignee": "ceo",
        "created_at": T0,
        "updated_at": T0,
    }
    return TaskRecord.model_validate(values | fields)


def activity_entry(id: str, *, company_id: str = "acme", minutes: int = 0, **fields: object) -> ActivityEntry:
    values: dict[str, object] = {
        "id": id,
        "company_id": company_id,
        "at": T0 + timedelta(minutes=minutes),
        "kind": "task.status",
        "actor": "system",
    }
    return ActivityEntry.model_validate(values | fields)


def cost_event(seq: int, *, task: str = "ACME-1", **fields: object) -> CostEvent:
    values: dict[str, object] = {
        "company_id": "acme",
        "agent": "ceo",
        "task": task,
        "seq": seq,
        "provider": Provider.SIMULATED,
        "model": "simulated",
        "usage": Usage(input_tokens=100, output_tokens=20, cached_input_tokens=5),
        "cost_usd": 0.0125,
        "simulated": True,
        "at": T0 + timedelta(seconds=seq),
    }
    return CostEvent.model_validate(values | fields)

"""Pipeline documents by version, and pipeline runs, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from paperclip.models.pipelines import PipelineRunState, RunStatus, StepState, StepStatus
from paperclip.pipelines import digest
from paperclip.store import Store
from paperclip.store.tables import pipeline_runs, pipelines
from tests.store.factories import T0

V1 = "name: review\nsteps:\n  - {agent: a, task: one}\n"
V2 = "name: review\nsteps:\n  - {agent: a, task: two}\n"


def test_each_different_content_is_a_new_version_and_the_same_content_is_not(store: Store) -> None:
    first, new = store.add_pipeline("acme", "review", V1, created_by="board", now=T0)
    assert new and first.version == 1 and first.digest == digest(V1) and first.created_at == T0
    again, new = store.add_pipeline("acme", "review", V1, now=T0 + timedelta(minutes=1))
    assert not new and again == first
    second, new = store.add_pipeline("acme", "review", V2)
    assert new and second.version == 2
    back, new = store.add_pipeline("acme", "review", V1)  # back to the first text: the latest changes
    assert new and back.version == 3 and back.digest == first.digest
    assert store.get_pipeline("acme", "review") == back
    assert store.get_pipeline("acme", "review", 2) == second
    assert store.get_pipeline("acme", "review", 9) is None
    assert store.get_pipeline("other", "review") is None


def test_the_list_shows_each_pipeline_at_its_latest_version(store: Store) -> None:
    store.add_pipeline("acme", "review", V1)
    store.add_pipeline("acme", "review", V2, created_by="ann")
    store.add_pipeline("acme", "audit", V1)
    store.add_pipeline("other", "zzz", V1)
    listed = store.list_pipelines("acme")
    assert [(p.name, p.version, p.versions, p.digest) for p in listed] == [
        ("audit", 1, 1, digest(V1)),
        ("review", 2, 2, digest(V2)),
    ]
    assert listed[1].created_by == "ann"
    assert store.list_pipelines("nobody") == []


def test_concurrent_adds_of_different_texts_get_distinct_versions(database: str) -> None:
    stores = [Store(database) for _ in range(4)]
    stores[0].migrate()
    texts = [V1.replace("one", f"text {n}") for n in range(4)]
    with ThreadPoolExecutor(4) as pool:
        added = list(
            pool.map(lambda pair: pair[0].add_pipeline("acme", "review", pair[1]), zip(stores, texts, strict=True))
        )
    assert sorted(version.version for version, _ in added) == [1, 2, 3, 4]
    for store in stores:
        store.dispose()


def state(run: str = "r1", status: RunStatus = RunStatus.RUNNING, **fields: object) -> PipelineRunState:
    return PipelineRunState.model_validate(
        {"company_id": "acme", "run_id": run, "pipeline": "review", "version": 2, "status": status} | fields
    )


def test_a_run_is_recorded_then_updated_and_its_start_stays(store: Store) -> None:
    started = store.record_pipeline_run(
        state(steps=[StepState(id="lint")]),
        digest="d" * 64,
        inputs={"git_diff": "diff --git a b"},
        started_at=T0,
        started_by="ann",
        idempotency_key="k1",
    )
    assert started.status is RunStatus.RUNNING and started.finished_at is None and started.started_by == "ann"
    done_state = state(
        status=RunStatus.DONE, tokens=1200, cost_usd=0.25, steps=[StepState(id="lint", status=StepStatus.DONE)]
    )
    done = store.record_pipeline_run(
        done_state,
        digest="e" * 64,
        inputs={"other": 1},
        started_at=T0 + timedelta(hours=1),
        finished_at=T0 + timedelta(minutes=5),
    )
    assert done.status is RunStatus.DONE and (done.tokens, done.cost_usd) == (1200, 0.25)
    assert done.state == done_state and done.finished_at == T0 + timedelta(minutes=5)
    # what the run started from is fixed by its first write
    assert (done.digest, done.inputs, done.started_at, done.idempotency_key) == (
        "d" * 64,
        {"git_diff": "diff --git a b"},
        T0,
        "k1",
    )
    # a late "running" does not reopen it
    late = store.record_pipeline_run(state(), digest="d" * 64, inputs={}, started_at=T0)
    assert late.status is RunStatus.DONE
    assert store.get_pipeline_run("acme", "r1") == done
    assert store.get_pipeline_run("acme", idempotency_key="k1") == done
    assert store.get_pipeline_run("other", "r1") is None


def test_a_finished_run_without_a_time_is_finished_now(store: Store) -> None:
    record = store.record_pipeline_run(
        state(status=RunStatus.FAILED, error="lint failed"), digest="d", inputs={}, started_at=T0
    )
    assert record.finished_at is not None and record.finished_at > T0 and record.state.error == "lint failed"


def test_one_run_per_idempotency_key_and_company(store: Store) -> None:
    first = store.record_pipeline_run(state("r1"), digest="d", inputs={"a": 1}, started_at=T0, idempotency_key="k")
    answered = store.record_pipeline_run(state("r2"), digest="d", inputs={"a": 2}, started_at=T0, idempotency_key="k")
    assert answered == first
    assert store.get_pipeline_run("acme", "r2") is None
    elsewhere = state("r2").model_copy(update={"company_id": "other"})
    assert (
        store.record_pipeline_run(elsewhere, digest="d", inputs={}, started_at=T0, idempotency_key="k").run_id == "r2"
    )
    # runs without a key never clash
    store.record_pipeline_run(state("r3"), digest="d", inputs={}, started_at=T0)
    store.record_pipeline_run(state("r4"), digest="d", inputs={}, started_at=T0)
    with pytest.raises(ValueError, match="run_id or idempotency_key"):
        store.get_pipeline_run("acme")


def test_runs_are_listed_newest_first_with_filters_and_a_total(store: Store) -> None:
    for n in range(5):
        status = RunStatus.DONE if n % 2 else RunStatus.RUNNING
        pipeline = "review" if n < 4 else "audit"
        store.record_pipeline_run(
            state(f"r{n}", status, pipeline=pipeline), digest="d", inputs={}, started_at=T0 + timedelta(minutes=n)
        )
    runs, total = store.list_pipeline_runs("acme")
    assert [r.run_id for r in runs] == ["r4", "r3", "r2", "r1", "r0"] and total == 5
    runs, total = store.list_pipeline_runs("acme", pipeline="review", status=RunStatus.DONE)
    assert [r.run_id for r in runs] == ["r3", "r1"] and total == 2
    runs, total = store.list_pipeline_runs("acme", limit=2, offset=1)
    assert [r.run_id for r in runs] == ["r3", "r2"] and total == 5
    assert store.list_pipeline_runs("other") == ([], 0)


def test_the_migration_creates_the_tables_as_the_store_declares_them(store: Store) -> None:
    inspector = sa.inspect(store.engine)
    for table in (pipelines, pipeline_runs):
        assert [c["name"] for c in inspector.get_columns(table.name)] == [c.name for c in table.columns]
        assert inspector.get_pk_constraint(table.name)["constrained_columns"] == [c.name for c in table.primary_key]
    uniques = inspector.get_unique_constraints("pipeline_runs")
    assert [u["column_names"] for u in uniques] == [["company_id", "idempotency_key"]]


def test_runs_racing_for_one_idempotency_key_store_one(database: str) -> None:
    stores = [Store(database) for _ in range(4)]
    stores[0].migrate()

    def start(n: int) -> str:
        return (
            stores[n]
            .record_pipeline_run(state(f"r{n}"), digest="d", inputs={}, started_at=T0, idempotency_key="k")
            .run_id
        )

    with ThreadPoolExecutor(4) as pool:
        answered = set(pool.map(start, range(4)))
    assert len(answered) == 1
    assert stores[0].list_pipeline_runs("acme")[1] == 1
    for store in stores:
        store.dispose()

"""Work products in the store, on SQLite and PostgreSQL: kept once per (company, task, kind,
value) however often recorded (a retried activity), each with one activity entry; listed newest
first by task or kind; another company's are never listed."""

from concurrent.futures import ThreadPoolExecutor

from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store
from paperclip.store.work_products import RECORDED
from tests.store.factories import T0, migrate_to

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


def commit(**fields: object) -> DeclaredProduct:
    return DeclaredProduct.model_validate({"kind": "commit", "value": SHA, "title": "Add the parser"} | fields)


def test_a_product_recorded_again_is_kept_once_with_one_activity_entry(store: Store) -> None:
    assert store.record_work_products("acme", "ACME-1", [commit()], recorded_by="git", actor="coder", now=T0) == 1
    assert store.record_work_products("acme", "ACME-1", [commit(title="again")], recorded_by="git", actor="coder") == 0
    [kept] = store.list_work_products("acme", task="ACME-1")
    assert (kept.kind, kept.value, kept.title, kept.recorded_by) == (
        WorkProductKind.COMMIT,
        SHA,
        "Add the parser",
        "git",
    )
    assert kept.company_id == "acme" and kept.task == "ACME-1" and kept.created_at == T0
    entries = [e for _, e in store.list_activity("acme", kind=RECORDED)]
    assert [(e.task, e.actor, e.data["value"], e.data["recorded_by"]) for e in entries] == [
        ("ACME-1", "coder", SHA, "git")
    ]


def test_the_same_value_is_its_own_product_on_another_task_kind_or_company(store: Store) -> None:
    url = "https://example.com/report"
    store.record_work_products("acme", "ACME-1", [commit()], recorded_by="git", actor="coder")
    store.record_work_products("acme", "ACME-2", [commit()], recorded_by="git", actor="coder")
    store.record_work_products(
        "acme",
        "ACME-2",
        [DeclaredProduct(kind=WorkProductKind.URL, value=url), DeclaredProduct(kind=WorkProductKind.BRANCH, value="b")],
        recorded_by="agent",
        actor="coder",
    )
    store.record_work_products("beta", "BETA-1", [commit()], recorded_by="git", actor="x")
    assert [(p.task, p.kind.value) for p in store.list_work_products("acme")] == [
        ("ACME-2", "branch"),
        ("ACME-2", "url"),
        ("ACME-2", "commit"),
        ("ACME-1", "commit"),
    ]
    assert [p.value for p in store.list_work_products("acme", kind=WorkProductKind.URL)] == [url]
    newest = store.list_work_products("acme", limit=2)
    assert [p.kind.value for p in store.list_work_products("acme", before=newest[-1].id)] == ["commit", "commit"]
    assert [p.task for p in store.list_work_products("beta")] == ["BETA-1"]
    assert store.list_work_products("gamma") == []
    assert len(store.list_activity("acme", kind=RECORDED)) == 4


def test_a_long_url_is_kept_and_keyed(store: Store) -> None:
    url = "https://example.com/" + "é" * 1_900  # beyond what a PostgreSQL index row holds, as UTF-8
    product = DeclaredProduct(kind=WorkProductKind.URL, value=url)
    assert store.record_work_products("acme", "ACME-1", [product, product], recorded_by="agent", actor="a") == 1
    assert [p.value for p in store.list_work_products("acme")] == [url]


def test_racing_recorders_of_one_product_keep_one_row(database: str) -> None:
    stores = [Store(database) for _ in range(4)]
    stores[0].migrate()
    with ThreadPoolExecutor(4) as pool:
        added = list(
            pool.map(
                lambda n: stores[n].record_work_products("acme", "ACME-1", [commit()], recorded_by="git", actor="c"),
                range(4),
            )
        )
    assert added.count(1) == 1 and added.count(0) == 3
    assert len(stores[0].list_work_products("acme")) == 1
    for store in stores:
        store.dispose()


def test_the_migration_goes_down_and_up_again(store: Store) -> None:
    store.record_work_products("acme", "ACME-1", [commit()], recorded_by="git", actor="c")
    migrate_to(store, "0026", down=True)
    migrate_to(store, "head")
    assert store.list_work_products("acme") == []


def test_products_added_as_history_keep_their_time_and_author_once_and_log_nothing(store: Store) -> None:
    store.record_work_products("acme", "ACME-1", [commit()], recorded_by="git", actor="coder", now=T0)
    [kept] = store.list_work_products("acme")
    copied = kept.model_copy(update={"company_id": "rock", "task": "ROCK-1"})
    assert store.add_work_products([copied]) == 1 and store.add_work_products([copied]) == 0
    [carried] = store.list_work_products("rock", task="ROCK-1")
    assert carried.model_dump(exclude={"id"}) == copied.model_dump(exclude={"id"})
    assert store.list_activity("rock") == []

"""GitHub monitors and pull-request reviews in the store, on SQLite and PostgreSQL: a head is
claimed once (a second claimant is told who holds it; the same claimant again holds it still),
settled with its review or its error, listed newest first; repositories compare case-insensitively."""

from concurrent.futures import ThreadPoolExecutor

from paperclip.github.models import GitHubMonitorSpec, MonitorMode, ReviewState
from paperclip.store import Store
from tests.store.factories import T0

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
SHA2 = "7ecb09b5b57875f334f61aebed695e2e4193db5f"


def spec(**fields: object) -> GitHubMonitorSpec:
    return GitHubMonitorSpec.model_validate({"name": "myapp", "repo": "MyOrg/MyApp", "branch": "main"} | fields)


def test_a_monitor_is_kept_by_name_with_its_credential_and_a_second_of_that_name_is_refused(store: Store) -> None:
    assert store.add_monitor("acme", spec(mode=MonitorMode.WEBHOOK, every_seconds=600), "gh", now=T0)
    assert not store.add_monitor("acme", spec(repo="other/repo"), "gh")
    store.add_monitor("acme", spec(name="docs", repo="myorg/docs"), "gh2")
    found = store.get_monitor("acme", "myapp")
    assert found is not None and found.repo == "MyOrg/MyApp" and found.credential == "gh" and found.created_at == T0
    assert found.mode is MonitorMode.WEBHOOK and found.every_seconds == 600 and found.pipeline == "code-review"
    assert [m.name for m in store.list_monitors("acme")] == ["docs", "myapp"]
    assert store.get_monitor("other", "myapp") is None and store.list_monitors("other") == []
    assert store.delete_monitor("acme", "myapp") and not store.delete_monitor("acme", "myapp")
    assert store.get_monitor("acme", "myapp") is None


def test_a_head_is_claimed_once_and_the_same_run_holds_it_on_a_retry(store: Store) -> None:
    held, row = store.claim_review("acme", "myapp", "MyOrg/MyApp", 7, SHA, "run-1", now=T0)
    assert held and row.state is ReviewState.RUNNING and row.repo == "myorg/myapp" and row.created_at == T0
    again, row = store.claim_review("acme", "myapp", "myorg/myapp", 7, SHA, "run-1")
    assert again and row.run_id == "run-1"
    other, row = store.claim_review("acme", "myapp", "MYORG/MYAPP", 7, SHA, "run-2")
    assert not other and row.run_id == "run-1"
    assert store.claim_review("acme", "myapp", "myorg/myapp", 7, SHA2, "run-3")[0]  # a new head
    assert store.claim_review("beta", "myapp", "myorg/myapp", 7, SHA, "run-4")[0]  # another company
    assert store.reviewed_heads("acme", "MyOrg/MyApp", [7, 8]) == {(7, SHA), (7, SHA2)}
    assert store.reviewed_heads("acme", "myorg/myapp", []) == set()


def test_racing_claimants_of_one_head_leave_exactly_one_holder(database: str) -> None:
    stores = [Store(database) for _ in range(4)]
    stores[0].migrate()
    with ThreadPoolExecutor(4) as pool:
        held = list(pool.map(lambda n: stores[n].claim_review("acme", "m", "o/r", 1, SHA, f"run-{n}")[0], range(4)))
    assert held.count(True) == 1
    for store in stores:
        store.dispose()


def test_a_settled_review_keeps_its_review_or_its_error_and_reviews_list_newest_first(store: Store) -> None:
    store.claim_review("acme", "myapp", "myorg/myapp", 7, SHA, "run-1", now=T0)
    store.claim_review("acme", "myapp", "myorg/myapp", 8, SHA2, "run-2")
    store.claim_review("acme", "docs", "myorg/docs", 1, SHA, "run-3")
    url = "https://github.com/myorg/myapp/pull/7#pullrequestreview-80000001"
    store.settle_review("acme", "MyOrg/MyApp", 7, SHA, ReviewState.POSTED, review_id=80_000_001, review_url=url)
    store.settle_review("acme", "myorg/myapp", 8, SHA2, ReviewState.FAILED, error="x" * 10_000)
    posted = store.get_review("acme", "myorg/myapp", 7, SHA)
    assert posted is not None and posted.state is ReviewState.POSTED and posted.review_id == 80_000_001
    assert posted.review_url == url and posted.updated_at > T0
    failed = store.get_review("acme", "myorg/myapp", 8, SHA2)
    assert failed is not None and failed.state is ReviewState.FAILED and failed.error == "x" * 4_000
    assert [r.number for r in store.list_reviews("acme", "myorg/myapp")] == [8, 7]
    assert len(store.list_reviews("acme")) == 3 and store.list_reviews("beta") == []

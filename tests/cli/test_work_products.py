"""`paperclip task products ID` and `paperclip artifacts -c C [--kind K]` against the real API."""

import httpx

from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.cli.test_governance import failed, ok, run

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


async def test_a_tasks_products_and_the_artifacts_by_kind(api: httpx.AsyncClient, store: Store) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert "ACME-1 has no work products yet." in ok(await run(api, "task", "products", "ACME-1", "-c", company))
    assert f"No work products in {company} yet." in ok(await run(api, "artifacts", "-c", company))
    commit = DeclaredProduct(kind=WorkProductKind.COMMIT, value=SHA, title="Add the parser")
    store.record_work_products(company, "ACME-1", [commit], recorded_by="git", actor="cto")
    url = DeclaredProduct(kind=WorkProductKind.URL, value="https://example.com/report", title="The report")
    store.record_work_products(company, "ACME-2", [url], recorded_by="agent", actor="cmo")

    shown = ok(await run(api, "task", "products", "ACME-1", "-c", company))
    assert SHA in shown and "Add the parser" in shown and "git" in shown and "example.com" not in shown
    listed = ok(await run(api, "artifacts", "-c", company))
    assert listed.index("https://example.com/report") < listed.index(SHA)  # newest first
    only = ok(await run(api, "artifacts", "-c", company, "--kind", "url"))
    assert "https://example.com/report" in only and SHA not in only
    assert f"No work products in {company} of kind branch yet." in ok(
        await run(api, "artifacts", "-c", company, "--kind", "branch")
    )
    assert failed(await run(api, "artifacts", "-c", "no-such")) == "error: company 'no-such' not found (404 not_found)"
    refused = await run(api, "artifacts", "-c", company, "--kind", "secrets")
    assert refused.exit_code == 1 and "invalid value for '--kind': 'secrets' is not one of" in refused.output

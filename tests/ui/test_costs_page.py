"""The costs page, run with AppTest against a real HTTP server that answers like the API: spend
charts and totals, budgets with their incidents, and setting a budget with the API's answer."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from api.schemas import ApprovalList
from paperclip.models import (
    Approval,
    ApprovalKind,
    BudgetLine,
    BudgetReport,
    BudgetStatus,
    CostGroup,
    CostLine,
    CostReport,
    Usage,
)
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, dashboard_api
from ui.rows import SIMULATED_LABEL

BASE = "/api/companies/acme"


def line(key: str | None, usd: float, tokens: int, calls: int = 1, unpriced: int = 0) -> CostLine:
    usage = Usage(input_tokens=tokens - tokens // 4, output_tokens=tokens // 4)
    return CostLine(key=key, calls=calls, usage=usage, cost_usd=usd, unpriced_calls=unpriced)


def report(group: CostGroup, *lines: CostLine) -> dict[str, Any]:
    total = line(None, 2.5, 13_500, calls=5, unpriced=1)
    total.usage = total.usage.model_copy(update={"cached_input_tokens": 6_000, "cache_write_tokens": 1_250})
    warnings = ["openai:my-model has no price: token-only accounting"]
    return CostReport(group_by=group, data=list(lines), total=total, warnings=warnings).model_dump(mode="json")


REPORTS = {
    "agent": report(CostGroup.AGENT, line("cto", 2.5, 12_000, calls=3), line("ceo", 0.0, 1_500, calls=2)),
    "model": report(CostGroup.MODEL, line("openai:gpt-4o-mini", 2.5, 12_000), line("simulated:simulated", 0.0, 1_500)),
    "day": report(CostGroup.DAY, line("2026-01-04", 1.0, 4_000), line("2026-01-05", 1.5, 9_500)),
}


def budget_line(scope: str, monthly_usd: float | None, spent: float, status: BudgetStatus) -> BudgetLine:
    share = None if monthly_usd is None else spent / monthly_usd
    return BudgetLine(
        scope=scope,
        monthly_usd=monthly_usd,
        monthly_tokens=None,
        month="2026-01",
        spent_usd=spent,
        spent_tokens=13_500,
        reserved_usd=0.0,
        reserved_tokens=0,
        share=share,
        status=status,
    )


BUDGETS = BudgetReport(
    data=[budget_line("company", 5.0, 2.5, "ok"), budget_line("cto", 2.0, 2.5, "paused")],
    count=2,
    soft_limit=0.8,
    warnings=["cto is paused: its monthly budget is spent"],
).model_dump(mode="json")
OVERRIDE = Approval(
    id="AP-3",
    request_id="budget:cto:2026-01",
    kind=ApprovalKind.BUDGET_OVERRIDE,
    title="cto has spent its monthly budget ($2.50 of $2.00): raise it or keep it paused",
    requested_by="system",
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)


class CostsByGroup(dict[str, tuple[int, Any]]):
    """The fake's routes, where `GET …/costs` answers by its `group_by` (the fake matches paths only)."""

    def __init__(self, routes: dict[str, tuple[int, Any]], received: list[tuple[str, str, Any]]) -> None:
        super().__init__(routes)
        self.received = received
        self.reports = REPORTS

    def get(self, key: str, default: Any = None) -> Any:
        if key == f"GET {BASE}/costs":
            return 200, self.reports[parse_qs(urlsplit(self.received[-1][1]).query)["group_by"][0]]
        return super().get(key, default)


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi()
    cto = budget_line("cto", 20.0, 2.5, "ok").model_dump(mode="json")
    routes = {
        "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
        f"GET {BASE}/budgets": (200, BUDGETS),
        f"GET {BASE}/approvals": (200, ApprovalList(data=[OVERRIDE], count=1, total=1).model_dump(mode="json")),
        f"PUT {BASE}/budgets/cto": (200, cto),
        f"PUT {BASE}/budgets/company": (
            422,
            {
                "error": {
                    "code": "invalid_input",
                    "message": "monthly_usd: Input should be greater than or equal to 0",
                    "details": [{"field": "monthly_usd", "message": "Input should be greater than or equal to 0"}],
                }
            },
        ),
    }
    fake.routes = CostsByGroup(routes, fake.received)
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_costs() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/costs.py").run()
    assert not at.exception
    return at


def chart_data(at: AppTest) -> list[pd.DataFrame]:
    return [pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas() for chart in at.get("vega_lite_chart")]


def test_charts_spend_by_agent_model_and_day_this_month_with_totals(fake_api: FakeApi) -> None:
    at = open_costs()
    by_agent, by_model, by_day = chart_data(at)
    assert by_agent.to_dict("records") == [{"agent": "cto", "USD": 2.5}, {"agent": "ceo", "USD": 0.0}]
    assert list(by_model["model"]) == ["openai:gpt-4o-mini", SIMULATED_LABEL]
    assert list(by_day["day"]) == ["2026-01-04", "2026-01-05"]
    metrics = {metric.proto.label: metric.value for metric in at.metric}
    assert metrics == {
        "Spend (USD)": "$2.50",
        "Model calls": "5",
        "Tokens": "13.5k",
        "Prompt cache": "6k / 1.2k",
        "Unpriced calls": "1",
    }
    helps = {metric.proto.label: metric.proto.help for metric in at.metric}
    assert helps["Tokens"].startswith("13,500")
    assert helps["Prompt cache"].startswith("Read / written: 6,000 read / 1,250 written")
    assert at.warning[0].value == "openai:my-model has no price: token-only accounting"
    queries = [parse_qs(urlsplit(path).query) for method, path, _ in fake_api.received if "/costs" in path]
    assert [query["group_by"] for query in queries] == [["agent"], ["model"], ["day"]]
    assert all(query["since"][0].startswith(f"{datetime.now(UTC):%Y-%m}-01T00:00:00") for query in queries)

    at.radio(key="costs_measure").set_value("tokens").run()
    assert chart_data(at)[0].to_dict("records") == [
        {"agent": "cto", "tokens": 12_000},
        {"agent": "ceo", "tokens": 1_500},
    ]


def test_free_spend_says_so_instead_of_drawing_empty_axes(fake_api: FakeApi) -> None:
    simulated = line("simulated:simulated", 0.0, 2_674, calls=4)
    fake_api.routes.reports = {  # type: ignore[attr-defined]
        "agent": report(CostGroup.AGENT, line("ceo", 0.0, 2_674, calls=4)),
        "model": report(CostGroup.MODEL, simulated),
        "day": report(CostGroup.DAY, line("2026-01-05", 0.0, 2_674, calls=4)),
    }
    at = open_costs()
    assert not chart_data(at)  # no empty axes
    said = [info.value for info in at.info]
    assert (
        said.count("No spend yet — the simulated model costs nothing. Switch the measure to tokens to see its work.")
        == 3
    )
    at.radio(key="costs_measure").set_value("tokens").run()
    by_agent, by_model, by_day = chart_data(at)
    assert by_day.to_dict("records") == [{"day": "2026-01-05", "tokens": 2_674}]  # one day: one bar
    assert "One day of spend so far (2026-01-05): a bar a day as the days go by." in [c.value for c in at.caption]


def test_budgets_show_spent_against_limit_and_the_incidents(fake_api: FakeApi) -> None:
    at = open_costs()
    budgets = at.dataframe[0].value
    assert list(budgets["scope"]) == ["company", "cto"]
    assert list(budgets["limit"]) == ["$5.00", "$2.00"]
    assert list(budgets["spent"]) == ["$2.50, 13,500 tokens", "$2.50, 13,500 tokens"]
    assert list(budgets["share"]) == [0.5, 1.25]
    assert list(budgets["status"]) == ["✅ ok", "⛔ paused"]
    assert "cto is paused: its monthly budget is spent" in [warning.value for warning in at.warning]
    assert at.error[0].value == f"AP-3: {OVERRIDE.title}"
    assert ("GET", f"{BASE}/approvals?status=pending&kind=budget_override") in [r[:2] for r in fake_api.received]


def test_raising_a_budget_puts_the_whole_budget_and_says_what_it_is_now(fake_api: FakeApi) -> None:
    at = open_costs()
    at.selectbox(key="costs_scope").select("cto").run()
    assert at.number_input(key="costs_usd_cto").value == 2.0  # the scope's budget as it is
    at.number_input(key="costs_usd_cto").set_value(20.0)
    at.button(key="costs_set_budget").click().run()
    assert not at.exception
    puts = [(path, body) for method, path, body in fake_api.received if method == "PUT"]
    assert puts == [(f"{BASE}/budgets/cto", {"monthly_usd": 20.0, "monthly_tokens": None})]
    assert at.success[-1].value == "The monthly budget of cto is now $20.00 ($2.50, 13,500 tokens spent; ok)."


def test_a_refused_budget_shows_the_api_message(fake_api: FakeApi) -> None:
    at = open_costs()
    at.number_input(key="costs_usd_company").set_value(-5.0)
    at.button(key="costs_set_budget").click().run()
    assert not at.exception
    assert at.error[-1].value.startswith(
        "Cannot set the budget of company: monthly_usd: Input should be greater than or equal to 0"
    )

"""What an agent runs on, as every surface labels it: a model agent by its model (simulated when
offline), a CLI or HTTP agent by its tool — never as the simulated model its unused `model` names."""

from datetime import UTC, datetime

from paperclip.export import CompanyExport, export_to_markdown
from paperclip.export.document import ExportedAgent
from paperclip.models import Adapter, AgentSpec, AgentStatus, CliConfig, CompanySpec, HttpConfig, ModelConfig, Provider

GPT = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini")
AGENTS = [
    AgentSpec(name="ceo", role="ceo"),
    AgentSpec(name="cto", role="cto", reports_to="ceo", model=GPT),
    AgentSpec(name="dev", role="engineer", reports_to="cto", adapter=Adapter.CLAUDE_LOCAL),
    AgentSpec(name="ops", role="engineer", reports_to="cto", adapter=Adapter.CODEX_LOCAL, cli=CliConfig(model="gpt-5")),
    AgentSpec(
        name="ext", role="engineer", reports_to="cto", adapter=Adapter.HTTP, http=HttpConfig(url="https://a.example")
    ),
    AgentSpec(name="job", role="engineer", reports_to="cto", adapter=Adapter.PROCESS, cli=CliConfig(command=["make"])),
]


def test_each_agent_runs_on_its_model_or_its_tool() -> None:
    assert [(a.name, a.runs_on, a.is_simulated) for a in AGENTS] == [
        ("ceo", "simulated/simulated", True),
        ("cto", "openai/gpt-4o-mini", False),
        ("dev", "claude", False),
        ("ops", "codex/gpt-5", False),
        ("ext", "http", False),
        ("job", "process", False),
    ]
    assert [a.label for a in Adapter] == ["model", "claude", "codex", "opencode", "gemini", "process", "http"]


def test_the_exported_org_chart_names_each_agents_tool() -> None:
    doc = CompanyExport(
        format="paperclip-company",
        version=1,
        exported_at=datetime(2026, 1, 1, tzinfo=UTC),
        company=CompanySpec(id="acme", name="Acme", prefix="ACME"),
        agents=[ExportedAgent(spec=spec, status=AgentStatus.IDLE) for spec in AGENTS],
        goals=[],
    )
    text = export_to_markdown(doc)
    assert "- **ceo** (ceo) — simulated, idle" in text
    assert "    - **dev** (engineer) — claude, idle" in text
    assert "    - **ops** (engineer) — codex/gpt-5, idle" in text
    assert "    - **ext** (engineer) — http, idle" in text

"""The dashboard's pure row and figure builders."""

from paperclip.models import AgentSpec, AgentState, CompanySnapshot, CompanySpec, ModelConfig, Provider, Role, Usage
from ui.rows import SIMULATED_LABEL, model_label, org_dot


def snapshot(*agents: AgentSpec) -> CompanySnapshot:
    return CompanySnapshot(
        spec=CompanySpec(id="acme", name="Acme", prefix="ACME"),
        agents=[AgentState(spec=spec) for spec in agents],
        tasks=[],
        queue=[],
        recent=[],
        usage=Usage(),
        cost_usd=0.0,
        archived=False,
        generation=0,
        simulated_agents=[],
    )


def test_org_dot_escapes_what_graphviz_would_misread() -> None:
    title = 'The "tech" one\\nC:\\dir\nsecond line'
    dot = org_dot(snapshot(AgentSpec(name="cto", role=Role.CTO, title=title)))
    assert '"cto\\nThe \\"tech\\" one\\\\nC:\\\\dir second line · cto\\n' in dot


def test_org_dot_shows_the_role_without_a_title_labels_the_simulated_model_and_draws_no_loop() -> None:
    dot = org_dot(snapshot(AgentSpec(name="solo", role=Role.QA, reports_to="solo")))
    assert f'[label="solo\\nqa\\n0.0000 USD this month\\n{SIMULATED_LABEL}"' in dot  # the default model
    assert "->" not in dot


def test_model_label_names_a_real_model_and_never_passes_a_simulated_one_for_real() -> None:
    real = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini")
    assert model_label(real) == "openai:gpt-4o-mini"
    assert model_label(ModelConfig()) == SIMULATED_LABEL  # the default model is the offline one
    assert model_label(real, simulated=True) == SIMULATED_LABEL  # the company runs it simulated

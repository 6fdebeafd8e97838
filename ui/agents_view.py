"""The agents page's levers and hire form: which board actions apply to an agent's status, and the
body of a hire (pure functions), and the form that sends it (the API judges the input; its refusal
is shown as it says it).
"""

from typing import Any

import streamlit as st

from paperclip.models import AGENT_TRANSITIONS, AgentState, AgentStatus, Provider, Role
from ui.api_client import ApiError, DashboardApi, parse
from ui.session import show_error

HIRED = "agents_hired"
"""What the last hire did: a success line, or (what failed, the `ApiError`)."""
HIRE_FIELDS = ("name", "title", "role", "reports_to", "template", "provider", "model")
"""The form's fields, each kept under `agents_hire_<field>`."""


def applies(action: str, status: AgentStatus) -> bool:
    """Whether the board's `action` (pause, resume, terminate) applies to an agent in `status`:
    pause a working or failed one, resume a paused or failed one, terminate any not yet gone (a
    pending hire is approved or rejected on the Approvals page)."""
    if action == "pause":
        return AgentStatus.PAUSED in AGENT_TRANSITIONS[status]
    if action == "resume":
        return status in (AgentStatus.PAUSED, AgentStatus.ERROR)
    if action == "terminate":
        return status is not AgentStatus.PENDING_APPROVAL and AgentStatus.TERMINATED in AGENT_TRANSITIONS[status]
    raise ValueError(f"unknown board action {action!r}")


def why_not(action: str, status: AgentStatus) -> str | None:
    """The button's help when `action` does not apply to `status`."""
    if applies(action, status):
        return None
    if status is AgentStatus.PENDING_APPROVAL:
        return "Its hire waits for the board: approve or reject it on the Approvals page."
    return f"Not for an agent that is {status.value.replace('_', ' ')}."


def hire_body(
    *,
    name: str,
    title: str = "",
    role: str | None = None,
    reports_to: str | None = None,
    template: str | None = None,
    provider: str | None = None,
    model: str = "",
) -> dict[str, Any]:
    """The JSON of `POST /api/companies/{c}/agents` (an `AgentSpec`), unvalidated: the API judges
    it. A field left empty is left out, so a template's value (or the default) holds."""
    body: dict[str, Any] = {"name": name.strip()}
    if title.strip():
        body["title"] = title.strip()
    for key, value in (("role", role), ("reports_to", reports_to), ("template", template)):
        if value:
            body[key] = value
    if provider:
        body["model"] = {"provider": provider} | ({"model": model.strip()} if model.strip() else {})
    return body


def agent_templates(api: DashboardApi) -> list[str]:
    """The names of the agent templates the API offers (none when it cannot list them)."""
    try:
        return [str(entry["name"]) for entry in api.get("/api/templates", kind="agent")["data"]]
    except (ApiError, KeyError, TypeError):
        return []


def hire(api: DashboardApi, path: str) -> None:
    """POST the form's hire; keep what came of it for the rerun (the list then shows the new agent)."""
    typed = {field: st.session_state.get(f"agents_hire_{field}") for field in HIRE_FIELDS}
    body = hire_body(**{field: value for field, value in typed.items() if value is not None})
    try:
        state = parse(AgentState, api.post(path, body))
    except ApiError as error:
        st.session_state[HIRED] = (f"Cannot hire {body['name'] or 'the agent'}", error)
        return
    manager = f", reporting to {state.spec.reports_to}" if state.spec.reports_to else ""
    st.session_state[HIRED] = f"Hired {state.spec.name} ({state.spec.role.value}{manager}): {state.status.value}."


def hire_form(api: DashboardApi, path: str, agents: list[AgentState]) -> None:
    """The hire form, in an expander: name, title, role, manager, template, model."""
    managers = [agent.spec.name for agent in agents if agent.status is not AgentStatus.TERMINATED]
    with st.expander("Hire an agent", icon=":material/person_add:"), st.form("agents_hire"):
        name_col, title_col = st.columns(2)
        name_col.text_input("Name", key="agents_hire_name", placeholder="designer")
        title_col.text_input("Title", key="agents_hire_title", placeholder="Product designer")
        role_col, manager_col, template_col = st.columns(3)
        role_col.selectbox(
            "Role", [role.value for role in Role], index=None, placeholder="The template's, else general",
            key="agents_hire_role",
        )  # fmt: skip
        manager_col.selectbox(
            "Reports to",
            managers,
            index=None,
            placeholder="Nobody (top of the org chart)",
            key="agents_hire_reports_to",
        )
        template_col.selectbox(
            "Template", agent_templates(api), index=None, placeholder="None: from scratch", key="agents_hire_template"
        )
        provider_col, model_col = st.columns(2)
        provider_col.selectbox(
            "Model provider", [p.value for p in Provider], index=None, placeholder="The template's, else simulated",
            key="agents_hire_provider",
        )  # fmt: skip
        model_col.text_input("Model", key="agents_hire_model", placeholder="gpt-4o-mini, claude-haiku-4-5 …")
        st.form_submit_button("Hire", type="primary", key="agents_hire_submit", on_click=hire, args=(api, path))
    said = st.session_state.pop(HIRED, None)
    if isinstance(said, str):
        st.success(said)
    elif said is not None:
        show_error(*said)

"""Task board: the company's tasks in four columns by status (refreshed live, without reloading
the page), filtered by agent, priority, goal, project and label, and a form that creates a task
and assigns it."""

import streamlit as st

from paperclip.models import AgentStatus, Goal, Priority, TaskRecord
from paperclip.models.projects import Label, Project
from ui.api_client import ApiError, parse, parse_list
from ui.board import board_columns, create_task_body
from ui.board_view import draw_columns
from ui.session import REFRESH_SECONDS, TASK_DETAIL, choose_company, get_api, show_error

# The most tasks the API lists at once.
MAX_TASKS = 1000
PRIORITIES = [priority.value for priority in Priority]
# What the form said about the task it created, said again on later reruns until it creates another.
CREATED_SAID = "board_created_said"
# Whether the new-task form is open: the board holds its live refresh meanwhile, so a refresh never
# lands on the form's submit.
FORM_OPEN = "board_form_open"

st.title("Task board")
api = get_api()
company_id = choose_company(api)
try:
    snapshot = api.get_company(company_id)
    goals = parse_list(Goal, api.get(f"/api/companies/{company_id}/goals"))
    projects = parse_list(Project, api.get(f"/api/companies/{company_id}/projects"))
    label_colours = {
        label.name: label.colour for label in parse_list(Label, api.get(f"/api/companies/{company_id}/labels"))
    }
except ApiError as error:
    show_error(f"Cannot load {company_id}", error)
    st.stop()
labels = list(label_colours)
agents = [agent.spec.name for agent in snapshot.agents]
assignable = [agent.spec.name for agent in snapshot.agents if agent.status != AgentStatus.TERMINATED]
simulated = set(snapshot.simulated_agents)
goal_titles = {goal.id: goal.title for goal in goals}
project_names = {project.key: project.name for project in projects}


def goal_label(goal_id: str) -> str:
    return f"{goal_id} · {goal_titles.get(goal_id, '')}"


def project_label(key: str) -> str:
    return f"{key} · {project_names.get(key, '')}"


def create_task() -> None:
    """The form: the API judges the input; its refusal is shown as it says it."""
    with st.form("board_new_task"):
        title = st.text_input("Title", key="board_new_title", max_chars=500)
        brief = st.text_area("Brief", key="board_new_brief")
        left, middle, right = st.columns(3)
        assignee = left.selectbox("Assignee", assignable, key="board_new_assignee")
        priority = middle.selectbox(
            "Priority", PRIORITIES, index=PRIORITIES.index(Priority.MEDIUM), key="board_new_priority"
        )
        goal = right.selectbox(
            "Goal",
            [goal.id for goal in goals if goal.status.is_open],
            index=None,
            placeholder="No goal",
            format_func=goal_label,
            key="board_new_goal",
        )
        in_project, marked = st.columns(2)
        project = in_project.selectbox(
            "Project",
            [p.key for p in projects if p.status.is_open],
            index=None,
            placeholder="No project",
            format_func=project_label,
            key="board_new_project",
        )
        chosen = marked.multiselect("Labels", labels, key="board_new_labels")
        reviewer = st.selectbox(
            "Review before done (docs/review.md)",
            ["board", *(f"agent:{name}" for name in assignable)],
            index=None,
            placeholder="As its project or the company says",
            format_func=lambda value: "a person (the board)" if value == "board" else value,
            key="board_new_reviewer",
        )
        usd, tokens = st.columns(2)
        budget_usd = usd.number_input(
            "Budget in USD (optional, subtasks included)", min_value=0.0, value=None, key="board_new_budget_usd"
        )
        budget_tokens = tokens.number_input(
            "Budget in tokens (optional)", min_value=0, value=None, step=1000, key="board_new_budget_tokens"
        )
        submitted = st.form_submit_button("Create and assign", type="primary")
    if not submitted:
        said = st.session_state.get(CREATED_SAID)
        if said and said[0] == company_id:
            created(*said)
        return
    st.session_state.pop(CREATED_SAID, None)
    body = create_task_body(
        title=title,
        brief=brief,
        assignee=assignee or "",
        priority=Priority(priority),
        goal=goal,
        budget_usd=budget_usd,
        budget_tokens=None if budget_tokens is None else int(budget_tokens),
        project=project,
        labels=chosen,
        reviewer=reviewer,
    )
    try:
        task = parse(TaskRecord, api.post(f"/api/companies/{company_id}/tasks", body))
    except ApiError as error:
        show_error("Cannot create the task", error)
        return
    said = (company_id, task.identifier, task.assignee)
    st.session_state[CREATED_SAID] = said
    created(*said)


def created(company: str, identifier: str, assignee: str) -> None:
    st.success(f"Created {identifier} and assigned it to {assignee}.")
    st.page_link(TASK_DETAIL, label=f"Open {identifier}", query_params={"company": company, "task": identifier})


def board(
    company_id: str,
    agent: str | None,
    priority: Priority | None,
    goal: str | None,
    project: str | None = None,
    label: str | None = None,
) -> None:
    try:
        tasks = api.list_tasks(company_id, assignee=agent, project=project, label=label, limit=MAX_TASKS)
    except ApiError as error:
        show_error(f"Cannot list the tasks of {company_id}", error)
        return
    columns = board_columns(tasks, priority=priority, goal=goal)
    draw_columns(columns, company_id=company_id, simulated=simulated, label_colours=label_colours)


with st.expander("New task", icon=":material/add_task:", key=FORM_OPEN, on_change="rerun"):
    if assignable:
        create_task()
    else:
        st.info("No agent can take a task: hire one first (`paperclip agent hire`).")

agent_filter, priority_filter, goal_filter, project_filter, label_filter = st.columns(5)
agent = agent_filter.selectbox("Agent", agents, index=None, placeholder="All agents", key="board_agent")
priority = priority_filter.selectbox(
    "Priority", PRIORITIES, index=None, placeholder="All priorities", key="board_priority"
)
goal = goal_filter.selectbox(
    "Goal", list(goal_titles), index=None, placeholder="All goals", format_func=goal_label, key="board_goal"
)
project = project_filter.selectbox(
    "Project",
    list(project_names),
    index=None,
    placeholder="All projects",
    format_func=project_label,
    key="board_project",
)
label = label_filter.selectbox("Label", labels, index=None, placeholder="All labels", key="board_label")
form_open = bool(st.session_state.get(FORM_OPEN))
if form_open:
    st.caption("Live refresh is paused while the new-task form is open.")
live = st.fragment(board, run_every=None if form_open else REFRESH_SECONDS)
live(company_id, agent, Priority(priority) if priority else None, goal, project, label)

"""What every dashboard page shares: the API client for this browser session (its API key, else
this machine's board token), the chosen company, readable errors, and the pages' paths for links.

A page reads `company = choose_company(api)` first; any `ApiError` it meets goes to `show_error`,
which says what failed in one line and, for a 401, where to log in.
"""

import streamlit as st

from paperclip import board
from paperclip.settings import get_settings
from ui.api_client import ApiError, DashboardApi

REFRESH_SECONDS = 3
"""How often the live parts of a page read the API again."""

KEY_STATE = "api_key"
"""Where a browser session keeps the API key it logged in with."""

OVERVIEW = "app_pages/overview.py"
ORG_CHART = "app_pages/org_chart.py"
TASK_BOARD = "app_pages/task_board.py"
TASK_DETAIL = "app_pages/task_detail.py"
AGENTS = "app_pages/agents.py"
COSTS = "app_pages/costs.py"
PROJECTS = "app_pages/projects.py"
APPROVALS = "app_pages/approvals.py"
ACTIVITY = "app_pages/activity.py"
LOGIN = "app_pages/login.py"
"""The pages, as paths relative to `ui/app.py` (what `st.page_link` and `st.switch_page` take)."""


def api_url() -> str:
    """`PAPERCLIP_API_URL`, else the local API."""
    return get_settings().environ.get("PAPERCLIP_API_URL") or get_settings().resolved_api_url


def api_key() -> str | None:
    """The key this session logged in with, else `PAPERCLIP_API_KEY`."""
    return st.session_state.get(KEY_STATE) or get_settings().api_key


def credential(url: str) -> str | None:
    """What the dashboard sends to the API at `url`: the session's API key, else the board token of
    `PAPERCLIP_HOME` when the API is on this machine (read afresh, so a new token is picked up);
    None when there is neither, or the token file cannot be read (the API's 401 then says so)."""
    settings = get_settings()
    try:
        return board.bearer_for(url, api_key=api_key(), home=settings.home_dir, own_host=settings.host)
    except board.BoardTokenError:
        return None


@st.cache_resource
def _api(base_url: str, key: str | None) -> DashboardApi:
    return DashboardApi(base_url, api_key=key)


def get_api() -> DashboardApi:
    """The shared client for the current API URL and credential (one per pair, kept across reruns)."""
    url = api_url()
    return _api(url, credential(url))


def show_error(doing: str, error: ApiError) -> None:
    """`doing: error` as one line; a 401 also says where to log in, a 403 that the key may not."""
    st.error(f"{doing}: {error}")
    if error.status == 401:
        st.info(
            "The API wants an API key: log in with one (`paperclip token create` makes one), or run the "
            "dashboard with the API's `PAPERCLIP_HOME`, whose board token it then sends."
        )
        st.page_link(LOGIN, label="Log in", icon=":material/key:")
    elif error.status == 403:
        st.info("Your API key's role may not do this: a viewer reads only.")


def choose_company(api: DashboardApi) -> str:
    """The company this page shows: picked in the sidebar, kept in the URL (`?company=`) and
    across pages. Stops the page with a message when there is none or the API refuses."""
    try:
        companies = api.list_companies()
    except ApiError as error:
        show_error("Cannot list companies", error)
        st.stop()
    if not companies:
        st.info("No companies yet. Create one with `paperclip company create NAME` or run `paperclip up --demo`.")
        st.stop()
    names = {company.id: company.name for company in companies}
    ids = list(names)
    wanted = st.query_params.get("company") or st.session_state.get("company")
    if wanted in ids:
        st.session_state[PICKER] = wanted
    elif st.session_state.get(PICKER) not in ids:
        st.session_state[PICKER] = ids[0]
    company_id: str = st.sidebar.selectbox(
        "Company", ids, format_func=lambda cid: f"{names[cid]} ({cid})", key=PICKER, on_change=_picked
    )
    st.session_state["company"] = company_id
    st.query_params["company"] = company_id
    return company_id


PICKER = "company_picker"


def _picked() -> None:
    """A company picked in the sidebar wins over the one in the URL."""
    st.query_params["company"] = st.session_state["company"] = st.session_state[PICKER]

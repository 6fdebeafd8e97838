"""Work products as the dashboard shows them: the rows of a table (a pull request or URL as a
link; a commit, branch, file or document as text) on the task detail page and the artifacts page.

The values were checked when they were kept (a link is http(s), never `javascript:` or `file:`),
and a title is shown as text in a table cell, never as Markdown.
"""

from typing import Any

import streamlit as st

from paperclip.models.work_products import WorkProduct, WorkProductKind, WorkProductList
from ui.api_client import ApiError, DashboardApi, parse
from ui.session import show_error
from ui.tables import timed_table

ARTIFACTS = "app_pages/artifacts.py"
LINKS = (WorkProductKind.URL, WorkProductKind.PULL_REQUEST)
LINK = {"link": st.column_config.LinkColumn("link", display_text="open ↗")}


def read_products(api: DashboardApi, company_id: str, **filters: Any) -> list[WorkProduct] | None:
    """The company's products (`task`, `kind`, `limit` filters), newest first; None when the API
    refused (the error is shown)."""
    task = filters.pop("task", None)
    path = f"/api/companies/{company_id}" + (f"/tasks/{task}/work-products" if task else "/work-products")
    try:
        return parse(WorkProductList, api.get(path, **filters)).data
    except ApiError as error:
        show_error(f"Cannot load the work products{f' of {task}' if task else ''}", error)
        return None


def product_rows(products: list[WorkProduct], *, with_task: bool) -> list[dict[str, Any]]:
    """One row per product: when, (task,) kind, value, title, who recorded it, and its link if it is one."""
    return [
        {"when": p.created_at}
        | ({"task": p.task} if with_task else {})
        | {
            "kind": p.kind.value,
            "value": p.value,
            "title": p.title,
            "recorded by": p.recorded_by,
            "link": p.value if p.kind in LINKS else None,
        }
        for p in products
    ]


def products_table(products: list[WorkProduct], *, with_task: bool, key: str) -> None:
    timed_table(product_rows(products, with_task=with_task), "when", column_config=LINK, key=key)


def task_products(api: DashboardApi, company_id: str, identifier: str) -> None:
    """The task detail page's "Work products" section (nothing when it has none)."""
    products = read_products(api, company_id, task=identifier)
    if not products:
        return
    st.markdown("**Work products**")
    products_table(products, with_task=False, key="detail_products")

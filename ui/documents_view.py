"""A task's documents on its detail page: pick one, read any revision (restore an earlier one),
and edit it in a form that saves against the revision the editor was loaded from.

A save that someone else's overtook is refused by the API (409): the editor keeps the reader's
text, the page shows the newer revision, and "Start from the latest" loads it to merge into.
"""

from typing import Any

import streamlit as st

from paperclip.models.documents import MAX_DOCUMENT_CHARS, DocumentHistory, DocumentList, DocumentRevision
from ui.api_client import ApiError, DashboardApi, parse
from ui.session import show_error
from ui.times import ago_exact
from ui.trace_view import no_math

NEW = ""
"""The picker's choice for a new document."""
PICKER = "detail_doc_picker"
NEW_KEY = "detail_doc_new_key"
PICK_NEXT = "detail_doc_pick_next"
"""The document to pick on the next run (one just saved): a widget's state is set before it is drawn."""
FLASH = "detail_doc_flash"
"""What the last save or restore did, shown once after the rerun it causes."""


def _state(kind: str, company_id: str, identifier: str, key: str) -> str:
    """A session-state key of one document of one task (`kind`: body, base, revision, latest)."""
    return f"detail_doc_{kind}:{company_id}:{identifier}:{key}"


def documents_panel(api: DashboardApi, company_id: str, identifier: str) -> None:
    """The task's documents: a picker, the chosen revision, restore, and the editor."""
    path = f"/api/companies/{company_id}/tasks/{identifier}/documents"
    st.subheader("Documents")
    if flash := st.session_state.pop(FLASH, None):
        st.success(flash)
    try:
        listed = parse(DocumentList, api.get(path))
    except ApiError as error:
        show_error(f"Cannot list the documents of {identifier}", error)
        return
    keys = [d.key for d in listed.data]
    if (picked := st.session_state.pop(PICK_NEXT, None)) in keys:
        st.session_state[PICKER] = picked
    if st.session_state.get(PICKER) not in [*keys, NEW]:
        st.session_state[PICKER] = keys[0] if keys else NEW
    key: str = st.selectbox("Document", [*keys, NEW], key=PICKER, format_func=lambda k: k or "+ New document")
    if key == NEW:
        new_key = st.text_input("Key of the new document", key=NEW_KEY, placeholder="plan, design, notes …")
        editor(api, path, company_id, identifier, new_key.strip(), None)
        return
    try:
        history = parse(DocumentHistory, api.get(f"{path}/{key}/revisions"))
    except ApiError as error:
        show_error(f"Cannot load the revisions of {key}", error)
        return
    latest = history.data[0]
    shown = revision_picker(history, _state("revision", company_id, identifier, key))
    try:
        document = parse(DocumentRevision, api.get(f"{path}/{key}", revision=shown))
    except ApiError as error:
        show_error(f"Cannot load revision {shown} of {key}", error)
        return
    restored = f" · restores revision {document.restored_from}" if document.restored_from else ""
    st.caption(f"Revision {document.revision} of {latest.revision} · {document.author}{restored}")
    with st.container(border=True):
        st.markdown(no_math(document.body) or "*(empty)*")
    if shown != latest.revision and st.button(f"Restore revision {shown}", key="detail_doc_restore"):
        restore(api, path, key, shown, latest.revision)
    current = parse(DocumentRevision, api.get(f"{path}/{key}")) if shown != latest.revision else document
    editor(api, path, company_id, identifier, key, current)


def revision_picker(history: DocumentHistory, state: str) -> int:
    """The revision to show: the latest, unless an earlier one is picked (a new latest is followed)."""
    revisions = {r.revision: r for r in history.data}
    newest = history.data[0].revision
    if st.session_state.get(state + ":latest") != newest or st.session_state.get(state) not in revisions:
        st.session_state[state] = newest
    st.session_state[state + ":latest"] = newest
    picked: int = st.selectbox(
        "Revision",
        list(revisions),
        key=state,
        format_func=lambda n: f"{n} · {revisions[n].author} · {ago_exact(revisions[n].created_at)}",
    )
    return picked


def editor(
    api: DashboardApi, path: str, company_id: str, identifier: str, key: str, latest: DocumentRevision | None
) -> None:
    """A form that saves its text as the next revision of the one it was loaded from."""
    body_state = _state("body", company_id, identifier, key or NEW)
    base_state = _state("base", company_id, identifier, key or NEW)
    if base_state not in st.session_state:
        st.session_state[body_state] = latest.body if latest else ""
        st.session_state[base_state] = latest.revision if latest else 0
    base: int = st.session_state[base_state]
    if latest is not None and latest.revision != base:
        st.warning(
            f"Revision {latest.revision} was saved after you began editing revision {base}: your text is kept; "
            "start from the latest to merge your change into it."
        )
        if st.button("Start from the latest", key="detail_doc_reload"):
            _forget(body_state, base_state)
            st.rerun()
    with st.form("detail_doc_form"):
        st.text_area("Markdown", key=body_state, height=240, max_chars=MAX_DOCUMENT_CHARS)
        label = f"Save as revision {base + 1}" if base else "Save new document"
        sent = st.form_submit_button(label)
    if sent:
        save(api, path, key, {"body": st.session_state[body_state], "base_revision": base}, body_state, base_state)


def save(api: DashboardApi, path: str, key: str, body: dict[str, Any], *states: str) -> None:
    if not key:
        st.warning("Give the new document a key first (plan, design, notes …).")
        return
    try:
        saved = parse(DocumentRevision, api.put(f"{path}/{key}", body))
    except ApiError as error:
        show_error(f"Cannot save {key}", error)
        return
    _forget(*states)
    st.session_state[PICK_NEXT] = key
    st.session_state[FLASH] = f"Saved {key} as revision {saved.revision}."
    st.rerun()


def restore(api: DashboardApi, path: str, key: str, revision: int, latest: int) -> None:
    try:
        saved = parse(
            DocumentRevision, api.post(f"{path}/{key}/restore", {"revision": revision, "base_revision": latest})
        )
    except ApiError as error:
        show_error(f"Cannot restore revision {revision} of {key}", error)
        return
    st.session_state[FLASH] = f"Restored revision {revision} of {key} as revision {saved.revision}."
    st.rerun()


def _forget(*states: str) -> None:
    for state in states:
        st.session_state.pop(state, None)

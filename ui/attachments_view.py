"""A task's files on its page: each a download button (its bytes fetched when clicked), and a
form that uploads one more. The API judges an upload (size, type, content) and its refusal is
shown as it says it; the page never opens a file in the browser."""

import functools

import streamlit as st

from paperclip.models.attachments import Attachment, AttachmentList
from ui.api_client import ApiError, DashboardApi, parse
from ui.session import show_error

# What the upload form said about its last file, said again on the rerun its success causes.
UPLOADED_SAID = "detail_uploaded_said"


def attachments_panel(api: DashboardApi, company_id: str, identifier: str) -> None:
    path = f"/api/companies/{company_id}/tasks/{identifier}/attachments"
    try:
        found = parse(AttachmentList, api.get(path))
    except ApiError as error:
        show_error(f"Cannot list the attachments of {identifier}", error)
        return
    st.subheader("Attachments")
    if not found.data:
        st.caption("No files yet: upload one below, or an agent attaches one with its `attach_file` tool.")
    for file in found.data:
        st.download_button(
            f"{file.filename} · {file.content_type} · {file.size:,} bytes · by {file.uploaded_by}",
            data=functools.partial(api.get_bytes, f"{path}/{file.id}"),
            file_name=file.filename,
            mime="application/octet-stream",  # saved, never shown by the browser
            key=f"detail_attachment_{file.id}",
            icon=":material/download:",
            on_click="ignore",
        )
    said = st.session_state.pop(UPLOADED_SAID, None)
    if said:
        st.success(said)
    with st.form(f"detail_upload_{identifier}", clear_on_submit=True):
        chosen = st.file_uploader("Attach a file", key=f"detail_upload_file_{identifier}")
        sent = st.form_submit_button("Upload", icon=":material/upload:")
    if not sent or chosen is None:
        return
    try:
        answer = api.upload(path, filename=chosen.name, data=chosen.getvalue(), content_type=chosen.type or "")
        stored = parse(Attachment, answer)
    except ApiError as error:
        st.error(f"{chosen.name} was not attached: {error}")
        return
    st.session_state[UPLOADED_SAID] = f"Attached {stored.filename} ({stored.size:,} bytes)."
    st.rerun()

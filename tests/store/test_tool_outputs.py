"""Long tool outputs by reference: kept once per call, read back only within their company."""

from paperclip.models import SessionRef
from paperclip.store import Store

SESSION = SessionRef(company_id="acme", task="ACME-1", agent="dev")


def test_an_output_is_kept_once_per_call_and_read_back_whole(store: Store) -> None:
    text = "line\n" * 30_000 + "\0end"
    ref = store.save_tool_output(SESSION, "call-1", text)
    assert store.save_tool_output(SESSION, "call-1", "a retry's other text") == ref
    found = store.tool_output("acme", ref)
    assert found is not None
    assert (found.task, found.call_id, found.agent, found.size) == ("ACME-1", "call-1", "dev", len(text))
    assert found.content == text.replace("\0", "\ufffd")
    assert store.save_tool_output(SESSION, "call-2", "other") != ref


def test_another_companys_reference_is_no_output(store: Store) -> None:
    ref = store.save_tool_output(SESSION, "call-1", "x" * 100)
    assert store.tool_output("globex", ref) is None
    assert store.tool_output("acme", "to-nothing") is None

"""The dev-server command line and the demo company."""

import base64

from paperclip.demo import ANTHROPIC_MODEL, OPENAI_MODEL, demo_company
from paperclip.devserver import dev_server_command
from paperclip.models import Provider
from paperclip.settings import Settings


def test_the_dev_server_persists_under_home_binds_locally_and_registers_search_attributes(tmp_path) -> None:
    command = dev_server_command(Settings(home=tmp_path, temporal_port=17233, temporal_ui_port=18233))
    joined = " ".join(command)
    assert command[1:3] == ["server", "start-dev"]
    assert f"--db-filename {tmp_path / 'temporal.db'}" in joined
    assert "--ip 127.0.0.1 --port 17233 --ui-port 18233" in joined
    for name in ("PaperclipCompany", "PaperclipAgent", "PaperclipStatus"):
        assert f"--search-attribute {name}=Keyword" in joined
    assert "--ui-codec-endpoint" not in joined


def test_with_a_payload_key_the_web_ui_opens_payloads_through_the_api(tmp_path) -> None:
    key = base64.b64encode(bytes(32)).decode()
    command = dev_server_command(Settings(home=tmp_path, api_port=18000, payload_key=key))
    assert command[command.index("--ui-codec-endpoint") + 1] == "http://127.0.0.1:18000/api/codec"


def test_the_demo_is_simulated_without_provider_keys() -> None:
    demo = demo_company({})
    assert demo.simulated
    assert [a.name for a in demo.agents] == ["ceo", "cto", "cmo"]
    assert {a.reports_to for a in demo.agents[1:]} == {"ceo"}
    assert demo.first_task.assignee == "ceo"


def test_the_demo_prefers_openai_then_anthropic() -> None:
    both = demo_company({"OPENAI_API_KEY": "x", "ANTHROPIC_API_KEY": "y"})
    assert {(a.model.provider, a.model.model) for a in both.agents} == {(Provider.OPENAI, OPENAI_MODEL)}
    anthropic = demo_company({"ANTHROPIC_API_KEY": "y"})
    assert not anthropic.simulated
    assert anthropic.agents[0].model.model == ANTHROPIC_MODEL
    body = anthropic.create_body()
    assert body["id"] == "acme" and len(body["agents"]) == 3  # type: ignore[arg-type]

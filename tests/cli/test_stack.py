"""What `paperclip up` starts, and with which settings."""

from cli.stack import api_command, port_checks, stack, ui_command
from paperclip.settings import Settings


def test_the_embedded_stack_starts_temporal_worker_api_and_ui_in_order(tmp_path) -> None:
    settings = Settings(home=tmp_path, api_port=18000)
    children = stack(settings)
    assert [c.name for c in children] == ["temporal", "worker", "api", "ui"]
    ui = children[-1]
    assert ui.env is not None and ui.env["PAPERCLIP_API_URL"] == "http://127.0.0.1:18000"
    assert all(c.env and c.env["PAPERCLIP_HOME"] == str(tmp_path) for c in children)
    assert [c.setting for c in port_checks(settings)] == [
        "PAPERCLIP_TEMPORAL_PORT",
        "PAPERCLIP_TEMPORAL_UI_PORT",
        "PAPERCLIP_API_PORT",
        "PAPERCLIP_UI_PORT",
    ]


def test_with_temporal_address_no_dev_server_is_started(tmp_path) -> None:
    settings = Settings(home=tmp_path, temporal_address="temporal.internal:7233")
    assert [c.name for c in stack(settings)] == ["worker", "api", "ui"]
    assert "PAPERCLIP_TEMPORAL_PORT" not in {c.setting for c in port_checks(settings)}


def test_streamlit_runs_headless_without_usage_statistics_on_the_local_address(tmp_path) -> None:
    command = " ".join(ui_command(Settings(home=tmp_path, ui_port=18501)))
    assert "--server.headless true --browser.gatherUsageStats false" in command
    assert "--server.port 18501 --server.address 127.0.0.1" in command
    assert command.split(" run ")[1].split()[0].endswith("ui/app.py")


def test_the_api_runs_as_many_processes_as_configured(tmp_path, monkeypatch) -> None:
    assert api_command(Settings(home=tmp_path))[-2:] == ["--workers", "1"]
    monkeypatch.setenv("PAPERCLIP_API_WORKERS", "4")
    command = api_command(Settings(home=tmp_path))
    assert command[command.index("--factory") + 1] == "api.app:create_app" and command[-2:] == ["--workers", "4"]

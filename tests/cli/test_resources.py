"""Resource commands against a real HTTP server that answers like the API."""

from typer.testing import CliRunner

from cli import app
from tests.cli.fake_api import FakeApi, agent_json, company_json, free_port, serve, snapshot_json, task_json

runner = CliRunner()


def test_a_missing_company_is_a_usage_error() -> None:
    result = runner.invoke(app, ["task", "list"])
    assert result.exit_code == 1
    assert "--company" in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_unknown_priority_is_a_usage_error() -> None:
    result = runner.invoke(app, ["task", "assign", "-c", "acme", "ceo", "Do it", "--priority", "urgent"])
    assert result.exit_code == 1 and "'urgent' is not one of" in result.stderr


def test_an_unreachable_api_is_one_red_line_and_exit_1() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["company", "list", "--api-url", url])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: cannot reach the API at " + url)
    assert "Traceback" not in result.output


def test_the_api_url_comes_from_the_environment(monkeypatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("PAPERCLIP_API_URL", url)
    from paperclip.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["company", "list"])
    assert result.exit_code == 1
    assert url in result.output


def test_an_api_error_shows_its_message_and_exits_1() -> None:
    error = {"error": {"code": "unknown_agent", "message": "no agent 'bob' in acme", "details": None}}
    with serve(FakeApi(routes={"POST /api/companies/acme/tasks": (422, error)})) as api:
        result = runner.invoke(app, ["task", "assign", "-c", "acme", "bob", "Do it", "--api-url", api.url])
    assert result.exit_code == 1
    assert result.output.strip() == "error: no agent 'bob' in acme (422 unknown_agent)"


def test_a_fastapi_validation_error_is_one_line() -> None:
    detail = {"detail": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]}
    with serve(FakeApi(routes={"POST /api/companies": (422, detail)})) as api:
        result = runner.invoke(app, ["company", "create", "X", "--api-url", api.url])
    assert result.exit_code == 1
    assert result.output.strip() == "error: name: Field required (422)"


def test_the_apis_invalid_fields_are_one_line() -> None:
    details = [{"field": "budget.usd", "message": "Input should be greater than or equal to 0", "type": "x"}]
    error = {"error": {"code": "invalid_input", "message": "invalid input", "details": details}}
    with serve(FakeApi(routes={"POST /api/companies": (422, error)})) as api:
        result = runner.invoke(app, ["company", "create", "X", "--api-url", api.url])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: invalid input: budget.usd: Input should be greater than or equal to 0 (422 invalid_input)"
    )


def test_task_assign_sends_the_task_and_prints_its_identifier() -> None:
    fake = FakeApi(routes={"POST /api/companies/acme/tasks": (201, task_json("ACME-7", "queued"))})
    with serve(fake) as api:
        result = runner.invoke(
            app,
            [
                "task",
                "assign",
                "ceo",
                "Plan the launch",
                "--brief",
                "one page",
                "--priority",
                "high",
                "--api-url",
                api.url,
            ],
            env={"PAPERCLIP_COMPANY": "acme"},
        )
    assert result.exit_code == 0, result.output
    assert "ACME-7" in result.output
    assert fake.received[-1][2] == {
        "title": "Plan the launch",
        "assignee": "ceo",
        "priority": "high",
        "brief": "one page",
    }


def test_agent_hire_sends_the_model_only_when_given() -> None:
    fake = FakeApi(routes={"POST /api/companies/acme/agents": (201, agent_json("cto", "openai", "ceo"))})
    with serve(fake) as api:
        result = runner.invoke(
            app,
            ["agent", "hire", "cto", "-c", "acme", "--reports-to", "ceo", "--provider", "openai",
             "--model", "gpt-4o-mini", "--api-url", api.url],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.received[-1][2] == {
        "name": "cto",
        "reports_to": "ceo",
        "model": {"provider": "openai", "model": "gpt-4o-mini"},
    }


def test_agent_hire_sends_its_heartbeat_policy_and_hiring_permission() -> None:
    fake = FakeApi(routes={"POST /api/companies/acme/agents": (201, agent_json("pm", "openai", "ceo"))})
    with serve(fake) as api:
        result = runner.invoke(
            app,
            ["agent", "hire", "pm", "-c", "acme", "--reports-to", "ceo", "--heartbeat", "3600",
             "--no-wake-on-assignment", "--max-concurrent-runs", "2", "--can-hire", "--api-url", api.url],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.received[-1][2] == {
        "name": "pm",
        "reports_to": "ceo",
        "heartbeat": {"interval_seconds": 3600, "wake_on_assignment": False},
        "max_concurrent_runs": 2,
        "permissions": {"can_hire": True},
    }


def test_agent_hire_an_http_agent_sends_its_url_and_credential() -> None:
    hired = agent_json("ext", "simulated", "ceo")
    hired["spec"] |= {"adapter": "http", "http": {"url": "https://agents.example/run", "credential": "EXT_KEY"}}
    fake = FakeApi(routes={"POST /api/companies/acme/agents": (201, hired)})
    with serve(fake) as api:
        result = runner.invoke(
            app,
            ["agent", "hire", "ext", "-c", "acme", "--reports-to", "ceo", "--adapter", "http",
             "--url", "https://agents.example/run", "--credential", "EXT_KEY", "--api-url", api.url],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fake.received[-1][2] == {
        "name": "ext",
        "reports_to": "ceo",
        "adapter": "http",
        "http": {"url": "https://agents.example/run", "credential": "EXT_KEY"},
    }
    assert "http:https://agents.example/run" in result.output


def test_task_list_prints_a_table() -> None:
    fake = FakeApi(routes={"GET /api/companies/acme/tasks": (200, {"data": [task_json()], "count": 1})})
    with serve(fake) as api:
        result = runner.invoke(app, ["task", "list", "-c", "acme", "--api-url", api.url])
    assert result.exit_code == 0, result.output
    assert "ACME-1" in result.output and "done" in result.output and "$0.0125" in result.output


def test_company_list_and_show() -> None:
    fake = FakeApi(
        routes={
            "GET /api/companies": (
                200,
                {
                    "data": [
                        company_json(),
                        {**company_json(), "id": "old", "status": "paused", "pause_reason": "budget"},
                    ]
                },
            ),
            "GET /api/companies/acme": (200, snapshot_json([agent_json("ceo")], [task_json(status="running")])),
        }
    )
    with serve(fake) as api:
        listed = runner.invoke(app, ["company", "list", "--api-url", api.url])
        shown = runner.invoke(app, ["company", "show", "acme", "--api-url", api.url])
    assert listed.exit_code == 0 and "Acme Robotics" in listed.output
    assert "paused (budget)" in listed.output
    assert shown.exit_code == 0, shown.output
    assert "simulated" in shown.output and "ACME-1" in shown.output


def test_history_prints_the_markdown_trace() -> None:
    fake = FakeApi(routes={"GET /api/companies/acme/tasks/ACME-1/trace": (200, "# ACME-1\n\nceo: done")})
    with serve(fake) as api:
        result = runner.invoke(app, ["history", "ACME-1", "-c", "acme", "--api-url", api.url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# ACME-1")
    assert fake.received[-1][1].endswith("?format=md")


def test_monitor_prints_one_line_per_event_and_exits() -> None:
    entries = [
        {"id": "1", "company_id": "acme", "at": "2026-01-01T12:00:00Z", "kind": "task.created",
         "actor": "board", "task": "ACME-1", "summary": "Plan the launch"},
        {"id": "2", "company_id": "acme", "at": "2026-01-01T12:00:05Z", "kind": "task.finished",
         "actor": "ceo", "task": "ACME-1", "summary": "done [really]"},
    ]  # fmt: skip
    fake = FakeApi(sse={"/api/companies/acme/events": entries})
    with serve(fake) as api:
        result = runner.invoke(app, ["monitor", "-c", "acme", "--api-url", api.url])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert "task.created" in lines[0] and "ACME-1" in lines[0]
    assert lines[1].endswith("done [really]")
    assert "follow=false" in fake.received[-1][1]


def test_monitor_follow_reconnects_after_the_last_event_it_printed(monkeypatch) -> None:
    monkeypatch.setattr("paperclip.client.RECONNECT_SECONDS", 0.01)
    entries = [
        {"id": str(n), "company_id": "acme", "at": "2026-01-01T12:00:00Z", "kind": "agent.turn",
         "actor": "ceo", "task": "ACME-1", "summary": f"ACME-1 turn {n}"}
        for n in range(1, 6)
    ]  # fmt: skip
    fake = FakeApi(sse={"/api/companies/acme/events": entries}, sse_drop_after=2)
    with serve(fake) as api:
        result = runner.invoke(app, ["monitor", "-c", "acme", "--follow", "--api-url", api.url])
    lines = result.output.strip().splitlines()
    # Each turn once, in order, across the break; it stops when the API refuses the stream.
    assert [line.rsplit(" ", 1)[-1] for line in lines[:-1]] == ["1", "2", "3", "4", "5"]
    assert fake.last_event_ids == [None, "2", "5"]
    assert result.exit_code == 1 and "company gone" in lines[-1]
    # Following starts at the log's tail (the last 10 unless --tail says), or all of it with --replay.
    assert "tail=10" in fake.received[0][1] and "after" not in fake.received[0][1]


def test_monitor_follow_takes_its_start_from_tail_replay_or_after(monkeypatch) -> None:
    monkeypatch.setattr("paperclip.client.RECONNECT_SECONDS", 0.01)
    queries = []
    for extra in (["--tail", "0"], ["--replay"], ["--after", "7"]):
        fake = FakeApi(sse={"/api/companies/acme/events": []}, sse_drop_after=0)  # then 404: the command ends
        with serve(fake) as api:
            result = runner.invoke(app, ["monitor", "-c", "acme", "--follow", *extra, "--api-url", api.url])
        assert result.exit_code == 1 and "company gone" in result.output
        queries.append(fake.received[0][1].partition("?")[2])
    assert "tail=0" in queries[0]
    assert "tail" not in queries[1] and "after" not in queries[1]
    assert "after=7" in queries[-1] and "tail" not in queries[-1]


def test_agent_list_sends_its_filters_and_agent_show_prints_spend_and_open_tasks() -> None:
    cto = agent_json("cto", "openai", "ceo")
    cto["spec"] |= {"budget": {"monthly_usd": 50.0, "monthly_tokens": None}, "capabilities": "Builds engines"}
    cto |= {"wakes": 3, "spend": {"usd": 12.5, "tokens": 40_000}, "month": "2026-01"}
    shown_agent = cto | {"open_tasks": [task_json("ACME-4", "running", assignee="cto")]}
    fake = FakeApi(
        routes={
            "GET /api/companies/acme/agents": (200, {"data": [cto], "count": 1, "total": 3}),
            "GET /api/companies/acme/agents/cto": (200, shown_agent),
        }
    )
    with serve(fake) as api:
        listed = runner.invoke(
            app, ["agent", "list", "-c", "acme", "--status", "active", "--role", "cto", "--api-url", api.url]
        )
        shown = runner.invoke(app, ["agent", "show", "cto", "-c", "acme", "--api-url", api.url])
    assert listed.exit_code == 0, listed.output
    assert "CTO" in listed.output and "openai:" in listed.output and "First 1 of 3" in listed.output
    assert fake.received[0][1] == "/api/companies/acme/agents?limit=1000&status=active&role=cto"
    assert shown.exit_code == 0, shown.output
    assert "reports to ceo" in shown.output and "Spend in 2026-01: $12.50, 40,000 tokens" in shown.output
    assert "budget: $50.00" in shown.output and "ACME-4" in shown.output and "Builds engines" in shown.output


def test_agent_list_rejects_an_unknown_status_and_show_reports_an_unknown_agent() -> None:
    assert runner.invoke(app, ["agent", "list", "-c", "acme", "--status", "asleep"]).exit_code == 1
    error = {"error": {"code": "not_found", "message": "agent 'ghost' not found", "details": None}}
    with serve(FakeApi(routes={"GET /api/companies/acme/agents/ghost": (404, error)})) as api:
        result = runner.invoke(app, ["agent", "show", "ghost", "-c", "acme", "--api-url", api.url])
    assert result.exit_code == 1 and result.output.strip() == "error: agent 'ghost' not found (404 not_found)"


def test_agent_hire_gives_a_cli_agents_model_to_its_tool() -> None:
    hired = agent_json("dev", "simulated", "ceo")
    hired["spec"] |= {"adapter": "opencode_local", "cli": {"model": "anthropic/claude-sonnet-4-5"}}
    fake = FakeApi(routes={"POST /api/companies/acme/agents": (201, hired)})
    with serve(fake) as api:
        result = runner.invoke(
            app,
            ["agent", "hire", "dev", "-c", "acme", "--adapter", "opencode_local",
             "--model", "anthropic/claude-sonnet-4-5", "--api-url", api.url],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    # The tool's own `--model` (`cli.model`), not the model field a CLI agent never calls.
    assert fake.received[-1][2] == {
        "name": "dev",
        "adapter": "opencode_local",
        "cli": {"model": "anthropic/claude-sonnet-4-5"},
    }

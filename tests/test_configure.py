"""`paperclip.configure`: a change as a merge patch of the spec, what it changed, and which of it a
running task takes (the rest waits for the agent's next task)."""

import pytest

from paperclip.configure import LIVE, ConfigError, changes, configured, is_live, live_update, restored, summary
from paperclip.models import Adapter, AgentSpec, Budget, CliConfig, CliPermissions, ModelConfig, Provider, ToolRule


def cli_agent() -> AgentSpec:
    return AgentSpec(
        name="dev",
        role="engineer",
        reports_to="cto",
        adapter=Adapter.CLAUDE_LOCAL,
        system_prompt="Be careful.",
        cli=CliConfig(model="claude-sonnet-4-5", env={"DEBUG": "1", "LANGUAGE": "fr"}, turn_budget_usd=1.0),
    )


def test_a_patch_merges_objects_replaces_lists_and_null_restores_the_default() -> None:
    spec = cli_agent().model_copy(update={"tools": ["read_file", "git"]})
    new = configured(spec, {"cli": {"env": {"DEBUG": None, "TZ": "UTC"}, "args": ["--verbose"]}, "tools": ["git"]})
    assert new.cli.env == {"LANGUAGE": "fr", "TZ": "UTC"} and new.cli.args == ["--verbose"]
    assert new.cli.model == "claude-sonnet-4-5" and new.tools == ["git"]
    assert configured(new, {"tools": None, "cli": {"turn_budget_usd": None}}).tools is None
    assert configured(new, {"model": None}).model == ModelConfig()
    assert spec.cli.env == {"DEBUG": "1", "LANGUAGE": "fr"}  # the spec given is left as it was


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        ({"modle": {}}, "modle: no such field"),
        ({"cli": {"env": {"OK": "1"}, "enviroment": {}}}, "cli.enviroment: no such field"),
        ({"fallback_models": [{"provider": "openai", "modle": "x"}]}, "fallback_models[0].modle: no such field"),
        ({"role": "ceo"}, "role: cannot be configured"),
        ({"template": None}, "template: cannot be configured"),
        ({"cli": {"turn_budget_usd": -1}}, "cli.turn_budget_usd: Input should be greater than 0"),
        ({"adapter": "http"}, "an `http` agent needs `http.url`"),
    ],
)
def test_a_patch_naming_no_field_or_a_fixed_one_or_breaking_the_spec_is_refused(patch: dict, problem: str) -> None:
    with pytest.raises(ConfigError) as refused:
        configured(cli_agent(), patch)
    assert problem in str(refused.value)


def test_changes_name_each_field_say_if_it_is_live_and_cut_long_values_short() -> None:
    before = cli_agent()
    after = configured(
        before,
        {
            "system_prompt": "x" * 1_000,
            "cli": {"env": {"DEBUG": None, "TZ": "UTC"}, "permissions": "read-only", "model": "claude-opus-4"},
            "budget": {"monthly_usd": 20},
        },
    )
    found = {c.field: c for c in changes(before, after)}
    assert set(found) == {
        "system_prompt",
        "budget.monthly_usd",
        "cli.model",
        "cli.permissions",
        "cli.env.DEBUG",
        "cli.env.TZ",
    }
    assert {name for name, c in found.items() if c.live} == {"budget.monthly_usd", "cli.permissions"}
    assert found["cli.env.DEBUG"].before == "1" and found["cli.env.DEBUG"].after is None
    assert found["system_prompt"].after.endswith("… (1,000 characters)") and len(found["system_prompt"].after) < 250
    assert changes(before, before) == []
    line = summary(changes(before, after), limit=2)
    assert line.startswith("system_prompt: Be careful. → xxxx") and line.endswith(
        "; budget.monthly_usd: unset → 20.0 and 4 more"
    )


def test_a_running_task_takes_the_live_fields_and_keeps_the_rest() -> None:
    running = cli_agent()
    new = running.model_copy(
        update={
            "system_prompt": "New prompt.",
            "model": ModelConfig(provider=Provider.OPENAI, model="gpt-4o"),
            "tools": ["read_task"],
            "tool_policy": [ToolRule(tool="run_command", policy="deny")],
            "budget": Budget(monthly_usd=3),
            "max_concurrent_runs": 1,
            "cli": running.cli.model_copy(
                update={
                    "model": "claude-opus-4",
                    "args": ["--x"],
                    "permissions": CliPermissions.READ_ONLY,
                    "turn_budget_usd": 0.2,
                    "turn_budget_tokens": 5_000,
                }
            ),
        }
    )
    taken = live_update(running, new)
    assert (taken.tools, taken.tool_policy, taken.budget) == (new.tools, new.tool_policy, new.budget)
    assert taken.max_concurrent_runs == 1
    assert (taken.cli.permissions, taken.cli.turn_budget_usd, taken.cli.turn_budget_tokens) == (
        CliPermissions.READ_ONLY,
        0.2,
        5_000,
    )
    # What its conversation (and its CLI session) started with stays until its next task.
    assert (taken.system_prompt, taken.model, taken.cli.model, taken.cli.args) == (
        "Be careful.",
        running.model,
        "claude-sonnet-4-5",
        [],
    )
    assert all(is_live(name) for name in LIVE) and not is_live("cli.model") and is_live("budget.monthly_usd")


def test_a_restored_revision_keeps_the_agents_place_in_the_org_chart() -> None:
    former = cli_agent().model_copy(update={"reports_to": "ceo", "role": "cto", "title": "Old"})
    now = restored(cli_agent(), former)
    assert (now.reports_to, now.role, now.title) == ("cto", "engineer", "Old")


def test_another_model_does_not_keep_the_price_or_window_set_for_the_one_before() -> None:
    priced = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4o-mini", price={"input": 0.15, "output": 0.6}, context_window=8_192
    )
    spec = AgentSpec(name="cto", model=priced)
    moved = configured(spec, {"model": {"model": "gpt-4o"}})
    assert (moved.model.model, moved.model.price, moved.model.context_window) == ("gpt-4o", None, None)
    kept = configured(spec, {"model": {"max_tokens": 512}})
    assert kept.model.price == priced.price and kept.model.context_window == 8_192
    given = configured(spec, {"model": {"model": "gpt-4o", "price": {"input": 2.5, "output": 10}}})
    assert given.model.price is not None and given.model.price.input == 2.5 and given.model.context_window is None

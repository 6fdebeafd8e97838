"""The tool policy table: which rule decides a call, and when untrusted content raises the bar."""

import pytest

import tests.workflows.tool_stand_ins as stand_ins
from paperclip.models import ToolPolicy, ToolRule
from paperclip.tools import COMPLETE_TASK, ToolArgumentsError, arguments_of, tools_for
from paperclip.tools.base import ToolArguments
from paperclip.tools.policy import decide, literal, matches
from paperclip.tools.registry import MAX_TOOLS, RegisteredTool

ALLOW, ASK, DENY = ToolPolicy.ALLOW, ToolPolicy.ASK, ToolPolicy.DENY


class _Args(ToolArguments):
    tool = "run_it"


RUN = RegisteredTool(name="run_it", arguments=_Args, description="runs", risky=True)
READ = RegisteredTool(name="read_it", arguments=_Args, description="reads")
ASKING = RegisteredTool(name="push_it", arguments=_Args, description="pushes", policy=ASK, risky=True)


def rule(tool: str, policy: ToolPolicy, pattern: str | None = None, *, untrusted: bool = False) -> ToolRule:
    return ToolRule(tool=tool, policy=policy, pattern=pattern, untrusted=untrusted)


@pytest.mark.parametrize(
    ("tool", "subject", "agent", "company", "expected"),
    [
        # No rule: the tool's default.
        (RUN, "pytest", [], [], ALLOW),
        (ASKING, "main", [], [], ASK),
        # The agent's rule over the default.
        (RUN, "pytest", [rule("run_it", DENY)], [], DENY),
        # A rule with a pattern over one without, wherever each is.
        (RUN, "pytest -q", [rule("run_it", ALLOW, "pytest*")], [rule("run_it", ASK)], ALLOW),
        (RUN, "rm -rf /", [rule("run_it", ALLOW, "pytest*")], [rule("run_it", ASK)], ASK),
        # The company's over the agent's of equal specificity.
        (RUN, "pytest", [rule("run_it", ALLOW)], [rule("run_it", DENY)], DENY),
        (RUN, "pytest", [rule("run_it", DENY, "py*")], [rule("run_it", ALLOW, "pytest")], ALLOW),
        # Equally specific rules of one owner: the strictest.
        (RUN, "pytest", [rule("run_it", ALLOW, "py*"), rule("run_it", ASK, "*test")], [], ASK),
        # A tool's own name over a wildcard; a wildcard names a server's tools.
        ("git__commit", "", [rule("git__*", DENY), rule("git__commit", ALLOW)], [], ALLOW),
        ("git__push", "", [rule("git__*", DENY), rule("git__commit", ALLOW)], [], DENY),
        ("time__now", "", [rule("git__*", DENY)], [], ALLOW),
        # Another tool's rule is not this one's.
        (READ, "a.txt", [rule("run_it", DENY)], [], ALLOW),
        # A pattern is shell-style on the whole subject.
        (READ, "src/a.py", [rule("read_it", DENY, "*.env")], [], ALLOW),
        (READ, "config/.env", [rule("read_it", DENY, "*.env")], [], DENY),
    ],
)
def test_the_most_specific_rule_decides(
    tool: RegisteredTool | str, subject: str, agent: list[ToolRule], company: list[ToolRule], expected: ToolPolicy
) -> None:
    verdict = decide(tool, subject, agent, company)
    assert verdict.policy is expected, verdict.why


def test_the_verdict_says_which_rule_decided_and_its_pattern() -> None:
    verdict = decide(RUN, "pytest -q", [rule("run_it", ASK)], [rule("run_it", ALLOW, "pytest*")])
    assert verdict == (ALLOW, "the company's rule for run_it on 'pytest*' says allow", "pytest*")
    assert decide(RUN, "ls", [], []).why == "run_it's default is allow"


def test_after_untrusted_content_a_risky_tool_that_would_run_is_asked_about() -> None:
    assert decide(RUN, "pytest", [], [], untrusted_read=True).policy is ASK
    assert "untrusted" in decide(RUN, "pytest", [], [], untrusted_read=True).why
    # Not risky: runs. Denied: stays denied.
    assert decide(READ, "a.txt", [], [], untrusted_read=True).policy is ALLOW
    assert decide(RUN, "x", [rule("run_it", DENY)], [], untrusted_read=True).policy is DENY
    # A rule that holds for untrusted work lets it run; one that does not, does not.
    assert decide(RUN, "pytest", [rule("run_it", ALLOW, "pytest", untrusted=True)], [], untrusted_read=True) == (
        ALLOW,
        "the agent's rule for run_it on 'pytest' says allow",
        "pytest",
    )
    assert decide(RUN, "pytest", [rule("run_it", ALLOW, "pytest")], [], untrusted_read=True).policy is ASK


def test_a_tool_outside_the_registry_is_risky_unless_read_only() -> None:
    assert decide("git__commit", "", [], [], untrusted_read=True).policy is ASK
    assert decide("time__now", "", [], [], untrusted_read=True, risky=False).policy is ALLOW
    assert decide("git__push", "", [], [], default=ASK).policy is ASK


def test_an_allowance_for_the_task_lets_an_asked_call_run_but_never_a_denied_one() -> None:
    allowed = [rule("run_it", ALLOW, "pytest*")]
    assert decide(RUN, "pytest -q", [rule("run_it", ASK)], [], allowed_for_task=allowed).policy is ALLOW
    assert decide(RUN, "make", [rule("run_it", ASK)], [], allowed_for_task=allowed).policy is ASK
    assert decide(RUN, "pytest", [rule("run_it", DENY)], [], allowed_for_task=allowed).policy is DENY


def test_an_allowance_given_before_untrusted_content_does_not_cover_a_risky_call_after_it() -> None:
    before = [rule("run_it", ALLOW, "pytest*")]
    after = [rule("run_it", ALLOW, "pytest*", untrusted=True)]
    assert decide(RUN, "pytest", [rule("run_it", ASK)], [], untrusted_read=True, allowed_for_task=before).policy is ASK
    assert decide(RUN, "pytest", [rule("run_it", ASK)], [], untrusted_read=True, allowed_for_task=after).policy is ALLOW
    # A call the default lets run, escalated: the later allowance covers it too.
    assert decide(RUN, "pytest", [], [], untrusted_read=True, allowed_for_task=after).policy is ALLOW
    # Not risky: an allowance from before still holds.
    assert decide(READ, "a", [rule("read_it", ASK)], [], untrusted_read=True, allowed_for_task=before).policy is ASK
    read_before = [rule("read_it", ALLOW)]
    assert (
        decide(READ, "a", [rule("read_it", ASK)], [], untrusted_read=True, allowed_for_task=read_before).policy is ALLOW
    )


def test_a_subject_allowed_literally_matches_itself_alone() -> None:
    exact = rule("run_it", ALLOW, literal("ls [a]*?"))
    assert matches(exact, "run_it", "ls [a]*?")
    assert not matches(exact, "run_it", "ls a-and-more")


def test_an_agents_registry_tools_are_offered_after_the_standard_ones_and_checked_like_them() -> None:
    offered = [t.name for t in tools_for([], extra=[stand_ins.PROBE_RUN, "git__status", COMPLETE_TASK])]
    assert offered[-1] == stand_ins.PROBE_RUN and offered.count(COMPLETE_TASK) == 1 and "git__status" not in offered
    spec = tools_for([], extra=[stand_ins.PROBE_READ])[-1]
    assert spec.description == "Read a file of the workspace." and spec.parameters["required"] == ["path"]
    assert len(tools_for([], extra=[stand_ins.PROBE_READ] * (MAX_TOOLS + 5))) <= MAX_TOOLS
    assert arguments_of(stand_ins.PROBE_READ, {"path": " a.py "}) == stand_ins.ProbeReadArguments(path="a.py")
    with pytest.raises(ToolArgumentsError, match="invalid arguments for probe_read: path: Field required"):
        arguments_of(stand_ins.PROBE_READ, {})

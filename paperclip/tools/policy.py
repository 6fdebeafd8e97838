"""Whether a call of a tool runs, waits for a person, or is refused: `decide`.

A pure function of the tool, the call's subject (its command, path, URL or subcommand), the
agent's and the company's rules, what the task has read and what a person allowed for it, so
the task workflow can call it deterministically and the table is tested without a workflow.

The most specific matching rule wins: a rule with a pattern over one without, a rule naming the
tool over a wildcard (`server__*`), a company's rule over an agent's; among rules equally
specific the strictest (deny, then ask, then allow). No rule: the tool's default. Then, unless
the rules deny it, a matching "allow for this task" (`ToolDecision.scope == "task"`) lets the
call run; and once the task has read untrusted content, a risky tool that would run is asked
about first, unless the deciding rule (or allowance) holds for untrusted work.
"""

import fnmatch
import re
from collections.abc import Sequence
from typing import NamedTuple

from paperclip.models import ToolPolicy, ToolRule
from paperclip.tools.registry import RegisteredTool

STRICTNESS = {ToolPolicy.DENY: 0, ToolPolicy.ASK: 1, ToolPolicy.ALLOW: 2}
"""Among equally specific rules, the lower wins."""


class Verdict(NamedTuple):
    """What `decide` says of a call."""

    policy: ToolPolicy
    why: str
    """For the approval, the model or the trace: which rule (or default) decided, and why asked."""
    pattern: str | None = None
    """The deciding rule's pattern, if it had one: what an "allow for this task" allows."""


def matches_tool(rule_tool: str, name: str) -> bool:
    """Whether a rule's `tool` names `name`: exactly, or as a shell-style wildcard (`server__*`)."""
    if any(c in rule_tool for c in "*?["):
        return fnmatch.fnmatchcase(name, rule_tool)
    return rule_tool == name


def matches(rule: ToolRule, name: str, subject: str) -> bool:
    """Whether `rule` applies to a call of `name` on `subject` (its pattern, shell-style)."""
    if not matches_tool(rule.tool, name):
        return False
    return rule.pattern is None or fnmatch.fnmatchcase(subject, rule.pattern)


def literal(subject: str) -> str:
    """A pattern that matches `subject` alone (its wildcard characters taken literally)."""
    return re.sub(r"([*?\[])", r"[\1]", subject)


def decide(
    tool: RegisteredTool | str,
    subject: str,
    agent_rules: Sequence[ToolRule],
    company_rules: Sequence[ToolRule],
    *,
    untrusted_read: bool = False,
    allowed_for_task: Sequence[ToolRule] = (),
    risky: bool | None = None,
    default: ToolPolicy | None = None,
) -> Verdict:
    """What happens to a call of `tool` on `subject`.

    Args:
        tool: a registry tool, or the name of one outside the registry (an MCP server's
            `server__tool`): such a tool is risky unless `risky` says otherwise (an MCP tool
            marked read-only is not) and runs by default unless `default` says otherwise.
        subject: what the rules' patterns match (the command, path, URL or subcommand).
        agent_rules: the agent's rules (`AgentSpec.tool_policy`).
        company_rules: the company's rules (`CompanySpec.tool_policy`), over the agent's.
        untrusted_read: the task has read content from outside.
        allowed_for_task: what a person allowed for the rest of the task (rules whose `untrusted`
            says whether they were given once the task had read untrusted content).
        risky: overrides the tool's own `risky`.
        default: overrides the tool's default policy.
    """
    name = tool if isinstance(tool, str) else tool.name
    is_risky = risky if risky is not None else (True if isinstance(tool, str) else tool.risky)
    fallback = default if default is not None else (ToolPolicy.ALLOW if isinstance(tool, str) else tool.policy)

    candidates = [
        (rule.pattern is not None, not any(c in rule.tool for c in "*?["), company, -STRICTNESS[rule.policy], rule)
        for company, rules in ((False, agent_rules), (True, company_rules))
        for rule in rules
        if matches(rule, name, subject)
    ]
    rule = max(candidates, key=lambda c: c[:4])[4] if candidates else None
    if rule is None:
        policy, holds_untrusted, why, pattern = fallback, False, f"{name}'s default is {fallback}", None
    else:
        where = "the company's" if any(rule is r for r in company_rules) else "the agent's"
        on = f" on '{rule.pattern}'" if rule.pattern is not None else ""
        policy, holds_untrusted = rule.policy, rule.untrusted
        why, pattern = f"{where} rule for {rule.tool}{on} says {rule.policy}", rule.pattern
    if policy is ToolPolicy.DENY:
        return Verdict(policy, why, pattern)
    if policy is ToolPolicy.ALLOW and untrusted_read and is_risky and not holds_untrusted:
        policy, why = ToolPolicy.ASK, f"the task has read untrusted content and {name} is risky ({why})"
    if policy is ToolPolicy.ASK:
        # A person's "allow for this task" given before the task read untrusted content does not
        # cover a risky call after it: that is what the escalation is for.
        allowance = next(
            (
                a
                for a in allowed_for_task
                if matches(a, name, subject) and (a.untrusted or not (untrusted_read and is_risky))
            ),
            None,
        )
        if allowance is not None:
            on = f" on '{allowance.pattern}'" if allowance.pattern is not None else ""
            return Verdict(ToolPolicy.ALLOW, f"allowed for this task{on} by a person", allowance.pattern)
    return Verdict(policy, why, pattern)

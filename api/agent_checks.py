"""Who may put which agent in a company: the rules of `paperclip.cli_rules`, checked where the
caller is known — hiring an agent, founding a company with agents, importing one, configuring one
(`check_change`: the same rules, on what the change changes).

- a spec that breaks a rule (a reserved variable in `cli.env`, a malformed `cli.base_url`, …): 422;
- a `cli.workspace` outside the deployment's workspace roots: 403, whoever asks;
- a `process` agent, a custom `cli.command`, `cli.args` that give the tool other settings: 403
  unless the caller is the board or an owner of the company's team;
- its tools, tool rules and repository (`api.tool_checks`): an unknown tool is a 422; a repository
  or tool rules, 403 unless the caller is the board or an owner.
"""

import asyncio
from collections.abc import Sequence

from api.auth import Caller
from api.errors import ApiError
from api.tool_checks import check_agent_tools, check_tooling
from paperclip.cli_rules import CLI_ADAPTERS, owner_only_powers, spec_problems, workspace_problem
from paperclip.keyring import Keyring
from paperclip.models import AgentSpec, TeamRole
from paperclip.settings import Settings


def may_grant_powers(caller: Caller, team: str | None) -> bool:
    """Whether the caller is the board or an owner of `team`."""
    return caller.is_board or (team is not None and caller.roles.get(team) is TeamRole.OWNER)


def _valid(spec: AgentSpec) -> None:
    """Refuse a spec no one may have (422): a rule of `spec_problems` broken, an unknown tool."""
    problems = spec_problems(spec)
    if problems:
        raise ApiError(422, "invalid_input", f"agent {spec.name}: {'; '.join(problems)}", {"agent": spec.name})
    check_agent_tools(spec)


def _inside_roots(spec: AgentSpec, settings: Settings, company_id: str) -> None:
    """Refuse a CLI agent whose workspace is outside the roots (403, for everyone)."""
    if spec.adapter in CLI_ADAPTERS:
        outside = workspace_problem(
            spec.cli, home=settings.home_dir, company_id=company_id, roots=settings.workspace_roots
        )
        if outside:
            raise ApiError(403, "forbidden", f"agent {spec.name}: {outside}", {"agent": spec.name})


def _check(
    specs: Sequence[AgentSpec],
    caller: Caller,
    team: str | None,
    company_id: str,
    settings: Settings,
    keyring: Keyring | None,
) -> None:
    for spec in specs:
        _valid(spec)
        check_tooling(
            repository=spec.repository,
            rules=spec.tool_policy,
            where=f"agent {spec.name}",
            owner=may_grant_powers(caller, team),
            actor=caller.actor,
            team=team,
            company_id=company_id,
            settings=settings,
            keyring=keyring,
        )
        _inside_roots(spec, settings, company_id)
        powers = owner_only_powers(spec)
        if powers and not may_grant_powers(caller, team):
            raise ApiError(
                403,
                "forbidden",
                f"agent {spec.name}: {powers[0]}, so only the board or an owner of team {team} may hire it"
                f" ({caller.actor} is not)",
                {"agent": spec.name},
            )


async def check_agents(
    specs: Sequence[AgentSpec],
    *,
    caller: Caller,
    team: str | None,
    company_id: str,
    settings: Settings,
    keyring: Keyring | None = None,
) -> None:
    """Refuse the first spec the caller may not put in company `company_id` (of `team`); with a
    `keyring`, a repository's credential must be one the team has (without, naming one is a 422).

    Raises:
        ApiError: 422 for a spec no one may hire, 403 for one the caller may not.
    """
    await asyncio.to_thread(_check, specs, caller, team, company_id, settings, keyring)


def _check_change(
    before: AgentSpec,
    after: AgentSpec,
    caller: Caller,
    team: str | None,
    company_id: str,
    settings: Settings,
    keyring: Keyring | None,
) -> None:
    name, owner = after.name, may_grant_powers(caller, team)
    _valid(after)
    rules, repository = after.tool_policy != before.tool_policy, after.repository != before.repository
    if (rules or repository) and not owner:
        what = "tool rules" if rules else "a repository"
        raise ApiError(
            403,
            "forbidden",
            f"agent {name}: only the board or an owner of team {team} may change {what} ({caller.actor} is not)",
        )
    check_tooling(
        repository=after.repository if repository else None,
        rules=after.tool_policy if rules else [],
        where=f"agent {name}",
        owner=True,  # checked above, on what changed
        actor=caller.actor,
        team=team,
        company_id=company_id,
        settings=settings,
        keyring=keyring,
    )
    if after.adapter != before.adapter or after.cli.workspace != before.cli.workspace:
        _inside_roots(after, settings, company_id)
    runs = (after.adapter, after.cli.command, after.cli.args) != (before.adapter, before.cli.command, before.cli.args)
    powers = owner_only_powers(after)
    if runs and powers and not owner:
        raise ApiError(
            403,
            "forbidden",
            f"agent {name}: {powers[0]}, so only the board or an owner of team {team} may configure it"
            f" ({caller.actor} is not)",
            {"agent": name},
        )


async def check_change(
    before: AgentSpec,
    after: AgentSpec,
    *,
    caller: Caller,
    team: str | None,
    company_id: str,
    settings: Settings,
    keyring: Keyring | None = None,
) -> None:
    """Refuse a configure of an agent from `before` to `after` that the caller may not make: the
    rules of a hire, applied to what changes. Anyone may not keep an invalid spec (422) or move a
    workspace outside the roots (403); only the board or an owner of `team` may change tool rules
    or a repository, or make the agent run another program (its adapter, `cli.command`,
    `cli.args`) when the result holds an owner-only power (403). What an owner gave it and the
    change leaves alone stays, whoever configures the rest.

    Raises:
        ApiError: 422 for a spec no one may have, 403 for a change the caller may not make.
    """
    await asyncio.to_thread(_check_change, before, after, caller, team, company_id, settings, keyring)

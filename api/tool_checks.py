"""What an agent's or a company's tools may be, checked where the caller is known: hiring an
agent, founding or importing a company, setting a company's tool rules.

- a tool name that is neither a registry tool nor an MCP server's `server__tool`: 422 naming it
  and listing the known ones (`paperclip.tools.known`);
- a repository that is not an absolute path under the deployment's workspace roots (or the
  company's own folder) nor an `https://` URL, or that names a credential the company's team does
  not have: 422;
- a repository or tool rules set by anyone but the board or an owner of the company's team: 403
  (a repository chooses what the agents' commands run on; a rule can allow any command).
"""

from urllib.parse import urlsplit

from api.errors import ApiError
from paperclip.cli_rules import company_folder, inside
from paperclip.keyring import Keyring
from paperclip.models import AgentSpec, RepositoryConfig, ToolRule
from paperclip.settings import Settings
from paperclip.tools.known import agent_tool_problems, known_tools, rules_problems


def _unknown(where: str, problems: list[str]) -> ApiError:
    return ApiError(422, "unknown_tool", f"{where}: {'; '.join(problems)}", {"known": known_tools()})


def check_agent_tools(spec: AgentSpec) -> None:
    """Refuse an agent given a tool no one can run.

    Raises:
        ApiError: 422 `unknown_tool`, naming the tool and listing the known ones.
    """
    problems = agent_tool_problems(spec)
    if problems:
        raise _unknown(f"agent {spec.name}", problems)


def check_rules(rules: list[ToolRule], *, where: str) -> None:
    """Refuse tool rules that name a tool no one can run (422 `unknown_tool`)."""
    problems = rules_problems(rules)
    if problems:
        raise _unknown(where, problems)


def repository_problem(
    repository: RepositoryConfig, *, settings: Settings, company_id: str, keyring: Keyring | None, team: str | None
) -> str | None:
    """Why `repository` may not be used by company `company_id` (of `team`); None: it may."""
    for field, value in (("source", repository.source), ("push_url", repository.push_url)):
        if value is None or value.startswith("https://"):
            if value is not None and not urlsplit(value).hostname:
                return f"repository.{field}: {value!r} has no host"
            continue
        if "://" in value or value.startswith("git@"):
            return f"repository.{field}: {value!r}: only https:// URLs (or a path under the workspace roots)"
        allowed = [company_folder(settings.home_dir, company_id), *settings.workspace_roots]
        if not inside(value, allowed):
            roots = ", ".join(str(root) for root in allowed)
            return (
                f"repository.{field}: {value} is not an absolute path under the deployment's workspace roots "
                f"({roots}); the deployment may add a root with PAPERCLIP_WORKSPACE_ROOTS"
            )
    if repository.credential is not None and (
        keyring is None or keyring.bound_urls(team, repository.credential) is None
    ):
        return (
            f"repository.credential: there is no credential '{repository.credential}' for this company "
            "(`paperclip credential list` shows them)"
        )
    return None


def check_tooling(
    *,
    repository: RepositoryConfig | None,
    rules: list[ToolRule],
    where: str,
    owner: bool,
    actor: str,
    team: str | None,
    company_id: str,
    settings: Settings,
    keyring: Keyring | None,
) -> None:
    """Refuse a repository or tool rules (of an agent or a company) the caller may not set.

    Raises:
        ApiError: 403 when the caller (`actor`) is not the board or an owner of `team` (`owner`); 422 for an unknown
            tool in a rule or a repository outside the roots or with an unknown credential.
    """
    if (repository is not None or rules) and not owner:
        what = "a repository" if repository is not None else "tool rules"
        raise ApiError(
            403,
            "forbidden",
            f"{where}: only the board or an owner of team {team} may set {what} ({actor} is not)",
        )
    check_rules(rules, where=where)
    if repository is not None:
        problem = repository_problem(repository, settings=settings, company_id=company_id, keyring=keyring, team=team)
        if problem:
            raise ApiError(422, "invalid_input", f"{where}: {problem}", {"field": "repository"})

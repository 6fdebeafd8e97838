"""The provider key a CLI tool gets, only where its credential is bound.

A tool that takes a key (`paperclip.cli_rules.tool_key`: Claude Code the Anthropic key, Codex the
OpenAI one, OpenCode the one of its model's provider, Gemini CLI the Gemini API's) is given it
when the credential resolves and is bound to the URL the tool will call: `cli.base_url`, else the
provider's official URL. The activity then sets both variables itself — the key
(`ANTHROPIC_API_KEY`, …) and the URL (`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`,
`GOOGLE_GEMINI_BASE_URL`, OpenCode's inline config) to the URL it checked — and `cli.env` may set
neither. Which credential: `cli.credential`; unset, the provider's own (`ANTHROPIC_API_KEY`,
`OPENAI_API_KEY`, `GEMINI_API_KEY`) when the tool calls the official URL, and none when the spec
names another URL (a local model server needs none; a key for it is named explicitly). Codex reads
no `OPENAI_BASE_URL`: its adapter gives it the same `cli.base_url` on its command line, as a model
provider (`activities.cli.codex.provider_flags`).

A tool given a key holds it: what its own commands do with it is the tool's permission profile.
"""

import json
from collections.abc import Iterable, Mapping

from paperclip.cli_rules import GEMINI, TOOL_CREDENTIALS, TOOL_URLS, ToolKey, tool_key
from paperclip.errors import PaperclipError
from paperclip.keys import BASE_URL_VARIABLES, BoundKey, KeyResolver, UrlError, normalise_url
from paperclip.models import Adapter, CliConfig, Provider
from paperclip.settings import get_settings


class KeyRefused(PaperclipError):
    """The spec asks for a key it may not have, or sends one where it may not go."""

    kind = "forbidden"


class EnvironmentKeys:
    """A `KeyResolver` over the worker's environment, for the deployment's provider keys only.

    `OPENAI_API_KEY`, `ANTHROPIC_API_KEY` and `GEMINI_API_KEY` (by default) resolve to the
    variable's value, bound to the provider's official URL and to the base URL the deployment sets
    beside it (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `GOOGLE_GEMINI_BASE_URL`, a proxy of its
    own); any other name resolves to None, so no spec can read a variable of the worker by naming it.

    Args:
        environ: where the keys are read, when asked (by default the process settings',
            `Settings.environ`: the environment over the `.env` file).
        names: the credential names allowed from it.
    """

    def __init__(
        self, environ: Mapping[str, str] | None = None, names: Iterable[str] = TOOL_CREDENTIALS.values()
    ) -> None:
        self.environ = environ
        self.names = frozenset(names)

    def __call__(self, company_id: str, name: str) -> BoundKey | None:
        environ = get_settings().environ if self.environ is None else self.environ
        provider = next((p for p, n in TOOL_CREDENTIALS.items() if n == name), None)
        secret = environ.get(name, "")
        if name not in self.names or provider is None or not secret:
            return None
        urls = [TOOL_URLS[provider]]
        variable = "GOOGLE_GEMINI_BASE_URL" if provider == GEMINI else BASE_URL_VARIABLES[Provider(provider)]
        deployment_url = environ.get(variable, "")
        if deployment_url:
            urls.append(deployment_url)
        bound = []
        for url in urls:
            try:
                bound.append(normalise_url(url))
            except UrlError:
                continue  # a malformed binding binds nothing
        return BoundKey(name=name, secret=secret, urls=tuple(bound), bucket=name)


def _url_variables(tool: ToolKey, url: str) -> dict[str, str]:
    if tool.url_variable != "OPENCODE_CONFIG_CONTENT":
        return {tool.url_variable: url}
    # OpenCode's providers (the AI SDK's) take the Anthropic URL with its `/v1`; the inline config
    # beats every config file, the workspace's `opencode.json` too.
    base = url.rstrip("/") + ("/v1" if tool.provider is Provider.ANTHROPIC else "")
    return {tool.url_variable: json.dumps({"provider": {str(tool.provider): {"options": {"baseURL": base}}}})}


def key_environment(adapter: Adapter, cli: CliConfig, keys: KeyResolver | None, company_id: str) -> dict[str, str]:
    """The variables that give the tool its key and tell it its provider's URL (empty: none).

    Raises:
        KeyRefused: a credential or URL for a tool that takes none; a named credential that does not
            resolve; a credential not bound to the URL the tool would send it to.
    """
    tool = tool_key(adapter, cli)
    if tool is None:
        if cli.credential or cli.base_url:
            raise KeyRefused(
                f"{adapter.value} is given no provider key: `cli.credential` and `cli.base_url` are for the CLI tools"
            )
        return {}
    url = cli.base_url or tool.official_url
    name = cli.credential or (None if cli.base_url else tool.default_credential)
    key = keys(company_id, name) if name and keys is not None else None
    if cli.credential and key is None:
        raise KeyRefused(f"credential {cli.credential!r} is not known to this worker")
    if key is None:
        # No key: a tool of its own login keeps its own URL; one pointed elsewhere goes there keyless.
        return _url_variables(tool, url) if cli.base_url else {}
    if not key.allows(url):
        bound = ", ".join(key.urls) or "nowhere"
        raise KeyRefused(f"credential {key.name!r} may not be sent to {url} (it is bound to {bound})")
    return _url_variables(tool, url) | {tool.key_variable: key.secret}

"""`paperclip onboard`: the first run, asked step by step (or given as options with `--yes`).

It writes the settings it asked for into `$PAPERCLIP_HOME/.env` (mode 0600, other lines kept, a
key never printed), then founds a first company from a company template through the API when the
API answers. On a home already set up it changes a stored value only when asked to (with `--yes`,
only what an option names)."""

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, console, fail

DEFAULT_TEMPLATE = "software-studio"
"""The starter company: a CEO, a CTO and engineers (what the demo's kind of company is)."""
SIMULATED_LABEL = "simulated (offline demo)"


class ProviderChoice(StrEnum):
    SIMULATED = "simulated"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"


KEYS = {ProviderChoice.OPENAI: "OPENAI_API_KEY", ProviderChoice.ANTHROPIC: "ANTHROPIC_API_KEY"}
BASE_URL = "OPENAI_BASE_URL"


def _default_home() -> Path:
    from paperclip.envfile import DEFAULT_HOME

    return Path(os.environ.get("PAPERCLIP_HOME") or DEFAULT_HOME).expanduser().absolute()


def _read_key(file: Path) -> str:
    try:
        text = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        fail(f"cannot read the key file {file}: {err.strerror if isinstance(err, OSError) else err}")
    return text


def _check_key(key: str, name: str) -> str:
    if not key or not (key.isascii() and key.isprintable()) or " " in key:
        fail(f"that is not a {name}: a key is one line of printable characters, no spaces")
    return key


def _provider(asked: ProviderChoice | None, stored: dict[str, str], yes: bool) -> ProviderChoice:
    if asked is not None:
        return asked
    current = next((p for p, name in KEYS.items() if stored.get(name)), ProviderChoice.SIMULATED)
    if yes:
        return current
    console.print(
        f"Model provider: openai, anthropic, or simulated — [yellow]{SIMULATED_LABEL}[/yellow]: "
        "deterministic, free, no key."
    )
    answer = str(typer.prompt("Provider", default=current.value)).strip().lower()
    if answer not in {p.value for p in ProviderChoice}:
        fail(f"no provider {answer!r}: openai, anthropic or simulated")
    return ProviderChoice(answer)


def _key_change(provider: ProviderChoice, key_file: Path | None, stored: dict[str, str], yes: bool) -> str | None:
    """The key to write, or None to leave the file's (or the environment's) as it is."""
    name = KEYS[provider]
    if key_file is not None:
        return _check_key(_read_key(key_file), name)
    have = bool(stored.get(name) or os.environ.get(name))
    if yes:
        if not have:
            fail(f"--provider {provider.value} needs its key: --api-key-file FILE (or {name} in the environment)")
        return None
    if have and not typer.confirm(f"{name} is set already. Replace it?", default=False):
        return None
    return _check_key(typer.prompt(f"{name} (hidden)", hide_input=True).strip(), name)


def _base_url(asked: str | None, stored: dict[str, str], yes: bool) -> str | None:
    """The OpenAI-compatible base URL to write (None: leave it); empty: none."""
    if asked is None and not yes:
        asked = typer.prompt(
            f"{BASE_URL}, for an OpenAI-compatible server (empty: OpenAI's own)",
            default=stored.get(BASE_URL, ""),
            show_default=bool(stored.get(BASE_URL)),
        )
    if asked is None or asked == stored.get(BASE_URL, ""):
        return None
    if asked and not asked.startswith(("http://", "https://")):
        fail(f"{BASE_URL} must be an http:// or https:// URL, not {asked!r}")
    return asked


def _api_answers(client: Any) -> bool:
    from paperclip.client import ApiError

    try:
        client.get("/api/health")
    except ApiError as error:
        if error.status is None:
            return False
        raise
    return True


def _company_templates(client: Any) -> list[dict[str, Any]]:
    from cli.output import Table

    templates: list[dict[str, Any]] = client.get("/api/templates", kind="company").get("data", [])
    table = Table("Template", "Team", "Description")
    for item in templates:
        table.add_row(escape(item["name"]), f"{item.get('agents', '?')} agents", escape(item["description"]))
    console.print(table)
    return templates


def _first_company(name: str | None, template: str | None, yes: bool, api_url: str | None) -> None:
    """Found the first company through the API, or say in one line how to once it runs."""
    from cli.common import api
    from cli.resources import company_create

    with api(api_url) as client:
        up = _api_answers(client)
        if not up:
            where = client.base_url
        else:
            existing = client.get("/api/companies").get("data", [])
            if not yes and not typer.confirm("Create a first company now?", default=not existing):
                return
            if yes:
                names = [t["name"] for t in client.get("/api/templates", kind="company").get("data", [])]
            else:
                names = [t["name"] for t in _company_templates(client)]
                default = DEFAULT_TEMPLATE if DEFAULT_TEMPLATE in names else (names[0] if names else "")
                template = template or typer.prompt("Template", default=default)
                name = name or typer.prompt("Company name", default="My Company")
            template = template or DEFAULT_TEMPLATE
            if template not in names:
                fail(f"no company template '{template}': one of {', '.join(names)} (`paperclip template list`)")
            assert name is not None  # asked above, or given with --company
            same = [c["id"] for c in existing if name in (c["id"], c["name"])]
            if same:
                console.print(f"Company {escape(same[0])} exists already: left as it is.", highlight=False)
                return
    if not up:
        console.print(
            f"[yellow]note:[/yellow] the API does not answer at {escape(where)}: run `paperclip up`, then "
            f"`paperclip company create {escape(name or 'NAME')!r} --template {escape(template or DEFAULT_TEMPLATE)}`.",
            highlight=False,
        )
        return
    assert name is not None  # the API answered: asked, or given with --company
    company_create(name, template=template, api_url=api_url)


def onboard(
    home: Annotated[
        Path | None, typer.Option(help="The home folder (default: PAPERCLIP_HOME, else ~/.paperclip).")
    ] = None,
    provider: Annotated[
        ProviderChoice | None,
        typer.Option(help=f"openai, anthropic, or simulated: {SIMULATED_LABEL}, no key."),
    ] = None,
    api_key_file: Annotated[
        Path | None, typer.Option("--api-key-file", help="A file holding the provider's key (never an argument).")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help=f"{BASE_URL}: an OpenAI-compatible server, e.g. Ollama's.")
    ] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="The first company's name (with --yes: none without it).")
    ] = None,
    template: Annotated[
        str | None, typer.Option(help=f"Its company template (`paperclip template list`; default {DEFAULT_TEMPLATE}).")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "--non-interactive", "-y", help="Ask nothing: every answer is an option.")
    ] = False,
    api_url: ApiUrl = None,
) -> None:
    """Set up this machine: a model provider and its key in $PAPERCLIP_HOME/.env, then a first company.

    Asks for the home folder, the provider (OpenAI, Anthropic, or the offline simulated model) and
    its key (hidden), an OpenAI-compatible base URL, then founds a company from a template through
    the API (when `paperclip up` runs). With `--yes` it asks nothing and changes only what the
    options name. The file keeps its other lines, is readable by you alone, and no key is printed.
    """
    from paperclip.envfile import EnvFileError, home_env_file, read_env_file, update_env_file

    if yes and template and not company:
        fail("--template needs --company (the first company's name)")
    home = (
        (home or (_default_home() if yes else Path(typer.prompt("Home folder", default=str(_default_home())))))
        .expanduser()
        .absolute()
    )
    path = home_env_file(home)
    try:
        stored = read_env_file(path) if path.exists() else {}
    except EnvFileError as err:
        fail(f"{err} (fix or move it, then run onboard again)")
    chosen = _provider(provider, stored, yes)
    changes: dict[str, str | None] = {}
    if stored.get("PAPERCLIP_HOME") is None:
        changes["PAPERCLIP_HOME"] = str(home)
    if chosen is ProviderChoice.SIMULATED:
        for name in (n for n in KEYS.values() if stored.get(n)):
            if not yes and typer.confirm(f"{name} is stored. Remove it, so agents run simulated?", default=False):
                changes[name] = None
    else:
        key = _key_change(chosen, api_key_file, stored, yes)
        if key is not None:
            changes[KEYS[chosen]] = key
        if chosen is ProviderChoice.OPENAI:
            url = _base_url(base_url, stored, yes)
            if url is not None:
                changes[BASE_URL] = url or None
    if changes:
        try:
            update_env_file(path, changes)
        except (EnvFileError, OSError) as err:
            fail(str(err))
        told = ", ".join(
            f"{n} (removed)" if v is None else (f"{n} (set, not shown)" if n in KEYS.values() else f"{n}={v}")
            for n, v in changes.items()
        )
        console.print(f"Wrote {escape(str(path))} (mode 0600): {escape(told)}", highlight=False)
    else:
        console.print(f"{escape(str(path))}: nothing to change.", highlight=False)
    kept = [n for n in KEYS.values() if n not in changes and (stored.get(n) or os.environ.get(n))]
    model = f"[yellow]{SIMULATED_LABEL}[/yellow]" if chosen is ProviderChoice.SIMULATED else chosen.value
    if kept and chosen is ProviderChoice.SIMULATED:
        model += f" ({', '.join(kept)} still set: a template's agent on its provider uses it)"
    console.print(f"Model: {model}")
    if (
        os.environ.get("PAPERCLIP_ENV_FILE") is not None
        and Path(os.environ["PAPERCLIP_ENV_FILE"] or "/").expanduser() != path
    ):
        console.print(
            f"[yellow]note:[/yellow] PAPERCLIP_ENV_FILE is set, so {escape(str(path))} is not read: unset it."
        )
    if home != _default_home():
        console.print(f"[yellow]note:[/yellow] export PAPERCLIP_HOME={escape(str(home))} (its .env is read from there)")
        os.environ["PAPERCLIP_HOME"] = str(home)  # this process's API calls: that home's board token
        from paperclip.settings import get_settings

        get_settings.cache_clear()
    if yes and not company:
        return
    _first_company(company, template, yes, api_url)

"""What the deployment files' tests share: the files, read as their tools read them, and the
names of our settings (`paperclip.settings.Settings`) that they may set."""

import re
from pathlib import Path
from typing import Any

import yaml

from paperclip.constants import SEARCH_ATTRIBUTES
from paperclip.settings import SECRETS_DIR_VARIABLE, Settings

ROOT = Path(__file__).resolve().parents[2]
PAPERCLIP_IMAGE = re.compile(r"^paperclip(:|$)")
"""Our image's name in the compose files and the manifests (kustomize sets its registry and tag)."""


def provider_keys() -> frozenset[str]:
    """The environment variables a worker reads as agents' credentials by default (not settings)."""
    factory = Settings.model_fields["env_credentials"].default_factory
    assert factory is not None
    return frozenset(factory())  # type: ignore[call-arg]


def setting_names() -> frozenset[str]:
    """Every environment variable our settings read: `PAPERCLIP_<FIELD>`, or a field's own
    alias (`TEMPORAL_ADDRESS`), and `PAPERCLIP_SECRETS_DIR`."""
    names = {SECRETS_DIR_VARIABLE}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.add(alias if isinstance(alias, str) else f"PAPERCLIP_{field.upper()}")
    return frozenset(names)


def not_settings(names: object, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The names among `names` that no setting reads (nor `allowed` lets through)."""
    known = setting_names() | allowed
    return sorted(str(n) for n in names if n not in known)  # type: ignore[attr-defined]


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_all(text: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def search_attribute_names() -> list[str]:
    return sorted(key.name for key in SEARCH_ATTRIBUTES)


def words_after(text: str, marker: str) -> list[str]:
    """The space-separated words of the first `marker"…"` or `marker …` value in a script."""
    found = re.search(re.escape(marker) + r'"?([^"\n]*)"?', text)
    assert found, f"{marker} not found"
    return sorted(found.group(1).split())


CLUSTER = ROOT / "docker-compose.yml"
DEV = ROOT / "docker-compose.dev.yml"


def compose_ours(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services of a compose file that run our image."""
    return {name: s for name, s in compose["services"].items() if PAPERCLIP_IMAGE.match(s.get("image", ""))}


def mount_like_kubernetes(folder: Path, files: dict[str, str]) -> Path:
    """`folder` laid out as the kubelet lays out a secret volume: the files in a dated folder,
    `..data` linking to it, and each name a link through `..data`."""
    dated = folder / "..2026_12_03_14_00_00.000000001"
    dated.mkdir(parents=True)
    for name, value in files.items():
        (dated / name).write_text(value)
    (folder / "..data").symlink_to(dated.name)
    for name in files:
        (folder / name).symlink_to(f"..data/{name}")
    return folder

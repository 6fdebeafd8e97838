"""Task tokens: what one allows, and that a changed, expired or foreign token is refused."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from paperclip.tokens import TaskScope, TaskTokens, TokenError, is_task_token, task_tokens

KEY = bytes(range(32))
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_a_token_names_its_company_task_and_agent_until_it_expires() -> None:
    tokens = TaskTokens(KEY)
    token = tokens.mint(company_id="acme", task="ACME-7.2", agent="dev", ttl=timedelta(minutes=35), now=NOW)
    assert is_task_token(token) and not is_task_token("sk-live-abc")
    scope = tokens.verify(token, now=NOW + timedelta(minutes=34))
    assert scope == TaskScope("acme", "ACME-7.2", "dev", NOW + timedelta(minutes=35))
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token, now=NOW + timedelta(minutes=35))


def test_a_changed_or_foreign_token_is_refused() -> None:
    tokens = TaskTokens(KEY)
    token = tokens.mint(company_id="acme", task="ACME-1", agent="dev", ttl=timedelta(hours=1), now=NOW)
    prefix, body, signature = token.split(".")
    other = tokens.mint(company_id="globex", task="GLX-1", agent="dev", ttl=timedelta(hours=1), now=NOW)
    swapped = f"{prefix}.{other.split('.')[1]}.{signature}"  # another scope under this signature
    for bad in (swapped, f"{prefix}.{body}.{signature[:-2]}", "ptt1.x.y", "ptt1.only-two", "", "a.b.c"):
        with pytest.raises(TokenError):
            tokens.verify(bad, now=NOW)
    with pytest.raises(TokenError, match="signature"):
        TaskTokens(bytes(32)).verify(token, now=NOW)  # another deployment's key


def test_the_deployment_signer_uses_its_secret_key(tmp_path: Path) -> None:
    first = task_tokens(tmp_path / "a")
    token = first.mint(company_id="acme", task="ACME-1", agent="dev", ttl=timedelta(minutes=1))
    assert task_tokens(tmp_path / "a").verify(token).task == "ACME-1"  # the same key file
    with pytest.raises(TokenError):
        task_tokens(tmp_path / "b").verify(token)  # a home with another key

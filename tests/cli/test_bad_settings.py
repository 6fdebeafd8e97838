"""Settings from the environment: rate limits parse, and a bad setting ends any command with
one readable line and exit code 2."""

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from paperclip.models import RateLimit
from paperclip.settings import Settings


def test_rate_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PAPERCLIP_RATE_LIMITS",
        '{"OPENAI_API_KEY": {"requests_per_minute": 500, "tokens_per_minute": 200000},'
        ' "TEAM_CLAUDE_KEY": {"tokens_per_minute": 40000}}',
    )
    assert Settings().rate_limits == {
        "OPENAI_API_KEY": RateLimit(requests_per_minute=500, tokens_per_minute=200_000),
        "TEAM_CLAUDE_KEY": RateLimit(tokens_per_minute=40_000),
    }


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"OPENAI_API_KEY": {}}, "set requests_per_minute, tokens_per_minute or both"),
        ({" ": {"requests_per_minute": 5}}, "keyed by a credential's name"),
        ({"OPENAI_API_KEY": {"requests_per_minute": 0}}, "greater than 0"),
    ],
)
def test_a_rate_limit_must_say_something_sensible(limits: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(rate_limits=limits)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"OPENAI_API_KEY": {}}', "invalid setting PAPERCLIP_RATE_LIMITS (rate_limits): OPENAI_API_KEY: set"),
        ("not json", 'invalid setting: error parsing value for field "rate_limits"'),
    ],
)
def test_a_bad_setting_ends_a_command_with_one_line(value: str, expected: str, tmp_path) -> None:
    env = os.environ | {"PAPERCLIP_RATE_LIMITS": value, "PAPERCLIP_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "cli", "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"paperclip: {expected}")
    assert len(done.stderr.strip().splitlines()) == 1

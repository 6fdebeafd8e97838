"""The GitHub client against the fake GitHub REST API over real HTTP: listings follow `Link`
pages, the diff comes in GitHub's diff media type and is cut to a bound with a note, a review is
posted as GitHub takes it; a wrong token is a readable 401, and the token goes nowhere its
credential is not bound to."""

from collections.abc import AsyncIterator

import pytest

from paperclip.github import GitHubClient, GitHubError, truncate_diff
from paperclip.keys import BoundKey, normalise_url
from tests.api.conftest import serve
from tests.fakes.github_api import FakeGitHub

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


@pytest.fixture
async def github() -> AsyncIterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()
    async with serve(fake.app()) as url:
        yield fake, url


def key(url: str, secret: str) -> BoundKey:
    return BoundKey(name="github", secret=secret, urls=(normalise_url(url),), bucket="github")


async def test_listings_follow_every_page_and_the_base_filter(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    for n in range(1, 6):
        fake.add_pull(n, f"{n:040x}", [f"src/f{i}.py" for i in range(n)], base="main" if n != 3 else "develop")
    async with GitHubClient(url, key(url, fake.token), fake.full_name) as client:
        pulls = await client.open_pulls("main")
        files = await client.pull_files(5)
    assert [p["number"] for p in pulls] == [5, 4, 2, 1]
    assert pulls[0]["head"]["sha"] == f"{5:040x}" and pulls[0]["base"]["ref"] == "main"
    assert files == [f"src/f{i}.py" for i in range(5)]
    listing = [r for r in fake.received if r.path == "/repos/myorg/myapp/pulls"]
    assert len(listing) == 2 and "page=2" in listing[1].query  # two pages of at most two


async def test_the_diff_is_read_as_githubs_diff_and_a_long_one_is_cut_with_a_note(
    github: tuple[FakeGitHub, str],
) -> None:
    fake, url = github
    fake.add_pull(7, SHA, ["a.py", "b.py"])
    async with GitHubClient(url, key(url, fake.token), fake.full_name) as client:
        diff = await client.pull_diff(7)
    assert diff.startswith("diff --git a/a.py b/a.py") and "+++ b/b.py" in diff
    assert fake.received[-1].headers["accept"] == "application/vnd.github.diff"
    cut = truncate_diff(diff * 1000, limit=5_000)
    assert len(cut) < 5_200 and cut.endswith(" shown]\n") and "the diff was cut here" in cut
    assert truncate_diff(diff) == diff


async def test_a_review_is_posted_as_a_comment_on_the_head(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    fake.add_pull(7, SHA, ["a.py"])
    async with GitHubClient(url, key(url, fake.token), fake.full_name) as client:
        made = await client.create_review(7, body="LGTM", commit_id=SHA)
        listed = await client.reviews(7)
    assert made["state"] == "COMMENTED" and made["commit_id"] == SHA and made["html_url"].endswith(str(made["id"]))
    assert fake.posted()[0].json() == {"body": "LGTM", "event": "COMMENT", "commit_id": SHA}
    assert listed == [made]


async def test_a_wrong_token_is_a_readable_401(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    async with GitHubClient(url, key(url, "ghp_wrong"), fake.full_name) as client:
        with pytest.raises(GitHubError) as caught:
            await client.open_pulls("main")
    assert caught.value.status == 401 and not caught.value.retryable
    assert "GitHub answered 401: Bad credentials (the token is wrong or expired)" in str(caught.value)


async def test_the_token_goes_only_under_the_url_its_credential_is_bound_to(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    elsewhere = BoundKey(name="github", secret=fake.token, urls=("https://api.github.com:443",), bucket="github")
    async with GitHubClient(url, elsewhere, fake.full_name) as client:
        with pytest.raises(GitHubError, match="credential 'github' is not bound to"):
            await client.open_pulls("main")
    assert fake.received == []

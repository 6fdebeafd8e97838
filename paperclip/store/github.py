"""Companies' pull-request reviewers: their GitHub monitors and the review of each head commit.

A review is claimed by inserting its row, keyed by (company, repository, pull request, head
commit): whoever inserts it runs the review, anyone after (a second poll, a redelivery, a
webhook and a poll racing) finds it taken. The same claimant asking again (a retried activity)
is told it holds it. Repositories are kept lowercased: GitHub's names are case-insensitive.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from paperclip.github.models import GitHubMonitor, GitHubMonitorSpec, PullRequestReview, ReviewState
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import github_monitors, pull_request_reviews


class GitHubStore(StoreCore):
    """GitHub monitors by company and name, and their reviews by head commit."""

    # ------------------------------------------------------------------ monitors

    def add_monitor(
        self, company_id: str, spec: GitHubMonitorSpec, credential: str, *, now: datetime | None = None
    ) -> bool:
        """Keep the monitor (its token's credential named); False when the company has one of that name."""
        row = {
            "company_id": company_id,
            "name": spec.name,
            "config": spec.model_dump(mode="json", exclude={"name", "credential"}),
            "credential": credential,
            "created_at": now or utc_now(),
        }
        keys = ["company_id", "name"]
        added = self._insert(github_monitors).values(row).on_conflict_do_nothing(index_elements=keys)
        with self._write() as conn:
            return conn.execute(added.returning(github_monitors.c.name)).first() is not None

    @staticmethod
    def _monitor(company_id: str, row: Any) -> GitHubMonitor:
        return GitHubMonitor.model_validate(
            {**row.config, "name": row.name, "credential": row.credential, "company_id": company_id}
            | {"created_at": row.created_at}
        )

    def get_monitor(self, company_id: str, name: str) -> GitHubMonitor | None:
        c = github_monitors.c
        query = sa.select(c.name, c.config, c.credential, c.created_at).where(
            c.company_id == company_id, c.name == name
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else self._monitor(company_id, row)

    def list_monitors(self, company_id: str) -> list[GitHubMonitor]:
        c = github_monitors.c
        query = sa.select(c.name, c.config, c.credential, c.created_at).where(c.company_id == company_id)
        with self.engine.connect() as conn:
            return [self._monitor(company_id, row) for row in conn.execute(query.order_by(c.name))]

    def delete_monitor(self, company_id: str, name: str) -> bool:
        """Forget the monitor (its reviews are kept); False when there is none of that name."""
        c = github_monitors.c
        with self._write() as conn:
            gone = conn.execute(
                github_monitors.delete().where(c.company_id == company_id, c.name == name).returning(c.name)
            )
            return gone.first() is not None

    # ------------------------------------------------------------------ reviews

    def claim_review(
        self,
        company_id: str,
        monitor: str,
        repo: str,
        number: int,
        head_sha: str,
        run_id: str,
        *,
        now: datetime | None = None,
    ) -> tuple[bool, PullRequestReview]:
        """Claim the review of a head for `run_id`: (True, the row) when this run holds it (new,
        or claimed by the same run before), (False, the row) when another run has it."""
        at = now or utc_now()
        row = {
            "company_id": company_id,
            "repo": repo.lower(),
            "number": number,
            "head_sha": head_sha,
            "monitor": monitor,
            "run_id": run_id,
            "state": ReviewState.RUNNING.value,
            "created_at": at,
            "updated_at": at,
        }
        keys = ["company_id", "repo", "number", "head_sha"]
        claimed = self._insert(pull_request_reviews).values(row).on_conflict_do_nothing(index_elements=keys)
        with self._write() as conn:
            conn.execute(claimed)
        found = self.get_review(company_id, repo, number, head_sha)
        assert found is not None
        return found.run_id == run_id, found

    def settle_review(
        self,
        company_id: str,
        repo: str,
        number: int,
        head_sha: str,
        state: ReviewState,
        *,
        review_id: int | None = None,
        review_url: str | None = None,
        error: str | None = None,
    ) -> None:
        """Say how a claimed review ended."""
        r = pull_request_reviews.c
        with self._write() as conn:
            conn.execute(
                pull_request_reviews.update()
                .where(r.company_id == company_id, r.repo == repo.lower(), r.number == number, r.head_sha == head_sha)
                .values(
                    state=state.value,
                    review_id=review_id,
                    review_url=review_url,
                    error=None if error is None else error[:4_000],
                    updated_at=utc_now(),
                )
            )

    def get_review(self, company_id: str, repo: str, number: int, head_sha: str) -> PullRequestReview | None:
        r = pull_request_reviews.c
        query = sa.select(pull_request_reviews).where(
            r.company_id == company_id, r.repo == repo.lower(), r.number == number, r.head_sha == head_sha
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else PullRequestReview.model_validate(dict(row))

    def list_reviews(self, company_id: str, repo: str | None = None, *, limit: int = 100) -> list[PullRequestReview]:
        """The company's reviews (of `repo`, if given), newest first."""
        r = pull_request_reviews.c
        query = sa.select(pull_request_reviews).where(r.company_id == company_id)
        if repo is not None:
            query = query.where(r.repo == repo.lower())
        query = query.order_by(r.created_at.desc(), r.number.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [PullRequestReview.model_validate(dict(row)) for row in conn.execute(query).mappings()]

    def reviewed_heads(self, company_id: str, repo: str, numbers: list[int]) -> set[tuple[int, str]]:
        """Which (pull request, head) of `numbers` in `repo` have a review (in any state)."""
        if not numbers:
            return set()
        r = pull_request_reviews.c
        query = sa.select(r.number, r.head_sha).where(
            r.company_id == company_id, r.repo == repo.lower(), r.number.in_(numbers)
        )
        with self.engine.connect() as conn:
            return {(row.number, row.head_sha) for row in conn.execute(query)}

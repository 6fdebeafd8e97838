"""GitHub's REST API for the pull-request reviewer (`paperclip.models.github`)."""

from paperclip.github.client import DIFF_LIMIT, GitHubClient, GitHubError, truncate_diff

__all__ = ["DIFF_LIMIT", "GitHubClient", "GitHubError", "truncate_diff"]

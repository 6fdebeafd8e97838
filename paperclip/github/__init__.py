"""GitHub's REST API for the pull-request reviewer (`paperclip.github.models`)."""

from paperclip.github.client import DIFF_LIMIT, GitHubClient, GitHubError, truncate_diff

__all__ = ["DIFF_LIMIT", "GitHubClient", "GitHubError", "truncate_diff"]

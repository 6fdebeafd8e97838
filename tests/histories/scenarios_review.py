"""The pull-request reviewer's recording scenario (`review`), beside `tests.histories.scenarios`."""

import asyncio

from paperclip.constants import review_workflow_id
from paperclip.github.models import GitHubMonitorSpec, PollInput, ReviewResult, ReviewState
from paperclip.keys import normalise_url
from paperclip.models import AgentSpec, Role
from paperclip.pipelines import builtin_text
from paperclip.secrets import SecretBox, load_key
from tests.api.conftest import serve
from tests.fakes.github_api import FakeGitHub
from tests.histories.stage import Company, Stage
from workflows.review import GitHubPollWorkflow, PullRequestReviewWorkflow

TIMEOUT = 120
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"


async def review(stage: Stage) -> Company:
    """A monitor's poll finds one open pull request into its branch and starts its review: the
    head is claimed, its diff fetched with the token, the code-review pipeline runs on it as a
    child (four steps, four tasks) and the summary is posted as a review on the head."""
    agents = [AgentSpec(name="lead", role=Role.CEO)] + [
        AgentSpec(name=name, reports_to="lead", model=stage.fake_model(), tools=["read_file"])
        for name in ("linter", "security", "reviewer", "summarizer")
    ]
    company = await stage.start_company("review", agents)
    github = FakeGitHub()
    github.add_pull(7, SHA, ["src/upload.py", "tests/test_upload.py"])
    async with serve(github.app()) as url:
        box = SecretBox(load_key(stage.settings.home_dir, stage.settings.secret_key))
        stage.store.put_credential(None, "github", box.seal("github", github.token), [normalise_url(url)])
        text = builtin_text("code-review")
        assert text is not None
        stage.store.add_pipeline("review", "code-review", text)
        stage.store.add_monitor(
            "review", GitHubMonitorSpec(name="myapp", repo="myorg/myapp", branch="main", api_url=url), "github"
        )
        poll = await stage.client.execute_workflow(
            GitHubPollWorkflow.run,
            PollInput(company_id="review", monitor="myapp"),
            id="github-poll:review:myapp",
            task_queue=stage.queue,
        )
        assert poll.started == 1, poll
        handle = stage.client.get_workflow_handle_for(
            PullRequestReviewWorkflow.run, review_workflow_id("review", "myorg/myapp", 7, SHA)
        )
        result: ReviewResult = await asyncio.wait_for(handle.result(), TIMEOUT)
        assert result.state is ReviewState.POSTED and len(github.posted()) == 1, result
        events = (await handle.fetch_history()).events
        assert github.token.encode() not in b"".join(event.SerializeToString() for event in events)
    return company

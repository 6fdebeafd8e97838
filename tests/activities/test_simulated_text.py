"""What the offline model writes: whole sentences, never a word cut short, the same for the same
task, and a text of the kind the task asks for."""

import re
from pathlib import Path

import activities.providers.simulated_text as simulated_text
from activities.providers.simulated import LABEL, decide
from activities.providers.simulated_text import Assignment, Report, clip, summary, write
from paperclip.models import AgentSpec, Message, ToolCall
from paperclip.tools import tools_for

TEMPLATES = Path(simulated_text.__file__).read_text()
TEAM = [AgentSpec(name="cto", role="cto", reports_to="ceo"), AgentSpec(name="cmo", role="cmo", reports_to="ceo")]
LONG = (
    "Plan the launch of the Acme Picker, our friendly warehouse robot that small businesses can afford, "
    "with a launch date in the spring, a price that undercuts every competitor, a support line staffed "
    "around the clock, and a trade-show booth at every logistics fair in Europe and North America"
)


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def run_company(title: str, brief: str = "") -> dict[str, str]:
    """A manager with a CTO and a CMO, played to the end on the offline brain that writes; each
    agent's result."""
    ceo = [Message(role="user", content=f"Task ACME-1: {title}" + (f"\n{brief}" if brief else ""))]
    delegated = decide(tools_for(TEAM), ceo, id_prefix="a", writes=True)
    ceo.append(Message(role="assistant", content=delegated.content, tool_calls=delegated.tool_calls))
    results = {}
    for i, call in enumerate(delegated.tool_calls, start=1):
        sub = [Message(role="user", content=f"Task ACME-1.{i}: {call.arguments['title']}\n{call.arguments['brief']}")]
        [done] = decide(tools_for([], manager="ceo"), sub, id_prefix="b", writes=True).tool_calls
        results[call.arguments["agent"]] = done.arguments["result"]
        ceo.append(Message(role="tool", tool_call_id=call.id, content="started"))
        said = f"Subtask ACME-1.{i} ({call.arguments['agent']}) finished: done. Result: {done.arguments['result']}"
        ceo.append(Message(role="user", content=said))
    [done] = decide(tools_for(TEAM), ceo, id_prefix="c", writes=True).tool_calls
    return {**results, "ceo": done.arguments["result"]}


def test_clip_cuts_after_a_sentence_or_between_words_never_inside_one() -> None:
    assert clip("Short enough.", 20) == "Short enough."
    assert clip("One sentence here. Another one that runs long.", 30) == "One sentence here."
    assert clip("a launch of our first warehouse robot", 25) == "a launch of our first…"
    assert clip("supercalifragilistic", 10) == "supercali…"  # one word longer than the room: the only cut inside
    for limit in range(5, 60):
        cut = clip(LONG, limit)
        assert len(cut) <= limit and words(cut) <= words(LONG), (limit, cut)


def test_a_long_brief_is_never_cut_mid_word_anywhere() -> None:
    results = run_company(LONG, LONG)
    known = words(TEMPLATES) | words(LONG) | {"acme", "cto", "cmo", "ceo", "simulated"}
    for agent, result in results.items():
        assert result.startswith(f"{LABEL} Done: ") and result.rstrip()[-1] in '.!?"', (agent, result)
        assert words(result) <= known, (agent, words(result) - known)
    assert "the Acme Picker" in results["cmo"]  # the product's name, read from the task


def test_the_same_task_reads_the_same_and_other_tasks_differently() -> None:
    assert run_company("Plan the offsite") == run_company("Plan the offsite")
    leads = {write(Assignment(f"Plan the {thing}")).split("\n")[0].split(" the ")[0] for thing in "abcdefgh"}
    assert len(leads) > 1  # a handful of templates, picked by the title


def test_each_kind_of_task_gets_its_kind_of_text() -> None:
    def lead(title: str, brief: str = "") -> str:
        return write(Assignment(title, brief))

    tagline = lead("Write a tagline for the Acme Picker")
    assert re.search(r'Tagline for the Acme Picker: "[^"]+"\.', tagline)
    assert len(set(re.findall(r'"([^"]+)"', tagline))) == 3  # the tagline and two different alternatives
    assert "ready to publish" in lead("Draft a blog post about our new office")
    assert "three findings" in lead("Research the market for garden robots")
    assert re.match(r"Review [^\n]*the pull request", lead("Review the pull request"))
    assert "tests" in lead("Fix the login bug").lower()
    assert "four steps" in lead("Plan the product launch")
    assert lead("Summarise the quarter").startswith("Summary of the quarter")
    # A pipeline step's task: what it is, from its brief's first paragraph; never the diff's words.
    step = "Task R-1: code-review: pr_comment\nCreate PR review summary: the verdict first.\n\nRun inputs:\n"
    step += "- git_diff:\n+ Retry Uploads On Failure"
    for title in ("code-review: pr_comment", "cmo part of: code-review: pr_comment"):
        said = write(Assignment.read(title, step))
        assert "PR review summary" in said.split("\n")[0] and "Retry" not in said, said
    assert lead("qa part of: Ship the beta").startswith("Test plan for the beta")
    assert lead("Tidy the shelves").endswith(".")  # no kind: still whole sentences


def test_a_summary_lists_the_parts_in_order_whichever_ended_first() -> None:
    reports = [Report("ACME-1.10", "qa", "done", "Checked."), Report("ACME-1.9", "cto", "failed", "")]
    said = summary(Assignment("Ship the beta"), reports, LABEL)
    assert said.startswith("One of the two parts did not finish; it needs a decision before the beta can go on.")
    assert "retry it" in said
    assert said.index("(ACME-1.9, failed)") < said.index("(ACME-1.10)")
    assert said == summary(Assignment("Ship the beta"), reports[::-1], LABEL)


def test_a_plan_for_the_board_names_each_part() -> None:
    tools = tools_for(TEAM, strategy=True)
    [ask] = decide(
        tools, [Message(role="user", content="Task ACME-1: Ship the beta")], id_prefix="a", writes=True
    ).tool_calls
    assert ask.arguments["title"] == "Plan for: Ship the beta"
    details = ask.arguments["details"]
    assert details.startswith(f"{LABEL} Plan for the beta: two parts")
    assert "- cto (cto): the technical plan" in details and "- cmo (cmo): the launch message" in details


def test_the_short_form_the_fakes_compare_is_unchanged_and_cut_between_words() -> None:
    leaf = decide(tools_for([]), [Message(role="user", content="Task X-1: Write the notes")], id_prefix="a")
    assert leaf.tool_calls[0].arguments == {"result": "[simulated] Done: Write the notes."}
    long_result = "Result: " + LONG
    ceo = [
        Message(role="user", content="Task ACME-1: Ship it"),
        Message(role="assistant", content="", tool_calls=[ToolCall(id="d", name="delegate_task", arguments={})]),
        Message(role="user", content=f"Subtask ACME-1.1 (cto) finished: done. {long_result}"),
    ]
    [done] = decide(tools_for(TEAM), ceo, id_prefix="b").tool_calls
    report = done.arguments["result"].split("Subtask results: ")[1]
    assert report.startswith("ACME-1.1: done. Result: Plan the launch") and report.endswith("…")
    assert words(report) <= words(long_result) | {"acme", "done"}

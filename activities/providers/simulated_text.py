"""What the offline provider writes: plausible, complete, deterministic text for a task.

The demo runs on the `simulated` provider when no key is set, so its results are what a
newcomer reads first. They are written here from a handful of templates per kind of task (a
plan, a technical plan, a launch message with its tagline and post, research, a code change, a
review, a summary…), the kind read from the role a subtask was delegated to or from the words
of the task, the template chosen by a hash of the task's title (the same task always reads the
same), and the blanks filled with the task's own words. Nothing is cut mid-word: a text too
long for its place is cut after a sentence or between words (`clip`).
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?…][\"')\]”]*(?=\s|$)")
_PART_OF = re.compile(r"^(\S+) part of:\s*(.+)$")
_PIPELINE_STEP = re.compile(r"^[\w.-]+: [\w-]+$")
_NAME = re.compile(r"\b([A-Z][a-z0-9]+(?:[ -][A-Z][a-z0-9]+)+)\b")
_SECTION = re.compile(r"^(Inputs \(|Goals:|Your team:)")
_GOAL = re.compile(r"^- \S+ \[[^\]]*\][^:]*:\s*(.+)$")


def clip(text: str, limit: int) -> str:
    """`text`, or when longer than `limit` its head: up to the last sentence end that keeps at
    least half of it, else up to the last whole word followed by an ellipsis. Only a single word
    longer than `limit` (a URL, a hash) is ever cut inside."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text[: limit + 1]) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        return text[: ends[-1]]
    head = text[:limit]
    spaces = [m.start() for m in re.finditer(r"\s", head)]
    if not spaces:
        return text[: limit - 1] + ELLIPSIS
    return text[: spaces[-1]].rstrip(" \t\n,;:-—(") + ELLIPSIS


def sentence(text: str) -> str:
    """`text` ending with a full stop unless it ends a sentence already."""
    text = text.strip()
    return text if text.rstrip("\"')]”").endswith((".", "!", "?", ELLIPSIS)) else text + "."


@dataclass(frozen=True)
class Assignment:
    """A task as its first message states it: the title, the brief, the goals it serves."""

    title: str
    brief: str = ""
    goals: tuple[str, ...] = ()

    @classmethod
    def read(cls, title: str, first_message: str) -> "Assignment":
        """`title` (the task line) with the brief's first paragraph (what is asked: later ones
        may hold a pipeline's inputs, a diff, other agents' words) and the goals' titles."""
        lines = first_message.strip().splitlines()[1:]
        brief: list[str] = []
        goals: list[str] = []
        section = ""
        for line in lines:
            if _SECTION.match(line):
                section = line
                continue
            if not line.strip() and brief:
                section = section or "after the brief"
            elif not section:
                brief.append(line)
            elif section.startswith("Goals:") and (goal := _GOAL.match(line)):
                goals.append(goal.group(1))
        return cls(title, " ".join(" ".join(brief).split()), tuple(goals))


def _pick(options: Sequence[str], key: str, then: int = 0) -> str:
    """One of `options`, the same for the same `key` in every process (unlike `hash`); `then`
    steps on from it, so the picks `then=0, 1, 2…` of one key all differ."""
    return options[(int(hashlib.sha256(key.encode()).hexdigest(), 16) + then) % len(options)]


def _number(key: str, low: int, high: int) -> str:
    return _pick([count(n) for n in range(low, high + 1)], key + "#n")


_VERBS = set(
    "plan write draft build add create design research review summarise summarize ship launch "
    "prepare make implement fix analyse analyze compare investigate run produce define outline "
    "propose announce update improve set do find check test audit lint study document estimate "
    "explore deliver give come draw sketch pick choose".split()
)
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in [
        ("review", r"\b(review\w*|audit\w*|lint\w*|critique)\b"),
        ("tagline", r"\b(tagline|slogan|headline|motto)s?\b"),
        ("post", r"\b(post|blog|announce\w*|tweet|newsletter|press release|release notes|message|email|copy)\b"),
        ("research", r"\b(research\w*|investigat\w+|analy[sz]\w+|compare|survey|market|competitors?|study)\b"),
        ("summary", r"\b(summar\w+|recap|report)\b"),
        ("plan", r"\b(plan\w*|roadmap|strategy|schedule|estimate\w*|prepare|launch)\b"),
        ("code", r"\b(implement\w*|build|fix|add|code|refactor|bug|function|endpoint|api|feature|page|script)\b"),
    ]
]
_ROLE_KINDS = {
    "cto": "technical",
    "engineer": "technical",
    "devops": "technical",
    "cmo": "launch",
    "cfo": "budget",
    "pm": "plan",
    "qa": "testing",
    "designer": "design",
    "researcher": "research",
    "reviewer": "review",
}
PARTS = {
    "technical": "the technical plan: scope, risks and an estimate",
    "launch": "the launch message: a tagline and a short post",
    "budget": "the budget: what it costs and when",
    "testing": "the test plan",
    "design": "the design",
    "research": "the research, with a recommendation",
    "review": "the review, with a verdict",
}


def kind_of(task: Assignment) -> str:
    """The kind of text the task asks for: by the role it was delegated to, else by its words."""
    part = _PART_OF.match(task.title)
    if part and part.group(1).lower() in _ROLE_KINDS:
        return _ROLE_KINDS[part.group(1).lower()]
    for text in (_own_title(task), task.brief):
        for kind, pattern in _KINDS:
            if pattern.search(text):
                return kind
    return "generic"


def part_of(role: str) -> str:
    """What the part of a plan given to `role` is, in a few words."""
    return PARTS.get(_ROLE_KINDS.get(role.lower(), ""), f"the {role} part")


def _own_title(task: Assignment) -> str:
    """The title without a delegated part's `<role> part of:`; a pipeline step's (`code-review:
    pr_comment`) replaced by its brief's first clause, which says what the step is."""
    title = (part.group(2) if (part := _PART_OF.match(task.title)) else task.title).strip()
    if _PIPELINE_STEP.match(title) and task.brief:
        title = re.split(r"[:.;]\s", task.brief, maxsplit=1)[0]
    return _phrase(title)


_CLAUSE = re.compile(
    r"[,;:()\[\]]|\s[-–—]\s|\s(?:that|which|who|so|because|while|where|when|but|by|using)\s|[.!?…](?:\s|$)"
)


def _phrase(text: str, words: int = 12) -> str:
    """The head of `text` up to its first clause break (a comma, `that`, `which`…): a phrase that
    reads whole inside a sentence; past `words` words, the first `words`."""
    head = _CLAUSE.split(text.strip(), maxsplit=1)[0].strip() or text.strip()
    return " ".join(head.split()[:words]).rstrip(" .!?:;,-–—")


def subject(task: Assignment) -> str:
    """What the task is about: its title without the leading verb (`Plan the launch of X` →
    `the launch of X`)."""
    words = _own_title(task).split()
    if len(words) > 1 and words[0].lower() in _VERBS:
        words = words[1:]
    return _uncap(" ".join(words))  # `The launch` → `the launch`; names and acronyms kept


def topic(task: Assignment) -> str:
    """The thing itself: the subject after its first `of`/`for`/`about`/`on` (`the launch of our
    first warehouse robot` → `our first warehouse robot`)."""
    about = subject(task)
    found = re.search(r"\b(?:of|for|about|on)\s+(.+)$", about)
    return found.group(1) if found else about


def name(task: Assignment) -> str:
    """The product's name when the task, its brief or its goals give one (`the Acme Picker`),
    else its topic."""
    for text in (_own_title(task), task.brief, *task.goals):
        for found in _NAME.finditer(text):
            first = found.group(1).split()[0].lower()
            if found.start() > 0 and first not in _VERBS:
                the = re.search(r"\b(the|our|your)\s+$", text[: found.start()], re.IGNORECASE)
                return f"{the.group(1).lower()} {found.group(1)}" if the else found.group(1)
    return topic(task)


def brand(task: Assignment) -> str:
    """The name as a tagline starts with it: capitalised, without its article."""
    return _cap(re.sub(r"^(?:the|our|your)\s+(?=[A-Z])", "", name(task)))


def count(n: int) -> str:
    """`n` in words up to twelve (`3` → `three`)."""
    words = "no one two three four five six seven eight nine ten eleven twelve".split()
    return words[n] if 0 <= n < len(words) else str(n)


def _uncap(text: str) -> str:
    """`Build a page` → `build a page`; a name or an acronym stays as it is."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if re.fullmatch(r"[A-Z][a-z]*", first) and not _NAME.match(text) else text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def tagline(task: Assignment, n: int = 0) -> str:
    """The task's tagline, or its `n`th alternative (each different)."""
    return _pick(
        [
            "{N}: less waiting, more doing",
            "{N}. Built for the work you actually do",
            "Meet {N}, the easy part of your day",
            "{N}: small enough to start, good enough to stay",
            "{N}, ready when you are",
            "{N}: the job done, every time",
        ],
        f"{task.title}#tagline",
        n,
    ).format(N=brand(task))


def post(task: Assignment) -> str:
    """A short launch post about the task's product, four sentences or so."""
    return _pick(
        [
            "Say hello to {N}. We made it for the people who will use it every day: simple to start, "
            "honest about what it does, and backed by a team that answers. Tell us what you think; "
            "we read every reply.",
            "Today we are launching {N}. It started with one question from our customers: could this "
            "be simpler? Now it is. Try it this week and tell us what to improve next.",
            "{C} is ready. No jargon and no surprises: it does the job it promises and gets out of "
            "your way. We would love to hear how it works for you.",
            "We have been working on {N} for a while, and it is finally ready to share. The short "
            "version: it saves time, it is easy to set up, and we will keep improving it with you.",
        ],
        task.title + "#post",
    ).format(N=name(task), C=_cap(name(task)))


def write(task: Assignment) -> str:
    """The text a leaf task's result carries after its `Done:` line: a first line that sums it up
    (a manager quotes it), then the body."""
    kind = kind_of(task)
    key = f"{task.title}#{kind}"
    s, t, weeks = subject(task), topic(task), _number(task.title, 2, 6)
    if kind == "technical":
        lead = _pick(
            [
                f"Technical plan for {t}: {_pick(['on track', 'nearly ready', 'ready after two fixes'], key)}, "
                f"with two risks to watch and about {weeks} weeks of work.",
                f"Technical readiness for {t}: three steps to ready, two risks, about {weeks} weeks.",
            ],
            key,
        )
        body = [
            f"1. Scope: freeze what {t} must do on day one; everything else goes on the list for later.",
            "2. Quality: run the full test suite and a one-week trial in a real setting, and fix every "
            "blocking issue it finds.",
            "3. Support: write the runbook, train the support team, and agree who is on call for launch week.",
            "Risks: a late dependency, and problems that only show under real load.",
            f"Estimate: {weeks} weeks with the current team.",
        ]
    elif kind == "launch":
        lead = f'The launch message for {t} is ready, with the tagline "{tagline(task)}".'
        body = [f"Post: {post(task)}", f'Alternative tagline: "{tagline(task, 1)}".']
    elif kind == "tagline":
        lead = f'Tagline for {t}: "{tagline(task)}".'
        body = [f'Alternatives: "{tagline(task, 1)}"; "{tagline(task, 2)}".']
    elif kind == "post":
        lead = f"A short post about {t}, ready to publish."
        body = [post(task)]
    elif kind == "research":
        lead = f"Research on {s}: three findings and a recommendation."
        body = [
            f"1. Who needs it: the people who would use {t} want it to save them time above all.",
            "2. What they use today: spreadsheets, manual work, or an older tool they have outgrown.",
            "3. What would make them switch: a price they can justify in one meeting and a setup "
            "measured in hours, not weeks.",
            "Recommendation: talk to five of them this month before committing to the details.",
        ]
    elif kind == "code":
        lead = _pick(
            [
                f"Proposed change for {s}, in three steps.",
                f"How to {_uncap(_own_title(task))}: a small change, tested.",
            ],
            key,
        )
        body = [
            "1. Add the smallest piece that does the job, under a clear name.",
            "2. Cover it with tests: the usual case, an empty input and one bad input.",
            "3. Update the docs and note the change in the release notes.",
        ]
    elif kind == "review":
        lead = _pick(
            [
                f"Review notes on {s}: three points to check before it goes in.",
                f"Review of {s}, by the checklist: correctness, tests and clarity.",
            ],
            key,
        )
        body = [
            "Correctness: the main path reads right; check the empty and the error cases.",
            "Tests: cover the case that failed before, so it cannot come back.",
            "Clarity: name things for what they do, and say why where it is not obvious.",
        ]
    elif kind == "summary":
        lead = f"Summary of {s}, in three points."
        body = [
            "What happened: the work asked for is done and checked.",
            "What it means: nothing blocks the next step.",
            "What is next: agree the owner and the date of the next step.",
        ]
    elif kind == "testing":
        lead = f"Test plan for {t}: three kinds of test, and what passing means."
        body = [
            "1. The everyday cases, end to end, as a user would do them.",
            "2. The edges: empty, too much, too fast, and the network gone.",
            "3. A short trial with real users, watching where they hesitate.",
            "Passing means no blocking issue open and every everyday case green.",
        ]
    elif kind == "design":
        lead = f"Design notes for {t}: one clear main action, and nothing in its way."
        body = [
            "Layout: the main action first, the details one step away.",
            "Words: plain, short, and the same word for the same thing everywhere.",
            "Next: a clickable sketch to try with three users this week.",
        ]
    elif kind == "budget":
        lead = f"Budget for {t}: about {weeks} weeks of the team's time, and a small reserve."
        body = [
            "People: the team's time is most of the cost.",
            "Tools and materials: known prices, bought as needed.",
            "Reserve: a tenth of the total for what nobody saw coming.",
        ]
    elif kind == "plan":
        lead = _pick(
            [
                f"Plan for {s}, in four steps.",
                f"A four-step plan for {s}, each step with an owner and a date.",
            ],
            key,
        )
        body = _pick(
            [
                f"1. Agree the goal and what done looks like for {t}.|"
                "2. List the work, name an owner for each part, and put dates on it.|"
                "3. Do the riskiest part first, and review progress every week.|"
                "4. Finish with a short check: what worked, and what to change next time.",
                f"1. Week one: settle the scope of {t} and the one number that says it worked.|"
                "2. Weeks two and three: do the work in small pieces, showing each piece when it is ready.|"
                "3. Week four: try it with a few real users and fix what they find.|"
                "4. Then: ship it, announce it, and measure the number agreed in week one.",
            ],
            key + "#steps",
        ).split("|")
    else:
        lead = f"The result for {s}, in three steps."
        body = [
            "1. Clarified what was asked and what done looks like.",
            "2. Did the work and checked it against the brief.",
            "3. Listed the open questions for whoever picks this up next.",
        ]
    lines = [lead, ""]
    for line in body:
        if lines[-1][:1].isdigit() and not line[:1].isdigit():
            lines.append("")  # a list ends: Markdown would run the next line into its last item
        lines.append(line)
    return "\n".join(lines)


def plan_details(task: Assignment, team: Sequence[tuple[str, str]]) -> str:
    """A manager's plan for the board to approve: one part per member of its team."""
    parts = [f"- {member} ({role}): {part_of(role)}." for member, role in team]
    return "\n".join(
        [
            f"Plan for {subject(task)}: {count(len(team))} part{'s' if len(team) != 1 else ''}, one for each report.",
            *parts,
            "Each part reports back to me, and I put the results together for the board.",
        ]
    )


@dataclass(frozen=True)
class Report:
    """A subtask's end as its manager read it: who did it, how it ended, what it said."""

    identifier: str
    assignee: str
    status: str
    result: str


def gist(result: str, label: str) -> str:
    """The first line of a subtask's result without its label and its `Done: <title>.` line,
    at most a few sentences."""
    text = result.replace(label, "").strip()
    text = re.sub(r"^Done:[^\n]*?[.!?…](?:\s+|$)", "", text, count=1).strip() or text
    line = text.splitlines()[0].strip() if text else ""
    return sentence(clip(line, 300)) if line else "no result given."


def summary(task: Assignment, reports: Sequence[Report], label: str) -> str:
    """A manager's result once its subtasks have reported: a lead, a line per part (in the order
    of their identifiers, not of their ends, which vary from run to run), what next."""
    if not reports:
        return "No subtask reported back."
    reports = sorted(reports, key=lambda r: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", r.identifier)])
    done = sum(1 for r in reports if r.status == "done")
    key = f"{task.title}#summary"
    if done == len(reports):
        every = {1: "The one part is in", 2: "Both parts are in"}.get(
            len(reports), f"All {count(len(reports))} parts are in"
        )
        lead = _pick(
            [
                f"{every}, and {subject(task)} is ready for review.",
                f"The team finished its part{'s' if len(reports) > 1 else ''}; here is where {subject(task)} stands.",
            ],
            key,
        )
    else:
        n, short = len(reports), len(reports) - done
        if n == 1:
            unfinished = "The one part did not finish"
        elif short == n:
            unfinished = f"None of the {count(n)} parts finished"
        else:
            unfinished = f"{_cap(count(short))} of the {count(n)} parts did not finish"
        lead = f"{unfinished}; {'it needs' if short == 1 else 'they need'} a decision before {subject(task)} can go on."
    lines = [
        f"- {r.assignee} ({r.identifier}{'' if r.status == 'done' else ', ' + r.status}): {gist(r.result, label)}"
        for r in reports
    ]
    after = _pick(
        [
            "Next: review the parts above, pick a date, and tell the team.",
            "Next: agree the open points this week, then go ahead.",
        ],
        key + "#next",
    )
    if done < len(reports):
        after = "Next: for each part that did not finish, retry it, give it to someone else, or go on without it."
    return "\n".join([lead, "", *lines, "", after])

"""Fixtures for activity tests: the fake provider server and an in-memory turn store."""

from collections.abc import Iterator, Sequence

import pytest

from paperclip.models import AttemptRef, CliSessionTotal, CostEvent, Message, SessionRef, SettledAttempt, Usage
from tests.fakes import FakeModelServer


class FakeStore:
    """The store calls a turn makes, in memory, idempotent by session + seq (the ledger's attempts
    are the real store's: tests of them use it)."""

    def __init__(self) -> None:
        self.turns: dict[tuple[str, str, str], dict[int, list[Message]]] = {}
        self.costs: dict[tuple[str, str, str, int], CostEvent] = {}
        self.booked: list[CostEvent] = []
        """What failed attempts spent (`book_attempt`)."""
        self.begun: list[CostEvent] = []
        self.session_totals: dict[tuple[str, str, str], Usage] = {}

    @staticmethod
    def _key(session: SessionRef) -> tuple[str, str, str]:
        return (session.company_id, session.task, session.agent)

    def load_messages(self, session: SessionRef, *, before_seq: int) -> list[Message]:
        turns = self.turns.get(self._key(session), {})
        return [m for seq in sorted(turns) if seq < before_seq for m in turns[seq]]

    def save_turn(
        self,
        session: SessionRef,
        *,
        seq: int,
        new_messages: list[Message],
        reply: Message,
        cost: CostEvent,
        input_hash: str | None = None,
        session_total: CliSessionTotal | None = None,
    ) -> None:
        self.turns.setdefault(self._key(session), {})[seq] = [*new_messages, reply]
        self.costs[(*self._key(session), seq)] = cost
        if session_total is not None:
            key = (session_total.company_id, session_total.tool, session_total.session_id)
            self.session_totals[key] = session_total.usage

    def cli_session_total(self, company_id: str, tool: str, session_id: str) -> Usage | None:
        return self.session_totals.get((company_id, tool, session_id))

    def begin_call(self, cost: CostEvent, *, input_hash: str | None = None) -> None:
        self.begun.append(cost)

    def book_attempt(self, cost: CostEvent) -> None:
        self.booked.append(cost)

    def settle_attempts(self, session: SessionRef, seq: int, lost: Sequence[AttemptRef]) -> list[SettledAttempt]:
        return [SettledAttempt(model_index=a.model_index, attempt=a.attempt, outcome="unconfirmed") for a in lost]

    def stored_reply(
        self, session: SessionRef, seq: int, lost: Sequence[AttemptRef], input_hash: str
    ) -> tuple[AttemptRef, Message] | None:
        return None


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def server(model_server: FakeModelServer) -> FakeModelServer:
    """The module's fake server, reset for this test."""
    model_server.reset()
    model_server.cached_input_tokens = 0
    return model_server


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()

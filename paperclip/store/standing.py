"""What a task's model calls send besides their messages (its system prompt and tools), stored
once by content hash: a model call's input carries the hash (`ModelTurnInput.standing`)."""

import sqlalchemy as sa

from paperclip.models import Standing
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import standing


class StandingStore(StoreCore):
    def put_standing(self, digest: str, body: Standing) -> None:
        """Keep `body` under `digest` (its hash); a second put of the same is a no-op."""
        row = {"digest": digest, "body": body.model_dump_json(), "created_at": utc_now()}
        with self._write() as conn:
            conn.execute(self._insert(standing).values(row).on_conflict_do_nothing(index_elements=["digest"]))

    def get_standing(self, digest: str) -> Standing | None:
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(standing.c.body).where(standing.c.digest == digest)).scalar()
        return None if body is None else Standing.model_validate_json(body)

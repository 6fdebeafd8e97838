"""A task's system prompt and tools, kept once under their hash and read back by it."""

from paperclip.models import Standing, ToolSpec
from paperclip.store import Store


def test_standing_is_kept_once_under_its_hash_and_read_back(store: Store) -> None:
    standing = Standing(
        system_prompt="You are dev.", tools=[ToolSpec(name="probe_read", description="Read.", parameters={})]
    )
    digest = standing.digest()
    assert len(digest) == 64 and digest == Standing.model_validate_json(standing.model_dump_json()).digest()
    assert store.get_standing(digest) is None
    store.put_standing(digest, standing)
    store.put_standing(digest, standing)  # a retried store: no error, one row
    assert store.get_standing(digest) == standing
    other = standing.model_copy(update={"system_prompt": "You are ops."})
    assert other.digest() != digest

"""The store (SQLAlchemy 2): transcripts, cost events, the activity log and task records."""

from paperclip.store.store import Store, UnsupportedDatabase

__all__ = ["Store", "UnsupportedDatabase"]

"""The store (SQLAlchemy 2): transcripts, cost events, the activity log, task records and documents."""

from paperclip.store.costs import CostGroup, CostLine, CostSummary
from paperclip.store.search import SearchHit, SearchKind
from paperclip.store.store import Store, UnsupportedDatabase
from paperclip.store.tool_outputs import ToolOutputRecord

__all__ = [
    "CostGroup",
    "CostLine",
    "CostSummary",
    "SearchHit",
    "SearchKind",
    "Store",
    "ToolOutputRecord",
    "UnsupportedDatabase",
]

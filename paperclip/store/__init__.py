"""The store (SQLAlchemy 2): transcripts, cost events, the activity log and task records."""

from paperclip.store.costs import CostGroup, CostLine, CostSummary
from paperclip.store.store import Store, UnsupportedDatabase

__all__ = ["CostGroup", "CostLine", "CostSummary", "Store", "UnsupportedDatabase"]

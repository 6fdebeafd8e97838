"""A company as one document: JSON to move it to a new company, Markdown to read it.

The document holds what defines a company (its spec, agents, goals, budgets, projects, labels,
routines) and what it did (its tasks with their conversations, dependencies, documents, files and
work products, the cost ledger, the latest activity). It holds no
secret: an agent names the credential it uses, and credentials stay in the store that keeps them.

An import founds a new company (`import_plan`): the same agents, goals, budgets, projects, labels
and routines, and the finished tasks with their conversations, costs, dependencies, documents,
work products and files (attachments, their bytes in base64) as history records of the new
company. Its
workflow starts from a carried state, the way a continue-as-new run does, so goals keep their ids
and its next task is numbered after the imported ones: no new task takes an old one's identifier.
"""

from paperclip.export.document import (
    ACTIVITY_LIMIT,
    FORMAT,
    VERSION,
    CompanyExport,
    ExportedAttachment,
    company_export,
)
from paperclip.export.importing import ImportPlan, attachment_bytes, import_plan, problems
from paperclip.export.markdown import export_to_markdown

__all__ = [
    "ACTIVITY_LIMIT",
    "FORMAT",
    "VERSION",
    "CompanyExport",
    "ExportedAttachment",
    "ImportPlan",
    "attachment_bytes",
    "company_export",
    "export_to_markdown",
    "import_plan",
    "problems",
]

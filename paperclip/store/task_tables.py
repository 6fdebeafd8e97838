"""The tables of what a task holds besides its conversation: its documents and attachments (on the
store's one `metadata`, beside `paperclip.store.tables`)."""

import sqlalchemy as sa

from paperclip.store.tables import BigIntegerPK, UTCDateTime, metadata

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", BigIntegerPK, primary_key=True, autoincrement=True, comment="the search index's key"),
    sa.Column("company_id", sa.String(63), nullable=False),
    sa.Column("task", sa.String(200), nullable=False),
    sa.Column("key", sa.String(63), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False, comment="the latest revision"),
    sa.Column("body", sa.Text, nullable=False, comment="the latest revision's body (what search finds)"),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("company_id", "task", "key"),
)
"""Each task's documents at their latest revision (`paperclip.store.documents`)."""

document_revisions = sa.Table(
    "document_revisions",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("task", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(63), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True, comment="two saves of one base cannot both take the next"),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("restored_from", sa.Integer, nullable=True),
)
"""Every revision of every document: never changed once written."""

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True, comment="att-<hex>: the key of the bytes in the backend"),
    sa.Column("task", sa.String(200), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False, comment="the uploader's name, made safe"),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_attachments_company_id_task", "company_id", "task"),
)
"""Files uploaded to tasks (`paperclip.store.attachments`); their bytes are in the attachment
storage (`paperclip.attachments`), under `id`."""

"""Tables of the search module: the registered indexes' state and their documents (PostgreSQL full-text)."""
from sqlalchemy import Column, DateTime, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

from euryale.db.schema import metadata

search_index = Table(
    "search_index",
    metadata,
    Column("name", Text, primary_key=True, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("version", Integer, nullable=False, server_default=text("0")),
    Column("last_synced_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

search_document = Table(
    "search_document",
    metadata,
    Column("index_name", Text, primary_key=True, nullable=False),
    Column("entity_id", Text, primary_key=True, nullable=False),
    Column("document", JSONB, nullable=False),
    Column("search_vector", TSVECTOR, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

"""The one SQLAlchemy MetaData every module's tables are declared on (used for queries and autogenerate)."""

from sqlalchemy import MetaData

metadata = MetaData()

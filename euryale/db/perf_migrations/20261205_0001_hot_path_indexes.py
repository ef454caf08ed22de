"""perf: indexes for filters and joins of hot reads that the module schemas (Medusa's) leave unindexed.

Its own branch (`perf`) so it never collides with the module chains; `depends_on` the revisions that create the
tables — only revisions that already have successors: depending on a branch head would make Alembic record
`perf_0001` in place of that head in `alembic_version`, so `db:status`/`db:rollback MODULE` would no longer see it
(tables of single-revision modules get their perf indexes in a later revision, once those modules move on).
Every index is partial on `deleted_at IS NULL` where reads filter that way (so the planner can use it).

Revision ID: perf_0001
Create Date: 2026-12-05
"""
from alembic import op

revision = "perf_0001"
down_revision = None
branch_labels = ("perf",)
depends_on = ("product_0001", "order_0001", "promotion_0001")

# (index name, table, columns, predicate)
INDEXES = (
    # default product list order (created_at, id) for large catalogs (admin and store pages)
    ("IDX_perf_product_created_at_id", "product", "created_at, id", "deleted_at IS NULL"),
    # category trees (parent → children) and `include_descendants_tree`
    ("IDX_perf_product_category_parent", "product_category", "parent_category_id", "deleted_at IS NULL"),
    # admin order list filtered by sales channel
    ("IDX_perf_order_sales_channel_id", '"order"', "sales_channel_id", "deleted_at IS NULL"),
    # promotions of a campaign (admin campaign reads, budget checks)
    ("IDX_perf_promotion_campaign_id", "promotion", "campaign_id", "deleted_at IS NULL"),
)


def upgrade() -> None:
    for name, table, cols, where in INDEXES:
        op.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {table} ({cols}) WHERE {where}')


def downgrade() -> None:
    for name, *_ in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS "{name}"')

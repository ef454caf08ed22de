"""links: product listing counts, the `count` of a plain store listing kept ready to serve (issue 7).

A store listing answers how many products are published in the publishable key's sales channels. Counting them
is a scan of every such product (~1.3 ms of PostgreSQL per page at 2,000 products, half of the page's database
time). That number changes only when a product is published, unpublished, deleted or restored, or gains or loses
a sales channel: the two tables here keep it between such writes.

`product_listing_change` is the listing's version: the sum of its `weight`s. Every statement that may change a
listing adds 1 to it in the writing transaction (statement-level triggers on `product` and
`product_sales_channel`), so a snapshot's version changes exactly with the committed writes it sees. Writers
only insert rows and fold the rows no one else holds into theirs (`FOR UPDATE SKIP LOCKED`): the sum is kept,
the table stays a few rows long, and no writer waits for another.

`product_listing_count` keeps one count per set of channels with the version it was counted at; a read serves it
only while that version is the current one (read in the same statement, with the same snapshot, as the count
would be), otherwise counts and stores its count with the version it read (a newer one is never replaced).

Revision ID: links_0002
Revises: links_0001
Create Date: 2026-12-06
"""
from alembic import op

revision = "links_0002"
down_revision = "links_0001"
branch_labels = None
depends_on = ("product_0001",)

# per table: whether the changed rows `{rows}` (or, for an UPDATE, the pairs o/n of old and new rows) may change a
# listing; anything else (a product's title, a link's timestamps) leaves the counts valid
LISTED = {
    "product": "status = 'published' AND deleted_at IS NULL",
    "product_sales_channel": "deleted_at IS NULL",
}
CHANGED = {
    "product": "o.status IS DISTINCT FROM n.status OR o.deleted_at IS DISTINCT FROM n.deleted_at",
    "product_sales_channel": "o.product_id IS DISTINCT FROM n.product_id "
                             "OR o.sales_channel_id IS DISTINCT FROM n.sales_channel_id "
                             "OR o.deleted_at IS DISTINCT FROM n.deleted_at",
}


def upgrade() -> None:
    op.execute('CREATE TABLE IF NOT EXISTS "product_listing_change" ('
               '"id" bigserial PRIMARY KEY, "weight" bigint NOT NULL)')
    op.execute('INSERT INTO "product_listing_change" ("weight") VALUES (1)')
    op.execute('CREATE TABLE IF NOT EXISTS "product_listing_count" ('
               '"channels" text[] PRIMARY KEY, "version" bigint NOT NULL, "count" bigint NOT NULL)')
    op.execute("""
CREATE OR REPLACE FUNCTION product_listing_changed() RETURNS void LANGUAGE sql AS $$
  WITH folded AS (
    DELETE FROM "product_listing_change"
    WHERE "id" IN (SELECT "id" FROM "product_listing_change" FOR UPDATE SKIP LOCKED)
    RETURNING "weight")
  INSERT INTO "product_listing_change" ("weight") SELECT coalesce(sum("weight"), 0) + 1 FROM folded
$$""")
    op.execute("""
CREATE OR REPLACE FUNCTION product_listing_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM product_listing_changed();
  RETURN NULL;
END $$""")
    for table, listed in LISTED.items():
        op.execute(f"""
CREATE OR REPLACE FUNCTION product_listing_changed_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- one branch per operation: a statement is planned when reached, and each sees only its own transition tables
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM new_rows WHERE {listed}) THEN
      PERFORM product_listing_changed();
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM old_rows WHERE {listed}) THEN
      PERFORM product_listing_changed();
    END IF;
  ELSIF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {CHANGED[table]})
        OR EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id)) THEN
    PERFORM product_listing_changed();
  END IF;
  RETURN NULL;
END $$""")
        for event, referencing in (("INSERT", "NEW TABLE AS new_rows"),
                                   ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                   ("DELETE", "OLD TABLE AS old_rows")):
            op.execute(f'DROP TRIGGER IF EXISTS "product_listing_changed_{event.lower()}" ON "{table}"')
            op.execute(f'CREATE TRIGGER "product_listing_changed_{event.lower()}" AFTER {event} ON "{table}" '
                       f'REFERENCING {referencing} FOR EACH STATEMENT '
                       f'EXECUTE FUNCTION product_listing_changed_{table}()')
        op.execute(f'DROP TRIGGER IF EXISTS "product_listing_changed_truncate" ON "{table}"')
        op.execute(f'CREATE TRIGGER "product_listing_changed_truncate" AFTER TRUNCATE ON "{table}" '
                   'FOR EACH STATEMENT EXECUTE FUNCTION product_listing_truncated()')


def downgrade() -> None:
    for table in LISTED:
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f'DROP TRIGGER IF EXISTS "product_listing_changed_{event}" ON "{table}"')
        op.execute(f"DROP FUNCTION IF EXISTS product_listing_changed_{table}()")
    op.execute("DROP FUNCTION IF EXISTS product_listing_truncated()")
    op.execute("DROP FUNCTION IF EXISTS product_listing_changed()")
    op.execute('DROP TABLE IF EXISTS "product_listing_count"')
    op.execute('DROP TABLE IF EXISTS "product_listing_change"')

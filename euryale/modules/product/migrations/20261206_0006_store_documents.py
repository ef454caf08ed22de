"""product: store documents, the storefront's product JSON kept ready to serve (issue 7).

`product_document` holds a product's wire bytes for a store read shape, built on first read; it is served only
while its `version` equals the product's row in `product_document_version`, which statement-level triggers on every
table a store document is made of bump in the writing transaction itself. So a document is never served after the
write that changed what it shows has committed, whichever code path (API, import, plain SQL) wrote it.

Revision ID: product_0006
Revises: product_0005
Create Date: 2026-12-06
"""
from alembic import op

revision = "product_0006"
down_revision = "product_0005"
branch_labels = None
depends_on = None

# For each table a store document reads: the ids of the products that `{rows}` (changed rows) are part of.
SOURCES = {
    "product": "SELECT r.id FROM {rows} r",
    "product_variant": "SELECT r.product_id FROM {rows} r",
    "product_option": "SELECT r.product_id FROM {rows} r",
    "image": "SELECT r.product_id FROM {rows} r",
    "product_images": "SELECT r.product_id FROM {rows} r",
    "product_tags": "SELECT r.product_id FROM {rows} r",
    "product_category_product": "SELECT r.product_id FROM {rows} r",
    "product_option_value": 'SELECT o.product_id FROM {rows} r JOIN "product_option" o ON o.id = r.option_id',
    "product_variant_option": 'SELECT v.product_id FROM {rows} r JOIN "product_variant" v ON v.id = r.variant_id',
    "product_variant_product_image": 'SELECT v.product_id FROM {rows} r JOIN "product_variant" v '
                                     'ON v.id = r.variant_id',
    "product_tag": 'SELECT t.product_id FROM {rows} r JOIN "product_tags" t ON t.product_tag_id = r.id',
    "product_type": 'SELECT p.id FROM {rows} r JOIN "product" p ON p.type_id = r.id',
    "product_collection": 'SELECT p.id FROM {rows} r JOIN "product" p ON p.collection_id = r.id',
    "product_category": 'SELECT c.product_id FROM {rows} r JOIN "product_category_product" c '
                        'ON c.product_category_id = r.id',
}


def upgrade() -> None:
    op.execute('CREATE TABLE IF NOT EXISTS "product_document_version" ('
               '"product_id" text PRIMARY KEY, "version" bigint NOT NULL)')
    op.execute('CREATE TABLE IF NOT EXISTS "product_document" ('
               '"product_id" text NOT NULL REFERENCES "product" ("id") ON DELETE CASCADE, '
               '"shape" text NOT NULL, "version" bigint NOT NULL, "body" bytea NOT NULL, '
               '"variant_ids" text[] NOT NULL, PRIMARY KEY ("product_id", "shape"))')
    # ids sorted: concurrent writers lock version rows in one order
    op.execute("""
CREATE OR REPLACE FUNCTION product_document_stale(ids text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "product_document_version" AS d ("product_id", "version")
  SELECT DISTINCT i, 1 FROM unnest(ids) AS i WHERE i IS NOT NULL ORDER BY 1
  ON CONFLICT ("product_id") DO UPDATE SET "version" = d."version" + 1
$$""")
    for table, select in SOURCES.items():
        new, old = select.format(rows="new_rows"), select.format(rows="old_rows")
        op.execute(f"""
CREATE OR REPLACE FUNCTION product_document_stale_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM product_document_stale(ARRAY({new}));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM product_document_stale(ARRAY({old}));
  ELSE
    PERFORM product_document_stale(ARRAY({new} UNION {old}));
  END IF;
  RETURN NULL;
END $$""")
        for event, referencing in (("INSERT", "NEW TABLE AS new_rows"),
                                   ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                   ("DELETE", "OLD TABLE AS old_rows")):
            op.execute(f'DROP TRIGGER IF EXISTS "product_document_stale_{event.lower()}" ON "{table}"')
            op.execute(f'CREATE TRIGGER "product_document_stale_{event.lower()}" AFTER {event} ON "{table}" '
                       f'REFERENCING {referencing} FOR EACH STATEMENT '
                       f'EXECUTE FUNCTION product_document_stale_{table}()')


def downgrade() -> None:
    for table in SOURCES:
        for event in ("insert", "update", "delete"):
            op.execute(f'DROP TRIGGER IF EXISTS "product_document_stale_{event}" ON "{table}"')
        op.execute(f"DROP FUNCTION IF EXISTS product_document_stale_{table}()")
    op.execute("DROP FUNCTION IF EXISTS product_document_stale(text[])")
    op.execute('DROP TABLE IF EXISTS "product_document"')
    op.execute('DROP TABLE IF EXISTS "product_document_version"')

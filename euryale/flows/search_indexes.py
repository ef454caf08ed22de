"""The core search indexes: what each holds, and the set-based SQL that builds its documents from the modules'
tables (which is why the definitions live here, above the modules, and not in the search module)."""

from __future__ import annotations

from euryale.modules.search.definitions import (
    DATE,
    TEXT,
    IngestionEvent,
    SearchField,
    SearchIndexDefinition,
)

# One statement for any number of products: a lateral aggregate per relation (channels, tags, variants).
# Weights: title A; subtitle, handle, tags and variant titles/SKUs B; description C.
PRODUCT_SOURCE = """
SELECT p.id AS entity_id,
       jsonb_build_object(
         'id', p.id, 'title', p.title, 'subtitle', p.subtitle, 'handle', p.handle, 'description', p.description,
         'thumbnail', p.thumbnail, 'status', p.status, 'collection_id', p.collection_id, 'type_id', p.type_id,
         'sales_channel_ids', COALESCE(channels.ids, '[]'::jsonb), 'tags', COALESCE(tags.tag_values, '[]'::jsonb),
         'variants', COALESCE(variants.rows, '[]'::jsonb),
         'created_at', p.created_at, 'updated_at', p.updated_at) AS document,
       setweight(to_tsvector('english', COALESCE(p.title, '')), 'A')
       || setweight(to_tsvector('english', concat_ws(' ', p.subtitle, p.handle, tags.words, variants.words)), 'B')
       || setweight(to_tsvector('english', COALESCE(p.description, '')), 'C') AS search_vector
FROM product p
LEFT JOIN LATERAL (
  SELECT jsonb_agg(psc.sales_channel_id ORDER BY psc.sales_channel_id) AS ids
  FROM product_sales_channel psc WHERE psc.product_id = p.id AND psc.deleted_at IS NULL) channels ON true
LEFT JOIN LATERAL (
  SELECT jsonb_agg(tag.value ORDER BY tag.value) AS tag_values, string_agg(tag.value, ' ') AS words
  FROM product_tags pt JOIN product_tag tag ON tag.id = pt.product_tag_id AND tag.deleted_at IS NULL
  WHERE pt.product_id = p.id) tags ON true
LEFT JOIN LATERAL (
  SELECT jsonb_agg(jsonb_build_object('id', v.id, 'title', v.title, 'sku', v.sku)
                   ORDER BY v.variant_rank, v.id) AS rows,
         string_agg(concat_ws(' ', v.title, v.sku), ' ') AS words
  FROM product_variant v WHERE v.product_id = p.id AND v.deleted_at IS NULL) variants ON true
WHERE p.deleted_at IS NULL AND (CAST(:ids AS text[]) IS NULL OR p.id = ANY(CAST(:ids AS text[])))
"""

PRODUCT_INDEX = SearchIndexDefinition(
    name="product",
    entity="product",
    fields=(
        SearchField("id", filterable=True),
        SearchField("title", TEXT, searchable=True, sortable=True),
        SearchField("subtitle", TEXT, searchable=True),
        SearchField("handle", searchable=True, filterable=True, sortable=True),
        SearchField("description", TEXT, searchable=True),
        SearchField("thumbnail"),
        SearchField("status", filterable=True, facetable=True),
        SearchField("collection_id", filterable=True, facetable=True),
        SearchField("type_id", filterable=True, facetable=True),
        SearchField("sales_channel_ids", filterable=True, array=True),
        SearchField("tags", searchable=True, filterable=True, facetable=True, array=True),
        SearchField("variants.id", filterable=True),
        SearchField("variants.title", TEXT, searchable=True),
        SearchField("variants.sku", searchable=True, filterable=True),
        SearchField("created_at", DATE, filterable=True, sortable=True),
        SearchField("updated_at", DATE, filterable=True, sortable=True),
    ),
    source_sql=PRODUCT_SOURCE,
    events=(
        IngestionEvent("product.created"),
        IngestionEvent("product.updated"),
        IngestionEvent("product.deleted"),
        *(IngestionEvent(f"product-variant.{action}",
                         "SELECT DISTINCT product_id AS entity_id FROM product_variant "
                         "WHERE id = ANY(CAST(:ids AS text[])) AND product_id IS NOT NULL")
          for action in ("created", "updated", "deleted")),
        # links are soft-deleted with the channel, so the products it had are still found through them
        # a product linked to / unlinked from a channel (`POST /admin/sales-channels/:id/products`): ids are
        # link ids, the link row (soft-deleted on unlink) names the product
        *(IngestionEvent(f"LinkProductSalesChannel.{action}",
                         "SELECT DISTINCT product_id AS entity_id FROM product_sales_channel "
                         "WHERE id = ANY(CAST(:ids AS text[]))")
          for action in ("attached", "detached")),
        IngestionEvent("sales-channel.deleted",
                       "SELECT DISTINCT product_id AS entity_id FROM product_sales_channel "
                       "WHERE sales_channel_id = ANY(CAST(:ids AS text[]))"),
    ),
)

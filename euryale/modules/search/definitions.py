"""What a search index is: its name, the `query.graph` entity it mirrors, its fields and capabilities, and the
set-based SQL that builds its documents (defined by the layer that knows the source tables, see
`euryale.flows.search_indexes`)."""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT, KEYWORD, DATE, NUMBER = "text", "keyword", "date", "number"


@dataclass(frozen=True)
class SearchField:
    """One leaf of an index' documents (`title`, `variants.sku`), with what it may be used for."""

    name: str
    type: str = KEYWORD
    searchable: bool = False
    filterable: bool = False
    sortable: bool = False
    facetable: bool = False
    array: bool = False
    """The document holds a list of values (a bare filter value then means membership)."""

    @property
    def parent(self) -> str | None:
        """The list of objects a dotted field lives in (`variants` for `variants.sku`)."""
        return self.name.split(".", 1)[0] if "." in self.name else None

    def as_wire(self) -> dict[str, object]:
        return {"name": self.name, "type": self.type, "searchable": self.searchable,
                "filterable": self.filterable, "sortable": self.sortable, "facetable": self.facetable}


@dataclass(frozen=True)
class IngestionEvent:
    """An event that changes an index' documents. Its payload `id` (or list of ids) are entity ids, unless
    `entity_ids_sql` maps them: one SELECT of `entity_id` from the text[] parameter `:ids` (a variant's product)."""

    name: str
    entity_ids_sql: str | None = None


@dataclass(frozen=True)
class SearchIndexDefinition:
    """A registered index.

    `source_sql` is one SELECT answering `entity_id`, `document` (jsonb holding every field) and `search_vector`
    (tsvector, weights A-D) for the entities whose ids are in the text[] parameter `:ids`, or for all of them when
    `:ids` is NULL; entities it does not answer for are removed from the index.
    """

    name: str
    entity: str
    fields: tuple[SearchField, ...]
    source_sql: str
    events: tuple[IngestionEvent, ...] = ()
    provider: str = "postgres"
    by_name: dict[str, SearchField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def retrievable_fields(self) -> list[str]:
        """Top-level document keys a query may select (`variants` for `variants.sku`)."""
        return list(dict.fromkeys(f.parent or f.name for f in self.fields))

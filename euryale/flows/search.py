"""Search index administration as Medusa's workflows: `reindex-search-indexes` (rebuild an index from its
source, one set-based statement, and mark it ready) and `delete-search-index` (drop its documents and state)."""

from __future__ import annotations

from typing import Any

from euryale.flows._workflow import ADMIN_RETENTION, flow_workflow
from euryale.ids import generate_id
from euryale.workflows import StepContext, StepResponse, step, workflow

REINDEX = "reindex-search-indexes"


@step(f"{REINDEX}-step")
async def _reindex(ctx: StepContext, input: Any) -> StepResponse:
    # one transaction: readers see the old documents until the new ones commit (nothing to compensate)
    search = ctx.container.resolve("search")
    async with ctx.container.database().transaction() as conn:
        for name in input["indexes"]:
            await search.sync(conn, name, None)
    return StepResponse({"indexes": input["indexes"]}, compensate_input=None)


workflow(REINDEX, steps=[_reindex], retention_time=ADMIN_RETENTION)


async def reindex_search_indexes(container: Any, *, indexes: list[str]) -> str:
    """Rebuild `indexes` (registered names); answers the execution's transaction id (the API's `job_id`)."""
    search = container.resolve("search")
    for name in indexes:
        search.get_index(name)  # 404 before any execution is recorded
    transaction_id = generate_id("tx")
    await container.resolve("workflows").run(REINDEX, input={"indexes": indexes}, transaction_id=transaction_id)
    return transaction_id


@flow_workflow("delete-search-index")
async def delete_search_index(container: Any, *, index: str) -> int:
    """deleteSearchIndexWorkflow: answers how many built versions were dropped."""
    async with container.database().transaction() as conn:
        deleted: int = await container.resolve("search").delete_index(conn, index)
    return deleted

"""Store payment-collection writes as workflows. A payment session touches the provider (outside PostgreSQL), so
`create-payment-sessions` has real steps: initiate at the provider (compensated by cancelling the intent there),
then persist the session in one transaction; a failure of the second step cancels the provider-side intent."""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.flows._workflow import STORE_RETENTION, decode, encode, transaction_workflow
from euryale.flows.cart.payment import create_for_cart
from euryale.modules.payment import service as payments
from euryale.workflows import StepContext, StepResponse, step, workflow

CREATE_SESSIONS = "create-payment-sessions"


# the execution stores the collection's id; the caller also gets the new collection's row (None for an existing one)
@transaction_workflow("create-payment-collection-for-cart", retention_time=STORE_RETENTION,
                      redact=lambda out: out[0])
async def create_cart_collection(conn: AsyncConnection, *, cart_id: str) -> tuple[str, dict[str, Any] | None]:
    """createPaymentCollectionForCartWorkflow: the cart's collection id (existing or new) and, when new, its row
    as stored."""
    return await create_for_cart(conn, cart_id=cart_id)


@step("create-payment-session")
async def _initiate(ctx: StepContext, input: Any) -> StepResponse:
    inp = decode(input)
    async with ctx.container.database().read() as conn:
        amount, currency_code = await payments.check_session_allowed(
            conn, payment_collection_id=inp["payment_collection_id"], provider_id=inp["provider_id"])
    data = await payments.initiate_at_provider(provider_id=inp["provider_id"], amount=amount,
                                               currency_code=currency_code, data=inp.get("data"), context=None)
    return StepResponse(encode({"amount": amount, "currency_code": currency_code, "data": data}),
                        compensate_input={"provider_id": inp["provider_id"], "data": data})


@_initiate.compensate
async def _cancel_at_provider(ctx: StepContext, undo: Any) -> None:
    if undo:
        await payments.cancel_at_provider(provider_id=undo["provider_id"], data=undo["data"])


@step("persist-payment-session")
async def _persist(ctx: StepContext, input: Any) -> StepResponse:
    inp = decode(input)
    initiated = decode(ctx.results["create-payment-session"])
    async with ctx.container.database().transaction() as conn:
        # checked again inside the transaction: the collection may have been authorized meanwhile
        await payments.check_session_allowed(conn, payment_collection_id=inp["payment_collection_id"],
                                             provider_id=inp["provider_id"])
        session_id = await payments.persist_payment_session(
            conn, payment_collection_id=inp["payment_collection_id"], provider_id=inp["provider_id"],
            amount=Decimal(initiated["amount"]), currency_code=initiated["currency_code"],
            provider_data=initiated["data"], answer=_ANSWER.get())
    # compensation: none, the transaction is atomic (a later failure would be compensated at the provider)
    return StepResponse(session_id, compensate_input=None)


workflow(CREATE_SESSIONS, steps=[_initiate, _persist], retention_time=STORE_RETENTION)


# the collection as the persist step wrote it, for the `create_payment_session` call that ran the step (its
# checkpointed output is the session id only)
_ANSWER: ContextVar[list[dict[str, Any]] | None] = ContextVar("payment_session_answer", default=None)


async def create_payment_session(container: Any, *, payment_collection_id: str, provider_id: str,
                                 data: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """createPaymentSessionsWorkflow: the new session's id and, when the rows the step wrote are the whole
    collection, the collection as `payments.retrieve_payment_collection` reads it after (else None); the step's
    business error propagates as is."""
    answer: list[dict[str, Any]] = []
    token = _ANSWER.set(answer)
    try:
        outcome = await container.resolve("workflows").run(CREATE_SESSIONS, input=encode({
            "payment_collection_id": payment_collection_id, "provider_id": provider_id, "data": data}))
    finally:
        _ANSWER.reset(token)
    return str(outcome.result), answer[0] if answer else None

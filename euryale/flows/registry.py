"""Import every module of Euryale that defines workflows, so a process that serves no API routes (a worker)
knows them too: its sweeper can resume their executions and its scheduler runs the scheduled ones (the purge of
expired executions). Inline-block workflows (`workflow_transaction`) register on first use instead."""

from __future__ import annotations

import importlib

CORE_WORKFLOW_MODULES = (
    "euryale.flows._workflow",
    "euryale.flows.products",
    "euryale.flows.catalog",
    "euryale.flows.people_workflows",
    "euryale.flows.cart.workflows",
    "euryale.flows.cart.payment_workflows",
    "euryale.flows.cart.complete",
    "euryale.flows.cart.credit_lines",
    "euryale.flows.product_csv",
    "euryale.flows.inventory_export",
    "euryale.flows.order.workflows",
    "euryale.flows.order.change_workflows",
    "euryale.flows.search",
    "euryale.flows.user_accounts",
    "euryale.flows.order.guest_transfer",
    "euryale.flows.order.payment_authorization",
    "euryale.flows.order.change_update",
)


def load_core_workflows() -> int:
    """Import the core workflow modules (idempotent); returns how many were imported."""
    for name in CORE_WORKFLOW_MODULES:
        importlib.import_module(name)
    return len(CORE_WORKFLOW_MODULES)

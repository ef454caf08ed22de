"""Cart flows: everything that changes a cart across modules (pricing, inventory, promotions, taxes, payment)."""

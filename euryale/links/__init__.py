"""Links between modules (tables and helpers to add, remove and read them)."""

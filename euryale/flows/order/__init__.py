"""Order flows on the creation side (cart → order) and the order reads that join other modules."""

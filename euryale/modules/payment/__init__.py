"""The payment module: collections, sessions, payments, captures, refunds and providers."""

"""Test infrastructure: real PostgreSQL and Redis, a database per test run, nothing left behind."""

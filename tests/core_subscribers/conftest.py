from tests.support.arch_fixtures import arch_db, prefix

__all__ = ["arch_db", "prefix"]

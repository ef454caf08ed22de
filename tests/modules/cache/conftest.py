from tests.support.arch_fixtures import prefix

__all__ = ["prefix"]

"""Stand-ins for the outside world in tests (model providers)."""

from tests.fakes.model_server import FakeModelServer

__all__ = ["FakeModelServer"]

"""The MCP tool ``start_discovery`` records calibration in the job; ``calibrate`` turns it off."""

from __future__ import annotations

import pytest
from mcp import Client

from kgservice.embedding import Embedder
from kgservice.services.discovery.calibration import MIN_REVIEWS
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores
from tests.api.test_mcp_tools import call, server_over

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_start_discovery_calibrates_unless_told_not_to(
    stores: Stores, embedder: Embedder
) -> None:
    async with Client(server_over(Services.create(stores, embedder))) as client:
        default = (await call(client, "start_discovery", dry_run=True))["job"]["parameters"]
        assert default["calibrate"] is True
        assert default["calibration"]["applied"] is False
        assert str(MIN_REVIEWS) in default["calibration"]["reason"]
        off = await call(client, "start_discovery", dry_run=True, calibrate=False)
        assert off["job"]["parameters"]["calibrate"] is False
        assert off["job"]["parameters"]["calibration"] is None

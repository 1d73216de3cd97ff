"""``kgservice discover`` records its calibration in the job; ``--no-calibrate`` turns it off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from kgservice.services.discovery.calibration import MIN_REVIEWS
from kgservice.services.discovery.job import DEFAULT_THRESHOLD
from kgservice.services.jobs import JobService
from kgservice.services.registry import Services
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores
from tests.knowledge_seed import seed_world

runner = CliRunner()


def job_parameters(settings: Settings, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["discover", "--data-dir", str(settings.data_dir), *args])
    assert result.exit_code == 0, result.stderr
    job_id = result.stdout.split()[-1]
    with open_stores(settings) as stores:
        return dict(JobService(stores.graph).require(job_id).parameters)


def test_calibration_is_recorded_and_can_be_turned_off(
    data_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    with open_stores(settings) as stores:
        seed_world(stores.graph, Services.create(stores, embedder).index)
    calibrated = job_parameters(settings, "--limit", "2")
    assert calibrated["calibrate"] is True
    assert calibrated["calibration"]["applied"] is False  # no reviews yet
    assert calibrated["calibration"]["reviews"] == 0
    assert str(MIN_REVIEWS) in calibrated["calibration"]["reason"]
    assert calibrated["threshold"] == DEFAULT_THRESHOLD
    off = job_parameters(settings, "--limit", "2", "--no-calibrate")
    assert off["calibrate"] is False
    assert off["calibration"] is None

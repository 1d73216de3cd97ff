"""``kgservice discover``: dry run, a real run, a rerun, bad input, resuming a stopped job."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from kgservice.services.discovery.job import DiscoveryParameters
from kgservice.services.registry import Services
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores
from tests.knowledge_seed import seed_world

runner = CliRunner()


@pytest.fixture
def world(settings: Settings, embedder: Embedder) -> dict[str, str]:
    with open_stores(settings) as stores:
        return seed_world(stores.graph, Services.create(stores, embedder).index)


def discover(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["discover", "--data-dir", str(data_dir), *args])
    return result.exit_code, result.stdout, result.stderr


def relation_count(settings: Settings, world: dict[str, str], embedder: Embedder) -> int:
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        ids = {r.id for entity in world.values() for r in services.relations.of_entity(entity)}
    return len(ids)


def test_dry_run_writes_nothing(
    data_dir: Path, settings: Settings, world: dict[str, str], embedder: Embedder
) -> None:
    code, out, _ = discover(data_dir, "--dry-run")
    assert code == 0
    assert re.match(r"would propose [1-9]\d* relations among 8 entities", out)
    assert relation_count(settings, world, embedder) == 0


def test_run_then_rerun_proposes_nothing_new(
    data_dir: Path, settings: Settings, world: dict[str, str], embedder: Embedder
) -> None:
    code, out, _ = discover(data_dir, "--threshold", "0.3", "--limit", "5")
    assert code == 0, out
    assert out.startswith("proposed 5 relations among 8 entities")
    assert relation_count(settings, world, embedder) == 5
    code, out, _ = discover(data_dir)
    assert code == 0
    written = int(out.split()[1])
    assert relation_count(settings, world, embedder) == 5 + written
    code, out, _ = discover(data_dir, "--threshold", "0.3", "--limit", "5")
    assert out.startswith("proposed 0 relations")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--threshold", "1.5"], "threshold: must be between 0 and 1"),
        (["--methods", "vector,telepathy"], "methods: unknown telepathy"),
        (["--kinds", "Bad Kind"], "kinds:"),
    ],
)
def test_bad_input_fails_with_a_reason(
    data_dir: Path, settings: Settings, world: dict[str, str], args: list[str], reason: str
) -> None:
    code, _, err = discover(data_dir, *args)
    assert code == 1
    assert reason in err
    assert err.count("\n") == 1


def test_resume_continues_a_stopped_job(
    data_dir: Path, settings: Settings, world: dict[str, str], embedder: Embedder
) -> None:
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        services.discovery.batch_size = 2
        job = services.jobs.create("discovery", DiscoveryParameters.checked().as_json(), "default")
        stop = threading.Event()
        services.jobs.run(job.id, stop, lambda progress, counts: stop.set())
    code, out, _ = discover(data_dir, "--resume", job.id)
    assert code == 0, out
    assert f"in job {job.id}" in out
    code, _, err = discover(data_dir, "--resume", job.id)
    assert code == 1
    assert "not an unfinished discovery job" in err

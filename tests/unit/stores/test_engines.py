"""Run the store tests again on Ladybug, the maintained fork of Kuzu, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_ENGINE

HERE = Path(__file__).parent
#: The tests that touch the graph engine.
ENGINE_TESTS = ["test_graph.py", "test_migrations.py"]


@pytest.mark.skipif(TEST_ENGINE != "kuzu", reason="this is the rerun itself")
def test_store_tests_pass_on_ladybug() -> None:
    env = {**os.environ, "KGTEST_ENGINE": "ladybug"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *(str(HERE / name) for name in ENGINE_TESTS),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout

"""An import killed with SIGKILL mid-way resumes with every record exactly once.

A child process runs an import in small batches and prints a line at each checkpoint; it is
killed with SIGKILL after a few, wherever it then is (a batch's COPY, its commit, its vector
write). ``kgservice import session-buddy --resume JOB`` then finishes the job, and every
legacy record is there once, with its vector.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kgservice.embedding import Embedder
from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores
from kgservice.stores.vector_lookups import has_vectors
from tests.imports_seed import CODE_NODES, build_install

pytestmark = pytest.mark.slow

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from kgservice.services.imports.job import ImportParameters
    from kgservice.services.registry import Services
    from kgservice.settings import load_settings
    from kgservice.stores.opening import load_embedder, open_stores

    data_dir, reflection, kg = sys.argv[1:4]
    settings = load_settings(data_dir=Path(data_dir))
    embedder = load_embedder(settings)
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        services.imports.batch_size = 4
        job = services.imports.create(ImportParameters.checked(reflection_db=reflection, kg_db=kg))
        print("job", job.id, flush=True)
        def listener(progress, counts):
            table = (counts.get("current") or {}).get("table")
            print("checkpoint", table, progress, flush=True)

        services.jobs.run(job.id, listener=listener)
    print("finished", flush=True)
    """
)


@pytest.mark.parametrize(
    ("table", "nth"),
    [("conversations_v2", 3), ("code_graphs", 2)],
    ids=["in conversations", "in code graphs"],
)
def test_a_killed_import_resumes_with_every_record_once(
    tmp_path: Path, embedder: Embedder, table: str, nth: int
) -> None:
    """Killed at the ``nth`` checkpoint of ``table`` (a code graph row is a batch)."""
    install = build_install(tmp_path / "legacy", embedder.embed)
    data_dir = tmp_path / "data"
    env = {**os.environ, "KG_CACHE_DIR": str(embedder.cache_dir), "KG_BACKFILL_ON_START": "0"}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(data_dir),
            str(install.reflection_db),
            str(install.kg_db),
        ],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    job_id = child.stdout.readline().split()[1]
    checkpoints = 0
    for line in child.stdout:
        checkpoints += line.startswith(f"checkpoint {table} ")
        if checkpoints == nth:
            os.kill(child.pid, signal.SIGKILL)
            break
    assert child.wait(timeout=60) == -signal.SIGKILL
    child.stdout.close()
    resumed = subprocess.run(
        [
            sys.executable,
            "-m",
            "kgservice",
            "import",
            "session-buddy",
            "--resume",
            job_id,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"in job {job_id}" in resumed.stdout
    assert "verification: ok" in resumed.stdout
    with open_stores(load_settings(data_dir=data_dir)) as stores:
        graph = stores.graph
        legacy = [*install.conversations_v2, *install.conversations_v1, *install.reflections]
        every_key = [*legacy, *install.entities, *install.code_graphs]
        keys = graph.run("imports/legacy_keys", {"keys": every_key})
        assert sorted(k["key"] for k in keys) == sorted(every_key)
        created = graph.run("imports/imported_nodes", {"job_id": job_id})
        texts = [r["node_id"] for r in created if r["label"] in ("Conversation", "Reflection")]
        assert len(texts) == len(set(texts)) == len(legacy)
        conversations = graph.run("core/count_nodes")
        by_label = {r["label"]: r["count"] for r in conversations}
        assert by_label["Conversation"] == len(install.conversations_v2) + 2
        assert by_label["Entity"] == 6
        assert {label: by_label[label] for label in CODE_NODES} == CODE_NODES
        code = [r["node_id"] for r in created if r["label"] in ("CodeFile", "Symbol")]
        assert len(code) == CODE_NODES["CodeFile"] + CODE_NODES["Symbol"]
        assert has_vectors(stores.vectors, texts) == set(texts)
        rows = stores.vectors.query(
            "SELECT node_id FROM node_text WHERE node_id IN (SELECT value FROM json_each(?))",
            (json.dumps(code),),
        )
        assert {node_id for (node_id,) in rows} == set(code)  # searchable; vectors: backfill

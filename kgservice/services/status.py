"""What ``kgservice status`` and ``/healthz`` report about the stores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kgservice import __version__
from kgservice.services.consistency import find_gaps
from kgservice.stores.opening import Stores
from kgservice.stores.schema_dump import TRACKING_TABLES


@dataclass(frozen=True)
class StoreHealth:
    """Whether one store answered, and why not."""

    ok: bool
    detail: str


def check_health(stores: Stores) -> dict[str, StoreHealth]:
    """Ask each store a trivial question; never raises."""
    result: dict[str, StoreHealth] = {}
    try:
        stores.graph.run("core/ping")
        result["graph"] = StoreHealth(True, f"{stores.graph.engine_name} at {stores.graph.path}")
    except Exception as exc:  # a health check reports every failure
        result["graph"] = StoreHealth(False, str(exc))
    try:
        stores.vectors.ping()
        result["vectors"] = StoreHealth(True, f"sqlite-vec at {stores.vectors.path}")
    except Exception as exc:
        result["vectors"] = StoreHealth(False, str(exc))
    return result


def collect_status(stores: Stores) -> dict[str, Any]:
    """Schema version, row counts per table, store paths and sizes."""
    migration = stores.migrator().status()
    node_counts = {row["label"]: row["count"] for row in stores.graph.run("core/count_nodes")}
    rel_counts = {row["label"]: row["count"] for row in stores.graph.run("core/count_rels")}
    tables = {
        row["name"]: row["type"]
        for row in stores.graph.execute_catalog("CALL show_tables() RETURN name, type")
    }
    nodes = {
        name: node_counts.get(name, 0)
        for name, kind in sorted(tables.items())
        if kind == "NODE" and name not in TRACKING_TABLES
    }
    rels = {name: rel_counts.get(name, 0) for name, kind in sorted(tables.items()) if kind == "REL"}
    vector_tables = {
        name: stores.vectors.query(f'SELECT count(*) FROM "{name}"')[0][0]
        for name in stores.vectors.table_names()
        if name not in TRACKING_TABLES
    }
    current = migration.up_to_date  # coverage needs the current schema's tables
    gaps = find_gaps(stores.graph, stores.vectors) if current else None
    return {
        "version": __version__,
        "schema": {
            "current": migration.current,
            "latest": migration.latest,
            "up_to_date": migration.up_to_date,
            "edited": migration.edited,
        },
        "graph": {
            "engine": stores.graph.engine_name,
            "path": str(stores.graph.path),
            "size_bytes": _graph_size(stores),
            "extensions": sorted(stores.graph.extensions),
            "nodes": nodes,
            "relationships": rels,
        },
        "vectors": {
            "path": str(stores.vectors.path),
            "size_bytes": stores.vectors.size_bytes(),
            "tables": vector_tables,
            "model": _model(stores) if current else None,
            "text_nodes": gaps.graph_counts if gaps else {},
            "missing_vectors": {k: len(v) for k, v in gaps.missing.items()} if gaps else {},
            "coverage": {k: round(v, 4) for k, v in gaps.coverage.items()} if gaps else {},
            "orphans": len(gaps.orphans) if gaps else 0,
        },
        "health": {name: asdict(health) for name, health in check_health(stores).items()},
    }


def _model(stores: Stores) -> dict[str, Any] | None:
    recorded = stores.vectors.model()
    return None if recorded is None else {"name": recorded[0], "dimension": recorded[1]}


def _graph_size(stores: Stores) -> int:
    path = stores.graph.path
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())

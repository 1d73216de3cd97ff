"""Versioned schema migrations applied to both stores together.

A migration is a folder ``migrations/NNNN_name/`` with up to four files: ``up.cypher`` and
``down.cypher`` for the graph, ``up.sql`` and ``down.sql`` for the vector store. Each store
records the versions applied to it with a checksum and the time. Before each step both stores
are backed up; a step that fails restores them, so the database stays at the previous version.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kgservice.errors import MigrationError
from kgservice.resources import resource_dir
from kgservice.stores.graph import GraphStore
from kgservice.stores.vectors import VectorStore

_FOLDER = re.compile(r"^(\d{4})_([a-z0-9_]+)$")
_VECTOR_TRACKING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """One migration folder, read into memory."""

    version: int
    name: str
    graph_up: str = field(default="", repr=False)
    graph_down: str = field(default="", repr=False)
    vectors_up: str = field(default="", repr=False)
    vectors_down: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        """``NNNN_name``, as the folder is called."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        """SHA-256 over all four step texts."""
        digest = hashlib.sha256()
        for part in (self.graph_up, self.graph_down, self.vectors_up, self.vectors_down):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    """A migration as recorded in the graph store."""

    version: int
    name: str
    checksum: str
    applied_at: datetime


@dataclass(frozen=True)
class MigrationStatus:
    """Where the stores stand against the migrations on disk."""

    current: int
    latest: int
    applied: list[AppliedMigration]
    pending: list[Migration]
    edited: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """Whether every migration is applied and none was edited."""
        return self.current == self.latest and not self.edited


def discover_migrations(root: Path | None = None) -> list[Migration]:
    """Read every ``NNNN_name`` folder below ``root``, checking the numbering is 1..N."""
    root = root if root is not None else resource_dir("migrations")
    found: list[Migration] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        match = _FOLDER.match(folder.name)
        if match is None:
            raise MigrationError(f"migration folder {folder.name!r} is not named NNNN_name")

        def read(file: str, folder: Path = folder) -> str:
            path = folder / file
            return path.read_text(encoding="utf-8") if path.exists() else ""

        found.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                graph_up=read("up.cypher"),
                graph_down=read("down.cypher"),
                vectors_up=read("up.sql"),
                vectors_down=read("down.sql"),
            )
        )
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {migration.label}: expected number {expected:04d}")
    return found


def split_cypher(text: str) -> list[str]:
    """Split a Cypher script into statements on ``;`` outside quotes, dropping comments."""
    statements: list[str] = []
    current: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            current.append(char)
            if char == "\\" and index + 1 < len(text):
                current.append(text[index + 1])
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
            current.append(char)
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline == -1 else newline
            continue
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    statements.append("".join(current).strip())
    return [statement for statement in statements if statement]


class Migrator:
    """Applies and rolls back migrations on an open graph store and vector store."""

    def __init__(
        self,
        graph: GraphStore,
        vectors: VectorStore,
        backup_dir: Path,
        *,
        migrations: list[Migration] | None = None,
        backups_kept: int = 5,
        on_step: Callable[[Migration, str], None] | None = None,
    ) -> None:
        self.graph = graph
        self.vectors = vectors
        self.backup_dir = backup_dir
        self.migrations = migrations if migrations is not None else discover_migrations()
        self.backups_kept = backups_kept
        self.on_step = on_step
        self._bootstrap()

    def _bootstrap(self) -> None:
        self.graph.run("migrations/create_tracking_table")
        with self.vectors.transaction() as connection:
            connection.execute(_VECTOR_TRACKING)

    # -- reading -------------------------------------------------------------------------
    def applied(self) -> list[AppliedMigration]:
        """Migrations recorded in the graph store, in order."""
        rows = self.graph.run("migrations/list_applied")
        return [AppliedMigration(**row) for row in rows]

    def status(self) -> MigrationStatus:
        """Compare what the stores recorded with the migrations on disk."""
        applied = self.applied()
        vector_versions = [
            v
            for (v,) in self.vectors.query("SELECT version FROM schema_migrations ORDER BY version")
        ]
        graph_versions = [m.version for m in applied]
        if vector_versions != graph_versions:
            raise MigrationError(
                f"the stores disagree: graph has versions {graph_versions}, "
                f"vector store has {vector_versions}; restore a backup from {self.backup_dir}"
            )
        by_version = {m.version: m for m in self.migrations}
        edited = [
            by_version[m.version].label
            for m in applied
            if m.version in by_version and by_version[m.version].checksum != m.checksum
        ]
        current = graph_versions[-1] if graph_versions else 0
        return MigrationStatus(
            current=current,
            latest=len(self.migrations),
            applied=applied,
            pending=[m for m in self.migrations if m.version > current],
            edited=edited,
        )

    # -- changing ------------------------------------------------------------------------
    def up(
        self, *, to: int | None = None, steps: int | None = None, dry_run: bool = False
    ) -> list[Migration]:
        """Apply pending migrations up to version ``to`` (default: all) or ``steps`` of them."""
        status = self._checked_status()
        target = status.latest if to is None else to
        if not status.current <= target <= status.latest:
            raise MigrationError(
                f"cannot migrate up to {target}: "
                f"current is {status.current}, latest {status.latest}"
            )
        plan = [m for m in status.pending if m.version <= target][: steps if steps else None]
        if not dry_run:
            for migration in plan:
                self._step(migration, "up")
        return plan

    def down(
        self, *, to: int | None = None, steps: int | None = None, dry_run: bool = False
    ) -> list[Migration]:
        """Roll back to version ``to``, or ``steps`` migrations (default one)."""
        status = self._checked_status()
        if to is None:
            to = max(status.current - (steps or 1), 0)
        if not 0 <= to <= status.current:
            raise MigrationError(f"cannot migrate down to {to}: current is {status.current}")
        by_version = {m.version: m for m in self.migrations}
        plan = [by_version[v] for v in range(status.current, to, -1)]
        if not dry_run:
            for migration in plan:
                self._step(migration, "down")
        return plan

    def _checked_status(self) -> MigrationStatus:
        status = self.status()
        if status.edited:
            raise MigrationError(
                f"refusing to migrate: {', '.join(status.edited)} changed after being applied "
                "(checksum differs); restore the original files and add a new migration instead"
            )
        if status.current > status.latest:
            raise MigrationError(
                f"the database is at version {status.current}, newer than this build "
                f"({status.latest}); upgrade kgservice"
            )
        return status

    def _step(self, migration: Migration, direction: str) -> None:
        backup = self._backup(migration, direction)
        graph_text = migration.graph_up if direction == "up" else migration.graph_down
        vectors_text = migration.vectors_up if direction == "up" else migration.vectors_down
        try:
            with self.graph.transaction() as tx:
                for statement in split_cypher(graph_text):
                    tx.execute_trusted(statement)
                if direction == "up":
                    tx.run(
                        "migrations/record_applied",
                        {
                            "version": migration.version,
                            "name": migration.name,
                            "checksum": migration.checksum,
                            "applied_at": datetime.now(UTC).replace(tzinfo=None),
                        },
                    )
                else:
                    tx.run("migrations/remove_applied", {"version": migration.version})
            with self.vectors.transaction() as connection:
                if vectors_text.strip():
                    connection.execute(vectors_text)
                if direction == "up":
                    connection.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                        (
                            migration.version,
                            migration.name,
                            migration.checksum,
                            datetime.now(UTC).isoformat(),
                        ),
                    )
                else:
                    connection.execute(
                        "DELETE FROM schema_migrations WHERE version = ?", (migration.version,)
                    )
        except Exception as exc:
            self._restore(backup)
            raise MigrationError(
                f"migration {migration.label} ({direction}) failed and the stores were restored "
                f"to the previous version: {exc}"
            ) from exc
        if self.on_step is not None:
            self.on_step(migration, direction)

    def _backup(self, migration: Migration, direction: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder = self.backup_dir / f"{stamp}-before-{migration.label}-{direction}"
        self.graph.backup_to(folder / self.graph.path.name)
        self.vectors.backup_to(folder / self.vectors.path.name)
        self._prune_backups()
        return folder

    def _restore(self, folder: Path) -> None:
        self.graph.restore_from(folder / self.graph.path.name)
        self.vectors.restore_from(folder / self.vectors.path.name)

    def _prune_backups(self) -> None:
        folders = sorted(p for p in self.backup_dir.iterdir() if p.is_dir())
        for old in folders[: -self.backups_kept]:
            shutil.rmtree(old, ignore_errors=True)

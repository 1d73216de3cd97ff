"""Open both stores for a data directory and make sure their schema is current."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.embedding import Embedder
from kgservice.errors import SchemaOutdatedError, SettingsError
from kgservice.settings import GRAPH_FILES, Settings
from kgservice.stores.graph import GraphStore
from kgservice.stores.migrations import MigrationStatus, Migrator
from kgservice.stores.vectors import VectorStore


@dataclass
class Stores:
    """The open graph and vector stores of one data directory."""

    settings: Settings
    graph: GraphStore
    vectors: VectorStore
    schema_version: int = 0

    def migrator(self) -> Migrator:
        """A migrator over these stores, backing up into the data directory."""
        return Migrator(
            self.graph,
            self.vectors,
            self.settings.backup_dir,
            backups_kept=self.settings.backups_kept,
        )

    def close(self) -> None:
        """Close both stores."""
        self.vectors.close()
        self.graph.close()

    def __enter__(self) -> Stores:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_stores(settings: Settings, *, check_schema: bool = True) -> Stores:
    """Open the stores of ``settings.data_dir``.

    With ``check_schema``, an empty database is migrated to the latest version and an
    outdated one is refused with a message naming the command to run.
    """
    _refuse_other_engine(settings)
    graph = GraphStore(
        settings.graph_path,
        engine=settings.graph_engine,
        query_timeout_ms=settings.query_timeout_ms,
        buffer_pool_mb=settings.buffer_pool_mb,
        read_connections=settings.read_connections,
    ).open()
    try:
        vectors = VectorStore(
            settings.vectors_path, quantise_above=settings.vector_quantise_above
        ).open()
    except BaseException:
        graph.close()
        raise
    stores = Stores(settings, graph, vectors)
    if check_schema:
        try:
            ensure_current_schema(stores)
        except BaseException:
            stores.close()
            raise
    return stores


def load_embedder(settings: Settings) -> Embedder:
    """Create the configured embedder and load its model now (raises EmbedderError why not)."""
    embedder = Embedder(
        settings.derived_dir,
        precision=settings.embed_precision,
        threads=settings.embed_threads,
        model_dir=settings.embed_model_dir,
    )
    embedder.load()
    return embedder


def _refuse_other_engine(settings: Settings) -> None:
    if settings.graph_path.exists():
        return
    for engine, name in GRAPH_FILES.items():
        if engine != settings.graph_engine and (settings.data_dir / name).exists():
            raise SettingsError(
                f"{settings.data_dir} holds a {engine} graph database; "
                f"set KG_GRAPH_ENGINE={engine} or use another data directory"
            )


def ensure_current_schema(stores: Stores) -> MigrationStatus:
    """Migrate an empty database; refuse an outdated or edited one."""
    migrator = stores.migrator()
    status = migrator.status()
    if status.current == 0 and not status.applied:
        migrator.up()
        status = migrator.status()
    if not status.up_to_date:
        data_dir = stores.settings.data_dir
        if status.edited:
            reason = f"migrations {', '.join(status.edited)} changed after being applied"
        else:
            reason = f"the schema is at version {status.current}, this build needs {status.latest}"
        raise SchemaOutdatedError(f"{reason}; run: kgservice migrate up --data-dir {data_dir}")
    stores.schema_version = status.current
    return status

"""One settings object: defaults < an optional TOML file < ``KG_*`` variables < flags."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kgservice.errors import SettingsError

#: Vector count from which KNN uses the in-memory quantised index (the one default).
DEFAULT_VECTOR_QUANTISE_ABOVE = 5_000

GraphEngine = Literal["kuzu", "ladybug"]
GRAPH_FILES: dict[str, str] = {"kuzu": "graph.kuzu", "ladybug": "graph.lbug"}


def default_data_dir() -> Path:
    """Return the per-user data directory (e.g. ``~/.local/share/kgservice``)."""
    return Path(platformdirs.user_data_dir("kgservice", appauthor=False))


class ApiKeyEntry(BaseModel):
    """One client's API key: its name, the SHA-256 of the secret, scope and namespaces.

    ``namespaces`` None lets the key use every namespace. Make one with
    ``kgservice api-key new``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scope: Literal["read", "write"] = "read"
    namespaces: list[str] | None = None


class Settings(BaseSettings):
    """Configuration of one kgservice instance.

    Every field can be set as ``KG_<FIELD>`` in the environment or in a TOML file named by
    ``KG_CONFIG_FILE``; explicit keyword arguments (CLI flags) win over both.
    """

    model_config = SettingsConfigDict(env_prefix="KG_", extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    graph_engine: GraphEngine = "kuzu"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    query_timeout_ms: int = Field(default=30_000, ge=1)
    buffer_pool_mb: int = Field(default=1024, ge=64)
    read_connections: int = Field(default=4, ge=1, le=64)
    backups_kept: int = Field(default=5, ge=1)
    cache_dir: Path | None = None
    backfill_on_start: bool = True
    vector_quantise_above: int = Field(default=DEFAULT_VECTOR_QUANTISE_ABOVE, ge=0)
    access_log: bool = False
    conversation_min_chars: int = Field(default=50, ge=0)
    conversation_max_chars: int = Field(default=50_000, ge=1)
    embed_model_dir: Path | None = None
    embed_precision: Literal["fp32", "int8"] = "fp32"
    embed_threads: int | None = Field(default=None, ge=1)
    graph_algorithms: Literal["auto", "kuzu", "networkx"] = "auto"
    api_keys: list[ApiKeyEntry] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_json_depth: int = Field(default=64, ge=4, le=512)
    request_timeout_ms: int = Field(default=30_000, ge=1)
    checkpoint_interval_s: float = Field(default=10.0, ge=0)
    message_page_cache_mb: int = Field(default=64, ge=0)
    fast_executor: bool = True
    metrics_refresh_s: float = Field(default=15.0, gt=0)

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def graph_path(self) -> Path:
        """File of the graph database (named by engine: their file formats differ)."""
        return self.data_dir / GRAPH_FILES[self.graph_engine]

    @property
    def vectors_path(self) -> Path:
        """File of the vector store (SQLite with sqlite-vec)."""
        return self.data_dir / "vectors.db"

    @property
    def backup_dir(self) -> Path:
        """Folder of automatic pre-migration backups."""
        return self.data_dir / "backups"

    @property
    def derived_dir(self) -> Path:
        """Folder of derived artefacts such as built ONNX models (``KG_CACHE_DIR``)."""
        return self.cache_dir or self.data_dir / "cache"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings and make sure the data directory is usable.

    ``overrides`` whose value is ``None`` are ignored, so CLI flags can be passed straight in.

    Raises:
        SettingsError: with a one-line reason, for an invalid value or an unusable data dir.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    file_values = {
        key: value
        for key, value in _read_config_file().items()
        if f"KG_{key.upper()}" not in os.environ  # the environment wins over the file
    }
    try:
        settings = Settings(**{**file_values, **given})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise SettingsError(f"invalid setting {where}: {first['msg']}") from None
    ensure_data_dir(settings.data_dir)
    return settings


def _read_config_file() -> dict[str, Any]:
    name = os.environ.get("KG_CONFIG_FILE")
    if not name:
        return {}
    path = Path(name).expanduser()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"config file {path} is unreadable: {exc}") from None
    section = data.get("kgservice", data)
    if not isinstance(section, dict):
        raise SettingsError(f"config file {path}: [kgservice] must be a table")
    return section


def ensure_data_dir(path: Path) -> None:
    """Create ``path`` if needed and check that it is a writable directory."""
    if path.exists() and not path.is_dir():
        raise SettingsError(f"data directory {path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"cannot create data directory {path}: {exc.strerror}") from None
    probe = path / ".write-probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SettingsError(f"data directory {path} is not writable: {exc.strerror}") from None

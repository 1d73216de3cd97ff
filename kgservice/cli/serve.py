"""``kgservice serve``: run the GraphQL service on an embedded data directory."""

from __future__ import annotations

import copy
import signal
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from kgservice.api.app import create_app
from kgservice.cli.common import DataDirOption, one_line_errors, settings_from
from kgservice.stores.opening import open_stores


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with kgservice's own messages (info and up) beside its own."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["kgservice"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@one_line_errors
def serve(
    data_dir: DataDirOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
) -> None:
    """Serve GraphQL at /graphql and /healthz until SIGINT or SIGTERM."""
    settings = settings_from(data_dir, host=host, port=port)
    stores = open_stores(settings)  # fail fast, before binding, on a locked or outdated store
    app = create_app(settings, stores=stores, close_stores=True)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM (closing the stores in the lifespan),
    # then re-raises the signal; these handlers turn that into a normal exit with code 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=log_config(),
            access_log=settings.access_log,
        )
    except KeyboardInterrupt:
        pass
    finally:
        stores.close()

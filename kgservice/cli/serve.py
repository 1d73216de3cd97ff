"""``kgservice serve``: run the GraphQL service on an embedded data directory."""

from __future__ import annotations

import copy
import signal
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE

from kgservice.api.app import create_app
from kgservice.api.playground.bundle import BackgroundBuild
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
    """Serve GraphQL at /graphql, the playground at /, and /healthz until SIGINT or SIGTERM.

    Once listening, the playground's bundle is built from web/ in the background when it is
    missing or stale and npm is installed.
    """
    settings = settings_from(data_dir, host=host, port=port)
    stores = open_stores(settings)  # fail fast, before binding, on a locked or outdated store
    app = create_app(settings, stores=stores, close_stores=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=log_config(),
            access_log=settings.access_log,
        )
    )
    playground = BackgroundBuild(ready=lambda: server.started, log=_say)
    state = playground.start()
    if not state.built or state.stale:
        _say(f"playground: {state.summary}")
    # uvicorn shuts down gracefully on SIGINT/SIGTERM (closing the stores in the lifespan),
    # then re-raises the signal; these handlers turn that into a normal exit with code 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        playground.stop()
        stores.close()
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


def _say(line: str) -> None:
    typer.echo(line, err=True)

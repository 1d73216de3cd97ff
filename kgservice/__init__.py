"""kgservice: a local-first knowledge service for AI coding sessions.

The public surface is small: the settings, the stores and the ASGI app factory.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kgservice")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]

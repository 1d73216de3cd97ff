"""Locate the project's data folders (queries, schema, migrations) in a checkout or a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder ``name`` (``queries``, ``schema`` or ``migrations``).

    A source checkout keeps them beside the package; a wheel carries them in ``_resources``.
    """
    for candidate in (_PACKAGE_DIR.parent / name, _PACKAGE_DIR / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kgservice resource folder {name!r} is missing from the install")

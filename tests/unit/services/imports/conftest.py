"""A session-buddy installation (built once per module) and services to import it with."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgservice.embedding import Embedder
from kgservice.services.imports.job import ImportParameters
from tests.imports_seed import LegacyInstall, build_install


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> LegacyInstall:
    return build_install(tmp_path_factory.mktemp("legacy"), embedder.embed)


@pytest.fixture
def parameters(install: LegacyInstall) -> ImportParameters:
    return ImportParameters.checked(
        reflection_db=install.reflection_db, kg_db=install.kg_db, skills_db=install.skills_db
    )


def copy_of(install: LegacyInstall, folder: Path) -> LegacyInstall:
    """The same installation in another folder (for tests that damage a file)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for path in (install.reflection_db, install.kg_db, install.skills_db):
        shutil.copy2(path, folder / path.name)
    return LegacyInstall(
        folder / install.reflection_db.name,
        folder / install.kg_db.name,
        folder / install.skills_db.name,
    )

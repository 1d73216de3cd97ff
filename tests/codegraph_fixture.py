"""A small git repository with two commits, with known imports, calls and impact."""

from __future__ import annotations

import subprocess
from pathlib import Path

FIRST = {
    "app/__init__.py": '"""The fixture application."""\n',
    "app/models.py": (
        '"""Data models."""\n\n\n'
        "class Base:\n"
        '    """Stored things."""\n\n'
        "    def save(self):\n"
        "        return self.validate()\n\n"
        "    def validate(self):\n"
        "        return True\n\n\n"
        "class User(Base):\n"
        "    def rename(self, name):\n"
        "        self.name = name\n"
        "        return self.save()\n\n\n"
        "def make_user(name):\n"
        '    """Create a user called name."""\n'
        "    user = User()\n"
        "    return User.rename(user, name)\n"
    ),
    "app/store.py": (
        "from app.models import make_user\n\n\ndef load(name):\n    return make_user(name)\n"
    ),
    "app/api.py": "from . import store\n\n\ndef handler(name):\n    return store.load(name)\n",
    "app/cli.py": ("from app.api import handler\n\n\ndef main():\n    return handler('x')\n"),
    "app/util.py": "def helper():\n    return 1\n",
}
#: The second commit changes one file: store.load now also calls util.helper.
SECOND = {
    "app/store.py": (
        "from app.models import make_user\n"
        "from app.util import helper\n\n\n"
        "def load(name):\n"
        "    helper()\n"
        "    return make_user(name)\n"
    ),
}


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return its output."""
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
            "HOME": str(root),
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        },
    )
    return result.stdout.strip()


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def make_repository(root: Path) -> tuple[str, str]:
    """Create the repository at ``root``; return the SHAs of its two commits."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, FIRST)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    first = git(root, "rev-parse", "HEAD")
    write_files(root, SECOND)
    git(root, "commit", "-q", "-am", "second")
    return first, git(root, "rev-parse", "HEAD")


#: Two plain directories whose code imports each other's: appkit's two files import
#: corelib, one corelib file imports appkit back.
CORELIB = {
    "corelib/__init__.py": '"""Core maths."""\nfrom corelib.maths import add\n',
    "corelib/maths.py": "import os\n\n\ndef add(a, b):\n    return a + b\n",
    "corelib/hooks.py": "def run():\n    from appkit import main\n\n    return main.start()\n",
}
APPKIT = {
    "appkit/__init__.py": "",
    "appkit/main.py": "from corelib.maths import add\n\n\ndef start():\n    return add(1, 2)\n",
    "appkit/cli.py": "import corelib\nfrom appkit import main\n\n\ndef cli():\n    return main\n",
}


def make_linked_repositories(root: Path) -> tuple[Path, Path]:
    """Create ``root/corelib`` and ``root/appkit`` (see :data:`CORELIB`, :data:`APPKIT`)."""
    corelib, appkit = root / "corelib", root / "appkit"
    write_files(corelib, CORELIB)
    write_files(appkit, APPKIT)
    return corelib, appkit

"""The playground's bundle: built from ``web/`` (npm, esbuild) into ``static/`` here.

Nothing built is committed: the first ``kgservice serve`` (and the browser tests) build the
bundle when it is missing or older than its sources, by ``npm ci && npm run build`` in
``web/``. Without npm the service still runs, and ``/`` says how to get the playground.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Where the built files are served from (an installed wheel carries them here too).
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The front end's sources, in a checkout (absent from an installed wheel).
WEB_DIR = Path(__file__).resolve().parents[3] / "web"
#: Files every complete bundle holds.
BUNDLE_FILES = ("index.html", "playground.js", "graphiql.html", "graphiql.js")
HOW_TO_GET = (
    "The playground is not built: install Node.js 20 with npm, then start "
    "`uv run kgservice serve` again, which builds it from web/."
)
BUILD_TIMEOUT_S = 900


class BuildError(RuntimeError):
    """The bundle could not be built; the message says which step failed and why."""


@dataclass(frozen=True)
class BundleState:
    """Whether the bundle can be served, and whether it can (or should) be built."""

    built: bool
    stale: bool
    npm: str | None
    sources: bool

    @property
    def summary(self) -> str:
        """One line for ``status`` and for the serve log."""
        if self.built and not self.stale:
            return "built"
        if self.built:
            return "built, older than web/ (rebuilt on the next serve)"
        if not self.sources:
            return "missing (no web/ sources in this installation)"
        if self.npm is None:
            return "not built: npm is not installed (install Node.js 20 with npm)"
        return "not built yet (built on the next serve)"

    @property
    def needs_build(self) -> bool:
        """Whether a build is due and possible."""
        return self.sources and self.npm is not None and (not self.built or self.stale)


def _newest_source(web: Path) -> float:
    sources = [web / "package.json", web / "package-lock.json", web / "build.mjs"]
    sources += [p for p in (web / "src").rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in sources if p.exists()), default=0.0)


def bundle_state(static: Path = STATIC_DIR, web: Path = WEB_DIR) -> BundleState:
    """Inspect the bundle and its sources (no side effects)."""
    built = all((static / name).is_file() for name in BUNDLE_FILES)
    sources = (web / "package-lock.json").is_file()
    stale = False
    if built and sources:
        oldest_output = min((static / name).stat().st_mtime for name in BUNDLE_FILES)
        stale = _newest_source(web) > oldest_output
    return BundleState(built=built, stale=stale, npm=shutil.which("npm"), sources=sources)


def build_bundle(web: Path = WEB_DIR, log: Callable[[str], None] = print) -> None:
    """Run ``npm ci`` (when the lockfile changed) and ``npm run build`` in ``web``.

    Raises:
        BuildError: npm is missing, or a step failed (its last output lines say why).
    """
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not installed")
    lock = web / "package-lock.json"
    installed = web / "node_modules" / ".package-lock.json"
    steps: list[list[str]] = []
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        steps.append([npm, "ci", "--no-audit", "--no-fund"])
    steps.append([npm, "run", "build"])
    log(f"building the playground in {web}: {' && '.join(' '.join(s[:2]) for s in steps)}")
    for step in steps:
        done = subprocess.run(  # noqa: S603 (fixed arguments, npm found on PATH)
            step, cwd=web, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise BuildError(f"`{' '.join(step[1:])}` failed in {web}:\n{tail}")


def ensure_bundle(log: Callable[[str], None] = print) -> BundleState:
    """Build the bundle when it is missing or stale and npm is there; return the state after.

    A failed build is logged and leaves the service running without (or with the older)
    bundle.
    """
    state = bundle_state()
    if not state.needs_build:
        return state
    try:
        build_bundle(log=log)
    except (BuildError, OSError, subprocess.TimeoutExpired) as exc:
        log(f"the playground could not be built: {exc}")
    return bundle_state()

"""The playground's bundle: built from ``web/`` (npm, esbuild) into ``static/`` here.

Nothing built is committed: ``kgservice serve`` (in the background, once listening) and the
browser tests build the bundle when it is missing or older than its sources, by
``npm ci && npm run build`` in ``web/``. Without npm the service still runs, and ``/`` says
how to get the playground.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import threading
import time
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
    "The playground is not built yet: `uv run kgservice serve` builds it from web/ when npm "
    "(Node.js 20) is installed, so reload this page in a minute, or install npm and start "
    "the service again."
)
BUILD_TIMEOUT_S = 900
LOCK_NAME = ".build.lock"


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
            return "built, older than web/ (serve rebuilds it)"
        if not self.sources:
            return "missing (no web/ sources in this installation)"
        if self.npm is None:
            return "not built: npm is not installed (install Node.js 20 with npm)"
        return "not built yet (serve builds it)"

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


def build_bundle(
    web: Path = WEB_DIR,
    log: Callable[[str], None] = print,
    cancelled: threading.Event | None = None,
) -> None:
    """Run ``npm ci`` (when the lockfile changed) and ``npm run build`` in ``web``.

    One build at a time per ``web`` folder (a lock file); a set ``cancelled`` event stops
    the running step.

    Raises:
        BuildError: npm is missing, a step failed (its last output lines say why), or the
            build was cancelled.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not installed")
    with (web / LOCK_NAME).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not bundle_state(web=web).needs_build and web == WEB_DIR:
            return  # another process built it meanwhile
        lockfile = web / "package-lock.json"
        installed = web / "node_modules" / ".package-lock.json"
        steps: list[list[str]] = []
        if not installed.exists() or installed.stat().st_mtime < lockfile.stat().st_mtime:
            steps.append([npm, "ci", "--no-audit", "--no-fund"])
        steps.append([npm, "run", "build"])
        commands = " && ".join(" ".join(["npm", *step[1:3]]) for step in steps)
        log(f"building the playground in {web}: {commands}")
        for step in steps:
            _run_step(step, web, cancelled)


def _run_step(step: list[str], web: Path, cancelled: threading.Event | None) -> None:
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(  # noqa: S603 (fixed arguments, npm found on PATH)
            step, cwd=web, stdout=output, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + BUILD_TIMEOUT_S
        while process.poll() is None:
            if (cancelled is not None and cancelled.is_set()) or time.monotonic() > deadline:
                process.terminate()
                process.wait(timeout=30)
                raise BuildError(f"`{' '.join(step[1:])}` was stopped")
            time.sleep(0.1)
        if process.returncode != 0:
            output.seek(0)
            tail = "\n".join(output.read().strip().splitlines()[-5:])
            raise BuildError(f"`{' '.join(step[1:])}` failed in {web}:\n{tail}")


class BackgroundBuild:
    """Builds a missing or stale bundle in a thread, once the server is up.

    ``ready`` says when to begin (the server is listening), so a serve that stops at once
    (a port in use) never starts npm; ``stop`` ends a build still running.
    """

    def __init__(self, ready: Callable[[], bool], log: Callable[[str], None] = print) -> None:
        self.ready = ready
        self.log = log
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> BundleState:
        """Begin when a build is due; return the bundle's state now."""
        state = bundle_state()
        if state.needs_build:
            self.thread = threading.Thread(target=self._run, name="kg-playground", daemon=True)
            self.thread.start()
        return state

    def _run(self) -> None:
        while not self.ready():
            if self.stopping.wait(0.1):
                return
        try:
            build_bundle(log=self.log, cancelled=self.stopping)
        except (BuildError, OSError) as exc:
            if not self.stopping.is_set():
                self.log(f"the playground could not be built: {exc}")
            return
        self.log("the playground is built: open / in a browser")

    def stop(self) -> None:
        """Stop a running build and wait for its thread."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

"""Finding a repository's Python files at a commit, and reading their bytes.

A git checkout is read from git's object store (``git ls-tree`` and ``git cat-file``) for
HEAD or a given commit, never from the work tree; any other directory is walked as it is,
with a content hash of its files standing in for the commit. Every file is named by its git
blob id (SHA-1 of ``blob <size>\\0<bytes>``), so a file unchanged between two commits is
recognised without reading it. Files that cannot be indexed are listed with a reason.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kgservice.errors import InputError

SOURCE_SUFFIXES = (".py",)
MAX_FILE_BYTES = 2_000_000
#: Directories never walked in a plain directory (caches, environments, VCS metadata).
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
GIT_TIMEOUT_S = 120


@dataclass(frozen=True)
class SourceFile:
    """A Python file of the commit: path relative to the root (``/``-separated), blob id."""

    path: str
    content_hash: str
    size: int


@dataclass(frozen=True)
class SkippedFile:
    """A file left out, and why."""

    path: str
    reason: str


@dataclass
class SourceTree:
    """The Python files of one commit of a repository."""

    root: Path
    name: str
    remote: str | None
    commit: str
    is_git: bool
    message: str | None = None
    authored_at: datetime | None = None
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    _contents: dict[str, bytes] = field(default_factory=dict, repr=False)

    def read(self, files: Sequence[SourceFile]) -> dict[str, bytes]:
        """The bytes of ``files``, by content hash."""
        wanted = sorted({f.content_hash for f in files} - self._contents.keys())
        if wanted:
            self._contents.update(_cat_files(self.root, wanted))
        return {f.content_hash: self._contents[f.content_hash] for f in files}


def blob_hash(data: bytes) -> str:
    """Git's blob id of ``data``."""
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()


def open_source(path: Path, commit: str | None = None) -> SourceTree:
    """The Python files of ``path`` at ``commit`` (HEAD of a checkout when None).

    Raises:
        InputError: the path does not exist, or a commit is given for a path that is not
            the top of a git checkout, or git does not know the commit.
    """
    root = path.expanduser().resolve()
    if not root.is_dir():
        raise InputError("path", f"{path} is not a directory")
    if _git_top(root) == root:
        return _git_tree(root, commit or "HEAD")
    if commit is not None:
        raise InputError("commit", f"{root} is not a git checkout, so it has no commits")
    return _directory_tree(root)


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
        ["git", "-C", str(root), *args],  # noqa: S607 - git from PATH
        input=stdin,
        capture_output=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise InputError("commit", result.stderr.decode(errors="replace").strip()[:300])
    return result.stdout


def _git_top(root: Path) -> Path | None:
    try:
        top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    except (InputError, FileNotFoundError, subprocess.TimeoutExpired):
        return None
    return Path(top).resolve()


def resolve_commit(path: Path, ref: str) -> str:
    """The full SHA of commit ``ref`` of the checkout at ``path``.

    Raises:
        InputError: ``path`` is not the top of a checkout, or ``ref`` names no commit of it.
    """
    root = path.expanduser().resolve()
    if _git_top(root) != root:
        raise InputError("commit", f"{root} is not a git checkout, so it has no commits")
    if ref.startswith("-"):
        raise InputError("commit", f"{ref!r} is not a commit")
    try:
        sha = _git(root, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except InputError:
        raise InputError("commit", f"{ref!r} is not a commit of {root}") from None
    return sha.decode().strip()


def _git_tree(root: Path, ref: str) -> SourceTree:
    sha_text = resolve_commit(root, ref)
    log = _git(root, "log", "-1", "--format=%s%x00%aI", sha_text).decode().rstrip("\n")
    message, _, authored = log.partition("\x00")
    try:
        remote: str | None = _git(root, "remote", "get-url", "origin").decode().strip() or None
    except InputError:
        remote = None
    tree = SourceTree(
        root=root,
        name=root.name,
        remote=remote,
        commit=sha_text,
        is_git=True,
        message=message,
        authored_at=datetime.fromisoformat(authored) if authored else None,
    )
    listing = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", sha_text)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, blob, size = meta.split()
        rel = raw_path.decode("utf-8", errors="surrogateescape")
        if not rel.endswith(SOURCE_SUFFIXES):
            continue
        if mode == b"120000":
            tree.skipped.append(SkippedFile(rel, "symlink"))
        elif kind != b"blob":
            tree.skipped.append(SkippedFile(rel, f"not a file ({kind.decode()})"))
        elif int(size) > MAX_FILE_BYTES:
            tree.skipped.append(SkippedFile(rel, f"larger than {MAX_FILE_BYTES} bytes"))
        else:
            tree.files.append(SourceFile(rel, blob.decode(), int(size)))
    return tree


def _cat_files(root: Path, hashes: Sequence[str]) -> dict[str, bytes]:
    """Blob contents by id, in one ``git cat-file --batch`` run."""
    output = _git(root, "cat-file", "--batch", stdin="".join(f"{h}\n" for h in hashes).encode())
    contents: dict[str, bytes] = {}
    position = 0
    for blob in hashes:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        if len(header) != 3:
            raise InputError("commit", f"git has no blob {blob}")
        size = int(header[2])
        start = header_end + 1
        contents[blob] = output[start : start + size]
        position = start + size + 1
    return contents


def _directory_tree(root: Path) -> SourceTree:
    tree = SourceTree(root=root, name=root.name, remote=None, commit="", is_git=False)
    listing: list[tuple[str, str]] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        kept = []
        for name in sorted(dirnames):
            full = base / name
            if name.startswith(".") or name in SKIPPED_DIRS:
                continue
            if full.is_symlink():
                reason = _symlink_reason(full)
                tree.skipped.append(SkippedFile(full.relative_to(root).as_posix(), reason))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            full = base / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                tree.skipped.append(SkippedFile(rel, _symlink_reason(full)))
                continue
            try:
                size = full.stat().st_size
                if size > MAX_FILE_BYTES:
                    tree.skipped.append(SkippedFile(rel, f"larger than {MAX_FILE_BYTES} bytes"))
                    continue
                data = full.read_bytes()
            except OSError as exc:
                tree.skipped.append(SkippedFile(rel, f"unreadable: {exc.strerror or exc}"))
                continue
            blob = blob_hash(data)
            tree._contents[blob] = data
            tree.files.append(SourceFile(rel, blob, len(data)))
            listing.append((rel, blob))
    tree.files.sort(key=lambda f: f.path)
    digest = hashlib.sha1(usedforsecurity=False)
    for rel, blob in sorted(listing):
        digest.update(f"{rel}\0{blob}\n".encode("utf-8", errors="surrogateescape"))
    tree.commit = digest.hexdigest()
    return tree


def _symlink_reason(path: Path) -> str:
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop"
        return "broken symlink"
    return "symlink (not followed)"

"""What indexing a commit works with and reports: its file versions, the rows it adds,
and the counts it returns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kgservice.ids import new_id
from kgservice.services.codegraph.parsing import FileAnalysis
from kgservice.services.codegraph.sources import SkippedFile, SourceFile
from kgservice.services.codegraph.writing import FileRow, SymbolRow


@dataclass
class IndexReport:
    """What indexing one commit did."""

    repository_id: str
    commit_id: str
    sha: str
    already_indexed: bool = False
    files: int = 0
    parsed: int = 0
    reused: int = 0
    symbols: int = 0
    imports: int = 0
    imports_from_other_repositories: int = 0  # new IMPORTS edges into this commit's files
    calls: int = 0
    inherits: int = 0
    embedded: int = 0  # texts embedded (the others reused a stored vector of the same text)
    mentions: int = 0  # MENTIONS edges added from stored texts to the new commit's code
    errors: list[SkippedFile] = field(default_factory=list)  # recorded, with their error
    skipped: list[SkippedFile] = field(default_factory=list)  # not recorded
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step
    new_file_ids: list[str] = field(default_factory=list)  # versions this commit added

    def lap(self, phase: str, since: float) -> float:
        """Record the time since ``since`` as ``phase``; return the time now."""
        now = time.perf_counter()
        self.phases[phase] = round(now - since, 3)
        return now

    def counts(self) -> dict[str, Any]:
        """The report as job counts (JSON)."""
        return {
            "repository_id": self.repository_id,
            "commit_id": self.commit_id,
            "sha": self.sha,
            "already_indexed": self.already_indexed,
            "files": self.files,
            "parsed": self.parsed,
            "reused": self.reused,
            "symbols": self.symbols,
            "imports": self.imports,
            "imports_from_other_repositories": self.imports_from_other_repositories,
            "calls": self.calls,
            "inherits": self.inherits,
            "embedded": self.embedded,
            "mentions": self.mentions,
            "errors": [{"path": e.path, "reason": e.reason} for e in self.errors[:100]],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped[:100]],
            "seconds": round(self.seconds, 3),
            "phases": self.phases,
        }


@dataclass
class FileVersion:
    """A file version of the commit with its analysis and symbol ids by local name."""

    id: str
    source: SourceFile
    analysis: FileAnalysis
    symbol_ids: dict[str, str]
    new: bool


@dataclass
class CommitPlan:
    """The new file and symbol rows of a commit and its edges not stored yet."""

    files: list[FileRow] = field(default_factory=list)
    symbols: list[SymbolRow] = field(default_factory=list)
    imports: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    inherits: list[tuple[str, str]] = field(default_factory=list)

    def add_version(self, version: FileVersion) -> None:
        """Rows of a new file version and its symbols (their ids go into ``version``)."""
        analysis = version.analysis
        self.files.append(
            FileRow(
                id=version.id,
                path=version.source.path,
                module=analysis.module,
                content_hash=version.source.content_hash,
                lines=analysis.lines,
                size=version.source.size,
                error=analysis.error,
                analysis=analysis.to_json(),
            )
        )
        module_symbol = SymbolRow(
            id=new_id("Symbol"),
            file_id=version.id,
            name=analysis.module.rpartition(".")[2],
            qualname=analysis.module,
            kind="module",
            module=analysis.module,
            line_start=1,
            line_end=analysis.lines,
            docstring=analysis.docstring,
        )
        self.symbols.append(module_symbol)
        version.symbol_ids[""] = module_symbol.id
        for symbol in analysis.symbols:
            row = SymbolRow(
                id=new_id("Symbol"),
                file_id=version.id,
                name=symbol.local.rpartition(".")[2],
                qualname=f"{analysis.module}.{symbol.local}",
                kind=symbol.kind,
                module=analysis.module,
                line_start=symbol.line_start,
                line_end=symbol.line_end,
                docstring=symbol.docstring,
            )
            self.symbols.append(row)
            version.symbol_ids[symbol.local] = row.id

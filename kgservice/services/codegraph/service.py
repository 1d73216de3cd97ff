"""The code graph service: ``index_code`` jobs and reads of indexed commits."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from kgservice.errors import InputError
from kgservice.services.codegraph.code_mentions import link_stored_texts, new_code_matcher
from kgservice.services.codegraph.commit_graph import CommitGraph, CommitGraphs
from kgservice.services.codegraph.indexing import CodeIndexer, Progress
from kgservice.services.codegraph.mentioned_by import count_mentioned_by, mentioned_by_page
from kgservice.services.codegraph.plan import IndexReport
from kgservice.services.codegraph.sources import resolve_commit
from kgservice.services.jobs import JobControl, JobRecord, JobRunner, JobService
from kgservice.services.knowledge.mentions import MentionMatchers
from kgservice.services.text_index import TextIndex
from kgservice.stores.graph import GraphStore

JOB_KIND = "index_code"


def index_parameters(
    path: str, commit: str | None, namespace: str, project_id: str | None = None
) -> dict[str, Any]:
    """Checked job parameters (InputError naming the field)."""
    if not path.strip():
        raise InputError("path", "must not be empty")
    if not Path(path).expanduser().is_dir():
        raise InputError("path", f"{path} is not a directory")
    if commit is not None:
        resolve_commit(Path(path), commit)  # fail now, not in the job
    if not namespace.strip():
        raise InputError("namespace", "must not be empty")
    return {
        "path": str(Path(path).expanduser().resolve()),
        "commit": commit,
        "namespace": namespace,
    }


class CodeGraphService:
    """Indexes repositories (as jobs or directly) and reads their commit graphs."""

    def __init__(
        self,
        graph: GraphStore,
        index: TextIndex,
        jobs: JobService,
        runner: JobRunner,
        mentions: MentionMatchers | None = None,
    ) -> None:
        self.graph = graph
        self.mentions = mentions
        #: Load a newly indexed commit's graph into the cache, so its first query is fast
        #: (a process that exits after indexing, like the CLI, turns it off).
        self.warm_after_index = True
        self.indexer = CodeIndexer(graph, index)
        self.graphs = CommitGraphs(graph)
        #: A page of the texts mentioning a file or symbol, newest first: ``(table, node)``
        #: (:func:`mentioned_by_page` on this graph), and how many there are.
        self.mentioned_by = partial(mentioned_by_page, graph)
        self.count_mentioned_by = partial(count_mentioned_by, graph)
        self.jobs = jobs
        self.runner = runner
        jobs.handlers[JOB_KIND] = self.run_job

    def start(
        self, path: str, commit: str | None, namespace: str, project_id: str | None = None
    ) -> JobRecord:
        """Create an ``index_code`` job and queue it; return it at once."""
        parameters = index_parameters(path, commit, namespace, project_id)
        job = self.jobs.create(JOB_KIND, parameters, namespace)
        self.runner.submit(job.id)
        return job

    def index(
        self,
        path: str,
        commit: str | None = None,
        namespace: str = "default",
        progress: Progress | None = None,
        project_id: str | None = None,
    ) -> IndexReport:
        """Index now, in this thread."""
        parameters = index_parameters(path, commit, namespace, project_id)
        report = self.indexer.index_path(
            Path(parameters["path"]),
            parameters["commit"],
            namespace,
            progress,
            project_id=project_id,
        )
        if self.mentions is not None and not report.already_indexed:
            self.mentions.refresh_code(namespace)  # texts written from now on see the commit
            matcher = new_code_matcher(self.graph, report.commit_id, report.new_file_ids)
            report.mentions = link_stored_texts(
                self.graph, self.indexer.index.vectors, namespace, matcher
            )
        if self.warm_after_index and not report.already_indexed:
            self.graphs.load(parameters["path"], report.sha, namespace)
        return report

    def run_job(self, control: JobControl) -> dict[str, Any]:
        """The handler of ``index_code`` jobs (indexing a commit again is a no-op)."""
        parameters = control.job.parameters

        def report(progress: float, counts: Any) -> None:
            control.report(progress, counts)

        result = self.index(
            parameters["path"],
            parameters.get("commit"),
            parameters["namespace"],
            report,
            parameters.get("project"),
        )
        return result.counts()

    def commit_graph(self, repo: str | None, commit: str | None, namespace: str) -> CommitGraph:
        """The graph of ``repo`` (the namespace's only one when None) at ``commit`` (latest
        indexed when None)."""
        if repo is not None and not repo.strip():
            raise InputError("repo", "must not be empty")
        return self.graphs.load(repo, commit, namespace)

"""The domain services of one running instance, built over its open stores."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.embedding import Embedder
from kgservice.services.codegraph.service import CodeGraphService
from kgservice.services.discovery.job import DiscoveryService
from kgservice.services.graph_algorithms import GraphAlgorithms
from kgservice.services.imports.job import ImportService
from kgservice.services.jobs import JobRunner, JobService
from kgservice.services.knowledge.entities import EntityService
from kgservice.services.knowledge.mentions import MentionMatchers
from kgservice.services.knowledge.relations import RelationService
from kgservice.services.knowledge.resolution import ResolutionService
from kgservice.services.listings import Listings
from kgservice.services.memory import MemoryService
from kgservice.services.quality.service import QualityService
from kgservice.services.search import SearchService
from kgservice.services.sessions import SessionService
from kgservice.services.sessions.chain import SessionChain
from kgservice.services.sessions.reads import SessionReads
from kgservice.services.skills.dependencies import DependencyRefreshJobs
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores


@dataclass
class Services:
    """Every domain service, sharing the stores and the embedder."""

    stores: Stores
    index: TextIndex
    sessions: SessionService
    reads: SessionReads
    chain: SessionChain
    memory: MemoryService
    search: SearchService
    relations: RelationService
    jobs: JobService
    job_runner: JobRunner
    discovery: DiscoveryService
    mentions: MentionMatchers
    entities: EntityService
    resolution: ResolutionService
    graph_algorithms: GraphAlgorithms
    codegraph: CodeGraphService
    imports: ImportService
    quality: QualityService
    listings: Listings
    skill_dependencies: DependencyRefreshJobs

    @classmethod
    def create(cls, stores: Stores, embedder: Embedder) -> Services:
        """Wire the services over ``stores``."""
        index = TextIndex(stores.vectors, embedder)
        mentions = MentionMatchers(stores.graph)
        jobs = JobService(stores.graph)
        job_runner = JobRunner(jobs)
        return cls(
            stores=stores,
            index=index,
            sessions=SessionService(stores.graph, index, mentions),
            reads=SessionReads(
                stores.graph, page_cache_bytes=stores.settings.message_page_cache_mb * 2**20
            ),
            chain=SessionChain(stores.graph),
            memory=MemoryService(
                stores.graph,
                index,
                min_chars=stores.settings.conversation_min_chars,
                max_chars=stores.settings.conversation_max_chars,
                mentions=mentions,
            ),
            search=SearchService(stores.graph, index),
            relations=RelationService(stores.graph),
            jobs=jobs,
            job_runner=job_runner,
            discovery=DiscoveryService(stores.graph, stores.vectors, jobs, job_runner),
            mentions=mentions,
            entities=EntityService(stores.graph, index, mentions),
            resolution=ResolutionService(stores.graph, index),
            graph_algorithms=GraphAlgorithms(
                stores.graph, stores.vectors, stores.settings.graph_algorithms
            ),
            codegraph=CodeGraphService(stores.graph, index, jobs, job_runner, mentions),
            imports=ImportService(stores.graph, index, jobs, job_runner, mentions),
            quality=QualityService(stores.graph),
            listings=Listings(stores.graph),
            skill_dependencies=DependencyRefreshJobs(stores.graph, jobs, job_runner),
        )

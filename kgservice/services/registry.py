"""The domain services of one running instance, built over its open stores."""

from __future__ import annotations

from dataclasses import dataclass

from kgservice.services.memory import MemoryService
from kgservice.services.search import SearchService
from kgservice.services.session_chain import SessionChain
from kgservice.services.session_reads import SessionReads
from kgservice.services.sessions import SessionService
from kgservice.services.text_index import TextIndex
from kgservice.stores.embedder import Embedder
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

    @classmethod
    def create(cls, stores: Stores, embedder: Embedder) -> Services:
        """Wire the services over ``stores``."""
        index = TextIndex(stores.vectors, embedder)
        return cls(
            stores=stores,
            index=index,
            sessions=SessionService(stores.graph, index),
            reads=SessionReads(stores.graph),
            chain=SessionChain(stores.graph),
            memory=MemoryService(
                stores.graph,
                index,
                min_chars=stores.settings.conversation_min_chars,
                max_chars=stores.settings.conversation_max_chars,
            ),
            search=SearchService(stores.graph, index),
        )

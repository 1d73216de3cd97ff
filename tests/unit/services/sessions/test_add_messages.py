"""add_messages writes a batch with one statement: order, idx, metadata and vectors agree."""

from __future__ import annotations

import json
import threading

import pytest

from kgservice.embedding import Embedder
from kgservice.errors import NotFoundError
from kgservice.ids import new_id
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.stores.opening import Stores


def _batch(size: int, tag: str) -> list[NewMessage]:
    contents = ["", "Grüße 🙂 aus Zürich", "x" * 3000]
    return [
        NewMessage(
            ("user", "assistant", "system")[i % 3],
            contents[i] if i < len(contents) else f"{tag} message {i} about graphs",
            {"n": i, "tag": tag} if i % 4 == 0 else None,
        )
        for i in range(size)
    ]


def test_a_batch_keeps_its_order_idx_and_metadata(services: Services, thread_id: str) -> None:
    first = services.sessions.add_messages(thread_id, [NewMessage("user", "hello")])
    batch = _batch(120, "b")
    created = services.sessions.add_messages(thread_id, batch)
    assert [m.idx for m in created] == list(range(1, 121))
    assert [(m.role, m.content) for m in created] == [(m.role, m.content) for m in batch]
    assert [json.loads(m.metadata) if m.metadata else None for m in created] == [
        m.metadata for m in batch
    ]
    assert len({m.id for m in created}) == 120
    assert sorted(m.id for m in created) == [m.id for m in created]  # ids ascend with idx
    assert len({m.created_at for m in created}) == 1
    page = services.reads.message_page(thread_id, None, None, 200, False)
    assert [m.id for m in page] == [first[0].id] + [m.id for m in created]
    assert services.sessions.add_messages(thread_id, [NewMessage("user", "next")])[0].idx == 121


def test_each_message_gets_the_vector_of_its_own_text(
    services: Services, thread_id: str, embedder: Embedder
) -> None:
    created = services.sessions.add_messages(thread_id, _batch(40, "v"))
    for message in created[3::7]:
        hits = services.index.vectors.knn(embedder.embed_one(message.content), 1)
        assert hits[0][0] == message.id
        assert hits[0][1] == pytest.approx(0.0, abs=1e-5)


def test_concurrent_batches_get_contiguous_idx(services: Services, thread_id: str) -> None:
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for round_ in range(3):
                services.sessions.add_messages(thread_id, _batch(17, f"w{worker}r{round_}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    page = services.reads.message_page(thread_id, None, None, 500, False)
    assert [m.idx for m in page] == list(range(4 * 3 * 17))
    by_batch: dict[str, list[int]] = {}
    for message in page:
        if message.content.startswith("w"):
            by_batch.setdefault(message.content.split()[0], []).append(message.idx)
    for idxs in by_batch.values():  # each batch is one contiguous run
        assert idxs == list(range(idxs[0], idxs[0] + len(idxs)))


def test_an_unknown_thread_writes_nothing(services: Services, stores: Stores) -> None:
    with pytest.raises(NotFoundError):
        services.sessions.add_messages(new_id("Thread"), _batch(3, "x"))
    assert stores.vectors.vector_count() == 0

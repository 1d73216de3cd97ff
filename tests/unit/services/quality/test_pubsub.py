"""The in-process pub/sub: bounded buffers, publishers that never wait, closed consumers."""

from __future__ import annotations

import asyncio
import threading
import time

from kgservice.services.pubsub import PubSub


def test_a_subscriber_receives_what_is_published_from_threads() -> None:
    async def scenario() -> list[int]:
        hub: PubSub[int] = PubSub()
        with hub.subscribe("p") as subscription:
            threads = [threading.Thread(target=hub.publish, args=("p", i)) for i in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            got: list[int] = []
            while len(got) < 3:
                got += await asyncio.wait_for(subscription.drain(), 5)
            assert hub.publish("other", 9) == 0
            return sorted(got)

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_a_slow_consumer_loses_the_oldest_and_never_blocks_the_publisher() -> None:
    async def scenario() -> tuple[list[int], int, float]:
        hub: PubSub[int] = PubSub()
        with hub.subscribe("p", size=4) as subscription:
            start = time.perf_counter()
            for i in range(10_000):  # the consumer does not read meanwhile
                hub.publish("p", i)
            spent = time.perf_counter() - start
            return await subscription.drain(), subscription.dropped, spent

    kept, dropped, spent = asyncio.run(scenario())
    assert kept == [9996, 9997, 9998, 9999]
    assert dropped == 9996
    assert spent < 5  # no wait on the consumer (10,000 appends and wake-ups)


def test_closing_unsubscribes_and_a_closed_loop_is_dropped() -> None:
    hub: PubSub[int] = PubSub()

    async def subscribe_and_leave() -> None:
        hub.subscribe("p")  # never closed by its consumer

    asyncio.run(subscribe_and_leave())  # the loop is closed now
    assert hub.subscriber_count("p") == 1
    assert hub.publish("p", 1) == 1  # offering to a closed loop drops the subscription
    assert hub.subscriber_count() == 0

    async def close_early() -> None:
        with hub.subscribe("q"):
            assert hub.subscriber_count("q") == 1
        assert hub.subscriber_count("q") == 0

    asyncio.run(close_early())

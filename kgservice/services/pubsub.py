"""In-process publish/subscribe that never blocks a publisher.

Writers publish from worker threads; each subscriber is an asyncio consumer on an event
loop. Every subscription has a bounded buffer: when a slow consumer lets it fill, the oldest
message is dropped (and counted), so a publisher only appends to a deque and schedules a
wake-up on the consumer's loop. Consumers that only need to know *that* something changed
read everything pending at once (:meth:`Subscription.drain`) and act once: a burst of writes
costs them one pass, however long it was.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_BUFFER = 64


class Subscription(Generic[T]):
    """One consumer's bounded buffer of messages on one topic."""

    def __init__(self, hub: PubSub[T], topic: Hashable, loop: asyncio.AbstractEventLoop, size: int):
        self._hub = hub
        self.topic = topic
        self._loop = loop
        self._buffer: deque[T] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self.dropped = 0

    def offer(self, message: T) -> None:
        """Buffer ``message`` (dropping the oldest when full) and wake the consumer."""
        with self._lock:
            if len(self._buffer) == self._buffer.maxlen:
                self.dropped += 1
            self._buffer.append(message)
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # the consumer's loop has closed: it will never read again
            self.close()

    async def drain(self) -> list[T]:
        """Wait for at least one message; return every buffered one, oldest first."""
        while True:
            with self._lock:
                if self._buffer:
                    messages = list(self._buffer)
                    self._buffer.clear()
                    self._ready.clear()
                    return messages
                self._ready.clear()
            await self._ready.wait()

    def close(self) -> None:
        """Stop receiving (idempotent)."""
        self._hub.unsubscribe(self)

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class PubSub(Generic[T]):
    """Topics with any number of subscribers; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[Hashable, list[Subscription[T]]] = {}

    def subscribe(self, topic: Hashable, size: int = DEFAULT_BUFFER) -> Subscription[T]:
        """Subscribe the running event loop to ``topic`` (use as a context manager)."""
        subscription = Subscription(self, topic, asyncio.get_running_loop(), size)
        with self._lock:
            self._topics.setdefault(topic, []).append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription[T]) -> None:
        """Remove ``subscription`` (a no-op if already gone)."""
        with self._lock:
            subscribers = self._topics.get(subscription.topic, [])
            if subscription in subscribers:
                subscribers.remove(subscription)
            if not subscribers:
                self._topics.pop(subscription.topic, None)

    def publish(self, topic: Hashable, message: T) -> int:
        """Offer ``message`` to every subscriber of ``topic``; return how many there were."""
        with self._lock:
            subscribers = list(self._topics.get(topic, ()))
        for subscription in subscribers:
            subscription.offer(message)
        return len(subscribers)

    def subscriber_count(self, topic: Hashable | None = None) -> int:
        """Subscribers of ``topic``, or of every topic."""
        with self._lock:
            if topic is not None:
                return len(self._topics.get(topic, ()))
            return sum(len(s) for s in self._topics.values())

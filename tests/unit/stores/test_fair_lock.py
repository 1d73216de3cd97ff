"""The writer lock is reentrant and granted in arrival order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from kgservice.stores.fair_lock import FairRLock


def _wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_reentrant_and_owned() -> None:
    lock = FairRLock()
    with lock, lock:
        pass
    lock.acquire()
    errors: list[BaseException] = []

    def release_from_elsewhere() -> None:
        try:
            lock.release()
        except RuntimeError as exc:
            errors.append(exc)

    other = threading.Thread(target=release_from_elsewhere)
    other.start()
    other.join()
    lock.release()
    assert len(errors) == 1


def test_a_thread_asking_again_queues_behind_the_waiters() -> None:
    """The job's next batch waits for the writes that queued during its last one."""
    lock = FairRLock()
    order: list[str] = []
    lock.acquire()  # the job's current batch

    def waiter(name: str) -> None:
        with lock:
            order.append(name)

    first = threading.Thread(target=waiter, args=("first",))
    first.start()
    _wait_for(lambda: lock.waiting == 1)
    second = threading.Thread(target=waiter, args=("second",))
    second.start()
    _wait_for(lambda: lock.waiting == 2)
    lock.release()
    with lock:  # the job asks again at once
        order.append("job")
    first.join()
    second.join()
    assert order == ["first", "second", "job"]


def test_an_interrupted_waiter_gives_up_its_turn() -> None:
    lock = FairRLock()
    lock.acquire()
    interrupted = threading.Event()

    class Stop(Exception):
        pass

    def impatient() -> None:
        original = lock._condition.wait

        def wait_then_stop(timeout: float | None = None) -> bool:
            original(0.01)
            raise Stop

        lock._condition.wait = wait_then_stop  # type: ignore[method-assign]
        try:
            with pytest.raises(Stop):
                lock.acquire()
        finally:
            lock._condition.wait = original  # type: ignore[method-assign]
            interrupted.set()

    thread = threading.Thread(target=impatient)
    thread.start()
    interrupted.wait(10)
    thread.join()
    lock.release()
    done = threading.Event()

    def later() -> None:
        with lock:
            done.set()

    threading.Thread(target=later).start()
    assert done.wait(10)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ulid import ULID

from kgservice.ids import NODE_LABELS, id_at, id_time, is_ulid, label_of, new_id


def test_new_id_is_a_ulid_that_names_its_table() -> None:
    for label in NODE_LABELS:
        node_id = new_id(label)
        assert is_ulid(node_id)
        assert label_of(node_id) == label


def test_untagged_and_foreign_ids_name_no_table() -> None:
    assert label_of(new_id()) is None
    assert label_of("not a ulid") is None
    foreign = str(ULID.from_int((1 << 100) | 1023))
    assert label_of(foreign) is None


def test_unknown_table_has_no_code() -> None:
    with pytest.raises(ValueError, match="no id code"):
        new_id("Nope")


def test_id_at_keeps_time_order_and_time() -> None:
    start = datetime(2023, 5, 1, 12, 0, tzinfo=UTC)
    ids = [id_at(start + timedelta(seconds=i), "Message") for i in range(50)]
    assert ids == sorted(ids)
    assert id_time(ids[0]) == start
    assert id_time(id_at(datetime(2023, 5, 1, 12, 0))) == start  # naive means UTC


def test_ids_are_unique() -> None:
    assert len({new_id("Entity") for _ in range(10_000)}) == 10_000

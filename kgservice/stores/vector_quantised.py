"""An in-memory quantised copy of the vectors, for KNN over large stores (numpy, no SQLite).

:class:`BinaryIndex` keeps each vector twice, compactly: as a sign code of ``vector - centre``
(one bit per dimension, packed in uint64 words, 48 bytes for 384 dimensions) and as int8
values with one float scale (384 bytes). A search ranks every vector by Hamming distance
between codes, keeps the best ``candidates``, and rescores those with the int8 copy to return
cosine distances (within about 1e-3 of the exact ones). Namespace and kind filters are applied
before the Hamming ranking, so selective filters still return ``k`` results when ``k`` exist.
The centre is the mean of the vectors the index was first built from; centring before taking
signs matters for sentence embeddings, which share a large common component.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from kgservice.stores.vector_inputs import Block

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_BLOCK = 65_536  # rows per Hamming block, so the temporaries stay in cache
_ENCODE_BLOCK = 4_096
_NO_LABEL = -1


class BinaryIndex:
    """Sign codes and int8 vectors keyed by integer row id, updated in place."""

    def __init__(self, dimension: int, centre: FloatArray | None = None) -> None:
        """Create an empty index.

        Args:
            dimension: Length of the vectors.
            centre: Vector subtracted before taking signs (default: zeros).
        """
        self.dimension = dimension
        self.words = (dimension + 63) // 64
        self.centre: FloatArray = (
            np.zeros(dimension, dtype=np.float32)
            if centre is None
            else np.asarray(centre, dtype=np.float32).copy()
        )
        self._size = 0
        self._rowids: IntArray = np.zeros(0, dtype=np.int64)
        self._codes = np.zeros((self.words, 0), dtype=np.uint64)  # word-major: [words, rows]
        self._int8 = np.zeros((0, dimension), dtype=np.int8)
        self._scale: FloatArray = np.zeros(0, dtype=np.float32)  # int8 step x 1 / norm
        self._namespace = np.zeros(0, dtype=np.int32)
        self._kind = np.zeros(0, dtype=np.int32)
        self._position: IntArray = np.zeros(0, dtype=np.int64)  # rowid -> row, or -1
        self._labels: dict[str, int] = {}

    @classmethod
    def build(
        cls, rowids: IntArray, vectors: FloatArray, namespaces: Sequence[str], kinds: Sequence[str]
    ) -> BinaryIndex:
        """Build an index from all vectors at once, centred on their mean."""
        centre = vectors.mean(axis=0, dtype=np.float64).astype(np.float32) if len(vectors) else None
        index = cls(vectors.shape[1], centre)
        index.upsert(rowids, vectors, namespaces, kinds)
        return index

    @classmethod
    def from_blocks(
        cls,
        dimension: int,
        blocks: Iterable[Block],
        label_rowids: IntArray,
        namespaces: Sequence[str],
        kinds: Sequence[str],
        *,
        centre_rows: int = 65_536,
    ) -> BinaryIndex:
        """Build an index from ``(rowids, vectors)`` blocks, streamed.

        Args:
            dimension: Length of the vectors.
            blocks: The vectors, a block at a time.
            label_rowids: Sorted row ids; ``namespaces`` and ``kinds`` are aligned with them.
            namespaces: Namespace of each row in ``label_rowids``.
            kinds: Kind of each row in ``label_rowids``.
            centre_rows: The centre is the mean of (about) this many first rows.

        Raises:
            ValueError: If a block's row id is missing from ``label_rowids``.
        """
        stream = iter(blocks)
        head: list[Block] = []
        rows = 0
        for block in stream:
            head.append(block)
            rows += len(block[0])
            if rows >= centre_rows:
                break
        if not rows:
            return cls(dimension)
        index = cls(dimension, sum(v.sum(axis=0, dtype=np.float64) for _, v in head) / rows)
        index.reserve(len(label_rowids))
        for ids, vectors in itertools.chain(head, stream):
            at = np.searchsorted(label_rowids, ids)
            if (at >= len(label_rowids)).any() or not np.array_equal(label_rowids[at], ids):
                raise ValueError("a vector's row id has no namespace and kind")
            positions = at.tolist()
            index.upsert(
                ids, vectors, [namespaces[i] for i in positions], [kinds[i] for i in positions]
            )
        return index

    def __len__(self) -> int:
        return self._size

    def __contains__(self, rowid: int) -> bool:
        return 0 <= rowid < len(self._position) and self._position[rowid] >= 0

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays."""
        arrays = (
            self._rowids,
            self._codes,
            self._int8,
            self._scale,
            self._namespace,
            self._kind,
            self._position,
        )
        return sum(a.nbytes for a in arrays)

    # -- writing -------------------------------------------------------------------------
    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` vectors in all (avoids regrowing while loading)."""
        self._reserve(rows)

    def upsert(
        self, rowids: IntArray, vectors: FloatArray, namespaces: Sequence[str], kinds: Sequence[str]
    ) -> None:
        """Add vectors, replacing those whose row id is already present."""
        count = len(rowids)
        if count == 0:
            return
        rowids = np.asarray(rowids, dtype=np.int64)
        if len(np.unique(rowids)) != count:
            raise ValueError("duplicate row ids in one upsert")
        self._grow_position(int(rowids.max()) + 1)
        rows = self._position[rowids]
        new = rows < 0
        fresh = int(new.sum())
        self._reserve(self._size + fresh)
        rows[new] = np.arange(self._size, self._size + fresh)
        first = self._size if fresh == count else -1  # all new: one run of rows, use slices
        self._size += fresh
        self._position[rowids] = rows
        for low in range(0, count, _ENCODE_BLOCK):  # small blocks keep temporaries in cache
            high = min(low + _ENCODE_BLOCK, count)
            to = slice(first + low, first + high) if first >= 0 else rows[low:high]
            part = vectors[low:high]
            self._rowids[to] = rowids[low:high]
            self._codes[:, to] = self._encode(part).T
            scale = np.abs(part).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            self._int8[to] = np.rint(part / scale[:, None])
            norms = np.sqrt(np.einsum("ij,ij->i", part, part))
            self._scale[to] = scale / np.maximum(norms, 1e-30)
            self._namespace[to] = self._labels_of(namespaces[low:high])
            self._kind[to] = self._labels_of(kinds[low:high])

    def remove(self, rowids: Sequence[int] | IntArray) -> None:
        """Drop vectors by row id; unknown ids are ignored."""
        for rowid in np.asarray(rowids, dtype=np.int64).tolist():
            if rowid not in self:
                continue
            row = int(self._position[rowid])
            last = self._size - 1
            if row != last:
                moved = int(self._rowids[last])
                self._rowids[row] = moved
                self._codes[:, row] = self._codes[:, last]
                self._int8[row] = self._int8[last]
                self._scale[row] = self._scale[last]
                self._namespace[row] = self._namespace[last]
                self._kind[row] = self._kind[last]
                self._position[moved] = row
            self._position[rowid] = -1
            self._size = last

    # -- searching -----------------------------------------------------------------------
    def search(
        self,
        query: FloatArray,
        k: int,
        *,
        candidates: int,
        namespace: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[tuple[int, float]]:
        """Return up to ``k`` ``(rowid, cosine distance)`` pairs, nearest first.

        Args:
            query: Vector of the index's dimension (any non-zero norm).
            k: Number of results.
            candidates: Hamming candidates rescored with the int8 vectors (``>= k``).
            namespace: Only vectors of this namespace.
            kinds: Only vectors of these kinds.
        """
        selected = self._select(namespace, kinds)
        if selected is not None and len(selected) <= candidates:
            pool = selected
        else:
            pool = self._hamming_candidates(query, max(candidates, k), selected)
        if len(pool) == 0:
            return []
        # einsum, not @: a BLAS call this small pays more for waking its threads than it saves
        dots = np.einsum("ij,j->i", self._int8[pool].astype(np.float32), query)
        dots *= self._scale[pool]
        distances = np.clip(1.0 - dots / float(np.linalg.norm(query)), 0.0, 2.0)
        take = min(k, len(pool))
        best = (
            np.argpartition(distances, take - 1)[:take]
            if take < len(pool)
            else np.arange(len(pool))
        )
        best = best[np.lexsort((self._rowids[pool[best]], distances[best]))]
        return [(int(self._rowids[pool[i]]), float(distances[i])) for i in best]

    def _select(self, namespace: str | None, kinds: Sequence[str] | None) -> IntArray | None:
        if namespace is None and kinds is None:
            return None
        mask = np.ones(self._size, dtype=bool)
        if namespace is not None:
            mask &= self._namespace[: self._size] == self._labels.get(namespace, _NO_LABEL)
        if kinds is not None:
            codes = [self._labels.get(kind, _NO_LABEL) for kind in kinds]
            mask &= np.isin(self._kind[: self._size], codes)
        return np.flatnonzero(mask)

    def _hamming_candidates(
        self, query: FloatArray, count: int, selected: IntArray | None
    ) -> IntArray:
        code = self._encode(query[None, :])[0]
        size = self._size
        distances = np.empty(size, dtype=np.uint16)
        word = np.empty(min(size, _BLOCK), dtype=np.uint64)
        bits = np.empty(min(size, _BLOCK), dtype=np.uint8)
        for start in range(0, size, _BLOCK):
            stop = min(start + _BLOCK, size)
            n = stop - start
            out = distances[start:stop]
            out[:] = 0
            for w in range(self.words):
                np.bitwise_xor(self._codes[w, start:stop], code[w], out=word[:n])
                np.bitwise_count(word[:n], out=bits[:n])
                out += bits[:n]
        if selected is not None:
            distances = distances[selected]
        pool = _smallest(distances, count, self.dimension)
        return selected[pool] if selected is not None else pool

    # -- helpers -------------------------------------------------------------------------
    def _encode(self, vectors: FloatArray) -> npt.NDArray[np.uint64]:
        bits = vectors > self.centre
        padded = np.zeros((len(vectors), self.words * 64), dtype=bool)
        padded[:, : self.dimension] = bits
        packed = np.packbits(padded, axis=1, bitorder="little")
        return packed.view(np.uint64).reshape(len(vectors), self.words)

    def _labels_of(self, names: Sequence[str]) -> npt.NDArray[np.int32]:
        for name in set(names):
            self._labels.setdefault(name, len(self._labels))
        return np.fromiter(map(self._labels.__getitem__, names), dtype=np.int32, count=len(names))

    def _grow_position(self, needed: int) -> None:
        if needed > len(self._position):
            grown = np.full(max(needed, 2 * len(self._position)), -1, dtype=np.int64)
            grown[: len(self._position)] = self._position
            self._position = grown

    def _reserve(self, needed: int) -> None:
        capacity = len(self._rowids)
        if needed <= capacity:
            return
        capacity = max(needed, capacity + capacity // 2, 1024)

        def grow(array: npt.NDArray[np.generic], axis: int = 0) -> npt.NDArray[np.generic]:
            shape = list(array.shape)
            shape[axis] = capacity
            grown = np.zeros(shape, dtype=array.dtype)
            index = [slice(None)] * array.ndim
            index[axis] = slice(0, array.shape[axis])
            grown[tuple(index)] = array
            return grown

        self._rowids = grow(self._rowids)  # type: ignore[assignment]
        self._codes = grow(self._codes, axis=1)  # type: ignore[assignment]
        self._int8 = grow(self._int8)  # type: ignore[assignment]
        self._scale = grow(self._scale)  # type: ignore[assignment]
        self._namespace = grow(self._namespace)  # type: ignore[assignment]
        self._kind = grow(self._kind)  # type: ignore[assignment]


def _smallest(distances: npt.NDArray[np.uint16], count: int, top: int) -> IntArray:
    """Positions of ``count`` smallest ``distances`` (values 0..top), in no particular order.

    A counting sort: a histogram of a strided sample estimates the cut-off at twice ``count``,
    one pass collects everything within it, and an exact histogram of those trims the ties.
    """
    size = len(distances)
    if size <= count:
        return np.arange(size)
    step = max(1, size // 32_768)
    estimate = np.cumsum(np.bincount(distances[::step], minlength=top + 1)) * step
    pool = np.flatnonzero(distances <= int(np.searchsorted(estimate, 2 * count)))
    if len(pool) < count:  # the sample misled us: use every distance
        pool = np.arange(size)
    near = distances[pool]
    cut = int(np.searchsorted(np.cumsum(np.bincount(near, minlength=top + 1)), count))
    closer = pool[near < cut]
    tied = pool[near == cut][: count - len(closer)]
    return np.concatenate([closer, tied])

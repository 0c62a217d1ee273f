"""The embedded vector leg at scale: the approximate graph (usearch) beside vectors.log.

The graph turns on from ``ANN_MIN`` live vectors; here that threshold is lowered so a few hundred
vectors exercise it. What must hold: answers equal the exact scan on what matters (the nearest are
found), a vector set or removed a moment ago counts at once (before the graph catches up), the
graph is saved and reused by the next process, and a selective filter never empties the leg.
"""

import numpy as np
import pytest

from expertnet.search import SearchQuery
from expertnet.search import ann as ann_graph
from expertnet.search import tantivy_backend, vector_index
from expertnet.search.tantivy_backend import TantivyBackend
from expertnet.search.vector_index import VECTOR_KEY, VectorIndex
from tests.search.test_contract import EXPERTS

DIM = 512
N = 600


def _unit(rng, n=1):
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def small_ann(monkeypatch):
    monkeypatch.setattr(vector_index, "ANN_MIN", 100)


def _clustered(seed=3, n=N):
    rng = np.random.default_rng(seed)
    centres = _unit(rng, 12)
    x = centres[rng.integers(0, 12, n)] + 0.5 * _unit(rng, n)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _filled(path, vectors) -> VectorIndex:
    index = VectorIndex(path)
    index.set({f"d{i}": v for i, v in enumerate(vectors)})
    return index


def _graph_ready(index: VectorIndex) -> None:
    while index.maintain_graph():
        pass
    assert index._ann is not None and len(index._ann) == len(index)


def test_graph_answers_like_the_exact_scan(tmp_path, small_ann):
    x = _clustered()
    index = _filled(tmp_path, x)
    _graph_ready(index)
    rng = np.random.default_rng(9)
    recall = []
    for q in x[rng.integers(0, N, 30)] + 0.2 * _unit(rng, 30):
        exact = [i for i, _ in index.nearest(q, 20, -1.0, exact=True)]
        approx = [i for i, _ in index.nearest(q, 20, -1.0)]
        recall.append(len(set(exact) & set(approx)) / 20)
        assert approx[0] == exact[0]
    assert np.mean(recall) >= 0.95
    index.close()


def test_changes_count_before_the_graph_catches_up(tmp_path, small_ann):
    x = _clustered()
    index = _filled(tmp_path, x)
    _graph_ready(index)
    q = _unit(np.random.default_rng(77))[0]
    index.set({"d5": q, "new": 0.9 * q + 0.1 * x[0]})  # changed and new: not in the graph yet
    got = index.nearest(q, 3, 0.0)
    assert [i for i, _ in got[:2]] == ["d5", "new"]
    assert got[0][1] == pytest.approx(1.0, abs=1e-3)  # the exact score of the current vector
    index.remove(["d5"])
    assert "d5" not in [i for i, _ in index.nearest(q, 10, 0.0)]
    _graph_ready(index)  # and after the graph took the changes in (d5 dropped from it)
    assert ann_graph.key_of("d5") not in index._ann.held
    assert [i for i, _ in index.nearest(q, 1, 0.0)] == ["new"]
    index.close()


def test_graph_is_saved_and_reused_by_the_next_process(tmp_path, small_ann):
    x = _clustered()
    first = _filled(tmp_path, x)
    _graph_ready(first)
    first.close()
    assert (tmp_path / ann_graph.ANN_FILE).exists()
    other = VectorIndex(tmp_path)  # another process changes a vector after the save
    other.set({"d7": _clustered(seed=4, n=1)[0]})
    second = VectorIndex(tmp_path)
    second.refresh()
    second.maintain_graph(steps=0)  # loads the saved graph, adds nothing yet
    n = len(second._ids)
    lacking = [second._ids[r] for r in np.flatnonzero(second._live[:n] & ~second._in_ann[:n])]
    assert lacking == ["d7"]  # everything else is taken from the saved graph as it is
    q = second.get("d7")
    assert second.nearest(q, 1, 0.0)[0][0] == "d7"
    second.close()


def _docs(x):
    base = EXPERTS[0]
    docs = []
    for i, v in enumerate(x):
        doc = dict(
            base,
            id=f"{i + 1}",
            external_id=f"E-{i + 1}",
            categories=["numismatics"] if i % 100 == 0 else ["archaeology"],
        )
        doc[VECTOR_KEY] = v
        docs.append(doc)
    return docs


@pytest.mark.parametrize("exact_filter_max,fast_key", [(5_000, True), (0, True), (5_000, False)])
def test_a_selective_filter_never_empties_the_leg(tmp_path, small_ann, monkeypatch, exact_filter_max, fast_key):
    """The ids a filter allows, widened graph candidates, or (a generation built before the key was
    a fast field) candidates checked by loading their documents: the same answer."""
    monkeypatch.setattr(tantivy_backend, "EXACT_FILTER_MAX", exact_filter_max)
    if not fast_key:
        monkeypatch.setattr(TantivyBackend, "_allowed_ids", staticmethod(lambda *a: None))
    x = _clustered()
    backend = TantivyBackend(tmp_path)
    backend.ensure_index("experts")
    backend.upsert("experts", _docs(x))
    vectors = backend._vectors("experts")
    _graph_ready(vectors)
    q = x[1]  # an archaeology expert's vector: the numismatists (every 100th) are not its neighbours
    filtered = backend.vector_search(
        "experts", SearchQuery(filters={"categories": ["numismatics"]}, system=True), q, 10, -1.0
    )
    expected = [i for i, _ in vectors.nearest(q, N, -1.0, exact=True) if (int(i) - 1) % 100 == 0]
    assert [h.id for h in filtered.hits] == expected[:10] and len(expected) == 6
    assert all(h.document["categories"] == ["numismatics"] for h in filtered.hits)
    wide = backend.vector_search("experts", SearchQuery(system=True), q, 10, -1.0)
    assert [h.id for h in wide.hits][0] == "2"
    backend.delete("experts", ["2"])
    assert "2" not in [h.id for h in backend.vector_search("experts", SearchQuery(system=True), q, 10, -1.0).hits]
    backend.close()


def test_searches_beside_the_graph_keeper(tmp_path, small_ann):
    """The keeper thread adds while searches run (the graph grows its storage meanwhile)."""
    x = _clustered(n=300)
    index = _filled(tmp_path, x[:150])
    _graph_ready(index)
    index.set({f"n{i}": v for i, v in enumerate(_clustered(seed=8, n=400))})  # the graph lacks these
    index._ensure_graph_keeper()
    for q in x[:200]:
        got = index.nearest(q, 5, -1.0)
        assert len(got) == 5 and got[0][1] == pytest.approx(
            max(s for _, s in index.nearest(q, 1, -1.0, exact=True)), abs=1e-3
        )
    for _ in range(200):
        if not index.maintain_graph(steps=1):
            break
    assert len(index._ann) == len(index) == 550
    index.close()

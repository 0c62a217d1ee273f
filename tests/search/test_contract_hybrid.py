"""The hybrid leg of the backend contract, on both engines: dense vectors stored beside the
documents, the vector leg with the query's filters applied, and the one fusion rule."""

import anyio
import numpy as np
import pytest

from expertnet.search import AsyncSearch, Range, SearchQuery
from expertnet.search.fusion import K, Leg, fuse
from expertnet.search.hybrid import hybrid_search
from expertnet.search.vector_index import VECTOR_KEY
from tests.search.test_contract import EXPERTS

DIM = 512  # the experts index declares a 512-dimension embedder


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _near(base: np.ndarray, cosine: float, seed: int) -> np.ndarray:
    """A unit vector at exactly ``cosine`` from ``base``."""
    other = _unit(seed)
    other -= float(other @ base) * base
    other /= np.linalg.norm(other)
    return cosine * base + np.sqrt(1 - cosine**2) * other


Q = _unit(1)
SIMILARITY = {"e01": 0.95, "e02": 0.9, "e03": 0.8, "e04": 0.7, "e05": 0.3}  # others: no vector


@pytest.fixture
def with_vectors(backend):
    docs = [dict(d) for d in EXPERTS]
    for i, doc in enumerate(docs):
        doc["concepts"] = sorted(
            {*doc["concepts"], *(f"category:{c}" for c in doc["categories"])}
        )  # as expert_document
        if doc["id"] in SIMILARITY:
            doc[VECTOR_KEY] = _near(Q, SIMILARITY[doc["id"]], 100 + i)
    backend.upsert("experts", docs)
    return backend


def _vector_ids(backend, k=10, min_similarity=0.5, **query):
    return [h.id for h in backend.vector_search("experts", SearchQuery(**query), Q, k, min_similarity).hits]


def test_vector_leg_ranks_by_cosine_above_the_floor(with_vectors):
    res = with_vectors.vector_search("experts", SearchQuery(system=True), Q, 10, 0.5)
    assert [h.id for h in res.hits] == ["e01", "e02", "e03", "e04"]  # e05 is below the floor, the rest have none
    assert [round(h.score, 2) for h in res.hits] == [0.95, 0.9, 0.8, 0.7]
    assert res.hits[0].document["full_name"] == EXPERTS[0]["full_name"]
    assert _vector_ids(with_vectors, k=2, system=True) == ["e01", "e02"]
    assert _vector_ids(with_vectors, min_similarity=0.0, system=True)[-1] == "e05"


def test_vector_leg_applies_filters_and_ranges(with_vectors):
    by_id = {d["id"]: d for d in EXPERTS}
    for filters, ranges in [
        ({"vetting_status": ["approved"]}, [Range("vetted_until", gt=1_750_000_000, or_values=[0])]),
        ({"categories": ["numismatics"]}, []),
        ({"available": [False]}, []),
        ({"vetting_status": ["pending"]}, []),
    ]:
        got = _vector_ids(with_vectors, filters=filters, ranges=ranges)
        for doc_id in got:
            doc = by_id[doc_id]
            for field, values in filters.items():
                value = doc[field]
                assert (set(value) if isinstance(value, list) else {value}) & set(values), (doc_id, field)
            for r in ranges:
                assert doc[r.field] > r.gt or doc[r.field] in r.or_values
        expected = [
            i
            for i in ["e01", "e02", "e03", "e04"]
            if all(
                (set(by_id[i][f]) if isinstance(by_id[i][f], list) else {by_id[i][f]}) & set(v)
                for f, v in filters.items()
            )
            and all(by_id[i][r.field] > r.gt or by_id[i][r.field] in r.or_values for r in ranges)
        ]
        assert got == expected, filters
    assert _vector_ids(with_vectors, filters={"categories": []}) == []  # an empty OR matches nothing


def test_vectors_follow_updates_and_deletes(with_vectors):
    with_vectors.set_vectors("experts", {"e04": _near(Q, 0.99, 7)})
    assert _vector_ids(with_vectors, system=True)[0] == "e04"
    with_vectors.set_vectors("experts", {"e01": None})
    assert "e01" not in _vector_ids(with_vectors, system=True)
    with_vectors.delete("experts", ["e02"])
    assert "e02" not in _vector_ids(with_vectors, system=True)
    # A document upserted again with its vector key keeps being found; without a vector it is not.
    doc = dict(next(d for d in EXPERTS if d["id"] == "e03"))
    with_vectors.upsert("experts", [{**doc, VECTOR_KEY: None}])
    assert "e03" not in _vector_ids(with_vectors, system=True)
    assert with_vectors.count("experts") == len(EXPERTS) - 1  # vectors never create or drop documents


def test_a_rebuild_keeps_and_fills_the_vectors(backend):
    docs = [dict(d) for d in EXPERTS]
    for i, doc in enumerate(docs):
        if doc["id"] in SIMILARITY:
            doc[VECTOR_KEY] = _near(Q, SIMILARITY[doc["id"]], 100 + i)
    backend.rebuild("experts", iter(docs))  # a fresh index: the vectors come with the documents
    assert _vector_ids(backend, system=True) == ["e01", "e02", "e03", "e04"]
    backend.rebuild("experts", iter(docs))  # again, on an index that has them
    assert _vector_ids(backend, system=True) == ["e01", "e02", "e03", "e04"]


def test_hybrid_search_fuses_the_legs_with_the_callers_filters(with_vectors):
    from expertnet.matching.understanding import understand

    search = AsyncSearch(with_vectors)
    u = understand("numismatics", embed=False)

    class Meaning:  # the understanding of the text, with the test's query vector
        def __getattr__(self, name):
            return Q if name == "vector" else getattr(u, name)

    query = SearchQuery(text="numismatics", filters={"vetting_status": ["approved"]}, facets=["categories"])
    res = anyio.run(lambda: hybrid_search(search, "experts", query, Meaning()))
    by_id = {d["id"]: d for d in EXPERTS}
    ids = [h.id for h in res.hits]
    assert all(by_id[i]["vetting_status"] == "approved" for i in ids)
    numismatists = {d["id"] for d in EXPERTS if "numismatics" in d["categories"] and d["vetting_status"] == "approved"}
    assert numismatists <= set(ids)  # the concept leg finds every numismatist, words or not
    near = {i for i in ("e01", "e02", "e03", "e04") if by_id[i]["vetting_status"] == "approved"}
    assert near <= set(ids)  # the vector leg adds the nearest profiles
    assert res.total == len(ids)
    assert ids == sorted(ids, key=lambda i: -next(h.score for h in res.hits if h.id == i))
    assert res.facets["categories"]


def test_fusion_rule():
    fused = dict(
        fuse([Leg("lexical", 2.0, ["a", "b"]), Leg("concept", 1.0, ["b", "c", "b"]), Leg("vector", 0.4, ["c"])])
    )
    assert fused["a"] == pytest.approx(2.0 / (K + 1))
    assert fused["b"] == pytest.approx(2.0 / (K + 2) + 1.0 / (K + 1))  # a repeat keeps its best rank
    assert fused["c"] == pytest.approx(1.0 / (K + 2) + 0.4 / (K + 1))
    assert [i for i, _ in fuse([Leg("x", 1.0, ["a", "b"]), Leg("y", 1.0, ["b", "a"])])] == [
        "a",
        "b",
    ]  # ties: first leg's order
    assert fuse([Leg("off", 0.0, ["a"])]) == []

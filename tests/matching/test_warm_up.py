"""The app warms the query-understanding models up at start-up, in the background (issue 10).

Loading the sentence encoder and the vocabulary's indexes takes seconds; before this, the first
official to search (or to submit a request) after a start waited for it."""

import threading
from dataclasses import replace

import numpy as np
import pytest
from litestar.testing import TestClient

from expertnet.matching import embedder as embedder_module


class _Recorder:
    name = "recorder@1"
    dim = 4

    def __init__(self) -> None:
        self.warmed = threading.Event()

    def warm_up(self) -> None:
        self.warmed.set()

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def _started(settings, recorder: _Recorder, timeout: float = 5.0) -> bool:
    from expertnet.app import create_app

    embedder_module.reset_embedder(recorder)
    try:
        with TestClient(create_app(settings), base_url="https://testserver.local"):
            return recorder.warmed.wait(timeout)
    finally:
        embedder_module.reset_embedder(None)


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_the_app_warms_the_embedder_up_at_start_up(settings):
    assert _started(replace(settings, warm_up=True), _Recorder())


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
def test_no_warm_up_when_embeddings_are_off(settings):
    assert not _started(replace(settings, warm_up=True, embeddings=False), _Recorder(), timeout=1.0)

"""Load what query understanding needs ahead of use (app and worker start-up)."""

import logging

log = logging.getLogger(__name__)


def warm_up(settings) -> None:
    """Load the vocabulary's indexes and the sentence encoder now: they take seconds, which
    otherwise fall on the first official's search or request, or on the first profile change."""
    from expertnet.matching.embedder import get_embedder
    from expertnet.matching.understanding import understand

    try:
        embedder = get_embedder(settings)
        if embedder is not None and hasattr(embedder, "warm_up"):
            embedder.warm_up()
        understand("warm up", embed=False)
    except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first request
        log.exception("warm-up failed")

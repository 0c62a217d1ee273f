"""The one clock of the app: every "now" (db.utcnow, token times) reads it.

Production uses the system clock. Tests move time with `use(OffsetClock())` and `advance(...)`
instead of patching `time.time` and `datetime.now` in many modules: a session kept active for 90
minutes is simulated in milliseconds, through the same code paths the user takes."""

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class SystemClock:
    def time(self) -> float:
        return _time.time()


class OffsetClock(SystemClock):
    """The system clock moved forward by `advance` (tests)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> None:
        self.offset += (delta or timedelta(**kwargs)).total_seconds()

    def time(self) -> float:
        return _time.time() + self.offset


_current: SystemClock = SystemClock()


def time() -> float:
    """Seconds since the epoch, now."""
    return _current.time()


def now() -> datetime:
    return datetime.fromtimestamp(_current.time(), UTC)


@contextmanager
def use(clock: SystemClock) -> Iterator[SystemClock]:
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous

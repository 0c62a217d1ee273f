"""The desk helpers of tests/consultations, for the objects tests."""

import pytest

from tests.consultations.conftest import Desk


@pytest.fixture
def desk(env) -> Desk:
    return Desk(env)

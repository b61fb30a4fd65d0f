"""Baby-step giant-step finds every total within its bound and refuses anything beyond it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.crypto.conftest import CRYPTO_SETTINGS
from voting.crypto.dlog import DiscreteLogTable
from voting.crypto.errors import DiscreteLogNotFound
from voting.crypto.group import Point, Scalar


@pytest.fixture(scope="module")
def table() -> DiscreteLogTable:
    return DiscreteLogTable(bound=100_000)


@CRYPTO_SETTINGS
@given(st.integers(min_value=0, max_value=100_000))
def test_every_value_within_the_bound_is_found(table, m):
    assert table.solve(Point.base(Scalar(m))) == m


@pytest.mark.parametrize("m", [0, 1, 255, 256, 99_999, 100_000])
def test_edges_are_found(table, m):
    assert table.solve(Point.base(Scalar(m))) == m


@pytest.mark.parametrize("m", [100_001, 10**9, 2**200])
def test_values_beyond_the_bound_are_refused(table, m):
    with pytest.raises(DiscreteLogNotFound):
        table.solve(Point.base(Scalar(m)))


def test_tiny_tables_and_bounds_work():
    table = DiscreteLogTable(bound=10, table_size=3)
    assert [table.solve(Point.base(Scalar(m))) for m in range(11)] == list(range(11))
    with pytest.raises(DiscreteLogNotFound):
        table.solve(Point.base(Scalar(11)))

"""Hypothesis strategies shared by the test modules."""

import numbers

import numpy as np
from hypothesis import strategies as st

DTYPES = [np.float32, np.float64]


@st.composite
def matrices(draw, max_batch_dims=2, max_side=7):
    """A random Gaussian (batch..., m, n) float32/float64 array, 1 <= m, n <= max_side."""
    dtype = draw(st.sampled_from(DTYPES))
    batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=max_batch_dims))
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    seed = draw(st.integers(0, 2**31 - 1))
    return np.random.default_rng(seed).standard_normal((*batch, m, n)).astype(dtype)


@st.composite
def matrices_and_rank(draw, max_batch_dims=2, max_side=12):
    """A matrix from :func:`matrices` and a valid rank 1 <= r <= min(m, n)."""
    A = draw(matrices(max_batch_dims=max_batch_dims, max_side=max_side))
    return A, draw(st.integers(1, min(A.shape[-2:])))


def error_for(value, kind=int):
    """The exception the helpers raise for a rejected scalar ``value``, by scikit-learn's policy:
    ``TypeError`` when it has the wrong type (a bool, a string, None, a float where an integer is
    expected, a non-number where a real number is), ``ValueError`` when it has the right type but
    is out of range (or NaN/Inf)."""
    if isinstance(value, bool | np.bool_):
        return TypeError
    wanted = numbers.Integral if kind is int else numbers.Real
    return ValueError if isinstance(value, wanted) else TypeError

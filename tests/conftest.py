import os

import numpy as np
import pytest

import minicnn

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture(params=["numba", "numpy"])
def kernels(request):
    """Run a test under each kernel twin, and restore the default afterwards."""
    minicnn.set_kernels(request.param)
    yield request.param
    minicnn.set_kernels("numba")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def distinct_values(shape, rng, spacing=0.01):
    """Inputs whose values are all distinct and at least ``spacing`` apart:
    no max-pool ties and no value within a finite-difference step of another."""
    return (rng.permutation(int(np.prod(shape))) - np.prod(shape) / 2).reshape(shape) * spacing


def shared_data(*parts):
    """Path into ../shared/data, or skip the test when it is absent (a user's fresh clone)."""
    path = os.path.join(SHARED_DATA, *parts)
    if not os.path.exists(path):
        pytest.skip(f"shared data not available: {path}")
    return path

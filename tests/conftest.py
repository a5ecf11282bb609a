"""Shared fixtures: every numeric test runs on each available backend."""

import numpy
import pytest

from nnplay import backend


def cupy_available():
    """True when CuPy imports and sees a CUDA device."""
    return backend._import_cupy() is not None


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request):
    """The array module of each backend in turn; CuPy skips without a GPU."""
    if request.param == "cupy" and not cupy_available():
        pytest.skip("CuPy with a CUDA device is not available")
    previous = backend.get_backend()
    backend.set_backend(request.param)
    yield backend.xp()
    backend.set_backend(previous)


@pytest.fixture
def rng():
    """A seeded random generator, the same in every test."""
    return numpy.random.default_rng(1234)


#: Relative tolerance of a numeric comparison, by dtype.
TOLERANCE = {
    numpy.dtype(numpy.float16): 2e-3,
    numpy.dtype(numpy.float32): 2e-5,
    numpy.dtype(numpy.float64): 1e-12,
}


def assert_close(actual, expected, dtype=None, scale=1.0):
    """Assert two arrays (any backend) agree to the tolerance of ``dtype``.

    ``dtype`` defaults to the dtype of ``actual`` (float64 for non-floats).
    """
    if dtype is None:
        dtype = getattr(actual, "dtype", numpy.float64)
        if numpy.dtype(dtype).kind != "f":
            dtype = numpy.float64
    tolerance = TOLERANCE[numpy.dtype(dtype)] * scale
    numpy.testing.assert_allclose(
        backend.to_numpy(actual),
        backend.to_numpy(expected),
        rtol=tolerance,
        atol=tolerance,
    )

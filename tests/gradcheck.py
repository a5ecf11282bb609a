"""Central finite differences, the oracle for every backward pass."""

import numpy

from nnplay import backend


def numerical_gradient(loss, array, step=1e-6, entries=None, rng=None):
    """Return d loss / d array by central differences, in float64.

    ``loss`` is a function of no arguments that reads ``array`` (changed in
    place). ``entries`` limits the check to that many random entries (the
    rest are NaN); by default every entry is checked.
    """
    flat = array.reshape(-1)
    gradient = numpy.full(flat.size, numpy.nan)
    indices = numpy.arange(flat.size)
    if entries is not None and entries < flat.size:
        indices = (rng or numpy.random.default_rng(0)).choice(
            flat.size, entries, replace=False
        )
    for index in indices:
        original = flat[index].item()
        flat[index] = original + step
        above = float(loss())
        flat[index] = original - step
        below = float(loss())
        flat[index] = original
        gradient[index] = (above - below) / (2 * step)
    return gradient.reshape(array.shape)


def assert_gradient(analytic, numeric, rtol=1e-6, atol=1e-8):
    """Compare an analytic gradient with a numeric one where the latter is known."""
    analytic = backend.to_numpy(analytic).astype(numpy.float64)
    known = ~numpy.isnan(numeric)
    assert known.any()
    numpy.testing.assert_allclose(analytic[known], numeric[known], rtol=rtol, atol=atol)

"""Fast per-channel arithmetic on NHWC activations.

An ``(N, H, W, C)`` array with few channels is a poor shape for broadcasting a
per-channel vector: numpy's inner loop would run over only ``C`` values at a
time. Viewed as ``(N * H, W * C)`` rows, with the vector tiled ``W`` times,
the same operation runs over long contiguous rows, about twice as fast. Sums
over everything but the channel are matrix products with a vector of ones,
which BLAS computes faster than ``sum(axis=...)``.
"""

from .. import backend

#: Below this many values the tiled vector costs more than it saves.
WIDE_ROWS_FROM = 1 << 15


def channel_rows(X):
    """Return ``(rows, repeats)``: ``X`` as 2-D rows, and how often C repeats in one."""
    if X.ndim == 4 and X.size >= WIDE_ROWS_FROM:
        return X.reshape(X.shape[0] * X.shape[1], X.shape[2] * X.shape[3]), X.shape[2]
    return X.reshape(-1, X.shape[-1]), 1


def tile_channels(vector, repeats):
    """Return a per-channel ``vector`` repeated to match a row of ``channel_rows``."""
    xp = backend.array_module(vector)
    vector = vector.reshape(-1)
    return vector if repeats == 1 else xp.tile(vector, repeats)


def channel_sums(X):
    """Return the sum of ``X`` over all axes but the last (the channels)."""
    xp = backend.array_module(X)
    rows, repeats = channel_rows(X)
    sums = xp.ones(rows.shape[0], dtype=X.dtype) @ rows
    return sums.reshape(repeats, -1).sum(axis=0)

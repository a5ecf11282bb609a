"""2-D max pooling: the largest value of each window."""

from .. import backend
from ._base import (
    InputSizeError,
    Layer,
    SlidingWindow,
    check_integer_vector,
    parse_arguments,
    resolve_padding,
    sliding_output_size,
)
from ._format import format_size, format_vector
from .convolution2d import window_slices


class MaxPooling2DLayer(SlidingWindow, Layer):
    r"""Max pooling: each output is the maximum of a window of the input.

    .. math::

        Z_{n,i,j,c} = \max_{0 \le u < p_h,\ 0 \le v < p_w}
        X_{n,\, s_h i + u - p_t,\; s_w j + v - p_l,\; c}

    Padding counts as ``-inf``, so it never wins. The gradient of each output
    goes whole to one input of its window: where several inputs tie for the
    maximum, to the first in row-major order within the window. This rule is
    the same on numpy and CuPy, so results are deterministic.

    Parameters
    ----------
    PoolSize : int or [int, int]
    Stride : int or [int, int], default 1
    Padding : int, [v h], [t b l r] or 'same', default 0
    Name : str, default ''

    See Also
    --------
    maxPooling2dLayer : MATLAB-style constructor (MATLAB's ``maxPooling2dLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> pool = nnplay.maxPooling2dLayer(2, 'Stride', 2)
    >>> pool.predict(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    CLASS_NAME = "MaxPooling2DLayer"
    TYPE = "Max Pooling"
    DEFAULT_NAME = "maxpool"
    DISPLAY_GROUPS = (
        (None, ("Name",)),
        ("Hyperparameters", ("PoolSize", "Stride", "PaddingMode", "PaddingSize")),
    )

    def __init__(self, PoolSize, Stride=1, Padding=0, Name=""):
        super().__init__(Name)
        self._pool_size = check_integer_vector("PoolSize", PoolSize, 2)
        self._last_geometry = None
        self.Stride = Stride
        self.Padding = Padding

    @property
    def PoolSize(self):
        """Window height and width; read-only."""
        return self._pool_size

    def description(self):
        height, width = self._pool_size
        padding = "'same'" if self._padding == "same" else format_vector(self._padding)
        return (
            f"{height}x{width} max pooling with stride {format_vector(self._stride)} "
            f"and padding {padding}"
        )

    def _geometry(self, input_size):
        """Return the padding and output size, kept for the next same-sized input."""
        key = (tuple(input_size[:2]), self._stride, self._padding)
        if self._last_geometry is not None and self._last_geometry[0] == key:
            return self._last_geometry[1]
        result = self._compute_geometry(input_size)
        self._last_geometry = (key, result)
        return result

    def _compute_geometry(self, input_size):
        height, width = input_size[:2]
        padding = resolve_padding(
            self._padding, (height, width), self._pool_size, self._stride
        )
        out_h, out_w = sliding_output_size(
            (height, width), self._pool_size, self._stride, padding
        )
        if out_h < 1 or out_w < 1:
            raise InputSizeError(
                self,
                "at least the padded size of one "
                f"{format_size(self._pool_size)} window",
                f"size {format_size(input_size)} with padding {format_vector(padding)}",
            )
        return padding, (out_h, out_w)

    def output_size(self, input_size):
        _, (out_h, out_w) = self._geometry(input_size)
        return out_h, out_w, input_size[2]

    def initialize(self, input_size, rng):
        self._resolved_padding = self._geometry(input_size)[0]

    def _pool(self, X, remember=True):
        """Return the pooled output and what backward needs to route gradients.

        With ``remember=False`` (inference) only the output is computed.
        """
        xp = backend.array_module(X)
        if X.dtype.kind != "f":
            X = X.astype(backend.DEFAULT_DTYPE)
        padding, (out_h, out_w) = self._geometry(X.shape[1:])
        top, bottom, left, right = padding
        if any(padding):
            X = xp.pad(
                X,
                ((0, 0), (top, bottom), (left, right), (0, 0)),
                constant_values=-xp.inf,
            )
        (ph, pw), (sh, sw) = self._pool_size, self._stride

        # First the maximum over each window's columns, row by row, then over
        # those row maxima. Each keeps the first maximum on ties, so the
        # winner is the first maximum of the window in row-major order.
        across, column_choice = running_max(X, 2, pw, sw, out_w, remember)
        Z, row_choice = running_max(across, 1, ph, sh, out_h, remember)
        return Z, (column_choice, row_choice, X.shape, padding)

    def predict(self, X):
        return self._pool(X, remember=False)[0]

    def forward(self, X):
        return self._pool(X)

    def backward(self, X, Z, dZ, memory):
        if memory is None:
            memory = self._pool(X)[1]
        column_choice, row_choice, padded_shape, (top, _, left, _) = memory
        (ph, pw), (sh, sw) = self._pool_size, self._stride

        d_across = route_back(dZ, row_choice, column_choice.shape, 1, ph, sh)
        dXp = route_back(d_across, column_choice, padded_shape, 2, pw, sw)
        return dXp[:, top : top + X.shape[1], left : left + X.shape[2], :], {}


def _along(axis, offset, step, count):
    """An index taking every ``step``-th position from ``offset`` along ``axis``."""
    index = [slice(None)] * 4
    index[axis] = window_slices(offset, 1, step, count)
    return tuple(index)


def running_max(X, axis, size, step, count, remember=True):
    """Return the maximum of ``size`` strided slices of ``X`` along ``axis``.

    Also returns, as an array of ``X``'s dtype, which slice (0 .. size-1)
    held the first maximum: a later slice wins only when strictly larger.
    With ``remember=False`` that choice is not computed and is ``None``.
    """
    xp = backend.array_module(X)
    best = X[_along(axis, 0, step, count)].copy()
    choice = xp.zeros(best.shape, dtype=X.dtype) if remember and size > 2 else None
    for offset in range(1, size):
        candidate = X[_along(axis, offset, step, count)]
        if remember:
            larger = candidate > best
            if size == 2:
                choice = larger.astype(X.dtype)
            else:
                xp.putmask(choice, larger, offset)
        xp.maximum(best, candidate, out=best)
    if remember and choice is None:
        choice = xp.zeros(best.shape, dtype=X.dtype)  # a window of one
    return best, choice


def route_back(d_output, choice, input_shape, axis, size, step):
    """Return the input gradient: each output's sent to the slice ``running_max`` chose.

    When the windows tile the input exactly (``step == size``, nothing left
    over), every input position receives from one window, so the slices are
    written rather than added to a zeroed array.
    """
    xp = backend.array_module(d_output)
    count = d_output.shape[axis]
    tiled = step == size and count * step == input_shape[axis]
    d_input = (xp.empty if tiled else xp.zeros)(input_shape, dtype=d_output.dtype)
    if size == 2:
        # choice is 0 or 1: one product serves both slices.
        second = d_output * choice
        first = d_output - second
        if tiled:
            d_input[_along(axis, 1, step, count)] = second
            d_input[_along(axis, 0, step, count)] = first
        else:
            d_input[_along(axis, 1, step, count)] += second
            d_input[_along(axis, 0, step, count)] += first
        return d_input
    for offset in range(size):
        mask = (choice == offset).astype(d_output.dtype)
        part = d_output * mask
        if tiled:
            d_input[_along(axis, offset, step, count)] = part
        else:
            d_input[_along(axis, offset, step, count)] += part
    return d_input


def maxPooling2dLayer(*args, **kwargs):
    """Create a :class:`MaxPooling2DLayer`: ``maxPooling2dLayer(2, 'Stride', 2)``.

    Name-value options: ``'Stride'``, ``'Padding'``, ``'Name'``.
    """
    options = parse_arguments(
        "maxPooling2dLayer", args, kwargs, ("PoolSize",), ("Stride", "Padding", "Name")
    )
    if "PoolSize" not in options:
        raise TypeError(
            "maxPooling2dLayer needs a PoolSize, e.g. maxPooling2dLayer(2)."
        )
    return MaxPooling2DLayer(**options)

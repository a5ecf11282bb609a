"""The numbers behind the pictures, as numpy arrays ready for matplotlib.

Every function here returns numpy arrays: values computed on the GPU are
copied to the host with :func:`nnplay.to_numpy` (which waits for the GPU).
"""

import math

import numpy

from ..backend import to_numpy
from ..layers import leaky_relu, leaky_relu_derivative

#: The x range of the activation plots.
ACTIVATION_RANGE = (-3.0, 3.0)


def activation_curves(scale, points=601, x_range=ACTIVATION_RANGE):
    """Return the leaky ReLU and its derivative on a grid, for plotting.

    The values come from the engine's own functions
    (:func:`nnplay.layers.leaky_relu` and
    :func:`nnplay.layers.leaky_relu_derivative`). The derivative is a step:
    its x grid has a NaN between the negative branch and the ``x >= 0``
    branch, so that a line plot shows no vertical segment; the y value there
    is NaN as well.

    Parameters
    ----------
    scale : float
        The leaky ReLU's scale.
    points : int, default 601
        Grid points on each curve; the grid always contains 0.
    x_range : (float, float), default (-3, 3)

    Returns
    -------
    dict
        ``x`` and ``f`` for the function; ``x_derivative`` and
        ``derivative`` for its derivative.

    Examples
    --------
    >>> from nnplay.visualisation import activation_curves
    >>> curves = activation_curves(0.5, points=7)
    >>> curves["x"].tolist(), curves["f"].tolist()
    ([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0], [-1.5, -1.0, -0.5, 0.0, 1.0, 2.0, 3.0])
    """
    low, high = x_range
    x = numpy.linspace(low, high, points)
    x[numpy.argmin(numpy.abs(x))] = 0.0
    f = leaky_relu(x, scale)

    negative = x[x < 0]
    non_negative = x[x >= 0]
    x_derivative = numpy.concatenate([negative, [numpy.nan], non_negative])
    derivative = numpy.concatenate(
        [
            leaky_relu_derivative(negative, scale),
            [numpy.nan],
            leaky_relu_derivative(non_negative, scale),
        ]
    )

    return {"x": x, "f": f, "x_derivative": x_derivative, "derivative": derivative}


def grid_shape(channels):
    """Return ``(rows, columns)`` for tiling ``channels`` maps.

    The smallest divisor of ``channels`` that is at least its square root
    gives the columns (16 -> 4 x 4, 32 -> 4 x 8); when that leaves a single
    long row, the grid is the nearest square with some empty cells.
    """
    columns = next(
        count
        for count in range(math.ceil(math.sqrt(channels)), channels + 1)
        if channels % count == 0
    )
    if columns > 2 * math.ceil(math.sqrt(channels)):
        columns = math.ceil(math.sqrt(channels))
    return math.ceil(channels / columns), columns


def tile_channels(maps, pad=1):
    """Tile the channels of one activation into one 2-D image.

    Parameters
    ----------
    maps : array, shape (H, W, C), (1, H, W, C) or (K,)
        One image's activation (numpy or CuPy). A vector, such as a fully
        connected layer's output, becomes a single row.
    pad : int, default 1
        Width of the gaps between tiles, which hold NaN (drawn as the colour
        map's "bad" colour).

    Returns
    -------
    numpy.ndarray
        ``(rows * (H + pad) - pad, columns * (W + pad) - pad)``, float32.

    Examples
    --------
    >>> import numpy as np
    >>> from nnplay.visualisation import tile_channels
    >>> tile_channels(np.zeros((2, 3, 4))).shape
    (5, 7)
    """
    maps = to_numpy(maps)  # copies from the GPU, waiting for it
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim == 2 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim == 1:
        maps = maps.reshape(1, -1, 1)
    if maps.ndim != 3:
        raise ValueError(
            f"maps must be one activation of shape (H, W, C) or (K,); "
            f"got shape {maps.shape}."
        )

    height, width, channels = maps.shape
    rows, columns = grid_shape(channels)
    tiled = numpy.full(
        (rows * (height + pad) - pad, columns * (width + pad) - pad),
        numpy.nan,
        dtype=numpy.float32,
    )
    for channel in range(channels):
        row, column = divmod(channel, columns)
        top, left = row * (height + pad), column * (width + pad)
        tiled[top : top + height, left : left + width] = maps[:, :, channel]
    return tiled


def root_mean_square(values):
    """Return the root mean square of an array as a float (0 for an empty one)."""
    values = to_numpy(values)  # copies from the GPU, waiting for it
    if values.size == 0:
        return 0.0
    return float(numpy.sqrt(numpy.mean(numpy.square(values, dtype=numpy.float64))))


def zero_share(values):
    """Return the share (0..1) of entries of an array that are exactly zero."""
    values = to_numpy(values)  # copies from the GPU, waiting for it
    if values.size == 0:
        return 0.0
    return float(numpy.count_nonzero(values == 0) / values.size)


def negative_summary(values, scale):
    """Describe the negative part of the values entering a leaky ReLU.

    Returns
    -------
    dict
        ``count`` and ``share`` of negative values, ``total`` values, and
        ``passing``: the fraction of a negative value's magnitude that leaves
        the layer, ``|scale|``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnplay.visualisation import negative_summary
    >>> negative_summary(np.array([-2.0, -1.0, 0.0, 3.0]), 0.1)["share"]
    0.5
    """
    values = to_numpy(values)  # copies from the GPU, waiting for it
    count = int(numpy.count_nonzero(values < 0))
    total = int(values.size)
    return {
        "count": count,
        "total": total,
        "share": count / total if total else 0.0,
        "passing": abs(float(scale)),
    }

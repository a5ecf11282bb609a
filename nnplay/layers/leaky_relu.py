"""Leaky rectified linear unit: the layer nnplay is built to teach."""

import numpy

from .. import backend
from ._base import Layer, as_float_array, check_real_scalar, parse_arguments
from ._format import format_number


def leaky_relu(X, scale):
    """Return ``X`` where ``X >= 0`` and ``scale * X`` elsewhere.

    For ``scale <= 1`` this is ``max(X, scale * X)``, and for ``scale > 1``
    ``min(X, scale * X)``: one product and one comparison, faster than
    selecting with a mask, exact, and NaN-propagating. ``scale == 0`` is plain
    ReLU and is computed as such, so that ``-inf`` gives 0 rather than
    ``0 * -inf = nan``; so is a scale too small for ``X``'s dtype. A scale
    too large for the dtype selects explicitly, so that ``f(0)`` stays 0.
    """
    xp = backend.array_module(X)
    with numpy.errstate(over="ignore", under="ignore"):
        factor = X.dtype.type(scale)
    if factor == 0:
        return xp.maximum(X, 0)
    if not numpy.isfinite(factor):
        with numpy.errstate(invalid="ignore", over="ignore"):
            return xp.where(X >= 0, X, X * factor)
    Z = X * factor
    if scale <= 1:
        return xp.maximum(X, Z, out=Z)
    return xp.minimum(X, Z, out=Z)


def leaky_relu_derivative(X, scale):
    """Return f'(X): 1 where ``X >= 0`` (0 and -0.0 included), ``scale`` elsewhere.

    Both values are exact: ``scale`` is what the dtype holds of it.
    """
    with numpy.errstate(over="ignore", under="ignore"):
        factor = X.dtype.type(scale)
    if not numpy.isfinite(factor):
        return backend.array_module(X).where(X < 0, factor, X.dtype.type(1))
    slope = (X < 0).astype(X.dtype)
    slope *= factor
    slope += X >= 0
    return slope


class LeakyReLULayer(Layer):
    r"""Leaky ReLU: negative inputs are multiplied by a fixed scale.

    .. math::

        f(x) = \begin{cases} x & x \ge 0 \\ \mathrm{Scale}\cdot x & x < 0
        \end{cases}
        \qquad
        f'(x) = \begin{cases} 1 & x \ge 0 \\ \mathrm{Scale} & x < 0 \end{cases}

    At exactly 0 (and -0.0) the derivative is 1: the ``x >= 0`` branch. NaN
    stays NaN, ``+inf`` stays ``+inf``, and with ``Scale == 0`` an input of
    ``-inf`` gives 0. The output has the input's dtype; the input is never
    modified.

    Parameters
    ----------
    Scale : float, default 0.01
        Multiplier of negative inputs: any finite real number. 0 gives ReLU,
        1 the identity; negative values and values above 1 are allowed.
    Name : str, default ''
        The layer's name.

    See Also
    --------
    leakyReluLayer : MATLAB-style constructor (MATLAB's ``leakyReluLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> layer = nnplay.leakyReluLayer(0.1, 'Name', 'leaky1')
    >>> layer.predict(np.array([-2.0, 0.0, 3.0]))
    array([-0.2,  0. ,  3. ])
    """

    CLASS_NAME = "LeakyReLULayer"
    TYPE = "Leaky ReLU"
    DEFAULT_NAME = "leakyrelu"
    DISPLAY_GROUPS = ((None, ("Name",)), ("Hyperparameters", ("Scale",)))

    def __init__(self, Scale=0.01, Name=""):
        super().__init__(Name)
        self.Scale = Scale

    @property
    def Scale(self):
        """Multiplier of negative inputs, a finite real scalar."""
        return self._scale

    @Scale.setter
    def Scale(self, value):
        self._scale = check_real_scalar("Scale", value)

    def description(self):
        return f"Leaky ReLU with scale {format_number(self.Scale)}"

    def predict(self, X):
        return leaky_relu(as_float_array(X), self._scale)

    def backward(self, X, Z, dZ, memory):
        slope = leaky_relu_derivative(X, self._scale)
        slope *= dZ
        return slope, {}


def leakyReluLayer(*args, **kwargs):
    """Create a :class:`LeakyReLULayer`, MATLAB style.

    ``leakyReluLayer()``, ``leakyReluLayer(scale)``,
    ``leakyReluLayer(scale, 'Name', name)`` or ``leakyReluLayer(scale, Name=name)``.

    Examples
    --------
    >>> import nnplay
    >>> nnplay.leakyReluLayer(0.1, 'Name', 'leaky1').Scale
    0.1
    """
    options = parse_arguments("leakyReluLayer", args, kwargs, ("Scale",), ("Name",))
    return LeakyReLULayer(**options)

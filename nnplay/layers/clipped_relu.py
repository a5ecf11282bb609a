"""Clipped rectified linear unit: ReLU with a ceiling."""

from .. import backend
from ._base import Layer, as_float_array, check_real_scalar, parse_arguments
from ._format import format_number


class ClippedReLULayer(Layer):
    r"""Clipped ReLU: negative inputs become zero, large ones the ceiling.

    .. math::

        f(x) = \min(\max(x, 0), \mathrm{Ceiling}) \qquad
        f'(x) = \begin{cases} 1 & 0 \le x < \mathrm{Ceiling} \\ 0 & \text{otherwise}
        \end{cases}

    Parameters
    ----------
    Ceiling : float
        The largest output, a positive finite number.
    Name : str, default ''
        The layer's name.

    See Also
    --------
    clippedReluLayer : MATLAB-style constructor (MATLAB's ``clippedReluLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> nnplay.clippedReluLayer(10).predict(np.array([-2.0, 3.0, 30.0]))
    array([ 0.,  3., 10.])
    """

    CLASS_NAME = "ClippedReLULayer"
    TYPE = "Clipped ReLU"
    DEFAULT_NAME = "clippedrelu"
    DISPLAY_GROUPS = ((None, ("Name",)), ("Hyperparameters", ("Ceiling",)))

    def __init__(self, Ceiling, Name=""):
        super().__init__(Name)
        self.Ceiling = Ceiling

    @property
    def Ceiling(self):
        """The largest output, a positive finite number."""
        return self._ceiling

    @Ceiling.setter
    def Ceiling(self, value):
        self._ceiling = check_real_scalar("Ceiling", value, minimum=0, strict=True)

    def description(self):
        return f"Clipped ReLU with ceiling {format_number(self.Ceiling)}"

    def predict(self, X):
        X = as_float_array(X)
        return backend.array_module(X).clip(X, 0, self._ceiling)

    def backward(self, X, Z, dZ, memory):
        return dZ * ((X >= 0) & (X < self._ceiling)), {}


def clippedReluLayer(*args, **kwargs):
    """Create a :class:`ClippedReLULayer`: ``clippedReluLayer(ceiling, 'Name', n)``."""
    options = parse_arguments("clippedReluLayer", args, kwargs, ("Ceiling",), ("Name",))
    if "Ceiling" not in options:
        raise TypeError("clippedReluLayer needs a Ceiling, e.g. clippedReluLayer(10).")
    return ClippedReLULayer(**options)

"""Exponential linear unit: a smooth relative of the leaky ReLU."""

from .. import backend
from ._base import Layer, as_float_array, check_real_scalar, parse_arguments
from ._format import format_number


class ELULayer(Layer):
    r"""ELU: the identity for ``x >= 0``, a saturating exponential below.

    .. math::

        f(x) = \begin{cases} x & x \ge 0 \\ \alpha (e^x - 1) & x < 0 \end{cases}
        \qquad
        f'(x) = \begin{cases} 1 & x \ge 0 \\ \alpha e^x & x < 0 \end{cases}

    Parameters
    ----------
    Alpha : float, default 1
        Scale of the negative part, a positive finite number.
    Name : str, default ''
        The layer's name.

    See Also
    --------
    eluLayer : MATLAB-style constructor (MATLAB's ``eluLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> nnplay.eluLayer(1).predict(np.array([0.0, 2.0]))
    array([0., 2.])
    """

    CLASS_NAME = "ELULayer"
    TYPE = "ELU"
    DEFAULT_NAME = "elu"
    DISPLAY_GROUPS = ((None, ("Name",)), ("Hyperparameters", ("Alpha",)))

    def __init__(self, Alpha=1.0, Name=""):
        super().__init__(Name)
        self.Alpha = Alpha

    @property
    def Alpha(self):
        """Scale of the negative part, a positive finite number."""
        return self._alpha

    @Alpha.setter
    def Alpha(self, value):
        self._alpha = check_real_scalar("Alpha", value, minimum=0, strict=True)

    def description(self):
        return f"ELU with alpha {format_number(self.Alpha)}"

    def predict(self, X):
        X = as_float_array(X)
        xp = backend.array_module(X)
        alpha = X.dtype.type(self._alpha)
        # expm1 of min(X, 0) keeps large positive inputs from overflowing.
        negative = alpha * xp.expm1(xp.minimum(X, 0))
        return xp.where(X >= 0, X, negative)

    def backward(self, X, Z, dZ, memory):
        xp = backend.array_module(X)
        alpha = X.dtype.type(self._alpha)
        slope = xp.where(X >= 0, X.dtype.type(1), alpha * xp.exp(xp.minimum(X, 0)))
        return dZ * slope, {}


def eluLayer(*args, **kwargs):
    """Create an :class:`ELULayer`: ``eluLayer()``, ``eluLayer(alpha, 'Name', n)``."""
    return ELULayer(**parse_arguments("eluLayer", args, kwargs, ("Alpha",), ("Name",)))

"""Rectified linear unit, for comparison with the leaky one."""

from .. import backend
from ._base import Layer, as_float_array, parse_arguments


class ReLULayer(Layer):
    r"""ReLU: negative inputs become zero.

    .. math::

        f(x) = \max(x, 0) \qquad f'(x) = \begin{cases} 1 & x \ge 0 \\ 0 & x < 0
        \end{cases}

    The derivative at 0 is 1, the same convention as :class:`LeakyReLULayer`
    with ``Scale = 0``, which this layer equals.

    Parameters
    ----------
    Name : str, default ''
        The layer's name.

    See Also
    --------
    reluLayer : MATLAB-style constructor (MATLAB's ``reluLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> nnplay.reluLayer().predict(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """

    CLASS_NAME = "ReLULayer"
    TYPE = "ReLU"
    DEFAULT_NAME = "relu"

    def predict(self, X):
        X = as_float_array(X)
        return backend.array_module(X).maximum(X, 0)

    def backward(self, X, Z, dZ, memory):
        return dZ * (X >= 0), {}


def reluLayer(*args, **kwargs):
    """Create a :class:`ReLULayer`: ``reluLayer()`` or ``reluLayer('Name', name)``."""
    return ReLULayer(**parse_arguments("reluLayer", args, kwargs, (), ("Name",)))

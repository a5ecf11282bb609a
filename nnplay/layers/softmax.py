"""Softmax: turns scores into probabilities."""

from .. import backend
from ._base import Layer, as_float_array, parse_arguments


def softmax(X):
    """Return the softmax over the last axis, stable for any finite scores.

    The largest score is subtracted first, so ``exp`` never overflows:
    ``[800, 1, 1]`` gives ``[1, 0, 0]`` without a warning.
    """
    xp = backend.array_module(X)
    shifted = X - X.max(axis=-1, keepdims=True)
    Y = xp.exp(shifted, out=shifted)
    Y /= Y.sum(axis=-1, keepdims=True)
    return Y


class SoftmaxLayer(Layer):
    r"""Softmax over the channels of each observation.

    .. math::

        y_k = \frac{e^{x_k - m}}{\sum_j e^{x_j - m}}, \quad m = \max_j x_j
        \qquad
        \frac{\partial L}{\partial x} = y \odot \left(\frac{\partial L}{\partial y}
        - \sum_k y_k \frac{\partial L}{\partial y_k}\right)

    Parameters
    ----------
    Name : str, default ''

    See Also
    --------
    softmaxLayer : MATLAB-style constructor (MATLAB's ``softmaxLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> nnplay.softmaxLayer().predict(np.array([[800.0, 1.0, 1.0]]))
    array([[1., 0., 0.]])
    """

    CLASS_NAME = "SoftmaxLayer"
    TYPE = "Softmax"
    DEFAULT_NAME = "softmax"

    def description(self):
        return "softmax"

    def predict(self, X):
        X = as_float_array(X)
        return softmax(X.reshape(X.shape[0], -1)).reshape(X.shape)

    def backward(self, X, Z, dZ, memory):
        Y = Z.reshape(Z.shape[0], -1)
        dY = dZ.reshape(Y.shape)
        dX = dY - (dY * Y).sum(axis=-1, keepdims=True)
        dX *= Y
        return dX.reshape(X.shape), {}


def softmaxLayer(*args, **kwargs):
    """Create a :class:`SoftmaxLayer`: ``softmaxLayer('Name', name)``."""
    return SoftmaxLayer(**parse_arguments("softmaxLayer", args, kwargs, (), ("Name",)))

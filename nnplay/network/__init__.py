"""Layer arrays, networks, and the functions MATLAB users call on them."""

from .analysis import NetworkAnalysis, analyzeNetwork, default_names
from .layer_array import LayerArray
from .series_network import Gradients, SeriesNetwork, assembleNetwork


def predict(net, X, MiniBatchSize=128):
    """Return the class probabilities of ``net`` for images ``X``.

    See :meth:`SeriesNetwork.predict`.
    """
    return net.predict(X, MiniBatchSize=MiniBatchSize)


def classify(net, X, MiniBatchSize=128):
    """Return ``(labels, scores)`` of ``net`` for images ``X``.

    See :meth:`SeriesNetwork.classify`.
    """
    return net.classify(X, MiniBatchSize=MiniBatchSize)


def activations(net, X, layer, MiniBatchSize=128):
    """Return the output of ``layer`` for images ``X``.

    See :meth:`SeriesNetwork.activations`.
    """
    return net.activations(X, layer, MiniBatchSize=MiniBatchSize)


def gradients(net, X, labels):
    """Return ``(loss, grads)``; see :meth:`SeriesNetwork.gradients`.

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> net = nnplay.assembleNetwork(nnplay.examples.example_cnn())
    >>> loss, grads = nnplay.gradients(net, np.zeros((2, 28, 28, 1)), [3, 5])
    >>> grads['conv_1', 'Weights'].shape
    (3, 3, 1, 16)
    """
    return net.gradients(X, labels)


__all__ = [
    "Gradients",
    "LayerArray",
    "NetworkAnalysis",
    "SeriesNetwork",
    "activations",
    "analyzeNetwork",
    "assembleNetwork",
    "classify",
    "default_names",
    "gradients",
    "predict",
]

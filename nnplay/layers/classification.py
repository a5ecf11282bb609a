"""Classification output: the cross-entropy loss of a classifier."""

import numpy

from .. import backend
from ._base import InputSizeError, Layer, parse_arguments


def one_hot(labels, classes, *, dtype, xp):
    """Return an ``(N, K)`` array with a 1 in the column of each label.

    ``labels`` are values of ``classes`` (any comparable type); a label that
    is not one of them raises ``ValueError`` naming it.
    """
    labels = backend.to_numpy(labels).reshape(-1)
    classes = numpy.asarray(classes)
    order = numpy.argsort(classes, kind="stable")
    position = numpy.searchsorted(classes[order], labels)
    position = numpy.minimum(position, len(classes) - 1)
    found = classes[order][position] == labels
    if not numpy.all(found):
        unknown = labels[~found][0]
        raise ValueError(
            f"labels must be among the classes {classes.tolist()}; got {unknown!r}."
        )
    indices = order[position]
    T = numpy.zeros((labels.size, classes.size), dtype=dtype)
    T[numpy.arange(labels.size), indices] = 1
    return xp.asarray(T)


class ClassificationOutputLayer(Layer):
    r"""Cross-entropy loss for mutually exclusive classes.

    .. math::

        L = -\frac{1}{N} \sum_{n} \sum_{k} T_{nk} \log \max(Y_{nk}, \varepsilon)

    with ``Y`` the softmax probabilities, ``T`` the one-hot targets and
    ``epsilon`` the smallest normal number of the dtype, so a probability of
    zero for the true class gives a large but finite loss and gradient. In a
    network, the gradient of softmax and this loss together is computed as
    ``(Y - T) / N``, which is exact and stable.

    Parameters
    ----------
    Classes : sequence or 'auto', default 'auto'
        The class labels; ``trainNetwork`` sets them from the training labels.
    Name : str, default ''

    See Also
    --------
    classificationLayer : MATLAB-style constructor (MATLAB's
        ``classificationLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> out = nnplay.classificationLayer()
    >>> round(float(out.forwardLoss(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]]))), 4)
    0.6931
    """

    CLASS_NAME = "ClassificationOutputLayer"
    TYPE = "Classification Output"
    DEFAULT_NAME = "classoutput"
    DISPLAY_GROUPS = (
        (None, ("Name", "Classes", "ClassWeights", "OutputSize")),
        ("Hyperparameters", ("LossFunction",)),
    )
    IS_OUTPUT = True

    def __init__(self, Classes="auto", Name=""):
        super().__init__(Name)
        self.Classes = Classes
        self._output_size = "auto"

    @property
    def Classes(self):
        """The class labels, or ``'auto'`` until training sets them."""
        return self._classes

    @Classes.setter
    def Classes(self, value):
        if isinstance(value, str) and value.lower() == "auto":
            self._classes = "auto"
            return
        classes = numpy.asarray(backend.to_numpy(value)).reshape(-1)
        if classes.size < 1 or len(numpy.unique(classes)) != classes.size:
            raise ValueError(
                f"Classes must be 'auto' or distinct labels; got {value!r}."
            )
        self._classes = classes

    @property
    def ClassWeights(self):
        """Always ``'none'``: every class counts the same."""
        return "none"

    @property
    def LossFunction(self):
        """Always ``'crossentropyex'``; read-only."""
        return "crossentropyex"

    @property
    def OutputSize(self):
        """Number of classes, or ``'auto'`` until known; read-only."""
        return self._output_size

    def description(self):
        if isinstance(self._classes, str):
            return "crossentropyex"
        others = len(self._classes) - 1
        return f"crossentropyex with '{self._classes[0]}' and {others} other classes"

    def output_size(self, input_size):
        count = int(numpy.prod(input_size))
        if not isinstance(self._classes, str) and count != len(self._classes):
            raise InputSizeError(self, f"{len(self._classes)} class scores", f"{count}")
        return tuple(input_size)

    def initialize(self, input_size, rng):
        self._output_size = int(numpy.prod(input_size))

    def predict(self, X):
        return X

    def backward(self, X, Z, dZ, memory):
        return dZ, {}

    @staticmethod
    def _clamped(Y):
        xp = backend.array_module(Y)
        return xp.maximum(Y, xp.finfo(Y.dtype).tiny)

    def forwardLoss(self, Y, T):
        """Return the mean cross-entropy of probabilities ``Y`` for targets ``T``."""
        xp = backend.array_module(Y)
        Y2 = Y.reshape(Y.shape[0], -1)
        T2 = T.reshape(Y2.shape).astype(Y.dtype, copy=False)
        return -(T2 * xp.log(self._clamped(Y2))).sum() / Y2.shape[0]

    def backwardLoss(self, Y, T):
        """Return the gradient of :meth:`forwardLoss` with respect to ``Y``."""
        Y2 = Y.reshape(Y.shape[0], -1)
        T2 = T.reshape(Y2.shape).astype(Y.dtype, copy=False)
        return (-T2 / (self._clamped(Y2) * Y2.shape[0])).reshape(Y.shape)


def classificationLayer(*args, **kwargs):
    """Create a :class:`ClassificationOutputLayer`: ``classificationLayer()``.

    Name-value options: ``'Classes'``, ``'Name'``.
    """
    options = parse_arguments(
        "classificationLayer", args, kwargs, (), ("Classes", "Name")
    )
    return ClassificationOutputLayer(**options)

"""Fully connected layer: every output sees every input."""

import math

from ._base import (
    InputSizeError,
    Layer,
    array_property,
    as_parameter,
    check_positive_integer,
    describe_layer,
    parse_arguments,
)
from ._init import (
    WeightsAndBiasInitializers,
    initial_values,
)


class FullyConnectedLayer(WeightsAndBiasInitializers, Layer):
    r"""Fully connected: a matrix product with the flattened input, plus a bias.

    .. math::

        z = W x + b

    ``x`` is one observation flattened to ``InputSize`` values (an
    ``(H, W, C)`` activation is flattened in row-major order), ``W`` is
    ``OutputSize x InputSize`` and ``b`` is ``OutputSize x 1``, as in MATLAB.
    ``InputSize`` is found when a network is assembled; missing weights are
    drawn with the Glorot initializer and a missing bias is zero.

    Parameters
    ----------
    OutputSize : int
    InputSize : int or 'auto', default 'auto'
    Weights, Bias : array, optional
    WeightsInitializer : str, default 'glorot'
    BiasInitializer : str, default 'zeros'
    Name : str, default ''

    See Also
    --------
    fullyConnectedLayer : MATLAB-style constructor (MATLAB's
        ``fullyConnectedLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> fc = nnplay.fullyConnectedLayer(2, 'Weights', [[1, 2], [3, 4]], 'Bias', [0, 1])
    >>> fc.predict(np.array([[1.0, 1.0]]))
    array([[3., 8.]], dtype=float32)
    """

    CLASS_NAME = "FullyConnectedLayer"
    TYPE = "Fully Connected"
    DEFAULT_NAME = "fc"
    DISPLAY_GROUPS = (
        (None, ("Name",)),
        ("Hyperparameters", ("InputSize", "OutputSize")),
        ("Learnable Parameters", ("Weights", "Bias")),
    )
    LEARNABLES = ("Weights", "Bias")
    L2_FACTORS = {"Weights": 1.0, "Bias": 0.0}

    def __init__(
        self,
        OutputSize,
        InputSize="auto",
        Weights=None,
        Bias=None,
        WeightsInitializer="glorot",
        BiasInitializer="zeros",
        Name="",
    ):
        super().__init__(Name)
        self._output_size = check_positive_integer("OutputSize", OutputSize)
        self._input_size = (
            "auto"
            if isinstance(InputSize, str) and InputSize.lower() == "auto"
            else check_positive_integer("InputSize", InputSize)
        )
        self.WeightsInitializer = WeightsInitializer
        self.BiasInitializer = BiasInitializer
        self._Weights = self._Bias = None
        self.Weights = Weights
        self.Bias = Bias

    @property
    def OutputSize(self):
        """Number of outputs; read-only."""
        return self._output_size

    @property
    def InputSize(self):
        """Number of inputs, or ``'auto'`` until known; read-only."""
        return self._input_size

    @property
    def Weights(self):
        """Weights, OutputSize x InputSize."""
        return self._Weights

    @Weights.setter
    def Weights(self, value):
        if value is None:
            self._Weights = None
            return
        weights = as_parameter("Weights", value)
        if (
            weights.ndim != 2
            or weights.shape[0] != self._output_size
            or (self._input_size != "auto" and weights.shape[1] != self._input_size)
        ):
            inputs = "InputSize" if self._input_size == "auto" else self._input_size
            raise ValueError(
                f"Weights must have size {self._output_size}x{inputs}; got "
                f"{'x'.join(str(s) for s in weights.shape)}."
            )
        self._input_size = int(weights.shape[1])
        self._Weights = weights

    Bias = array_property(
        "Bias", "Bias, OutputSize x 1.", lambda self: (self._output_size, 1)
    )

    def description(self):
        return f"{self._output_size} fully connected layer"

    def output_size(self, input_size):
        count = math.prod(input_size)
        if self._input_size != "auto" and count != self._input_size:
            raise InputSizeError(
                self, f"{self._input_size} values per observation", f"{count}"
            )
        return 1, 1, self._output_size

    def initialize(self, input_size, rng):
        count = math.prod(input_size)
        if self._input_size == "auto":
            self._input_size = count
        if self._Weights is None:
            self.Weights = initial_values(
                self._weights_initializer,
                (self._output_size, count),
                count,
                self._output_size,
                rng,
            )
        if self._Bias is None:
            self.Bias = initial_values(
                self._bias_initializer, (self._output_size, 1), 1, 1, rng
            )

    def _flatten(self, X):
        if self._Weights is None or self._Bias is None:
            raise ValueError(
                f"{describe_layer(self)} has no Weights or Bias yet: assemble it into "
                f"a network, or set them."
            )
        X2 = X.reshape(X.shape[0], -1)
        if X2.shape[1] != self._input_size:
            raise InputSizeError(
                self, f"{self._input_size} values per observation", f"{X2.shape[1]}"
            )
        return X2

    def predict(self, X):
        X2 = self._flatten(X)
        weights, bias = self._parameters(X2, "Weights", "Bias")
        Z = X2 @ weights.T
        Z += bias.reshape(-1)
        return Z

    def backward(self, X, Z, dZ, memory):
        X2 = self._flatten(X)
        weights = self._parameters(X2, "Weights")
        grads = {
            "Weights": dZ.T @ X2,
            "Bias": dZ.sum(axis=0).reshape(-1, 1),
        }
        dX = (dZ @ weights).reshape(X.shape)
        return dX, grads


def fullyConnectedLayer(*args, **kwargs):
    """Create a :class:`FullyConnectedLayer`: ``fullyConnectedLayer(10)``.

    Name-value options: ``'InputSize'``, ``'Weights'``, ``'Bias'``,
    ``'WeightsInitializer'``, ``'BiasInitializer'``, ``'Name'``.
    """
    options = parse_arguments(
        "fullyConnectedLayer",
        args,
        kwargs,
        ("OutputSize",),
        (
            "InputSize",
            "Weights",
            "Bias",
            "WeightsInitializer",
            "BiasInitializer",
            "Name",
        ),
    )
    if "OutputSize" not in options:
        raise TypeError(
            "fullyConnectedLayer needs an OutputSize, e.g. fullyConnectedLayer(10)."
        )
    return FullyConnectedLayer(**options)

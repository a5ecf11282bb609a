"""Weight initializers, by MATLAB's names.

Values are drawn on the host with a numpy ``Generator`` and then moved to the
active backend, so a seed gives the same network on numpy and on CuPy.
"""

import numpy

from .. import backend
from ._base import check_choice

WEIGHTS_INITIALIZERS = ("glorot", "he", "narrow-normal", "zeros", "ones")
BIAS_INITIALIZERS = ("zeros", "ones", "narrow-normal")


def initial_values(initializer, shape, fan_in, fan_out, rng):
    """Return an array of ``shape`` drawn by ``initializer``.

    * ``'glorot'``: uniform on ``[-a, a]`` with ``a = sqrt(6 / (fan_in + fan_out))``;
    * ``'he'``: normal with deviation ``sqrt(2 / fan_in)``;
    * ``'narrow-normal'``: normal with deviation 0.01;
    * ``'zeros'``, ``'ones'``: constants.
    """
    if initializer == "glorot":
        bound = numpy.sqrt(6.0 / (fan_in + fan_out))
        values = rng.uniform(-bound, bound, size=shape)
    elif initializer == "he":
        values = rng.normal(0.0, numpy.sqrt(2.0 / fan_in), size=shape)
    elif initializer == "narrow-normal":
        values = rng.normal(0.0, 0.01, size=shape)
    elif initializer == "zeros":
        values = numpy.zeros(shape)
    elif initializer == "ones":
        values = numpy.ones(shape)
    else:
        raise ValueError(f"unknown initializer {initializer!r}.")
    return backend.to_backend(values.astype(backend.DEFAULT_DTYPE))


class WeightsAndBiasInitializers:
    """The ``WeightsInitializer`` and ``BiasInitializer`` properties.

    Mixed into the layers with weights and a bias, which keep
    ``_weights_initializer`` and ``_bias_initializer``.
    """

    @property
    def WeightsInitializer(self):
        """How missing weights are drawn."""
        return self._weights_initializer

    @WeightsInitializer.setter
    def WeightsInitializer(self, value):
        self._weights_initializer = check_choice(
            "WeightsInitializer", value, WEIGHTS_INITIALIZERS
        )

    @property
    def BiasInitializer(self):
        """How a missing bias is drawn."""
        return self._bias_initializer

    @BiasInitializer.setter
    def BiasInitializer(self, value):
        self._bias_initializer = check_choice(
            "BiasInitializer", value, BIAS_INITIALIZERS
        )

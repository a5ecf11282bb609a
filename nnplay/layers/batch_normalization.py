"""Batch normalization: each channel normalized, then scaled and shifted."""

import numpy

from .. import backend
from ._base import (
    InputSizeError,
    Layer,
    array_property,
    check_choice,
    check_positive_integer,
    check_real_scalar,
    describe_layer,
    parse_arguments,
)
from ._channels import channel_rows, channel_sums, tile_channels
from ._format import format_size
from ._init import initial_values

INITIALIZERS = ("zeros", "ones", "narrow-normal")


class BatchNormalizationLayer(Layer):
    r"""Batch normalization over the batch and the two spatial dimensions.

    .. math::

        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \qquad
        z = \gamma \hat x + \beta

    with ``gamma`` the learnable ``Scale`` and ``beta`` the learnable
    ``Offset``, one per channel. Epsilon is added once, inside the square
    root. In training (:meth:`forward`) ``mu`` and ``sigma^2`` are the
    batch's mean and (biased) variance; in inference (:meth:`predict`) they are
    ``TrainedMean`` and ``TrainedVariance``, which inference never changes.
    :meth:`update_statistics` moves the trained statistics towards a batch's
    by ``MeanDecay`` and ``VarianceDecay``, using the unbiased variance.

    Training needs more than one value per channel: a batch of one 1x1
    image raises an error instead of producing meaningless statistics.

    Parameters
    ----------
    Epsilon : float, default 1e-5
    MeanDecay, VarianceDecay : float, default 0.1
        Weight of a new batch in the moving statistics, between 0 and 1.
    NumChannels : int or 'auto', default 'auto'
    Offset, Scale, TrainedMean, TrainedVariance : array, optional
        ``1 x 1 x NumChannels``; by default 0, 1, 0 and 1.
    OffsetInitializer : str, default 'zeros'
    ScaleInitializer : str, default 'ones'
    Name : str, default ''

    See Also
    --------
    batchNormalizationLayer : MATLAB-style constructor (MATLAB's
        ``batchNormalizationLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> bn = nnplay.batchNormalizationLayer('TrainedMean', 1, 'TrainedVariance', 4,
    ...                                     'Epsilon', 1e-5, 'Offset', 0, 'Scale', 1)
    >>> np.round(bn.predict(np.array([[[[3.0]]]])).ravel(), 4)
    array([1.])
    """

    CLASS_NAME = "BatchNormalizationLayer"
    TYPE = "Batch Normalization"
    DEFAULT_NAME = "batchnorm"
    DISPLAY_GROUPS = (
        (None, ("Name", "NumChannels")),
        ("Hyperparameters", ("MeanDecay", "VarianceDecay", "Epsilon")),
        ("Learnable Parameters", ("Offset", "Scale")),
        ("State Parameters", ("TrainedMean", "TrainedVariance")),
    )
    LEARNABLES = ("Offset", "Scale")
    STATE = ("TrainedMean", "TrainedVariance")
    L2_FACTORS = {"Offset": 1.0, "Scale": 1.0}

    def __init__(
        self,
        Epsilon=1e-5,
        MeanDecay=0.1,
        VarianceDecay=0.1,
        NumChannels="auto",
        Offset=None,
        Scale=None,
        TrainedMean=None,
        TrainedVariance=None,
        OffsetInitializer="zeros",
        ScaleInitializer="ones",
        Name="",
    ):
        super().__init__(Name)
        self.Epsilon = Epsilon
        self.MeanDecay = MeanDecay
        self.VarianceDecay = VarianceDecay
        self._num_channels = (
            "auto"
            if isinstance(NumChannels, str) and NumChannels.lower() == "auto"
            else check_positive_integer("NumChannels", NumChannels)
        )
        self._offset_initializer = check_choice(
            "OffsetInitializer", OffsetInitializer, INITIALIZERS
        )
        self._scale_initializer = check_choice(
            "ScaleInitializer", ScaleInitializer, INITIALIZERS
        )
        for name, value in (
            ("Offset", Offset),
            ("Scale", Scale),
            ("TrainedMean", TrainedMean),
            ("TrainedVariance", TrainedVariance),
        ):
            setattr(self, "_" + name, None)
            setattr(self, name, value)

    # -- properties ------------------------------------------------------------

    @property
    def NumChannels(self):
        """Channels normalized, or ``'auto'`` until known; read-only."""
        return self._num_channels

    @property
    def OffsetInitializer(self):
        """How a missing Offset is drawn."""
        return self._offset_initializer

    @OffsetInitializer.setter
    def OffsetInitializer(self, value):
        self._offset_initializer = check_choice(
            "OffsetInitializer", value, INITIALIZERS
        )

    @property
    def ScaleInitializer(self):
        """How a missing Scale is drawn."""
        return self._scale_initializer

    @ScaleInitializer.setter
    def ScaleInitializer(self, value):
        self._scale_initializer = check_choice("ScaleInitializer", value, INITIALIZERS)

    @property
    def Epsilon(self):
        """Added to the variance inside the square root; positive."""
        return self._epsilon

    @Epsilon.setter
    def Epsilon(self, value):
        self._epsilon = check_real_scalar("Epsilon", value, minimum=0, strict=True)

    @property
    def MeanDecay(self):
        """Weight of a new batch's mean in ``TrainedMean``, in [0, 1]."""
        return self._mean_decay

    @MeanDecay.setter
    def MeanDecay(self, value):
        self._mean_decay = self._check_decay("MeanDecay", value)

    @property
    def VarianceDecay(self):
        """Weight of a new batch's variance in ``TrainedVariance``, in [0, 1]."""
        return self._variance_decay

    @VarianceDecay.setter
    def VarianceDecay(self, value):
        self._variance_decay = self._check_decay("VarianceDecay", value)

    @staticmethod
    def _check_decay(name, value):
        value = check_real_scalar(name, value, minimum=0)
        if value > 1:
            raise ValueError(f"{name} must be between 0 and 1; got {value!r}.")
        return value

    def _channel_shape(self):
        return None if self._num_channels == "auto" else (1, 1, self._num_channels)

    def _channel_property(name, doc, minimum=None):
        inner = array_property(name, doc, lambda self: self._channel_shape())

        def setter(self, value):
            if value is not None and minimum is not None:
                values = backend.to_numpy(value)
                if not numpy.all(values >= minimum):
                    raise ValueError(
                        f"{name} must be at least {minimum}; got {values.ravel()[:4]}."
                    )
            inner.fset(self, value)
            array = getattr(self, "_" + name)
            if array is not None and self._num_channels == "auto":
                # The first per-channel array set fixes the number of channels.
                self._num_channels = int(array.size)
                inner.fset(self, array)

        return property(inner.fget, setter, doc=doc)

    Offset = _channel_property("Offset", "Learnable shift (beta), 1 x 1 x NumChannels.")
    Scale = _channel_property("Scale", "Learnable scale (gamma), 1 x 1 x NumChannels.")
    TrainedMean = _channel_property("TrainedMean", "Mean used in inference.")
    TrainedVariance = _channel_property(
        "TrainedVariance", "Variance used in inference.", minimum=0
    )
    del _channel_property

    def description(self):
        if self._num_channels == "auto":
            return "Batch normalization"
        return f"Batch normalization with {self._num_channels} channels"

    # -- assembly --------------------------------------------------------------

    def output_size(self, input_size):
        channels = input_size[-1]
        if self._num_channels != "auto" and channels != self._num_channels:
            raise InputSizeError(
                self, f"{self._num_channels} channel(s)", f"{channels} channel(s)"
            )
        return tuple(input_size)

    def initialize(self, input_size, rng):
        if self._num_channels == "auto":
            self._num_channels = int(input_size[-1])
        shape = self._channel_shape()
        defaults = {
            "Offset": self._offset_initializer,
            "Scale": self._scale_initializer,
            "TrainedMean": "zeros",
            "TrainedVariance": "ones",
        }
        for name, initializer in defaults.items():
            if getattr(self, name) is None:
                setattr(self, name, initial_values(initializer, shape, 1, 1, rng))

    # -- math ------------------------------------------------------------------

    def _check(self, X):
        for name in (*self.LEARNABLES, *self.STATE):
            if getattr(self, "_" + name) is None:
                raise ValueError(
                    f"{describe_layer(self)} has no {name} yet: assemble it into a "
                    f"network, or set it."
                )
        channels = X.shape[-1]
        if channels != self._num_channels:
            raise InputSizeError(
                self, f"{self._num_channels} channel(s)", f"{channels} channel(s)"
            )

    def predict(self, X):
        self._check(X)
        xp = backend.array_module(X)
        offset, scale, mean, variance = self._parameters(
            X, "Offset", "Scale", "TrainedMean", "TrainedVariance"
        )
        # One multiply and one add per element: z = x * a + b.
        a = scale / xp.sqrt(variance + X.dtype.type(self._epsilon))
        b = offset - mean * a
        rows, repeats = channel_rows(X)
        Z = rows * tile_channels(a, repeats)
        Z += tile_channels(b, repeats)
        return Z.reshape(X.shape)

    def forward(self, X):
        self._check(X)
        xp = backend.array_module(X)
        count = X.size // X.shape[-1]
        if count < 2:
            raise ValueError(
                f"{describe_layer(self)} in training needs more than one value per "
                f"channel to compute batch statistics; got a batch of "
                f"{X.shape[0]} input(s) of size {format_size(X.shape[1:])}."
            )
        offset, scale = self._parameters(X, "Offset", "Scale")
        rows, repeats = channel_rows(X)

        mean = channel_sums(X) / count
        centered = rows - tile_channels(mean, repeats)
        squares = centered * centered
        variance = channel_sums(squares.reshape(X.shape)) / count
        inv_std = 1 / xp.sqrt(variance + X.dtype.type(self._epsilon))

        # z = gamma * (x - mu) / sigma + beta, keeping x - mu for backward;
        # the squares' memory is reused for z.
        gain = tile_channels(scale.reshape(-1) * inv_std, repeats)
        Z = xp.multiply(centered, gain, out=squares)
        Z += tile_channels(offset, repeats)
        memory = (centered.reshape(X.shape), inv_std, mean, variance, count)
        return Z.reshape(X.shape), memory

    def backward(self, X, Z, dZ, memory):
        if memory is None:
            memory = self.forward(X)[1]
        centered, inv_std, _, _, count = memory
        scale = self._parameters(X, "Scale").reshape(-1)
        rows, repeats = channel_rows(dZ)
        centered_rows = channel_rows(centered)[0]

        d_offset = channel_sums(dZ)
        product = dZ * centered
        d_scale = channel_sums(product) * inv_std

        # With xhat = (x - mu) / sigma:
        # dX = gamma / sigma * (dZ - mean(dZ) - xhat * mean(dZ * xhat)),
        # gathered into one coefficient each for dZ, x - mu and a constant.
        gain = scale * inv_std
        xp = backend.array_module(dZ)
        dX = xp.multiply(
            rows, tile_channels(gain, repeats), out=product.reshape(rows.shape)
        )
        dX -= centered_rows * tile_channels(gain * inv_std * d_scale / count, repeats)
        dX -= tile_channels(gain * d_offset / count, repeats)
        grads = {
            "Offset": d_offset.reshape(1, 1, -1),
            "Scale": d_scale.reshape(1, 1, -1),
        }
        return dX.reshape(X.shape), grads

    def update_statistics(self, memory):
        """Move the trained statistics towards a batch's, from ``forward``'s memory."""
        _, _, mean, variance, count = memory
        unbiased = variance * (count / (count - 1))
        trained_mean, trained_variance = self._TrainedMean, self._TrainedVariance
        mean = mean.reshape(trained_mean.shape).astype(trained_mean.dtype)
        unbiased = unbiased.reshape(trained_variance.shape).astype(
            trained_variance.dtype
        )
        self._TrainedMean = trained_mean + self._mean_decay * (mean - trained_mean)
        self._TrainedVariance = trained_variance + self._variance_decay * (
            unbiased - trained_variance
        )


def batchNormalizationLayer(*args, **kwargs):
    """Create a :class:`BatchNormalizationLayer`, MATLAB style.

    Name-value options: ``'Epsilon'``, ``'MeanDecay'``, ``'VarianceDecay'``,
    ``'NumChannels'``, ``'Offset'``, ``'Scale'``, ``'TrainedMean'``,
    ``'TrainedVariance'``, ``'OffsetInitializer'``, ``'ScaleInitializer'``,
    ``'Name'``.
    """
    options = parse_arguments(
        "batchNormalizationLayer",
        args,
        kwargs,
        (),
        (
            "Epsilon",
            "MeanDecay",
            "VarianceDecay",
            "NumChannels",
            "Offset",
            "Scale",
            "TrainedMean",
            "TrainedVariance",
            "OffsetInitializer",
            "ScaleInitializer",
            "Name",
        ),
    )
    return BatchNormalizationLayer(**options)

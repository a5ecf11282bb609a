"""Image input: takes images into a network and normalizes them."""

import numpy

from .. import backend
from ._base import (
    InputSizeError,
    Layer,
    check_choice,
    check_integer_vector,
    parse_arguments,
)
from ._format import format_size

NORMALIZATIONS = ("zerocenter", "zscore", "rescale-zero-one", "none")
NORMALIZATION_DIMENSIONS = ("auto", "channel", "element", "all")

# The statistics each normalization reads, in the order the formula uses them.
STATISTICS = {
    "zerocenter": ("Mean",),
    "zscore": ("Mean", "StandardDeviation"),
    "rescale-zero-one": ("Min", "Max"),
    "none": (),
}


class ImageInputLayer(Layer):
    r"""Image input: checks the image size and normalizes the pixels.

    .. math::

        \text{zerocenter: } z = x - \mu \qquad
        \text{zscore: } z = \frac{x - \mu}{\sigma} \qquad
        \text{rescale-zero-one: } z = \frac{x - \min}{\max - \min}

    The statistics are per channel (``NormalizationDimension`` ``'auto'`` or
    ``'channel'``, arrays of size 1x1xC), per element (``'element'``, HxWxC)
    or one number for everything (``'all'``). They are set by name or computed
    from training data by :meth:`compute_statistics`, which ``trainNetwork``
    calls, as MATLAB does.

    The layer accepts a batch ``(N, H, W, C)``, one image ``(H, W, C)`` or
    ``(H, W)``, or a batch of one-channel images ``(N, H, W)``. Integer images
    become float32; float images keep their dtype.

    Parameters
    ----------
    InputSize : sequence of int
        ``[H W]`` or ``[H W C]``.
    Normalization : str, default 'zerocenter'
        One of ``'zerocenter'``, ``'zscore'``, ``'rescale-zero-one'``, ``'none'``.
    NormalizationDimension : str, default 'auto'
        ``'auto'`` (per channel), ``'channel'``, ``'element'`` or ``'all'``.
    Mean, StandardDeviation, Min, Max : array, optional
        Normalization statistics.
    Name : str, default ''
        The layer's name.

    See Also
    --------
    imageInputLayer : MATLAB-style constructor (MATLAB's ``imageInputLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> layer = nnplay.imageInputLayer([2, 2], 'Mean', 1.0)
    >>> layer.predict(np.ones((2, 2), dtype=np.uint8)).shape
    (1, 2, 2, 1)
    """

    CLASS_NAME = "ImageInputLayer"
    TYPE = "Image Input"
    DEFAULT_NAME = "imageinput"
    DISPLAY_GROUPS = (
        (None, ("Name", "InputSize")),
        (
            "Hyperparameters",
            (
                "DataAugmentation",
                "Normalization",
                "NormalizationDimension",
                "Mean",
                "StandardDeviation",
                "Min",
                "Max",
            ),
        ),
    )
    STATE = ("Mean", "StandardDeviation", "Min", "Max")

    def __init__(
        self,
        InputSize,
        Normalization="zerocenter",
        NormalizationDimension="auto",
        Mean=None,
        StandardDeviation=None,
        Min=None,
        Max=None,
        Name="",
    ):
        super().__init__(Name)
        if not hasattr(InputSize, "__len__") or len(InputSize) not in (2, 3):
            raise ValueError(
                f"InputSize must be [height width] or [height width channels]; "
                f"got {InputSize!r}."
            )
        if len(InputSize) == 2:
            InputSize = (*InputSize, 1)
        self._input_size = check_integer_vector("InputSize", InputSize, 3)
        self._normalization = check_choice(
            "Normalization", Normalization, NORMALIZATIONS
        )
        self._dimension = check_choice(
            "NormalizationDimension", NormalizationDimension, NORMALIZATION_DIMENSIONS
        )
        self.Mean = Mean
        self.StandardDeviation = StandardDeviation
        self.Min = Min
        self.Max = Max

    # -- properties -------------------------------------------------------------

    @property
    def InputSize(self):
        """Image size ``(H, W, C)``; read-only."""
        return self._input_size

    @property
    def Normalization(self):
        """How pixels are normalized; read-only."""
        return self._normalization

    @property
    def NormalizationDimension(self):
        """Over what the statistics are taken; read-only."""
        return self._dimension

    @property
    def DataAugmentation(self):
        """Always ``'none'``: nnplay does no augmentation in the input layer."""
        return "none"

    def _statistic_shape(self):
        height, width, channels = self._input_size
        return {
            "auto": (1, 1, channels),
            "channel": (1, 1, channels),
            "element": (height, width, channels),
            "all": (1, 1, 1),
        }[self._dimension]

    def _check_statistic(self, name, value):
        """Return a statistic as an array of the statistic shape; scalars broadcast."""
        if value is None:
            return None
        array = backend.to_backend(value)
        if array.dtype.kind != "f":
            array = array.astype(backend.DEFAULT_DTYPE)
        shape = self._statistic_shape()
        if array.ndim == 0 or array.size == 1:
            array = array.reshape(1, 1, 1) * backend.xp().ones(shape, array.dtype)
        if array.shape != shape:
            raise ValueError(
                f"{name} must have size {format_size(shape)} for "
                f"NormalizationDimension '{self._dimension}'; got "
                f"{format_size(array.shape)}."
            )
        values = backend.to_numpy(array)
        if not numpy.all(numpy.isfinite(values)):
            raise ValueError(
                f"{name} must hold finite values; got {values.ravel()[:4]}."
            )
        if name == "StandardDeviation" and not numpy.all(values > 0):
            raise ValueError(
                f"StandardDeviation must be positive; got {values.ravel()[:4]}."
            )
        return array

    Mean = property(
        lambda self: self._Mean,
        lambda self, value: setattr(
            self, "_Mean", self._check_statistic("Mean", value)
        ),
        doc="Mean for 'zerocenter' and 'zscore' normalization.",
    )
    StandardDeviation = property(
        lambda self: self._StandardDeviation,
        lambda self, value: setattr(
            self,
            "_StandardDeviation",
            self._check_statistic("StandardDeviation", value),
        ),
        doc="Standard deviation for 'zscore' normalization.",
    )
    Min = property(
        lambda self: self._Min,
        lambda self, value: setattr(self, "_Min", self._check_statistic("Min", value)),
        doc="Minimum for 'rescale-zero-one' normalization.",
    )
    Max = property(
        lambda self: self._Max,
        lambda self, value: setattr(self, "_Max", self._check_statistic("Max", value)),
        doc="Maximum for 'rescale-zero-one' normalization.",
    )

    def _check_range(self):
        """Refuse a 'rescale-zero-one' range whose maximum is not above its minimum."""
        if self._Min is None or self._Max is None:
            return
        low, high = backend.to_numpy(self._Min), backend.to_numpy(self._Max)
        if not numpy.all(high > low):
            raise ValueError(
                f"Max must be greater than Min for 'rescale-zero-one' normalization; "
                f"got Min {low.ravel()[:4]} and Max {high.ravel()[:4]}."
            )

    def description(self):
        text = f"{format_size(self._input_size)} images"
        if self._normalization != "none":
            text += f" with '{self._normalization}' normalization"
        return text

    # -- statistics ---------------------------------------------------------------

    def compute_statistics(self, images):
        """Set the statistics this layer's normalization needs from ``images``.

        ``images`` is a batch ``(N, H, W, C)`` (or any shape :meth:`predict`
        accepts). The computation runs in float64 and in chunks, so a large
        uint8 data set needs little memory.
        """
        xp = backend.xp()
        needed = STATISTICS[self._normalization]
        if not needed:
            return
        axes = {
            "auto": (0, 1, 2),
            "channel": (0, 1, 2),
            "element": (0,),
            "all": (0, 1, 2, 3),
        }
        axes = axes[self._dimension]
        batch = self._as_batch(images)
        count = 0
        total = total_squares = minimum = maximum = None
        for start in range(0, batch.shape[0], 4096):
            chunk = backend.to_backend(batch[start : start + 4096]).astype(xp.float64)
            chunk_sum = chunk.sum(axis=axes, keepdims=True)[0]
            chunk_squares = (chunk * chunk).sum(axis=axes, keepdims=True)[0]
            chunk_min = chunk.min(axis=axes, keepdims=True)[0]
            chunk_max = chunk.max(axis=axes, keepdims=True)[0]
            count += chunk.size // chunk_sum.size
            if total is None:
                total, total_squares = chunk_sum, chunk_squares
                minimum, maximum = chunk_min, chunk_max
            else:
                total = total + chunk_sum
                total_squares = total_squares + chunk_squares
                minimum = xp.minimum(minimum, chunk_min)
                maximum = xp.maximum(maximum, chunk_max)
        mean = total / count
        variance = xp.maximum(total_squares / count - mean * mean, 0)
        values = {
            "Mean": mean,
            "StandardDeviation": xp.sqrt(variance),
            "Min": minimum,
            "Max": maximum,
        }
        for name in needed:
            setattr(self, name, values[name].astype(backend.DEFAULT_DTYPE))

    def initialize(self, input_size, rng):
        """Give missing statistics neutral values: mean 0, deviation 1, range 0..1."""
        xp = backend.xp()
        shape = self._statistic_shape()
        neutral = {"Mean": 0.0, "StandardDeviation": 1.0, "Min": 0.0, "Max": 1.0}
        for name in STATISTICS[self._normalization]:
            if getattr(self, name) is None:
                setattr(
                    self, name, xp.full(shape, neutral[name], backend.DEFAULT_DTYPE)
                )

    # -- math -----------------------------------------------------------------------

    def _as_batch(self, X):
        """Return ``X`` as an ``(N, H, W, C)`` array, or raise InputSizeError."""
        height, width, channels = self._input_size
        shape = tuple(getattr(X, "shape", ()))
        if not hasattr(X, "shape"):
            X = backend.to_backend(X)
            shape = X.shape
        if X.dtype.kind not in "biuf":
            raise TypeError(
                f"images must be a real numeric array; got {type(X).__name__} "
                f"of dtype {X.dtype}."
            )
        if X.size == 0:
            raise ValueError(f"images must hold at least one image; got size {shape}.")
        if len(shape) == 2:
            X = X.reshape(1, *shape, 1)
        elif len(shape) == 3:
            if shape == (height, width, channels):
                X = X.reshape(1, *shape)
            elif channels == 1:
                X = X.reshape(*shape, 1)
        shape = tuple(X.shape)
        if len(shape) != 4 or shape[1:] != self._input_size:
            received = format_size(shape[1:] if len(shape) == 4 else shape)
            raise InputSizeError(
                self, f"size {format_size(self._input_size)}", f"size {received}"
            )
        return X

    def output_size(self, input_size):
        return self._input_size

    def prepare(self, X):
        """Return ``X`` as a floating ``(N, H, W, C)`` batch on the active backend."""
        X = self._as_batch(X)
        if backend.array_module(X) is not backend.xp():
            X = backend.to_backend(X)
        if X.dtype.kind != "f":
            X = X.astype(backend.DEFAULT_DTYPE)
        return X

    def predict(self, X):
        X = self.prepare(X)
        needed = STATISTICS[self._normalization]
        for name in needed:
            if getattr(self, name) is None:
                raise ValueError(
                    f"{self.CLASS_NAME} '{self.Name}' has no {name}: set it, or "
                    f"compute it with compute_statistics(images)."
                )
        if self._normalization == "zerocenter":
            return X - self._parameters(X, "Mean")
        if self._normalization == "zscore":
            mean, deviation = self._parameters(X, "Mean", "StandardDeviation")
            return (X - mean) / deviation
        if self._normalization == "rescale-zero-one":
            self._check_range()
            low, high = self._parameters(X, "Min", "Max")
            return (X - low) / (high - low)
        # 'none' hands the caller's array on; layers never modify their input.
        return X

    def backward(self, X, Z, dZ, memory):
        if self._normalization == "zscore":
            return dZ / self._parameters(dZ, "StandardDeviation"), {}
        if self._normalization == "rescale-zero-one":
            low, high = self._parameters(dZ, "Min", "Max")
            return dZ / (high - low), {}
        return dZ, {}


def imageInputLayer(*args, **kwargs):
    """Create an :class:`ImageInputLayer`: ``imageInputLayer([28 28 1], ...)``.

    Name-value options: ``'Normalization'``, ``'NormalizationDimension'``,
    ``'Mean'``, ``'StandardDeviation'``, ``'Min'``, ``'Max'``, ``'Name'``.
    """
    options = parse_arguments(
        "imageInputLayer",
        args,
        kwargs,
        ("InputSize",),
        (
            "Normalization",
            "NormalizationDimension",
            "Mean",
            "StandardDeviation",
            "Min",
            "Max",
            "Name",
        ),
    )
    if "InputSize" not in options:
        raise TypeError(
            "imageInputLayer needs an InputSize, e.g. imageInputLayer([28 28 1])."
        )
    return ImageInputLayer(**options)

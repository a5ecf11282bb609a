"""2-D convolution, computed as one matrix product over unrolled patches."""

from .. import backend
from ._base import (
    InputSizeError,
    Layer,
    SlidingWindow,
    array_property,
    as_parameter,
    check_integer_vector,
    check_positive_integer,
    check_real_scalar,
    parse_arguments,
    resolve_padding,
    sliding_output_size,
)
from ._format import format_size, format_vector
from ._init import (
    WeightsAndBiasInitializers,
    initial_values,
)


def window_slices(offset, dilation, stride, count):
    """The slice picking, for each output position, the input at one filter offset."""
    start = offset * dilation
    return slice(start, start + stride * (count - 1) + 1, stride)


def unroll_patches(Xp, filter_size, stride, dilation, output_size, out=None):
    """Return the patches of padded ``Xp`` as an ``(M, K + 1)`` matrix, and its buffer.

    Row ``m = (n, i, j)`` holds the receptive field of output pixel ``(i, j)``
    of image ``n``, flattened in ``(u, v, c)`` order (``K = kh * kw * C``
    values), followed by a 1 that multiplies the bias. A convolution is then
    one matrix product with the ``(K + 1, F)`` weights-and-bias matrix, and
    the same product, transposed, gives the gradients of both.

    The receptive fields are a strided view of ``Xp`` (no copy), and one copy
    lays them out. numpy merges neighbouring axes that are contiguous in both
    arrays, so with unit stride and dilation along the width each filter row's
    ``kw * C`` values move as one run. With one input channel the buffer is
    laid out ``(K + 1, M)`` and the matrix returned is its transpose (BLAS
    takes it as it is), so that the runs are rows of the image instead.
    ``out`` is a buffer from an earlier call, reused when it fits.
    """
    xp = backend.array_module(Xp)
    batch, channels = Xp.shape[0], Xp.shape[3]
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = filter_size, stride, dilation, output_size
    count = kh * kw * channels
    rows = batch * ho * wo
    one_channel = channels == 1
    shape = (count + 1, batch, ho, wo) if one_channel else (batch, ho, wo, count + 1)
    if out is None or out.shape != shape or out.dtype != Xp.dtype:
        out = xp.empty(shape, dtype=Xp.dtype)

    image, row, column, channel = Xp.strides
    as_strided = xp.lib.stride_tricks.as_strided
    if one_channel:
        fields = as_strided(
            Xp,
            shape=(kh, kw, batch, ho, wo),
            strides=(row * dh, column * dw, image, row * sh, column * sw),
        )
        out[:count].reshape(kh, kw, batch, ho, wo)[...] = fields
        out[count] = 1
        return out.reshape(count + 1, rows).T, out

    fields = as_strided(
        Xp,
        shape=(batch, ho, wo, kh, kw, channels),
        strides=(image, row * sh, column * sw, row * dh, column * dw, channel),
    )
    out[..., :count].reshape(batch, ho, wo, kh, kw, channels)[...] = fields
    out[..., count] = 1
    return out.reshape(rows, count + 1), out


class Convolution2DLayer(SlidingWindow, WeightsAndBiasInitializers, Layer):
    r"""2-D convolution: sliding filters over an image, plus a bias per filter.

    .. math::

        Z_{n,i,j,f} = b_f + \sum_{u,v,c} W_{u,v,c,f}\,
        X_{n,\, s_h i + d_h u - p_t,\; s_w j + d_w v - p_l,\; c}

    with stride ``s``, dilation ``d`` and top/left padding ``p``. Weights are
    ``FilterSize(1) x FilterSize(2) x NumChannels x NumFilters`` and Bias is
    ``1 x 1 x NumFilters``, as in MATLAB. Missing weights are drawn with the
    Glorot initializer and missing biases are zero when a network is
    assembled.

    Parameters
    ----------
    FilterSize : int or [int, int]
        Height and width of the filters.
    NumFilters : int
        Number of filters, the channels of the output.
    Stride : int or [int, int], default 1
    DilationFactor : int or [int, int], default 1
    Padding : int, [v h], [t b l r] or 'same', default 0
        ``'same'`` keeps ``ceil(input / stride)`` rows and columns.
    PaddingValue : float, default 0
    NumChannels : int or 'auto', default 'auto'
    Weights, Bias : array, optional
    WeightsInitializer : str, default 'glorot'
        ``'glorot'``, ``'he'``, ``'narrow-normal'``, ``'zeros'`` or ``'ones'``.
    BiasInitializer : str, default 'zeros'
    Name : str, default ''

    See Also
    --------
    convolution2dLayer : MATLAB-style constructor (MATLAB's ``convolution2dLayer``).

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> weights = np.ones((2, 2, 1, 1))
    >>> conv = nnplay.convolution2dLayer(2, 1, 'Weights', weights, 'Bias', 0)
    >>> conv.predict(np.arange(9.0).reshape(1, 3, 3, 1))[0, :, :, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """

    CLASS_NAME = "Convolution2DLayer"
    TYPE = "Convolution"
    DEFAULT_NAME = "conv"
    DISPLAY_GROUPS = (
        (None, ("Name",)),
        (
            "Hyperparameters",
            (
                "FilterSize",
                "NumChannels",
                "NumFilters",
                "Stride",
                "DilationFactor",
                "PaddingMode",
                "PaddingSize",
                "PaddingValue",
            ),
        ),
        ("Learnable Parameters", ("Weights", "Bias")),
    )
    LEARNABLES = ("Weights", "Bias")
    L2_FACTORS = {"Weights": 1.0, "Bias": 0.0}

    def __init__(
        self,
        FilterSize,
        NumFilters,
        Stride=1,
        DilationFactor=1,
        Padding=0,
        PaddingValue=0,
        NumChannels="auto",
        Weights=None,
        Bias=None,
        WeightsInitializer="glorot",
        BiasInitializer="zeros",
        Name="",
    ):
        super().__init__(Name)
        self._filter_size = check_integer_vector("FilterSize", FilterSize, 2)
        self._num_filters = check_positive_integer("NumFilters", NumFilters)
        self.Stride = Stride
        self.DilationFactor = DilationFactor
        self.Padding = Padding
        self.PaddingValue = PaddingValue
        self._num_channels = (
            "auto"
            if isinstance(NumChannels, str) and NumChannels.lower() == "auto"
            else check_positive_integer("NumChannels", NumChannels)
        )
        self.WeightsInitializer = WeightsInitializer
        self.BiasInitializer = BiasInitializer
        self._Weights = self._Bias = None
        self.Weights = Weights
        self.Bias = Bias
        self._buffer = None
        self._combined = None
        self._last_geometry = None

    # -- properties ------------------------------------------------------------

    @property
    def FilterSize(self):
        """Filter height and width; read-only."""
        return self._filter_size

    @property
    def NumFilters(self):
        """Number of filters; read-only."""
        return self._num_filters

    @property
    def NumChannels(self):
        """Input channels, or ``'auto'`` until known; read-only."""
        return self._num_channels

    @property
    def DilationFactor(self):
        """Vertical and horizontal spacing of the filter taps."""
        return self._dilation

    @DilationFactor.setter
    def DilationFactor(self, value):
        self._dilation = check_integer_vector("DilationFactor", value, 2)

    @property
    def PaddingValue(self):
        """The value padded pixels take."""
        return self._padding_value

    @PaddingValue.setter
    def PaddingValue(self, value):
        self._padding_value = check_real_scalar("PaddingValue", value)

    def _weights_shape(self):
        if self._num_channels == "auto":
            return None
        return (*self._filter_size, self._num_channels, self._num_filters)

    @property
    def Weights(self):
        """Filters, FilterSize(1) x FilterSize(2) x NumChannels x NumFilters."""
        return self._Weights

    @Weights.setter
    def Weights(self, value):
        if value is None:
            self._Weights = None
            return
        array = as_parameter("Weights", value)
        # MATLAB drops trailing singleton dimensions: 3x3 means 3x3x1x1.
        array = array.reshape(array.shape + (1,) * (4 - array.ndim))
        channels = (
            array.shape[2] if self._num_channels == "auto" else self._num_channels
        )
        expected = (*self._filter_size, channels, self._num_filters)
        if array.shape != expected:
            raise ValueError(
                f"Weights must have size {format_size(expected)}; "
                f"got {format_size(array.shape)}."
            )
        self._num_channels = channels
        self._Weights = array

    Bias = array_property(
        "Bias", "Bias, 1 x 1 x NumFilters.", lambda self: (1, 1, self._num_filters)
    )

    def description(self):
        height, width = self._filter_size
        channels = "" if self._num_channels == "auto" else f"x{self._num_channels}"
        padding = "'same'" if self._padding == "same" else format_vector(self._padding)
        return (
            f"{self._num_filters} {height}x{width}{channels} convolutions with stride "
            f"{format_vector(self._stride)} and padding {padding}"
        )

    # -- assembly --------------------------------------------------------------

    def _effective_filter(self):
        return tuple((k - 1) * d + 1 for k, d in zip(self._filter_size, self._dilation))

    def output_size(self, input_size):
        height, width, channels = input_size
        if self._num_channels != "auto" and channels != self._num_channels:
            raise InputSizeError(
                self, f"{self._num_channels} channel(s)", f"{channels} channel(s)"
            )
        filt = self._effective_filter()
        padding = resolve_padding(self._padding, (height, width), filt, self._stride)
        out_h, out_w = sliding_output_size((height, width), filt, self._stride, padding)
        if out_h < 1 or out_w < 1:
            raise InputSizeError(
                self,
                f"at least the padded size of one {format_size(filt)} filter",
                f"size {format_size(input_size)} with padding {format_vector(padding)}",
            )
        return out_h, out_w, self._num_filters

    def initialize(self, input_size, rng):
        height, width, channels = input_size
        if self._num_channels == "auto":
            self._num_channels = channels
        self._resolved_padding = resolve_padding(
            self._padding, (height, width), self._effective_filter(), self._stride
        )
        kh, kw = self._filter_size
        if self._Weights is None:
            self.Weights = initial_values(
                self._weights_initializer,
                self._weights_shape(),
                kh * kw * channels,
                kh * kw * self._num_filters,
                rng,
            )
        if self._Bias is None:
            self.Bias = initial_values(
                self._bias_initializer, (1, 1, self._num_filters), 1, 1, rng
            )

    # -- math ------------------------------------------------------------------

    def _geometry(self, X):
        """Return the padding and output size for input ``X``, checking channels.

        The result is kept for the next call with the same input size and
        hyperparameters: the slider calls this layer dozens of times a second.
        """
        key = (X.shape[1:], self._stride, self._dilation, self._padding)
        if self._last_geometry is not None and self._last_geometry[0] == key:
            return self._last_geometry[1]
        result = self._compute_geometry(X)
        self._last_geometry = (key, result)
        return result

    def _compute_geometry(self, X):
        batch, height, width, channels = X.shape
        if self._num_channels != "auto" and channels != self._num_channels:
            raise InputSizeError(
                self, f"{self._num_channels} channel(s)", f"{channels} channel(s)"
            )
        padding = self._resolved_padding
        if padding is None or self._padding == "same":
            padding = resolve_padding(
                self._padding, (height, width), self._effective_filter(), self._stride
            )
        out_h, out_w = sliding_output_size(
            (height, width), self._effective_filter(), self._stride, padding
        )
        if out_h < 1 or out_w < 1:
            self.output_size((height, width, channels))
        return padding, (out_h, out_w)

    def _pad(self, X, padding):
        top, bottom, left, right = padding
        if not any(padding):
            return X
        xp = backend.array_module(X)
        return xp.pad(
            X,
            ((0, 0), (top, bottom), (left, right), (0, 0)),
            constant_values=self._padding_value,
        )

    def _convolve(self, X, reuse):
        padding, output_size = self._geometry(X)
        if self._Weights is None or self._Bias is None:
            raise ValueError(
                f"Layer '{self.Name}' has no Weights or Bias yet: assemble it into "
                f"a network, or set them."
            )
        Xp = self._pad(X, padding)
        patches, buffer = unroll_patches(
            Xp,
            self._filter_size,
            self._stride,
            self._dilation,
            output_size,
            out=self._buffer if reuse else None,
        )
        if reuse:
            self._buffer = buffer

        Z = patches @ self._weights_and_bias(X)
        Z = Z.reshape(X.shape[0], *output_size, self._num_filters)
        return Z, (patches, Xp.shape, padding)

    def _weights_and_bias(self, X):
        """Return the ``(K + 1, F)`` matrix of the weights, the bias as its last row.

        The matrix is built once; from then on ``Weights`` and ``Bias`` are
        views of it, so in-place updates of either (as training makes) show
        in it. Assigning new arrays rebuilds it at the next call.
        """
        combined = self._combined
        if (
            combined is None
            or type(combined) is not type(X)
            or self._Weights.base is not combined
            or self._Bias.base is not combined
        ):
            xp = backend.array_module(X)
            self._move_to(xp)
            weights, bias = self._Weights, self._Bias
            dtype = xp.result_type(weights.dtype, bias.dtype)
            combined = xp.concatenate(
                [
                    weights.reshape(-1, self._num_filters).astype(dtype),
                    bias.reshape(1, -1).astype(dtype),
                ]
            )
            self._Weights = combined[:-1].reshape(weights.shape)
            self._Bias = combined[-1].reshape(bias.shape)
            self._combined = combined
        return combined if combined.dtype == X.dtype else combined.astype(X.dtype)

    def predict(self, X):
        return self._convolve(X, reuse=False)[0]

    def forward(self, X):
        # The patch buffer is reused from one training step to the next.
        return self._convolve(X, reuse=True)

    def backward(self, X, Z, dZ, memory, input_gradient=True):
        """Return ``(dX, {'Weights': dW, 'Bias': dB})``.

        With ``input_gradient=False`` (for a first layer, whose input needs no
        gradient) ``dX`` is ``None`` and its cost is saved.
        """
        if memory is None:
            memory = self._convolve(X, reuse=False)[1]
        patches, padded_shape, (top, _, left, _) = memory
        xp = backend.array_module(dZ)
        weights = self._parameters(X, "Weights")
        dZ2 = dZ.reshape(-1, self._num_filters)

        # The last row of the product is the bias gradient: the patches end
        # in a column of ones.
        d_weights_and_bias = patches.T @ dZ2
        grads = {
            "Weights": d_weights_and_bias[:-1].reshape(weights.shape),
            "Bias": d_weights_and_bias[-1].reshape(1, 1, -1),
        }
        if not input_gradient:
            return None, grads

        # Each filter offset sends dZ back through its C x F slice of the
        # weights, onto the input pixels that offset saw.
        (kh, kw), (sh, sw), (dh, dw) = self._filter_size, self._stride, self._dilation
        batch, out_h, out_w, _ = dZ.shape
        channels = weights.shape[2]
        dXp = xp.zeros(padded_shape, dtype=dZ.dtype)
        for i in range(kh):
            rows = window_slices(i, dh, sh, out_h)
            for j in range(kw):
                contribution = dZ2 @ weights[i, j].T
                dXp[:, rows, window_slices(j, dw, sw, out_w), :] += (
                    contribution.reshape(batch, out_h, out_w, channels)
                )
        dX = dXp[:, top : top + X.shape[1], left : left + X.shape[2], :]
        return dX, grads


def convolution2dLayer(*args, **kwargs):
    """Create a :class:`Convolution2DLayer`, MATLAB style.

    ``convolution2dLayer(filterSize, numFilters, ...)``.

    Name-value options: ``'Stride'``, ``'DilationFactor'``, ``'Padding'``,
    ``'PaddingValue'``, ``'NumChannels'``, ``'Weights'``, ``'Bias'``,
    ``'WeightsInitializer'``, ``'BiasInitializer'``, ``'Name'``.
    """
    options = parse_arguments(
        "convolution2dLayer",
        args,
        kwargs,
        ("FilterSize", "NumFilters"),
        (
            "Stride",
            "DilationFactor",
            "Padding",
            "PaddingValue",
            "NumChannels",
            "Weights",
            "Bias",
            "WeightsInitializer",
            "BiasInitializer",
            "Name",
        ),
    )
    if "FilterSize" not in options or "NumFilters" not in options:
        raise TypeError(
            "convolution2dLayer needs a FilterSize and NumFilters, e.g. "
            "convolution2dLayer(3, 16)."
        )
    return Convolution2DLayer(**options)

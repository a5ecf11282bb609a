"""What every layer shares: MATLAB-style arguments, properties and display.

A layer keeps its hyperparameters and learnables as MATLAB-named properties
(``Name``, ``Scale``, ``Weights``, ...). Its math follows MATLAB's custom-layer
shape, written once against the array module of the input:

* ``Z = layer.predict(X)``: inference;
* ``Z, memory = layer.forward(X)``: training forward, keeping what backward
  needs;
* ``dX, grads = layer.backward(X, Z, dZ, memory)``: the gradient reaching the
  input, and a dict of the gradients of the learnables by name.

Activations are ``(N, H, W, C)`` arrays, or ``(N, features)`` after a fully
connected layer. Sizes given to and returned by ``output_size`` are MATLAB's
``(H, W, C)`` tuples without the batch.
"""

import difflib
import html
import math
import numbers

import numpy

from .. import backend
from ._format import format_value


class InputSizeError(ValueError):
    """An input whose size a layer cannot take.

    The message names the layer (its Name, and its index once it sits in a
    network), the size it expects and the size it received.
    """

    def __init__(self, layer, expected, received, index=None):
        self.layer = layer
        self.expected = expected
        self.received = received
        self.index = index
        super().__init__(
            f"{describe_layer(layer, index)} expects input of {expected}; "
            f"got {received}."
        )


def describe_layer(layer, index=None):
    """Name a layer in an error message: ``Layer 'conv_1' (layer 2)``.

    ``index`` is the 1-based position MATLAB's display shows.
    """
    text = f"Layer '{layer.Name}'" if layer.Name else f"{layer.TYPE} layer"
    if index is not None:
        text += f" (layer {index})"
    return text


def _normalized(name):
    return name.replace("_", "").lower()


def parse_arguments(function, args, kwargs, positional=(), options=()):
    """Resolve MATLAB-style constructor arguments into canonical property names.

    Positional values come first, then name-value pairs such as
    ``'Name', 'leaky1'``; Python keywords work as well (``Name='leaky1'``,
    ``name='leaky1'``). Names are matched without regard to case or
    underscores, so ``'padding'``, ``Padding`` and ``padding_size`` style
    spellings of an option all resolve when they match its MATLAB name.

    Parameters
    ----------
    function : str
        The constructor's name, used in error messages.
    args, kwargs : tuple, dict
        What the constructor received.
    positional : sequence of str
        Canonical names of the positional arguments, in order.
    options : sequence of str
        Canonical names of the name-value options.

    Returns
    -------
    dict
        Canonical name to value, holding only what was given.
    """
    known = {_normalized(name): name for name in (*positional, *options)}
    resolved = {}

    def store(raw_name, value):
        if not isinstance(raw_name, str) or _normalized(raw_name) not in known:
            valid = ", ".join(f"'{name}'" for name in (*positional, *options))
            raise TypeError(
                f"{function}: unknown option {raw_name!r}; valid options are {valid}."
            )
        name = known[_normalized(raw_name)]
        if name in resolved:
            raise TypeError(f"{function}: option '{name}' was given twice.")
        resolved[name] = value

    args = list(args)
    index = 0
    while index < len(args) and not (
        isinstance(args[index], str) and _normalized(args[index]) in known
    ):
        if index >= len(positional):
            if isinstance(args[index], str):
                break  # an option name, misspelled: store() says which
            raise TypeError(
                f"{function} takes at most {len(positional)} positional "
                f"argument(s) before its name-value pairs; got {args[index]!r} "
                f"where an option name was expected."
            )
        resolved[positional[index]] = args[index]
        index += 1

    pairs = args[index:]
    if len(pairs) % 2:
        raise TypeError(
            f"{function}: name-value arguments come in pairs; "
            f"{pairs[-1]!r} has no value."
        )
    for name, value in zip(pairs[::2], pairs[1::2]):
        store(name, value)
    for name, value in kwargs.items():
        store(name, value)

    return resolved


# Validation of property values. Each returns the value in canonical form or
# raises a ValueError that names the property and shows what it received.


def _is_real_scalar(value):
    if isinstance(value, (bool, numpy.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    return shape == () and dtype is not None and numpy.dtype(dtype).kind in "iuf"


def check_real_scalar(name, value, *, minimum=None, strict=False):
    """Return ``value`` as a finite Python float, or raise naming ``name``.

    0-d numpy and CuPy arrays are accepted. ``minimum`` with ``strict`` asks
    for a value above it, without ``strict`` for one at least it.
    """
    if not _is_real_scalar(value):
        raise ValueError(f"{name} must be a finite real scalar; got {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite real scalar; got {number!r}.")
    if minimum is not None:
        if strict and not number > minimum:
            raise ValueError(f"{name} must be greater than {minimum}; got {number!r}.")
        if not strict and not number >= minimum:
            raise ValueError(f"{name} must be at least {minimum}; got {number!r}.")
    return number


def check_positive_integer(name, value):
    """Return ``value`` as a positive Python int, or raise naming ``name``."""
    if (
        isinstance(value, (bool, numpy.bool_))
        or not _is_real_scalar(value)
        or not math.isfinite(float(value))
        or float(value) != int(value)
        or int(value) < 1
    ):
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def check_integer_vector(name, value, length, *, minimum=1, scalar="positive"):
    """Return ``value`` as a tuple of ``length`` ints of at least ``minimum``.

    A scalar is repeated, as MATLAB does for ``3`` meaning ``[3 3]``.
    """
    received = value
    if _is_real_scalar(value):
        value = [value] * length
    try:
        items = list(value)
    except TypeError:
        items = None
    message = (
        f"{name} must be a {scalar} integer or a vector of {length} integers "
        f"of at least {minimum}; got {received!r}."
    )
    if items is None or len(items) != length:
        raise ValueError(message)
    result = []
    for item in items:
        if (
            not _is_real_scalar(item)
            or not math.isfinite(float(item))
            or float(item) != int(item)
            or int(item) < minimum
        ):
            raise ValueError(message)
        result.append(int(item))
    return tuple(result)


def check_padding(name, value):
    """Return padding as ``'same'`` or a ``(top, bottom, left, right)`` tuple.

    Accepts a scalar (all four sides), ``[vertical horizontal]`` or
    ``[top bottom left right]``, as MATLAB does.
    """
    if isinstance(value, str):
        if value.lower() != "same":
            raise ValueError(
                f"{name} must be 'same', a non-negative integer, or a vector of "
                f"2 or 4 of them; got {value!r}."
            )
        return "same"
    if _is_real_scalar(value):
        return check_integer_vector(name, value, 4, minimum=0, scalar="non-negative")
    try:
        items = list(value)
    except TypeError:
        items = []
    if len(items) == 2:
        vertical, horizontal = check_integer_vector(
            name, items, 2, minimum=0, scalar="non-negative"
        )
        return (vertical, vertical, horizontal, horizontal)
    if len(items) == 4:
        return check_integer_vector(name, items, 4, minimum=0, scalar="non-negative")
    raise ValueError(
        f"{name} must be 'same', a non-negative integer, or a vector of 2 or 4 "
        f"of them; got {value!r}."
    )


def check_name(value):
    """Return a layer name as ``str``, or raise."""
    if not isinstance(value, str):
        raise ValueError(f"Name must be a character vector or string; got {value!r}.")
    return value


def check_choice(name, value, choices):
    """Return the member of ``choices`` that ``value`` names, ignoring case."""
    if isinstance(value, str):
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
    valid = ", ".join(f"'{choice}'" for choice in choices)
    raise ValueError(f"{name} must be one of {valid}; got {value!r}.")


def resolve_padding(padding, input_size, filter_size, stride):
    """Return ``(top, bottom, left, right)`` for an input of ``(H, W)``.

    ``'same'`` pads so that the output has ``ceil(input / stride)`` rows and
    columns, splitting odd totals with the extra row or column at the bottom
    or right, as MATLAB does. ``filter_size`` is the effective (dilated) size.
    """
    if padding != "same":
        return padding
    sides = []
    for size, filt, step in zip(input_size, filter_size, stride):
        total = max((math.ceil(size / step) - 1) * step + filt - size, 0)
        sides += [total // 2, total - total // 2]
    return tuple(sides)


def sliding_output_size(input_size, filter_size, stride, padding):
    """Return the ``(H, W)`` a sliding window produces, possibly non-positive."""
    top, bottom, left, right = padding
    height = (input_size[0] + top + bottom - filter_size[0]) // stride[0] + 1
    width = (input_size[1] + left + right - filter_size[1]) // stride[1] + 1
    return height, width


class Layer:
    """Base of every nnplay layer.

    Subclasses set the class attributes below and implement ``predict`` and,
    when they learn or have a gradient, ``forward`` and ``backward``.
    """

    #: MATLAB's class name, shown in the property block.
    CLASS_NAME = "Layer"
    #: The type column of a layer array's display.
    TYPE = "Layer"
    #: The stem of the default name given when a network is assembled.
    DEFAULT_NAME = "layer"
    #: Property blocks for display, as ``(heading, names)``; ``None`` is the top.
    DISPLAY_GROUPS = ((None, ("Name",)),)
    #: Names of the learnable parameters.
    LEARNABLES = ()
    #: Names of state that training updates and inference reads.
    STATE = ()
    #: Whether this layer computes a loss (an output layer).
    IS_OUTPUT = False

    def __init__(self, Name=""):
        self.Name = Name

    def __setattr__(self, name, value):
        # A misspelt property (layer.scale = 0.5) would otherwise be ignored.
        if not name.startswith("_") and not hasattr(type(self), name):
            known = sorted(
                attribute
                for attribute in dir(type(self))
                if attribute[0].isupper()
                and isinstance(getattr(type(self), attribute), property)
            )
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; its properties are {', '.join(known)}."
            )
            raise AttributeError(f"{self.CLASS_NAME} has no property '{name}'{hint}")
        super().__setattr__(name, value)

    # -- MATLAB's fixed properties -------------------------------------------

    @property
    def Name(self):
        """The layer's name; empty until a network assembles the layer."""
        return self._name

    @Name.setter
    def Name(self, value):
        self._name = check_name(value)

    @property
    def NumInputs(self):
        """Number of inputs: always 1."""
        return 1

    @property
    def InputNames(self):
        """Input names: always ``['in']``."""
        return ["in"]

    @property
    def NumOutputs(self):
        """Number of outputs: always 1."""
        return 1

    @property
    def OutputNames(self):
        """Output names: always ``['out']``."""
        return ["out"]

    # -- math -----------------------------------------------------------------

    def predict(self, X):
        """Return the layer's output for ``X`` in inference mode."""
        raise NotImplementedError(f"{self.CLASS_NAME}.predict")

    def forward(self, X):
        """Return ``(Z, memory)`` for ``X`` in training mode.

        Layers without training behaviour of their own compute as in
        inference and keep nothing.
        """
        return self.predict(X), None

    def backward(self, X, Z, dZ, memory):
        """Return ``(dX, grads)``: the input gradient and learnable gradients."""
        raise NotImplementedError(f"{self.CLASS_NAME}.backward")

    # -- assembly -------------------------------------------------------------

    def output_size(self, input_size):
        """Return the ``(H, W, C)`` output size for an input of ``input_size``.

        Raises :class:`InputSizeError` when the layer cannot take that input.
        The default keeps the size, as element-wise layers do.
        """
        return tuple(input_size)

    def initialize(self, input_size, rng):
        """Fill in sizes and any learnables left empty, for this input size."""

    def learnables(self):
        """Return ``{name: array}`` of the learnable parameters."""
        return {name: getattr(self, name) for name in self.LEARNABLES}

    def description(self):
        """The description column of a layer array's display."""
        return self.TYPE

    def _move_to(self, module):
        """Move learnables and state to the array module ``module`` in place."""
        for name in (*self.LEARNABLES, *self.STATE):
            value = getattr(self, "_" + name, None)
            if value is not None and backend.array_module(value) is not module:
                if module is numpy:
                    value = backend.to_numpy(value)
                else:
                    value = module.asarray(value)
                setattr(self, "_" + name, value)

    def _parameters(self, X, *names):
        """Return the named learnables or state as arrays beside ``X``.

        They move to ``X``'s array module the first time they meet it, and are
        cast to ``X``'s dtype when it differs (no copy when it does not).
        """
        values = []
        for name in names:
            value = getattr(self, "_" + name)
            if type(value) is not type(X):
                self._move_to(backend.array_module(X))
                value = getattr(self, "_" + name)
            if value.dtype != X.dtype:
                value = value.astype(X.dtype)
            values.append(value)
        return values if len(values) > 1 else values[0]

    # -- display --------------------------------------------------------------

    def _display_rows(self):
        rows = []
        for heading, names in self.DISPLAY_GROUPS:
            rows.append((heading, [(name, getattr(self, name)) for name in names]))
        return rows

    def __repr__(self):
        groups = self._display_rows()
        width = max(len(name) for _, rows in groups for name, _ in rows)
        lines = [f"  {self.CLASS_NAME} with properties:", ""]
        for heading, rows in groups:
            if heading is not None:
                lines.append(f"   {heading}")
            for name, value in rows:
                lines.append(f"    {name:>{width}}: {format_value(value)}")
            lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"

    def _repr_html_(self):
        parts = [
            "<table class='nnplay-layer'>",
            f"<caption style='text-align:left'><b>{self.CLASS_NAME}</b>"
            " with properties</caption>",
        ]
        for heading, rows in self._display_rows():
            if heading is not None:
                parts.append(
                    f"<tr><th colspan='2' style='text-align:left'>{heading}</th></tr>"
                )
            for name, value in rows:
                parts.append(
                    f"<tr><td style='text-align:right'>{name}</td>"
                    f"<td style='text-align:left'><code>"
                    f"{html.escape(format_value(value))}</code></td></tr>"
                )
        parts.append("</table>")
        return "".join(parts)

    # -- comparison -------------------------------------------------------------

    def _hyperparameters(self):
        """The values that, with the learnables, define the layer."""
        return {
            name: getattr(self, name)
            for _, names in self.DISPLAY_GROUPS
            for name in names
        }

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        mine, theirs = self._hyperparameters(), other._hyperparameters()
        if mine.keys() != theirs.keys():
            return False
        for name in mine:
            a, b = mine[name], theirs[name]
            if hasattr(a, "shape") or hasattr(b, "shape"):
                if a is None or b is None:
                    if a is not b:
                        return False
                elif not numpy.array_equal(backend.to_numpy(a), backend.to_numpy(b)):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None


def array_property(name, doc, expected_shape=None):
    """A property holding an array (a learnable or state) in ``_<name>``.

    Values are stored on the active backend; integer values become float32,
    floating values keep their dtype (float64 parameters make gradient checks
    exact). ``expected_shape(layer)`` returns the required shape, or ``None``
    while it is not yet known.
    """

    def getter(self):
        return getattr(self, "_" + name)

    def setter(self, value):
        if value is None:
            setattr(self, "_" + name, None)
            return
        array = as_parameter(name, value)
        expected = expected_shape(self) if expected_shape else None
        if expected is not None and array.size == math.prod(expected):
            # Any array of the right number of elements is reshaped, as a
            # MATLAB user passes a scalar or a vector for a 1x1xC property.
            array = array.reshape(expected)
        if expected is not None and tuple(array.shape) != tuple(expected):
            raise ValueError(
                f"{name} must have size {format_value_shape(expected)}; "
                f"got {format_value_shape(array.shape)}."
            )
        setattr(self, "_" + name, array)

    return property(getter, setter, doc=doc)


def as_parameter(name, value):
    """Return ``value`` as a floating array on the active backend.

    Integer values become float32; floating values keep their dtype, so that
    float64 parameters keep gradient checks exact.
    """
    array = backend.to_backend(value)
    if array.dtype.kind not in "f":
        if array.dtype.kind not in "iub":
            raise ValueError(
                f"{name} must be a real numeric array; got dtype {array.dtype}."
            )
        array = array.astype(backend.DEFAULT_DTYPE)
    return array


def format_value_shape(shape):
    """Format an array shape for a message: ``3x3x1x16``."""
    return "x".join(str(int(s)) for s in shape) if len(shape) else "scalar"


def as_float_array(X):
    """Return ``X`` as a floating array, leaving float arrays untouched.

    Lists and integer arrays become float32 (the default dtype) on the
    backend that already holds them, or the active one for lists.
    """
    if not hasattr(X, "dtype"):
        X = backend.to_backend(X)
    if X.dtype.kind == "f":
        return X
    if X.dtype.kind not in "biu":
        raise TypeError(f"X must be a real numeric array; got dtype {X.dtype}.")
    return X.astype(backend.DEFAULT_DTYPE)


class SlidingWindow:
    """Stride and padding, shared by the layers that slide a window over an image.

    Mixed into :class:`Layer` subclasses that keep ``_stride``, ``_padding``
    and ``_resolved_padding``.
    """

    @property
    def Stride(self):
        """Vertical and horizontal step of the window."""
        return self._stride

    @Stride.setter
    def Stride(self, value):
        self._stride = check_integer_vector("Stride", value, 2)

    @property
    def Padding(self):
        """``'same'`` or ``(top, bottom, left, right)``."""
        return self._padding

    @Padding.setter
    def Padding(self, value):
        self._padding = check_padding("Padding", value)
        self._resolved_padding = None if self._padding == "same" else self._padding

    @property
    def PaddingMode(self):
        """``'same'`` or ``'manual'``; read-only."""
        return "same" if self._padding == "same" else "manual"

    @property
    def PaddingSize(self):
        """Padding ``[t b l r]``; for 'same' known once the input size is."""
        return self._resolved_padding or (0, 0, 0, 0)

"""Training options, MATLAB style: ``trainingOptions('sgdm', 'MaxEpochs', 8)``.

:func:`trainingOptions` returns a :class:`TrainingOptionsSGDM` or a
:class:`TrainingOptionsADAM`: objects whose properties carry MATLAB's names and
defaults, validated when they are set (at construction or later, as in
``options.MaxEpochs = 4``).
"""

import html
import math
import numbers

import numpy

from ..layers._base import (
    check_choice,
    check_positive_integer,
    check_real_scalar,
    parse_arguments,
)
from ..layers._format import format_short, format_size, format_value

SOLVERS = ("sgdm", "adam")


# -- validators: each returns the value in canonical form or raises ValueError ---


def _positive_real(name, value):
    return check_real_scalar(name, value, minimum=0, strict=True)


def _non_negative_real(name, value):
    return check_real_scalar(name, value, minimum=0)


def _fraction(name, value, *, closed=True):
    number = check_real_scalar(name, value)
    inside = 0 <= number <= 1 if closed else 0 <= number < 1
    if not inside:
        bounds = "between 0 and 1" if closed else "at least 0 and less than 1"
        raise ValueError(f"{name} must be {bounds}; got {number!r}.")
    return number


def _open_fraction(name, value):
    return _fraction(name, value, closed=False)


def _logical(name, value):
    if isinstance(value, (bool, numpy.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{name} must be true or false (or 1 or 0); got {value!r}.")


def _seed(name, value):
    if value is None:
        return None
    if (
        isinstance(value, (bool, numpy.bool_))
        or not isinstance(value, (numbers.Integral, numpy.integer))
        or value < 0
    ):
        raise ValueError(
            f"{name} must be a non-negative integer or None; got {value!r}."
        )
    return int(value)


def _validation_data(name, value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 0:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(
            f"{name} must be a pair (images, labels), such as (XValidation, "
            f"YValidation); got {_describe(value)}."
        )
    images, labels = value
    if not hasattr(images, "shape"):
        images = numpy.asarray(images)
    if not hasattr(labels, "shape"):
        labels = numpy.asarray(labels)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{name} images must be an array of size N x H x W x C or N x H x W; "
            f"got an array of size {format_size(images.shape)}."
        )
    if labels.size != images.shape[0]:
        raise ValueError(
            f"{name} must have one label per image; got {images.shape[0]} images "
            f"and {labels.size} labels."
        )
    return images, labels.reshape(-1)


def _output_functions(name, value):
    if value is None:
        return None
    functions = list(value) if isinstance(value, (list, tuple)) else [value]
    for function in functions:
        if not callable(function):
            raise ValueError(
                f"{name} must be a function, a list of functions, or None; got "
                f"{function!r}."
            )
    return functions or None


def _choice(choices):
    return lambda name, value: check_choice(name, value, choices)


# Every option: its default and its validator, in MATLAB's display order. Options
# that only one solver has are added by that solver's class.
COMMON_OPTIONS = (
    ("InitialLearnRate", 0.01, _positive_real),
    ("LearnRateSchedule", "none", _choice(("none", "piecewise"))),
    ("LearnRateDropFactor", 0.1, _fraction),
    ("LearnRateDropPeriod", 10, check_positive_integer),
    ("L2Regularization", 1e-4, _non_negative_real),
    ("MaxEpochs", 30, check_positive_integer),
    ("MiniBatchSize", 128, check_positive_integer),
    ("Verbose", True, _logical),
    ("VerboseFrequency", 50, check_positive_integer),
    ("ValidationData", None, _validation_data),
    ("ValidationFrequency", 50, check_positive_integer),
    ("Shuffle", "once", _choice(("once", "never", "every-epoch"))),
    ("OutputFcn", None, _output_functions),
    ("Plots", "none", _choice(("none", "training-progress"))),
    ("ResetInputNormalization", True, _logical),
    ("BatchNormalizationStatistics", "population", _choice(("population", "moving"))),
    ("Seed", 0, _seed),
)


def _describe(value):
    """A short description of a value for an error message or the display."""
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = numpy.dtype(value.dtype).name
        return f"[{format_size(shape) if len(shape) else '1x1'} {dtype}]"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(_describe(item) for item in value) + "}"
    if callable(value):
        return f"@{getattr(value, '__name__', type(value).__name__)}"
    return repr(value)


class TrainingOptions:
    """Base of the solver option classes; use :func:`trainingOptions` to make one.

    Every option is a property with MATLAB's name; setting one validates it and
    raises a ``ValueError`` naming the option when the value is not allowed.
    """

    SOLVER = None
    CLASS_NAME = "TrainingOptions"
    #: ``(name, default, validator)`` of every option, in display order.
    OPTIONS = COMMON_OPTIONS

    def __init__(self, **options):
        values = {}
        object.__setattr__(self, "_values", values)
        for name, default, _ in self.OPTIONS:
            setattr(self, name, options.pop(name, default))
        if options:
            raise TypeError(f"unknown training options: {sorted(options)}.")

    @property
    def SolverName(self):
        """The solver: ``'sgdm'`` or ``'adam'``; read-only."""
        return self.SOLVER

    def _validator(self, name):
        for option, _, validator in self.OPTIONS:
            if option == name:
                return validator
        return None

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(
            f"{type(self).__name__} has no property {name!r}; the properties are "
            f"{', '.join(option for option, _, _ in self.OPTIONS)}."
        )

    def __setattr__(self, name, value):
        validator = self._validator(name)
        if validator is None:
            raise AttributeError(
                f"{type(self).__name__} has no property {name!r}; the properties "
                f"are {', '.join(option for option, _, _ in self.OPTIONS)}."
            )
        self._values[name] = validator(name, value)

    def __dir__(self):
        return [*super().__dir__(), *self._values]

    def as_dict(self):
        """Return ``{option name: value}`` of every option."""
        return dict(self._values)

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return all(
            _same(self._values[name], other._values[name]) for name in self._values
        )

    __hash__ = None

    # -- display --------------------------------------------------------------

    def _display_rows(self):
        rows = []
        for name, _, _ in self.OPTIONS:
            value = self._values[name]
            if name in ("ValidationData", "OutputFcn"):
                text = "[]" if value is None else _describe(value)
            elif isinstance(value, float):
                text = format_short(value)
            else:
                text = format_value(value)
            rows.append((name, text))
        return rows

    def __repr__(self):
        rows = self._display_rows()
        width = max(len(name) for name, _ in rows)
        lines = [f"  {self.CLASS_NAME} with properties:", ""]
        lines += [f"    {name:>{width}}: {text}" for name, text in rows]
        return "\n".join(lines) + "\n"

    def _repr_html_(self):
        parts = [
            "<table class='nnplay-options'>",
            f"<caption style='text-align:left'><b>{self.CLASS_NAME}</b>"
            " with properties</caption>",
        ]
        for name, text in self._display_rows():
            parts.append(
                f"<tr><td style='text-align:right'>{name}</td>"
                "<td style='text-align:left'><code>"
                f"{html.escape(text)}</code></td></tr>"
            )
        parts.append("</table>")
        return "".join(parts)


def _same(a, b):
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if hasattr(a, "shape") or hasattr(b, "shape"):
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


class TrainingOptionsSGDM(TrainingOptions):
    """Options of stochastic gradient descent with momentum (``'sgdm'``).

    With learning rate ``alpha``, momentum ``gamma`` and L2 factor ``lambda``,
    each parameter ``w`` with gradient ``g`` is updated as

    ``v = gamma * v - alpha * (g + lambda * w)``, then ``w = w + v``.

    See :func:`trainingOptions` for the options.
    """

    SOLVER = "sgdm"
    CLASS_NAME = "TrainingOptionsSGDM"
    OPTIONS = (("Momentum", 0.9, _fraction), *COMMON_OPTIONS)


class TrainingOptionsADAM(TrainingOptions):
    """Options of the Adam solver (``'adam'``).

    With decay factors ``beta1`` (``GradientDecayFactor``) and ``beta2``
    (``SquaredGradientDecayFactor``), each step ``t`` updates
    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2`` and
    ``w = w - alpha * m_hat / (sqrt(v_hat) + Epsilon)`` with the bias-corrected
    ``m_hat = m / (1 - beta1^t)`` and ``v_hat = v / (1 - beta2^t)``.

    See :func:`trainingOptions` for the options.
    """

    SOLVER = "adam"
    CLASS_NAME = "TrainingOptionsADAM"
    OPTIONS = (
        ("GradientDecayFactor", 0.9, _open_fraction),
        ("SquaredGradientDecayFactor", 0.999, _open_fraction),
        ("Epsilon", 1e-8, _positive_real),
        # Adam starts with a smaller learning rate than SGDM, as in MATLAB.
        ("InitialLearnRate", 0.001, _positive_real),
        *(option for option in COMMON_OPTIONS if option[0] != "InitialLearnRate"),
    )


SOLVER_CLASSES = {"sgdm": TrainingOptionsSGDM, "adam": TrainingOptionsADAM}


def trainingOptions(solverName, *args, **kwargs):
    """Return the options for ``trainNetwork``: ``trainingOptions('sgdm', ...)``.

    Options are given as MATLAB name-value pairs
    (``trainingOptions('sgdm', 'MaxEpochs', 8)``) or as Python keywords
    (``trainingOptions('sgdm', MaxEpochs=8)``); names ignore case and
    underscores.

    Parameters
    ----------
    solverName : {'sgdm', 'adam'}
        Stochastic gradient descent with momentum, or Adam.
    Momentum : float, default 0.9
        ``'sgdm'`` only: the weight of the previous step, between 0 and 1.
    GradientDecayFactor, SquaredGradientDecayFactor, Epsilon : float
        ``'adam'`` only: 0.9, 0.999 and 1e-8 by default.
    InitialLearnRate : float, default 0.01 (0.001 for 'adam')
    LearnRateSchedule : {'none', 'piecewise'}, default 'none'
        ``'piecewise'`` multiplies the learning rate by ``LearnRateDropFactor``
        (default 0.1) every ``LearnRateDropPeriod`` epochs (default 10).
    L2Regularization : float, default 1e-4
        Weight decay, scaled per parameter by the layer's L2 factors (weights
        1, biases 0).
    MaxEpochs : int, default 30
    MiniBatchSize : int, default 128
        Images per iteration. Each epoch drops the images that do not fill a
        last whole mini-batch, as MATLAB does.
    Shuffle : {'once', 'never', 'every-epoch'}, default 'once'
    ValidationData : (images, labels), optional
        Images held out from training, evaluated every ``ValidationFrequency``
        iterations (default 50), at the first and at the last.
    Verbose : bool, default True
        Show a progress bar.
    VerboseFrequency : int, default 50
        Iterations between updates of the loss and accuracy shown on the bar.
    Plots : {'none', 'training-progress'}, default 'none'
        ``'training-progress'`` draws loss and accuracy in a figure updated
        while training runs.
    OutputFcn : callable or list of callables, optional
        Called after every iteration with a dict of MATLAB's fields
        (``Epoch``, ``Iteration``, ``TrainingLoss``, ``TrainingAccuracy``,
        ``ValidationLoss``, ``ValidationAccuracy``, ``BaseLearnRate``,
        ``State``); returning ``True`` stops training.
    ResetInputNormalization : bool, default True
        Compute the input layer's normalization statistics from the training
        images. With ``False``, statistics already set are kept.
    BatchNormalizationStatistics : {'population', 'moving'}, default 'population'
        ``'population'`` recomputes the batch-normalization statistics with a
        pass over the training images after training; ``'moving'`` keeps the
        running averages of training.
    Seed : int or None, default 0
        Seeds the initial weights and the shuffling, so a run can be repeated
        exactly (an nnplay addition). ``None`` draws a fresh seed.

    Returns
    -------
    TrainingOptionsSGDM or TrainingOptionsADAM

    Examples
    --------
    >>> import nnplay
    >>> options = nnplay.trainingOptions('sgdm', 'MaxEpochs', 4,
    ...                                  'InitialLearnRate', 0.05)
    >>> options.MaxEpochs, options.Momentum
    (4, 0.9)
    """
    if not isinstance(solverName, str) or solverName.lower() not in SOLVERS:
        raise ValueError(
            f"solverName must be one of 'sgdm', 'adam'; got {solverName!r}."
        )
    cls = SOLVER_CLASSES[solverName.lower()]

    names = [name for name, _, _ in cls.OPTIONS]
    options = parse_arguments("trainingOptions", args, kwargs, (), names)

    return cls(**options)


__all__ = [
    "TrainingOptions",
    "TrainingOptionsADAM",
    "TrainingOptionsSGDM",
    "trainingOptions",
]

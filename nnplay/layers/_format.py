"""Text formats shared by every layer: MATLAB's short number format and sizes."""

import math
import numbers

import numpy


def format_short(value):
    """Format a real scalar the way MATLAB's ``format short`` displays it.

    Integers print bare (``16``), values between 0.001 and 1000 with four
    decimals (``0.1000``), anything else in exponent form (``1.0000e-05``).
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    if 1e-3 <= abs(value) < 1e3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_number(value):
    """Format a scalar compactly, like MATLAB's ``num2str``: ``0.01``, ``10``."""
    return f"{float(value):.5g}"


def format_vector(values):
    """Format integers as a MATLAB row vector: ``[1 1]``."""
    return "[" + " ".join(format_number(v) for v in values) + "]"


def format_size(size):
    """Format an activation size in MATLAB's H x W x C order: ``28x28x1``."""
    return "x".join(str(int(s)) for s in size)


def format_value(value):
    """Format any property value for a layer's property block."""
    if value is None:
        return "[]"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return format_short(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return "{" + " ".join(f"'{v}'" for v in value) + "}"
        return format_vector(value)
    shape = getattr(value, "shape", None)
    if shape is not None:
        if len(shape) == 0:
            return format_short(value)
        dtype = numpy.dtype(value.dtype)
        kind = {"float32": "single", "float64": "double"}.get(dtype.name, dtype.name)
        return f"[{format_size(shape)} {kind}]"
    return str(value)

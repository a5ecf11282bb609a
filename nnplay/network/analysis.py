"""Checking a layer array before it runs: sizes, learnables and problems."""

import html
import math

from ..layers import (
    ClassificationOutputLayer,
    ImageInputLayer,
    InputSizeError,
    SoftmaxLayer,
)
from ..layers._base import describe_layer
from ..layers._format import format_size
from .layer_array import as_layer_array


def default_names(layers):
    """Return MATLAB's names for the layers, keeping the names already set.

    An unnamed layer gets its type's stem (``'conv'``, ``'leakyrelu'``, ...),
    with ``_1``, ``_2``, ... when several unnamed layers share the stem, and
    never a name another layer already has.
    """
    taken = {layer.Name for layer in layers if layer.Name}
    counts = {}
    for layer in layers:
        if not layer.Name:
            counts[layer.DEFAULT_NAME] = counts.get(layer.DEFAULT_NAME, 0) + 1

    names, used = [], {}
    for layer in layers:
        if layer.Name:
            names.append(layer.Name)
            continue
        stem = layer.DEFAULT_NAME
        if counts[stem] == 1 and stem not in taken:
            name = stem
        else:
            number = used.get(stem, 0)
            while True:
                number += 1
                name = f"{stem}_{number}"
                if name not in taken:
                    break
            used[stem] = number
        taken.add(name)
        names.append(name)
    return names


def learnable_shapes(layer, input_size):
    """Return ``{name: shape}`` of a layer's learnables for an input size."""
    height, width, channels = input_size
    if layer.CLASS_NAME == "Convolution2DLayer":
        kh, kw = layer.FilterSize
        return {
            "Weights": (kh, kw, channels, layer.NumFilters),
            "Bias": (1, 1, layer.NumFilters),
        }
    if layer.CLASS_NAME == "BatchNormalizationLayer":
        return {"Offset": (1, 1, channels), "Scale": (1, 1, channels)}
    if layer.CLASS_NAME == "FullyConnectedLayer":
        inputs = height * width * channels
        return {"Weights": (layer.OutputSize, inputs), "Bias": (layer.OutputSize, 1)}
    return {}


class NetworkAnalysis:
    """What :func:`analyzeNetwork` finds: one row per layer, and the problems.

    Attributes
    ----------
    rows : list of dict
        For each layer: ``index`` (from 1), ``name``, ``type``, ``activations``
        (the output size as ``'HxWxC'``, or ``'?'`` where an earlier problem
        hides it), ``size`` (a tuple or None), ``learnables`` (``{name:
        shape}``) and ``count`` (learnable values).
    problems : list of str
        Every problem found, in layer order; empty for a valid array.
    TotalLearnables : int
        The number of learnable values in the whole array.
    """

    def __init__(self, rows, problems):
        self.rows = rows
        self.problems = problems
        self.TotalLearnables = sum(row["count"] for row in rows)

    @property
    def ok(self):
        """True when no problem was found."""
        return not self.problems

    def __repr__(self):
        headers = ("", "Name", "Type", "Activations", "Learnables")
        table = [headers] + [
            (
                str(row["index"]),
                row["name"],
                row["type"],
                row["activations"],
                _learnables_text(row["learnables"]),
            )
            for row in self.rows
        ]
        widths = [max(len(line[column]) for line in table) for column in range(5)]
        lines = [
            f"  Analysis of {len(self.rows)} layers, "
            f"{self.TotalLearnables:,} learnables:",
            "",
        ]
        for line in table:
            lines.append(
                "    "
                + "   ".join(
                    f"{text:<{width}}" for text, width in zip(line, widths)
                ).rstrip()
            )
        lines.append("")
        if self.problems:
            lines.append(f"  {len(self.problems)} problem(s):")
            lines += [f"    - {problem}" for problem in self.problems]
        else:
            lines.append("  No problems found.")
        return "\n".join(lines) + "\n"

    def _repr_html_(self):
        parts = [
            "<table class='nnplay-analysis'>",
            f"<caption style='text-align:left'>Analysis of {len(self.rows)} layers, "
            f"{self.TotalLearnables:,} learnables</caption>",
            "<tr><th></th><th>Name</th><th>Type</th><th>Activations</th>"
            "<th>Learnables</th></tr>",
        ]
        for row in self.rows:
            cells = "".join(
                f"<td style='text-align:left'>{html.escape(str(text))}</td>"
                for text in (
                    row["name"],
                    row["type"],
                    row["activations"],
                    _learnables_text(row["learnables"]),
                )
            )
            parts.append(f"<tr><td>{row['index']}</td>{cells}</tr>")
        parts.append("</table>")
        if self.problems:
            items = "".join(
                f"<li>{html.escape(problem)}</li>" for problem in self.problems
            )
            parts.append(
                f"<p style='color:#b2182b'><b>Problems</b></p><ul>{items}</ul>"
            )
        else:
            parts.append("<p>No problems found.</p>")
        return "".join(parts)


def _learnables_text(learnables):
    return ", ".join(
        f"{name} {format_size(shape)}" for name, shape in learnables.items()
    )


def analyzeNetwork(layers):
    """Check a layer array (or network): sizes, learnables and every problem.

    Like MATLAB's ``analyzeNetwork``, this reports the activation size after
    each layer in H x W x C order and the learnables, and lists all problems
    it finds instead of stopping at the first: a missing or misplaced input or
    output layer, a classification layer without softmax before it, sizes that
    do not fit, and duplicate names. The layers are not changed.

    Parameters
    ----------
    layers : LayerArray, list of layers, or SeriesNetwork

    Returns
    -------
    NetworkAnalysis

    Examples
    --------
    >>> import nnplay
    >>> report = nnplay.analyzeNetwork(nnplay.examples.example_cnn())
    >>> report.rows[1]["activations"], report.problems
    ('26x26x16', [])
    """
    layers = as_layer_array(getattr(layers, "Layers", layers))
    names = default_names(list(layers))
    problems = []

    if not len(layers):
        return NetworkAnalysis([], ["The layer array is empty."])

    seen = {}
    for index, layer in enumerate(layers, start=1):
        if layer.Name:
            if layer.Name in seen:
                problems.append(
                    f"Layers {seen[layer.Name]} and {index} have the same name "
                    f"'{layer.Name}'; names must be unique."
                )
            seen.setdefault(layer.Name, index)

    first = layers[0]
    if not isinstance(first, ImageInputLayer):
        problems.append(
            f"Layer 1 ('{names[0]}') is a {first.TYPE} layer; the first layer must "
            f"be an input layer such as imageInputLayer."
        )
    outputs = [i for i, layer in enumerate(layers, start=1) if layer.IS_OUTPUT]
    if not outputs:
        problems.append(
            "The array has no output layer: end it with classificationLayer."
        )

    rows = []
    size = None
    for index, (layer, name) in enumerate(zip(layers, names), start=1):
        learnables = {}
        if index > 1 and isinstance(layer, ImageInputLayer):
            problems.append(
                f"Layer {index} ('{name}') is an input layer; only the first layer "
                f"can be one."
            )
        if layer.IS_OUTPUT and index != len(layers):
            problems.append(
                f"Layer {index} ('{name}') is an output layer; it must be the last "
                "layer."
            )
        if isinstance(layer, ClassificationOutputLayer) and (
            index == 1 or not isinstance(layers[index - 2], SoftmaxLayer)
        ):
            problems.append(
                f"Layer {index} ('{name}') is a classification layer; a softmax "
                f"layer must come right before it."
            )

        if isinstance(layer, ImageInputLayer):
            size = layer.InputSize
        elif size is not None:
            try:
                input_size = size
                size = tuple(layer.output_size(size))
                learnables = learnable_shapes(layer, input_size)
            except InputSizeError as error:
                message = str(error).replace(
                    describe_layer(layer), f"Layer {index} ('{name}')", 1
                )
                problems.append(message)
                size = None

        rows.append(
            {
                "index": index,
                "name": name,
                "type": layer.TYPE,
                "activations": format_size(size) if size is not None else "?",
                "size": size,
                "learnables": learnables,
                "count": sum(math.prod(shape) for shape in learnables.values()),
            }
        )

    return NetworkAnalysis(rows, problems)

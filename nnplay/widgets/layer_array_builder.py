"""LayerArrayBuilder: edit a layer array, see it checked, export it, train it."""

import ast
import html
import inspect
import math

import ipywidgets
import numpy
import traitlets

from .. import backend
from ..layers import (
    LAYER_CLASSES,
    BatchNormalizationLayer,
    ClassificationOutputLayer,
    ClippedReLULayer,
    Convolution2DLayer,
    ELULayer,
    FullyConnectedLayer,
    ImageInputLayer,
    LeakyReLULayer,
    MaxPooling2DLayer,
    ReLULayer,
    SoftmaxLayer,
)
from ..network import LayerArray, analyzeNetwork
from . import _resources

#: Per layer class: the MATLAB-style constructor and its positional arguments.
CONSTRUCTORS = {
    ImageInputLayer: ("imageInputLayer", ("InputSize",)),
    Convolution2DLayer: ("convolution2dLayer", ("FilterSize", "NumFilters")),
    BatchNormalizationLayer: ("batchNormalizationLayer", ()),
    LeakyReLULayer: ("leakyReluLayer", ("Scale",)),
    ReLULayer: ("reluLayer", ()),
    ClippedReLULayer: ("clippedReluLayer", ("Ceiling",)),
    ELULayer: ("eluLayer", ("Alpha",)),
    MaxPooling2DLayer: ("maxPooling2dLayer", ("PoolSize",)),
    FullyConnectedLayer: ("fullyConnectedLayer", ("OutputSize",)),
    SoftmaxLayer: ("softmaxLayer", ()),
    ClassificationOutputLayer: ("classificationLayer", ()),
}

#: Arguments of a new layer of each type, as the "Add" button makes it.
NEW_LAYER_ARGUMENTS = {
    ImageInputLayer: {"InputSize": (28, 28, 1)},
    Convolution2DLayer: {"FilterSize": 3, "NumFilters": 8, "Padding": "same"},
    LeakyReLULayer: {"Scale": 0.01},
    ClippedReLULayer: {"Ceiling": 6},
    MaxPooling2DLayer: {"PoolSize": 2, "Stride": 2},
    FullyConnectedLayer: {"OutputSize": 10},
}

#: How many training digits and epochs the Train button uses.
TRAIN_DIGITS = 2000
TRAIN_EPOCHS = 1
TRAIN_BATCH = 64


def editable_parameters(layer):
    """Names of the constructor arguments of ``layer`` that the form edits.

    Those the constructor takes and the layer shows as a property, except
    learnables and state (weights, statistics), which training sets.
    """
    signature = inspect.signature(type(layer).__init__)
    skip = set(layer.LEARNABLES) | set(layer.STATE)
    return [
        name
        for name in list(signature.parameters)[1:]
        if name not in skip and isinstance(getattr(type(layer), name, None), property)
    ]


def constructor_arguments(layer):
    """``{name: value}`` that rebuild ``layer`` (without learnables) with its class."""
    return {name: getattr(layer, name) for name in editable_parameters(layer)}


def _plain(value):
    """A property value as plain Python: tuples of ints, floats, str, lists."""
    if hasattr(value, "shape"):
        value = backend.to_numpy(value).tolist()
    if isinstance(value, (numpy.integer, numpy.floating)):
        value = value.item()
    if isinstance(value, (tuple, list)):
        items = [_plain(item) for item in value]
        if items and all(isinstance(item, int) for item in items):
            if len(set(items)) == 1:
                return items[0]
        return items
    return value


def _same(a, b):
    if hasattr(a, "shape") or hasattr(b, "shape"):
        if a is None or b is None:
            return a is b
        return numpy.array_equal(backend.to_numpy(a), backend.to_numpy(b))
    return a == b


def layer_call(layer):
    """Return ``(function, positional, options)`` that recreate ``layer``.

    Options equal to the constructor's default are left out; the positional
    arguments are always given.
    """
    function, positional_names = CONSTRUCTORS[type(layer)]
    arguments = constructor_arguments(layer)
    positional = [arguments[name] for name in positional_names]
    reference = type(layer)(**{name: arguments[name] for name in positional_names})
    options = {
        name: value
        for name, value in arguments.items()
        if name not in positional_names and not _same(value, getattr(reference, name))
    }
    return function, positional, options


def python_literal(value):
    """Format a value as Python source."""
    value = _plain(value)
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    return repr(value)


def matlab_literal(value):
    """Format a value as MATLAB source: ``[3 3]``, ``'same'``, ``0.01``."""
    value = _plain(value)
    if isinstance(value, list):
        return "[" + " ".join(matlab_literal(item) for item in value) + "]"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def to_python(layers):
    """Python code that builds ``layers`` with nnplay (assigned to ``layers``)."""
    lines = ["import nnplay", "", "layers = nnplay.LayerArray(", "    ["]
    for layer in layers:
        function, positional, options = layer_call(layer)
        arguments = [python_literal(value) for value in positional] + [
            f"{name}={python_literal(value)}" for name, value in options.items()
        ]
        lines.append(f"        nnplay.{function}({', '.join(arguments)}),")
    lines += ["    ]", ")", ""]
    return "\n".join(lines)


def to_matlab(layers):
    """MATLAB code that builds ``layers`` (Deep Learning Toolbox)."""
    lines = ["layers = ["]
    for layer in layers:
        function, positional, options = layer_call(layer)
        arguments = [matlab_literal(value) for value in positional]
        for name, value in options.items():
            arguments += [f"'{name}'", matlab_literal(value)]
        lines.append(f"    {function}({','.join(arguments)})")
    lines += ["];", ""]
    return "\n".join(lines)


def parse_value(text):
    """Read a form field: a Python literal, or a bare word as a string."""
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if text.replace("-", "").replace("_", "").isalnum():
            return text
        raise ValueError(
            f"{text!r} is not a value: write a number (0.01), a list ([3, 3]) "
            "or a word ('same')."
        ) from None


def _message(kind, text):
    colour = {"error": "#D55E00", "ok": "#009E73", "info": "#0072B2"}[kind]
    return (
        f"<div style='border-left: 4px solid {colour}; padding: 4px 8px; "
        f"font-size: 14px'>{html.escape(text)}</div>"
    )


class LayerArrayBuilder(ipywidgets.VBox):
    """Build a layer array by hand and watch it being checked as you go.

    Starts from the example CNN. Select a layer in the list; add a layer of
    the chosen type after it, insert one before it, remove it or move it;
    edit its hyperparameters in the form (press Enter to apply). MATLAB's
    display of the array and :func:`nnplay.analyzeNetwork`'s table update at
    once, with any problems; a bad value shows a message and keeps the last
    good array. :meth:`to_python` and :meth:`to_matlab` give code that
    recreates the array. The Train button trains it for one epoch on 2,000
    shipped training digits and shows the result in a
    :class:`FeatureMapExplorer`.

    Parameters
    ----------
    layers : LayerArray, optional
        Where to start; default ``nnplay.examples.example_cnn()``. The array
        is copied.

    Attributes
    ----------
    layers : LayerArray
        The current array (a traitlet holding a new array after each edit).
    selected : int
        Position of the selected layer.
    net : SeriesNetwork or None
        The network trained by the Train button.
    explorer : FeatureMapExplorer or None
        The explorer showing ``net``.
    message : str
        The last message shown.
    problems : list of str
        What :func:`nnplay.analyzeNetwork` finds wrong with :attr:`layers`.

    Examples
    --------
    >>> import nnplay
    >>> from nnplay.widgets import LayerArrayBuilder
    >>> builder = LayerArrayBuilder()
    >>> builder.remove(3)
    >>> namespace = {}
    >>> exec(builder.to_python(), namespace)
    >>> namespace["layers"] == builder.layers
    True
    """

    layers = traitlets.Instance(LayerArray)
    selected = traitlets.Int(0)
    message = traitlets.Unicode("", read_only=True)

    def __init__(self, layers=None, train_digits=TRAIN_DIGITS):
        from ..examples import example_cnn

        super().__init__()
        self.train_digits = train_digits
        self.net = None
        self.explorer = None
        self.problems = []
        self._message_kind = "ok"

        self.layer_list = ipywidgets.Select(
            rows=12, layout=ipywidgets.Layout(width="440px")
        )
        self.type_dropdown = ipywidgets.Dropdown(
            options=[(cls.TYPE, name) for name, cls in LAYER_CLASSES.items()],
            value="LeakyReLULayer",
            description="New layer",
        )
        self.buttons = {
            name: ipywidgets.Button(description=label, icon=icon, tooltip=tooltip)
            for name, label, icon, tooltip in (
                ("add", "Add after", "plus", "Add a new layer after the selected one"),
                ("insert", "Insert before", "plus", "Insert a new layer before it"),
                ("remove", "Remove", "trash", "Remove the selected layer"),
                ("up", "Up", "arrow-up", "Move the selected layer up"),
                ("down", "Down", "arrow-down", "Move the selected layer down"),
                ("reset", "Reset", "undo", "Start again from the example CNN"),
                ("train", "Train", "play", "Train briefly and explore the result"),
            )
        }
        for button in self.buttons.values():
            button.layout.width = "auto"
        self.buttons["add"].on_click(lambda _: self.add(self.type_dropdown.value))
        self.buttons["insert"].on_click(
            lambda _: self.add(self.type_dropdown.value, before=True)
        )
        self.buttons["remove"].on_click(lambda _: self._guarded(self.remove))
        self.buttons["up"].on_click(lambda _: self._guarded(self.move, -1))
        self.buttons["down"].on_click(lambda _: self._guarded(self.move, 1))
        self.buttons["reset"].on_click(lambda _: self.reset())
        self.buttons["train"].on_click(lambda _: self.train())

        self.form = ipywidgets.VBox()
        self.message_area = ipywidgets.HTML()
        self.display_area = ipywidgets.HTML()
        self.analysis_area = ipywidgets.HTML()
        self.python_area = ipywidgets.Textarea(
            layout=ipywidgets.Layout(width="100%", height="300px")
        )
        self.matlab_area = ipywidgets.Textarea(
            layout=ipywidgets.Layout(width="100%", height="300px")
        )
        self.views = ipywidgets.Tab(
            children=[
                self.display_area,
                self.analysis_area,
                self.python_area,
                self.matlab_area,
            ],
            titles=("Layer array", "analyzeNetwork", "Python code", "MATLAB code"),
        )
        self.progress = ipywidgets.IntProgress(
            description="Training", layout=ipywidgets.Layout(display="none")
        )
        self.progress_label = ipywidgets.HTML()
        self.explorer_box = ipywidgets.VBox()

        editing = ipywidgets.HBox(
            [
                ipywidgets.VBox([self.layer_list]),
                ipywidgets.VBox(
                    [
                        ipywidgets.HBox([self.type_dropdown]),
                        ipywidgets.HBox(
                            [self.buttons[name] for name in ("add", "insert", "remove")]
                        ),
                        ipywidgets.HBox(
                            [self.buttons[name] for name in ("up", "down", "reset")]
                        ),
                        self.form,
                    ]
                ),
            ]
        )
        self.children = (
            editing,
            self.message_area,
            self.views,
            ipywidgets.HBox(
                [self.buttons["train"], self.progress, self.progress_label]
            ),
            self.explorer_box,
        )

        self.layer_list.observe(self._on_list, "value")
        self.observe(self._refresh, "layers")
        self.observe(self._on_selected, "selected")
        start = example_cnn() if layers is None else LayerArray(layers)
        self.layers = start.copy()

    # -- editing ------------------------------------------------------------------

    def _guarded(self, action, *args):
        try:
            action(*args)
        except (ValueError, TypeError, IndexError) as error:
            self._say("error", str(error))

    def _say(self, kind, text):
        self._message_kind = kind
        self.set_trait("message", text)
        self._show_messages()

    def _show_messages(self):
        """Show the last message, then the analysis's problems, if any."""
        parts = [_message(self._message_kind, self.message)] if self.message else []
        if self.problems:
            items = "".join(f"<li>{html.escape(text)}</li>" for text in self.problems)
            parts.append(
                "<div style='color: #D55E00; font-size: 14px'><b>Problems "
                f"analyzeNetwork finds</b><ul>{items}</ul></div>"
            )
        self.message_area.value = "".join(parts)

    def _edited(self, layers, selected, note):
        """Adopt a new array: the old one stays when this one is not a LayerArray."""
        self.layers = layers
        self.selected = max(0, min(selected, len(layers) - 1))
        self._say("ok", note)

    def add(self, class_name, before=False):
        """Add a layer of ``class_name`` (e.g. ``'LeakyReLULayer'``) after the
        selected one, or before it."""
        if class_name not in LAYER_CLASSES:
            self._say(
                "error",
                f"class_name must be one of {', '.join(LAYER_CLASSES)}; got "
                f"{class_name!r}.",
            )
            return
        cls = LAYER_CLASSES[class_name]
        layer = cls(**NEW_LAYER_ARGUMENTS.get(cls, {}))
        layers = self.layers.copy()
        position = self.selected if before or not len(layers) else self.selected + 1
        layers.insert(position, layer)
        self._edited(layers, position, f"Added a {cls.TYPE} layer at {position + 1}.")

    @traitlets.validate("selected")
    def _check_selected(self, proposal):
        position = proposal["value"]
        count = len(self.layers) if getattr(self, "layers", None) is not None else 0
        if count and not 0 <= position < count:
            raise traitlets.TraitError(
                f"selected must be a layer position between 0 and {count - 1}; "
                f"got {position}."
            )
        return position

    def remove(self, position=None):
        """Remove the layer at ``position`` (default: the selected one)."""
        position = self.selected if position is None else position
        layers = self.layers.copy()
        position = layers.index(position)  # a negative position counts from the end
        layer = layers[position]
        layers.remove(position)
        self._edited(layers, position, f"Removed layer {position + 1} ({layer.TYPE}).")

    def move(self, step, position=None):
        """Move the layer at ``position`` (default: the selected one) by ``step``."""
        position = self.selected if position is None else position
        target = position + step
        if not 0 <= target < len(self.layers):
            raise IndexError(
                f"layer {position + 1} cannot move {'up' if step < 0 else 'down'}: "
                "it is at the end of the array."
            )
        layers = list(self.layers.copy())
        layers[position], layers[target] = layers[target], layers[position]
        self._edited(LayerArray(layers), target, f"Moved layer to {target + 1}.")

    def edit(self, name, value, position=None):
        """Set hyperparameter ``name`` of the layer at ``position`` to ``value``.

        A value the layer does not accept shows its message and leaves the
        array as it was; the method then returns False.
        """
        position = self.selected if position is None else position
        layer = self.layers[position]
        arguments = constructor_arguments(layer)
        if name not in arguments:
            self._say(
                "error",
                f"{layer.CLASS_NAME} has no editable parameter {name!r}; it has "
                f"{', '.join(arguments)}.",
            )
            return False
        arguments[name] = value
        try:
            new_layer = type(layer)(**arguments)
        except (ValueError, TypeError) as error:
            self._say("error", f"Layer {position + 1}: {error} The array is unchanged.")
            return False
        layers = self.layers.copy()
        layers[position] = new_layer
        self._edited(layers, position, f"Layer {position + 1}: {name} set.")
        return True

    def reset(self):
        """Start again from the example CNN."""
        from ..examples import example_cnn

        self._edited(example_cnn(), 0, "Back to the example CNN.")

    # -- views --------------------------------------------------------------------

    def _refresh(self, change=None):
        layers = self.layers
        report = analyzeNetwork(layers)
        options = [
            (
                f"{row['index']:>2}  {row['name']:<13} {row['type']:<22} "
                f"{row['activations']}",
                row["index"] - 1,
            )
            for row in report.rows
        ]
        with self.hold_trait_notifications():
            self.layer_list.options = options
            if options:
                self.layer_list.value = min(self.selected, len(options) - 1)
        self.display_area.value = layers._repr_html_()
        self.analysis_area.value = report._repr_html_()
        self.python_area.value = self.to_python()
        self.matlab_area.value = self.to_matlab()
        self.views.titles = (
            "Layer array",
            f"analyzeNetwork ({len(report.problems)} problems)"
            if report.problems
            else "analyzeNetwork",
            "Python code",
            "MATLAB code",
        )
        self.problems = list(report.problems)
        self._show_messages()
        self._build_form()

    def _on_list(self, change):
        if change["new"] is not None:
            self.selected = change["new"]

    def _on_selected(self, change):
        if self.layer_list.value != change["new"] and self.layer_list.options:
            self.layer_list.value = change["new"]
        self._build_form()

    def _build_form(self):
        if not len(self.layers):
            self.form.children = ()
            return
        position = min(self.selected, len(self.layers) - 1)
        layer = self.layers[position]
        fields = []
        for name, value in constructor_arguments(layer).items():
            field = ipywidgets.Text(
                value=python_literal(value),
                description=name,
                continuous_update=False,
                style={"description_width": "150px"},
                layout=ipywidgets.Layout(width="380px"),
            )
            field.observe(
                lambda change, name=name, position=position: self._on_field(
                    name, change["new"], position
                ),
                "value",
            )
            fields.append(field)
        title = ipywidgets.HTML(
            f"<b>Layer {position + 1}: {html.escape(layer.CLASS_NAME)}</b> "
            "(press Enter to apply)"
        )
        self.form.children = (title, *fields)

    def _on_field(self, name, text, position):
        try:
            value = parse_value(text)
        except ValueError as error:
            self._say("error", f"{name}: {error} The array is unchanged.")
            return
        self.edit(name, value, position)

    # -- code ---------------------------------------------------------------------

    def to_python(self):
        """Python code that recreates :attr:`layers` (as a variable ``layers``)."""
        return to_python(self.layers)

    def to_matlab(self):
        """MATLAB code that creates the same layer array."""
        return to_matlab(self.layers)

    # -- training -----------------------------------------------------------------

    @property
    def figures(self):
        """The explorer's figures once trained; empty before."""
        return [] if self.explorer is None else self.explorer.figures

    @property
    def scale(self):
        """The explorer's scale once trained; None before."""
        return None if self.explorer is None else self.explorer.scale

    @scale.setter
    def scale(self, value):
        if self.explorer is None:
            raise ValueError("scale can be set once the network is trained; not yet.")
        self.explorer.scale = value

    def train(self):
        """Train :attr:`layers` briefly and show the network in an explorer.

        Trains for one epoch on the first ``train_digits`` shipped training
        digits (SGDM, mini-batches of 64), shows the validation accuracy, sets
        :attr:`net` and hands it to a :class:`FeatureMapExplorer` below.
        Returns the network, or None when training could not start.
        """
        from ..training import trainingOptions, trainNetwork
        from .feature_map_explorer import FeatureMapExplorer

        report = analyzeNetwork(self.layers)
        if report.problems:
            self._say("error", "Fix the problems first: " + " ".join(report.problems))
            return None

        images, labels = _resources.training_digits()
        images, labels = images[: self.train_digits], labels[: self.train_digits]
        iterations = max(1, math.floor(len(images) / TRAIN_BATCH)) * TRAIN_EPOCHS
        self.progress.max = iterations
        self.progress.value = 0
        self.progress.layout.display = None
        self.buttons["train"].disabled = True

        def on_progress(state):
            self.progress.value = min(int(state["Iteration"]), iterations)
            if not math.isnan(state["TrainingLoss"]):
                self.progress_label.value = (
                    f"iteration {state['Iteration']}/{iterations}, loss "
                    f"{state['TrainingLoss']:.3f}"
                )
            return False

        options = trainingOptions(
            "sgdm",
            "MaxEpochs",
            TRAIN_EPOCHS,
            "MiniBatchSize",
            min(TRAIN_BATCH, len(images)),
            "InitialLearnRate",
            0.05,
            "Verbose",
            False,
            "OutputFcn",
            on_progress,
            "Seed",
            0,
        )
        try:
            net, _info = trainNetwork(images, labels, self.layers, options)
        except Exception as error:  # shown in the widget, never swallowed
            self._say("error", f"Training failed: {type(error).__name__}: {error}")
            return None
        finally:
            self.buttons["train"].disabled = False

        self.net = net
        validation, validation_labels = _resources.validation_digits()
        predicted, _scores = net.classify(validation[:500])
        accuracy = float(numpy.mean(predicted == validation_labels[:500]))
        self._say(
            "ok",
            f"Trained for {TRAIN_EPOCHS} epoch on {len(images)} digits: "
            f"{100 * accuracy:.1f}% right on 500 validation digits.",
        )
        try:
            if self.explorer is None:
                self.explorer = FeatureMapExplorer(net=net)
                self.explorer_box.children = (self.explorer,)
            else:
                self.explorer.net = net
        except ValueError as error:
            self._say("info", f"Trained, but there is nothing to explore: {error}")
        return net

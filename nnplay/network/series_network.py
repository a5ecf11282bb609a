"""A network of layers in series: assembly, inference and gradients."""

import copy
import numbers
from collections.abc import Mapping
from typing import NamedTuple

import numpy

from .. import backend
from ..layers import (
    ClassificationOutputLayer,
    Convolution2DLayer,
    InputSizeError,
    SoftmaxLayer,
)
from ..layers._base import check_positive_integer
from ..layers.classification import one_hot
from .analysis import analyzeNetwork, default_names
from .layer_array import LayerArray, as_layer_array


class Gradients(Mapping):
    """The gradients of a loss, keyed like MATLAB's table of learnables.

    ``grads['conv_1', 'Weights']`` is the gradient of the loss with respect to
    that parameter. Iterating gives the ``(layer, parameter)`` keys in
    network order.

    Attributes
    ----------
    outputs : dict
        ``{layer name: gradient of the loss with respect to that layer's
        output}``, for every layer after the input layer whose output the loss
        depends on. This is the gradient that reaches each layer: the
        quantity a gradient-flow picture shows.
    """

    def __init__(self, values, outputs):
        self._values = values
        self.outputs = outputs

    def __getitem__(self, key):
        if key not in self._values:
            raise KeyError(
                f"no learnable {key!r}; the keys are (layer, parameter) pairs such "
                f"as {next(iter(self._values), None)!r}."
            )
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        lines = [f"  Gradients of {len(self)} learnables:"]
        for (layer, name), value in self._values.items():
            lines.append(
                f"    {layer:>12}  {name:<8} {'x'.join(map(str, value.shape))}"
            )
        return "\n".join(lines) + "\n"


class TrainingPass(NamedTuple):
    """What one forward and backward pass in training mode gives."""

    #: The mean loss of the batch, a 0-d array on the active backend.
    loss: object
    #: ``{(layer name, parameter name): gradient}``, in network order.
    grads: dict
    #: The training memory of each layer but the output layer, by position.
    memories: list
    #: ``{layer name: gradient reaching its output}``; empty unless asked for.
    outputs: dict
    #: The network's output for the batch (the softmax probabilities).
    scores: object


class SeriesNetwork:
    """Layers in series, ready to predict and to be trained.

    Made by :func:`assembleNetwork` or ``trainNetwork``. ``net.Layers`` holds
    the network's own layer objects: changing a property there, such as
    ``net.Layers[3].Scale = 0.3``, changes the next forward pass, with no
    rebuild.

    Inference (:meth:`predict`, :meth:`classify`, :meth:`activations`) never
    changes the network: batch normalization uses its trained statistics.
    """

    def __init__(self, layers, sizes):
        self._layers = list(layers)
        self._sizes = list(sizes)

    # -- properties ------------------------------------------------------------

    @property
    def Layers(self):
        """The layers, as a read-only LayerArray sharing the network's layer objects.

        Properties of a layer can be changed in place (``Scale``, for one);
        adding, removing or replacing layers needs a new network:
        ``assembleNetwork(net.Layers.copy() ...)``.
        """
        return LayerArray(self._layers, read_only=True)

    @property
    def InputNames(self):
        """The name of the input layer, in a list."""
        return [self._layers[0].Name]

    @property
    def OutputNames(self):
        """The name of the output layer, in a list."""
        return [self._layers[-1].Name]

    @property
    def Classes(self):
        """The class labels of the output layer (``0 .. K-1`` until trained)."""
        output = self._layers[-1]
        if isinstance(output.Classes, str):
            return numpy.arange(output.OutputSize)
        return output.Classes

    def activation_size(self, layer):
        """Return the ``(H, W, C)`` output size of a layer (name or position)."""
        return self._sizes[self._position(layer)]

    def _position(self, key):
        if isinstance(key, str):
            matches = [layer for layer in self._layers if layer.Name == key]
            if len(matches) > 1:
                raise ValueError(
                    f"{len(matches)} layers of the network are named {key!r}; "
                    f"layer names must be unique."
                )
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            key = int(key)
        return self.Layers.index(key)

    def __repr__(self):
        return (
            "  SeriesNetwork with properties:\n\n"
            f"         Layers: [{len(self._layers)}x1 Layer]\n"
            f"     InputNames: {{'{self.InputNames[0]}'}}\n"
            f"    OutputNames: {{'{self.OutputNames[0]}'}}\n"
        )

    def _repr_html_(self):
        return "<p><b>SeriesNetwork</b></p>" + self.Layers._repr_html_()

    # -- inference -------------------------------------------------------------

    def _run(self, X, stop):
        """Return the outputs of layers ``0 .. stop`` in inference mode, as a list."""
        outputs = []
        for position, layer in enumerate(self._layers[: stop + 1]):
            try:
                X = layer.predict(X)
            except InputSizeError as error:
                raise InputSizeError(
                    error.layer, error.expected, error.received, index=position + 1
                ) from None
            outputs.append(X)
        return outputs

    def predict(self, X, MiniBatchSize=128):
        """Return the class probabilities (the softmax output) for images ``X``.

        ``X`` is a batch ``(N, H, W, C)`` or one image; large batches are
        processed ``MiniBatchSize`` images at a time. The result is an
        ``(N, K)`` array on the active backend.
        """
        last = len(self._layers) - (2 if self._layers[-1].IS_OUTPUT else 1)
        return self._batched(X, MiniBatchSize, lambda chunk: self._run(chunk, last)[-1])

    def _as_batch(self, X):
        """Return ``X`` as a batch the input layer accepts, or raise naming it."""
        try:
            return self._layers[0]._as_batch(X)
        except InputSizeError as error:
            raise InputSizeError(
                error.layer, error.expected, error.received, index=1
            ) from None

    def _batched(self, X, size, compute):
        size = check_positive_integer("MiniBatchSize", size)
        X = self._as_batch(X)
        if X.shape[0] <= size:
            return compute(X)
        xp = backend.xp()
        parts = [
            compute(X[start : start + size]) for start in range(0, X.shape[0], size)
        ]
        return xp.concatenate(parts, axis=0)

    def classify(self, X, MiniBatchSize=128):
        """Return ``(labels, scores)``: the predicted classes and the probabilities."""
        scores = self.predict(X, MiniBatchSize)
        best = backend.to_numpy(scores.reshape(scores.shape[0], -1).argmax(axis=1))
        return self.Classes[best], scores

    def activations(self, X, layer, MiniBatchSize=128):
        """Return the output of ``layer`` (a name or 0-based position) for ``X``.

        ``layer`` may also be a list of names or positions: then a list of
        outputs comes back, all from one pass through the network.
        """
        many = isinstance(layer, (list, tuple))
        if many and not layer:
            raise ValueError("layer must name at least one layer; got an empty list.")
        MiniBatchSize = check_positive_integer("MiniBatchSize", MiniBatchSize)
        positions = [self._position(key) for key in (layer if many else [layer])]
        stop = max(positions)

        def compute(chunk):
            outputs = self._run(chunk, stop)
            return [outputs[position] for position in positions]

        if many:
            X = self._as_batch(X)
            if X.shape[0] <= MiniBatchSize:
                return compute(X)
            xp = backend.xp()
            chunks = [
                compute(X[start : start + MiniBatchSize])
                for start in range(0, X.shape[0], MiniBatchSize)
            ]
            return [xp.concatenate(parts, axis=0) for parts in zip(*chunks)]
        return self._batched(X, MiniBatchSize, lambda chunk: compute(chunk)[0])

    # -- training --------------------------------------------------------------

    def targets(self, labels, dtype):
        """Return one-hot targets ``(N, K)`` for class labels, on the active backend."""
        return one_hot(labels, self.Classes, dtype=dtype, xp=backend.xp())

    def training_pass(self, X, T, keep_outputs=False):
        """Forward and backward in training mode, for one batch.

        Parameters
        ----------
        X : array
            Images, prepared or not.
        T : array
            One-hot targets ``(N, K)`` on the active backend.
        keep_outputs : bool
            Also return the gradient reaching each layer's output.

        Returns
        -------
        TrainingPass
            ``(loss, grads, memories, outputs, scores)``.

        The network's parameters and statistics are not changed.
        """
        backend.retain_freed_memory()
        layers = self._layers
        output_layer = layers[-1]
        if not output_layer.IS_OUTPUT:
            raise ValueError("the network has no output layer to compute a loss.")

        inputs, outputs, memories = [], [], []
        for position, layer in enumerate(layers[:-1]):
            inputs.append(X)
            try:
                X, memory = layer.forward(X)
            except InputSizeError as error:
                raise InputSizeError(
                    error.layer, error.expected, error.received, index=position + 1
                ) from None
            outputs.append(X)
            memories.append(memory)
        Y = X
        T = T.astype(Y.dtype, copy=False).reshape(Y.shape[0], -1)
        loss = output_layer.forwardLoss(Y, T)

        # Softmax and cross-entropy together have the exact, stable gradient
        # (Y - T) / N; start the backward pass below the softmax with it.
        last = len(layers) - 2
        flow = {}
        if isinstance(layers[last], SoftmaxLayer) and isinstance(
            output_layer, ClassificationOutputLayer
        ):
            dZ = ((Y.reshape(T.shape) - T) / Y.shape[0]).reshape(Y.shape)
            if keep_outputs:
                flow[layers[last].Name] = output_layer.backwardLoss(Y, T)
            last -= 1
        else:
            dZ = output_layer.backwardLoss(Y, T)

        grads = {}
        for position in range(last, 0, -1):
            layer = layers[position]
            if keep_outputs:
                flow[layer.Name] = dZ
            if isinstance(layer, Convolution2DLayer) and position == 1:
                dX, layer_grads = layer.backward(
                    inputs[position],
                    outputs[position],
                    dZ,
                    memories[position],
                    input_gradient=False,
                )
            else:
                dX, layer_grads = layer.backward(
                    inputs[position], outputs[position], dZ, memories[position]
                )
            for name, value in layer_grads.items():
                grads[layer.Name, name] = value
            dZ = dX

        ordered = {
            (layer.Name, name): grads[layer.Name, name]
            for layer in layers
            for name in layer.LEARNABLES
            if (layer.Name, name) in grads
        }
        flow = {layer.Name: flow[layer.Name] for layer in layers if layer.Name in flow}
        return TrainingPass(loss, ordered, memories, flow, Y)

    def gradients(self, X, labels):
        """Return ``(loss, grads)`` for images ``X`` with class ``labels``.

        The forward pass runs in training mode (batch statistics), as in
        training, but nothing in the network changes. ``grads`` is a
        :class:`Gradients` mapping keyed ``(layer name, parameter name)``,
        whose ``outputs`` attribute holds the gradient reaching each layer's
        output.
        """
        X = self._layers[0].prepare(self._as_batch(X))
        count = numpy.size(backend.to_numpy(labels))
        if count != X.shape[0]:
            raise ValueError(
                f"labels must hold one label per image; got {count} labels for "
                f"{X.shape[0]} images."
            )
        T = self.targets(labels, X.dtype)
        result = self.training_pass(X, T, keep_outputs=True)
        return float(result.loss), Gradients(result.grads, result.outputs)

    def learnables(self):
        """Return ``{(layer name, parameter name): array}`` in network order."""
        return {
            (layer.Name, name): value
            for layer in self._layers
            for name, value in layer.learnables().items()
        }


def assembleNetwork(layers, seed=0):
    """Assemble a layer array into a :class:`SeriesNetwork`.

    The layers are copied, so the array passed in is left as it was. Unnamed
    layers get MATLAB's default names (``'conv_1'``, ``'batchnorm_1'``,
    ``'leakyrelu_1'``, ...), sizes are inferred from the input layer, and
    learnables that are not set are initialized from ``seed`` (weights by
    their initializer, batch-norm statistics to mean 0 and variance 1, input
    statistics to neutral values).

    Raises
    ------
    ValueError
        Listing every problem :func:`analyzeNetwork` finds, if there are any.

    Examples
    --------
    >>> import nnplay
    >>> net = nnplay.assembleNetwork(nnplay.examples.example_cnn())
    >>> net.Layers[1].Name, net.Layers[1].Weights.shape
    ('conv_1', (3, 3, 1, 16))
    """
    layers = as_layer_array(layers)
    report = analyzeNetwork(layers)
    if report.problems:
        raise ValueError(
            "the layers cannot be assembled into a network:\n"
            + "\n".join(f"  - {problem}" for problem in report.problems)
        )

    # Each position is copied on its own: one layer object placed twice in the
    # array becomes two layers with their own parameters.
    layers = [copy.deepcopy(layer) for layer in layers]
    for layer, name in zip(layers, default_names(layers)):
        layer.Name = name

    rng = numpy.random.default_rng(seed)
    size = None
    sizes = []
    for layer in layers:
        input_size = size
        size = (
            tuple(layer.output_size(size))
            if input_size is not None
            else layer.InputSize
        )
        layer.initialize(input_size if input_size is not None else size, rng)
        sizes.append(size)
    return SeriesNetwork(layers, sizes)

"""``trainNetwork``: mini-batch training of a layer array, MATLAB style."""

import math
import time
import warnings

import numpy

from .. import backend
from ..layers import BatchNormalizationLayer, ImageInputLayer
from ..layers._format import format_size
from ..layers.image_input import STATISTICS
from ..network import SeriesNetwork, assembleNetwork
from ..network.layer_array import as_layer_array
from .options import TrainingOptions
from .progress import ProgressBar, TrainingProgressPlot

#: Images per chunk when a pass over a data set only predicts.
INFERENCE_CHUNK = 512

INFO_FIELDS = (
    "TrainingLoss",
    "TrainingAccuracy",
    "ValidationLoss",
    "ValidationAccuracy",
    "BaseLearnRate",
    "FinalValidationLoss",
    "FinalValidationAccuracy",
    "OutputNetworkIteration",
)


class TrainingInfo:
    """What ``trainNetwork`` records, under MATLAB's field names.

    Per-iteration numpy arrays: ``TrainingLoss``, ``TrainingAccuracy`` (in
    percent), ``ValidationLoss`` and ``ValidationAccuracy`` (NaN at iterations
    without a validation), ``BaseLearnRate``. Numbers:
    ``FinalValidationLoss`` and ``FinalValidationAccuracy`` (of the returned
    network, NaN without validation data), ``OutputNetworkIteration``.
    Fields read as attributes (``info.TrainingLoss``) or by name
    (``info['TrainingLoss']``).
    """

    def __init__(self, **fields):
        for name in INFO_FIELDS:
            setattr(self, name, fields[name])

    def keys(self):
        """The field names, in MATLAB's order."""
        return list(INFO_FIELDS)

    def __getitem__(self, name):
        if name not in INFO_FIELDS:
            raise KeyError(
                f"no field {name!r}; the fields are {', '.join(INFO_FIELDS)}."
            )
        return getattr(self, name)

    def __iter__(self):
        return iter(INFO_FIELDS)

    def __len__(self):
        return len(INFO_FIELDS)

    def __repr__(self):
        width = max(len(name) for name in INFO_FIELDS)
        lines = ["  TrainingInfo with fields:", ""]
        for name in INFO_FIELDS:
            value = getattr(self, name)
            if isinstance(value, numpy.ndarray):
                text = f"[1x{value.size} double]"
            elif isinstance(value, float):
                text = "NaN" if math.isnan(value) else f"{value:.4f}"
            else:
                text = str(value)
            lines.append(f"    {name:>{width}}: {text}")
        return "\n".join(lines) + "\n"


# -- checking the inputs -----------------------------------------------------


def _as_images(X, input_layer, what):
    """Return ``X`` as an ``(N, H, W, C)`` array (a view where possible)."""
    if not hasattr(X, "shape"):
        X = numpy.asarray(X)
    if X.ndim not in (3, 4) or X.dtype.kind not in "iufb":
        raise ValueError(
            f"{what} must be a numeric array of size N x H x W x C (or N x H x W); "
            f"got {format_size(X.shape) or 'a scalar'} of dtype {X.dtype}."
        )
    if X.ndim == 3 and input_layer.InputSize[2] == 1:
        X = X.reshape(*X.shape, 1)
    if tuple(X.shape[1:]) != tuple(input_layer.InputSize):
        raise ValueError(
            f"{what} must be images of size {format_size(input_layer.InputSize)} "
            f"(the input layer's InputSize); got {X.shape[0]} of size "
            f"{format_size(X.shape[1:])}."
        )
    if X.dtype.kind == "f":
        finite = backend.array_module(X).isfinite(X).all()
        if not bool(finite):  # one pass over the data, before any training
            raise ValueError(
                f"{what} must hold finite values only; it holds NaN or infinite "
                f"pixels, which would make every loss NaN."
            )
    return X


def _as_labels(Y, count, what):
    labels = numpy.asarray(backend.to_numpy(Y))
    if labels.size != count:
        raise ValueError(
            f"{what} must have one label per image; got {count} images and "
            f"{labels.size} labels."
        )
    labels = labels.reshape(-1)
    if labels.dtype.kind == "f" and not numpy.isfinite(labels).all():
        raise ValueError(f"{what} must not contain NaN or infinite labels.")
    if labels.dtype.kind in "cmMV":
        raise ValueError(
            f"{what} must be integer, text or boolean class labels; got dtype "
            f"{labels.dtype}."
        )
    if labels.dtype.kind == "O":
        if any(label is None for label in labels):
            raise ValueError(f"{what} must not contain None.")
        labels = labels.astype(str)
    return labels


def _class_positions(labels, classes, what):
    """Return the index into ``classes`` of every label, or raise naming a stray one."""
    order = numpy.argsort(classes, kind="stable")
    position = numpy.searchsorted(classes[order], labels)
    position = numpy.minimum(position, len(classes) - 1)
    found = classes[order][position] == labels
    if not numpy.all(found):
        stray = labels[~found][0].item()
        raise ValueError(
            f"{what} must be among the classes {classes.tolist()}; got {stray!r}."
        )
    return order[position].astype(numpy.int64)


def _as_layer_array(layers):
    """Return the layers to train as a LayerArray, checking both ends."""
    if isinstance(layers, SeriesNetwork):
        layers = layers.Layers
    layers = as_layer_array(layers)
    if len(layers) == 0 or not isinstance(layers[0], ImageInputLayer):
        raise ValueError(
            "layers must start with an image input layer (imageInputLayer); got "
            f"{type(layers[0]).__name__ if len(layers) else 'no layers'}."
        )
    if not layers[-1].IS_OUTPUT:
        raise ValueError(
            "layers must end with an output layer (classificationLayer); got "
            f"{type(layers[-1]).__name__}."
        )
    return layers


def _prepare_network(layers, images, labels, options, seed):
    """Assemble the network, set input statistics and classes; return it."""
    input_layer = layers[0]
    statistics_given = all(
        getattr(input_layer, name) is not None
        for name in STATISTICS[input_layer.Normalization]
    )

    net = assembleNetwork(layers, seed=seed)
    input_layer = net._layers[0]
    if options.ResetInputNormalization or not statistics_given:
        input_layer.compute_statistics(images)

    output_layer = net._layers[-1]
    if isinstance(output_layer.Classes, str):
        classes = numpy.unique(labels)
        if len(classes) != output_layer.OutputSize:
            raise ValueError(
                f"the training labels have {len(classes)} classes, but the layer "
                f"before the output layer gives {output_layer.OutputSize} scores "
                f"per image; set that layer's output size to {len(classes)}."
            )
        output_layer.Classes = classes

    # Train in float32 on the active backend, updating the parameters in place.
    module = backend.xp()
    for layer in net._layers:
        layer._move_to(module)
        for name in (*layer.LEARNABLES, *layer.STATE):
            value = getattr(layer, "_" + name, None)
            if value is not None and value.dtype != backend.DEFAULT_DTYPE:
                setattr(layer, "_" + name, value.astype(backend.DEFAULT_DTYPE))
    return net


# -- the solvers -------------------------------------------------------------


class Solver:
    """Updates the parameters in place from their gradients.

    ``entries`` lists ``(layer, parameter name, L2 factor)``; a buffer per
    parameter is allocated once and reused at every step.
    """

    def __init__(self, entries, options):
        self.entries = entries
        self.options = options
        xp = backend.xp()
        self.scratch = [
            xp.zeros_like(getattr(layer, "_" + name)) for layer, name, _ in entries
        ]

    def decayed(self, gradient, parameter, factor, scratch):
        """Add the L2 term ``lambda * factor * w`` to ``gradient`` in place."""
        decay = self.options.L2Regularization * factor
        if decay:
            xp = backend.array_module(parameter)
            xp.multiply(parameter, decay, out=scratch)
            gradient += scratch
        return gradient


class SGDM(Solver):
    """``v = momentum * v - rate * (g + lambda * w)``; ``w = w + v``."""

    def __init__(self, entries, options):
        super().__init__(entries, options)
        xp = backend.xp()
        self.velocity = [
            xp.zeros_like(getattr(layer, "_" + name)) for layer, name, _ in entries
        ]

    def step(self, grads, learn_rate):
        momentum = self.options.Momentum
        for (layer, name, factor), velocity, scratch in zip(
            self.entries, self.velocity, self.scratch
        ):
            parameter = getattr(layer, "_" + name)
            gradient = grads[layer.Name, name].reshape(parameter.shape)
            gradient = self.decayed(gradient, parameter, factor, scratch)
            gradient *= learn_rate
            velocity *= momentum
            velocity -= gradient
            parameter += velocity


class ADAM(Solver):
    """Adam with bias-corrected moment estimates, as MATLAB computes it."""

    def __init__(self, entries, options):
        super().__init__(entries, options)
        xp = backend.xp()
        self.moments = [
            (
                xp.zeros_like(getattr(layer, "_" + name)),
                xp.zeros_like(getattr(layer, "_" + name)),
            )
            for layer, name, _ in entries
        ]
        self.count = 0

    def step(self, grads, learn_rate):
        options = self.options
        beta1, beta2 = options.GradientDecayFactor, options.SquaredGradientDecayFactor
        self.count += 1
        first_correction = 1 - beta1**self.count
        second_correction = 1 - beta2**self.count
        for (layer, name, factor), (mean, square), scratch in zip(
            self.entries, self.moments, self.scratch
        ):
            xp = backend.array_module(mean)
            parameter = getattr(layer, "_" + name)
            gradient = grads[layer.Name, name].reshape(parameter.shape)
            gradient = self.decayed(gradient, parameter, factor, scratch)
            mean *= beta1
            xp.multiply(gradient, 1 - beta1, out=scratch)
            mean += scratch
            square *= beta2
            xp.multiply(gradient, gradient, out=scratch)
            scratch *= 1 - beta2
            square += scratch
            # w -= rate * m_hat / (sqrt(v_hat) + epsilon)
            xp.divide(square, second_correction, out=scratch)
            xp.sqrt(scratch, out=scratch)
            scratch += options.Epsilon
            xp.divide(mean, scratch, out=scratch)
            scratch *= learn_rate / first_correction
            parameter -= scratch


SOLVERS = {"sgdm": SGDM, "adam": ADAM}


# -- evaluation --------------------------------------------------------------


def _evaluate(net, images, positions):
    """Return ``(loss, accuracy in percent)`` of ``net`` on a labelled set."""
    xp = backend.xp()
    total_loss = 0.0
    correct = 0
    for start in range(0, images.shape[0], INFERENCE_CHUNK):
        chunk = backend.to_backend(
            images[start : start + INFERENCE_CHUNK], backend.DEFAULT_DTYPE
        )
        scores = net.predict(chunk, MiniBatchSize=INFERENCE_CHUNK)
        scores = scores.reshape(scores.shape[0], -1)
        target = xp.asarray(positions[start : start + INFERENCE_CHUNK])
        chosen = scores[xp.arange(scores.shape[0]), target]
        tiny = xp.finfo(scores.dtype).tiny
        total_loss += float(-xp.log(xp.maximum(chosen, tiny)).astype(xp.float64).sum())
        correct += int((scores.argmax(axis=1) == target).sum())
    count = images.shape[0]
    return total_loss / count, 100.0 * correct / count


def population_statistics(net, images, chunk=INFERENCE_CHUNK):
    """Set every batch-normalization layer's statistics from one pass per layer.

    Layer by layer, the inputs that each batch-normalization layer receives
    from ``images`` (in inference mode, with the statistics already final for
    the layers before it) give its ``TrainedMean`` and its unbiased
    ``TrainedVariance``.
    """
    layers = net._layers
    for position, layer in enumerate(layers):
        if not isinstance(layer, BatchNormalizationLayer):
            continue
        xp = backend.xp()
        count = 0
        total = squares = None
        for start in range(0, images.shape[0], chunk):
            Z = backend.to_backend(images[start : start + chunk], backend.DEFAULT_DTYPE)
            for earlier in layers[:position]:
                Z = earlier.predict(Z)
            Z = Z.reshape(-1, Z.shape[-1]).astype(xp.float64)
            if total is None:
                total = xp.zeros(Z.shape[1])
                squares = xp.zeros(Z.shape[1])
            total += Z.sum(axis=0)
            squares += (Z * Z).sum(axis=0)
            count += Z.shape[0]
        mean = total / count
        variance = xp.maximum(squares - count * mean * mean, 0) / max(count - 1, 1)
        shape = layer.TrainedMean.shape
        layer.TrainedMean = mean.reshape(shape).astype(backend.DEFAULT_DTYPE)
        layer.TrainedVariance = variance.reshape(shape).astype(backend.DEFAULT_DTYPE)


# -- training ----------------------------------------------------------------


def _learn_rate(options, epoch):
    if options.LearnRateSchedule == "piecewise":
        drops = (epoch - 1) // options.LearnRateDropPeriod
        return options.InitialLearnRate * options.LearnRateDropFactor**drops
    return options.InitialLearnRate


def trainNetwork(X, Y, layers, options):
    """Train a network to classify images: ``net, info = trainNetwork(X, Y, ...)``.

    Parameters
    ----------
    X : array
        Training images ``(N, H, W, C)``, or ``(N, H, W)`` for one channel, of
        any numeric dtype (uint8 is fine: each mini-batch is converted to
        float32 on the active backend when it is used).
    Y : array
        One class label per image, of any sortable type. The sorted distinct
        labels become the output layer's ``Classes``.
    layers : LayerArray, list of layers, or SeriesNetwork
        From an image input layer to a classification layer. Learnables
        already set are trained further; missing ones are initialized from
        ``options.Seed``. The layers passed in are left unchanged.
    options : TrainingOptionsSGDM or TrainingOptionsADAM
        From :func:`trainingOptions`.

    Returns
    -------
    net : SeriesNetwork
        The trained network (float32 parameters).
    info : TrainingInfo
        Loss and accuracy per iteration, under MATLAB's field names.

    Notes
    -----
    The input layer's normalization statistics are computed from ``X``.
    Batch-normalization layers keep running averages during training (used
    by the validations); with ``BatchNormalizationStatistics='population'``
    they are replaced after training by the statistics of one pass over
    ``X``. Pressing Ctrl+C (KeyboardInterrupt) stops training with a warning
    and returns the network as trained so far, with ``info`` up to the last
    finished iteration.

    Examples
    --------
    >>> import numpy as np, nnplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 4, 4, 1)).astype(np.float32)
    >>> Y = (X.mean(axis=(1, 2, 3)) > 0).astype(int)
    >>> layers = [nnplay.imageInputLayer([4, 4, 1]), nnplay.fullyConnectedLayer(2),
    ...           nnplay.softmaxLayer(), nnplay.classificationLayer()]
    >>> options = nnplay.trainingOptions('sgdm', 'MaxEpochs', 2, 'MiniBatchSize', 16,
    ...                                  'Verbose', False)
    >>> net, info = nnplay.trainNetwork(X, Y, layers, options)
    >>> info.TrainingLoss.shape
    (8,)
    """
    if not isinstance(options, TrainingOptions):
        raise TypeError(
            "options must come from trainingOptions, e.g. trainingOptions('sgdm'); "
            f"got {type(options).__name__}."
        )
    seed = options.Seed
    if seed is None:
        seed = int(numpy.random.default_rng().integers(2**32))

    layers = _as_layer_array(layers)
    images = _as_images(X, layers[0], "X")
    labels = _as_labels(Y, images.shape[0], "Y")
    if images.shape[0] < 1:
        raise ValueError("X must hold at least one image; got none.")

    net = _prepare_network(layers, images, labels, options, seed)
    trainer = Trainer(net, images, labels, options, seed)
    return net, trainer.run()


class Trainer:
    """One run of ``trainNetwork``: the loop, its records and its displays."""

    def __init__(self, net, images, labels, options, seed):
        self.net = net
        self.images = images
        self.options = options
        classes = numpy.asarray(net.Classes)
        self.positions = _class_positions(labels, classes, "Y")
        self.num_classes = len(classes)
        self.rng = numpy.random.default_rng(numpy.random.SeedSequence([seed, 1]))

        self.validation = None
        if options.ValidationData is not None:
            val_images, val_labels = options.ValidationData
            val_images = _as_images(val_images, net._layers[0], "ValidationData")
            val_labels = _as_labels(val_labels, val_images.shape[0], "ValidationData")
            self.validation = (
                val_images,
                _class_positions(val_labels, classes, "ValidationData labels"),
            )

        count = images.shape[0]
        self.batch_size = min(options.MiniBatchSize, count)
        self.iterations_per_epoch = count // self.batch_size
        self.total = self.iterations_per_epoch * options.MaxEpochs

        self.history = {
            name: numpy.full(self.total, numpy.nan)
            for name in (
                "TrainingLoss",
                "TrainingAccuracy",
                "ValidationLoss",
                "ValidationAccuracy",
                "BaseLearnRate",
            )
        }
        xp = backend.xp()
        # Loss and correct counts stay on the device until something shows them.
        self.device_loss = xp.zeros(self.total, dtype=xp.float64)
        self.device_correct = xp.zeros(self.total, dtype=xp.int64)
        self.synced = 0
        self.completed = 0

    # -- bookkeeping ----------------------------------------------------------

    def sync(self):
        """Copy the losses and accuracies recorded on the device to the history."""
        start, stop = self.synced, self.completed
        if stop <= start:
            return
        losses = backend.to_numpy(self.device_loss[start:stop])
        correct = backend.to_numpy(self.device_correct[start:stop])
        self.history["TrainingLoss"][start:stop] = losses
        self.history["TrainingAccuracy"][start:stop] = 100.0 * correct / self.batch_size
        self.synced = stop

    def _state(self, epoch, state):
        """The fields an OutputFcn receives, as MATLAB names them."""
        self.sync()
        last = self.completed - 1
        fields = {"Epoch": epoch, "Iteration": self.completed}
        fields["TimeSinceStart"] = time.perf_counter() - self.start_time
        for name in (
            "TrainingLoss",
            "ValidationLoss",
            "BaseLearnRate",
            "TrainingAccuracy",
            "ValidationAccuracy",
        ):
            fields[name] = float(self.history[name][last]) if last >= 0 else math.nan
        fields["State"] = state
        return fields

    def _call_output_functions(self, epoch, state):
        """Call every OutputFcn; return True when one of them asks to stop."""
        functions = self.options.OutputFcn
        if not functions:
            return False
        fields = self._state(epoch, state)
        return any([bool(function(dict(fields))) for function in functions])

    # -- the loop -------------------------------------------------------------

    def run(self):
        """Train; return the :class:`TrainingInfo` of the run."""
        options = self.options
        self.start_time = time.perf_counter()
        self.epoch = 1
        bar = ProgressBar(
            self.total, self.iterations_per_epoch, options.MaxEpochs, options.Verbose
        )
        plot = None
        if options.Plots == "training-progress":
            plot = TrainingProgressPlot(self.total, self.iterations_per_epoch)

        try:
            interrupted = self._loop(bar, plot)
        finally:
            bar.close()
        self.sync()
        final_loss, final_accuracy, interrupted = self._finish(interrupted)

        if plot is not None and self.completed:
            learn_rate = self.history["BaseLearnRate"][self.completed - 1]
            plot.update(self.history, self.completed, self.epoch, learn_rate)
        if not interrupted:
            self._call_output_functions(self.epoch, "done")
        done = self.completed
        return TrainingInfo(
            **{name: values[:done].copy() for name, values in self.history.items()},
            FinalValidationLoss=final_loss,
            FinalValidationAccuracy=final_accuracy,
            OutputNetworkIteration=done,
        )

    def _loop(self, bar, plot):
        """Run the epochs; return True when a KeyboardInterrupt stopped them."""
        options = self.options
        net = self.net
        entries = [
            (layer, name, getattr(layer, "L2_FACTORS", {}).get(name, 1.0))
            for layer in net._layers
            for name in layer.LEARNABLES
        ]
        solver = SOLVERS[options.SolverName](entries, options)
        moving = [
            (position, layer)
            for position, layer in enumerate(net._layers)
            if isinstance(layer, BatchNormalizationLayer)
        ]
        count = self.images.shape[0]

        try:
            self._call_output_functions(0, "start")
            order = numpy.arange(count)
            if options.Shuffle == "once":
                order = self.rng.permutation(count)
            for self.epoch in range(1, options.MaxEpochs + 1):
                if options.Shuffle == "every-epoch":
                    order = self.rng.permutation(count)
                learn_rate = _learn_rate(options, self.epoch)
                for batch in range(self.iterations_per_epoch):
                    start = batch * self.batch_size
                    indices = order[start : start + self.batch_size]
                    self._iteration(indices, solver, moving, learn_rate)
                    bar.advance()
                    if self._after_iteration(self.epoch, bar, plot, learn_rate):
                        return False
        except KeyboardInterrupt:
            warnings.warn(
                f"trainNetwork was interrupted at epoch {self.epoch}, after "
                f"iteration {self.completed} of {self.total}; returning the network "
                "trained so far, with its moving batch-normalization statistics.",
                RuntimeWarning,
                stacklevel=4,
            )
            return True
        return False

    def _finish(self, interrupted):
        """Set population statistics and validate the final network.

        Returns ``(final validation loss, accuracy, interrupted)``; both are
        NaN without validation data or after an interruption.
        """
        final_loss = final_accuracy = math.nan
        if interrupted:
            return final_loss, final_accuracy, True

        try:
            if self.options.BatchNormalizationStatistics == "population":
                population_statistics(self.net, self.images)
            if self.validation is not None and self.completed:
                final_loss, final_accuracy = _evaluate(self.net, *self.validation)
        except KeyboardInterrupt:
            warnings.warn(
                "trainNetwork was interrupted while finishing; the batch-"
                "normalization layers not yet done keep their moving statistics, "
                "and there is no final validation.",
                RuntimeWarning,
                stacklevel=4,
            )
            return math.nan, math.nan, True
        return final_loss, final_accuracy, False

    def _iteration(self, indices, solver, moving, learn_rate):
        """One step: forward, backward, update, and the record of its loss."""
        net = self.net
        xp = backend.xp()
        if backend.array_module(self.images) is not numpy:
            X = self.images[xp.asarray(indices)]
        else:
            X = self.images[indices]
        X = backend.to_backend(X, backend.DEFAULT_DTYPE)
        target = xp.asarray(self.positions[indices])
        T = xp.zeros((target.shape[0], self.num_classes), dtype=X.dtype)
        T[xp.arange(target.shape[0]), target] = 1

        loss, grads, memories, _, scores = net.training_pass(X, T)
        correct = (scores.reshape(scores.shape[0], -1).argmax(axis=1) == target).sum()

        solver.step(grads, learn_rate)
        for position, layer in moving:
            layer.update_statistics(memories[position])

        iteration = self.completed
        self.device_loss[iteration] = loss
        self.device_correct[iteration] = correct
        self.history["BaseLearnRate"][iteration] = learn_rate
        self.completed = iteration + 1

    def _after_iteration(self, epoch, bar, plot, learn_rate):
        """Validate, show progress and call output functions; return True to stop."""
        options = self.options
        iteration = self.completed
        validated = False
        if self.validation is not None and (
            iteration == 1
            or iteration % options.ValidationFrequency == 0
            or iteration == self.total
        ):
            loss, accuracy = _evaluate(self.net, *self.validation)
            self.history["ValidationLoss"][iteration - 1] = loss
            self.history["ValidationAccuracy"][iteration - 1] = accuracy
            validated = True

        if options.Verbose and (
            validated or iteration == 1 or iteration % options.VerboseFrequency == 0
        ):
            self.sync()
            accuracies = self.history["ValidationAccuracy"][:iteration]
            measured = accuracies[~numpy.isnan(accuracies)]
            bar.show(
                epoch,
                self.history["TrainingLoss"][iteration - 1],
                self.history["TrainingAccuracy"][iteration - 1],
                measured[-1] if measured.size else None,
            )
        if plot is not None and (validated or plot.due()):
            self.sync()
            plot.update(self.history, iteration, epoch, learn_rate)
        return self._call_output_functions(epoch, "iteration")


__all__ = ["TrainingInfo", "population_statistics", "trainNetwork"]

"""What training shows while it runs: a progress bar and a live figure.

The progress bar is ``tqdm.auto``: a widget in Jupyter, text in a terminal.
The figure (``Plots='training-progress'``) draws accuracy and loss against
the iteration, like MATLAB's training-progress window, and is redrawn in
place at most once every :data:`REFRESH_SECONDS`:

* with the inline backend of Jupyter, through an updatable display;
* with ipympl (``%matplotlib widget``) or a desktop backend, on its canvas;
* with a non-interactive backend such as Agg, it is only kept up to date
  (``matplotlib.pyplot.gcf()`` gives it back for saving).
"""

import logging
import math
import time

import matplotlib
import numpy
from tqdm.auto import tqdm

from ..layers._format import format_short

logger = logging.getLogger(__name__)

#: Least time between two redraws of the training-progress figure.
REFRESH_SECONDS = 1.0

#: Weight of a new point in the smoothed training curves.
SMOOTHING = 0.1

NON_INTERACTIVE_BACKENDS = {"agg", "pdf", "ps", "svg", "pgf", "cairo", "template"}


def display_mode():
    """Return how a live figure can be shown with the current matplotlib backend.

    One of ``'inline'`` (Jupyter's inline images), ``'ipympl'`` (Jupyter
    widgets), ``'gui'`` (a desktop window) or ``'none'`` (a file backend such
    as Agg).
    """
    name = matplotlib.get_backend().lower()
    if "inline" in name:
        return "inline"
    if "ipympl" in name or name == "widget":
        return "ipympl"
    if name in NON_INTERACTIVE_BACKENDS:
        return "none"
    return "gui"


class ProgressBar:
    """A ``tqdm.auto`` bar over the iterations, with the latest numbers beside it."""

    def __init__(self, total, iterations_per_epoch, max_epochs, enabled):
        self.iterations_per_epoch = iterations_per_epoch
        self.max_epochs = max_epochs
        self.bar = tqdm(
            total=total,
            desc="trainNetwork",
            unit="it",
            disable=not enabled,
            dynamic_ncols=True,
        )

    def advance(self, steps=1):
        """Count ``steps`` finished iterations."""
        self.bar.update(steps)

    def show(self, epoch, loss, accuracy, validation_accuracy=None):
        """Show the epoch, training loss and accuracy, and validation accuracy."""
        values = {
            "epoch": f"{epoch}/{self.max_epochs}",
            "loss": f"{loss:.4f}",
            "accuracy": f"{accuracy:.2f}%",
        }
        if validation_accuracy is not None and not math.isnan(validation_accuracy):
            values["validation"] = f"{validation_accuracy:.2f}%"
        self.bar.set_postfix(values, refresh=False)

    def close(self):
        self.bar.close()


def _smoothed(values, weight=SMOOTHING):
    """Exponentially smoothed ``values``, starting from the first one."""
    result = numpy.empty_like(values)
    current = values[0] if len(values) else 0.0
    for index, value in enumerate(values):
        current = current + weight * (value - current)
        result[index] = current
    return result


class TrainingProgressPlot:
    """Accuracy above and loss below, against the iteration, redrawn in place.

    Training curves are drawn raw (light) and exponentially smoothed (dark);
    validation is black, dashed, with a marker at each validation.
    """

    def __init__(self, total, iterations_per_epoch):
        self.total = total
        self.iterations_per_epoch = iterations_per_epoch
        self.mode = display_mode()
        self.handle = None
        self.last_draw = -math.inf

        if self.mode == "inline":
            # A figure outside pyplot is not shown again when the cell ends;
            # the display handle below shows it and is updated in place.
            from matplotlib.figure import Figure

            self.figure = Figure(figsize=(8, 5.5), layout="constrained")
        else:
            from matplotlib import pyplot

            self.figure = pyplot.figure(figsize=(8, 5.5), layout="constrained")
        self.accuracy_axes, self.loss_axes = self.figure.subplots(2, 1, sharex=True)
        self._draw_frame()

        if self.mode == "inline":
            from IPython.display import display

            self.handle = display(self.figure, display_id=True)
        elif self.mode in ("ipympl", "gui"):
            from matplotlib import pyplot

            pyplot.show(block=False)

    def _draw_frame(self):
        epochs = max(1, math.ceil(self.total / self.iterations_per_epoch))
        for axes, label in (
            (self.accuracy_axes, "Accuracy (%)"),
            (self.loss_axes, "Loss"),
        ):
            axes.set_ylabel(label)
            axes.grid(True, alpha=0.3)
            axes.set_xlim(0, max(self.total, 1))
            if epochs <= 50:
                for epoch in range(1, epochs):
                    axes.axvline(
                        epoch * self.iterations_per_epoch, color="0.85", linewidth=0.8
                    )
        self.accuracy_axes.set_ylim(0, 100)
        self.loss_axes.set_xlabel("Iteration")

        self.lines = {}
        for key, axes in (("accuracy", self.accuracy_axes), ("loss", self.loss_axes)):
            (self.lines[key, "raw"],) = axes.plot(
                [], [], color="#9ecae1", linewidth=0.8, gid="training"
            )
            (self.lines[key, "smoothed"],) = axes.plot(
                [],
                [],
                color="#08519c",
                linewidth=1.5,
                label="Training (smoothed)",
                gid="training-smoothed",
            )
            (self.lines[key, "validation"],) = axes.plot(
                [],
                [],
                color="black",
                linestyle="--",
                marker="o",
                markersize=3,
                label="Validation",
                gid="validation",
            )
        self.loss_axes.legend(loc="upper right", fontsize="small")
        self.title = self.figure.suptitle("Training progress")

    def due(self):
        """Whether :data:`REFRESH_SECONDS` have passed since the last redraw."""
        return time.perf_counter() - self.last_draw >= REFRESH_SECONDS

    def update(self, history, iteration, epoch, learn_rate):
        """Redraw with ``history`` up to ``iteration``.

        ``history`` maps ``'TrainingLoss'``, ``'TrainingAccuracy'``,
        ``'ValidationLoss'`` and ``'ValidationAccuracy'`` to numpy arrays on
        the host.
        """
        self.last_draw = time.perf_counter()

        steps = numpy.arange(1, iteration + 1)
        for key, name in (("accuracy", "Accuracy"), ("loss", "Loss")):
            training = history["Training" + name][:iteration]
            validation = history["Validation" + name][:iteration]
            self.lines[key, "raw"].set_data(steps, training)
            self.lines[key, "smoothed"].set_data(steps, _smoothed(training))
            measured = ~numpy.isnan(validation)
            self.lines[key, "validation"].set_data(
                steps[measured], validation[measured]
            )
        self.loss_axes.relim()
        self.loss_axes.autoscale_view(scalex=False)
        self.title.set_text(
            f"Epoch {epoch}, iteration {iteration} of {self.total}, "
            f"learning rate {format_short(learn_rate)}"
        )
        self._refresh()

    def _refresh(self):
        if self.mode == "inline":
            self.handle.update(self.figure)
        elif self.mode == "ipympl":
            # ipympl sends the new image from draw(), even while a cell runs.
            self.figure.canvas.draw()
        elif self.mode == "gui":
            self.figure.canvas.draw_idle()
            self.figure.canvas.flush_events()


__all__ = ["ProgressBar", "TrainingProgressPlot", "display_mode"]

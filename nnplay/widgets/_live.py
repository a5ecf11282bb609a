"""What every nnplay widget shares: live figures, coalesced updates, errors.

* :func:`live_figure` makes a matplotlib Figure outside pyplot with an ipympl
  canvas, so that the figure is a widget (JupyterLab, Notebook 7, Voila) and
  is updated in place.
* :class:`CoalescedRender` runs an update at most once per frame interval on
  the kernel's asyncio loop, always ending on the latest state.
* :class:`Explorer` is the base of the widgets: a VBox with an error area, a
  render cycle that keeps the last good picture when something fails, and
  :meth:`Explorer.flush`.
"""

import asyncio
import html
import logging
import math
import time
import traceback
import warnings

import ipywidgets
import numpy
import traitlets
from ipympl.backend_nbagg import Canvas, FigureManager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

#: Shortest time between two renders of one widget, in seconds.
FRAME_INTERVAL = 1 / 30


class LiveCanvas(Canvas):
    """An ipympl canvas that redraws only what changes.

    Artists registered with :meth:`set_dynamic` (lines, images, bars whose
    data follow the slider) are drawn over a cached picture of everything
    else: axes, ticks, labels, legends. Text is the slowest thing matplotlib
    draws, so this keeps a redraw to a few milliseconds. Whatever changes the
    static part (axis limits, colour limits) must call
    :meth:`invalidate_background`; the panels of :mod:`nnplay.visualisation`
    do so through :func:`nnplay.visualisation.panels.invalidate`.

    Saving (``figure.savefig``, the ipympl download) draws every artist as
    usual.
    """

    def __init__(self, figure, *args, **kwargs):
        super().__init__(figure, *args, **kwargs)
        self._dynamic = []
        self._background = None
        self._background_renderer = None

    def set_dynamic(self, artists):
        """Redraw ``artists`` (in this order) on every frame, over the background.

        Replaces the artists given before.
        """
        for artist in self._dynamic:
            artist.set_animated(False)
        self._dynamic = list(artists)
        for artist in self._dynamic:
            artist.set_animated(True)
        self.invalidate_background()

    def invalidate_background(self):
        """Draw everything on the next frame (the static part changed)."""
        self._background = None

    def render_frame(self):
        """Render the figure into the Agg buffer, reusing the background."""
        renderer = self.get_renderer()
        if self._background is None or self._background_renderer is not renderer:
            FigureCanvasAgg.draw(self)
            renderer = self.get_renderer()
            self._background = self.copy_from_bbox(self.figure.bbox)
            self._background_renderer = renderer
        else:
            self.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible() and artist.axes is not None:
                artist.draw(renderer)

    def draw(self):
        """Render a frame and send it to the front end (when one is connected)."""
        self._png_is_old = True
        try:
            self.render_frame()
        finally:
            self.manager.refresh_all()

    def print_figure(self, *args, **kwargs):
        """Save the figure with every artist, as ``savefig`` does."""
        for artist in self._dynamic:
            artist.set_animated(False)
        try:
            return super().print_figure(*args, **kwargs)
        finally:
            for artist in self._dynamic:
                artist.set_animated(True)
            self.invalidate_background()


def live_figure(width, height, dpi=100):
    """Return a Figure whose canvas is an ipympl widget, outside pyplot.

    The canvas is a :class:`LiveCanvas`. The figure never appears in
    ``plt.get_fignums()``; display ``figure.canvas`` (a DOMWidget) to show
    it. The canvas has no header and no toolbar, and does not resize with
    the page.

    Examples
    --------
    >>> from nnplay.widgets._live import live_figure
    >>> figure = live_figure(4, 3)
    >>> type(figure.canvas).__name__
    'LiveCanvas'
    """
    figure = Figure(figsize=(width, height), dpi=dpi)
    canvas = LiveCanvas(figure)
    with warnings.catch_warnings():
        # ipympl's Toolbar passes its canvas up to traitlets, which warns.
        warnings.filterwarnings(
            "ignore", "Passing unrecognized arguments", DeprecationWarning
        )
        FigureManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    canvas.capture_scroll = False
    return figure


def redraw(figure):
    """Ask the front end to redraw ``figure``; it asks back for the new frame.

    ``draw_idle`` sends one small message; the browser coalesces requests and
    the kernel renders the frame when the browser asks for it. With no front
    end (tests, scripts) nothing is drawn until someone draws or saves.
    """
    figure.canvas.draw_idle()


class CoalescedRender:
    """Run ``render`` for the latest state, at most once per ``interval``.

    Inside a running asyncio loop (a Jupyter kernel: comm messages and cells
    are handled on its loop), :meth:`request` only marks the state as changed
    and schedules one call with ``loop.call_later``; requests that arrive
    before it runs are merged into it. While the kernel is busy with a burst
    of slider messages, the scheduled call waits behind them, so intermediate
    values are skipped and the last one is always drawn. With no running
    loop (scripts, tests), :meth:`request` renders at once.

    :meth:`flush` renders a pending request now.

    Parameters
    ----------
    render : callable
        Called with no arguments; it should not raise.
    interval : float
        Seconds between the starts of two renders at the most.
    """

    def __init__(self, render, interval=FRAME_INTERVAL):
        self._render = render
        self.interval = interval
        self._pending = False
        self._handle = None
        self._loop = None
        self._last = -float("inf")

    @property
    def pending(self):
        """True while a requested render has not run yet."""
        return self._pending

    def request(self):
        """Note that the state changed; render soon (or now, with no loop)."""
        self._pending = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None

        if loop is None:
            self.flush()
            return
        if self._handle is not None and self._loop is loop:
            return

        delay = max(0.0, self._last + self.interval - time.monotonic())
        self._loop = loop
        self._handle = loop.call_later(delay, self._on_timer)

    def _on_timer(self):
        self._handle = None
        self.flush()

    def flush(self):
        """Render now if a request is pending."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._pending:
            return

        self._pending = False
        self._last = time.monotonic()
        self._render()


class Explorer(ipywidgets.VBox):
    """Base of nnplay's widgets: rendering, error display, figures.

    Subclasses implement ``_compute()`` (everything that can fail, returning
    the new picture's data and touching no artist) and ``_apply(data)``
    (setting artist data, which does not fail). A failing ``_compute`` shows
    its message in :attr:`error_area` and leaves the last good picture on
    screen.
    """

    #: The text of the error shown, or '' when the last update worked.
    error = traitlets.Unicode("", read_only=True)

    def __init__(self, children=(), **kwargs):
        self.error_area = ipywidgets.HTML(layout=ipywidgets.Layout(display="none"))
        super().__init__(children=(*children, self.error_area), **kwargs)
        self.add_class("nnplay-widget")
        self._renderer = CoalescedRender(self._render)
        self._ready = False

    def _follow_scale(self, scale):
        """Set the first scale, tie ``self.slider`` to it, redraw on change, start."""
        self.scale = scale
        bind_slider(self, self.slider)
        self.observe(self._request_render, "scale")
        self._start()

    def _start(self):
        """Draw the first picture; from now on, changes are drawn."""
        self._ready = True
        self._renderer.request()
        self._renderer.flush()

    # -- the render cycle -----------------------------------------------------------

    def _request_render(self, change=None):
        if self._ready:
            self._renderer.request()

    def flush(self):
        """Bring the figures up to date now (updates are otherwise coalesced).

        In a notebook, a change made from code (``widget.scale = 0.3``) is
        drawn when the kernel is next idle; call ``flush()`` to read the
        figures' data right after a change.
        """
        self._renderer.flush()

    def _render(self):
        try:
            data = self._compute()
        except Exception as error:  # shown in the widget, never swallowed
            self.show_error(error)
            return
        self._apply(data)
        self.clear_error()
        for figure in self.figures:
            redraw(figure)

    def _compute(self):
        raise NotImplementedError

    def _apply(self, data):
        raise NotImplementedError

    @property
    def figures(self):
        """The widget's figures (matplotlib Figures with ipympl canvases)."""
        return [self.figure]

    # -- errors ---------------------------------------------------------------------

    def show_error(self, error, action="update the picture"):
        """Show ``error`` in the widget; the picture stays as it was."""
        message = f"{type(error).__name__}: {error}"
        details = "".join(traceback.format_exception(error))
        logger.debug("nnplay widget could not %s", action, exc_info=error)
        self.set_trait("error", message)
        self.error_area.value = (
            "<div style='border-left: 4px solid #D55E00; padding: 4px 8px; "
            "background: #fdf0e8; font-size: 14px'>"
            f"<b>Could not {html.escape(action)}.</b> "
            f"{html.escape(message)}<br>The last good picture is kept."
            "<details><summary>Details</summary><pre style='font-size: 12px'>"
            f"{html.escape(details)}</pre></details></div>"
        )
        self.error_area.layout.display = None

    def clear_error(self):
        """Hide the error area."""
        if self.error:
            self.set_trait("error", "")
            self.error_area.value = ""
            self.error_area.layout.display = "none"


def scale_slider(value, minimum=-0.5, maximum=1.5, step=0.01, description="Scale"):
    """A FloatSlider for a leaky ReLU scale, wide and readable."""
    return ipywidgets.FloatSlider(
        value=value,
        min=minimum,
        max=maximum,
        step=step,
        readout_format=".3g",
        description=description,
        continuous_update=True,
        layout=ipywidgets.Layout(width="480px"),
        style={"description_width": "initial"},
    )


def preset_buttons(values, on_choose, labels=None):
    """Buttons that set a scale; returns the HBox and the buttons by value."""
    labels = labels or {}
    buttons = {}
    for value in values:
        button = ipywidgets.Button(
            description=labels.get(value, f"{value:g}"),
            tooltip=f"Set the scale to {value:g}",
            layout=ipywidgets.Layout(width="auto"),
        )
        button.on_click(lambda _button, value=value: on_choose(value))
        buttons[value] = button
    return ipywidgets.HBox(list(buttons.values())), buttons


def bind_slider(widget, slider, name="scale"):
    """Keep ``slider.value`` and ``widget.<name>`` equal in both directions.

    A value outside the slider's range widens the range, so the slider never
    clamps a value set from code.
    """

    def from_slider(change):
        try:
            setattr(widget, name, change["new"])
        except traitlets.TraitError as error:
            # Show why, and put the slider back on the value still in force.
            if hasattr(widget, "show_error"):
                widget.show_error(error, action=f"set the {name}")
            slider.value = getattr(widget, name)

    def to_slider(change):
        value = change["new"]
        if value < slider.min:
            slider.min = value
        if value > slider.max:
            slider.max = value
        slider.value = value

    slider.observe(from_slider, "value")
    widget.observe(to_slider, name)


class ScaleTrait(traitlets.Float):
    """A trait for a leaky ReLU scale: a finite real number.

    Numpy scalars are welcome, as layers take them for their Scale; booleans,
    NaN and infinities are refused.
    """

    def validate(self, obj, value):
        if isinstance(value, (bool, numpy.bool_)):
            self.error(obj, value)
        if isinstance(value, (numpy.integer, numpy.floating)):
            value = float(value)
        value = super().validate(obj, value)
        if not math.isfinite(value):
            raise traitlets.TraitError(
                f"scale must be a finite real number; got {value}."
            )
        return value

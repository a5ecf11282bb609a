"""ScaleExplorer: the lines are the engine's f and f', updated in place."""

import asyncio
import gc
import io
import tracemalloc

import matplotlib.pyplot as plt
import numpy
import pytest
import traitlets

from nnplay.layers import leaky_relu, leaky_relu_derivative
from nnplay.widgets import ScaleExplorer
from nnplay.widgets._live import CoalescedRender


@pytest.fixture
def explorer():
    return ScaleExplorer()


def line_data(line):
    return numpy.asarray(line.get_xdata()), numpy.asarray(line.get_ydata())


def assert_lines_show(explorer, scale):
    x, y = line_data(explorer.panel.function_line)
    numpy.testing.assert_array_equal(y, leaky_relu(x, scale))
    x, y = line_data(explorer.panel.derivative_line)
    finite = numpy.isfinite(x)
    numpy.testing.assert_array_equal(y[finite], leaky_relu_derivative(x[finite], scale))
    assert numpy.isnan(y[~finite]).all() and (~finite).sum() == 1


def test_starts_at_the_default_scale_with_the_engines_curves(explorer):
    assert explorer.scale == 0.01
    assert explorer.slider.value == 0.01
    assert (explorer.slider.min, explorer.slider.max) == (-0.5, 1.5)
    assert_lines_show(explorer, 0.01)


def test_hand_computed_points_at_scale_one_tenth(explorer):
    explorer.scale = 0.1

    x, y = line_data(explorer.panel.function_line)
    assert x[0] == -3.0 and y[0] == pytest.approx(-0.3)
    assert y[x == 0.0][0] == 0.0 and y[-1] == 3.0
    x, y = line_data(explorer.panel.derivative_line)
    assert y[0] == pytest.approx(0.1) and y[-1] == 1.0
    assert y[x == 0.0][0] == 1.0  # f'(0) = 1: the x >= 0 branch
    assert explorer.panel.left_limit_marker.get_ydata()[0] == pytest.approx(0.1)
    assert list(explorer.panel.zero_marker.get_ydata()) == [1.0]


@pytest.mark.parametrize("value", [0.0, 0.01, 0.1, 0.3, 1.0])
def test_preset_buttons_set_the_scale_and_the_lines(explorer, value):
    explorer.buttons[value].click()

    assert explorer.scale == value
    assert explorer.slider.value == value
    assert_lines_show(explorer, value)
    assert f"{value:.4g}" in explorer.formula.value


def test_slider_and_scale_follow_each_other(explorer):
    explorer.slider.value = -0.25
    assert explorer.scale == -0.25
    assert_lines_show(explorer, -0.25)
    assert "flips the sign" in explorer.explanation.value

    explorer.scale = 2.0  # beyond the slider: the range widens, no clamping
    assert explorer.slider.max == 2.0 and explorer.slider.value == 2.0
    assert_lines_show(explorer, 2.0)


def test_formula_and_convention_are_stated(explorer):
    explorer.scale = 0.3
    assert r"0.3\,x & x < 0" in explorer.formula.value
    assert "f'(0) = 1" in explorer.children[-2].value


def test_a_non_finite_scale_is_refused(explorer):
    with pytest.raises(traitlets.TraitError, match="finite real number; got nan"):
        explorer.scale = float("nan")
    assert explorer.scale == 0.01


def test_a_planted_error_shows_and_keeps_the_picture(explorer, monkeypatch):
    explorer.scale = 0.3
    before = line_data(explorer.panel.function_line)[1].copy()

    def broken():
        raise RuntimeError("planted failure")

    monkeypatch.setattr(explorer, "_compute", broken)
    explorer.scale = 0.7

    assert explorer.error == "RuntimeError: planted failure"
    assert "planted failure" in explorer.error_area.value
    assert explorer.error_area.layout.display is None
    numpy.testing.assert_array_equal(line_data(explorer.panel.function_line)[1], before)

    monkeypatch.undo()
    explorer.scale = 0.5
    assert explorer.error == ""
    assert explorer.error_area.layout.display == "none"
    assert_lines_show(explorer, 0.5)


def test_cached_frames_equal_full_redraws(explorer):
    canvas = explorer.figure.canvas
    canvas.render_frame()
    for scale in (0.0, 0.37, 1.0, -0.5):
        explorer.scale = scale
        canvas.render_frame()  # restores the background, redraws the lines
        cached = numpy.asarray(canvas.get_renderer().buffer_rgba()).copy()
        canvas.invalidate_background()
        canvas.render_frame()
        full = numpy.asarray(canvas.get_renderer().buffer_rgba())
        numpy.testing.assert_array_equal(cached, full)


def test_saving_draws_the_lines_that_follow_the_slider(explorer):
    def saved_pixels():
        buffer = io.BytesIO()
        explorer.figure.savefig(buffer, format="rgba", dpi=50)
        return numpy.frombuffer(buffer.getvalue(), numpy.uint8)

    explorer.scale = 0.0
    at_zero = saved_pixels()
    explorer.scale = 1.0
    assert (saved_pixels() != at_zero).any()
    assert all(artist.get_animated() for artist in explorer.panel.dynamic_artists)


def test_a_thousand_moves_keep_figures_and_memory_flat(explorer):
    figures = plt.get_fignums()
    artists = len(explorer.figure.axes[0].get_children())
    canvas = explorer.figure.canvas
    values = numpy.linspace(-0.5, 1.5, 1000)

    for value in values[:200]:
        explorer.scale = float(value)
    gc.collect()
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    for position, value in enumerate(values):
        explorer.slider.value = float(value)
        if position % 100 == 0:
            canvas.render_frame()
    gc.collect()
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert plt.get_fignums() == figures
    assert len(explorer.figure.axes[0].get_children()) == artists
    assert end - start < 1_000_000
    assert_lines_show(explorer, 1.5)


def test_coalesced_render_runs_once_for_a_burst_and_ends_on_the_last_value():
    state = {"value": None, "renders": []}
    render = CoalescedRender(lambda: state["renders"].append(state["value"]), 0.01)

    async def burst():
        for value in range(100):
            state["value"] = value
            render.request()
        assert render.pending and state["renders"] == []
        await asyncio.sleep(0.05)
        state["value"] = "flushed"
        render.request()
        render.flush()

    asyncio.run(burst())
    assert state["renders"] == [99, "flushed"]
    assert not render.pending


def test_coalesced_render_without_a_loop_renders_at_once():
    renders = []
    render = CoalescedRender(lambda: renders.append(len(renders)))
    render.request()
    render.request()
    assert renders == [0, 1]


def test_widget_updates_wait_for_the_loop_inside_a_kernel_like_loop(explorer):
    async def drag():
        for value in numpy.linspace(0, 1, 50):
            explorer.scale = float(value)
        assert explorer._renderer.pending
        explorer.flush()
        assert not explorer._renderer.pending

    asyncio.run(drag())
    assert_lines_show(explorer, 1.0)


def test_figure_is_not_registered_with_pyplot(explorer):
    assert explorer.figure not in [plt.figure(n) for n in plt.get_fignums()]
    assert explorer.figure.canvas.header_visible is False
    assert explorer.figures == [explorer.figure]

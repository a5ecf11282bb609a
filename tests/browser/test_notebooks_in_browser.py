"""The slider notebooks work in a real browser, in JupyterLab and in Voila.

For each notebook: open it, run every cell, wait until the widgets are on the
page, move the scale slider with the keyboard as a user would, and check that
a matplotlib canvas redrew with different pixels, that no cell and no widget
callback raised an error, and that the browser console stayed clean.
"""

import os
import re
import shutil
import time
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LAB_NOTEBOOKS = ["01_leaky_relu.ipynb", "03_feature_maps.ipynb"]
VOILA_NOTEBOOKS = ["00_playground.ipynb", "03_feature_maps.ipynb"]
EXECUTION_SECONDS = 45
WIDGET_SECONDS = 20
REDRAW_SECONDS = 15
KEY_PRESSES = 6
MINIMUM_CHANGED_PIXELS = 50
SCALE_SLIDER_LABEL = re.compile(r"scale", re.IGNORECASE)

# Console errors that say nothing about the notebook: the favicon, and files
# that the Voila page asks of public CDNs (icon fonts), which a machine without
# internet access cannot reach. Everything served by our own server counts.
HARMLESS_CONSOLE_ERRORS = re.compile(
    r"favicon|Failed to load resource: net::ERR_NAME_NOT_RESOLVED "
    r"\[https?://(?!127\.0\.0\.1|localhost)",
    re.IGNORECASE,
)

SNAPSHOT_CANVASES = """
(action) => {
  const canvases = Array.from(document.querySelectorAll(
      '.jupyter-matplotlib .jupyter-matplotlib-canvas-div canvas:first-child'));
  const counts = canvases.map((canvas, index) => {
    if (!canvas.width || !canvas.height) return {index, drawn: 0, changed: 0};
    const data = canvas.getContext('2d', {willReadFrequently: true})
        .getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) drawn++;
    let changed = 0;
    const before = (window.__nnplayCanvases || [])[index];
    if (action === 'compare' && before) {
      if (before.length !== data.length) changed = data.length / 4;
      else for (let i = 0; i < data.length; i += 4)
        if (before[i] !== data[i] || before[i + 1] !== data[i + 1] ||
            before[i + 2] !== data[i + 2] || before[i + 3] !== data[i + 3]) changed++;
    }
    if (action === 'store') {
      window.__nnplayCanvases = window.__nnplayCanvases || [];
      window.__nnplayCanvases[index] = new Uint8ClampedArray(data);
    }
    return {index, drawn, changed};
  });
  return counts;
}
"""

PAGE_PROBLEMS = """
() => {
  const problems = [];
  document.querySelectorAll('.jupyter-widgets-error-widget').forEach(element =>
    problems.push('widget error: ' + element.innerText.slice(0, 300)));
  const outputs = document.querySelectorAll('.jp-OutputArea-output, .widget-output');
  outputs.forEach(element => {
    const text = element.innerText || '';
    if (/Error displaying widget|Traceback \\(most recent call last\\)/.test(text))
      problems.push('output: ' + text.slice(-500));
  });
  return problems;
}
"""

SLIDERS = """
() => Array.from(document.querySelectorAll('.widget-slider')).map(slider => ({
  label: (slider.querySelector('.widget-label') || {}).textContent || '',
  value: (slider.querySelector('.noUi-handle') || {getAttribute: () => null})
      .getAttribute('aria-valuenow'),
}))
"""


def wait_until(page, condition, timeout, interval=250):
    """Poll ``condition()`` while letting the page run; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        page.wait_for_timeout(interval)


def save_screenshot(locator_or_page, name, tmp_path):
    """Screenshot into the test's folder, and into NNPLAY_SCREENSHOTS when set."""
    path = tmp_path / name
    locator_or_page.screenshot(path=str(path))
    keep = os.environ.get("NNPLAY_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def scale_slider_index(page):
    """Return the position of the slider labelled "Scale" (or the first one)."""
    sliders = page.evaluate(SLIDERS)
    for index, slider in enumerate(sliders):
        if SCALE_SLIDER_LABEL.search(slider["label"]):
            return index
    return 0


def wait_for_widgets(page, watcher):
    """Wait until a slider and a drawn matplotlib canvas are on the page."""

    def ready():
        if page.evaluate(PAGE_PROBLEMS):
            return True
        canvases = page.evaluate(SNAPSHOT_CANVASES, "peek")
        has_slider = page.locator(".widget-slider").count() > 0
        return has_slider and any(canvas["drawn"] for canvas in canvases)

    wait_until(page, ready, WIDGET_SECONDS)
    assert page.evaluate(PAGE_PROBLEMS) == []
    assert page.locator(".widget-slider").count() > 0, "no slider on the page"
    canvases = page.evaluate(SNAPSHOT_CANVASES, "peek")
    assert any(canvas["drawn"] for canvas in canvases), f"no canvas drawn: {canvases}"
    wait_for_quiet_kernel(page, watcher)


def wait_for_quiet_kernel(page, watcher, seconds=1.0):
    """Wait until the kernel has been idle, with no new traffic, for ``seconds``."""
    last = {"count": -1, "since": time.monotonic()}

    def quiet():
        count = len(watcher.kernel_states)
        if count != last["count"]:
            last.update(count=count, since=time.monotonic())
            return False
        return watcher.kernel_idle and time.monotonic() - last["since"] > seconds

    wait_until(page, quiet, REDRAW_SECONDS)


def move_scale_slider(page, watcher):
    """Press arrow keys on the scale slider's handle; return (before, after) values."""
    index = scale_slider_index(page)
    slider = page.locator(".widget-slider").nth(index)
    slider.scroll_into_view_if_needed()
    handle = slider.locator(".noUi-handle").first
    before = handle.get_attribute("aria-valuenow")

    for key in ("ArrowRight", "ArrowUp"):
        handle.focus()
        for _ in range(KEY_PRESSES):
            page.keyboard.press(key)
            page.wait_for_timeout(80)
        if handle.get_attribute("aria-valuenow") != before:
            break

    return before, handle.get_attribute("aria-valuenow")


def check_slider_redraws_figure(page, watcher, tmp_path, name):
    """Move the slider and check that some canvas changed; screenshot both states."""
    page.evaluate(SNAPSHOT_CANVASES, "store")
    save_screenshot(page, f"{name}-before.png", tmp_path)

    before, after = move_scale_slider(page, watcher)
    assert after != before, f"the slider did not move (stayed at {before})"

    def changed():
        counts = page.evaluate(SNAPSHOT_CANVASES, "compare")
        return max((count["changed"] for count in counts), default=0)

    wait_until(page, lambda: changed() >= MINIMUM_CHANGED_PIXELS, REDRAW_SECONDS)
    wait_for_quiet_kernel(page, watcher)
    save_screenshot(page, f"{name}-after.png", tmp_path)
    assert changed() >= MINIMUM_CHANGED_PIXELS, (
        f"no canvas redrew after the slider went from {before} to {after}"
    )
    slider = page.locator(".widget-slider").nth(scale_slider_index(page))
    widget = slider.locator(
        "xpath=ancestor::div[contains(concat(' ', @class, ' '), "
        "' jp-OutputArea-output ')][1]"
    )
    save_screenshot(widget, f"{name}-widget.png", tmp_path)


def check_nothing_went_wrong(page, watcher, server):
    """No error outputs, kernel errors, console errors or kernel tracebacks."""
    assert page.evaluate(PAGE_PROBLEMS) == []
    assert watcher.kernel_errors == []
    console = [
        text
        for text in watcher.console_errors
        if not HARMLESS_CONSOLE_ERRORS.search(text)
    ]
    assert console == []
    log = server.log_text()
    assert "Traceback (most recent call last)" not in log, server.log_tail(60)


def run_all_cells_in_lab(page, watcher):
    """Use JupyterLab's Run menu to run every cell; wait until all have finished."""
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=EXECUTION_SECONDS * 1000)
    assert wait_until(page, lambda: watcher.kernel_idle, EXECUTION_SECONDS), (
        "the kernel never became idle"
    )
    code_cells = page.locator(".jp-Notebook .jp-CodeCell").count()

    for _ in range(3):  # a click on a page that is still settling can be lost
        page.keyboard.press("Escape")
        page.click("#jp-MainMenu .lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item[data-command='runmenu:run-all']")
        if wait_until(page, lambda: watcher.executions_requested > 0, 5):
            break

    def finished():
        return (
            watcher.executions_requested >= code_cells
            and watcher.executions_replied >= watcher.executions_requested
            and watcher.kernel_idle
        )

    assert wait_until(page, finished, EXECUTION_SECONDS), (
        f"{watcher.executions_requested} of {code_cells} cells were sent to the "
        f"kernel and {watcher.executions_replied} finished in time"
    )
    assert watcher.executions_requested == code_cells


@pytest.mark.parametrize("name", LAB_NOTEBOOKS)
def test_slider_redraws_figure_in_jupyterlab(name, lab_server, page, watcher, tmp_path):
    # A workspace of its own, reset, so that no tab of an earlier test reopens.
    url = (
        f"{lab_server.base_url}/lab/workspaces/{name[:2]}/tree/notebooks/{name}"
        f"?reset&token={lab_server.token}"
    )

    try:
        page.goto(url)
        run_all_cells_in_lab(page, watcher)
        lab_server.remember_children()
        wait_for_widgets(page, watcher)
        check_slider_redraws_figure(page, watcher, tmp_path, f"lab-{name[:2]}")
    finally:
        lab_server.shut_down_sessions()

    check_nothing_went_wrong(page, watcher, lab_server)


@pytest.mark.parametrize("name", VOILA_NOTEBOOKS)
def test_slider_redraws_figure_in_voila(name, voila_server, page, watcher, tmp_path):
    server = voila_server(NOTEBOOKS / name)

    page.goto(f"{server.base_url}/?token={server.token}")
    page.wait_for_selector(
        ".widget-slider, .jp-OutputArea-output", timeout=EXECUTION_SECONDS * 1000
    )
    server.remember_children()
    wait_for_widgets(page, watcher)
    check_slider_redraws_figure(page, watcher, tmp_path, f"voila-{name[:2]}")

    check_nothing_went_wrong(page, watcher, server)

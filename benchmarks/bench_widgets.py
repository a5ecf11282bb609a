"""How long one slider step takes in nnplay's widgets, headless.

For each widget, a step is: set ``widget.scale`` (the forward or backward
pass and the update of the artists' data) and render the figure with the
Agg renderer (``canvas.render_frame()``: the cached background plus the
artists that changed). That is the time from a slider value to an updated
picture, without the browser. Three more columns for context:

* ``frame``: the same plus the PNG the kernel sends to a connected browser
  (``canvas.draw()`` with a front end attached: the diff image, encoded);
* ``full draw``: the step with the whole figure redrawn (background cache
  off), what a plain matplotlib canvas would cost;
* ``compute``: setting the scale only (no drawing).

Each column is the median over many steps, the scale stepping through
-0.5..1.5 (0..1 for the gradient flow) so every step changes the picture.

Targets: ScaleExplorer <= 30 ms and FeatureMapExplorer <= 80 ms per step on
a two-core machine. The gradient flow explorer has no target: each step is
a forward and backward pass of 64 digits.

Usage::

    python benchmarks/bench_widgets.py
    python benchmarks/bench_widgets.py --json widgets.json
    python benchmarks/bench_widgets.py --quick        # fewer steps, rough

Run it on an otherwise idle machine: the load average is printed before and
after, and a load above the number of cores makes every number larger.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

#: Median step targets in milliseconds.
TARGETS = {"ScaleExplorer": 30.0, "FeatureMapExplorer": 80.0}


def timed(function, scales, widget):
    """Run ``function`` after setting each scale; return milliseconds per step."""
    times = []
    for scale in scales:
        start = time.perf_counter()
        widget.scale = float(scale)
        function()
        times.append(1000 * (time.perf_counter() - start))
    return times


def measure(widget, scales, warmup):
    """Time the four kinds of step on ``widget``; return a dict of summaries."""
    canvas = widget.figure.canvas
    canvas.render_frame()

    def render():
        canvas.render_frame()

    def full():
        canvas.invalidate_background()
        canvas.render_frame()

    def frame():
        canvas.draw()

    def nothing():
        pass

    # A connected browser: ipympl sends diffs and stops keeping a PNG copy.
    canvas.syncing_data_url = False
    results = {}
    for name, function in (
        ("step", render),
        ("frame", frame),
        ("full_draw", full),
        ("compute", nothing),
    ):
        timed(function, scales[:warmup], widget)
        samples = timed(function, scales, widget)
        results[name] = {
            "median_ms": statistics.median(samples),
            "p90_ms": sorted(samples)[int(0.9 * (len(samples) - 1))],
            "steps": len(samples),
        }
    return results


def machine():
    """What the numbers were measured on."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "python": platform.python_version(),
        "matplotlib": matplotlib.__version__,
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "load_average_before": list(os.getloadavg()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument(
        "--steps", type=int, default=200, help="steps per column (default 200)"
    )
    parser.add_argument("--quick", action="store_true", help="40 steps per column")
    arguments = parser.parse_args(argv)
    steps = 40 if arguments.quick else arguments.steps

    import numpy

    from nnplay.widgets import (
        FeatureMapExplorer,
        GradientFlowExplorer,
        ScaleExplorer,
    )

    meta = machine()
    widgets = {
        "ScaleExplorer": (ScaleExplorer, (-0.5, 1.5), steps),
        "FeatureMapExplorer": (FeatureMapExplorer, (-0.5, 1.5), steps),
        "GradientFlowExplorer": (
            GradientFlowExplorer,
            (0.0, 1.0),
            max(10, steps // 10),
        ),
    }
    results = {}
    for name, (cls, (low, high), count) in widgets.items():
        start = time.perf_counter()
        widget = cls()
        built = 1000 * (time.perf_counter() - start)
        # Alternate ends of the range so that consecutive steps differ a lot.
        scales = numpy.linspace(low, high, count)
        scales = numpy.where(numpy.arange(count) % 2, scales, scales[::-1])
        results[name] = measure(widget, scales, warmup=max(3, count // 10))
        results[name]["build_ms"] = built
        results[name]["target_ms"] = TARGETS.get(name)
    meta["load_average_after"] = list(os.getloadavg())

    print(f"nnplay widget benchmark, {meta['date']}, {meta['cpu_count']} cores")
    print(f"load average before {meta['load_average_before']}")
    header = (
        f"{'widget':<22}{'step':>9}{'p90':>9}{'target':>8}{'frame':>9}"
        f"{'full draw':>11}{'compute':>9}{'build':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, row in results.items():
        target = row["target_ms"]
        verdict = (
            ""
            if target is None
            else (" ok" if row["step"]["median_ms"] <= target else " SLOW")
        )
        print(
            f"{name:<22}{row['step']['median_ms']:>8.1f} {row['step']['p90_ms']:>8.1f} "
            f"{'' if target is None else f'{target:.0f}':>7}"
            f"{row['frame']['median_ms']:>9.1f}{row['full_draw']['median_ms']:>11.1f}"
            f"{row['compute']['median_ms']:>9.1f}{row['build_ms']:>9.0f}{verdict}"
        )
    print("milliseconds; step = set the scale + render (median), frame = + PNG")
    print(f"load average after {meta['load_average_after']}")

    if arguments.json:
        arguments.json.write_text(json.dumps({**results, "meta": meta}, indent=2))
        print(f"wrote {arguments.json}")
    slow = [
        name
        for name, row in results.items()
        if row["target_ms"] is not None and row["step"]["median_ms"] > row["target_ms"]
    ]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

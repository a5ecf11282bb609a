"""Playground: the widgets on the shipped network and digits, sharing a scale."""

import matplotlib.pyplot as plt
import numpy
import pytest

import nnplay
from nnplay.data import load_digits
from nnplay.widgets import Playground


@pytest.fixture(scope="module")
def playground():
    return Playground()


def test_tabs_hold_every_widget(playground):
    assert playground.tabs.titles == (
        "The function",
        "Inside the network",
        "Gradient flow",
        "Build your own",
    )
    assert list(playground.explorers) == [
        "ScaleExplorer",
        "FeatureMapExplorer",
        "GradientFlowExplorer",
        "LayerArrayBuilder",
    ]
    assert len(playground.figures) == 3  # the builder has none until trained
    assert all(
        figure.canvas in _descendants(playground) for figure in playground.figures
    )


def _descendants(widget):
    found = []
    for child in getattr(widget, "children", ()):
        found.append(child)
        found += _descendants(child)
    return found


def test_uses_the_shipped_network_and_validation_digits(playground):
    explorer = playground.explorers["FeatureMapExplorer"]
    images, labels = load_digits("validation")
    assert explorer.images.shape == (2000, 28, 28, 1)
    assert numpy.array_equal(explorer.labels, labels)
    assert playground.net is explorer.net
    shipped = nnplay.examples.pretrained_example_cnn()
    numpy.testing.assert_array_equal(
        nnplay.to_numpy(explorer.net.Layers["conv_1"].Weights),
        nnplay.to_numpy(shipped.Layers["conv_1"].Weights),
    )
    assert explorer.scale == 0.01
    predicted = explorer.probability_panel.title.get_text()
    assert predicted.startswith(f"Predicted {labels[0]} ")


def test_scale_follows_the_open_tab(playground):
    scale_tab = playground.explorers["ScaleExplorer"]
    feature_tab = playground.explorers["FeatureMapExplorer"]
    gradient_tab = playground.explorers["GradientFlowExplorer"]

    playground.tabs.selected_index = 0
    scale_tab.slider.value = 0.3
    assert playground.scale == 0.3
    assert feature_tab.scale == 0.01  # hidden tabs do not compute

    playground.tabs.selected_index = 1
    assert feature_tab.scale == 0.3
    feature_tab.scale = 0.0
    assert playground.scale == 0.0 and scale_tab.scale == 0.3

    playground.tabs.selected_index = 2
    assert gradient_tab.scale == 0.0
    playground.tabs.selected_index = 3
    playground.scale = 0.5  # the builder has no scale until trained
    playground.tabs.selected_index = 0
    assert scale_tab.scale == 0.5


def test_no_pyplot_figures(playground):
    assert all(
        figure not in map(plt.figure, plt.get_fignums())
        for figure in playground.figures
    )

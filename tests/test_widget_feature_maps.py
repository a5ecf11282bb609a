"""FeatureMapExplorer: the images are the network's activations, nothing changes."""

import copy
import datetime
import io

import matplotlib.pyplot as plt
import numpy
import pytest
import traitlets
from matplotlib.backend_bases import MouseEvent
from PIL import Image

import nnplay
from nnplay.data import load_digits
from nnplay.visualisation import tile_channels
from nnplay.widgets import FeatureMapExplorer
from nnplay.widgets._digit_input import decode_image, mnist_like


@pytest.fixture(scope="module")
def digits():
    images, labels = load_digits("validation")
    return images[:40], labels[:40]


@pytest.fixture(scope="module")
def network(digits):
    layers = nnplay.examples.example_cnn()
    layers[0].compute_statistics(load_digits("train")[0][:500])
    return nnplay.assembleNetwork(layers, seed=3)


@pytest.fixture
def explorer(network, digits):
    images, labels = digits
    return FeatureMapExplorer(
        net=copy.deepcopy(network), images=images, labels=labels, index=2
    )


def expected_maps(network, image, layer, before, scale, all_layers=True):
    net = copy.deepcopy(network)
    for name in ("leakyrelu_1", "leakyrelu_2"):
        if all_layers or name == layer:
            net.Layers[name].Scale = scale
    entering, leaving, probabilities = net.activations(
        image, [before, layer, "softmax"]
    )
    return tile_channels(entering), tile_channels(leaving), probabilities[0]


def shown(panel):
    return numpy.asarray(panel.image.get_array())


def test_images_are_the_networks_activations(explorer, network, digits):
    images, labels = digits
    explorer.scale = 0.3

    entering, leaving, probabilities = expected_maps(
        network, images[2], "leakyrelu_1", "batchnorm_1", 0.3
    )
    numpy.testing.assert_array_equal(shown(explorer.before_panel), entering)
    numpy.testing.assert_array_equal(shown(explorer.after_panel), leaving)
    assert shown(explorer.after_panel).shape == (107, 107)  # 4 x 4 tiles of 26
    numpy.testing.assert_array_equal(
        shown(explorer.digit_panel), images[2][:, :, 0].astype(numpy.float32)
    )
    heights = [bar.get_height() for bar in explorer.probability_panel.bars]
    numpy.testing.assert_allclose(heights, probabilities, rtol=1e-6)
    best = int(numpy.argmax(probabilities))
    colours = {bar.get_facecolor() for bar in explorer.probability_panel.bars}
    assert len(colours) == 2
    assert explorer.probability_panel.bars[best].get_facecolor() != (
        explorer.probability_panel.bars[best - 1].get_facecolor()
    )
    assert f"true label {labels[2]}" in explorer.probability_panel.title.get_text()


def test_leaving_is_the_leaky_relu_of_entering(explorer):
    for scale in (0.0, 0.01, 0.5, 1.0, -0.5):
        explorer.scale = scale
        entering = shown(explorer.before_panel)
        leaving = shown(explorer.after_panel)
        expected = numpy.where(entering >= 0, entering, numpy.float32(scale) * entering)
        numpy.testing.assert_array_equal(leaving, expected)


def test_second_layer_and_scale_on_the_shown_layer_only(explorer, network, digits):
    images, _ = digits
    explorer.layer = "leakyrelu_2"
    explorer.apply_buttons.value = "the shown layer only"
    explorer.scale = 0.0

    assert explorer.apply_to_all is False
    assert explorer.net.Layers["leakyrelu_1"].Scale == 0.01
    entering, leaving, _ = expected_maps(
        network, images[2], "leakyrelu_2", "batchnorm_2", 0.0, all_layers=False
    )
    numpy.testing.assert_array_equal(shown(explorer.before_panel), entering)
    numpy.testing.assert_array_equal(shown(explorer.after_panel), leaving)
    assert shown(explorer.after_panel).shape == (47, 95)  # 4 x 8 tiles of 11
    assert explorer.after_panel.image.get_extent() == [-0.5, 94.5, 46.5, -0.5]


def test_colour_limits_are_fixed_and_centred(explorer):
    low, high = explorer.after_panel.image.get_clim()
    assert low == -high and high > 0
    assert explorer.before_panel.image.get_clim() == (low, high)
    explorer.scale = 1.0
    explorer.index = 7
    assert explorer.after_panel.image.get_clim() == (low, high)
    assert explorer.after_panel.image.get_cmap().name == "RdBu_r"


def test_histogram_and_summary_count_the_negative_inputs(explorer):
    explorer.scale = 0.25
    entering = shown(explorer.before_panel)
    values = entering[numpy.isfinite(entering)]
    share = 100 * numpy.count_nonzero(values < 0) / values.size

    panel = explorer.histogram_panel
    negative = panel.negative.get_data().values
    positive = panel.positive.get_data().values
    assert negative.sum() + positive.sum() == pytest.approx(100.0)
    assert negative.sum() == pytest.approx(share)
    assert f"<b>{share:.1f}%</b> of the {values.size:,} values" in (
        explorer.summary.value
    )
    assert "<b>0.25&times;</b>" in explorer.summary.value

    explorer.scale = 0.0
    assert "<b>none</b> of their magnitude passes" in explorer.summary.value


def test_inference_only_weights_and_statistics_never_change(explorer):
    net = explorer.net
    before = {
        (layer.Name, name): nnplay.to_numpy(getattr(layer, name)).copy()
        for layer in net.Layers
        for name in (*layer.LEARNABLES, *layer.STATE)
        if getattr(layer, name) is not None
    }
    assert ("batchnorm_1", "TrainedMean") in before

    for step in range(60):
        explorer.scale = float(numpy.sin(step))
        explorer.index = step % 40
        explorer.layer = ("leakyrelu_1", "leakyrelu_2")[step % 2]

    for (layer, name), value in before.items():
        numpy.testing.assert_array_equal(
            nnplay.to_numpy(getattr(net.Layers[layer], name)), value
        )


def test_a_planted_error_shows_and_keeps_the_last_picture(explorer, monkeypatch):
    explorer.scale = 0.2
    after = shown(explorer.after_panel).copy()
    title = explorer.probability_panel.title.get_text()

    def broken(*args, **kwargs):
        raise RuntimeError("activations exploded")

    monkeypatch.setattr(explorer.net, "activations", broken)
    explorer.scale = 0.9

    assert explorer.error == "RuntimeError: activations exploded"
    assert "activations exploded" in explorer.error_area.value
    numpy.testing.assert_array_equal(shown(explorer.after_panel), after)
    assert explorer.probability_panel.title.get_text() == title

    monkeypatch.undo()
    explorer.scale = 0.8
    assert explorer.error == ""
    assert not numpy.array_equal(shown(explorer.after_panel), after, equal_nan=True)


def test_bad_values_are_refused_with_a_message(explorer):
    with pytest.raises(traitlets.TraitError, match="between 0 and 39; got 40"):
        explorer.index = 40
    with pytest.raises(traitlets.TraitError, match="leakyrelu_1, leakyrelu_2"):
        explorer.layer = "conv_1"


def test_a_drawn_digit_goes_through_the_network(explorer, network):
    pad = explorer.pad
    pad.clear()
    to_display = pad.axes.transData.transform
    canvas = pad.canvas
    for name, point in (
        ("button_press_event", (56, 15)),
        ("motion_notify_event", (56, 60)),
        ("motion_notify_event", (56, 95)),
        ("button_release_event", (56, 95)),
    ):
        x, y = to_display(point)
        MouseEvent(name, canvas, x, y, button=1)._process()

    assert explorer.source == "custom"
    drawn = pad.digit()
    assert drawn.max() == 255 and (drawn > 0).sum() > 30
    numpy.testing.assert_array_equal(shown(explorer.digit_panel), drawn)
    net = copy.deepcopy(network)
    expected = tile_channels(net.activations(drawn.reshape(28, 28, 1), "leakyrelu_1"))
    numpy.testing.assert_array_equal(shown(explorer.after_panel), expected)
    assert explorer.digit_panel.title.get_text() == "Your digit"

    explorer.index_slider.value = 5
    assert explorer.source == "digits"


def uploaded(name, content):
    """A FileUpload value entry, as the front end sends it."""
    return {
        "name": name,
        "type": "image/png",
        "size": len(content),
        "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        "content": memoryview(content),
    }


def test_an_uploaded_picture_is_read_like_mnist(explorer):
    paper = numpy.full((60, 40), 250, numpy.uint8)
    paper[10:50, 18:23] = 10  # a dark "1" on light paper
    buffer = io.BytesIO()
    Image.fromarray(paper).save(buffer, format="PNG")

    explorer.upload.value = (uploaded("one.png", buffer.getvalue()),)
    digit = shown(explorer.digit_panel)
    assert explorer.source == "custom"
    assert digit.max() == 255 and digit[0, 0] == 0  # white digit on black
    assert (digit > 127).sum(axis=0).max() == 20  # scaled to 20 pixels high

    explorer.upload.value = (uploaded("bad.png", b"not an image"),)
    assert "not an image that can be read" in explorer.error
    numpy.testing.assert_array_equal(shown(explorer.digit_panel), digit)


def test_mnist_like_centres_by_mass_and_fits_twenty_pixels():
    picture = numpy.zeros((200, 100))
    picture[20:180, 40:60] = 1.0
    digit = mnist_like(picture)
    rows, columns = numpy.nonzero(digit > 127)
    assert rows.max() - rows.min() + 1 == 20
    mass = digit.astype(float)
    assert (mass.sum(axis=1) * numpy.arange(28)).sum() / mass.sum() == pytest.approx(
        13.5, abs=0.5
    )
    assert mnist_like(numpy.zeros((5, 5))).max() == 0
    assert decode_image is not None


def test_many_moves_keep_figures_and_artists(explorer):
    figures = plt.get_fignums()
    children = [len(axes.get_children()) for axes in explorer.figure.axes]
    canvas = explorer.figure.canvas
    for value in numpy.linspace(-0.5, 1.5, 300):
        explorer.slider.value = float(value)
    canvas.render_frame()
    assert plt.get_fignums() == figures
    assert [len(axes.get_children()) for axes in explorer.figure.axes] == children


def test_cached_frames_equal_full_redraws(explorer):
    canvas = explorer.figure.canvas
    canvas.render_frame()
    for scale, index in ((0.0, 3), (0.5, 3), (1.0, 9)):
        explorer.scale = scale
        explorer.index = index
        canvas.render_frame()
        cached = numpy.asarray(canvas.get_renderer().buffer_rgba()).copy()
        canvas.invalidate_background()
        canvas.render_frame()
        numpy.testing.assert_array_equal(
            cached, numpy.asarray(canvas.get_renderer().buffer_rgba())
        )

"""LayerArrayBuilder: edits, live checks, code that round-trips, training."""

import pytest

import nnplay
from nnplay.layers import LAYER_CLASSES
from nnplay.widgets import LayerArrayBuilder
from nnplay.widgets.layer_array_builder import parse_value

EXAMPLE_MATLAB = """layers = [
    imageInputLayer([28 28 1])
    convolution2dLayer(3,16)
    batchNormalizationLayer()
    leakyReluLayer(0.01)
    maxPooling2dLayer(2,'Stride',2)
    convolution2dLayer(3,32)
    batchNormalizationLayer()
    leakyReluLayer(0.01)
    fullyConnectedLayer(10)
    softmaxLayer()
    classificationLayer()
];
"""


def rebuilt(builder):
    namespace = {}
    exec(builder.to_python(), namespace)
    return namespace["layers"]


@pytest.fixture
def builder():
    return LayerArrayBuilder(train_digits=128)


def test_starts_from_the_example_network(builder):
    assert builder.layers == nnplay.examples.example_cnn()
    assert builder.layers is not nnplay.examples.example_cnn()
    assert len(builder.layer_list.options) == 11
    assert "Leaky ReLU with scale 0.01" in builder.display_area.value
    assert "No problems found." in builder.analysis_area.value
    assert builder.problems == []


def test_matlab_code_of_the_example(builder):
    assert builder.to_matlab() == EXAMPLE_MATLAB
    assert builder.matlab_area.value == EXAMPLE_MATLAB


def test_python_code_round_trips(builder):
    assert rebuilt(builder) == builder.layers
    assert "nnplay.maxPooling2dLayer(2, Stride=2)" in builder.to_python()


def test_edits_round_trip_through_python_code(builder):
    builder.selected = 1
    assert builder.edit("Padding", "same")
    assert builder.edit("FilterSize", [5, 3])
    assert builder.edit("Name", "first")
    builder.selected = 3
    assert builder.edit("Scale", 0.2)
    for name in LAYER_CLASSES:
        builder.add(name)

    assert builder.layers[1].Padding == "same"
    assert builder.layers[1].FilterSize == (5, 3)
    assert builder.layers[3].Scale == 0.2
    assert len(builder.layers) == 11 + len(LAYER_CLASSES)
    assert rebuilt(builder) == builder.layers
    assert "convolution2dLayer([5 3],16,'Padding','same','Name','first')" in (
        builder.to_matlab()
    )


def test_remove_and_move(builder):
    builder.selected = 3
    builder.remove()
    assert [layer.TYPE for layer in builder.layers][2:4] == [
        "Batch Normalization",
        "Max Pooling",
    ]
    builder.selected = 2
    builder.move(-1)
    assert builder.selected == 1
    assert builder.layers[1].TYPE == "Batch Normalization"
    assert builder.layers[2].TYPE == "Convolution"
    assert rebuilt(builder) == builder.layers


def test_buttons_and_list_drive_the_edits(builder):
    builder.layer_list.value = 4
    assert builder.selected == 4
    builder.type_dropdown.value = "ReLULayer"
    builder.buttons["add"].click()
    assert builder.layers[5].TYPE == "ReLU" and builder.selected == 5
    builder.buttons["insert"].click()
    assert builder.layers[5].TYPE == "ReLU" and builder.layers[6].TYPE == "ReLU"
    builder.buttons["remove"].click()
    builder.buttons["up"].click()
    assert builder.selected == 4
    builder.buttons["reset"].click()
    assert builder.layers == nnplay.examples.example_cnn()


def test_the_form_edits_the_selected_layer(builder):
    builder.layer_list.value = 1
    fields = {field.description: field for field in builder.form.children[1:]}
    assert fields["NumFilters"].value == "16"
    assert fields["Padding"].value == "0"

    fields["NumFilters"].value = "8"
    assert builder.layers[1].NumFilters == 8
    assert "8x26x26" not in builder.analysis_area.value
    assert "26x26x8" in builder.analysis_area.value


def test_bad_values_show_a_message_and_keep_the_last_good_array(builder):
    good = builder.layers.copy()
    assert not builder.edit("NumFilters", -1, position=1)
    assert "NumFilters must be a positive integer; got -1." in builder.message
    assert "unchanged" in builder.message_area.value
    assert builder.layers == good

    builder.layer_list.value = 1
    fields = {field.description: field for field in builder.form.children[1:]}
    fields["FilterSize"].value = "[3, oops"
    assert "is not a value" in builder.message
    assert builder.layers == good

    assert not builder.edit("Colour", 3, position=1)
    assert "no editable parameter 'Colour'" in builder.message
    builder.add("NoSuchLayer")
    assert "class_name must be one of" in builder.message
    builder.selected = 0
    builder.buttons["up"].click()
    assert "cannot move up" in builder.message
    assert builder.layers == good


def test_problems_show_inline(builder):
    builder.selected = 9
    builder.remove()  # the softmax layer
    assert any("softmax layer must come right before" in p for p in builder.problems)
    assert "Problems" in builder.message_area.value
    assert "(1 problems)" in builder.views.titles[1]
    assert rebuilt(builder) == builder.layers


def test_parse_value_reads_literals_and_words():
    assert parse_value("[3, 3]") == [3, 3]
    assert parse_value(" 0.25 ") == 0.25
    assert parse_value("same") == "same"
    assert parse_value("'conv_1'") == "conv_1"
    with pytest.raises(ValueError, match="is not a value"):
        parse_value("[1, ")


def test_train_hands_the_network_to_an_explorer(builder):
    net = builder.train()

    assert net is builder.net
    assert isinstance(net, nnplay.SeriesNetwork)
    assert builder.progress.value == builder.progress.max == 2
    assert "Trained for 1 epoch on 128 digits" in builder.message
    assert builder.explorer.net is net
    assert builder.explorer.error == ""
    assert builder.figures == builder.explorer.figures
    builder.scale = 0.5
    assert builder.explorer.scale == 0.5
    assert net.Layers["leakyrelu_1"].Scale == 0.5


def test_train_refuses_an_array_with_problems(builder):
    builder.selected = 0
    builder.remove()
    assert builder.train() is None
    assert "Fix the problems first" in builder.message
    assert builder.net is None

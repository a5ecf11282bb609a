"""trainingOptions, trainNetwork and the pretrained example network."""

import math
import warnings

import matplotlib
import numpy as np
import pytest

import nnplay
from nnplay.training import TrainingOptionsADAM, TrainingOptionsSGDM

# -- trainingOptions ---------------------------------------------------------------


def test_sgdm_defaults_are_matlab_defaults():
    options = nnplay.trainingOptions("sgdm")

    assert isinstance(options, TrainingOptionsSGDM)
    assert options.SolverName == "sgdm"
    assert options.Momentum == 0.9
    assert options.InitialLearnRate == 0.01
    assert options.LearnRateSchedule == "none"
    assert options.LearnRateDropFactor == 0.1
    assert options.LearnRateDropPeriod == 10
    assert options.L2Regularization == 1e-4
    assert options.MaxEpochs == 30
    assert options.MiniBatchSize == 128
    assert options.Shuffle == "once"
    assert options.ValidationData is None
    assert options.ValidationFrequency == 50
    assert options.Verbose is True
    assert options.VerboseFrequency == 50
    assert options.Plots == "none"
    assert options.BatchNormalizationStatistics == "population"
    assert options.ResetInputNormalization is True
    assert options.OutputFcn is None
    assert options.Seed == 0


def test_adam_defaults():
    options = nnplay.trainingOptions("Adam")

    assert isinstance(options, TrainingOptionsADAM)
    assert options.InitialLearnRate == 0.001
    assert options.GradientDecayFactor == 0.9
    assert options.SquaredGradientDecayFactor == 0.999
    assert options.Epsilon == 1e-8
    assert not hasattr(options, "Momentum")


def test_name_value_pairs_and_keywords():
    options = nnplay.trainingOptions(
        "sgdm", "maxepochs", 5, "Shuffle", "EVERY-EPOCH", mini_batch_size=64
    )

    assert options.MaxEpochs == 5
    assert options.Shuffle == "every-epoch"
    assert options.MiniBatchSize == 64


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("sgdm", "MiniBatchSize", 0), ValueError, "MiniBatchSize must be a positive integer; got 0."),
        (("sgdm", "MaxEpochs", 2.5), ValueError, "MaxEpochs must be a positive integer; got 2.5."),
        (("sgdm", "InitialLearnRate", 0), ValueError, "InitialLearnRate must be greater than 0; got 0.0."),
        (("sgdm", "InitialLearnRate", math.nan), ValueError, "InitialLearnRate must be a finite real scalar; got nan."),
        (("sgdm", "Momentum", 1.5), ValueError, "Momentum must be between 0 and 1; got 1.5."),
        (("sgdm", "L2Regularization", -1), ValueError, "L2Regularization must be at least 0; got -1.0."),
        (("sgdm", "Shuffle", "sometimes"), ValueError, "Shuffle must be one of 'once', 'never', 'every-epoch'; got 'sometimes'."),
        (("sgdm", "Verbose", "yes"), ValueError, "Verbose must be true or false (or 1 or 0); got 'yes'."),
        (("sgdm", "Seed", -3), ValueError, "Seed must be a non-negative integer or None; got -3."),
        (("sgdm", "Plots", "all"), ValueError, "Plots must be one of 'none', 'training-progress'; got 'all'."),
        (("sgdm", "OutputFcn", 3), ValueError, "OutputFcn must be a function, a list of functions, or None; got 3."),
        (("adam", "GradientDecayFactor", 1), ValueError, "GradientDecayFactor must be at least 0 and less than 1; got 1.0."),
        (("rmsprop",), ValueError, "solverName must be one of 'sgdm', 'adam'; got 'rmsprop'."),
        (("sgdm", "Momentum", 0.5, "Colour", 1), TypeError, "trainingOptions: unknown option 'Colour'"),
        (("adam", "Momentum", 0.5), TypeError, "trainingOptions: unknown option 'Momentum'"),
        (("sgdm", "MaxEpochs"), TypeError, "trainingOptions: name-value arguments come in pairs; 'MaxEpochs' has no value."),
    ],
)  # fmt: skip
def test_invalid_options_are_named(arguments, error, message):
    with pytest.raises(error) as raised:
        nnplay.trainingOptions(*arguments)

    assert str(raised.value).startswith(message)


def test_validation_data_is_checked():
    images = np.zeros((4, 5, 5), np.uint8)

    options = nnplay.trainingOptions("sgdm", "ValidationData", [images, [1, 2, 3, 4]])

    assert options.ValidationData[0] is images
    assert options.ValidationData[1].tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="got 4 images and 3 labels"):
        nnplay.trainingOptions("sgdm", "ValidationData", (images, [1, 2, 3]))
    with pytest.raises(ValueError, match=r"must be a pair \(images, labels\)"):
        nnplay.trainingOptions("sgdm", "ValidationData", images)


def test_options_can_be_set_and_are_validated():
    options = nnplay.trainingOptions("sgdm")

    options.MaxEpochs = 4
    assert options.MaxEpochs == 4
    with pytest.raises(ValueError, match="MiniBatchSize must be a positive integer"):
        options.MiniBatchSize = -1
    with pytest.raises(AttributeError, match="no property 'MaxEpoch'"):
        options.MaxEpoch = 3
    assert options == nnplay.trainingOptions("sgdm", "MaxEpochs", 4)


def test_display_is_matlab_like():
    text = repr(
        nnplay.trainingOptions(
            "sgdm", "ValidationData", (np.zeros((4, 5, 5), np.uint8), np.arange(4))
        )
    )

    lines = text.splitlines()
    assert lines[0] == "  TrainingOptionsSGDM with properties:"
    assert lines[1] == ""
    assert "                        Momentum: 0.9000" in lines
    assert "                InitialLearnRate: 0.0100" in lines
    assert "                L2Regularization: 1.0000e-04" in lines
    assert "                   MiniBatchSize: 128" in lines
    assert "                         Shuffle: 'once'" in lines
    assert "                         Verbose: 1" in lines
    assert "                  ValidationData: {[4x5x5 uint8], [4 int64]}" in lines
    assert "    BatchNormalizationStatistics: 'population'" in lines


# -- trainNetwork: small networks on synthetic data --------------------------------


def blob_data(count=192, seed=0):
    """8x8 images of three classes: a bright 3x3 blob in one of three places."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, count)
    images = rng.integers(0, 60, (count, 8, 8)).astype(np.uint8)
    corners = [(0, 0), (0, 5), (5, 2)]
    for image, label in zip(images, labels):
        row, column = corners[label]
        image[row : row + 3, column : column + 3] += 150
    return images, labels


def small_layers(scale=0.1):
    return nnplay.LayerArray(
        [
            nnplay.imageInputLayer([8, 8, 1]),
            nnplay.convolution2dLayer(3, 4),
            nnplay.batchNormalizationLayer(),
            nnplay.leakyReluLayer(scale),
            nnplay.fullyConnectedLayer(3),
            nnplay.softmaxLayer(),
            nnplay.classificationLayer(),
        ]
    )


def quiet_options(*arguments, **keywords):
    keywords.setdefault("Verbose", False)
    return nnplay.trainingOptions("sgdm", *arguments, **keywords)


def learnable_arrays(net):
    return {
        key: nnplay.to_numpy(value).copy() for key, value in net.learnables().items()
    }


def test_training_lowers_the_loss_and_learns():
    images, labels = blob_data()
    options = quiet_options(MaxEpochs=3, MiniBatchSize=32, InitialLearnRate=0.05)

    net, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    assert info.TrainingLoss.shape == (18,)
    assert info.TrainingLoss[-3:].mean() < 0.5 * info.TrainingLoss[:3].mean()
    predicted, _ = net.classify(images)
    assert np.mean(predicted == labels) > 0.95
    assert all(value.dtype == np.float32 for value in net.learnables().values())
    assert info.OutputNetworkIteration == 18
    # Accuracy is in percent of a mini-batch of 32.
    assert np.allclose(
        info.TrainingAccuracy * 32 / 100, np.round(info.TrainingAccuracy * 32 / 100)
    )


def test_runs_repeat_exactly_with_the_same_seed():
    images, labels = blob_data()
    options = quiet_options(
        MaxEpochs=2, MiniBatchSize=32, Shuffle="every-epoch", Seed=7
    )

    first, first_info = nnplay.trainNetwork(images, labels, small_layers(), options)
    second, second_info = nnplay.trainNetwork(images, labels, small_layers(), options)
    options.Seed = 8
    third, _ = nnplay.trainNetwork(images, labels, small_layers(), options)

    a, b, c = learnable_arrays(first), learnable_arrays(second), learnable_arrays(third)
    assert all(np.array_equal(a[key], b[key]) for key in a)
    assert np.array_equal(first_info.TrainingLoss, second_info.TrainingLoss)
    assert not np.array_equal(a["conv", "Weights"], c["conv", "Weights"])


def test_uint8_three_dimensional_input_equals_float_input():
    images, labels = blob_data(64)
    options = quiet_options(MaxEpochs=1, MiniBatchSize=16)

    from_uint8, _ = nnplay.trainNetwork(images, labels, small_layers(), options)
    floats = images.astype(np.float32)[..., np.newaxis]
    from_float, _ = nnplay.trainNetwork(floats, labels, small_layers(), options)

    a, b = learnable_arrays(from_uint8), learnable_arrays(from_float)
    assert all(np.array_equal(a[key], b[key]) for key in a)


def test_the_layers_given_are_left_unchanged():
    images, labels = blob_data(64)
    layers = small_layers()

    nnplay.trainNetwork(images, labels, layers, quiet_options(MaxEpochs=1))

    assert layers[1].Weights is None
    assert layers[0].Mean is None
    assert layers[6].Classes == "auto"


def test_input_statistics_and_classes_come_from_the_data():
    images, labels = blob_data(64)
    names = np.array(["circle", "square", "triangle"])[labels]

    net, _ = nnplay.trainNetwork(
        images, names, small_layers(), quiet_options(MaxEpochs=1)
    )

    assert net.Layers[0].Mean.shape == (1, 1, 1)
    assert float(net.Layers[0].Mean[0, 0, 0]) == pytest.approx(images.mean(), rel=1e-6)
    assert net.Classes.tolist() == ["circle", "square", "triangle"]
    predicted, _ = net.classify(images[:5])
    assert set(predicted.tolist()) <= {"circle", "square", "triangle"}


def test_input_statistics_given_are_kept_without_reset():
    images, labels = blob_data(40)
    layers = small_layers()
    layers[0] = nnplay.imageInputLayer([8, 8, 1], "Mean", 12.5)

    kept, _ = nnplay.trainNetwork(
        images, labels, layers, quiet_options(MaxEpochs=1, ResetInputNormalization=0)
    )
    reset, _ = nnplay.trainNetwork(images, labels, layers, quiet_options(MaxEpochs=1))

    assert float(kept.Layers[0].Mean[0, 0, 0]) == 12.5
    assert float(reset.Layers[0].Mean[0, 0, 0]) == pytest.approx(images.mean())


def test_a_mini_batch_larger_than_the_data_takes_all_of_it():
    images, labels = blob_data(20)

    _, info = nnplay.trainNetwork(
        images, labels, small_layers(), quiet_options(MaxEpochs=3, MiniBatchSize=128)
    )

    assert info.TrainingLoss.shape == (3,)
    assert np.allclose(
        info.TrainingAccuracy * 20 / 100, np.round(info.TrainingAccuracy * 20 / 100)
    )


def test_one_sgdm_step_by_hand():
    # Two iterations of SGDM on a fully connected network, computed by hand
    # from the gradients of the same starting network.
    layers = [
        nnplay.imageInputLayer([2, 2, 1], "Normalization", "none"),
        nnplay.fullyConnectedLayer(2),
        nnplay.softmaxLayer(),
        nnplay.classificationLayer(),
    ]
    X = np.array(
        [[[1, 2], [3, 4]], [[0, 1], [1, 0]], [[2, 0], [0, 2]], [[1, 1], [0, 3]]],
        np.float32,
    )
    Y = np.array([0, 1, 1, 0])
    rate, momentum, decay = 0.1, 0.9, 0.01
    options = quiet_options(
        MaxEpochs=2, MiniBatchSize=4, Shuffle="never", InitialLearnRate=rate,
        Momentum=momentum, L2Regularization=decay, Seed=3,
    )  # fmt: skip

    net, info = nnplay.trainNetwork(X, Y, layers, options)

    reference = nnplay.assembleNetwork(layers, seed=3)
    reference.Layers[-1].Classes = np.array([0, 1])
    weights = reference.Layers[1].Weights.astype(np.float64)
    bias = reference.Layers[1].Bias.astype(np.float64)
    velocity_w, velocity_b = np.zeros_like(weights), np.zeros_like(bias)
    losses = []
    for _ in range(2):
        loss, grads = reference.gradients(X[..., None], Y)
        losses.append(loss)
        velocity_w = momentum * velocity_w - rate * (
            grads["fc", "Weights"] + decay * weights
        )
        velocity_b = momentum * velocity_b - rate * grads["fc", "Bias"]  # L2 factor 0
        weights, bias = weights + velocity_w, bias + velocity_b
        reference.Layers[1].Weights = weights.astype(np.float32)
        reference.Layers[1].Bias = bias.astype(np.float32)
    assert np.allclose(net.Layers[1].Weights, weights, rtol=0, atol=1e-6)
    assert np.allclose(net.Layers[1].Bias, bias, rtol=0, atol=1e-6)
    assert np.allclose(info.TrainingLoss, losses, rtol=1e-6)


def test_one_adam_step_by_hand():
    layers = [
        nnplay.imageInputLayer([2, 2, 1], "Normalization", "none"),
        nnplay.fullyConnectedLayer(2),
        nnplay.softmaxLayer(),
        nnplay.classificationLayer(),
    ]
    X = np.array([[[1, 2], [3, 4]], [[0, 1], [1, 0]]], np.float32)
    Y = np.array([0, 1])
    options = nnplay.trainingOptions(
        "adam", MaxEpochs=1, MiniBatchSize=2, InitialLearnRate=0.01,
        L2Regularization=0, Verbose=False, Seed=1,
    )  # fmt: skip

    net, _ = nnplay.trainNetwork(X, Y, layers, options)

    reference = nnplay.assembleNetwork(layers, seed=1)
    reference.Layers[-1].Classes = np.array([0, 1])
    _, grads = reference.gradients(X[..., None], Y)
    gradient = grads["fc", "Weights"].astype(np.float64)
    # First step: m_hat = g and v_hat = g^2, so each weight moves by about the rate.
    expected = reference.Layers[1].Weights - 0.01 * gradient / (np.abs(gradient) + 1e-8)
    assert np.allclose(net.Layers[1].Weights, expected, rtol=0, atol=1e-6)


def test_piecewise_schedule_drops_the_rate_every_period():
    images, labels = blob_data(64)
    options = quiet_options(
        MaxEpochs=5, MiniBatchSize=32, InitialLearnRate=0.04,
        LearnRateSchedule="piecewise", LearnRateDropFactor=0.5, LearnRateDropPeriod=2,
    )  # fmt: skip

    _, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    expected = np.repeat([0.04, 0.04, 0.02, 0.02, 0.01], 2)
    assert np.allclose(info.BaseLearnRate, expected)


def test_validation_is_recorded_where_matlab_records_it():
    images, labels = blob_data(160)
    validation = blob_data(48, seed=1)
    options = quiet_options(
        MaxEpochs=2, MiniBatchSize=32, ValidationData=validation, ValidationFrequency=4,
        BatchNormalizationStatistics="moving",
    )  # fmt: skip

    net, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    measured = np.flatnonzero(~np.isnan(info.ValidationAccuracy)) + 1
    assert measured.tolist() == [1, 4, 8, 10]
    assert np.array_equal(
        np.isnan(info.ValidationLoss), np.isnan(info.ValidationAccuracy)
    )
    predicted, scores = net.classify(validation[0])
    assert info.FinalValidationAccuracy == pytest.approx(
        100 * np.mean(predicted == validation[1])
    )
    chosen = nnplay.to_numpy(scores)[np.arange(48), validation[1]]
    assert info.FinalValidationLoss == pytest.approx(-np.log(chosen).mean(), rel=1e-5)
    # With 'moving' statistics, the last validation is of the returned network.
    assert info.ValidationAccuracy[-1] == pytest.approx(info.FinalValidationAccuracy)


def test_moving_statistics_follow_the_batches():
    images, labels = blob_data(32)
    options = quiet_options(
        MaxEpochs=1,
        MiniBatchSize=32,
        Shuffle="never",
        BatchNormalizationStatistics="moving",
    )

    net, _ = nnplay.trainNetwork(images, labels, small_layers(), options)

    # One iteration from mean 0 and variance 1, with decay 0.1 and the unbiased
    # variance of the batch's input to the layer.
    reference = nnplay.assembleNetwork(small_layers(), seed=0)
    reference.Layers[0].compute_statistics(images)
    conv = nnplay.to_numpy(reference.activations(images, "conv")).astype(np.float64)
    values = conv.reshape(-1, 4)
    expected_mean = 0.1 * values.mean(axis=0)
    expected_variance = 0.9 + 0.1 * values.var(axis=0, ddof=1)
    assert np.allclose(
        net.Layers[2].TrainedMean.ravel(), expected_mean, rtol=1e-4, atol=1e-6
    )
    assert np.allclose(
        net.Layers[2].TrainedVariance.ravel(), expected_variance, rtol=1e-4
    )


def test_population_statistics_are_those_of_the_training_set():
    images, labels = blob_data(96)
    options = quiet_options(MaxEpochs=2, MiniBatchSize=32)

    net, _ = nnplay.trainNetwork(images, labels, small_layers(), options)

    conv = nnplay.to_numpy(net.activations(images, "conv")).astype(np.float64)
    values = conv.reshape(-1, 4)
    assert np.allclose(
        net.Layers[2].TrainedMean.ravel(), values.mean(axis=0), rtol=1e-5, atol=1e-6
    )
    assert np.allclose(
        net.Layers[2].TrainedVariance.ravel(), values.var(axis=0, ddof=1), rtol=1e-5
    )


def test_statistics_change_in_training_and_never_in_inference():
    images, labels = blob_data(64)
    untrained = nnplay.assembleNetwork(small_layers())
    assert np.all(untrained.Layers[2].TrainedMean == 0)

    net, _ = nnplay.trainNetwork(
        images, labels, small_layers(), quiet_options(MaxEpochs=1)
    )
    mean = net.Layers[2].TrainedMean.copy()
    variance = net.Layers[2].TrainedVariance.copy()
    net.predict(images)
    net.classify(images)
    net.activations(images, ["batchnorm", "fc"])

    assert not np.allclose(mean, 0)
    assert np.array_equal(net.Layers[2].TrainedMean, mean)
    assert np.array_equal(net.Layers[2].TrainedVariance, variance)


def test_training_continues_from_a_network():
    images, labels = blob_data(64)
    options = quiet_options(MaxEpochs=1, MiniBatchSize=32)
    net, _ = nnplay.trainNetwork(images, labels, small_layers(), options)
    before = learnable_arrays(net)

    again, _ = nnplay.trainNetwork(images, labels, net, options)

    after = learnable_arrays(again)
    assert np.array_equal(
        learnable_arrays(net)["fc", "Weights"], before["fc", "Weights"]
    )
    assert not np.array_equal(after["fc", "Weights"], before["fc", "Weights"])
    assert np.abs(after["fc", "Weights"] - before["fc", "Weights"]).max() < 0.1


@pytest.mark.parametrize(
    ("X", "Y", "layers", "message"),
    [
        (np.zeros((4, 8, 8)), [0, 1, 2], None, "got 4 images and 3 labels"),
        (np.zeros((4, 9, 9)), [0, 1, 2, 0], None, "images of size 8x8x1"),
        (np.zeros((4, 8, 8)), [0, 1, 2, 3], None, "the training labels have 4 classes"),
        (np.zeros((4, 8, 8)), [0, 1, np.nan, 0], None, "Y must not contain NaN"),
        (np.zeros(4), [0, 1, 2, 0], None, "X must be a numeric array"),
        (
            np.zeros((4, 8, 8)),
            [0, 1, 2, 0],
            [nnplay.reluLayer()],
            "must start with an image input",
        ),
    ],
)
def test_bad_training_input_is_named(X, Y, layers, message):
    layers = small_layers() if layers is None else layers

    with pytest.raises(ValueError, match=message):
        nnplay.trainNetwork(X, Y, layers, quiet_options(MaxEpochs=1))


def test_options_must_come_from_training_options():
    images, labels = blob_data(8)

    with pytest.raises(TypeError, match="options must come from trainingOptions"):
        nnplay.trainNetwork(images, labels, small_layers(), {"MaxEpochs": 1})


def test_validation_labels_must_be_known_classes():
    images, labels = blob_data(32)
    options = quiet_options(MaxEpochs=1, ValidationData=(images[:4], [0, 1, 7, 2]))

    with pytest.raises(
        ValueError,
        match=r"ValidationData labels must be among the classes \[0, 1, 2\]; got 7",
    ):
        nnplay.trainNetwork(images, labels, small_layers(), options)


# -- stopping ------------------------------------------------------------------------


def test_keyboard_interrupt_returns_the_network_so_far():
    images, labels = blob_data(128)
    seen = []

    def interrupt(state):
        seen.append((state["State"], state["Iteration"]))
        if state["Iteration"] == 3:
            raise KeyboardInterrupt

    options = quiet_options(MaxEpochs=2, MiniBatchSize=16, OutputFcn=interrupt)
    untrained = nnplay.assembleNetwork(small_layers())

    with pytest.warns(
        RuntimeWarning, match="interrupted at epoch 1, after iteration 3 of 16"
    ) as record:
        net, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    assert record[0].filename == __file__
    assert seen == [("start", 0), ("iteration", 1), ("iteration", 2), ("iteration", 3)]
    assert info.TrainingLoss.shape == (3,)
    assert info.OutputNetworkIteration == 3
    assert math.isnan(info.FinalValidationAccuracy)
    assert not np.array_equal(net.Layers[1].Weights, untrained.Layers[1].Weights)
    assert net.predict(images[:2]).shape == (2, 3)


def test_interrupt_while_finishing_keeps_the_trained_network(monkeypatch):
    images, labels = blob_data(64)

    def interrupted(net, images):
        raise KeyboardInterrupt

    monkeypatch.setattr(
        nnplay.training.train_network, "population_statistics", interrupted
    )
    options = quiet_options(
        MaxEpochs=1, MiniBatchSize=32, ValidationData=(images, labels)
    )

    with pytest.warns(RuntimeWarning, match="interrupted while finishing"):
        net, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    assert info.TrainingLoss.shape == (2,)
    assert math.isnan(info.FinalValidationLoss)
    assert net.classify(images[:3])[0].shape == (3,)


def test_output_function_can_stop_training():
    images, labels = blob_data(128)
    states = []

    def stop_early(state):
        states.append(state)
        return state["Iteration"] == 2

    options = quiet_options(MaxEpochs=3, MiniBatchSize=32, OutputFcn=[stop_early])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    assert info.TrainingLoss.shape == (2,)
    assert [state["State"] for state in states] == [
        "start",
        "iteration",
        "iteration",
        "done",
    ]
    assert states[1]["TrainingLoss"] == pytest.approx(info.TrainingLoss[0])
    assert states[1]["Epoch"] == 1 and states[1]["BaseLearnRate"] == 0.01


# -- displays ------------------------------------------------------------------------


def test_verbose_shows_a_progress_bar(capsys):
    images, labels = blob_data(64)

    nnplay.trainNetwork(
        images,
        labels,
        small_layers(),
        quiet_options(MaxEpochs=2, MiniBatchSize=16, Verbose=True, VerboseFrequency=2),
    )
    shown = capsys.readouterr().err
    nnplay.trainNetwork(images, labels, small_layers(), quiet_options(MaxEpochs=1))
    hidden = capsys.readouterr().err

    assert "trainNetwork" in shown and "8/8" in shown and "epoch=2/2" in shown
    assert hidden == ""


def test_training_progress_plot_without_a_display():
    from matplotlib import pyplot

    pyplot.switch_backend("Agg")
    images, labels = blob_data(96)
    validation = blob_data(32, seed=2)
    options = quiet_options(
        MaxEpochs=2,
        MiniBatchSize=32,
        Plots="training-progress",
        ValidationData=validation,
        ValidationFrequency=2,
    )
    before = set(pyplot.get_fignums())

    _, info = nnplay.trainNetwork(images, labels, small_layers(), options)

    new = set(pyplot.get_fignums()) - before
    assert len(new) == 1
    figure = pyplot.figure(new.pop())
    accuracy_axes, loss_axes = figure.axes
    lines = {
        (axes, line.get_gid()): line
        for axes in ("accuracy", "loss")
        for line in (accuracy_axes if axes == "accuracy" else loss_axes).lines
    }
    assert np.array_equal(lines["loss", "training"].get_ydata(), info.TrainingLoss)
    assert np.array_equal(
        lines["accuracy", "training"].get_ydata(), info.TrainingAccuracy
    )
    validation_line = lines["accuracy", "validation"]
    assert np.array_equal(validation_line.get_xdata(), [1, 2, 4, 6])
    measured = info.ValidationAccuracy[~np.isnan(info.ValidationAccuracy)]
    assert np.array_equal(validation_line.get_ydata(), measured)
    assert matplotlib.get_backend().lower() == "agg"
    pyplot.close(figure)


# -- the pretrained example network --------------------------------------------------


def test_pretrained_network_is_the_trained_example_cnn():
    net = nnplay.examples.pretrained_example_cnn()

    assert isinstance(net, nnplay.SeriesNetwork)
    assert [layer.Name for layer in net.Layers] == [
        "imageinput", "conv_1", "batchnorm_1", "leakyrelu_1", "maxpool", "conv_2",
        "batchnorm_2", "leakyrelu_2", "fc", "softmax", "classoutput",
    ]  # fmt: skip
    assert net.Classes.tolist() == list(range(10))
    assert net.Layers[3].Scale == 0.01 and net.Layers[7].Scale == 0.01
    assert all(value.dtype == np.float32 for value in net.learnables().values())
    assert not np.all(nnplay.to_numpy(net.Layers[2].TrainedMean) == 0)


def test_pretrained_networks_are_independent():
    first = nnplay.examples.pretrained_example_cnn()
    first.Layers[1].Weights[...] = 0
    first.Layers[3].Scale = 0.5

    second = nnplay.examples.pretrained_example_cnn(scale=0.3)
    third = nnplay.examples.pretrained_example_cnn()

    assert np.abs(nnplay.to_numpy(second.Layers[1].Weights)).sum() > 0
    assert second.Layers[3].Scale == 0.3 and second.Layers[7].Scale == 0.3
    assert third.Layers[3].Scale == 0.01
    with pytest.raises(ValueError, match="scale must be a finite real scalar; got nan"):
        nnplay.examples.pretrained_example_cnn(scale=math.nan)


def test_pretrained_training_record():
    record = nnplay.examples.pretrained.training_record()

    assert record["training_images"] == [0, 50000]
    assert record["validation_images"] == [50000, 60000]
    assert record["validation_accuracy_percent"] >= 99.0
    assert "CC BY-SA 3.0" in record["data"]


def test_pretrained_accuracy_on_the_bundled_validation_digits():
    data = pytest.importorskip("nnplay.data")
    if not hasattr(data, "load_digits"):
        pytest.skip("nnplay.data.load_digits is not available")
    images, labels = data.load_digits("validation")
    net = nnplay.examples.pretrained_example_cnn()

    predicted, _ = net.classify(images, MiniBatchSize=500)

    assert np.mean(predicted == labels) >= 0.985


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0.0, np.inf] * 4), "NaN or infinite"),
        (np.array([0, None] * 4, dtype=object), "must not contain None"),
        (np.array([1j, 2j] * 4), "integer, text or boolean"),
    ],
)
def test_trainNetwork_refuses_strange_labels(labels, message):
    images = np.zeros((8, 28, 28, 1), dtype=np.uint8)
    options = nnplay.trainingOptions("sgdm", "MaxEpochs", 1, "Verbose", False)

    with pytest.raises(ValueError, match=message):
        nnplay.trainNetwork(images, labels, nnplay.examples.example_cnn(), options)


def test_trainNetwork_refuses_non_finite_pixels():
    images = np.zeros((8, 28, 28, 1))
    images[2, 3, 4, 0] = np.nan
    options = nnplay.trainingOptions("sgdm", "MaxEpochs", 1, "Verbose", False)

    with pytest.raises(ValueError, match="must hold finite values only"):
        nnplay.trainNetwork(
            images, np.arange(8) % 2, nnplay.examples.example_cnn(), options
        )

"""Train the example CNN on MNIST and save the weights nnplay ships.

Run from the repository root::

    python -m nnplay.examples.train_pretrained \\
        --source ../shared/data/mnist-train.npz --out nnplay/examples/example_cnn.npz

``--source`` is an ``.npz`` file with ``images`` (uint8, 60000 x 28 x 28) and
``labels`` (uint8, 60000): the 60,000 MNIST training images in the order of
the classic ``mnist.pkl.gz`` split. Images 0..49999 train the network; images
50000..59999 are held out and only measure it. The options, the seed, the
time taken and the validation accuracy are stored in the file's metadata
(``nnplay.network.serialization.read_metadata``).
"""

import argparse
import datetime
import logging
import platform
import sys
import time

import numpy

from .. import __version__, backend
from ..network.serialization import save_network
from ..training import trainingOptions, trainNetwork
from . import example_cnn

logger = logging.getLogger("nnplay.examples.train_pretrained")

TRAINING_SPLIT = (0, 50000)
VALIDATION_SPLIT = (50000, 60000)

DATA_CREDIT = (
    "MNIST handwritten digits by Yann LeCun, Corinna Cortes and Christopher J. C. "
    "Burges, licensed under CC BY-SA 3.0."
)


def load_source(path):
    """Return ``(images, labels)`` from an MNIST ``.npz`` file, checked."""
    with numpy.load(path, allow_pickle=False) as data:
        missing = {"images", "labels"} - set(data.files)
        if missing:
            raise ValueError(f"{path} has no {sorted(missing)} entries.")
        images, labels = data["images"], data["labels"]
    if images.shape[0] < VALIDATION_SPLIT[1] or images.shape[1:] != (28, 28):
        raise ValueError(
            f"{path} must hold at least {VALIDATION_SPLIT[1]} images of 28x28; got "
            f"images of shape {images.shape}."
        )
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"{path} must hold one label per image; got {labels.shape[0]} labels "
            f"for {images.shape[0]} images."
        )
    return images, labels


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m nnplay.examples.train_pretrained",
        description="Train the example CNN on MNIST and save it.",
    )
    parser.add_argument("--source", required=True, help="the MNIST .npz file")
    parser.add_argument("--out", required=True, help="the network file to write")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--learn-rate", type=float, default=0.05)
    parser.add_argument("--drop-period", type=int, default=6)
    parser.add_argument("--drop-factor", type=float, default=0.1)
    parser.add_argument("--mini-batch-size", type=int, default=64)
    parser.add_argument("--l2", type=float, default=5e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=0.01, help="leaky ReLU scale")
    parser.add_argument(
        "--train-count",
        type=int,
        default=TRAINING_SPLIT[1],
        help="train on the first N images of the training split (for a quick check)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    arguments = parse_arguments(argv)
    images, labels = load_source(arguments.source)
    count = min(arguments.train_count, TRAINING_SPLIT[1])
    train_images = images[TRAINING_SPLIT[0] : TRAINING_SPLIT[0] + count]
    train_labels = labels[TRAINING_SPLIT[0] : TRAINING_SPLIT[0] + count]
    validation_images = images[slice(*VALIDATION_SPLIT)]
    validation_labels = labels[slice(*VALIDATION_SPLIT)]
    iterations_per_epoch = len(train_images) // arguments.mini_batch_size

    def log_epoch(state):
        done = state["State"] == "iteration" and (
            state["Iteration"] % iterations_per_epoch == 0
        )
        if done:
            logger.info(
                "epoch %d  iteration %d  %.0f s  loss %.4f  validation %.2f%%",
                state["Epoch"],
                state["Iteration"],
                state["TimeSinceStart"],
                state["TrainingLoss"],
                state["ValidationAccuracy"],
            )
        return False

    options = trainingOptions(
        "sgdm",
        InitialLearnRate=arguments.learn_rate,
        Momentum=0.9,
        LearnRateSchedule="piecewise",
        LearnRateDropFactor=arguments.drop_factor,
        LearnRateDropPeriod=arguments.drop_period,
        L2Regularization=arguments.l2,
        MaxEpochs=arguments.epochs,
        MiniBatchSize=arguments.mini_batch_size,
        Shuffle="every-epoch",
        ValidationData=(validation_images, validation_labels),
        ValidationFrequency=iterations_per_epoch,
        BatchNormalizationStatistics="population",
        Verbose=sys.stderr.isatty(),
        OutputFcn=log_epoch,
        Seed=arguments.seed,
    )
    logger.info("%s", options)
    logger.info(
        "training on images %d..%d, validating on images %d..%d, backend %s",
        TRAINING_SPLIT[0],
        TRAINING_SPLIT[0] + count - 1,
        VALIDATION_SPLIT[0],
        VALIDATION_SPLIT[1] - 1,
        backend.get_backend(),
    )

    start = time.perf_counter()
    net, info = trainNetwork(
        train_images, train_labels, example_cnn(scale=arguments.scale), options
    )
    wall_time = time.perf_counter() - start

    start = time.perf_counter()
    predicted, _ = net.classify(validation_images)
    inference_time = time.perf_counter() - start
    accuracy = 100.0 * float(numpy.mean(predicted == validation_labels))
    images_per_second = info.OutputNetworkIteration * arguments.mini_batch_size
    images_per_second /= wall_time
    logger.info(
        "trained %d epochs (%d iterations) in %.0f s (%.0f training images/s, "
        "validations included); validation accuracy %.2f%% (%.0f images/s)",
        arguments.epochs,
        info.OutputNetworkIteration,
        wall_time,
        images_per_second,
        accuracy,
        len(validation_images) / inference_time,
    )

    metadata = {
        "network": f"nnplay.examples.example_cnn(scale={arguments.scale:g})",
        "data": DATA_CREDIT,
        "training_images": [TRAINING_SPLIT[0], TRAINING_SPLIT[0] + count],
        "validation_images": list(VALIDATION_SPLIT),
        "command": "python -m nnplay.examples.train_pretrained "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "solver": "sgdm",
        "options": {
            "InitialLearnRate": arguments.learn_rate,
            "Momentum": 0.9,
            "LearnRateSchedule": "piecewise",
            "LearnRateDropFactor": arguments.drop_factor,
            "LearnRateDropPeriod": arguments.drop_period,
            "L2Regularization": arguments.l2,
            "MaxEpochs": arguments.epochs,
            "MiniBatchSize": arguments.mini_batch_size,
            "Shuffle": "every-epoch",
            "BatchNormalizationStatistics": "population",
            "Seed": arguments.seed,
        },
        "iterations": int(info.OutputNetworkIteration),
        "wall_time_seconds": round(wall_time, 1),
        "training_images_per_second": round(images_per_second),
        "inference_images_per_second": round(len(validation_images) / inference_time),
        "validation_accuracy_percent": round(accuracy, 2),
        "validation_accuracy_by_iteration": [
            [int(iteration) + 1, round(float(info.ValidationAccuracy[iteration]), 2)]
            for iteration in numpy.flatnonzero(~numpy.isnan(info.ValidationAccuracy))
        ],
        "nnplay_version": __version__,
        "numpy_version": numpy.__version__,
        "backend": backend.get_backend(),
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "date": datetime.date.today().isoformat(),
    }
    save_network(net, arguments.out, metadata=metadata)
    logger.info("saved %s", arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

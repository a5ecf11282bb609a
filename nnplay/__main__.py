"""Command line: ``python -m nnplay demo --out DIR`` (or ``nnplay demo``).

The demo takes real digits through the trained example CNN and writes PNG
figures ready for a slide: the leaky ReLU and its derivative for several
scales; one digit's feature maps before and after each leaky ReLU layer at a
few scales; the class probabilities and the accuracy as the scale goes from
0 to 1.
"""

import argparse
import logging
import pathlib
import sys
import time

logger = logging.getLogger("nnplay")

#: Scales of the activation figure and of the feature-map figures.
ACTIVATION_SCALES = (0.0, 0.01, 0.1, 0.3, 1.0)
FEATURE_MAP_SCALES = (0.0, 0.01, 0.3, 1.0)


def sensitive_digit(net, images, labels, candidates=300):
    """The index of a digit whose true-class probability the scale moves most.

    Among the first ``candidates`` digits that the network classifies right
    at its trained scale, the one whose probability for the true class
    changes most between scales 0 and 1: a digit worth showing.
    """
    import numpy

    from .backend import to_numpy
    from .visualisation.figures import scales_set

    images, labels = images[:candidates], labels[:candidates]
    rows = numpy.arange(len(labels))
    trained = to_numpy(net.predict(images))  # copies from the GPU, waiting
    right = trained.argmax(axis=1) == labels
    lowest = trained[rows, labels]
    highest = trained[rows, labels]
    for scale in numpy.linspace(0, 1, 11):
        with scales_set(net, float(scale)):
            probability = to_numpy(net.predict(images))[rows, labels]
        lowest = numpy.minimum(lowest, probability)
        highest = numpy.maximum(highest, probability)
    spread = numpy.where(right, highest - lowest, -1.0)
    return int(numpy.argmax(spread))


def demo(out, digit=None, accuracy_digits=500, dpi=100):
    """Write the demo's figures into the folder ``out``; return their paths.

    Parameters
    ----------
    out : str or pathlib.Path
        Folder to write to; made if missing.
    digit : int, optional
        Index of the validation digit shown; by default one the network gets
        right whose probabilities the scale moves most (see
        :func:`sensitive_digit`).
    accuracy_digits : int, default 500
        Validation digits for the accuracy curve (0 leaves it out).
    dpi : int, default 100
    """
    import matplotlib

    matplotlib.use("Agg", force=False)

    from .data import load_digits
    from .examples import pretrained_example_cnn
    from .visualisation import figures

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    images, labels = load_digits("validation")
    net = pretrained_example_cnn()
    if digit is None:
        digit = sensitive_digit(net, images, labels)
    if not 0 <= digit < len(images):
        raise ValueError(f"digit must be between 0 and {len(images) - 1}; got {digit}.")
    image, label = images[digit], int(labels[digit])

    written = []

    def save(figure, name):
        path = out / name
        figure.savefig(path, dpi=dpi)
        written.append(path)

    save(figures.activation_figure(ACTIVATION_SCALES), "activation.png")
    for layer in figures.leaky_layers(net):
        save(
            figures.feature_maps_figure(net, image, layer.Name, FEATURE_MAP_SCALES),
            f"feature_maps_{layer.Name}.png",
        )
    sample = (
        (images[:accuracy_digits], labels[:accuracy_digits])
        if accuracy_digits
        else (None, None)
    )
    save(
        figures.probabilities_figure(net, image, label, *sample),
        "probabilities.png",
    )
    return written


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="nnplay",
        description="Play with a leaky ReLU inside a real convolutional network.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_parser = commands.add_parser(
        "demo",
        help="write PNG figures of the leaky ReLU inside the trained example CNN",
        description=(
            "Take real digits through the trained example CNN and write PNG "
            "figures for slides."
        ),
    )
    demo_parser.add_argument(
        "--out", required=True, type=pathlib.Path, help="folder to write into"
    )
    demo_parser.add_argument(
        "--digit",
        type=int,
        default=None,
        help="validation digit to show (default: one the scale affects most)",
    )
    demo_parser.add_argument(
        "--accuracy-digits",
        type=int,
        default=500,
        help="validation digits for the accuracy curve (default 500; 0 for none)",
    )
    demo_parser.add_argument("--dpi", type=int, default=100, help="dots per inch")
    arguments = parser.parse_args(argv)

    if arguments.command != "demo":
        parser.print_help()
        return 0 if arguments.command is None else 2

    start = time.perf_counter()
    try:
        paths = demo(
            arguments.out, arguments.digit, arguments.accuracy_digits, arguments.dpi
        )
    except ValueError as error:
        parser.error(str(error))
    for path in paths:
        print(path)
    print(
        f"Wrote {len(paths)} figures to {arguments.out} in "
        f"{time.perf_counter() - start:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

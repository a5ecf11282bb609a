"""The demo command writes slide figures from the shipped network."""

import subprocess
import sys

import numpy
from PIL import Image

from nnplay.__main__ import main, sensitive_digit

FILES = [
    "activation.png",
    "feature_maps_leakyrelu_1.png",
    "feature_maps_leakyrelu_2.png",
    "probabilities.png",
]


def test_demo_writes_its_png_figures(tmp_path, capsys):
    out = tmp_path / "figures"
    status = main(
        ["demo", "--out", str(out), "--digit", "3", "--accuracy-digits", "40"]
    )

    assert status == 0
    assert sorted(path.name for path in out.iterdir()) == FILES
    for name in FILES:
        with Image.open(out / name) as image:
            assert image.format == "PNG"
            assert min(image.size) > 300
            pixels = numpy.asarray(image.convert("L"))
            assert pixels.std() > 10  # not blank
    printed = capsys.readouterr().out
    assert str(out / "activation.png") in printed
    assert "Wrote 4 figures" in printed


def test_demo_refuses_a_digit_out_of_range(tmp_path, capsys):
    try:
        main(["demo", "--out", str(tmp_path), "--digit", "5000"])
    except SystemExit as exit:
        assert exit.code == 2
    assert "digit must be between 0 and 1999; got 5000." in capsys.readouterr().err


def test_sensitive_digit_is_one_the_network_gets_right():
    import nnplay
    from nnplay.data import load_digits

    net = nnplay.examples.pretrained_example_cnn()
    images, labels = load_digits("validation")
    index = sensitive_digit(net, images, labels, candidates=60)
    labels_predicted, _ = net.classify(images[index])
    assert 0 <= index < 60
    assert labels_predicted[0] == labels[index]
    assert net.Layers["leakyrelu_1"].Scale == 0.01  # scales put back


def test_help_names_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "nnplay", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "demo" in result.stdout

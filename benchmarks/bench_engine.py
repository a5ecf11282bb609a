"""Speed of the nnplay engine against PyTorch on the example CNN.

Builds MATLAB's example CNN (``nnplay.examples.example_cnn()``) in nnplay and
the same network in PyTorch, copies one set of weights into both, checks that
the two compute the same function (inference outputs and training gradients),
then measures images per second for inference and for a training step, and
the time of one epoch over 60,000 images.

Run from the repository root::

    python benchmarks/bench_engine.py               # full run, CPU
    python benchmarks/bench_engine.py --quick       # smoke run, seconds
    python benchmarks/bench_engine.py --json out.json --profile

PyTorch is optional (``pip install torch==2.13.0``): without it only nnplay is
measured. See ``benchmarks/README.md`` for what each number means.
"""

import argparse
import copy
import cProfile
import datetime
import functools
import inspect
import itertools
import json
import linecache
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy

import nnplay
from nnplay import backend

MNIST_PATH = Path("/work/shared/data/mnist-train.npz")
EPOCH_IMAGES = 60_000
EPOCH_BATCH = 128
LEARN_RATE = 0.01
MOMENTUM = 0.9
L2_REGULARIZATION = 1e-4
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

INFERENCE_BATCHES = (1, 32, 256)
TRAINING_BATCHES = (32, 128, 256)

# Agreement tolerance in float32: |a - b| <= ATOL + RTOL * max|b| for each array.
# A layout mistake gives differences of the order of the values themselves;
# float32 rounding in sums over ~10^4..10^5 terms gives up to ~1e-4 of them.
RTOL = 1e-3
ATOL = 1e-5


class AgreementError(RuntimeError):
    """nnplay and PyTorch do not compute the same function."""


# -- data and networks -----------------------------------------------------------------


def load_images(count, seed=0):
    """Return ``count`` images ``(N, 28, 28)`` uint8 and their labels.

    The MNIST training file is used where it exists; elsewhere random images
    of the same size stand in (the speed does not depend on the pixels).
    """
    if count < 1:
        raise ValueError(f"count must be a positive integer; got {count!r}.")

    if MNIST_PATH.exists():
        with numpy.load(MNIST_PATH, allow_pickle=False) as data:
            images, labels = data["images"], data["labels"]
        repeats = math.ceil(count / images.shape[0])
        images = numpy.concatenate([images] * repeats)[:count]
        labels = numpy.concatenate([labels] * repeats)[:count]
        return images, labels.astype(numpy.int64), "MNIST training images"

    rng = numpy.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=numpy.uint8)
    labels = rng.integers(0, 10, size=count).astype(numpy.int64)
    return images, labels, "random images (MNIST file not found)"


def build_nnplay_network(images, seed=0):
    """Return the example CNN with non-trivial normalization and statistics.

    The input mean comes from ``images``; batch-norm Scale and Offset are
    drawn near 1 and 0, and TrainedMean/TrainedVariance are set near the
    statistics that ``images`` give, perturbed, so that inference and
    training differ and both are checked.
    """
    rng = numpy.random.default_rng(seed + 1)
    net = nnplay.assembleNetwork(nnplay.examples.example_cnn(), seed=seed)
    layers = {layer.Name: layer for layer in net._layers}
    layers["imageinput"].compute_statistics(images[..., None])

    X = images[..., None].astype(numpy.float32)
    for conv_name, bn_name in (("conv_1", "batchnorm_1"), ("conv_2", "batchnorm_2")):
        bn = layers[bn_name]
        channels = bn.NumChannels
        shape = (1, 1, channels)
        Z = backend.to_numpy(net.activations(X, conv_name)).reshape(-1, channels)
        bn.Scale = rng.uniform(0.8, 1.2, shape).astype(numpy.float32)
        bn.Offset = rng.uniform(-0.1, 0.1, shape).astype(numpy.float32)
        mean, deviation = Z.mean(axis=0), Z.std(axis=0)
        trained_mean = mean + 0.1 * deviation * rng.standard_normal(channels)
        trained_variance = deviation**2 * rng.uniform(0.7, 1.3, channels)
        bn.TrainedMean = trained_mean.reshape(shape).astype(numpy.float32)
        bn.TrainedVariance = trained_variance.reshape(shape).astype(numpy.float32)
    return net


def torch_model(net, device="cpu"):
    """Return the PyTorch twin of nnplay's example CNN, with the same weights.

    The input mean is subtracted inside the model (nnplay's 'zerocenter'
    input layer). The fully connected weights are permuted from nnplay's
    (H, W, C) flattening to PyTorch's (C, H, W) one, so the model flattens
    its NCHW activation directly.
    """
    import torch
    from torch import nn

    class ExampleCNN(nn.Module):
        def __init__(self, flat_size):
            super().__init__()
            self.register_buffer("input_mean", torch.zeros(1, 1, 1, 1))
            self.conv_1 = nn.Conv2d(1, 16, 3)
            self.batchnorm_1 = nn.BatchNorm2d(16, eps=1e-5, momentum=0.1)
            self.conv_2 = nn.Conv2d(16, 32, 3)
            self.batchnorm_2 = nn.BatchNorm2d(32, eps=1e-5, momentum=0.1)
            self.fc = nn.Linear(flat_size, 10)

        def forward(self, x):
            x = x - self.input_mean
            x = nn.functional.leaky_relu(self.batchnorm_1(self.conv_1(x)), 0.01)
            x = nn.functional.max_pool2d(x, 2, 2)
            x = nn.functional.leaky_relu(self.batchnorm_2(self.conv_2(x)), 0.01)
            return self.fc(x.flatten(1))

    height, width, channels = net.activation_size("leakyrelu_2")
    model = ExampleCNN(height * width * channels)
    copy_weights(net, model)
    return model.to(device)


def fc_to_torch(weights, activation_size):
    """Reorder FC weights ``(K, H*W*C)`` (nnplay) to ``(K, C*H*W)`` (PyTorch)."""
    height, width, channels = activation_size
    outputs = weights.shape[0]
    return (
        weights.reshape(outputs, height, width, channels)
        .transpose(0, 3, 1, 2)
        .reshape(outputs, -1)
    )


def fc_from_torch(weights, activation_size):
    """Reorder FC weights ``(K, C*H*W)`` (PyTorch) to ``(K, H*W*C)`` (nnplay)."""
    height, width, channels = activation_size
    outputs = weights.shape[0]
    return (
        weights.reshape(outputs, channels, height, width)
        .transpose(0, 2, 3, 1)
        .reshape(outputs, -1)
    )


def copy_weights(net, model):
    """Copy every learnable and statistic of ``net`` into the PyTorch ``model``."""
    import torch

    layers = {layer.Name: layer for layer in net._layers}
    fc_input = net.activation_size("leakyrelu_2")

    def host(array):
        return numpy.ascontiguousarray(backend.to_numpy(array), dtype=numpy.float32)

    values = {
        "input_mean": host(layers["imageinput"].Mean).reshape(1, 1, 1, 1),
        "fc.weight": host(fc_to_torch(host(layers["fc"].Weights), fc_input)),
        "fc.bias": host(layers["fc"].Bias).reshape(-1),
    }
    for name in ("conv_1", "conv_2"):
        # (kh, kw, Cin, Cout) -> (Cout, Cin, kh, kw)
        values[f"{name}.weight"] = host(layers[name].Weights.transpose(3, 2, 0, 1))
        values[f"{name}.bias"] = host(layers[name].Bias).reshape(-1)
    for name in ("batchnorm_1", "batchnorm_2"):
        bn = layers[name]
        values[f"{name}.weight"] = host(bn.Scale).reshape(-1)
        values[f"{name}.bias"] = host(bn.Offset).reshape(-1)
        values[f"{name}.running_mean"] = host(bn.TrainedMean).reshape(-1)
        values[f"{name}.running_var"] = host(bn.TrainedVariance).reshape(-1)

    state = model.state_dict()
    with torch.no_grad():
        for key, value in values.items():
            state[key].copy_(torch.from_numpy(value))


# Which PyTorch parameter holds each nnplay learnable, and how to map its gradient.
TORCH_PARAMETERS = {
    ("conv_1", "Weights"): "conv_1.weight",
    ("conv_1", "Bias"): "conv_1.bias",
    ("batchnorm_1", "Offset"): "batchnorm_1.bias",
    ("batchnorm_1", "Scale"): "batchnorm_1.weight",
    ("conv_2", "Weights"): "conv_2.weight",
    ("conv_2", "Bias"): "conv_2.bias",
    ("batchnorm_2", "Offset"): "batchnorm_2.bias",
    ("batchnorm_2", "Scale"): "batchnorm_2.weight",
    ("fc", "Weights"): "fc.weight",
    ("fc", "Bias"): "fc.bias",
}


def torch_gradient_as_nnplay(key, gradient, fc_input):
    """Return a PyTorch gradient (numpy) in the layout of nnplay's learnable."""
    layer, name = key
    if layer.startswith("conv") and name == "Weights":
        return gradient.transpose(2, 3, 1, 0)
    if layer == "fc" and name == "Weights":
        return fc_from_torch(gradient, fc_input)
    return gradient


# -- agreement -------------------------------------------------------------------------


def as_float64(net):
    """Return a copy of ``net`` whose learnables and statistics are float64."""
    net = copy.deepcopy(net)
    for layer in net._layers:
        for name in (*layer.LEARNABLES, *layer.STATE):
            value = getattr(layer, name, None)
            if value is not None and not isinstance(value, str):
                setattr(layer, name, value.astype(numpy.float64))
    return net


def check_agreement(net, images, labels, dtype="float32", device="cpu"):
    """Compare nnplay and a PyTorch twin of ``net`` on ``images``.

    Checks the inference output (softmax probabilities, trained statistics)
    and, in training mode (batch statistics), the loss and the gradient of
    every learnable. ``dtype`` 'float64' runs both in double precision on
    copies, which shows whether float32 differences are only rounding.
    ``net`` is never changed.

    Returns
    -------
    dict
        ``{quantity: (max abs difference, max abs value)}``.

    Raises
    ------
    AgreementError
        If any quantity differs by more than ``ATOL + RTOL * max abs value``
        (float32) or ``1e-10 * (1 + max abs value)`` (float64).
    """
    import torch

    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64'; got {dtype!r}.")

    model = torch_model(net, device)
    if dtype == "float64":
        net = as_float64(net)
        model = model.double()
    X = backend.to_backend(images[..., None].astype(dtype))
    X_torch = torch.from_numpy(images[:, None].astype(dtype)).to(device)
    labels_torch = torch.from_numpy(labels).to(device)
    fc_input = net.activation_size("leakyrelu_2")
    results = {}

    model.eval()
    with torch.no_grad():
        expected = torch.softmax(model(X_torch), dim=1).cpu().numpy()
    results["inference output"] = backend.to_numpy(net.predict(X)), expected

    model.train()
    loss_torch = torch.nn.functional.cross_entropy(model(X_torch), labels_torch)
    loss_torch.backward()
    loss, grads = net.gradients(X, labels)
    results["training loss"] = loss, loss_torch.item()
    parameters = dict(model.named_parameters())
    for key, torch_name in TORCH_PARAMETERS.items():
        gradient = parameters[torch_name].grad.cpu().numpy()
        gradient = torch_gradient_as_nnplay(key, gradient, fc_input)
        ours = backend.to_numpy(grads[key])
        results[f"gradient {key[0]}.{key[1]}"] = ours.reshape(gradient.shape), gradient

    differences = {}
    failures = []
    for quantity, (ours, theirs) in results.items():
        ours = numpy.asarray(ours, dtype=numpy.float64)
        theirs = numpy.asarray(theirs, dtype=numpy.float64)
        difference = float(numpy.max(numpy.abs(ours - theirs)))
        scale = float(numpy.max(numpy.abs(theirs)))
        allowed = ATOL + RTOL * scale if dtype == "float32" else 1e-10 * (1 + scale)
        differences[quantity] = (difference, scale)
        if not difference <= allowed:
            failures.append(
                f"{quantity}: max abs difference {difference:.3g} at max abs value "
                f"{scale:.3g} (allowed {allowed:.3g}, {dtype})"
            )
    if failures:
        raise AgreementError(
            "nnplay and PyTorch do not compute the same function; the timings "
            "would compare different work. Differences:\n  " + "\n  ".join(failures)
        )
    return differences


# -- training steps --------------------------------------------------------------------


class NnplaySGDM:
    """One training step of nnplay with SGD and momentum, as trainNetwork does.

    ``velocity = momentum * velocity - rate * (gradient + L2 * factor * w)``
    then ``w += velocity``, in place for every learnable, and the batch-norm
    trained statistics move towards the batch's.
    """

    def __init__(self, net, rate=LEARN_RATE, momentum=MOMENTUM, l2=L2_REGULARIZATION):
        self.net = net
        self.rate, self.momentum, self.l2 = rate, momentum, l2
        self.layers = {layer.Name: layer for layer in net._layers}
        xp = backend.xp()
        self.velocity = {
            key: xp.zeros_like(value) for key, value in net.learnables().items()
        }

    def step(self, X, T):
        """Run forward, backward and the update on prepared ``X``, one-hot ``T``."""
        net = self.net
        loss, grads, memories, _, _ = net.training_pass(X, T)

        for (layer_name, name), gradient in grads.items():
            layer = self.layers[layer_name]
            weights = getattr(layer, "_" + name)
            factor = self.l2 * layer.L2_FACTORS.get(name, 1.0)
            if factor:
                gradient += factor * weights
            velocity = self.velocity[layer_name, name]
            velocity *= self.momentum
            velocity -= self.rate * gradient
            weights += velocity

        for layer, memory in zip(net._layers, memories):
            if isinstance(layer, nnplay.BatchNormalizationLayer):
                layer.update_statistics(memory)
        return loss


def torch_optimizer(net, model):
    """Return PyTorch SGD with momentum, with nnplay's L2 factors per parameter."""
    import torch

    layers = {layer.Name: layer for layer in net._layers}
    parameters = dict(model.named_parameters())
    groups = {}
    for (layer_name, name), torch_name in TORCH_PARAMETERS.items():
        decay = L2_REGULARIZATION * layers[layer_name].L2_FACTORS.get(name, 1.0)
        groups.setdefault(decay, []).append(parameters[torch_name])
    return torch.optim.SGD(
        [{"params": params, "weight_decay": decay} for decay, params in groups.items()],
        lr=LEARN_RATE,
        momentum=MOMENTUM,
    )


def torch_step(model, optimizer, X, labels):
    """One PyTorch training step: forward, backward, SGD with momentum."""
    import torch

    optimizer.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(X), labels)
    loss.backward()
    optimizer.step()
    return loss


# -- timing ----------------------------------------------------------------------------


def median_seconds(call, synchronize, samples, minimum_sample_s, warmup_s):
    """Return the median time of one ``call()``, in seconds.

    ``call`` runs for about ``warmup_s`` first. Then each of ``samples``
    samples times enough calls in a row to last ``minimum_sample_s``, and the
    median over samples of the time per call is returned.
    """
    time.sleep(0.2)  # let BLAS/OpenMP worker threads of the other library go idle

    start = time.perf_counter()
    calls = 0
    while True:
        call()
        calls += 1
        synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= warmup_s and calls >= 2:
            break
    per_sample = max(1, math.ceil(minimum_sample_s / (elapsed / calls)))

    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(per_sample):
            call()
        synchronize()
        times.append((time.perf_counter() - start) / per_sample)
    return statistics.median(times)


def train_network_seconds(images, labels):
    """Return the wall time of ``nnplay.trainNetwork`` for one epoch on ``images``.

    SGDM at batch 128 with 'moving' batch-norm statistics, no display: the
    loop the epoch row imitates, run by nnplay itself, with its bookkeeping.
    """
    options = nnplay.trainingOptions(
        "sgdm",
        MaxEpochs=1,
        MiniBatchSize=EPOCH_BATCH,
        InitialLearnRate=LEARN_RATE,
        Momentum=MOMENTUM,
        L2Regularization=L2_REGULARIZATION,
        Shuffle="never",
        Verbose=False,
        BatchNormalizationStatistics="moving",
    )
    time.sleep(0.2)
    start = time.perf_counter()
    nnplay.trainNetwork(
        images[..., None], labels, nnplay.examples.example_cnn(), options
    )
    return time.perf_counter() - start


def cycling(step, batches):
    """Return a call that runs ``step(*batch)`` on each of ``batches`` in turn."""
    iterator = itertools.cycle(batches)
    return lambda: step(*next(iterator))


def epoch_seconds(step, order, batch, chunks, synchronize):
    """Train on the images ``order`` in batches; return seconds per image.

    The batches are timed in ``chunks`` consecutive groups, and the median
    over groups of the time per image is returned with the total wall time,
    so that a burst of load from other programs moves the estimate little.
    """
    starts = list(range(0, order.size, batch))
    groups = [group for group in numpy.array_split(starts, chunks) if group.size]
    per_image = []
    total = 0.0
    for group in groups:
        start = time.perf_counter()
        seen = 0
        for first in group:
            indices = order[first : first + batch]
            step(indices)
            seen += indices.size
        synchronize()
        elapsed = time.perf_counter() - start
        total += elapsed
        per_image.append(elapsed / seen)
    return statistics.median(per_image), total


# -- machine ---------------------------------------------------------------------------


def cpu_model():
    """Return the CPU model name from /proc/cpuinfo, or platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def nnplay_source():
    """Return where nnplay is imported from and, in a git checkout, its commit."""
    folder = Path(nnplay.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%h %cs"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "-C",
                str(folder),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, changed = "", ""
    if not commit:
        return f"{folder} (not a git checkout)"
    return f"{folder} at commit {commit}" + (
        " with uncommitted changes" if changed else ""
    )


def machine_info(torch_module):
    """Return a dict describing the machine, BLAS and thread settings."""
    from threadpoolctl import threadpool_info

    blas = [
        f"{info.get('internal_api')} {info.get('version')} "
        f"({info.get('architecture', '?')} kernel, {info.get('num_threads')} threads)"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numpy_blas": "; ".join(blas) or "unknown",
        "openblas_env": {
            name: os.environ.get(name, "unset") for name in OPENBLAS_VARIABLES
        },
        "nnplay_backend": backend.get_backend(),
        "nnplay_source": nnplay_source(),
        "torch": None,
        "torch_threads": None,
    }
    if torch_module is not None:
        info["torch"] = torch_module.__version__
        info["torch_threads"] = torch_module.get_num_threads()
    return info


def load_average():
    """Return the 1, 5 and 15 minute load averages, rounded."""
    return [round(value, 2) for value in os.getloadavg()]


def cpu_counters():
    """Return ``(busy, total)`` CPU seconds of the machine and this process's own.

    From /proc/stat (Linux); ``None`` where it cannot be read.
    """
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    ticks = [int(value) for value in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    hertz = os.sysconf("SC_CLK_TCK")
    own = os.times()
    return (sum(ticks) - idle) / hertz, sum(ticks) / hertz, own.user + own.system


def others_cpu_share(before, after):
    """Return the share of all cores that other programs used between two counters.

    The machine's busy time less this process's own CPU time, over the
    total time of all cores: 0.5 on a 2-core machine means one core was
    taken by something else on average.
    """
    if before is None or after is None or after[1] <= before[1]:
        return None
    busy = after[0] - before[0]
    own = after[2] - before[2]
    return max(0.0, min(1.0, (busy - own) / (after[1] - before[1])))


# -- the benchmark ---------------------------------------------------------------------


def import_torch():
    """Return the torch module, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def synchronizer(device, torch_module):
    """Return the functions that wait for nnplay's and PyTorch's queued work."""

    def nothing():
        return None

    if device != "gpu":
        return nothing, nothing
    import cupy

    return cupy.cuda.Device().synchronize, torch_module.cuda.synchronize


def measure(options, torch_module, report):
    """Run the checks and timings; return ``{row: {'nnplay': v, 'torch': v}}``."""
    device = options.device
    torch_device = "cuda" if device == "gpu" else "cpu"
    sync_nnplay, sync_torch = synchronizer(device, torch_module)
    timing = {
        "samples": 3 if options.quick else options.samples,
        "minimum_sample_s": 0.02 if options.quick else 0.25,
        "warmup_s": 0.05 if options.quick else 0.5,
    }
    images, labels, source = load_images(
        2_000 if options.quick else max(options.epoch_images, 10_000)
    )
    report(f"data: {source}, {images.shape[0]} held in memory")
    net = build_nnplay_network(images[:1000])
    model = None

    differences = {}
    if torch_module is not None:
        model = torch_model(net, torch_device)
        for dtype in ("float32", "float64"):
            differences[dtype] = check_agreement(
                net, images[:64], labels[:64], dtype, torch_device
            )
        report(
            "agreement with PyTorch on 64 images, max abs difference "
            "(float32 / float64) and max abs value:"
        )
        for quantity, (difference, scale) in differences["float32"].items():
            double = differences["float64"][quantity][0]
            report(f"  {quantity:<30} {difference:9.2e} / {double:9.2e}   {scale:9.2e}")
        report("  all within tolerance: both compute the same function")
    else:
        report("PyTorch is not installed: measuring nnplay only.")

    results = {}
    X_host = images[..., None].astype(numpy.float32)
    X_all = backend.to_backend(X_host)
    T_all = net.targets(labels, X_all.dtype)
    if model is not None:
        X_torch_all = torch_module.from_numpy(images[:, None].astype(numpy.float32))
        X_torch_all = X_torch_all.to(torch_device)
        labels_torch_all = torch_module.from_numpy(labels).to(torch_device)

    for batch in INFERENCE_BATCHES:
        X = X_all[:batch]
        row = {}
        seconds = median_seconds(
            lambda X=X, batch=batch: net.predict(X, MiniBatchSize=batch),
            sync_nnplay,
            **timing,
        )
        row["nnplay"] = batch / seconds
        if model is not None:
            model.eval()
            X_torch = X_torch_all[:batch]

            def infer(X_torch=X_torch):
                with torch_module.no_grad():
                    return torch_module.softmax(model(X_torch), dim=1)

            row["torch"] = batch / median_seconds(infer, sync_torch, **timing)
        else:
            row["torch"] = None
        results[f"infer_b{batch}"] = row
        report(f"  measured infer_b{batch}")

    # Each training row starts from the same weights with zero momentum and
    # steps through different batches, as training does: one batch again and
    # again would drive its loss to zero, which is not the work of training.
    for batch in TRAINING_BATCHES:
        starts = range(0, images.shape[0] - batch + 1, batch)
        trainer = NnplaySGDM(copy.deepcopy(net))
        step = cycling(
            trainer.step, [(X_all[s : s + batch], T_all[s : s + batch]) for s in starts]
        )
        row = {"nnplay": batch / median_seconds(step, sync_nnplay, **timing)}
        if model is not None:
            model = torch_model(net, torch_device).train()
            step = cycling(
                functools.partial(torch_step, model, torch_optimizer(net, model)),
                [
                    (X_torch_all[s : s + batch], labels_torch_all[s : s + batch])
                    for s in starts
                ],
            )
            row["torch"] = batch / median_seconds(step, sync_torch, **timing)
        else:
            row["torch"] = None
        results[f"train_b{batch}"] = row
        report(f"  measured train_b{batch}")

    # The epoch: shuffled batches gathered from the uint8 images, converted and
    # turned into targets per batch, as a training loop does.
    epoch_count = 1_280 if options.quick else options.epoch_images
    chunks = 5 if options.quick else 10
    order = numpy.random.default_rng(1).permutation(images.shape[0])[:epoch_count]
    images_backend = backend.to_backend(images)
    trainer = NnplaySGDM(copy.deepcopy(net))
    input_layer = trainer.net._layers[0]

    def nnplay_batch(indices):
        X = input_layer.prepare(images_backend[backend.to_backend(indices)][..., None])
        trainer.step(X, trainer.net.targets(labels[indices], X.dtype))

    time.sleep(0.2)
    seconds, total = epoch_seconds(
        nnplay_batch, order, EPOCH_BATCH, chunks, sync_nnplay
    )
    row = {"nnplay": seconds * EPOCH_IMAGES}
    totals = {"nnplay": total}
    if model is not None:
        images_torch = torch_module.from_numpy(images[:, None]).to(torch_device)
        model = torch_model(net, torch_device).train()
        optimizer = torch_optimizer(net, model)

        def torch_batch(indices):
            index = torch_module.from_numpy(indices).to(torch_device)
            X = images_torch[index].float()
            torch_step(model, optimizer, X, labels_torch_all[index])

        time.sleep(0.2)
        seconds, total = epoch_seconds(
            torch_batch, order, EPOCH_BATCH, chunks, sync_torch
        )
        row["torch"] = seconds * EPOCH_IMAGES
        totals["torch"] = total
    else:
        row["torch"] = None
    results["epoch_s"] = row
    report(
        f"  measured epoch_s: {epoch_count} images timed in {chunks} groups of "
        f"batches; total wall time "
        + ", ".join(f"{name} {value:.2f} s" for name, value in totals.items())
    )

    if hasattr(nnplay, "trainNetwork"):
        seconds = train_network_seconds(images[order], labels[order])
        results["epoch_trainnetwork_s"] = {
            # trainNetwork drops the last, partial batch of an epoch.
            "nnplay": seconds
            * EPOCH_IMAGES
            / (epoch_count // EPOCH_BATCH * EPOCH_BATCH),
            "torch": None,
        }
        report(f"  measured epoch_trainnetwork_s: {seconds:.2f} s for one epoch")
    return results, differences, epoch_count, chunks


ROW_LABELS = {
    "infer_b1": "inference, batch 1 (images/s)",
    "infer_b32": "inference, batch 32 (images/s)",
    "infer_b256": "inference, batch 256 (images/s)",
    "train_b32": "training step, batch 32 (images/s)",
    "train_b128": "training step, batch 128 (images/s)",
    "train_b256": "training step, batch 256 (images/s)",
    "epoch_s": "epoch of 60,000, batch 128 (s)",
    "epoch_trainnetwork_s": "  the same with trainNetwork (s)",
}


# The speed goals on a 2-core CPU: (row, kind, bound, text).
GOALS = {
    "infer_b1": ("ratio at least", 1.2, ">= 1.2x PyTorch"),
    "train_b128": ("ratio at least", 0.5, ">= 0.5x PyTorch"),
    "epoch_s": ("nnplay at most", 20.0, "<= 20 s"),
}


def goal_status(row, values):
    """Return ``(goal text, 'met'/'short'/'-')`` for a row of results."""
    if row not in GOALS:
        return "", ""
    kind, bound, text = GOALS[row]
    ours, theirs = values["nnplay"], values["torch"]
    if kind == "nnplay at most":
        return text, "met" if ours <= bound else "short"
    if not theirs:
        return text, "-"
    return text, "met" if ours / theirs >= bound else "short"


def format_number(value, row):
    """Format a result: images/s as whole numbers, seconds with one decimal."""
    if value is None:
        return "-"
    return f"{value:.1f}" if row.endswith("_s") else f"{value:,.0f}"


def format_table(results):
    """Return the results as a text table with the ratio nnplay/PyTorch and goals."""
    lines = [
        f"{'':<38}{'nnplay':>10}{'PyTorch':>10}{'ratio':>8}   goal",
    ]
    for row, values in results.items():
        ours, theirs = values["nnplay"], values["torch"]
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        goal, status = goal_status(row, values)
        lines.append(
            f"{ROW_LABELS.get(row, row):<38}{format_number(ours, row):>10}"
            f"{format_number(theirs, row):>10}{ratio:>8}   "
            + (f"{goal}: {status}" if goal else "")
        )
    lines.append(
        "ratio = nnplay / PyTorch; images/s: higher is faster; seconds: lower is "
        "faster, so there a ratio above 1 means nnplay is slower"
    )
    return "\n".join(lines)


def markdown_report(results, meta):
    """Return the run as a Markdown section to paste into docs/benchmarks.md."""
    lines = [
        f"Run of {meta['date']}, `{meta['command']}`.",
        "",
        f"- Machine: {meta['cpu']}, {meta['cores']} cores; numpy {meta['numpy']} "
        f"with {meta['numpy_blas']}; "
        + ", ".join(f"`{k}` {v}" for k, v in meta["openblas_env"].items())
        + ".",
        f"- PyTorch {meta['torch']} with {meta['torch_threads']} threads."
        if meta["torch"]
        else "- PyTorch not installed.",
        f"- nnplay: {meta['nnplay_source']}.",
        f"- Load average (1, 5, 15 min) before {meta['load_average_before']}, "
        f"after {meta['load_average_after']}; other programs used "
        + (
            f"{meta['others_cpu_share']:.0%}"
            if meta["others_cpu_share"] is not None
            else "an unknown share"
        )
        + " of the CPU time during the run.",
        "",
        "| row | nnplay | PyTorch | nnplay / PyTorch | goal |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row, values in results.items():
        ours, theirs = values["nnplay"], values["torch"]
        ratio = f"{ours / theirs:.2f}x" if theirs else "-"
        goal, status = goal_status(row, values)
        label = ROW_LABELS.get(row, row).strip()
        lines.append(
            f"| {label} | {format_number(ours, row)} | {format_number(theirs, row)} "
            f"| {ratio} | {goal + ': ' + status if goal else ''} |"
        )
    return "\n".join(lines) + "\n"


# -- profile ---------------------------------------------------------------------------


def layer_times(net, X, T, repeats):
    """Return the median seconds of each layer's forward and backward in training.

    The pass mirrors ``SeriesNetwork.training_pass`` layer by layer, so the
    shares show where a training step goes.
    """
    layers = net._layers
    times = {}
    for _ in range(repeats):
        inputs, outputs, memories = [], [], []
        Z = X
        for layer in layers[:-1]:
            start = time.perf_counter()
            inputs.append(Z)
            Z, memory = layer.forward(Z)
            times.setdefault((layer.Name, "forward"), []).append(
                time.perf_counter() - start
            )
            outputs.append(Z)
            memories.append(memory)
        dZ = (Z.reshape(T.shape) - T) / Z.shape[0]
        for position in range(len(layers) - 3, 0, -1):
            layer = layers[position]
            start = time.perf_counter()
            arguments = (inputs[position], outputs[position], dZ, memories[position])
            if position == 1:
                _, _ = layer.backward(*arguments, input_gradient=False)
            else:
                dZ, _ = layer.backward(*arguments)
            times.setdefault((layer.Name, "backward"), []).append(
                time.perf_counter() - start
            )
    return {key: statistics.median(values) for key, values in times.items()}


def nnplay_functions():
    """Return ``{(file, first line, name): function}`` for nnplay's functions."""
    found = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("nnplay") or module is None:
            continue
        for value in vars(module).values():
            members = vars(value).values() if inspect.isclass(value) else [value]
            for member in members:
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                code = getattr(member, "__code__", None)
                if code is not None:
                    key = (code.co_filename, code.co_firstlineno, code.co_name)
                    found[key] = member
    return found


def cprofile_lines(call, count, title):
    """Profile ``count`` calls; return report lines and the top nnplay functions."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    total = time.perf_counter() - start

    stats = pstats.Stats(profiler).stats
    rows = sorted(stats.items(), key=lambda item: -item[1][2])
    lines = [
        f"\ncProfile, {title}: {total / count * 1e3:.2f} ms per call "
        f"({count} calls, profiler overhead included); functions by own time:",
        f"  {'own ms':>8} {'share':>6} {'incl ms':>8} {'calls':>6}  function",
    ]
    for (filename, line, name), (_, calls, own, inclusive, _) in rows[:15]:
        where = f"{Path(filename).name}:{line}({name})" if line else name
        lines.append(
            f"  {own / count * 1e3:8.3f} {own / total:6.1%} "
            f"{inclusive / count * 1e3:8.3f} {calls // count:>6}  {where}"
        )
    functions = nnplay_functions()
    top = [functions[key] for key, _ in rows if key in functions][:6]
    return lines, top


def line_profile_lines(call, count, functions, title):
    """Line-profile ``functions`` over ``count`` calls; return report lines."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        return ["\n(line_profiler is not installed: no line timings)"]

    profiler = LineProfiler(*functions)
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    total = time.perf_counter() - start

    stats = profiler.get_stats()
    lines = [
        f"\nLine timings, {title}: lines of the top functions by time, as a share "
        f"of the whole call ({total / count * 1e3:.2f} ms with line profiling):"
    ]
    for (filename, first, name), timings in stats.timings.items():
        spent = sum(time_ for _, _, time_ in timings) * stats.unit
        if not timings or spent < 0.02 * total:
            continue
        lines.append(
            f"  {Path(filename).name}:{first} {name}: "
            f"{spent / count * 1e3:.3f} ms, {spent / total:.1%}"
        )
        for number, hits, time_ in sorted(timings, key=lambda row: -row[2]):
            seconds = time_ * stats.unit
            if seconds < 0.01 * total:
                break
            source = linecache.getline(filename, number).strip()[:70]
            lines.append(
                f"    {seconds / total:6.1%}  line {number:<4} "
                f"x{hits // count:<3} {source}"
            )
    return lines


def profile_report(net, images, labels, quick):
    """Return a text profile of nnplay's training step and batch-1 inference."""
    lines = []
    repeats = 5 if quick else 30
    prepared = images[..., None].astype(numpy.float32)
    batches = [
        (
            backend.to_backend(prepared[start : start + 128]),
            net.targets(labels[start : start + 128], prepared.dtype),
        )
        for start in range(0, images.shape[0] - 127, 128)
    ]
    X, T = batches[0]
    trainer = NnplaySGDM(net)

    lines.append(
        f"Per-layer median time, training step at batch 128 ({repeats} steps):"
    )
    per_layer = layer_times(net, X, T, repeats)
    total = sum(per_layer.values())
    for (name, phase), seconds in sorted(per_layer.items(), key=lambda item: -item[1]):
        lines.append(
            f"  {name:<12} {phase:<9} {seconds * 1e3:8.2f} ms  {seconds / total:6.1%}"
        )
    lines.append(f"  {'sum':<22} {total * 1e3:8.2f} ms")

    for title, call, count in (
        ("training step, batch 128", cycling(trainer.step, batches), repeats),
        ("inference, batch 1", lambda: net.predict(X[:1]), 50 * repeats),
    ):
        call()
        profiled, top = cprofile_lines(call, count, title)
        lines.extend(profiled)
        lines.extend(line_profile_lines(call, count, top, title))
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------


def parse_options(argv):
    parser = argparse.ArgumentParser(
        description="Speed of nnplay against PyTorch on the example CNN."
    )
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument(
        "--markdown", type=Path, help="write the run as a Markdown table to this file"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a fast smoke run (numbers are rough)"
    )
    parser.add_argument(
        "--device",
        choices=("cpu", "gpu"),
        default="cpu",
        help="cpu: numpy and PyTorch CPU; gpu: CuPy and PyTorch CUDA",
    )
    parser.add_argument(
        "--samples", type=int, default=7, help="timing samples per row (median)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="limit numpy's BLAS and PyTorch to this many threads (default: theirs)",
    )
    parser.add_argument(
        "--epoch-images",
        type=int,
        default=10_000,
        help="images actually trained on for the epoch row (scaled to 60,000)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the nnplay training step and batch-1 inference",
    )
    parser.add_argument(
        "--profile-only",
        action="store_true",
        help="profile nnplay only, with no agreement check and no timings",
    )
    options = parser.parse_args(argv)
    if options.threads is not None and options.threads < 1:
        parser.error(f"--threads must be a positive integer; got {options.threads}.")
    if options.samples < 1:
        parser.error(f"--samples must be a positive integer; got {options.samples}.")
    if not 1 <= options.epoch_images <= EPOCH_IMAGES:
        parser.error(
            f"--epoch-images must be between 1 and {EPOCH_IMAGES}; "
            f"got {options.epoch_images}."
        )
    return options


def main(argv=None):
    options = parse_options(argv)

    def report(text=""):
        print(text, flush=True)

    backend.set_backend("cupy" if options.device == "gpu" else "numpy")
    torch_module = import_torch()
    if options.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(options.threads, user_api="blas")
        if torch_module is not None:
            torch_module.set_num_threads(options.threads)
    if options.device == "gpu" and torch_module is not None:
        if not torch_module.cuda.is_available():
            torch_module = None
            report("PyTorch has no CUDA device here: measuring nnplay only.")
    machine = machine_info(torch_module)
    load_before = load_average()
    counters_before = cpu_counters()
    command = " ".join([Path(sys.executable).name, *sys.argv])
    report(f"nnplay engine benchmark, {machine['date']}")
    report(f"command: {command}")
    report(
        f"machine: {machine['cpu']}, {machine['cores']} cores; "
        f"numpy {machine['numpy']} with {machine['numpy_blas']}; "
        + ", ".join(f"{k}={v}" for k, v in machine["openblas_env"].items())
    )
    report(
        f"PyTorch {machine['torch']} with {machine['torch_threads']} threads"
        if machine["torch"]
        else "PyTorch: not installed"
    )
    if any(value != "unset" for value in machine["openblas_env"].values()):
        report(
            "note: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are set and may slow numpy; "
            "rerun under `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` to compare."
        )
    report(f"nnplay: {machine['nnplay_source']}, backend {machine['nnplay_backend']}")
    report(f"load average before: {load_before}")
    report()

    if options.profile_only:
        images, labels, _ = load_images(1280)
        report(profile_report(build_nnplay_network(images), images, labels, False))
        return 0

    try:
        results, differences, epoch_seen, chunks = measure(
            options, torch_module, report
        )
    except AgreementError as error:
        report(f"ABORTED: {error}")
        return 2

    load_after = load_average()
    others = others_cpu_share(counters_before, cpu_counters())
    report()
    report(format_table(results))
    report(
        f"\nepoch_s is estimated from {epoch_seen} shuffled images trained in "
        f"batches of {EPOCH_BATCH}: the median time per image over {chunks} groups "
        f"of batches, times {EPOCH_IMAGES}."
    )
    report(
        f"load average before: {load_before}, after: {load_after} (the run's own "
        f"threads count in 'after')"
    )
    if others is not None:
        report(
            f"other programs used {others:.0%} of the machine's CPU time during the "
            f"run (0% is a quiet machine)"
        )

    meta = {
        "units": "images per second; rows ending in _s: seconds per 60,000 images",
        "epoch_images_timed": epoch_seen,
        "command": command,
        "device": options.device,
        "quick": options.quick,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "others_cpu_share": None if others is None else round(others, 3),
        "agreement_max_abs_difference": {
            dtype: {key: value[0] for key, value in table.items()}
            for dtype, table in differences.items()
        },
        **machine,
    }
    if options.json:
        options.json.write_text(json.dumps({**results, "meta": meta}, indent=2) + "\n")
        report(f"results written to {options.json}")
    if options.markdown:
        options.markdown.write_text(markdown_report(results, meta))
        report(f"Markdown table written to {options.markdown}")

    if options.profile:
        images, labels, _ = load_images(1280)
        net = build_nnplay_network(images)
        report()
        report(profile_report(net, images, labels, options.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())

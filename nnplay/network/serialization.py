"""Saving and loading networks as versioned ``.npz`` files, without pickle.

A file written by :func:`save_network` is a compressed numpy archive holding
only plain arrays:

``format``
    The text ``'nnplay-network'``.
``version``
    The file format version, an integer (:data:`FORMAT_VERSION`).
``kind``
    ``'SeriesNetwork'`` or ``'LayerArray'``: what loading gives back.
``layer_count``
    The number of layers.
``metadata``
    JSON text: anything the writer wanted to record (how a network was
    trained, for example); ``{}`` when nothing.
``layer<i>/class``, ``layer<i>/hyperparameters``
    For the layer at position ``i``: its class name (a key of
    ``nnplay.layers.LAYER_CLASSES``) and its constructor's non-array
    arguments as JSON text.
``layer<i>/<property>``
    Each array the layer holds: learnables (``Weights``, ``Bias``, ...),
    state (``TrainedMean``, ...), input statistics (``Mean``, ...) and
    ``Classes``, stored with their dtype, so a round trip is exact.

Loading reads with ``allow_pickle=False`` and rebuilds each layer through its
constructor, so every value is validated as if a user had typed it.
"""

import inspect
import json
import logging
import math
import os
import re
import zipfile
import zlib

import numpy

from .. import backend
from ..layers import LAYER_CLASSES
from .analysis import analyzeNetwork
from .layer_array import LayerArray, as_layer_array
from .series_network import SeriesNetwork, assembleNetwork

logger = logging.getLogger(__name__)

FORMAT_NAME = "nnplay-network"
#: The version this nnplay writes, and the newest it reads.
FORMAT_VERSION = 1
KINDS = ("SeriesNetwork", "LayerArray")
#: The first bytes of a zip archive, which an .npz file is.
ZIP_SIGNATURE = b"PK\x03\x04"


def _constructor_arguments(cls):
    """The names of the arguments of a layer class's constructor, in order."""
    return [
        name
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
        and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]


def _array_arguments(cls):
    """Constructor arguments that hold arrays rather than hyperparameters."""
    return {*cls.LEARNABLES, *cls.STATE, "Classes"}


def _private_name(name):
    """``'OffsetInitializer'`` -> ``'_offset_initializer'``."""
    return "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _argument_value(layer, name):
    """The value of a constructor argument on ``layer``, or ``Parameter.empty``."""
    if isinstance(getattr(type(layer), name, None), property):
        return getattr(layer, name)
    return getattr(layer, _private_name(name), inspect.Parameter.empty)


def _json_value(value, layer, name):
    """Return ``value`` in a form JSON keeps exactly, or raise naming it."""
    if isinstance(value, (numpy.bool_, numpy.integer, numpy.floating)):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return [_json_value(item, layer, name) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(
            f"{name} of layer '{layer.Name}' must be finite to be saved; got {value!r}."
        )
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(
        f"{name} of layer '{layer.Name}' cannot be saved: it is a "
        f"{type(value).__name__} ({value!r})."
    )


def layer_record(layer):
    """Return ``(class name, hyperparameters, arrays)`` describing ``layer``.

    ``hyperparameters`` holds the constructor's non-array arguments (JSON
    ready) and ``arrays`` the arrays it holds, as numpy arrays on the host.
    """
    cls = type(layer)
    if LAYER_CLASSES.get(cls.CLASS_NAME) is not cls:
        raise ValueError(
            f"layer '{layer.Name}' is a {cls.__name__}, which cannot be saved: "
            f"only the layers of nnplay.layers.LAYER_CLASSES can."
        )
    array_names = _array_arguments(cls)
    hyperparameters, arrays = {}, {}
    for name in _constructor_arguments(cls):
        value = _argument_value(layer, name)
        if value is inspect.Parameter.empty:
            continue
        if name in array_names:
            if value is None or isinstance(value, str):
                if value is not None:
                    hyperparameters[name] = value
                continue
            array = numpy.asarray(backend.to_numpy(value))
            if array.dtype.kind not in "biufU":
                raise ValueError(
                    f"{name} of layer '{layer.Name}' must hold numbers or text to "
                    f"be saved; got an array of dtype {array.dtype}."
                )
            arrays[name] = array
        else:
            hyperparameters[name] = _json_value(value, layer, name)
    return cls.CLASS_NAME, hyperparameters, arrays


def save_network(net, path, metadata=None):
    """Save a network (or a layer array) to ``path`` as a compressed ``.npz`` file.

    Parameters
    ----------
    net : SeriesNetwork or LayerArray
        What to save; :func:`load_network` gives back the same kind.
    path : str or os.PathLike
        The file to write, used exactly as given (no extension is added).
    metadata : dict, optional
        JSON-serializable notes stored with the network, such as how it was
        trained; :func:`read_metadata` returns them.

    Examples
    --------
    >>> import os, tempfile, numpy as np, nnplay
    >>> net = nnplay.assembleNetwork(nnplay.examples.example_cnn())
    >>> path = os.path.join(tempfile.mkdtemp(), 'net.npz')
    >>> nnplay.save_network(net, path)
    >>> copy = nnplay.load_network(path)
    >>> bool(np.array_equal(copy.Layers[1].Weights, net.Layers[1].Weights))
    True
    """
    if isinstance(net, SeriesNetwork):
        kind, layers = "SeriesNetwork", net._layers
    elif isinstance(net, (LayerArray, list, tuple)):
        kind, layers = "LayerArray", list(as_layer_array(net))
    else:
        raise TypeError(
            f"net must be a SeriesNetwork or a LayerArray; got {type(net).__name__}."
        )
    if kind == "SeriesNetwork":
        # Refuse what loading would refuse, before anything is written: a
        # network whose layers were renamed or resized after assembly.
        problems = analyzeNetwork(layers).problems
        if problems:
            raise ValueError(
                "the network cannot be saved, since it could not be loaded again:\n"
                + "\n".join(f"  - {problem}" for problem in problems)
            )
    try:
        metadata_text = json.dumps({} if metadata is None else metadata)
    except (TypeError, ValueError) as error:
        raise ValueError(f"metadata must be JSON-serializable; {error}.") from None

    entries = {
        "format": numpy.array(FORMAT_NAME),
        "version": numpy.array(FORMAT_VERSION, dtype=numpy.int64),
        "kind": numpy.array(kind),
        "layer_count": numpy.array(len(layers), dtype=numpy.int64),
        "metadata": numpy.array(metadata_text),
    }
    for position, layer in enumerate(layers):
        class_name, hyperparameters, arrays = layer_record(layer)
        entries[f"layer{position}/class"] = numpy.array(class_name)
        entries[f"layer{position}/hyperparameters"] = numpy.array(
            json.dumps(hyperparameters)
        )
        for name, array in arrays.items():
            entries[f"layer{position}/{name}"] = array

    with open(os.fspath(path), "wb") as file:
        numpy.savez_compressed(file, **entries)


class NetworkFile:
    """The contents of a network file, read and checked but not yet built.

    Attributes
    ----------
    kind : str
        ``'SeriesNetwork'`` or ``'LayerArray'``.
    layers : list of (str, dict, dict)
        Per layer: class name, hyperparameters, ``{name: numpy array}``.
    metadata : dict
    version : int
    """

    def __init__(self, kind, layers, metadata, version):
        self.kind = kind
        self.layers = layers
        self.metadata = metadata
        self.version = version

    def build(self, copy=True):
        """Return a new network (or layer array) from the contents.

        With ``copy`` the arrays are copied, so that changing the network
        (training it, say) never changes the contents.
        """
        layers = []
        for position, (class_name, hyperparameters, arrays) in enumerate(self.layers):
            cls = LAYER_CLASSES[class_name]
            arguments = dict(hyperparameters)
            for name, array in arrays.items():
                arguments[name] = array.copy() if copy else array
            try:
                layers.append(cls(**arguments))
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"layer {position + 1} ({class_name} "
                    f"'{hyperparameters.get('Name', '')}') in the file is not valid: "
                    f"{error}"
                ) from None
        if self.kind == "LayerArray":
            return LayerArray(layers)
        try:
            return assembleNetwork(layers)
        except ValueError as error:
            raise ValueError(
                f"the layers in the file do not form a network: {error}"
            ) from None


def _text_entry(data, name, source):
    array = data[name]
    if array.shape != () or array.dtype.kind != "U":
        raise ValueError(f"{source}: the entry '{name}' is not a text value.")
    return str(array)


def _integer_entry(data, name, source):
    array = data[name]
    if array.shape != () or array.dtype.kind not in "iu":
        raise ValueError(f"{source}: the entry '{name}' is not an integer.")
    return int(array)


def _json_entry(data, name, source):
    text = _text_entry(data, name, source)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{source}: the entry '{name}' is not valid JSON ({error})."
        ) from None
    if not isinstance(value, dict):
        raise ValueError(f"{source}: the entry '{name}' is not a JSON object.")
    return value


def _read_entries(data, source):
    """Check the entries of an opened archive and return a :class:`NetworkFile`."""
    names = set(data.files)
    if "format" not in names or "version" not in names:
        raise ValueError(
            f"{source} is not an nnplay network file: it has no 'format' and "
            "'version' entries (a file written by nnplay.save_network has)."
        )
    if _text_entry(data, "format", source) != FORMAT_NAME:
        raise ValueError(
            f"{source} is not an nnplay network file: its format is "
            f"{str(data['format'])!r}, not {FORMAT_NAME!r}."
        )
    version = _integer_entry(data, "version", source)
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{source} was written in network file format version {version}, "
            f"newer than this nnplay reads (up to version {FORMAT_VERSION}); "
            "upgrade nnplay to load it."
        )
    if version < 1:
        raise ValueError(f"{source}: the file format version {version} is not valid.")
    for name in ("kind", "layer_count", "metadata"):
        if name not in names:
            raise ValueError(f"{source} is damaged: the entry '{name}' is missing.")
    kind = _text_entry(data, "kind", source)
    if kind not in KINDS:
        raise ValueError(
            f"{source}: the kind {kind!r} is not one of {', '.join(KINDS)}."
        )
    count = _integer_entry(data, "layer_count", source)
    listed = {
        int(match.group(1))
        for match in (re.match(r"layer(\d+)/", name) for name in names)
        if match
    }
    if count < 0 or any(position >= count for position in listed):
        raise ValueError(
            f"{source} is damaged: it says it holds {count} layers, but has "
            f"entries for {max(listed, default=-1) + 1}."
        )
    metadata = _json_entry(data, "metadata", source)

    layers = []
    for position in range(count):
        prefix = f"layer{position}/"
        if prefix + "class" not in names or prefix + "hyperparameters" not in names:
            raise ValueError(
                f"{source} is damaged: layer {position + 1} of {count} is missing."
            )
        class_name = _text_entry(data, prefix + "class", source)
        if class_name not in LAYER_CLASSES:
            raise ValueError(
                f"{source}: layer {position + 1} has the unknown class "
                f"{class_name!r}; known classes are {', '.join(LAYER_CLASSES)}."
            )
        hyperparameters = _json_entry(data, prefix + "hyperparameters", source)
        allowed = set(_constructor_arguments(LAYER_CLASSES[class_name]))
        unknown = set(hyperparameters) - allowed
        if unknown:
            raise ValueError(
                f"{source}: layer {position + 1} ({class_name}) has unknown "
                f"hyperparameters {sorted(unknown)}."
            )
        arrays = {}
        for entry in sorted(names):
            if not entry.startswith(prefix) or entry in (
                prefix + "class",
                prefix + "hyperparameters",
            ):
                continue
            name = entry[len(prefix) :]
            if name not in allowed:
                raise ValueError(
                    f"{source}: layer {position + 1} ({class_name}) has the unknown "
                    f"array {name!r}."
                )
            arrays[name] = data[entry]
        layers.append((class_name, hyperparameters, arrays))
    return NetworkFile(kind, layers, metadata, version)


def read_network_file(path):
    """Read and check a network file; return a :class:`NetworkFile`.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not an nnplay network file, is damaged, or was
        written by a newer nnplay.
    """
    source = f"'{os.fspath(path)}'"
    with open(os.fspath(path), "rb") as file:
        start = file.read(4)
    if start != ZIP_SIGNATURE:
        raise ValueError(
            f"{source} is not an nnplay network file: it is not a numpy .npz archive."
        )
    try:
        data = numpy.load(os.fspath(path), allow_pickle=False)
        with data:
            return _read_entries(data, source)
    except FileNotFoundError:
        raise
    except ValueError as error:
        if str(error).startswith(source):
            raise
        raise ValueError(
            f"{source} is not an nnplay network file, or it is damaged: {error}"
        ) from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(
            f"{source} is not an nnplay network file, or it is damaged: "
            f"{type(error).__name__}: {error}"
        ) from None


def load_network(path):
    """Load a network saved by :func:`save_network`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    SeriesNetwork or LayerArray
        The kind that was saved, with its arrays on the active backend.

    Raises
    ------
    ValueError
        If the file is not an nnplay network file, is damaged, or was
        written by a newer nnplay.

    Examples
    --------
    >>> import os, tempfile, nnplay
    >>> path = os.path.join(tempfile.mkdtemp(), 'layers.npz')
    >>> nnplay.save_network(nnplay.examples.example_cnn(scale=0.2), path)
    >>> nnplay.load_network(path)[3].Scale
    0.2
    """
    return read_network_file(path).build(copy=False)


def read_metadata(path):
    """Return the metadata dict stored in a network file."""
    return read_network_file(path).metadata


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "NetworkFile",
    "layer_record",
    "load_network",
    "read_metadata",
    "read_network_file",
    "save_network",
]

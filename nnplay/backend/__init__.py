"""The one place that decides whether arrays live in numpy or in CuPy.

The active backend is chosen once, at import:

* the environment variable ``NNPLAY_BACKEND`` (``"numpy"`` or ``"cupy"``)
  wins when it is set;
* otherwise CuPy is used when it imports and sees a CUDA device;
* otherwise numpy.

:func:`set_backend` changes it at run time. Layers never import numpy or CuPy
for their math: they ask :func:`array_module` for the module that owns their
input and write every formula once against it.
"""

import ctypes
import logging
import os
import sys

import numpy

logger = logging.getLogger(__name__)

BACKENDS = ("numpy", "cupy")
DEFAULT_DTYPE = numpy.float32

_active = {"name": None, "module": None}


def _import_cupy():
    """Return the cupy module if it imports and sees a CUDA device, else None."""
    try:
        import cupy
    except Exception as error:  # ImportError, or a broken CUDA install
        logger.debug("CuPy is not available: %s", error)
        return None

    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception as error:
        logger.debug("CuPy imports but finds no CUDA device: %s", error)
        return None

    return cupy


def set_backend(name):
    """Choose where nnplay computes: ``"numpy"`` (CPU) or ``"cupy"`` (NVIDIA GPU).

    Parameters
    ----------
    name : {"numpy", "cupy"}
        The array module to use from now on.

    Raises
    ------
    ValueError
        If ``name`` is not one of the two backends.
    RuntimeError
        If ``"cupy"`` is asked for where CuPy cannot run; nnplay never falls
        back silently.

    Examples
    --------
    >>> import nnplay
    >>> nnplay.set_backend("numpy")
    >>> nnplay.get_backend()
    'numpy'
    """
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise ValueError(f"backend must be 'numpy' or 'cupy'; got {name!r}.")
    name = name.lower()

    if name == "numpy":
        module = numpy
    else:
        module = _import_cupy()
        if module is None:
            raise RuntimeError(
                "backend 'cupy' was asked for, but CuPy cannot run here: it is "
                "not installed (pip install 'nnplay[gpu]') or no CUDA device is "
                "visible."
            )

    _active["name"] = name
    _active["module"] = module
    logger.info("nnplay computes with %s", name)


def get_backend():
    """Return the name of the active backend, ``"numpy"`` or ``"cupy"``."""
    return _active["name"]


def xp():
    """Return the array module of the active backend (numpy or cupy)."""
    return _active["module"]


def array_module(*arrays):
    """Return the array module that owns ``arrays``: cupy for any CuPy array.

    This mirrors ``cupy.get_array_module`` without importing CuPy on machines
    that do not have it.
    """
    for array in arrays:
        kind = type(array)
        if kind is not numpy.ndarray and kind.__module__.startswith("cupy"):
            return _active["module"] if get_backend() == "cupy" else _import_cupy()
    return numpy


def to_numpy(array):
    """Return ``array`` as a numpy array on the host.

    CuPy arrays are copied from the GPU, which waits for the device to finish
    the work that produces them. Anything else goes through ``numpy.asarray``.
    """
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    return numpy.asarray(array)


def to_backend(array, dtype=None):
    """Return ``array`` on the active backend, optionally cast to ``dtype``."""
    module = xp()
    if module is numpy:
        array = to_numpy(array)
    else:
        array = module.asarray(array)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return array


_memory = {"retained": False}


def retain_freed_memory():
    """Ask the C library to keep freed memory for reuse rather than return it.

    A training step makes and frees dozens of temporaries of a few megabytes
    each. By default glibc gives such blocks back to the operating system,
    and touching fresh pages again costs about a third of a training step.
    After this call freed blocks stay in the process (its resident memory
    stays at its peak) and are reused. Networks call it the first time they
    train; it does nothing on other C libraries, and nothing a second time.
    """
    if _memory["retained"]:
        return
    _memory["retained"] = True
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    trim_threshold, mmap_threshold = -1, -3  # M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    mallopt(mmap_threshold, 32 * 2**20)
    mallopt(trim_threshold, 512 * 2**20)
    logger.debug("freed memory is now kept for reuse")


def _initial_backend():
    requested = os.environ.get("NNPLAY_BACKEND", "").strip().lower()
    if requested:
        set_backend(requested)
    elif _import_cupy() is not None:
        set_backend("cupy")
    else:
        set_backend("numpy")


_initial_backend()

__all__ = [
    "BACKENDS",
    "DEFAULT_DTYPE",
    "array_module",
    "get_backend",
    "retain_freed_memory",
    "set_backend",
    "to_backend",
    "to_numpy",
    "xp",
]

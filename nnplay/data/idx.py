"""Read and write the IDX format of the original MNIST distribution.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), then one big-endian unsigned 32-bit size per dimension, then
the values in C order, big-endian. The original MNIST files are gzip
compressed; :func:`read_idx` recognises gzip by its magic bytes, whatever the
file is called.
"""

import gzip
import logging
import math
import os
import zlib

import numpy

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"

# Type code -> big-endian dtype, as the IDX format defines them.
IDX_DTYPES = {
    0x08: numpy.dtype("u1"),
    0x09: numpy.dtype("i1"),
    0x0B: numpy.dtype(">i2"),
    0x0C: numpy.dtype(">i4"),
    0x0D: numpy.dtype(">f4"),
    0x0E: numpy.dtype(">f8"),
}

_TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
_MAX_SIZE = 2**32 - 1


def _dtype_name(dtype):
    """Return the native-endian name of ``dtype``: 'uint8', 'int16', 'float32'..."""
    return dtype.newbyteorder("=").name


def _read_bytes(path):
    """Return the content of ``path``, decompressed when it starts like gzip."""
    with open(path, "rb") as handle:
        content = handle.read()

    if not content.startswith(GZIP_MAGIC):
        return content

    logger.debug("%s is gzip compressed", path)
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path}: the file starts like gzip but cannot be decompressed "
            f"(damaged or truncated): {error}"
        ) from error


def read_idx(path):
    """Read an IDX file (raw or gzip compressed) into a numpy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file, for example ``train-images-idx3-ubyte.gz``. Gzip is detected
        from the file's first bytes, not from its name.

    Returns
    -------
    numpy.ndarray
        A new, writable, native-endian array with the header's shape and the
        dtype of its type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
        0x0D float32, 0x0E float64.

    Raises
    ------
    ValueError
        If the file is empty, has a bad magic number, an unknown type code, a
        truncated header, or holds fewer or more bytes of data than its header
        announces. The message names the file and the numbers involved.

    See Also
    --------
    write_idx : the inverse.

    Examples
    --------
    >>> import numpy, tempfile, os
    >>> from nnplay.data import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, numpy.array([5, 0, 4], dtype=numpy.uint8))
    >>> read_idx(path)
    array([5, 0, 4], dtype=uint8)
    """
    content = _read_bytes(path)

    if len(content) == 0:
        raise ValueError(
            f"{path}: the file is empty; an IDX file starts with a 4-byte magic number."
        )
    if len(content) < 4:
        raise ValueError(
            f"{path}: the file holds {len(content)} bytes, too few for the "
            "4-byte magic number of an IDX file."
        )
    if content[0] != 0 or content[1] != 0:
        raise ValueError(
            f"{path}: bad magic number 0x{content[:4].hex()}; an IDX file "
            "starts with two zero bytes, a type code and the number of "
            "dimensions."
        )
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise ValueError(
            f"{path}: unknown type code 0x{type_code:02X} in the magic number; "
            f"it must be one of {known}."
        )
    if ndim == 0:
        raise ValueError(
            f"{path}: the magic number says 0 dimensions; an IDX array has at "
            "least one."
        )
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise ValueError(
            f"{path}: truncated header: {ndim} dimensions need {header_size} "
            f"bytes of header, but the file holds {len(content)} bytes."
        )

    dtype = IDX_DTYPES[type_code]
    shape = tuple(int(size) for size in numpy.frombuffer(content, ">u4", ndim, 4))
    count = math.prod(int(size) for size in shape)  # Python ints: no overflow
    expected = count * dtype.itemsize
    received = len(content) - header_size
    if received != expected:
        what = "truncated data" if received < expected else "trailing data"
        byte_count = "" if dtype.itemsize == 1 else f" ({expected} bytes)"
        raise ValueError(
            f"{path}: {what}: header says {'x'.join(map(str, shape))} = {count} "
            f"values of {_dtype_name(dtype)}{byte_count}, but the file holds "
            f"{received} bytes of data."
        )

    values = numpy.frombuffer(content, dtype, count, header_size)
    return values.astype(dtype.newbyteorder("=")).reshape(shape)


def write_idx(path, array):
    """Write ``array`` to an IDX file, gzip compressed if ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        Where to write; an existing file is replaced.
    array : array_like
        At least one dimension, each at most 2**32 - 1 long, of dtype uint8,
        int8, int16, int32, float32 or float64 (either byte order).

    Raises
    ------
    ValueError
        If ``array`` has no dimension, a dimension too long for the header,
        or a dtype that IDX cannot store.

    See Also
    --------
    read_idx : the inverse.

    Examples
    --------
    >>> import numpy, tempfile, os
    >>> from nnplay.data import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "images-idx3-ubyte")
    >>> write_idx(path, numpy.zeros((2, 28, 28), dtype=numpy.uint8))
    >>> read_idx(path).shape
    (2, 28, 28)
    """
    array = numpy.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _TYPE_CODES:
        allowed = ", ".join(_dtype_name(dtype) for dtype in IDX_DTYPES.values())
        raise ValueError(
            f"array must have one of the IDX dtypes {allowed}; got {array.dtype}."
        )
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(
            f"array must have between 1 and 255 dimensions; got {array.ndim}."
        )
    if max(array.shape) > _MAX_SIZE:
        raise ValueError(
            f"array dimensions must each be at most {_MAX_SIZE} long; "
            f"got shape {array.shape}."
        )

    type_code = _TYPE_CODES[native]
    header = bytes([0, 0, type_code, array.ndim])
    header += numpy.array(array.shape, dtype=">u4").tobytes()
    data = numpy.ascontiguousarray(array, dtype=IDX_DTYPES[type_code]).tobytes()

    if os.fsdecode(path).lower().endswith(".gz"):
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(header)
            handle.write(data)
    else:
        with open(path, "wb") as handle:
            handle.write(header)
            handle.write(data)

"""Your own digit: a drawing pad on an ipympl canvas, and image files.

Whatever the source, :func:`mnist_like` turns the picture into what the
network was trained on: a white digit on black, 28 x 28 pixels, the digit
scaled to fit a 20 x 20 box and centred by its centre of mass, grey levels
0..255 (uint8).
"""

import io

import numpy
from PIL import Image

from ..visualisation.style import image_axes
from ._live import live_figure, redraw

#: MNIST's image size and the box its digits are scaled into.
IMAGE_SIZE = 28
DIGIT_BOX = 20


def mnist_like(image):
    """Return a picture of a digit as an MNIST-style 28 x 28 uint8 image.

    Parameters
    ----------
    image : array, shape (H, W)
        Grey levels of a white (high) digit on a black (low) background, in
        any range; the image is scaled so that its largest value is 255.

    Returns
    -------
    numpy.ndarray
        uint8, shape (28, 28): the digit cropped to its bounding box, scaled
        so that its longer side is 20 pixels, and placed so that its centre of
        mass is at the centre. An empty (all-zero) image stays all zero.

    Examples
    --------
    >>> import numpy as np
    >>> from nnplay.widgets._digit_input import mnist_like
    >>> square = np.zeros((100, 100)); square[10:30, 40:60] = 1
    >>> digit = mnist_like(square)
    >>> digit.shape, int(digit.max()), int(digit[4:24, 4:24].min())
    ((28, 28), 255, 255)
    """
    image = numpy.asarray(image, dtype=numpy.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be a 2-D grey image; got shape {image.shape}.")
    image = numpy.nan_to_num(image - image.min())
    if image.max() <= 0:
        return numpy.zeros((IMAGE_SIZE, IMAGE_SIZE), numpy.uint8)

    image = image / image.max()
    rows = numpy.flatnonzero(image.max(axis=1) > 0.05)
    columns = numpy.flatnonzero(image.max(axis=0) > 0.05)
    cropped = image[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]

    height, width = cropped.shape
    factor = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray((255 * cropped).astype(numpy.uint8)).resize(
        size, Image.Resampling.LANCZOS
    )
    digit = numpy.asarray(resized, dtype=numpy.float64)

    total = digit.sum()
    if total <= 0:
        return numpy.zeros((IMAGE_SIZE, IMAGE_SIZE), numpy.uint8)
    row_centre = (digit.sum(axis=1) * numpy.arange(digit.shape[0])).sum() / total
    column_centre = (digit.sum(axis=0) * numpy.arange(digit.shape[1])).sum() / total
    top = int(round(IMAGE_SIZE / 2 - 0.5 - row_centre))
    left = int(round(IMAGE_SIZE / 2 - 0.5 - column_centre))
    top = min(max(top, 0), IMAGE_SIZE - digit.shape[0])
    left = min(max(left, 0), IMAGE_SIZE - digit.shape[1])

    result = numpy.zeros((IMAGE_SIZE, IMAGE_SIZE))
    result[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    result *= 255 / result.max()
    return numpy.clip(numpy.round(result), 0, 255).astype(numpy.uint8)


def decode_image(content):
    """Decode an image file (PNG, JPEG, ...) into an MNIST-style digit.

    Colour images become grey; a light background (a dark digit on white
    paper) is inverted, so the digit is white on black as in MNIST.

    Parameters
    ----------
    content : bytes
        The file's content.

    Returns
    -------
    numpy.ndarray
        uint8, shape (28, 28); see :func:`mnist_like`.

    Raises
    ------
    ValueError
        If the content is not an image Pillow can read.
    """
    try:
        with Image.open(io.BytesIO(bytes(content))) as picture:
            picture = picture.convert("RGBA")
            white = Image.new("RGBA", picture.size, (255, 255, 255, 255))
            grey = numpy.asarray(
                Image.alpha_composite(white, picture).convert("L"), numpy.float64
            )
    except Exception as error:
        raise ValueError(
            f"the file is not an image that can be read (PNG, JPEG, ...): {error}"
        ) from None

    border = numpy.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if numpy.median(border) > 127:
        grey = 255 - grey
    return mnist_like(grey)


class DrawingPad:
    """A square to draw a digit on with the mouse, on an ipympl canvas.

    Hold the left button and move to draw; each stroke calls ``on_change``
    with the picture as an MNIST-style digit (see :func:`mnist_like`).

    Parameters
    ----------
    on_change : callable
        Called with the 28 x 28 uint8 digit after each change.
    resolution : int, default 112
        Pixels per side of the pad.
    brush : float, default 6.5
        Brush radius in pad pixels.
    """

    def __init__(self, on_change, resolution=112, brush=6.5):
        self.on_change = on_change
        self.resolution = resolution
        self.brush = brush
        self.pixels = numpy.zeros((resolution, resolution), numpy.float32)
        self._last_point = None

        self.figure = live_figure(2.8, 2.8)
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.image = self.axes.imshow(
            self.pixels, cmap="gray", vmin=0, vmax=1, interpolation="nearest"
        )
        image_axes(self.axes)
        canvas = self.figure.canvas
        canvas.mpl_connect("button_press_event", self._on_press)
        canvas.mpl_connect("motion_notify_event", self._on_move)
        canvas.mpl_connect("button_release_event", self._on_release)

    @property
    def canvas(self):
        """The ipympl canvas widget to display."""
        return self.figure.canvas

    def clear(self):
        """Erase the pad."""
        self.pixels[:] = 0
        self._last_point = None
        self.image.set_data(self.pixels)
        redraw(self.figure)

    def stroke(self, points):
        """Draw a line through ``points`` (x, y in pad pixels) and notify."""
        points = [(float(x), float(y)) for x, y in points]
        if len(points) == 1:
            points = points * 2
        for start, stop in zip(points[:-1], points[1:]):
            self._segment(start, stop)
        self.image.set_data(self.pixels)
        redraw(self.figure)
        self.on_change(self.digit())

    def digit(self):
        """The picture as an MNIST-style 28 x 28 uint8 digit."""
        return mnist_like(self.pixels)

    def _segment(self, start, stop):
        rows, columns = numpy.mgrid[0 : self.resolution, 0 : self.resolution]
        (x0, y0), (x1, y1) = start, stop
        dx, dy = x1 - x0, y1 - y0
        length_squared = dx * dx + dy * dy
        if length_squared == 0:
            t = 0.0
        else:
            t = numpy.clip(
                ((columns - x0) * dx + (rows - y0) * dy) / length_squared, 0, 1
            )
        distance = numpy.hypot(columns - (x0 + t * dx), rows - (y0 + t * dy))
        ink = numpy.clip(self.brush + 0.5 - distance, 0, 1).astype(numpy.float32)
        numpy.maximum(self.pixels, ink, out=self.pixels)

    def _on_press(self, event):
        if event.inaxes is self.axes and event.button == 1:
            self._last_point = (event.xdata, event.ydata)
            self.stroke([self._last_point])

    def _on_move(self, event):
        if self._last_point is None or event.inaxes is not self.axes:
            return
        point = (event.xdata, event.ydata)
        self.stroke([self._last_point, point])
        self._last_point = point

    def _on_release(self, event):
        self._last_point = None

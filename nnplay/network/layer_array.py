"""A sequence of layers, displayed and edited the way MATLAB users know."""

import copy
import html

from ..layers import Layer


class LayerArray:
    """An ordered array of layers: MATLAB's ``Layer`` array.

    Built from a list (``LayerArray([imageInputLayer([28 28 1]), ...])``), it
    indexes from 0 like any Python sequence, by position, slice or layer name,
    and its display numbers the layers from 1 as MATLAB does.

    Editing: ``insert``, ``append``, ``extend``, ``remove``, ``replace``, item
    assignment and deletion, and ``+`` to concatenate with another array, a
    list or a single layer.

    Examples
    --------
    >>> import nnplay
    >>> layers = nnplay.LayerArray([nnplay.imageInputLayer([28, 28, 1]),
    ...                             nnplay.leakyReluLayer(0.1)])
    >>> len(layers + nnplay.softmaxLayer())
    3
    """

    def __init__(self, layers=(), *, read_only=False):
        if isinstance(layers, Layer):
            layers = [layers]
        self._layers = [
            self._check(layer, position) for position, layer in enumerate(layers)
        ]
        self._read_only = read_only

    def _editable(self):
        if self._read_only:
            raise TypeError(
                "the layers of a network cannot be added, removed or replaced: "
                "edit a copy (net.Layers.copy()) and assemble it into a new network."
            )

    @staticmethod
    def _check(layer, position=None):
        if not isinstance(layer, Layer):
            where = "" if position is None else f" at position {position}"
            raise TypeError(
                f"a layer array holds nnplay layers; got {type(layer).__name__} "
                f"{layer!r}{where}."
            )
        return layer

    # -- sequence --------------------------------------------------------------

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return iter(self._layers)

    def index(self, key):
        """Return the 0-based position of ``key``: a position, a name or a layer."""
        if isinstance(key, str):
            for position, layer in enumerate(self._layers):
                if layer.Name == key:
                    return position
            names = ", ".join(f"'{layer.Name}'" for layer in self._layers if layer.Name)
            raise KeyError(
                f"no layer is named {key!r}; the names are {names or 'all empty'}."
            )
        if isinstance(key, Layer):
            for position, layer in enumerate(self._layers):
                if layer is key:
                    return position
            raise KeyError(f"{key.CLASS_NAME} {key.Name!r} is not in this array.")
        if isinstance(key, int) and not isinstance(key, bool):
            if not -len(self) <= key < len(self):
                raise IndexError(
                    f"layer index {key} is out of range for an array of "
                    f"{len(self)} layers."
                )
            return key % len(self)
        raise TypeError(f"layers are found by position, name or layer; got {key!r}.")

    def __getitem__(self, key):
        if isinstance(key, slice):
            return LayerArray(self._layers[key])
        return self._layers[self.index(key)]

    def __setitem__(self, key, layer):
        self._editable()
        self._layers[self.index(key)] = self._check(layer)

    def __delitem__(self, key):
        self._editable()
        if isinstance(key, slice):
            del self._layers[key]
        else:
            del self._layers[self.index(key)]

    def insert(self, position, layers):
        """Insert a layer (or several) before ``position`` (a position or a name)."""
        self._editable()
        if isinstance(position, int) and position == len(self):
            at = len(self)
        else:
            at = self.index(position)
        new = LayerArray(layers)._layers
        self._layers[at:at] = new

    def append(self, layer):
        """Add a layer at the end."""
        self._editable()
        self._layers.append(self._check(layer))

    def extend(self, layers):
        """Add layers at the end."""
        self._editable()
        self._layers.extend(LayerArray(layers)._layers)

    def remove(self, key):
        """Remove the layer at a position, of a name, or the given layer object."""
        self._editable()
        del self._layers[self.index(key)]

    def replace(self, key, layers):
        """Replace one layer (by position, name or object) with one or more layers."""
        self._editable()
        at = self.index(key)
        self._layers[at : at + 1] = LayerArray(layers)._layers

    def __add__(self, other):
        if isinstance(other, (LayerArray, list, tuple, Layer)):
            return LayerArray(self._layers + LayerArray(other)._layers)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (list, tuple, Layer)):
            return LayerArray(LayerArray(other)._layers + self._layers)
        return NotImplemented

    def __eq__(self, other):
        if not isinstance(other, LayerArray):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def copy(self):
        """Return a deep copy: new layer objects with copied parameters."""
        duplicate = LayerArray([copy.deepcopy(layer) for layer in self._layers])
        return duplicate

    @property
    def names(self):
        """The layers' names, in order."""
        return [layer.Name for layer in self._layers]

    # -- display ---------------------------------------------------------------

    def _rows(self):
        return [
            (str(position), f"'{layer.Name}'", layer.TYPE, layer.description())
            for position, layer in enumerate(self._layers, start=1)
        ]

    def __repr__(self):
        header = f"  {len(self)}x1 Layer array with layers:"
        if not self._layers:
            return "  0x1 empty Layer array.\n"
        rows = self._rows()
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines = [header, ""]
        for index, name, kind, description in rows:
            lines.append(
                f"    {index:>{widths[0]}}   {name:<{widths[1]}}   "
                f"{kind:<{widths[2]}}   {description}"
            )
        return "\n".join(lines) + "\n"

    def _repr_html_(self):
        parts = [
            "<table class='nnplay-layer-array'>",
            f"<caption style='text-align:left'>{len(self)}x1 Layer array with "
            "layers</caption>",
            "<tr><th></th><th style='text-align:left'>Name</th>"
            "<th style='text-align:left'>Type</th>"
            "<th style='text-align:left'>Description</th></tr>",
        ]
        for index, name, kind, description in self._rows():
            cells = "".join(
                f"<td style='text-align:left'>{html.escape(text)}</td>"
                for text in (name, kind, description)
            )
            parts.append(f"<tr><td style='text-align:right'>{index}</td>{cells}</tr>")
        parts.append("</table>")
        return "".join(parts)


def as_layer_array(layers):
    """Return ``layers`` (a LayerArray, list, tuple or one layer) as a LayerArray."""
    if isinstance(layers, LayerArray):
        return layers
    return LayerArray(layers)


__all__ = ["LayerArray", "as_layer_array"]

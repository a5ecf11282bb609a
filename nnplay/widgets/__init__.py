"""Jupyter widgets that show what a leaky ReLU's scale does.

* :class:`ScaleExplorer`: the function and its derivative;
* :class:`FeatureMapExplorer`: feature maps of a digit inside the trained
  example network, before and after a leaky ReLU layer;
* :class:`GradientFlowExplorer`: how much gradient reaches each layer, and how
  many units get none, as the scale goes to 0;
* :class:`LayerArrayBuilder`: edit a layer array, see MATLAB's display and the
  analysis live, export code, train briefly;
* :class:`Playground`: all of them in one app (JupyterLab, Notebook 7, Voila).

Importing :mod:`nnplay.widgets` is cheap: ipywidgets, ipympl and the network
are loaded when a widget is first used.

Examples
--------
>>> from nnplay.widgets import ScaleExplorer
>>> ScaleExplorer(scale=0.1).scale
0.1
"""

import importlib

_WIDGETS = {
    "ScaleExplorer": "scale_explorer",
    "FeatureMapExplorer": "feature_map_explorer",
    "GradientFlowExplorer": "gradient_flow_explorer",
    "LayerArrayBuilder": "layer_array_builder",
    "Playground": "playground",
}

__all__ = sorted(_WIDGETS)


def __getattr__(name):
    if name in _WIDGETS:
        module = importlib.import_module(f".{_WIDGETS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WIDGETS))

"""Playground: every nnplay widget in one app, one tab each."""

import ipywidgets

from ._live import ScaleTrait

#: The tabs, in order: (title, widget class name).
TABS = (
    ("The function", "ScaleExplorer"),
    ("Inside the network", "FeatureMapExplorer"),
    ("Gradient flow", "GradientFlowExplorer"),
    ("Build your own", "LayerArrayBuilder"),
)


class Playground(ipywidgets.VBox):
    """All of nnplay's widgets in tabs, sharing one scale.

    The tabs: the function (:class:`ScaleExplorer`), inside the network
    (:class:`FeatureMapExplorer`), gradient flow
    (:class:`GradientFlowExplorer`) and build your own
    (:class:`LayerArrayBuilder`). Moving a scale slider in one tab moves the
    playground's :attr:`scale`; a tab takes that scale when it is opened, so
    only the visible tab computes while you drag. Works in JupyterLab,
    Notebook 7 and Voila (display it as the last expression of a cell).

    Parameters
    ----------
    scale : float, default 0.01

    Attributes
    ----------
    scale : float
        The shared scale (a traitlet).
    tabs : ipywidgets.Tab
    explorers : dict
        The widgets by class name.

    Examples
    --------
    >>> from nnplay.widgets import Playground
    >>> playground = Playground()
    >>> playground.tabs.selected_index = 1
    >>> playground.scale = 0.3
    >>> playground.explorers["FeatureMapExplorer"].scale
    0.3
    """

    scale = ScaleTrait(0.01, help="The scale shared by the tabs.")

    def __init__(self, scale=0.01):
        from . import (
            FeatureMapExplorer,
            GradientFlowExplorer,
            LayerArrayBuilder,
            ScaleExplorer,
        )

        classes = {
            "ScaleExplorer": ScaleExplorer,
            "FeatureMapExplorer": FeatureMapExplorer,
            "GradientFlowExplorer": GradientFlowExplorer,
            "LayerArrayBuilder": LayerArrayBuilder,
        }
        self.explorers = {}
        for _title, name in TABS:
            widget = (
                classes[name]()
                if name == "LayerArrayBuilder"
                else classes[name](scale=scale)
            )
            self.explorers[name] = widget
        self.tabs = ipywidgets.Tab(
            children=[self.explorers[name] for _title, name in TABS],
            titles=[title for title, _name in TABS],
        )
        heading = ipywidgets.HTML(
            "<h2 style='margin: 4px 0'>nnplay: a leaky ReLU inside a real network</h2>"
        )
        super().__init__(children=(heading, self.tabs))
        self.add_class("nnplay-playground")

        self.scale = scale
        for name, widget in self.explorers.items():
            if name != "LayerArrayBuilder":
                widget.observe(self._from_tab, "scale")
        self.observe(self._to_tab, "scale")
        self.tabs.observe(self._to_tab, "selected_index")

    @property
    def current(self):
        """The widget of the open tab."""
        index = self.tabs.selected_index or 0
        return self.explorers[TABS[index][1]]

    @property
    def figures(self):
        """The figures of every tab."""
        return [
            figure for widget in self.explorers.values() for figure in widget.figures
        ]

    @property
    def net(self):
        """The network of the feature-map tab."""
        return self.explorers["FeatureMapExplorer"].net

    def _from_tab(self, change):
        if change["owner"] is self.current:
            self.scale = change["new"]

    def _to_tab(self, change=None):
        widget = self.current
        if hasattr(widget, "scale") and isinstance(widget.scale, float):
            if widget.scale != self.scale:
                widget.scale = self.scale

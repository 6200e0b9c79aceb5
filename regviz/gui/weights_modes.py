"""The weights canvas's two modes in one place of the layout: the heatmaps (the weights now) and
their distribution over time. A button in each canvas's control row switches to the other."""

from __future__ import annotations

from PySide6 import QtWidgets

from regviz.gui.views.weight_distribution_view import WeightDistributionView
from regviz.gui.views.weights_view import WeightsView


class WeightsStack(QtWidgets.QStackedWidget):
    def __init__(self, heatmaps: WeightsView, distribution: WeightDistributionView, parent=None):
        super().__init__(parent)
        self.setObjectName("weightsStack")
        self.heatmaps, self.distribution = heatmaps, distribution
        self.addWidget(heatmaps)
        self.addWidget(distribution)
        to_distribution = QtWidgets.QToolButton(objectName="weightsOverTimeButton", text="Over time ▸")
        to_distribution.setToolTip("Show how each model's weights are distributed, step by step")
        to_distribution.clicked.connect(lambda: self.show_distribution(True))
        heatmaps.controls.insertWidget(0, to_distribution)
        to_heatmaps = QtWidgets.QToolButton(objectName="weightsHeatmapsButton", text="◂ Heatmaps")
        to_heatmaps.setToolTip("Back to the weight matrices as they are now")
        to_heatmaps.clicked.connect(lambda: self.show_distribution(False))
        distribution.controls.insertWidget(0, to_heatmaps)

    def show_distribution(self, on: bool) -> None:
        self.setCurrentWidget(self.distribution if on else self.heatmaps)
        self.updateGeometry()

    # sized by the mode on screen, not the larger of both (QStackedWidget's way), so adding the
    # second mode takes no height from the canvases above
    def sizeHint(self):  # noqa: N802 (Qt's name)
        return self.currentWidget().sizeHint()

    def minimumSizeHint(self):  # noqa: N802 (Qt's name)
        return self.currentWidget().minimumSizeHint()

    @property
    def distribution_shown(self) -> bool:
        return self.currentWidget() is self.distribution

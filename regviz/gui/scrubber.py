"""The history scrubber: a timeline slider under the canvases that replays recorded steps.

Pressing or dragging it shows the recorded snapshot nearest the step under the mouse on the
canvases (through LabController.replay_step); releasing it, or pressing any key, returns to live.
Training goes on meanwhile. The slider's range is frozen while dragging (from the first recorded
step to the step reached at the press), so a handle held still keeps its step while the run grows.
The loss canvas marks the replayed step with a vertical line.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

RESOLUTION = 10_000  # slider positions over the recorded span
LIVE_TEXT = "live · drag the timeline to replay a recorded step"
MARKER_COLOR = "#5f6368"


class HistoryScrubber(QtWidgets.QSlider):
    """The timeline (objectName historyScrubber). It takes no keyboard focus: keys keep driving
    the window, and any key ends a replay."""

    sigReplayText = QtCore.Signal(str)

    def __init__(self, controller, parent: QtWidgets.QWidget | None = None):
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        self.setObjectName("historyScrubber")
        self.controller = controller
        self.setRange(0, RESOLUTION)
        self.setValue(RESOLUTION)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setToolTip("History: drag to replay the weights, the fit and the activations at a recorded step "
                        "(about 200 are kept over the whole run). Release, or press any key, to return to live.")
        self.dragging = False
        self._span = (0, 0)  # first recorded step and the step reached, frozen while dragging
        self._swallow_key = False  # the key that ended a replay does nothing else
        controller.sigReplayChanged.connect(self._on_replay_changed)

    # ---------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or not self.begin():
            event.ignore()
            return
        self.scrub_to_fraction(self._fraction_at(event.position().x()))
        event.accept()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self.dragging:
            self.scrub_to_fraction(self._fraction_at(event.position().x()))
        event.accept()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self.dragging:
            self.return_to_live()
        event.accept()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        event.ignore()  # a stray wheel must not start a replay

    def _fraction_at(self, x: float) -> float:
        return min(1.0, max(0.0, x / max(1, self.width() - 1)))

    # ---------------------------------------------------------------- replay
    def begin(self) -> bool:
        """Freeze the span and listen for keys; False when nothing is recorded yet."""
        state = self.controller.state
        if state is None or not len(state.recorder):
            return False
        self._span = (state.recorder.entries[0].step, state.step)
        self.dragging = True
        QtWidgets.QApplication.instance().installEventFilter(self)
        return True

    def scrub_to_fraction(self, fraction: float) -> int | None:
        first, last = self._span
        return self._scrub(first + fraction * (last - first), fraction)

    def scrub_to_step(self, step: float) -> int | None:
        """Replay the recorded step nearest `step`, as a drag to it would (for tests and scripts)."""
        if not self.dragging and not self.begin():
            return None
        first, last = self._span
        fraction = (step - first) / (last - first) if last > first else 1.0
        return self._scrub(step, min(1.0, max(0.0, fraction)))

    def _scrub(self, step: float, fraction: float) -> int | None:
        self.setValue(round(fraction * RESOLUTION))
        shown = self.controller.replay_step(step)
        if shown is not None:
            self.sigReplayText.emit(f"replaying step {shown:,} — release to return to live")
        return shown

    def return_to_live(self) -> None:
        self.dragging = False
        if not self._swallow_key:
            QtWidgets.QApplication.instance().removeEventFilter(self)
        self.controller.end_replay()
        self.setValue(RESOLUTION)

    def _on_replay_changed(self, step) -> None:
        if step is None:
            if self.dragging:  # ended elsewhere (a reset, an opened session)
                self.dragging = False
                QtWidgets.QApplication.instance().removeEventFilter(self)
            self.setValue(RESOLUTION)
            self.sigReplayText.emit(LIVE_TEXT)
        elif not self.dragging:  # shown by a script (regviz screenshot --step): place the handle
            state = self.controller.state
            first = state.recorder.entries[0].step if state is not None and len(state.recorder) else 0
            last = state.step if state is not None else 0
            self.setValue(round(RESOLUTION * (step - first) / (last - first)) if last > first else RESOLUTION)
            self.sigReplayText.emit(f"showing recorded step {step:,}")

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind not in (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress):
            return False
        if self.dragging:
            # a ShortcutOverride comes before its KeyPress: swallow that too, so the key that ends
            # the replay neither triggers a shortcut (R: reset) nor types into a field
            self._swallow_key = kind == QtCore.QEvent.Type.ShortcutOverride
            self.return_to_live()
            event.accept()
            return True
        if self._swallow_key:
            if kind == QtCore.QEvent.Type.KeyPress:
                self._swallow_key = False
                QtWidgets.QApplication.instance().removeEventFilter(self)
            event.accept()
            return True
        return False


class LossMarker(QtCore.QObject):
    """A vertical line on the loss canvas at the replayed step (hidden while live). Checked after
    every redraw too: a reset or an opened session may have rebuilt the canvas's plots."""

    def __init__(self, controller, loss_view, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self.loss_view = loss_view
        self.line = pg.InfiniteLine(angle=90, movable=False,
                                    pen=pg.mkPen(MARKER_COLOR, width=1.5, style=QtCore.Qt.PenStyle.DashLine))
        self.line.setZValue(50)
        self.line.setVisible(False)
        controller.sigReplayChanged.connect(self.sync)
        controller.sigRendered.connect(self.sync)

    def sync(self, *_args) -> None:
        replay = self.controller.replay
        if replay is None and not self.line.isVisible():
            return
        plot = getattr(self.loss_view, "loss_plot", None)
        if plot is None:
            return
        if self.line.scene() is not plot.scene() or self.line not in plot.items:
            plot.addItem(self.line, ignoreBounds=True)
        self.line.setVisible(replay is not None)
        if replay is not None and self.line.value() != replay.step:
            self.line.setValue(float(replay.step))


class ScrubberBar(QtWidgets.QWidget):
    """The timeline and its caption, in one row under the canvases."""

    def __init__(self, controller, loss_view, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("historyScrubberBar")
        self.scrubber = HistoryScrubber(controller, self)
        self.label = QtWidgets.QLabel(LIVE_TEXT, objectName="replayLabel")
        self.label.setStyleSheet("color: #5f6368;")
        longest = "replaying step 10,000,000 — release to return to live"
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(longest))  # no jumps
        self.marker = LossMarker(controller, loss_view, self)
        caption = QtWidgets.QLabel("History")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 2)
        layout.addWidget(caption)
        layout.addWidget(self.scrubber, 1)
        layout.addWidget(self.label)
        self.scrubber.sigReplayText.connect(self.label.setText)

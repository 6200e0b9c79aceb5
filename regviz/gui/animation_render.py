"""Draws the weights animation: each chosen snapshot of a session through the replay path, grabbed
as the still exports grab it, streamed into a GIF (regviz.core.gif). Runs headless, in a process of
its own: a job of the window (jobs.py, with progress and cancel) or the `regviz animate` command.

Same pictures as the stills: a canvas frame is figure_export.as_figure + pyqtgraph's PNG exporter
(the caption line "regviz · seed · weights · L1 λ=0.3 vs L2 λ=0.3 · step 1,200 (epoch 30)" drawn by
the canvas, so every frame shows its step), a window frame is figure_export.window_image (the
window with its caption band). At scale 1: --size is the canvas's picture (caption included) or
the window (the caption band below it, as in the window's still export).

The GIF is written through the atomic writer: a cancel or an error leaves no file, not even a part.
"""

from __future__ import annotations

import html
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6 import QtCore

from regviz.core.animation import AnimationOptions, check_gif_name, frame_indices
from regviz.core.gif import GifWriter
from regviz.core.io import AtomicFile, check_target

CANVAS_WHAT = {"weights": "weights", "fit": "fit"}  # the caption's figure name, as export_actions names it
SETTLE_MS = 250  # after a resize: layouts, and the weights canvas's re-arrangement (120 ms timer)


class Cancelled(Exception):
    """should_stop() said so: the temporary file is removed, nothing is written."""


def render_animation(session, out: str | os.PathLike, options: AnimationOptions, preset: str = "seed",
                     theme: str = "light", progress: Callable[[int, int], None] | None = None,
                     should_stop: Callable[[], bool] | None = None) -> dict | None:
    """Write `options.frames` of the session's snapshots (session_file.Session; frame_indices picks
    them, denser early) as an animated GIF at `out`. Returns {"path", "bytes", "frames", "seconds",
    "size"}, or None when cancelled (then no file is written). Raises AnimationError or FileProblem.
    The window's job (jobs.py) runs this in a process of its own."""
    options = options.checked()
    path = check_target(check_gif_name(out))  # a missing folder fails before any drawing
    if should_stop is not None and should_stop():  # cancelled while this process started
        return None
    started = time.perf_counter()
    opened: list[AtomicFile] = []

    def open_target() -> AtomicFile:
        # only once the first frame is drawn: a job killed while Qt starts (it checks for a cancel
        # between frames) leaves no temporary file behind
        opened.append(AtomicFile(path))
        return opened[0]

    try:
        writer = write_animation(session, open_target, options, preset, theme, progress, should_stop)
        opened[0].commit()
    except BaseException as exc:
        for target in opened:
            target.discard()
        if isinstance(exc, Cancelled):
            return None
        raise
    return {"path": str(path), "bytes": path.stat().st_size, "frames": writer.frames,
            "seconds": time.perf_counter() - started, "size": writer.size}


def render_handoff(handoff: str, out: str | os.PathLike, options: AnimationOptions, preset: str = "seed",
                   theme: str = "light", progress: Callable[[int, int], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> dict | None:
    """render_animation of a session the window pickled into a private temporary file (the window
    removes it): arguments handed to a new process through its start pipe would block the window
    until the process has read them, seconds while Python starts."""
    import pickle

    session = pickle.loads(Path(handoff).read_bytes())  # written by this program's window a moment ago
    return render_animation(session, out, options, preset, theme, progress, should_stop)


def write_animation(session, target, options: AnimationOptions, preset: str = "seed", theme: str = "light",
                    progress: Callable[[int, int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> GifWriter:
    """Draw the chosen frames into `target`: an open binary file (an AtomicFile the caller commits
    or discards), or a function that opens one when the first frame is ready. Raises Cancelled
    when should_stop() says so."""
    options = options.checked()
    entries = list(session.snapshots)
    chosen = [entries[i] for i in frame_indices(len(entries), options.frames)]
    with tempfile.TemporaryDirectory(prefix="regviz-animation-") as scratch:
        app, restore = _application(options.size, Path(scratch))
        try:
            return _render(app, session, chosen, target, options, preset, theme, progress, should_stop)
        finally:
            restore()


def _application(size: tuple[int, int], scratch: Path):
    """The QApplication, made offscreen here when this process has none (a job, the CLI). Returns
    it and a function that puts Qt's message handler back."""
    from PySide6 import QtWidgets

    from regviz.gui.app import make_application
    from regviz.gui.screenshot import prepare_offscreen, quiet_qt_messages

    if QtWidgets.QApplication.instance() is None:
        prepare_offscreen(1.0, size, scratch)
        # the window's remembered settings stay the user's: this process reads and writes a scratch copy
        QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, QtCore.QSettings.Scope.UserScope, str(scratch))
    previous = quiet_qt_messages()
    app = make_application(offscreen=True)
    return app, lambda: QtCore.qInstallMessageHandler(previous)


def _render(app, session, chosen, target, options: AnimationOptions, preset: str, theme: str,
            progress, should_stop) -> GifWriter:
    from regviz.gui.style import THEMES

    def check() -> None:
        if should_stop is not None and should_stop():
            raise Cancelled

    check()
    drawer_class = WindowFrames if options.what == "window" else CanvasFrames
    drawer = drawer_class(session, options, preset, THEMES.get(theme))
    writer = None
    try:
        for done, recorded in enumerate(chosen):
            check()
            rgb = drawer.frame(recorded)
            if writer is None:
                fp = target() if callable(target) else target
                writer = GifWriter(fp, (rgb.shape[1], rgb.shape[0]), options.fps)  # it only calls write()
            writer.add(fit_to(rgb, writer.size))
            if progress is not None:
                progress(done + 1, len(chosen))
    finally:
        drawer.close()
    writer.close()
    return writer


def fit_to(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Every frame the first one's size: a pixel more or less (rounding) is cut or repeated."""
    width, height = size
    if rgb.shape[:2] == (height, width):
        return rgb
    rows = np.minimum(np.arange(height), rgb.shape[0] - 1)
    cols = np.minimum(np.arange(width), rgb.shape[1] - 1)
    return rgb[rows][:, cols]


def qimage_rgb(image) -> np.ndarray:
    """A QImage as [height, width, 3] uint8 RGB."""
    from PySide6 import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=line * height)
    return data.reshape(height, line)[:, :width * 3].reshape(height, width, 3).copy()


def process_events(ms: int) -> None:
    """Let layouts and timers run for `ms` (this process draws nothing else meanwhile)."""
    from PySide6 import QtWidgets

    timer = QtCore.QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)


def _caption(preset: str, recorded, live, what: str) -> str:
    from regviz.gui.captions import figure_caption

    members = recorded.members or live.members
    return figure_caption(preset, members, recorded.step, recorded.snapshot.epoch, what)


class CanvasFrames:
    """The weights or the fit canvas alone, its picture W x H with the caption line inside."""

    def __init__(self, session, options: AnimationOptions, preset: str, theme=None):
        import pyqtgraph.exporters as pg_exporters

        from regviz.gui import figure_export
        from regviz.gui.session_file import restore_live_state
        from regviz.gui.views.fit_view import FitView
        from regviz.gui.views.weights_view import WeightsView

        self._exporter_class = pg_exporters.ImageExporter
        self.preset, self.what = preset, CANVAS_WHAT[options.what]
        self.live = restore_live_state(session)
        self.canvas = WeightsView() if options.what == "weights" else FitView()
        if theme is not None and theme is not self.canvas.theme:
            self.canvas.apply_theme(theme)
        self.canvas.set_setup(self.live.setup)
        width, height = options.size
        self.canvas.resize(width, height)
        self.canvas.show()
        process_events(50)
        # the picture is the plot area: make that W x H (the control row above it is not drawn)
        self.canvas.resize(width, height + self.canvas.height() - self.canvas.graphics.height())
        self.canvas.render(self.live)
        process_events(SETTLE_MS)
        self._figure = figure_export.as_figure(self.canvas, _caption(preset, session.snapshots[-1], self.live,
                                                                     self.what))
        self.label = self._figure.__enter__()

    def frame(self, recorded) -> np.ndarray:
        from regviz.gui.replay import ReplayState

        canvas = self.canvas
        canvas.render(ReplayState(self.live, recorded, self.live.setup.activation))
        self.label.setText(html.escape(_caption(self.preset, recorded, self.live, self.what)))
        for _ in range(3):  # as figure_export settles a figure: a wrapped caption knows its height late
            canvas.fit_layout()
            canvas.graphics.ci.layout.activate()
        item = canvas.export_item()
        exporter = self._exporter_class(item)
        exporter.parameters()["width"] = max(1, round(item.mapRectToDevice(item.boundingRect()).width()))
        return qimage_rgb(exporter.export(toBytes=True))

    def close(self) -> None:
        try:
            self._figure.__exit__(None, None, None)
        finally:
            self.canvas.close()
            self.canvas.deleteLater()


class WindowFrames:
    """The whole window at --size, every canvas replaying the frame's step (the loss canvas marks
    it), with the caption band of the window's still export. No trainer process: nothing trains."""

    def __init__(self, session, options: AnimationOptions, preset: str, theme=None):
        from regviz.gui import controller as controller_module
        from regviz.gui.main_window import MainWindow

        controller_module.TrainingWorker = IdleWorker  # this process only draws
        # the data come from the session: a CSV that moved since must not stop the window being built
        config = session.config.replace(**{"data.csv_path": None}) if session.config.data.csv_path else session.config
        self.window = MainWindow(config, preset)
        self.window.sessions.show_session(session, preset)
        self.window.statusBar().clearMessage()  # "Opened session…" is not part of the picture
        if theme is not None:
            self.window.presentation.apply(theme)
        self.window.resize(*options.size)
        self.window.show()
        process_events(SETTLE_MS)
        self.preset = preset

    def frame(self, recorded) -> np.ndarray:
        from regviz.gui.figure_export import window_image
        from regviz.gui.replay import ReplayState
        from PySide6 import QtWidgets

        controller = self.window.controller
        live = controller.state
        controller.replay = ReplayState(live, recorded, live.setup.activation)
        controller.sigReplayChanged.emit(recorded.step)  # the scrubber and the loss canvas's marker
        for view in self.window.canvases:
            view.invalidate()
        controller.redraw()
        QtWidgets.QApplication.processEvents()
        return qimage_rgb(window_image(self.window, _caption(self.preset, recorded, live, ""), 1.0))

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


class IdleWorker(QtCore.QObject):
    """Stands in for the trainer process where nothing trains: the controller's commands do nothing."""

    sigFrame = QtCore.Signal(object)
    sigDiverged = QtCore.Signal(object)
    sigStateChanged = QtCore.Signal(object)
    sigError = QtCore.Signal(object)
    sigDied = QtCore.Signal(str)
    alive = True

    def isRunning(self) -> bool:  # noqa: N802 (QThread's name)
        return False

    def _nothing(self, *_args, **_kwargs) -> None:
        return None

    start = load = stop = step = start_training = pause = set_speed = _nothing
    set_members = set_target_epochs = set_activation = acknowledge = _nothing

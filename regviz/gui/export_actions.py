"""File ▸ Export: a canvas, the window, or everything, with the choices of `regviz screenshot`
(scale, window size), a caption line on every figure, and the folder of the last export remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from regviz.gui import export, figure_export
from regviz.gui.captions import figure_caption
from regviz.gui.views.base import CanvasView

SCALES = ((1.0, "1x (as on screen)"), (2.0, "2x (crisp on slides)"), (3.0, "3x"), (4.0, "4x"))
WINDOW_SIZES = ((None, "as it is now"), ((1280, 720), "1280 × 720"), ((1366, 768), "1366 × 768"),
                ((1600, 1000), "1600 × 1000"), ((1920, 1080), "1920 × 1080"))


class ExportOptionsDialog(QtWidgets.QDialog):
    """Scale of the picture and, for window pictures, the window size to lay it out at."""

    def __init__(self, parent: QtWidgets.QWidget, title: str, window_size: bool, scale: float):
        super().__init__(parent)
        self.setObjectName("exportOptionsDialog")
        self.setWindowTitle(f"regviz: {title}")
        form = QtWidgets.QFormLayout(self)
        self.scale_combo = QtWidgets.QComboBox(objectName="exportScaleCombo")
        for value, label in SCALES:
            self.scale_combo.addItem(label, value)
        self.scale_combo.setCurrentIndex(max(0, self.scale_combo.findData(scale)))
        self.scale_combo.setToolTip("Pixels per screen pixel: 2x gives crisp text at double resolution (PNG).")
        form.addRow("Scale", self.scale_combo)
        self.size_combo = QtWidgets.QComboBox(objectName="exportSizeCombo")
        for value, label in WINDOW_SIZES:
            self.size_combo.addItem(label, value)
        self.size_combo.setToolTip("Lay the window out at this size for the picture (the canvases re-arrange).")
        if window_size:
            form.addRow("Window size", self.size_combo)
        else:
            self.size_combo.hide()
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def scale(self) -> float:
        return float(self.scale_combo.currentData())

    @property
    def window_size(self) -> tuple[int, int] | None:
        return self.size_combo.currentData()


class ExportActions(QtCore.QObject):
    """The export commands of a main window (which keeps thin methods of the same names)."""

    def __init__(self, window, names: dict[str, str]):
        super().__init__(window)
        self.window, self.names = window, names

    # ---------------------------------------------------------------- captions
    def caption(self, canvas: CanvasView | None = None) -> str:
        state = self.window.controller.shown_state
        members = state.members if state is not None else self.window.controller.setup.members
        what = self.names.get(canvas.objectName(), "") if canvas is not None else ""
        activation = state.setup.activation.label if canvas is not None and what == "activations" else ""
        return figure_caption(self.window.preset, members, state.step if state else 0, state.epoch if state else 0,
                              what, activation)

    # ---------------------------------------------------------------- options
    def _options(self, title: str, window_size: bool) -> ExportOptionsDialog | None:
        settings = self.window.settings
        dialog = ExportOptionsDialog(self.window, title, window_size, settings.export_scale())
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        settings.set_export_scale(dialog.scale)
        return dialog

    # ---------------------------------------------------------------- commands
    def export_current_dialog(self) -> None:
        canvas = self.window.current_canvas
        name = self.names[canvas.objectName()]
        options = self._options(f"export the {name} canvas", window_size=False)
        if options is None:
            return
        default = self.window.settings.export_path(export.default_name(self.window.preset, name))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, f"Export the {name} canvas", default, "PNG image (*.png);;SVG vector image (*.svg)")
        if path and self.export_canvas(canvas, path, options.scale):
            self.window.settings.set_export_folder(Path(path).parent)

    def export_canvas(self, canvas: CanvasView, path: str, scale: float = 2.0) -> bool:
        self.window.controller.redraw()
        try:
            figure_export.export_canvas(canvas, path, self.caption(canvas), scale)
        except export.ExportError as exc:
            self.window.show_error("Export failed", str(exc))
            return False
        self.window.statusBar().showMessage(f"Wrote {path}", 5000)
        return True

    def export_window_dialog(self) -> None:
        options = self._options("export the window", window_size=True)
        if options is None:
            return
        default = self.window.settings.export_path(export.default_name(self.window.preset, "window"))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export the window", default, "PNG image (*.png)")
        if path and self.export_window(path, options.scale, options.window_size):
            self.window.settings.set_export_folder(Path(path).parent)

    def export_window(self, path: str, scale: float = 2.0, size: tuple[int, int] | None = None) -> bool:
        try:
            figure_export.export_window(self.window, path, self.caption(), scale, size)
        except export.ExportError as exc:
            self.window.show_error("Export failed", str(exc))
            return False
        return True

    def export_all_dialog(self) -> None:
        options = self._options("export everything", window_size=True)
        if options is None:
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self.window, "Export every canvas into…",
                                                            self.window.settings.export_folder())
        if folder and self.export_all(folder, scale=options.scale, size=options.window_size):
            self.window.settings.set_export_folder(folder)

    def export_all(self, folder: str, svg: bool = True, scale: float = 2.0,
                   size: tuple[int, int] | None = None) -> list[Path]:
        """Every canvas as PNG (and SVG) plus the whole window; names carry preset and time."""
        folder_path = Path(folder)
        stamp = export.timestamp()
        written = []
        try:
            with figure_export.resized(self.window, size):
                self.window.controller.redraw()
                for canvas in self.window.canvases:
                    if canvas.hidden_in_place():  # the weights canvas's other mode: what is on screen is exported
                        continue
                    name = self.names[canvas.objectName()]
                    for fmt in ("png", "svg") if svg else ("png",):
                        path = folder_path / export.default_name(self.window.preset, name, fmt, stamp)
                        figure_export.export_canvas(canvas, path, self.caption(canvas), scale)
                        written.append(path)
                path = folder_path / export.default_name(self.window.preset, "window", "png", stamp)
                figure_export.export_window(self.window, path, self.caption(), scale)
                written.append(path)
        except export.ExportError as exc:
            self.window.show_error("Export failed", str(exc))
        else:
            self.window.statusBar().showMessage(f"Wrote {len(written)} files to {folder}", 5000)
        return written

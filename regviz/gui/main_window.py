"""The main window: layout, menus, shortcuts, status bar and dialogs. No training logic lives here."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.config import ConfigError, ExperimentConfig
from regviz.core.data import DataError
from regviz.core.io import write_json_atomic
from regviz.gui.animation_actions import install_animation_export
from regviz.gui.controller import LabController
from regviz.gui.engine_menu import EngineMenu, initial_engine
from regviz.gui.export_actions import ExportActions
from regviz.gui.panel import ParameterPanel
from regviz.gui.presentation import Presentation
from regviz.gui.presets_menu import PresetsMenu
from regviz.gui.scrubber import ScrubberBar
from regviz.gui.tab_host import TabHost
from regviz.gui.tabs import tab_factories
from regviz.gui.session_actions import SessionActions
from regviz.gui.settings import Settings
from regviz.gui.views.activation_view import ActivationView
from regviz.gui.views.base import CanvasView
from regviz.gui.views.fit_view import FitView
from regviz.gui.views.loss_view import LossView
from regviz.gui.views.weight_distribution_view import WeightDistributionView
from regviz.gui.views.weights_view import WeightsView
from regviz.gui.weights_modes import WeightsStack
from regviz.gui.wheel_guard import WheelGuard

CANVAS_NAMES = {"fitCanvas": "fit", "lossCanvas": "loss", "weightsCanvas": "weights", "activationCanvas": "activations",
                "weightDistributionCanvas": "weight-distribution"}


class MainWindow(TabHost, QtWidgets.QMainWindow):
    def __init__(self, config: ExperimentConfig, preset: str = "seed", redraw_hz: float | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.preset = preset
        self.setWindowTitle(f"regviz — {preset}")
        self.fit_view = FitView()
        self.loss_view = LossView()
        self.weights_view = WeightsView()
        self.activation_view = ActivationView()
        self.weight_distribution_view = WeightDistributionView()
        self.canvases: list[CanvasView] = [self.fit_view, self.loss_view, self.weights_view, self.activation_view,
                                           self.weight_distribution_view]
        self.current_canvas: CanvasView = self.fit_view
        self.settings = Settings()
        self.panel = ParameterPanel(config, self.settings)
        kwargs = {} if redraw_hz is None else {"redraw_hz": redraw_hz}
        self.controller = LabController(config, self.canvases, parent=self, engine=initial_engine(self.settings),
                                        **kwargs)
        self._build_layout()
        self._build_actions()
        self._build_status_bar()
        self._connect()
        self.wheel_guard = WheelGuard(self)
        for root in (self.panel, *self.canvases):
            self.wheel_guard.guard(root)
        self.panel.sigWidgetsRebuilt.connect(lambda: self.wheel_guard.guard(self.panel))
        try:
            self.controller.reset()
        except BaseException:  # the CLI checks the config first; never leave the trainer running
            self.controller.shutdown()
            raise
        self._fit_to_screen()
        self.settings.restore_window(self)  # the last session's geometry and splitters, clamped to the screen

    # ---------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        top = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, objectName="topCanvasSplitter")
        top.addWidget(self.fit_view)
        top.addWidget(self.loss_view)
        bottom = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, objectName="bottomCanvasSplitter")
        self.weights_stack = WeightsStack(self.weights_view, self.weight_distribution_view)
        bottom.addWidget(self.weights_stack)
        bottom.addWidget(self.activation_view)
        bottom.setSizes([580, 420])  # the weights canvas needs the room: two models side by side at 1280x720
        grid = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, objectName="canvasGridSplitter")
        grid.addWidget(top)
        grid.addWidget(bottom)
        grid.setSizes([460, 540])
        self.scrubber_bar = ScrubberBar(self.controller, self.loss_view)  # the history timeline
        self.scrubber = self.scrubber_bar.scrubber
        central = QtWidgets.QWidget(objectName="canvasArea")
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(grid, 1)
        column.addWidget(self.scrubber_bar)
        self.tabs = QtWidgets.QTabWidget(objectName="mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(central, "Live")
        self.extra_tabs: list[QtWidgets.QWidget] = []  # the pages built so far
        self._unbuilt_tabs: dict[int, tuple[str, object]] = {}  # index -> (title, factory)
        for title, factory in tab_factories():  # built after the first paint (build_tabs)
            index = self.tabs.addTab(QtWidgets.QWidget(objectName="unbuiltTab"), title)
            self._unbuilt_tabs[index] = (title, factory)
        self.setCentralWidget(self.tabs)
        self._dock_hidden_by_tab = False
        self.tabs.currentChanged.connect(self._on_tab_changed)
        for canvas in self.canvases:
            canvas.graphics.viewport().installEventFilter(self)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 24)
        dock = QtWidgets.QDockWidget("Parameters", self, objectName="parameterDock")
        dock.setWidget(scroll)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.parameter_dock = dock

    def _build_actions(self) -> None:
        def action(text, slot, shortcut=None, name=None, tip=None):
            act = QtGui.QAction(text, self)
            if shortcut:
                act.setShortcut(QtGui.QKeySequence(shortcut))
                act.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            if name:
                act.setObjectName(name)
            if tip:
                act.setStatusTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(action("Open config…", self.open_config, "Ctrl+O", "openConfigAction"))
        file_menu.addAction(action("Save config…", self.save_config, "Ctrl+S", "saveConfigAction"))
        self.sessions = SessionActions(self)
        file_menu.addAction(self.sessions.open_action)
        file_menu.addAction(self.sessions.save_action)
        file_menu.addAction(action("Load data CSV…", self.load_csv_dialog, None, "loadCsvAction"))
        file_menu.addSeparator()
        file_menu.addAction(action("Export current canvas…", self.export_current_dialog, "Ctrl+E", "exportCanvasAction",
                                   "The canvas you last clicked or pointed at, as PNG or SVG"))
        file_menu.addAction(action("Export all…", self.export_all_dialog, "Ctrl+Shift+E", "exportAllAction",
                                   "Every canvas (PNG and SVG) and the whole window, into a folder"))
        file_menu.addAction(action("Export window as PNG…", self.export_window_dialog, None, "exportWindowAction"))
        self.animation_export = install_animation_export(self, file_menu)  # its job stops when the window closes
        file_menu.addSeparator()
        file_menu.addAction(action("Quit", self.close, "Ctrl+Q", "quitAction"))
        self.presets_menu = PresetsMenu(self)
        bar.addMenu(self.presets_menu)
        run_menu = bar.addMenu("&Run")
        self.start_action = action("Start / Pause", self.controller.toggle, "Space", "startAction")
        run_menu.addAction(self.start_action)
        run_menu.addAction(action("Step", lambda: self.controller.step(1), "Right", "stepAction"))
        run_menu.addAction(action("Reset", self.reset, "R", "resetAction"))
        run_menu.addSeparator()
        run_menu.addMenu(EngineMenu(self))
        view_menu = bar.addMenu("&View")
        view_menu.addAction(action("Full screen", self.toggle_full_screen, "F11", "fullScreenAction"))
        view_menu.addAction(self.parameter_dock.toggleViewAction())
        self.presentation = Presentation(self, self.canvases, self.parameter_dock)
        self.exports = ExportActions(self, CANVAS_NAMES)
        self.presentation.build_actions(view_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(action("About regviz", self.show_about, None, "aboutAction"))

    def _build_status_bar(self) -> None:
        self.status_label = QtWidgets.QLabel(objectName="statusLabel")
        self.message_label = QtWidgets.QLabel(objectName="messageLabel")
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.message_label)

    def _fit_to_screen(self) -> None:
        screen = QtGui.QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QtCore.QRect(0, 0, 1600, 1000)
        width, height = min(1600, int(area.width() * 0.96)), min(1000, int(area.height() * 0.94))
        self.resize(max(width, 1024), max(height, 700))

    def _connect(self) -> None:
        c, p = self.controller, self.panel
        p.start_button.clicked.connect(c.toggle)
        p.step_button.clicked.connect(lambda: c.step(1))
        p.reset_button.clicked.connect(self.reset)
        p.sigSpeedChanged.connect(c.set_speed)
        c.set_speed(p.speed())  # the remembered pace, from the first step
        p.sigConfigEdited.connect(self._on_config_edited)
        p.sigCompareChanged.connect(self._on_compare_changed)
        p.sigNewDraw.connect(self.new_draw)
        p.sigLoadCsv.connect(self.load_csv_dialog)
        self.activation_view.sigParamsChanged.connect(lambda params: p.set_activation_params(params, emit=True))
        c.sigRunningChanged.connect(p.set_running)
        c.sigMessage.connect(lambda text: self._show_message(text, problem=False))
        c.sigProblem.connect(lambda text: self._show_message(text, problem=True))
        c.sigSetupChanged.connect(lambda _s: self.message_label.setText(""))
        # The status line changes text (and width) every frame; 4 updates a second are plenty.
        self._status_timer = QtCore.QTimer(self)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()

    # ---------------------------------------------------------------- reactions
    def _on_config_edited(self, config: ExperimentConfig, needs_reset: bool) -> None:
        try:
            self.controller.apply_config(config, needs_reset)
        except (ConfigError, DataError) as exc:  # e.g. the CSV in use was deleted meanwhile
            self.show_error("Cannot use these settings", str(exc))
            self.panel.set_config(self.controller.config)  # show what still runs
            return
        if needs_reset:
            self._show_message("Reset: data or architecture changed", problem=False)

    def reset(self) -> bool:
        """Reset onto the current config; if it cannot be used any more (its CSV vanished), say so."""
        try:
            self.controller.reset()
        except (ConfigError, DataError) as exc:
            self.show_error("Cannot reset", f"{exc}\nChoose other data (New draw, Load CSV…) and press Reset.")
            return False
        return True

    def _on_compare_changed(self) -> None:
        try:
            self.controller.set_compare(self.panel.compare_methods())
        except (ConfigError, DataError) as exc:
            self.show_error("Cannot compare", str(exc))
            self.panel.set_compare(self.controller.compare)  # show what still runs

    def report_unexpected(self, text: str) -> None:
        """An exception escaped a slot (see errors.py): red status line and a dialog; go on."""
        self._show_message(text.splitlines()[0], problem=True)
        self.show_error("Unexpected error", text)

    def _show_message(self, text: str, problem: bool) -> None:
        self.message_label.setStyleSheet("color: #b00020; font-weight: bold;" if problem else "color: #202124;")
        self.message_label.setText(text)

    def _update_status(self) -> None:
        self.status_label.setText(self.controller.status_text())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.Enter):
            for canvas in self.canvases:
                if canvas.graphics.viewport() is watched:
                    self.current_canvas = canvas
        return super().eventFilter(watched, event)

    def new_draw(self) -> None:
        data = self.controller.config.data
        changes = {"data.seed": (data.seed + 1) % 2**31, "data.csv_path": None}
        self._apply_reset(self.controller.config.replace(**changes))

    def _apply_reset(self, config: ExperimentConfig, title: str = "Cannot use these settings") -> bool:
        """Reset onto a config; a bad one is refused with a dialog and nothing changes."""
        try:
            config = config.validate()
            self.controller.reset(config)
        except (ConfigError, DataError) as exc:
            self.show_error(title, str(exc))
            return False
        self.panel.set_config(config)
        return True

    PANEL_TABS = ("experimentsTab",)  # tabs beyond Live that run on the parameter panel's config

    def load_into_live(self, config: ExperimentConfig, compare: tuple[str, ...] | None = None) -> bool:
        """Another tab hands a run to the Live tab (a run of a table, a lambda of a sweep): switch to
        Live and reset once onto its config, comparing these methods (None: a single model)."""
        previous = self.controller.compare
        self.controller.compare = tuple(compare) if compare else None
        if not self._apply_reset(config, "Cannot load this run"):
            self.controller.compare = previous
            return False
        self.panel.set_compare(self.controller.compare)
        self.tabs.setCurrentIndex(0)
        return True

    # ---------------------------------------------------------------- files
    def load_csv_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load data (x,y CSV)", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.load_csv(path)

    def load_csv(self, path: str) -> bool:
        """Use a CSV as the data; a bad file is refused with its line and reason, nothing changes."""
        config = self.controller.config.replace(**{"data.csv_path": str(path)})
        return self._apply_reset(config, "Cannot load this CSV")

    def open_config(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open config", "", "regviz config (*.json);;All files (*)")
        if path:
            self.load_config_file(path)

    def load_config_file(self, path: str) -> bool:
        try:
            config = ExperimentConfig.load(path)
        except ConfigError as exc:
            self.show_error("Cannot open this config", str(exc))
            return False
        self._apply_reset(config)
        return True

    def save_config(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save config", f"regviz-{self.preset}.json", "regviz config (*.json)")
        if path:
            self.save_config_file(path)

    def save_config_file(self, path: str) -> bool:
        try:
            write_json_atomic(Path(path), self.controller.config.to_dict())
        except OSError as exc:  # FileProblem says which file and why in one line
            self.show_error("Cannot save the config", str(exc))
            return False
        return True

    # ---------------------------------------------------------------- export (export_actions.py)
    def export_current_dialog(self) -> None:
        self.exports.export_current_dialog()

    def export_canvas(self, canvas: CanvasView, path: str, scale: float = 2.0) -> bool:
        return self.exports.export_canvas(canvas, path, scale)

    def export_window_dialog(self) -> None:
        self.exports.export_window_dialog()

    def export_window(self, path: str, scale: float = 2.0, size: tuple[int, int] | None = None) -> bool:
        return self.exports.export_window(path, scale, size)

    def export_all_dialog(self) -> None:
        self.exports.export_all_dialog()

    def export_all(self, folder: str, svg: bool = True, scale: float = 2.0,
                   size: tuple[int, int] | None = None) -> list[Path]:
        return self.exports.export_all(folder, svg, scale, size)

    # ---------------------------------------------------------------- misc
    def show_error(self, title: str, text: str) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, f"regviz: {title}", text,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.open()  # window-modal, does not block the event loop (nor tests)

    def enter_presentation(self, theme=None) -> None:
        """Presentation mode (F5): full screen, panel hidden, big text; `theme` a presentation theme."""
        self.presentation.enter(theme)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def show_about(self) -> None:
        from regviz import __version__

        QtWidgets.QMessageBox.about(
            self, "About regviz",
            f"regviz {__version__}\nA lab that makes L1/L2 regularization and activation functions visible.")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        for tab in self.extra_tabs:  # their background work (jobs, trainers) ends with the window
            if hasattr(tab, "shutdown"):
                tab.shutdown()
        self.settings.save_window(self)
        self.controller.shutdown()
        super().closeEvent(event)

"""The Experiments tab: repeats, prune and sweep on the Live tab's config, each a sub-tab, one job
at a time in a background process (JobBar: progress, Cancel). What the experiments run on is shown
in one line at the top; a run, a seed or a lambda of a result goes back to the Live tab.

The work runs in regviz.core.experiment_jobs (a spawned process): this module never imports torch.
"""

from __future__ import annotations


from PySide6 import QtCore, QtWidgets

from regviz.core.analysis import SPARSITY_THRESHOLD
from regviz.core.config import ConfigError, ExperimentConfig
from regviz.gui.figure_dialog import export_figure_dialog
from regviz.gui import export, figure_export
from regviz.gui.experiment_rows import config_line, run_config
from regviz.gui.job_bar import JobBar
from regviz.gui.prune_panel import PrunePanel
from regviz.gui.repeats_panel import RepeatsPanel
from regviz.gui.sweep_panel import SweepPanel

TITLE = "Experiments"
JOBS = "regviz.core.experiment_jobs"


def make_experiments_tab(window: QtWidgets.QMainWindow) -> tuple[QtWidgets.QWidget, str]:
    """The factory registered in regviz.gui.tabs."""
    return ExperimentsTab(window), TITLE


class ExperimentsTab(QtWidgets.QWidget):
    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__()
        self.setObjectName("experimentsTab")
        self.window_ = window
        self.config_label = QtWidgets.QLabel("", objectName="experimentConfigLabel")
        self.config_label.setWordWrap(True)
        self.config_label.setToolTip("Every experiment here starts from the Live tab's current config: change it in "
                                     "the parameter panel (or pick a preset) and run again")
        self.repeats = RepeatsPanel()
        self.prune = PrunePanel()
        self.sweep = SweepPanel(self.base_config())
        self.sub_tabs = QtWidgets.QTabWidget(objectName="experimentsSubTabs")
        self.sub_tabs.setDocumentMode(True)
        self.sub_tabs.addTab(self.repeats, "Repeats")
        self.sub_tabs.addTab(self.prune, "Prune")
        self.sub_tabs.addTab(self.sweep, "Sweep")
        self.job_bar = JobBar()
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 2)
        column.setSpacing(2)
        column.addWidget(self.config_label)
        column.addWidget(self.sub_tabs, 1)
        column.addWidget(self.job_bar)
        # the config the shown results ran on (a later edit of the Live config does not change them)
        self._ran_on: dict[str, tuple[ExperimentConfig, str]] = {}
        self._connect()
        self.refresh_config()

    def _connect(self) -> None:
        self.repeats.sigRun.connect(self.run_repeats)
        self.repeats.sigLoadRun.connect(lambda run: self._load_run("repeats", run))
        self.prune.sigTrain.connect(self.run_prune_train)
        self.prune.sigRetrain.connect(self.run_prune_retrain)
        self.prune.sigLoadRun.connect(lambda run: self._load_run("prune", run))
        self.sweep.sigRun.connect(self.run_sweep)
        self.sweep.sigLoad.connect(self._load_config)
        for panel in (self.repeats, self.prune, self.sweep):
            panel.sigExport.connect(self.export_dialog)
            self.job_bar.sigBusyChanged.connect(panel.set_busy)
        controller = self.window_.controller
        controller.sigSetupChanged.connect(lambda _setup: self.refresh_config())
        panel = getattr(self.window_, "panel", None)
        if panel is not None:  # a live edit (λ, rule, epochs) changes the config without a reset
            panel.sigConfigEdited.connect(lambda *_a: QtCore.QTimer.singleShot(0, self.refresh_config))

    # ---------------------------------------------------------------- the base config
    def base_config(self) -> ExperimentConfig:
        return self.window_.controller.config

    def base_line(self) -> str:
        preset = getattr(self.window_, "preset", "")
        return config_line(self.base_config(), f"preset {preset}" if preset else "")

    def refresh_config(self) -> None:
        line = self.base_line()
        self.config_label.setText(f"Runs on: {line}")
        self.sweep.set_base(self.base_config())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.refresh_config()
        super().showEvent(event)

    # ---------------------------------------------------------------- starting jobs
    def _start(self, kind: str, what: str, function: str, args: tuple, on_done) -> bool:
        cfg = args[0]
        line = self.base_line()
        return self.job_bar.start(what, f"{JOBS}:{function}", args,
                                  lambda result: self._finished(kind, cfg, line, result, on_done))

    def _finished(self, kind: str, cfg: ExperimentConfig, line: str, result: dict, on_done) -> None:
        self._ran_on[kind] = (cfg, line)
        on_done(result, cfg, line)

    def run_repeats(self, methods: list, count: int) -> bool:
        cfg = self.base_config()
        return self._start("repeats", f"Repeats ({count} × {len(methods)} methods)", "repeats",
                           (cfg, list(methods), int(count)),
                           lambda result, _cfg, line: self.repeats.set_result(result, line))

    def run_prune_train(self, count: int) -> bool:
        cfg = self.base_config()
        return self._start("prune", f"Prune, step 1: {count} runs with L1", "prune_train",
                           (cfg, "l1", int(count), SPARSITY_THRESHOLD),
                           lambda result, _cfg, line: self.prune.set_before(result, line))

    def run_prune_retrain(self, hidden: tuple) -> bool:
        if "prune" not in self._ran_on or self.prune.before is None:
            return False
        cfg, _line = self._ran_on["prune"]
        try:
            cfg.replace(**{"model.hidden_layers": tuple(hidden)}).validate()
        except ConfigError as exc:
            self.prune.layers_problem.setText(f"Hidden layers: {exc}")
            self.prune.layers_problem.setVisible(True)
            return False
        count = len(self.prune.before["runs"])
        what = f"Prune, step 2: {count} runs of {'-'.join(map(str, (1, *hidden, 1)))}"
        return self.job_bar.start(what, f"{JOBS}:prune_retrain", (cfg, "l1", count, tuple(hidden)),
                                  self.prune.set_after)

    def run_sweep(self, lambdas: list, methods: list, seeds: int, rule: str) -> bool:
        cfg = self.base_config().replace(**{"regularization.l1_rule": rule})
        what = f"Sweep ({len(lambdas)} λ × {len(methods)} methods × {seeds} seeds)"
        return self._start("sweep", what, "sweep", (cfg, list(lambdas), list(methods), int(seeds)),
                           lambda result, ran_cfg, line: self.sweep.set_result(result, ran_cfg, line))

    # ---------------------------------------------------------------- back to Live
    def _load_run(self, kind: str, run: dict) -> bool:
        if kind not in self._ran_on:
            return False
        cfg, _line = self._ran_on[kind]
        return self._load_config(run_config(cfg, run), None)

    def _load_config(self, config: ExperimentConfig, compare) -> bool:
        return bool(self.window_.load_into_live(config, compare))

    # ---------------------------------------------------------------- figures
    def caption(self, canvas) -> str:
        kind = {"experimentPlot": "repeats", "pruneCanvas": "prune", "sweepPlot": "sweep"}.get(canvas.objectName())
        line = self._ran_on[kind][1] if kind in self._ran_on else self.base_line()
        return f"regviz · {canvas.figure_title()} · {line}"

    def export_dialog(self, canvas) -> None:
        export_figure_dialog(self, self.window_, f"Export the {canvas.title.lower()} figure", canvas.objectName(),
                             lambda path, scale: self.export_canvas(canvas, path, scale))

    def export_canvas(self, canvas, path: str, scale: float = 2.0) -> bool:
        try:
            figure_export.export_canvas(canvas, path, self.caption(canvas), scale)
        except export.ExportError as exc:
            self.window_.show_error("Export failed", str(exc))
            return False
        self.window_.statusBar().showMessage(f"Wrote {path}", 5000)
        return True

    # ---------------------------------------------------------------- window hooks
    def apply_theme(self, theme) -> None:
        for panel in (self.repeats, self.prune, self.sweep):
            panel.apply_theme(theme)

    def shutdown(self) -> None:
        self.job_bar.shutdown()

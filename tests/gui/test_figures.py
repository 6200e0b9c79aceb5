"""Figures for slides: a caption line on every exported figure and no on-screen hints, PNGs at 2x
(or any scale) of the screen, SVG heatmaps as vector rectangles that a second renderer (cairosvg)
draws crisp, the window with its caption band, and the user's umask on every file."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui import export, figure_export
from regviz.gui.captions import figure_caption
from regviz.gui.export_actions import ExportOptionsDialog
from regviz.gui.session import LiveState, build_run, make_frame
from regviz.gui.views.activation_view import ActivationView
from regviz.gui.views.weights_view import WeightsView

from window_helpers import run_steps, state


@pytest.fixture(scope="module")
def trained():
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, "l1", 0)])
    live = LiveState(setup)
    live.apply(make_frame(engine, setup, 0, [engine.step(2000)]))
    return setup, live


def _shown(qtbot, view, setup, live, size=(900, 600)):
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_setup(setup)
    view.render(live)
    view.show()
    qtbot.waitExposed(view)
    if isinstance(view, WeightsView):  # it may re-arrange once laid out at its real size
        qtbot.waitUntil(lambda: not view._relayout.isActive(), timeout=10000)
    view.render(live)
    return view


def test_the_caption_says_preset_models_step_and_epoch():
    cfg = load_preset("seed")
    members = [member(cfg, "l1", 0), member(cfg, "l2", 0)]
    text = figure_caption("seed", members, 4000, 100, "activations", "Leaky ReLU")
    assert text == "regviz · seed · activations · L1 λ=0.3 vs L2 λ=0.3 · step 4,000 (epoch 100) · activation: Leaky ReLU"


def test_an_svg_heatmap_is_vector_rectangles_with_a_caption_and_no_hint(qtbot, trained, tmp_path):
    setup, live = trained
    view = _shown(qtbot, WeightsView(), setup, live)
    path = tmp_path / "weights.svg"
    figure_export.export_canvas(view, path, "regviz · seed · weights · L1 λ=0.3 · step 2,000 (epoch 50)")
    text = path.read_text()
    cells = sum(w.size for w in live.snapshot.weights)  # 220 cells
    assert len(re.findall(r"<rect", text)) >= cells  # one rectangle per cell, not an embedded bitmap...
    assert text.count("<image") <= 1  # ...(the one image left is the colour bar's gradient)
    assert "step 2,000 (epoch 50)" in text and "hover over" not in text
    # back to normal on screen: the fast images, no caption in the canvas
    assert all(p.image.isVisible() and not p.cells.isVisible() for p in view.panels)
    assert not any("step 2,000" in getattr(item, "text", "") for item in view.graphics.ci.items)


def test_a_second_renderer_draws_the_svg_cells_crisp(qtbot, trained, tmp_path):
    cairosvg = pytest.importorskip("cairosvg")  # needs the cairo library: skipped where it is missing
    setup, live = trained
    view = _shown(qtbot, WeightsView(), setup, live)
    path = tmp_path / "weights.svg"
    panel = view.panel(0, 1)  # W2, 10 x 10
    with figure_export.as_figure(view, "caption", vector=True):  # the layout the SVG is written from
        export.export_item(view.export_item(), path)
        origin = view.export_item().sceneBoundingRect().topLeft()
        centres = {(i, j): panel.plot.vb.mapViewToScene(QtCore.QPointF(j + 0.5, i + 0.5)) - origin
                   for i in range(10) for j in range(10)}
        # points just inside the corners of each cell: a blurred bitmap mixes neighbours there
        near_edges = {(i, j): [panel.plot.vb.mapViewToScene(QtCore.QPointF(j + dx, i + dy)) - origin
                               for dx in (0.25, 0.75) for dy in (0.25, 0.75)] for i in range(10) for j in range(10)}
    png = tmp_path / "weights.png"
    cairosvg.svg2png(url=str(path), write_to=str(png))
    image = QtGui.QImage(str(png)).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    w = panel.matrix
    lut = view.colormap.getLookupTable(nPts=512, alpha=False)
    checked = strong = 0
    for (i, j), centre in centres.items():
        pixel = QtGui.QColor(image.pixel(round(centre.x()), round(centre.y())))
        scaled = np.clip((w[i, j] + view.level) / (2 * view.level), 0, 1)
        expected = lut[int(round(scaled * 511))]
        assert abs(pixel.red() - expected[0]) <= 3 and abs(pixel.blue() - expected[2]) <= 3, (i, j, w[i, j])
        if abs(w[i, j]) > view.level / 2:  # a strong cell among white ones: a blurred edge would show
            for point in near_edges[i, j]:
                edge = QtGui.QColor(image.pixel(int(point.x()), int(point.y())))
                assert abs(edge.red() - pixel.red()) <= 3 and abs(edge.blue() - pixel.blue()) <= 3, (i, j, "blurred")
                strong += 1
        checked += 1
    assert checked == 100 and strong >= 4


def test_a_png_is_twice_the_screen_and_the_activation_figure_names_its_activation(qtbot, tmp_path):
    cfg = load_preset("seed").replace(**{"model.activation": "leaky_relu"})
    engine, setup = build_run(cfg, [member(cfg, "l1", 0)])
    live = LiveState(setup)
    live.apply(make_frame(engine, setup, 0, [engine.step(50)]))
    view = _shown(qtbot, ActivationView(), setup, live, (700, 460))
    plain = figure_export.export_canvas(view, tmp_path / "a1.png", "caption", scale=1.0)
    double = figure_export.export_canvas(view, tmp_path / "a2.png", "caption", scale=2.0)
    assert abs(double.width() - 2 * plain.width()) <= 2 and plain.width() >= 690
    svg = figure_export.export_canvas(view, tmp_path / "a.svg", figure_caption("seed", live.members, 50, 1, "activations",
                                                                               setup.activation.label))
    assert "activation: Leaky ReLU" in (svg.decode() if isinstance(svg, bytes) else svg)


def test_exported_files_get_the_users_umask(qtbot, trained, tmp_path):
    setup, live = trained
    view = _shown(qtbot, WeightsView(), setup, live)
    old = os.umask(0o022)
    try:
        figure_export.export_canvas(view, tmp_path / "w.png", "caption")
    finally:
        os.umask(old)
    assert (tmp_path / "w.png").stat().st_mode & 0o777 == 0o644


def test_the_window_picture_has_its_caption_band_and_the_options_scale(qtbot, window, tmp_path, monkeypatch):
    run_steps(qtbot, window, 40)
    assert window.export_window(str(tmp_path / "w1.png"), scale=1.0)
    assert window.export_window(str(tmp_path / "w2.png"), scale=2.0)
    one, two = QtGui.QImage(str(tmp_path / "w1.png")), QtGui.QImage(str(tmp_path / "w2.png"))
    assert one.width() == window.width() and one.height() > window.height()  # the caption band
    assert abs(two.width() - 2 * one.width()) <= 1 and abs(two.height() - 2 * one.height()) <= 2
    # the export dialog offers the same choices: 3x chosen, written at 3x, and remembered
    canvas = window.fit_view
    window.current_canvas = canvas
    chosen = tmp_path / "fit.png"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(chosen), "")))

    def pick_three(dialog):
        dialog.scale_combo.setCurrentIndex(dialog.scale_combo.findData(3.0))
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportOptionsDialog, "exec", pick_three)
    window.export_current_dialog()
    assert abs(QtGui.QImage(str(chosen)).width() - 3 * canvas.graphics.width()) <= 3
    assert window.settings.export_scale() == 3.0
    assert state(window).step == 40  # exporting changed nothing

"""The parameter panel on its own: sections in order of use, collapsing, readable labels, the pace."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from regviz.core import config as cfgmod
from regviz.core.activations import ACTIVATIONS
from regviz.core.presets import load_preset
from regviz.gui.panel import ParameterPanel

ORDER_OF_USE = ["Run", "Regularization", "Compare", "Model", "Training", "Data"]
IDENTIFIERS = {*cfgmod.METHODS, *cfgmod.LOSSES, *cfgmod.L1_RULES, *cfgmod.NOISE_KINDS, *cfgmod.OUTLIER_SHIFT_MODES,
               *ACTIVATIONS}


def make_panel(qtbot) -> ParameterPanel:
    panel = ParameterPanel(load_preset("seed"))
    qtbot.addWidget(panel)
    panel.resize(360, 1400)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def title_y(panel: ParameterPanel, title: str) -> int:
    """The top of the one visible widget that shows exactly this title."""
    found = [w for w in panel.findChildren(QtWidgets.QAbstractButton) + panel.findChildren(QtWidgets.QLabel)
             if w.text() == title and w.isVisible()]
    assert len(found) == 1, f"{len(found)} visible widgets titled {title!r}"
    return found[0].mapTo(panel, found[0].rect().topLeft()).y()


def combos(panel: ParameterPanel) -> dict[str, QtWidgets.QComboBox]:
    return {c.objectName(): c for c in panel.findChildren(QtWidgets.QComboBox)}


def test_sections_appear_in_order_of_use(qtbot):
    panel = make_panel(qtbot)
    ys = [title_y(panel, title) for title in ORDER_OF_USE]
    assert ys == sorted(ys) and len(set(ys)) == len(ys), dict(zip(ORDER_OF_USE, ys))
    # each control sits in its own section: below its title, above the next one
    for name, section in (("regularizerCombo", "Regularization"), ("compareCheck", "Compare"),
                          ("activationCombo", "Model"), ("learningRateSpin", "Training"),
                          ("dataSeedSpin", "Data"), ("startButton", "Run")):
        widget = panel.findChild(QtWidgets.QWidget, name)
        y = widget.mapTo(panel, widget.rect().topLeft()).y()
        index = ORDER_OF_USE.index(section)
        assert ys[index] < y, name
        if index + 1 < len(ys):
            assert y < ys[index + 1], name


def test_a_section_collapses_and_expands_and_the_state_is_remembered(qtbot):
    panel = make_panel(qtbot)
    shift = panel.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift")
    lam = panel.findChild(QtWidgets.QDoubleSpinBox, "lambdaSpin")
    header = panel.findChild(QtWidgets.QToolButton, "dataSectionHeader")
    assert shift.isVisible() and header.text() == "Data"
    header.click()
    assert not shift.isVisible() and lam.isVisible()  # only the Data section closed
    header.click()
    assert shift.isVisible()
    panel.findChild(QtWidgets.QToolButton, "trainingSectionHeader").click()
    panel.findChild(QtWidgets.QToolButton, "regularizationSectionHeader").click()
    panel.findChild(QtWidgets.QToolButton, "regularizationSectionHeader").click()

    again = make_panel(qtbot)  # a new window builds its panel anew, from the settings
    assert not again.findChild(QtWidgets.QSpinBox, "batchSizeSpin").isVisible()
    assert again.findChild(QtWidgets.QDoubleSpinBox, "data_outlier_shift").isVisible()
    assert again.findChild(QtWidgets.QDoubleSpinBox, "lambdaSpin").isVisible()


def test_run_stays_at_the_top_and_does_not_collapse(qtbot):
    panel = make_panel(qtbot)
    header = panel.findChild(QtWidgets.QToolButton, "runSectionHeader")
    header.click()
    assert panel.findChild(QtWidgets.QPushButton, "startButton").isVisible()
    assert title_y(panel, "Run") == min(title_y(panel, t) for t in ORDER_OF_USE)


def test_combo_boxes_show_words_and_keep_identifiers_as_data(qtbot):
    panel = make_panel(qtbot)
    for name, combo in combos(panel).items():
        for i in range(combo.count()):
            text = combo.itemText(i)
            assert text not in IDENTIFIERS and "_" not in text, f"{name} shows {text!r}"
    expected = {
        "regularizerCombo": {"none": "None", "l1": "L1 (lasso)", "l2": "L2 (ridge)", "elasticnet": "Elastic net"},
        "lossCombo": {"abs": "Sum of |error|", "squared": "Sum of squared error", "huber": "Huber"},
        "l1RuleCombo": {"subgradient": "Subgradient", "clip": "Clip at zero", "proximal": "Proximal (soft threshold)"},
        "data_noise": {"uniform": "Uniform (upward)", "gaussian": "Gaussian", "none": "None"},
        "data_outlier_shift_mode": {"shared": "One shared shift", "each": "One per outlier"},
    }
    for name, labels in expected.items():
        combo = combos(panel)[name]
        assert {combo.itemData(i): combo.itemText(i) for i in range(combo.count())} == labels, name
    activation = combos(panel)["activationCombo"]
    shown = {activation.itemData(i): activation.itemText(i) for i in range(activation.count())}
    assert shown["leaky_relu"] == "Leaky ReLU" and shown["prelu"] == "PReLU (learnable)"
    assert set(shown) == set(ACTIVATIONS)
    # the shown item is the config's value
    cfg = panel.config
    assert combos(panel)["regularizerCombo"].currentData() == cfg.regularization.method == "l1"
    assert combos(panel)["lossCombo"].currentText() == "Sum of |error|"
    assert activation.currentData() == cfg.model.activation


def test_choosing_elastic_net_edits_the_config_with_its_identifier(qtbot):
    panel = make_panel(qtbot)
    combo = combos(panel)["regularizerCombo"]
    assert combo.findText("Elastic net") >= 0  # else the panel's refusal dialog would block the test
    with qtbot.waitSignal(panel.sigConfigEdited, timeout=10000) as blocker:
        combo.setCurrentIndex(combo.findText("Elastic net"))
    config, needs_reset = blocker.args
    assert config.regularization.method == "elasticnet" and not needs_reset
    assert panel.config.regularization.method == "elasticnet"
    activation = combos(panel)["activationCombo"]
    assert activation.findText("Leaky ReLU") >= 0
    with qtbot.waitSignal(panel.sigConfigEdited, timeout=10000) as blocker:
        activation.setCurrentIndex(activation.findText("Leaky ReLU"))
    assert blocker.args[0].model.activation == "leaky_relu"
    labels = [panel.activation_params_form.itemAt(i, QtWidgets.QFormLayout.ItemRole.LabelRole).widget().text()
              for i in range(panel.activation_params_form.rowCount())]
    assert labels and all(label not in ("slope", "init", "lower", "upper", "alpha") for label in labels)


def test_the_pace_defaults_to_200_steps_per_second_and_max_is_one_click(qtbot):
    panel = make_panel(qtbot)
    combo = panel.findChild(QtWidgets.QComboBox, "speedCombo")
    assert "200 steps/s" in combo.currentText() and panel.speed() == 200.0
    button = panel.findChild(QtWidgets.QToolButton, "maxSpeedButton")
    with qtbot.waitSignal(panel.sigSpeedChanged, timeout=10000) as blocker:
        button.click()
    assert blocker.args == [None] and combo.currentText() == "Max speed"
    with qtbot.waitSignal(panel.sigSpeedChanged, timeout=10000) as blocker:
        button.click()  # back to the pace before
    assert blocker.args == [200.0] and "200 steps/s" in combo.currentText()
    combo.setCurrentIndex(combo.findText("Slow (20 steps/s)"))
    assert not button.isChecked()
    button.click()
    assert combo.currentText() == "Max speed" and button.isChecked()
    button.click()
    assert combo.currentText() == "Slow (20 steps/s)"


@pytest.mark.parametrize("stored", ["fast", "-5", "1e400", "nan", "123.0"])
def test_an_unreadable_or_unknown_stored_speed_gives_the_default_pace(qtbot, stored):
    from PySide6 import QtCore

    from regviz.gui.settings import SPEED, Settings

    raw = QtCore.QSettings(Settings().file_name(), QtCore.QSettings.Format.IniFormat)
    raw.setValue(SPEED, stored)
    raw.sync()
    panel = make_panel(qtbot)
    assert panel.speed() == 200.0

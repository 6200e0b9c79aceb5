"""Presentation mode (F5, View ▸ Presentation): full screen, the panel hidden (P shows it), fonts
about 1.5x and thicker lines, in a light high-contrast theme or a dark one for dim rooms. Esc or
F5 leaves it. View ▸ Theme also applies a theme outside presentation mode."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.style import HIGH_CONTRAST, LIGHT, THEMES, Theme


def palette_for(theme: Theme, base: QtGui.QPalette) -> QtGui.QPalette:
    """The Qt widgets' colours (control rows, status bar) to go with a canvas theme."""
    if not theme.dark:
        return base
    palette = QtGui.QPalette(base)
    roles = QtGui.QPalette.ColorRole
    for role, color in ((roles.Window, theme.background), (roles.Base, "#1b1e21"), (roles.AlternateBase, "#23272b"),
                        (roles.WindowText, theme.foreground), (roles.Text, theme.foreground),
                        (roles.Button, "#2a2f34"), (roles.ButtonText, theme.foreground),
                        (roles.ToolTipBase, "#2a2f34"), (roles.ToolTipText, theme.foreground),
                        (roles.PlaceholderText, theme.muted), (roles.Highlight, "#56b4e9"),
                        (roles.HighlightedText, "#000000")):
        palette.setColor(role, QtGui.QColor(color))
    return palette


class Presentation(QtCore.QObject):
    """Owns the theme of a window's canvases and the presentation state."""

    sigThemeChanged = QtCore.Signal(object)  # Theme

    def __init__(self, window: QtWidgets.QMainWindow, canvases, panel_dock: QtWidgets.QDockWidget):
        super().__init__(window)
        self.window, self.canvases, self.dock = window, list(canvases), panel_dock
        self.theme: Theme = LIGHT
        self.presenting = False
        self.presentation_theme: Theme = HIGH_CONTRAST
        self._before: dict = {}
        self._base_font = QtGui.QFont(window.font())
        self._base_palette = QtGui.QPalette(window.palette())

    def build_actions(self, view_menu: QtWidgets.QMenu) -> None:
        window = self.window
        self.toggle_action = QtGui.QAction("Presentation", window, objectName="presentationAction", checkable=True)
        self.toggle_action.setShortcut(QtGui.QKeySequence("F5"))
        self.toggle_action.setStatusTip("Full screen, panel hidden (P shows it), big text; Esc leaves")
        self.toggle_action.triggered.connect(lambda on: self.enter() if on else self.leave())
        self.panel_action = QtGui.QAction("Show the panel", window, objectName="presentationPanelAction")
        self.panel_action.setShortcut(QtGui.QKeySequence("P"))
        self.panel_action.triggered.connect(self.toggle_panel)
        self.leave_action = QtGui.QAction("Leave presentation", window, objectName="leavePresentationAction")
        self.leave_action.setShortcut(QtGui.QKeySequence("Esc"))
        self.leave_action.triggered.connect(self.leave)
        for action in (self.toggle_action, self.panel_action, self.leave_action):
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
        view_menu.addAction(self.toggle_action)
        themes = view_menu.addMenu("Theme")
        themes.setObjectName("themeMenu")
        group = QtGui.QActionGroup(window)
        self.theme_actions = {}
        for name, theme in THEMES.items():
            act = QtGui.QAction(theme.label, window, checkable=True, objectName=f"theme_{name}")
            act.setChecked(theme is LIGHT)
            act.triggered.connect(lambda _on, t=theme: self.choose_theme(t))
            group.addAction(act)
            themes.addAction(act)
            self.theme_actions[name] = act

    # ---------------------------------------------------------------- themes
    def choose_theme(self, theme: Theme) -> None:
        """From View ▸ Theme: applies now; a presentation theme is also the one F5 uses."""
        if theme is not LIGHT:
            self.presentation_theme = theme
        self.apply(theme)

    def apply(self, theme: Theme) -> None:
        self.theme = theme
        font = QtGui.QFont(self._base_font)
        font.setPointSizeF(self._base_font.pointSizeF() * theme.font_scale)
        self.window.setFont(font)
        self.window.setPalette(palette_for(theme, self._base_palette))
        for canvas in self.canvases:
            canvas.apply_theme(theme)
        action = self.theme_actions.get(theme.name) if hasattr(self, "theme_actions") else None
        if action is not None:
            action.setChecked(True)
        self.sigThemeChanged.emit(theme)

    # ---------------------------------------------------------------- presenting
    def enter(self, theme: Theme | None = None) -> None:
        if theme is not None:
            self.presentation_theme = theme
        if not self.presenting:
            self._before = {"theme": self.theme, "dock": self.dock.isVisible(),
                            "full": self.window.isFullScreen(), "menu": self.window.menuBar().isVisible()}
            self.presenting = True
        self.dock.setVisible(False)
        self.window.menuBar().setVisible(False)
        self.window.showFullScreen()
        self.apply(self.presentation_theme)
        self.toggle_action.setChecked(True)
        self.window.statusBar().showMessage("Presentation: P shows the panel, Esc or F5 leaves", 4000)

    def leave(self) -> None:
        if not self.presenting:
            return
        self.presenting = False
        before = self._before
        self.apply(before.get("theme", LIGHT))
        self.dock.setVisible(before.get("dock", True))
        self.window.menuBar().setVisible(before.get("menu", True))
        if not before.get("full", False):
            self.window.showNormal()
        self.toggle_action.setChecked(False)

    def toggle_panel(self) -> None:
        if self.presenting:
            self.dock.setVisible(not self.dock.isVisible())

"""The main window's tabs beyond Live: built just after the first paint (or at once when clicked),
each in a scroll area, themed with the window; tabs with controls of their own take the parameter
panel's room. A mixin of MainWindow, which owns `tabs`, `_unbuilt_tabs`, `extra_tabs`,
`parameter_dock` and `presentation`."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from regviz.gui.style import LIGHT


def scrolled(page: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    """The page in a frameless scroll area: its minimum size no longer sets the window's."""
    area = QtWidgets.QScrollArea(objectName=f"{page.objectName() or 'tab'}Scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


class AfterFirstPaint(QtCore.QObject):
    """Calls back once, on the turn of the event loop after the watched widget's first paint (a
    window paints all its widgets in one pass), or after `latest_ms` if no paint comes."""

    def __init__(self, widget: QtWidgets.QWidget, callback, latest_ms: int = 500):
        super().__init__(widget)
        self._widget, self._callback, self._done = widget, callback, False
        widget.installEventFilter(self)
        QtCore.QTimer.singleShot(latest_ms, self, self._fire)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.Paint and not self._done:
            QtCore.QTimer.singleShot(0, self, self._fire)
        return False

    def _fire(self) -> None:
        if not self._done:
            self._done = True
            self._widget.removeEventFilter(self)
            if self._widget.isVisible():  # closed before it painted: nothing to build for
                self._callback()


class TabHost:
    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._unbuilt_tabs and getattr(self, "_tabs_pending", None) is None:
            # after the first paint (building them at show delayed it by ~0.1 s), one page per
            # turn of the event loop
            self._tabs_pending = AfterFirstPaint(self, self._build_next_tab)

    def _build_next_tab(self) -> None:
        if self._unbuilt_tabs:
            self._build_tab(min(self._unbuilt_tabs))
        if self._unbuilt_tabs:
            QtCore.QTimer.singleShot(0, self._build_next_tab)

    def build_tabs(self) -> None:
        """Build every page not built yet, now."""
        while self._unbuilt_tabs:
            self._build_tab(min(self._unbuilt_tabs))

    def _build_tab(self, index: int) -> None:
        title, factory = self._unbuilt_tabs.pop(index)
        widget, _title = factory(self)
        current = self.tabs.currentIndex()
        blocked = self.tabs.blockSignals(True)
        try:
            placeholder = self.tabs.widget(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, scrolled(widget), title)  # a screen narrower than the tab scrolls it
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(blocked)
        placeholder.deleteLater()
        self.extra_tabs.append(widget)
        if hasattr(widget, "apply_theme"):  # a tab with canvases of its own follows the theme too
            self.presentation.sigThemeChanged.connect(widget.apply_theme)
            if self.presentation.theme is not LIGHT:
                widget.apply_theme(self.presentation.theme)

    def _on_tab_changed(self, index: int) -> None:
        """A tab with controls of its own (geometry, gradients, softmax) gets the panel's room; the
        panel comes back with Live or Experiments if it was showing."""
        if index in self._unbuilt_tabs:
            self._build_tab(index)
        holder = self.tabs.widget(index)
        page = holder.widget() if isinstance(holder, QtWidgets.QScrollArea) else holder
        if index == 0 or page.objectName() in self.PANEL_TABS:
            if self._dock_hidden_by_tab:
                self._dock_hidden_by_tab = False
                self.parameter_dock.show()
        elif self.parameter_dock.isVisible():
            self._dock_hidden_by_tab = True
            self.parameter_dock.hide()

    def show_tab(self, page: QtWidgets.QWidget) -> None:
        """Bring a tab's page (the widget its factory made, inside its scroll area) to the front."""
        self.tabs.setCurrentIndex(self.tab_index(page))

    def tab_index(self, page: QtWidgets.QWidget) -> int:
        for index in range(self.tabs.count()):
            holder = self.tabs.widget(index)
            if holder is page or (isinstance(holder, QtWidgets.QScrollArea) and holder.widget() is page):
                return index
        return -1

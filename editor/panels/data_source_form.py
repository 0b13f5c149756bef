"""The training panel's *Data* tab: where the model's training data comes from.

The form edits the document's ``data`` section (:mod:`graph_core.data_sources`) with undoable
``SetDataSection`` edits: the list of sources (NumPy ``.npz``/``.npy`` files, CSV files, image or
text folders with one sub-folder per class, synthetic data, the bundled samples), the source of
every model input and output (with the ``.npz`` array or the CSV columns to take), and the
validation source. Below it, the mapping check: every input and output with the shape the model
expects and what the file holds. The check runs in two steps: graph_core resolves the mapping at
once (a missing mapping is named without reading a file), then the Keras worker reads the files
(``data_check``) and compares them with the model; Fit stays disabled until both pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from editor.data_section_edits import (
    AUTO,
    SPLIT,
    add_source,
    bundled_samples,
    expected_shapes,
    remove_source,
    set_binding,
    set_source_option,
    set_validation,
    shown_path,
)
from editor.qt_signals import reconnect
from graph_core.data_sources import COLOR_MODES, COLUMN_TYPES, DataSourceError, data_section, resolve_bindings
from graph_core.edits import SetDataSection
from graph_core.errors import EditError

CHECK_DELAY_MS = 300
"""Quiet time after an edit before the files are checked in the worker."""

FILE_FILTERS = {
    "npz": "NumPy arrays (*.npz *.npy)",
    "csv": "CSV files (*.csv *.tsv *.txt)",
}

_KIND_LABELS = {"npz": "NumPy file (.npz/.npy)…", "csv": "CSV file…", "image_folder": "Image folder…",
                "text_folder": "Text folder…", "synthetic": "Synthetic data"}


def _default_file_dialog(parent, caption: str, start: str, filters: str, folder: bool) -> str:
    if folder:
        return QFileDialog.getExistingDirectory(parent, caption, start)
    path, _selected = QFileDialog.getOpenFileName(parent, caption, start, filters)
    return path


class DataSourceForm(QWidget):
    """Sources, mapping and mapping check of the session's document.

    Args:
        worker: the Keras worker (``request_data_check`` / ``dataChecked``).
        push: ``(edit) -> bool`` applying an edit (the session's undo stack).
        file_dialog: ``(parent, caption, start, filters, folder) -> path or ""``; injectable for tests.

    Signals:
        checkChanged(): the mapping check changed (see :meth:`blocking_problem`).
    """

    checkChanged = Signal()

    def __init__(self, worker, push: Callable, parent: QWidget | None = None, *,
                 file_dialog: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("DataSourceForm")
        self.worker = worker
        self._push = push
        self.file_dialog = file_dialog or _default_file_dialog
        self.session = None
        self._syncing = False
        self._check_id: int | None = None
        self.check_rows: list = []  # the worker's rows of the last check
        self._local_problem = ""
        self._file_problem = ""
        self._checked_key = None
        self._pending_key = None
        self._summary = ""
        self._summary_detail = ""
        self._lost = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(CHECK_DELAY_MS)
        self._timer.timeout.connect(self.check_files)

        self.sources = QTableWidget(0, 3)
        self.sources.setObjectName("dataSources")
        self.sources.setHorizontalHeaderLabels(["Source", "Kind", "Path"])
        self.sources.verticalHeader().setVisible(False)
        self.sources.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sources.horizontalHeader().setStretchLastSection(True)
        self.sources.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.sources.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.sources.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.sources.setWordWrap(False)
        self.sources.itemSelectionChanged.connect(self._show_options)
        self.add_button = QToolButton()
        self.add_button.setText("Add source")
        self.add_button.setObjectName("addDataSource")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        for kind, label in _KIND_LABELS.items():
            self.add_menu.addAction(label, lambda k=kind: self.add_source(k))
        self.samples_menu = self.add_menu.addMenu("Bundled sample")
        for name, kind, path in bundled_samples():
            self.samples_menu.addAction(name, lambda k=kind, p=path: self.add_source(k, p))
        self.samples_menu.setEnabled(bool(bundled_samples()))
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.validation = QComboBox()
        self.validation.setObjectName("validationSource")
        self.validation.setToolTip("Validation data: a fraction of the training data (the split on the Fit "
                                   "tab) or another source laid out like the training source")
        self.validation.activated.connect(self._on_validation)
        top = QHBoxLayout()
        top.addWidget(self.add_button)
        top.addWidget(self.remove_button)
        top.addStretch(1)
        top.addWidget(QLabel("Validation"))
        top.addWidget(self.validation)

        # options of the selected source (CSV / image folder)
        self.delimiter = QLineEdit()
        self.delimiter.setMaxLength(1)
        self.delimiter.setFixedWidth(30)
        self.delimiter.editingFinished.connect(lambda: self._option("delimiter", self.delimiter.text() or ","))
        self.header = QCheckBox("first row names the columns")
        self.header.toggled.connect(lambda on: self._option("header", bool(on)))
        self.image_h, self.image_w = QSpinBox(), QSpinBox()
        for box in (self.image_h, self.image_w):
            box.setRange(0, 4096)
            box.setSpecialValueText("model's")
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._on_image_size)
        self.color_mode = QComboBox()
        self.color_mode.addItems(("(model's)",) + COLOR_MODES)
        self.color_mode.activated.connect(self._on_color_mode)
        self.csv_options = QWidget()
        row = QHBoxLayout(self.csv_options)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel("delimiter"), self.delimiter, self.header):
            row.addWidget(widget)
        row.addStretch(1)
        self.image_options = QWidget()
        row = QHBoxLayout(self.image_options)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel("size"), self.image_h, QLabel("×"), self.image_w, QLabel("colour"), self.color_mode):
            row.addWidget(widget)
        row.addStretch(1)

        self.mapping = QTableWidget(0, 7)
        self.mapping.setMinimumHeight(84)
        self.mapping.setObjectName("dataMapping")
        self.mapping.setHorizontalHeaderLabels(["", "Model", "Expects", "The data holds", "Source",
                                                "Array / columns", "CSV type"])
        self.mapping.verticalHeader().setVisible(False)
        header = self.mapping.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel("")
        self.status.setObjectName("dataCheckStatus")
        self.status.setWordWrap(True)
        self.status.setMaximumHeight(2 * self.status.fontMetrics().lineSpacing() + 2)  # full text: tooltip
        self.status.setTextFormat(Qt.TextFormat.RichText)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.mapping, 1)  # the check comes first: what each input gets, and whether it fits
        layout.addWidget(QLabel("Sources"))
        layout.addWidget(self.sources)
        layout.addWidget(self.csv_options)
        layout.addWidget(self.image_options)
        signal = getattr(worker, "dataChecked", None)
        if signal is not None:
            signal.connect(self._on_checked)
        worker.ready.connect(self._on_worker_ready)
        self._show_options()

    # ------------------------------------------------------------------ session
    def set_session(self, session) -> None:
        """Follow ``session`` (a DocumentSession, or None)."""
        reconnect(self.session, session, {"changed": self._on_changed})
        self.session = session
        self._checked_key = None
        self.sync()

    def _on_changed(self, doc, event) -> None:
        if self.session is not None and doc is self.session.document and event.kind != "position":
            self.sync()

    @property
    def doc(self):
        return self.session.document if self.session is not None else None

    def section(self):
        """The document's parsed data section (None: synthetic data)."""
        return data_section(self.doc) if self.doc is not None else None

    # ------------------------------------------------------------------ edits
    def _replace(self, value: dict | None) -> bool:
        try:
            edit = SetDataSection(value)
        except EditError as exc:
            self._set_status(str(exc), error=True)
            return False
        return bool(self._push(edit))

    def add_source(self, kind: str, path: str | None = None) -> bool:
        """Add a source of ``kind`` (asks for the file or folder unless ``path`` is given)."""
        if self.doc is None:
            return False
        if path is None and kind != "synthetic":
            folder = kind in ("image_folder", "text_folder")
            start = os.path.dirname(self.session.path) if self.session.path else ""
            path = self.file_dialog(self, _KIND_LABELS[kind].rstrip("…"), start, FILE_FILTERS.get(kind, ""), folder)
            if not path:
                return False
        if kind == "npz" and path and path.lower().endswith(".npy"):
            kind = "npy"
        return self._replace(add_source(self.section(), kind, path))

    def remove_selected(self) -> bool:
        """Remove the selected source (and the mappings naming it)."""
        section, row = self.section(), self.sources.currentRow()
        if section is None or not 0 <= row < len(section.sources):
            return False
        return self._replace(remove_source(section, section.sources[row].id))

    def _option(self, key: str, value) -> None:
        section, row = self.section(), self.sources.currentRow()
        if self._syncing or section is None or not 0 <= row < len(section.sources):
            return
        if getattr(section.sources[row], key) != value:
            self._replace(set_source_option(section, section.sources[row].id, key, value))

    def _on_image_size(self, *_args) -> None:
        h, w = self.image_h.value(), self.image_w.value()
        self._option("image_size", (h, w) if h and w else None)

    def _on_color_mode(self, index: int) -> None:
        self._option("color_mode", None if index <= 0 else COLOR_MODES[index - 1])

    def _on_validation(self, index: int) -> None:
        section = self.section()
        if section is not None and not self._syncing:
            choice = self.validation.itemData(index)
            self._replace(set_validation(section, None if choice == SPLIT else choice))

    def _on_binding(self, role: str, name: str, key: str, value) -> None:
        section = self.section()
        if section is not None and not self._syncing:
            new = set_binding(section, role, name, key, value)
            if new != self.doc.extra.get("data"):
                self._replace(new)

    # ------------------------------------------------------------------ view
    def sync(self) -> None:
        """Show the document's data section and re-check the mapping (pushes nothing)."""
        self._syncing = True
        try:
            section = self.section() if self.doc is not None else None
            sources = section.sources if section is not None else ()
            selected = self.sources.currentRow()
            self.sources.setRowCount(len(sources))
            for row, source in enumerate(sources):
                for column, text in enumerate((source.id, source.kind, shown_path(source.path, self.session.path))):
                    item = QTableWidgetItem(text)
                    item.setToolTip(source.path or "")
                    self.sources.setItem(row, column, item)
            if sources:
                self.sources.selectRow(min(max(selected, 0), len(sources) - 1))
            shown = min(max(len(sources), 1), 3)  # the mapping table, below, matters more
            self.sources.setFixedHeight(self.sources.horizontalHeader().height() + 4
                                        + shown * self.sources.verticalHeader().defaultSectionSize())
            self.remove_button.setEnabled(bool(sources))
            self.validation.clear()
            self.validation.addItem("split of the training data", SPLIT)
            for source in sources:
                self.validation.addItem(f"source {source.id}", source.id)
            chosen = next(iter(section.validation.values()), None) if section is not None else None
            self.validation.setCurrentIndex(max(0, self.validation.findData(chosen)) if chosen else 0)
            self.validation.setEnabled(len(sources) > 1)
            self._fill_mapping(section)
        finally:
            self._syncing = False
        self._show_options()
        self._local_check(section)

    def _fill_mapping(self, section) -> None:
        doc = self.doc
        rows = expected_shapes(doc, self.session.result()) if doc is not None else []
        self.mapping.setRowCount(len(rows))
        ids = [s.id for s in section.sources] if section is not None else []
        for row, (role, name, expected) in enumerate(rows):
            bindings = (section.inputs if role == "input" else section.outputs) if section is not None else {}
            binding = bindings.get(name)
            self.mapping.setItem(row, 0, QTableWidgetItem(role))
            self.mapping.setItem(row, 1, QTableWidgetItem(name))
            self.mapping.setItem(row, 2, QTableWidgetItem(expected))
            combo = QComboBox()
            combo.addItem(AUTO, None)
            for source_id in ids:
                combo.addItem(source_id, source_id)
            combo.setCurrentIndex(max(0, combo.findData(binding.source)) if binding and binding.source else 0)
            combo.setEnabled(section is not None)
            combo.activated.connect(
                lambda _i, c=combo, r=role, n=name: self._on_binding(r, n, "source", c.currentData()))
            self.mapping.setCellWidget(row, 4, combo)
            field = QLineEdit()
            field.setPlaceholderText("by name / default")
            field.setToolTip("The .npz array, or CSV columns (names or 0-based indexes, comma-separated)")
            if binding is not None:
                field.setText(binding.array or ", ".join(str(c) for c in binding.columns))
            field.setEnabled(section is not None)
            field.editingFinished.connect(lambda f=field, r=role, n=name: self._on_binding(r, n, "field", f.text()))
            self.mapping.setCellWidget(row, 5, field)
            value_type = QComboBox()
            value_type.addItem("(model's)", None)
            for name_ in COLUMN_TYPES:
                value_type.addItem(name_, name_)
            value_type.setCurrentIndex(max(0, value_type.findData(binding.type)) if binding and binding.type else 0)
            value_type.setEnabled(section is not None and any(s.kind == "csv" for s in section.sources))
            value_type.setToolTip("How the CSV columns are read (default: from the Input's dtype or the loss)")
            value_type.activated.connect(
                lambda _i, c=value_type, r=role, n=name: self._on_binding(r, n, "type", c.currentData()))
            self.mapping.setCellWidget(row, 6, value_type)
            self.mapping.setItem(row, 3, QTableWidgetItem(""))

    def _show_options(self) -> None:
        section, row = self.section() if self.doc is not None else None, self.sources.currentRow()
        source = section.sources[row] if section is not None and 0 <= row < len(section.sources) else None
        self.csv_options.setVisible(source is not None and source.kind == "csv")
        self.image_options.setVisible(source is not None and source.kind == "image_folder")
        if source is None:
            return
        self._syncing = True
        try:
            self.delimiter.setText(source.delimiter)
            self.header.setChecked(source.header)
            h, w = source.image_size or (0, 0)
            self.image_h.setValue(h)
            self.image_w.setValue(w)
            self.color_mode.setCurrentIndex(COLOR_MODES.index(source.color_mode) + 1 if source.color_mode else 0)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ check
    def blocking_problem(self) -> str:
        """Why Fit must wait ("" when the data is ready: synthetic, or a mapping that passed)."""
        if self.doc is None or self.doc.extra.get("data") is None:
            return ""
        if self._local_problem:
            return self._local_problem
        if self._file_problem:
            return self._file_problem
        if self._checked_key != self._key():
            return "the data mapping is being checked against the files…"
        return ""

    def _key(self) -> tuple:
        """What a file check depends on: the data section, the project folder, the model's
        inputs and outputs (names and shapes) and the losses (targets are read for a loss)."""
        import json

        doc = self.doc
        return (json.dumps(doc.extra.get("data"), sort_keys=True), self.session.path,
                tuple(expected_shapes(doc, self.session.result())), tuple(out.loss for out in doc.outputs))

    def _local_check(self, section) -> None:
        self._local_problem = ""
        if section is None:
            self._file_problem = ""
            self._set_status("No data section: the model trains on synthetic (random) data. Add a source to "
                             "train on your own files or a bundled sample.")
            self.checkChanged.emit()
            return
        rows = expected_shapes(self.doc, self.session.result())
        try:
            resolve_bindings(section, [n for r, n, _e in rows if r == "input"],
                             [n for r, n, _e in rows if r == "output"])
            if section.validation:
                resolve_bindings(section, [n for r, n, _e in rows if r == "input"],
                                 [n for r, n, _e in rows if r == "output"], "validation")
        except DataSourceError as exc:
            self._local_problem = str(exc)
            self._set_status(str(exc), error=True)
            self.checkChanged.emit()
            return
        if self._checked_key is not None and self._checked_key == self._key():
            self._show_file_check()  # nothing the check depends on changed
            return
        self._set_status("Checking the mapping against the files…")
        self.checkChanged.emit()
        self._timer.start()

    def check_files(self) -> int | None:
        """Ask the worker to read the sources and compare them with the model; returns the request id."""
        if self.doc is None or self.doc.extra.get("data") is None or self._local_problem:
            return None
        self._pending_key = self._key()
        self._check_id = self.worker.request_data_check(self.doc, self.session.path)
        return self._check_id

    def _on_worker_ready(self) -> None:
        """A (re)started worker: a check it could not answer is asked again."""
        if self._file_problem and self._lost:
            self._checked_key = None
            self.check_files()

    def _on_checked(self, reply: dict) -> None:
        if reply.get("id") != self._check_id or self._check_id is None:
            return
        self._check_id = None
        self.check_rows = list(reply.get("rows") or [])
        self._lost = bool(reply.get("lost"))
        self._file_problem = "" if reply.get("ok") else str(reply.get("message") or "the data does not fit the model")
        self._checked_key = self._pending_key
        samples = reply.get("samples")
        self._summary = (f"The data fits the model ({samples:,} samples)." if isinstance(samples, int) and samples
                         else "The data fits the model.")
        self._summary_detail = str(reply.get("summary") or "")
        self._show_file_check()

    def _show_file_check(self) -> None:
        for row in range(self.mapping.rowCount()):
            key = (self.mapping.item(row, 0).text(), self.mapping.item(row, 1).text())
            entry = next((r for r in self.check_rows if (r.get("role"), r.get("name")) == key), {})
            mark = "✓ " if entry.get("ok") else ""
            item = QTableWidgetItem(mark + str(entry.get("holds") or ("✗" if self._file_problem else "")))
            item.setToolTip(str(entry.get("origin") or self._file_problem))
            self.mapping.setItem(row, 3, item)
        if self._file_problem:
            self._set_status(self._file_problem, error=True)
        else:
            self._set_status(f"✓ {self._summary}", detail=self._summary_detail)
        self.checkChanged.emit()

    def _set_status(self, text: str, error: bool = False, detail: str = "") -> None:
        import html

        body = html.escape(text)
        self.status.setText(f'<span style="color:#b00020">{body}</span>' if error else body)
        self.status.setToolTip(detail or text)

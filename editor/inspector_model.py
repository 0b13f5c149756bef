"""The inspector's views when no single layer is selected: the model, or several nodes.

:class:`ModelView` edits the inspected model's name, its training settings (the outermost model
only, with :class:`editor.settings_form.SettingsForm`) and its outputs; :class:`MultiView`
lists the selected nodes.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel

from editor.inspector_view import InspectorView, count
from editor.inspector_widgets import muted_label, section_title, set_error
from editor.param_editors import ParamEditor
from editor.settings_form import SettingsForm
from graph_core.analysis import NAME_PATTERN
from graph_core.edits import Rename, SetSetting
from graph_core.training_settings import FIT_OPTION_PARAMS

SETTINGS_SECTIONS = (("compile", "Compile", None), ("fit", "Fit", None), ("fit", "Fit options", FIT_OPTION_PARAMS))
"""``(section, title, params)`` of the settings forms (params None: the section's own settings)."""


def _title(text: str) -> QLabel:
    return QLabel(f"<span style='font-size:12pt; font-weight:600'>{text}</span>")


class ModelView(InspectorView):
    """The model's name, training settings and outputs (see :class:`InspectorView` for the args)."""

    def __init__(self, host, doc):
        super().__init__(host, doc)
        self.settings_forms: list = []
        self.body.addWidget(_title("Model" if self.top_level else "Nested model"))
        self.add_name_row(self._rename)
        self.add_info_label()
        if self.top_level:
            for section, title, params in SETTINGS_SECTIONS:
                self.body.addWidget(section_title(title))
                form = SettingsForm(section, host.push, params=params)
                self.settings_forms.append(form)
                self.add_grid(form.grid)
                self.body.addWidget(form)
        self.body.addWidget(section_title("Outputs"))
        if not doc.outputs:
            self.body.addWidget(muted_label("No output yet: select the last layer and mark it as a model output."))
        for k, out in enumerate(doc.outputs):
            self.add_output_editor(k, f"{k}. {doc.node_label(out.node) if out.node in doc.nodes else out.node}")
        if not self.top_level:
            self.body.addWidget(muted_label("Losses and training settings belong to the outermost model."))
        self.finish()

    def editor(self, name: str) -> ParamEditor | None:
        return next((form.editor(name) for form in self.settings_forms if form.editor(name) is not None), None)

    def sync(self) -> None:
        self.show_name(self.doc.name)
        for form in self.settings_forms:
            form.sync(self.doc)
        super().sync()

    def sync_info(self) -> None:
        doc = self.doc
        text = " · ".join(count(n, word) for n, word in (
            (len(doc.layers), "layer"), (len(doc.nodes), "node"), (len(doc.input_nodes()), "input"),
            (len(doc.outputs), "output")))
        result = self.host.result()
        if result is not None:
            text += f"<br>{result.params_text()} ({result.trainable:,} trainable)"
        text += "".join("<br>" + html.escape(x) for x in self.host.provided_lines(doc, []))
        self.info_label.setText(text)

    def _rename(self) -> None:
        name = self.name_edit.text().strip()
        if name == self.doc.name:
            set_error(self.name_error, "")
            return
        if not NAME_PATTERN.match(name):
            set_error(self.name_error, f"{name!r} is not a valid model name: use letters, digits and "
                                        f"underscores, starting with a letter")
            return
        link = self.doc.parent_link
        if link is not None:  # a nested model is named by its Model layer in the parent graph
            parent, layer_id = link
            ok, message = self.host.push_with_message(Rename(layer_id, name), parent)
        else:
            ok, message = self.host.push_with_message(SetSetting("model", "name", name))
        set_error(self.name_error, "" if ok else message)


class MultiView(InspectorView):
    """Several nodes are selected: their names (see :class:`InspectorView` for the args)."""

    def __init__(self, host, doc, node_ids: list):
        super().__init__(host, doc)
        self.body.addWidget(_title(f"{len(node_ids)} nodes selected"))
        names = ", ".join(doc.node_label(n) for n in node_ids[:12])
        self.body.addWidget(muted_label(names + (", …" if len(node_ids) > 12 else "")))
        self.body.addWidget(muted_label("Select a single node to edit its layer."))
        self.finish()

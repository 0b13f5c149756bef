"""The inspector's "Call" section: what one call of a layer passes besides its main inputs.

Non-tensor keywords are edited here (``training``: default / true / false; the layer's own
keywords such as ``use_causal_mask`` and ``return_attention_scores`` as check boxes), each change
one undoable :class:`~graph_core.call_edits.SetCallKeyword`; keyword tensor inputs
(``initial_state``, ``mask``…) are listed with where they come from, and the free keyword ports
are named so a wire can be dragged onto them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QWidget

from editor.inspector_widgets import muted_label, section_title
from graph_core.call_edits import SetCallKeyword, free_keyword_ports, keyword_port_name
from graph_core.layer_kinds import call_spec_for, kind_of

TRAINING_CHOICES = (("default", None), ("true (always training)", True), ("false (always inference)", False))
"""The ``training`` combo's entries: its text and the keyword value (None: not passed)."""


class CallSection:
    """The widgets of one call's keywords, added to ``view.body``.

    Args:
        view: the :class:`editor.inspector_layer.LayerView` (its ``host`` pushes the edits).
        node_id: the call shown.

    Attributes:
        training: the ``training`` combo box.
        checks: keyword name -> its check box (``use_causal_mask``…).
        inputs_label: the list of keyword tensor inputs and free keyword ports.
    """

    def __init__(self, view, node_id: str):
        self.view = view
        self.node_id = node_id
        layer = view.doc.layer_of(node_id)
        call = call_spec_for(layer)
        view.body.addWidget(section_title("Call"))
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.training = QComboBox()
        for text, _value in TRAINING_CHOICES:
            self.training.addItem(text)
        self.training.setToolTip("training=… passed to this call: true keeps Dropout and BatchNormalization in "
                                 "training mode even at inference (Monte-Carlo dropout); false freezes them, "
                                 "e.g. a pretrained base model being fine-tuned")
        self.training.activated.connect(self._training_chosen)
        form.addRow(QLabel("training"), self.training)
        self.checks: dict = {}
        for name in call.keywords:
            check = QCheckBox()
            check.setObjectName(f"call_{name}")
            check.setToolTip(f"{name}=True passed to this call")
            check.toggled.connect(lambda on, key=name: self._flag_toggled(key, on))
            self.checks[name] = check
            form.addRow(QLabel(name), check)
        view.body.addWidget(box)
        self.inputs_label = muted_label()
        view.body.addWidget(self.inputs_label)
        self.sync()

    def _node(self):
        return self.view.doc.nodes.get(self.node_id)

    def _training_chosen(self, index: int) -> None:
        node = self._node()
        value = TRAINING_CHOICES[index][1]
        if node is not None and node.call_kwargs.get("training") != value:
            self.view.host.push(SetCallKeyword(self.node_id, "training", value))

    def _flag_toggled(self, name: str, on: bool) -> None:
        node = self._node()
        if node is not None and bool(node.call_kwargs.get(name)) != on:
            self.view.host.push(SetCallKeyword(self.node_id, name, True if on else None))

    def sync(self) -> None:
        """Show the call's current keywords."""
        node = self._node()
        if node is None:
            return
        doc = self.view.doc
        value = node.call_kwargs.get("training")
        index = next((k for k, (_t, v) in enumerate(TRAINING_CHOICES) if v is value), 0)
        self.training.blockSignals(True)
        self.training.setCurrentIndex(index)
        self.training.blockSignals(False)
        for name, check in self.checks.items():
            check.blockSignals(True)
            check.setChecked(bool(node.call_kwargs.get(name)))
            check.blockSignals(False)
        lines = []
        for name, refs in node.keyword_refs().items():
            sources = ", ".join(f"'{doc.node_label(r.node)}'" + (f" [{r.index}]" if r.index else "") for r in refs)
            lines.append(f"{name}: {sources}")
        free = [keyword_port_name(doc, self.node_id, k, i) for k, i in free_keyword_ports(doc, self.node_id)]
        if free:
            lines.append("drag a wire onto the " + ", ".join(free) + " port" + ("s" if len(free) > 1 else "")
                         + " to pass a tensor there")
        self.inputs_label.setText("\n".join(lines))
        self.inputs_label.setVisible(bool(lines))


def shows_call_section(doc, node_ids: list) -> bool:
    """The section is shown for one selected call of anything but an Input."""
    return len(node_ids) == 1 and node_ids[0] in doc.nodes and kind_of(doc.layer_of(node_ids[0])) != "input"

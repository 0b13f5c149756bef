"""Document → Python source a person would be happy to have written (pure text, no Keras).

The exported module imports ``keras`` and ``from keras import layers``, builds the model in a
``build_model()`` function (each nested model gets its own ``build_<name>()``), compiles it with
per-output dicts keyed by output name, and under ``if __name__ == "__main__":`` fits it on
random numpy data drawn with the same rules and seed as LayerLoom's synthetic fit.

Safety: text from the document reaches the source only as ``repr()`` string literals and as
identifiers reduced to ``[A-Za-z0-9_]``; comments and docstrings hold fixed text only.
"""

from __future__ import annotations

from codegen.build import compile_settings, used_nodes
from codegen.data_plan import DataPlan, plan_data
from codegen.errors import ExportRefused
from codegen.export_classes import CLASS_SOURCES, class_definitions
from codegen.operation_source import operation_expr
from codegen.source_expr import (
    INDENT,
    WIDTH,
    Call,
    Expr,
    Kw,
    Pair,
    Raw,
    Scope,
    Seq,
    _is_name,
    identifier,
    literal,
    statement,
    string,
)
from codegen.synthetic_source import _dynamic_target_expr, _size, _target_expr
from codegen.synthetic_text import string_source
from graph_core import allow_list, catalog
from graph_core.analysis import check
from graph_core.document import Document, Layer
from graph_core.layer_kinds import call_arguments, call_output_count, kind_of
from graph_core.training_settings import DEFAULT_COMPILE, DEFAULT_FIT, OPTIMIZERS

__all__ = ["export_python", "identifier", "positional_params", "string"]


POSITIONAL_WHEN_SET = ("pool_size",)
"""Optional first arguments written positionally as Keras examples do (``MaxPooling1D(5)``)."""

MODULE_NAMES = ("build_model", "make_data", "model", "x", "y", "history", "epoch", "loss",
                "per_output", "name", "values", *CLASS_SOURCES)
"""Names used at the module level of the exported file."""

_TUPLE_KINDS = ("int_tuple", "shape", "axes")


# --------------------------------------------------------------------------- the exporter
class _Exporter:
    def __init__(self, doc: Document, script_path=None, result=None):
        self.doc = doc
        self.script_path = script_path
        self.result = result  # the document's check result, when the caller has it
        self.module = Scope(MODULE_NAMES)
        self.builders: dict = {}  # id(layer) -> function name
        self.functions: list = []
        self.uses_layers = False
        self.defined_classes: set = set()  # keras.applications internals the script defines
        self._type_facts: dict = {}  # layer type -> (defaults, param kinds, is a wrapper), once per type
        self._used: dict = {}  # id(document) -> its nodes to write, in order (each worked out once)
        self._name_builders(doc)

    def used_nodes(self, doc: Document) -> list:
        """The nodes of ``doc`` to write, in topological order (document order when there is a cycle)."""
        nodes = self._used.get(id(doc))
        if nodes is None:
            acyclic = doc is self.doc and self.result is not None and not any(
                p.code == "graph.cycle" for p in self.result.problems)  # the check found no cycle
            nodes = self._used[id(doc)] = _used_nodes(doc, acyclic)
        return nodes

    def _name_builders(self, doc: Document) -> None:
        for nid in self.used_nodes(doc):
            layer = doc.layer_of(nid)
            if kind_of(layer) == "model" and layer.subgraph is not None and id(layer) not in self.builders:
                self.builders[id(layer)] = self.module.take(f"build_{layer.name}")
                self._name_builders(layer.subgraph)

    # ---------------------------------------------------------------- layer constructors
    def layer_expr(self, layer: Layer) -> Expr:
        kind = kind_of(layer)
        if kind == "model":
            return Call(self.builders[id(layer)], [])
        if kind == "application":
            return self.application_expr(layer)
        return self.plain_layer_expr(layer.type, layer.config, layer.name)

    def application_expr(self, layer: Layer) -> Expr:
        app = layer.config.get("application")
        if _is_name(app):
            func: Expr = Raw(f"keras.applications.{app}")
        else:
            func = Call("getattr", [Raw("keras.applications"), Raw(string(app))])
        kwargs = [Kw(k, literal(v, as_tuple=k == "input_shape")) for k, v in layer.config.items()
                  if k not in ("application", "name") and _is_name(k)]
        kwargs.append(Kw("name", Raw(string(layer.name))))
        return Call(func, kwargs)

    def plain_layer_expr(self, layer_type: str, config: dict, name: str | None) -> Expr:
        self.uses_layers = True
        spec = catalog.get_spec(layer_type)
        if spec is None:
            return self.generic_expr(layer_type, config, name)
        resolved = _safe_resolve(layer_type, config)
        facts = self._type_facts.get(layer_type)
        if facts is None:
            facts = self._type_facts[layer_type] = (_safe_resolve(layer_type, {}),
                                                    {p.name: p.kind for p in spec.params}, spec.is_wrapper)
        defaults, kinds, is_wrapper = facts
        args: list = []
        if is_wrapper:
            inner = config.get("layer") if isinstance(config.get("layer"), dict) else {}
            inner_config = inner.get("config") if isinstance(inner.get("config"), dict) else {}
            args.append(self.plain_layer_expr(str(inner.get("type", "Layer")), inner_config, None))
        positional = positional_params(layer_type, config)
        for key in positional:
            args.append(literal(config[key], as_tuple=kinds.get(key) in _TUPLE_KINDS))
        for key in config:
            if key in positional or key == "name" or (key == "layer" and is_wrapper):
                continue
            if key in defaults and _same(resolved.get(key), defaults[key]):
                continue
            if _is_name(key):
                args.append(Kw(key, literal(config[key], as_tuple=kinds.get(key) in _TUPLE_KINDS)))
        if name is not None:
            args.append(Kw("name", Raw(string(name))))
        if layer_type in CLASS_SOURCES:
            self.defined_classes.add(layer_type)
            return Call(layer_type, args)
        return Call(f"layers.{layer_type}", args)

    def generic_expr(self, layer_type: str, config: dict, name: str | None) -> Expr:
        """A Keras layer outside the catalog: its raw config passed through (minus the base
        Layer defaults ``trainable=True`` and a float32 dtype policy, which change nothing)."""
        conf = {k: v for k, v in config.items() if k != "name" and not _base_default(k, v)}
        if _is_name(layer_type) and all(_is_name(k) for k in conf):
            args = [Kw(k, literal(v)) for k, v in conf.items()]
            if name is not None:
                args.append(Kw("name", Raw(string(name))))
            return Call(f"layers.{layer_type}", args)
        if name is not None:
            conf["name"] = name
        return Call("layers.deserialize", [literal({"class_name": layer_type, "config": conf})])

    @staticmethod
    def input_expr(layer: Layer) -> Expr:
        config = layer.config
        shape = config.get("shape")
        args = [Kw("shape", literal(list(shape) if isinstance(shape, (list, tuple)) else shape,
                                    as_tuple=True))]
        if config.get("dtype") not in (None, "float32"):
            args.append(Kw("dtype", literal(config["dtype"])))
        if config.get("batch_size") is not None:
            args.append(Kw("batch_size", literal(config["batch_size"])))
        if config.get("sparse"):
            args.append(Kw("sparse", literal(config["sparse"])))
        args.append(Kw("name", Raw(string(layer.name))))
        return Call("keras.Input", args)

    # ---------------------------------------------------------------- graph functions
    def graph_function(self, doc: Document, func_name: str, model_name: str, top: bool) -> None:
        """Append the function building ``doc`` (after those of its nested models)."""
        nodes = self.used_nodes(doc)
        calls: dict = {}
        for nid in nodes:
            calls.setdefault(doc.nodes[nid].layer, []).append(nid)
        for lid in calls:
            layer = doc.layers[lid]
            if kind_of(layer) == "model" and layer.subgraph is not None:
                self.graph_function(layer.subgraph, self.builders[id(layer)], layer.name, top=False)
        scope = Scope(set(self.builders.values()) | {"build_model", "make_data", "model", *CLASS_SOURCES})
        primary = {lid: scope.take(doc.layers[lid].name) for lid in calls}
        instance = {lid for lid in calls
                    if kind_of(doc.layers[lid]) in ("model", "application")
                    or (doc.layers[lid].type != "Input" and len(calls[lid]) > 1)}
        operations = {lid for lid in calls if kind_of(doc.layers[lid]) == "operation"}
        names: dict = {}
        exposed: dict = {}  # node id -> the highest of its output indices the model exposes
        for out in doc.outputs:
            exposed[out.node] = max(exposed.get(out.node, 0), out.index)
        for nid in nodes:
            lid = doc.nodes[nid].layer
            if lid not in instance or (lid in operations and len(calls[lid]) == 1):
                base = primary[lid]
            elif len(calls[lid]) > 1:
                base = scope.take(f"{primary[lid]}_{calls[lid].index(nid) + 1}")
            else:
                base = scope.take(f"{primary[lid]}_output")
            count = _output_count(doc, nid, exposed)
            names[nid] = [base] if count == 1 else [scope.take(f"{base}_{i}") for i in range(count)]
        doc_line = "Build and compile the model." if top else "Build a nested model (used as a layer)."
        lines = [f"def {func_name}():", f'{INDENT}"""{doc_line}"""']
        declared = set()
        for nid in nodes:
            node = doc.nodes[nid]
            layer = doc.layers[node.layer]
            target = ", ".join(names[nid])
            if layer.type == "Input":
                lines.append(statement(1, target, self.input_expr(layer)))
                continue
            if layer.id in operations:  # x + y, x[:, :4], keras.ops.mean(x, axis=-1): no instance
                operands = [Raw(_ref_name(names, ref)) for ref in node.inputs]
                lines.append(statement(1, target, operation_expr(layer, operands)))
                continue
            positional, keywords = call_arguments(
                layer, node, [Raw(_ref_name(names, ref)) for ref in node.inputs],
                lambda items: Seq("[", items, "]"))
            args = positional + [Kw(k, v if isinstance(v, Expr) else literal(v)) for k, v in keywords.items()
                                 if _is_name(k)]
            if layer.id in instance:
                var = primary[layer.id]
                if layer.id not in declared:
                    declared.add(layer.id)
                    lines.append(statement(1, var, self.layer_expr(layer)))
                lines.append(statement(1, target, Call(var, args)))
            else:
                lines.append(statement(1, target, Call(self.layer_expr(layer), args)))
        inputs = [Raw(names[n][0]) for n in doc.input_nodes() if n in names]
        outputs = [Raw(_ref_name(names, out.ref)) for out in doc.outputs]
        model_call = Call("keras.Model", [
            Kw("inputs", inputs[0] if len(inputs) == 1 else Seq("[", inputs, "]")),
            Kw("outputs", outputs[0] if len(outputs) == 1 else Seq("[", outputs, "]")),
            Kw("name", Raw(string(model_name))),
        ])
        if top:
            lines.append(statement(1, "model", model_call))
            lines.append(statement(1, None, Call("model.compile", self.compile_args())))
            lines.append(INDENT + "return model")
        else:
            lines.append(statement(1, None, model_call, keyword_="return "))
        self.functions.append("\n".join(lines))

    def compile_args(self) -> list:
        name = str(self.doc.compile.get("optimizer", DEFAULT_COMPILE["optimizer"]))
        rate = literal(self.doc.compile.get("learning_rate", DEFAULT_COMPILE["learning_rate"]))
        cls = OPTIMIZERS.get(name.lower())
        if cls is not None:
            optimizer = Call(f"keras.optimizers.{cls}", [Kw("learning_rate", rate)])
        else:
            optimizer = Call("keras.optimizers.get", [Seq("{", [
                Pair(Raw(string("class_name")), Raw(string(name))),
                Pair(Raw(string("config")), Seq("{", [Pair(Raw(string("learning_rate")), rate)], "}")),
            ], "}")])
        args = [Kw("optimizer", optimizer)]
        for key, value in compile_settings(self.doc).items():
            args.append(Kw(key, literal(value)))
        return args

    # ---------------------------------------------------------------- data and main
    def data_function(self, plan: DataPlan, dynamic: bool) -> str:
        scope = Scope(set(self.builders.values())
                      | {"build_model", "make_data", "rng", "num_samples", "seed", "model"})
        params = "model, num_samples, seed=0" if dynamic else "num_samples, seed=0"
        lines = [f"def make_data({params}):",
                 f'{INDENT}"""Random inputs and targets shaped like the real data."""',
                 statement(1, "rng", Call("np.random.default_rng", [Raw("seed")]))]
        input_vars = []
        for item in plan.inputs:
            var = scope.take(item.name)
            input_vars.append(var)
            size = _size(item.shape)
            if item.kind == "float":
                dtype = "np.float64" if item.dtype == "float64" else "np.float32"
                expr: Expr = Call("rng.random", [size, Kw("dtype", Raw(dtype))])
            elif item.kind in ("ids", "int"):
                expr = Call("rng.integers", [Raw("0"), literal(int(item.high)), Kw("size", size),
                                             Kw("dtype", Raw(string(item.dtype)))])
            elif item.kind == "bool":
                expr = Raw(f"rng.random({size.flat()}) < 0.5")
            elif item.kind in ("text", "tokens"):
                expr = Raw(string_source(item.kind, item.words, size.flat()))
            else:
                expr = Call("np.zeros", [size, Kw("dtype", Raw(string(item.dtype)))])
            lines.append(statement(1, var, expr))
        target_vars = []
        for k, item in enumerate(plan.targets):
            var = scope.take(item.name)
            target_vars.append(var)
            if item.shape is not None:
                lines.append(statement(1, var, _target_expr(item, item.shape)))
            else:
                shape = scope.take(f"{item.name}_shape")
                lines.append(statement(1, shape, Call("tuple", [Raw(f"model.outputs[{k}].shape[1:]")])))
                lines.append(statement(1, var, _dynamic_target_expr(item, shape)))
        if len(input_vars) == 1:
            x: Expr = Raw(input_vars[0])
        else:
            x = Seq("{", [Pair(Raw(string(i.name)), Raw(v)) for i, v in zip(plan.inputs, input_vars)],
                    "}")
        if len(target_vars) == 1:
            y: Expr = Raw(target_vars[0])
        elif plan.keyed_outputs:
            y = Seq("{", [Pair(Raw(string(t.name)), Raw(v)) for t, v in zip(plan.targets, target_vars)],
                    "}")
        else:
            y = Seq("[", [Raw(v) for v in target_vars], "]")
        flat = f"{INDENT}return {x.flat()}, {y.flat()}"
        if len(flat) <= WIDTH:
            lines.append(flat)
        else:
            lines.append(statement(1, None, Seq("(", [x, y], ")"), keyword_="return "))
        return "\n".join(lines)

    def main_block(self, dynamic: bool) -> str:
        fit = self.doc.fit
        seed = literal(int(fit.get("seed", DEFAULT_FIT["seed"])))
        lines = ['if __name__ == "__main__":',
                 statement(1, None, Call("keras.utils.set_random_seed", [seed])),
                 statement(1, "model", Call("build_model", [])),
                 statement(1, None, Call("model.summary", []))]
        if not any(out.loss for out in self.doc.outputs):
            lines.append(statement(1, None, Call("print", [Raw(string(
                "no output has a loss: choose one to train the model"))])))
            return "\n".join(lines)
        data_args = ([Raw("model")] if dynamic else []) + [
            literal(int(fit.get("samples", DEFAULT_FIT["samples"]))), Kw("seed", seed)]
        lines.append(statement(1, "x, y", Call("make_data", data_args)))
        lines.append(statement(1, "history", Call("model.fit", [
            Raw("x"), Raw("y"), Kw("epochs", literal(int(fit.get("epochs", DEFAULT_FIT["epochs"])))),
            Kw("batch_size", literal(int(fit.get("batch_size", DEFAULT_FIT["batch_size"]))))])))
        lines.append(f'{INDENT}for epoch, loss in enumerate(history.history["loss"]):')
        if len(self.doc.outputs) == 1:
            lines.append(f'{INDENT * 2}print(f"epoch {{epoch + 1}}: loss {{loss:.4f}}")')
        else:
            lines.extend([
                f'{INDENT * 2}per_output = ", ".join(',
                f'{INDENT * 3}f"{{name}} {{values[epoch]:.4f}}"',
                f"{INDENT * 3}for name, values in history.history.items()",
                f'{INDENT * 3}if name.endswith("_loss")',
                f"{INDENT * 2})",
                f'{INDENT * 2}print(f"epoch {{epoch + 1}}: loss {{loss:.4f}} ({{per_output}})")',
            ])
        return "\n".join(lines)

    def export(self) -> str:
        self.graph_function(self.doc, "build_model", self.doc.name, top=True)
        from codegen.data_export import has_file_data, training_script

        if has_file_data(self.doc):  # train on the configured data (codegen/data_export.py)
            return training_script(self.doc, self.functions, self.uses_layers, self.script_path, self.result)
        plan = plan_data(self.doc, self.result)
        dynamic = any(t.shape is None for t in plan.targets)
        parts = (class_definitions(self.defined_classes) + self.functions
                 + [self.data_function(plan, dynamic), self.main_block(dynamic)])
        header = ['"""A Keras Functional-API model, exported by LayerLoom.',
                  "",
                  "Run this file to fit the model on random data shaped like the real data.",
                  '"""',
                  "",
                  "import keras",
                  "import numpy as np"]
        if any(item.kind in ("text", "tokens") for item in plan.inputs):
            header.append("import tensorflow as tf")
        if self.uses_layers:
            header.append("from keras import layers")
        return "\n".join(header) + "\n\n\n" + "\n\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- helpers
def positional_params(layer_type: str, config: dict) -> list:
    """The arguments written positionally, as Keras examples do: the leading required ones
    (``Dense(32)``, ``Conv2D(64, 3)``, ``Embedding(1000, 64)``) and ``pool_size`` of pooling
    layers (``MaxPooling1D(5)``); none for wrappers and types whose catalog entry asks for
    keywords (``keyword_constructor``)."""
    spec = catalog.get_spec(layer_type)
    if spec is None or spec.keyword_constructor or spec.is_wrapper:
        return []
    names = []
    for p in spec.params:
        if p.name not in config or not (p.required or p.name in POSITIONAL_WHEN_SET):
            break
        names.append(p.name)
    return names


def _ref_name(names: dict, ref) -> str:
    produced = names.get(ref.node)
    if produced is None:
        return "None"
    if ref.index < len(produced):
        return produced[ref.index]
    return f"{produced[0]}[{int(ref.index)}]"


def _output_count(doc: Document, nid: str, exposed: dict) -> int:
    """How many tensors a call returns (unpacked into that many variables); ``exposed`` maps a
    node to the highest output index the model exposes of it."""
    wanted = 1 + max([doc.nodes[c].inputs[slot].index for c, slot in doc._consumers.get(nid, ())]
                     + [exposed.get(nid, 0)])
    return max(call_output_count(doc.layer_of(nid), doc.nodes[nid]), wanted)


def _base_default(key: str, value) -> bool:
    """True for arguments every Keras layer has, at their default (left out of the code)."""
    if key == "trainable":
        return value is True
    if key == "dtype":
        if value == "float32":
            return True
        return (isinstance(value, dict) and value.get("class_name") == "DTypePolicy"
                and value.get("config") == {"name": "float32"})
    return False


def _safe_resolve(layer_type: str, config: dict) -> dict:
    try:
        return catalog.resolve_config(layer_type, config)
    except Exception:
        return dict(config)


def _same(a, b) -> bool:
    return _norm(a) == _norm(b)


def _norm(value):
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _norm(v)) for k, v in value.items()))
    return value


def _used_nodes(doc: Document, acyclic: bool = False) -> list:
    """The nodes to write, in topological order (document order when there is a cycle)."""
    try:
        return used_nodes(doc, acyclic)
    except Exception:
        return list(doc.nodes)


def export_python(doc: Document, script_path=None, result=None) -> str:
    """Write the Python source of a document's model.

    Args:
        doc: the document (should be valid; an invalid one still gives parseable code).
        script_path: where the script will be written; a document whose ``data`` section
            reads files gets a training script (:mod:`codegen.data_export`) whose data paths
            are relative to that folder (None: the working folder).
        result: the document's current check result (:func:`graph_core.check`), when the
            caller has one: the export then does not check the model again.

    Returns:
        The text of a Python module defining ``build_model()`` (the compiled model) and
        ``make_data(num_samples, seed=0)``, whose ``__main__`` block fits the model on that data
        and prints the losses per epoch. Importing the module trains nothing.
    """
    refuse_disallowed(doc)
    try:
        return _Exporter(doc, script_path, result).export()
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError):
        errors = check(doc).errors  # a value the code cannot be written for is one the check names
        if not errors:
            raise
        raise ExportRefused(f"cannot export: the model is invalid: {errors[0].message}") from None


def refuse_disallowed(doc: Document) -> None:
    """Raise :class:`ExportRefused` when the allow-list refuses anything in ``doc``: the export
    never writes a constructor the build would refuse, nor an argument naming a file.

    Raises:
        ExportRefused: naming the first refused value and its JSON path.
    """
    problems = allow_list.document_problems(doc)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ExportRefused(f"cannot export: {problems[0].path}: {problems[0].message}{more}")

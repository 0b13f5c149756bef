"""Read Keras Functional-API source symbolically: statements in, layer calls and models out.

Nothing in the source runs. Each statement is matched against the forms Keras code uses
(imports, assignments of layers, tensors and models, ``model.compile``, ``seq.add``, function
definitions called later); everything else raises :class:`SourceImportError` with the line
and column. Calls that only train or report (``model.fit``, ``model.summary()``, ``print``)
are skipped and listed in :attr:`Reader.notes`.
"""

from __future__ import annotations

import ast

from graph_core.source_import import keras_api
from graph_core.source_import.compile_args import read_compile
from graph_core.source_import.models import (
    bind_arguments,
    model_value,
    output_count,
    sequential_item,
    sequential_value,
    tensor_list,
)
from graph_core.source_import.values import (
    MAX_CALLS,
    ApplicationValue,
    Call,
    FunctionValue,
    InputValue,
    LayerLike,
    LayerValue,
    ModelLike,
    ModelValue,
    Module,
    SequentialValue,
    TensorValue,
    describe,
    fail,
    is_literal,
    literal_value,
)

MAX_DEPTH = 16
"""Deepest chain of calls to functions the source defines."""

MAX_STEPS = 200_000
"""Most statements read in all (functions calling functions cannot make the reading endless)."""

SUPPORTED = ("supported: imports of keras/tensorflow.keras, keras.Input, layers.X(...)(tensor), "
             "shared layers, Sequential, merge helpers, keras.Model, keras.applications, "
             "model.compile, and functions that build models")


class Ignored:
    """The result of a call that does not change the architecture (``model.fit``)."""


IGNORED = Ignored()


class _Return(Exception):
    def __init__(self, value):
        self.value = value


class Reader:
    """Walks a parsed module and records layer calls and models.

    Attributes:
        calls: every layer call, in the order the code makes them.
        models: ``(name, model value)`` for each module-level assignment of a model.
        notes: what was skipped, as ``"line N: ..."``.
        fit: fit settings found (``epochs``, ``batch_size``, ``samples``, ``seed``).
    """

    def __init__(self):
        self.calls: list = []
        self.models: list = []
        self.notes: list = []
        self.fit: dict = {}
        self.module_env: dict = {}
        self._depth = 0
        self._steps = 0
        self._once: dict = {}

    def bind_input(self, name: str, config: dict) -> None:
        """Bind ``name`` to a ``keras.Input`` with ``config`` before the source is read."""
        value = InputValue(dict(config), None, var=name)
        call = Call(value, [], 1, 0, len(self.calls))
        self.calls.append(call)
        self.module_env[name] = TensorValue(call, 0)

    # ------------------------------------------------------------------ statements
    def run_module(self, tree: ast.Module) -> None:
        """Read every statement of the module."""
        self._once[id(tree)] = _assigned_once(tree.body)
        self._block(tree.body, self.module_env, top=True, once=self._once[id(tree)])

    def _block(self, body: list, env: dict, top: bool, once: set, run_section: bool = False) -> None:
        for stmt in body:
            self._statement(stmt, env, top, once, run_section)

    def _statement(self, stmt: ast.stmt, env: dict, top: bool, once: set, run_section: bool) -> None:
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise fail(stmt, f"reading the source takes more than {MAX_STEPS:,} steps (functions "
                             f"calling each other many times); it is refused")
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._import(stmt, env)
        elif isinstance(stmt, ast.Assign):
            value = self.expr(stmt.value, env)
            for target in stmt.targets:
                self._bind(target, value, env, top, once, stmt)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and stmt.simple:
            self._bind(stmt.target, self.expr(stmt.value, env), env, top, once, stmt)
        elif isinstance(stmt, ast.Expr):
            self._expression_statement(stmt, env)
        elif isinstance(stmt, ast.FunctionDef):
            if stmt.decorator_list:
                raise fail(stmt.decorator_list[0], "decorated functions are not supported")
            env[stmt.name] = FunctionValue(stmt, env)
        elif isinstance(stmt, ast.If) and top and _is_main_guard(stmt.test) and not stmt.orelse:
            self._block(stmt.body, env, top, once, run_section=True)
        elif isinstance(stmt, ast.Return) and not top:
            raise _Return(self.expr(stmt.value, env) if stmt.value is not None else None)
        elif isinstance(stmt, ast.Pass):
            return
        elif run_section and isinstance(stmt, (ast.For, ast.While)):
            self.notes.append(f"line {stmt.lineno}: skipped a loop of the run section "
                              f"(it only reports training)")
        else:
            raise fail(stmt, f"{_statement_kind(stmt)} is not supported in a model definition; "
                             f"{SUPPORTED}")

    def _import(self, stmt, env: dict) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                _check_root(stmt, alias.name)
                if alias.asname:
                    env[alias.asname] = Module(keras_api.normalize(alias.name))
                else:
                    root = alias.name.split(".")[0]
                    env[root] = Module(root)
            return
        if stmt.level or stmt.module is None:
            raise fail(stmt, "relative imports are not supported")
        _check_root(stmt, stmt.module)
        for alias in stmt.names:
            if alias.name == "*":
                raise fail(stmt, f"'from {stmt.module} import *' is not supported; import names")
            env[alias.asname or alias.name] = Module(keras_api.normalize(f"{stmt.module}.{alias.name}"))

    def _bind(self, target: ast.AST, value, env: dict, top: bool, once: set, stmt) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
            _name_value(value, target.id, target.id in once)
            if top and isinstance(value, ModelLike):
                self.models.append((target.id, value))
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if not isinstance(value, (tuple, list)) or len(value) != len(target.elts):
                count = len(value) if isinstance(value, (tuple, list)) else 1
                raise fail(target, f"cannot unpack {count} value(s) into {len(target.elts)} names")
            for sub, item in zip(target.elts, value):
                self._bind(sub, item, env, top, once, stmt)
            return
        raise fail(target, f"assigning to {describe(target)} is not supported; assign to a name")

    def _expression_statement(self, stmt: ast.Expr, env: dict) -> None:
        node = stmt.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return  # a docstring
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print" \
                and "print" not in env and "print" not in self.module_env:
            self.notes.append(f"line {stmt.lineno}: skipped print(...)")
            return
        self.expr(node, env)

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.AST, env: dict):
        """The symbolic value of an expression."""
        if isinstance(node, ast.Name):
            return self.lookup(node, env)
        if isinstance(node, ast.Constant) or isinstance(node, ast.UnaryOp):
            return literal_value(node, lambda n: self.lookup(n, env))
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.expr(item, env) for item in node.elts]
            if all(is_literal(v) for v in items):
                return literal_value(node, lambda n: self.lookup(n, env))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise fail(node, "** inside a dict literal is not supported")
            out = {}
            for key, value in zip(node.keys, node.values):
                k = literal_value(key, lambda n: self.lookup(n, env))
                if not isinstance(k, str):
                    raise fail(key, "dict keys must be strings")
                out[k] = self.expr(value, env)
            return out
        if isinstance(node, ast.Attribute):
            base = self.expr(node.value, env)
            if isinstance(base, Module):
                return Module(keras_api.normalize(f"{base.path}.{node.attr}"))
            raise fail(node, f"{describe(node)} is not supported; use the tensors and layers "
                             f"the code assigns to names")
        if isinstance(node, ast.Subscript):
            base = self.expr(node.value, env)
            if isinstance(base, (tuple, list)) and not is_literal(base):
                index = literal_value(node.slice, lambda n: self.lookup(n, env))
                if isinstance(index, int) and not isinstance(index, bool) and -len(base) <= index < len(base):
                    return base[index]
            raise fail(node, "indexing is supported only to pick one output of a layer or model "
                             "(outputs[0]); slicing tensors is not supported")
        if isinstance(node, ast.Call):
            return self.call(node, env)
        raise fail(node, f"{describe(node)} is not supported; {SUPPORTED}")

    def lookup(self, node: ast.Name, env: dict):
        """The value of a name, or an error naming the line where it is used undefined."""
        if node.id in env:
            return env[node.id]
        if node.id in self.module_env:
            return self.module_env[node.id]
        raise fail(node, f"name '{node.id}' is used but never defined in this source (only names "
                         f"it assigns, defines or imports from keras are known)")

    def call(self, node: ast.Call, env: dict):
        """The value of a call expression."""
        if isinstance(node.func, ast.Attribute):
            method = self._method_call(node, env)
            if method is not None:
                return method
        func = self.expr(node.func, env)
        if isinstance(func, Module):
            return self._module_call(func.path, node, env)
        if isinstance(func, LayerLike):
            return self.apply(func, node, env)
        if isinstance(func, FunctionValue):
            return self._function_call(func, node, env)
        raise fail(node, f"calling {describe(node.func) if not isinstance(node.func, ast.Name) else repr(node.func.id)}"
                         f" is not supported: it is not a Keras layer, model or a function this "
                         f"source defines")

    def arguments(self, node: ast.Call, env: dict) -> tuple:
        """``([(node, value)], {name: (node, value)})`` of a call's arguments."""
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise fail(arg, "*arguments are not supported")
            args.append((arg, self.expr(arg, env)))
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise fail(kw.value, "**arguments are not supported")
            kwargs[kw.arg] = (kw.value, self.expr(kw.value, env))
        return args, kwargs

    def _method_call(self, node: ast.Call, env: dict):
        base_node, method = node.func.value, node.func.attr
        base = self.expr(base_node, env)
        if isinstance(base, Module):
            return None
        if isinstance(base, ModelLike) and method in keras_api.IGNORED_METHODS:
            if method == "fit":
                self._fit_settings(node, env)
            self.notes.append(f"line {node.lineno}: skipped {method}(...) (it does not change "
                              f"the architecture)")
            return IGNORED
        if isinstance(base, ModelLike) and method == "compile":
            base.compile = read_compile(self, node, env)
            return IGNORED
        if isinstance(base, SequentialValue) and method == "add":
            args, kwargs = self.arguments(node, env)
            if len(args) != 1 or kwargs:
                raise fail(node, "Sequential.add takes one layer")
            base.layers.append(sequential_item(args[0][0], args[0][1]))
            return IGNORED
        raise fail(node.func, f"the method '{method}' is not supported here; {SUPPORTED}")

    def _fit_settings(self, node: ast.Call, env: dict) -> None:
        for kw in node.keywords:
            if kw.arg in ("epochs", "batch_size"):
                try:
                    value = literal_value(kw.value, lambda n: self.lookup(n, env))
                except Exception:
                    continue
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    self.fit[kw.arg] = value

    def _module_call(self, path: str, node: ast.Call, env: dict):
        line = node.lineno
        if path == "numpy" or path.startswith("numpy."):
            self.notes.append(f"line {line}: skipped {path}(...) (data, not architecture)")
            return IGNORED
        if keras_api.layer_type_of(path) in keras_api.REFUSED:
            raise fail(node, f"{path} runs arbitrary Python code and is never imported; use the "
                             f"catalog's layers instead")
        args, kwargs = self.arguments(node, env)
        if path == "keras.Input":
            config, name = keras_api.input_config(node, args, kwargs)
            value = InputValue(config, name, line=line)
            return self._record(value, [], 1, node)
        if path == "keras.layers.InputLayer":  # older Sequential code: InputLayer(input_shape=...)
            kwargs = {("shape" if k == "input_shape" else k): v for k, v in kwargs.items()}
            config, name = keras_api.input_config(node, args, kwargs)
            return InputValue(config, name, line=line)
        if path == "keras.Model":
            return model_value(node, args, kwargs)
        if path == "keras.Sequential":
            return sequential_value(node, args, kwargs)
        layer_type = keras_api.layer_type_of(path)
        if layer_type is not None:
            config, name, input_shape = keras_api.layer_config(layer_type, node, args, kwargs)
            return LayerValue(layer_type, config, name, line=line, input_shape=input_shape)
        if path == "keras.layers.deserialize":
            layer_type, config, name = keras_api.deserialize_config(node, args, kwargs)
            return LayerValue(layer_type, config, name, line=line)
        helper = path.rsplit(".", 1)[1]
        if path.startswith("keras.layers.") and helper in keras_api.MERGE_HELPERS:
            return self._merge_helper(keras_api.MERGE_HELPERS[helper], node, args, kwargs)
        app = keras_api.application_of(path)
        if app is not None:
            config, name = keras_api.application_config(app, node, args, kwargs)
            return ApplicationValue(config, name, line=line)
        if path.startswith("keras.optimizers.") and path.count(".") == 2:
            return keras_api.optimizer_settings(path.rsplit(".", 1)[1], node, args, kwargs)
        if path == "keras.utils.set_random_seed" and len(args) == 1 and isinstance(args[0][1], int):
            self.fit["seed"] = args[0][1]
            return IGNORED
        if path in ("keras.utils.plot_model", "keras.backend.clear_session"):
            self.notes.append(f"line {line}: skipped {path}(...)")
            return IGNORED
        raise fail(node, f"'{path}' is not supported; {SUPPORTED}")

    def _merge_helper(self, layer_type: str, node: ast.Call, args: list, kwargs: dict):
        if not args:
            raise fail(node, f"layers.{layer_type.lower()} takes a list of tensors")
        tensors_node, tensors = args[0]
        config, name, _shape = keras_api.layer_config(layer_type, node, args[1:], kwargs)
        layer = LayerValue(layer_type, config, name, line=node.lineno)
        inputs = tensor_list(tensors_node, tensors)
        return self._record(layer, inputs, 1, node)

    def apply(self, target, node: ast.Call, env: dict):
        """Call a layer-like value on the tensors of ``node``'s arguments."""
        if isinstance(target, InputValue):
            raise fail(node, "an Input is a tensor, not a layer: it cannot be called")
        if isinstance(target, LayerValue) and target.wrapped:
            raise fail(node, "this layer is wrapped by Bidirectional/TimeDistributed; call the wrapper")
        args, kwargs = self.arguments(node, env)
        if kwargs:
            key, (kw_node, _value) = next(iter(kwargs.items()))
            raise fail(kw_node, f"call arguments such as '{key}=' are not supported; call the "
                                f"layer on its input tensors only")
        if len(args) != 1:
            raise fail(node, "call a layer on one tensor or on a list of tensors")
        inputs = tensor_list(args[0][0], args[0][1])
        count = output_count(target)
        return self._record(target, inputs, count, node)

    def _record(self, target, inputs: list, count: int, node: ast.AST):
        if len(self.calls) >= MAX_CALLS:
            raise fail(node, f"more than {MAX_CALLS:,} layer calls")
        call = Call(target, inputs, count, node.lineno, len(self.calls))
        self.calls.append(call)
        if count == 1:
            return TensorValue(call, 0)
        return tuple(TensorValue(call, i) for i in range(count))

    def _function_call(self, func: FunctionValue, node: ast.Call, env: dict):
        if self._depth >= MAX_DEPTH:
            raise fail(node, f"functions call each other more than {MAX_DEPTH} levels deep")
        args, kwargs = self.arguments(node, env)
        local = bind_arguments(func.node, node, args, kwargs)
        if func.node.name == "make_data":
            self._data_settings(args, kwargs)
            return (IGNORED, IGNORED)
        key = id(func.node)
        if key not in self._once:
            self._once[key] = _assigned_once(func.node.body)
        scope = _Scope(local, func.closure)
        self._depth += 1
        try:
            self._block(func.node.body, scope, top=False, once=self._once[key])
        except _Return as ret:
            return ret.value
        finally:
            self._depth -= 1
        return None

    def _data_settings(self, args: list, kwargs: dict) -> None:
        numbers = [v for _n, v in args if isinstance(v, int) and not isinstance(v, bool)]
        if numbers and numbers[-1] > 0:
            self.fit["samples"] = numbers[-1]
        seed = kwargs.get("seed")
        if seed is not None and isinstance(seed[1], int):
            self.fit["seed"] = seed[1]
        self.notes.append("skipped make_data(...) (LayerLoom makes its own synthetic data)")


class _Scope(dict):
    """A function's local names, falling back to the names around its definition."""

    def __init__(self, local: dict, outer: dict):
        super().__init__(local)
        self.outer = outer

    def __missing__(self, key):
        return self.outer[key]

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or key in self.outer


# ---------------------------------------------------------------------- helpers
def _check_root(stmt, module: str) -> None:
    if module.split(".")[0] not in keras_api.ROOTS:
        raise fail(stmt, f"importing '{module}' is not supported; only keras, tensorflow(.keras) "
                         f"and numpy imports are read")


def _is_main_guard(test: ast.AST) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == "__name__" and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


def _statement_kind(stmt: ast.stmt) -> str:
    kinds = {ast.For: "a for loop", ast.While: "a while loop", ast.If: "an if statement",
             ast.With: "a with statement", ast.ClassDef: "a class definition (custom layers)",
             ast.Try: "a try statement", ast.Global: "global", ast.Nonlocal: "nonlocal",
             ast.Delete: "del", ast.AugAssign: "augmented assignment", ast.Raise: "raise",
             ast.AsyncFunctionDef: "an async function", ast.Assert: "assert",
             ast.Return: "return outside a function", ast.AnnAssign: "an annotation"}
    return kinds.get(type(stmt), f"a {type(stmt).__name__} statement")


def _assigned_once(body: list) -> set:
    """Names assigned exactly once directly in ``body`` (they can name layers)."""
    counts: dict = {}
    for stmt in body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    counts[node.id] = counts.get(node.id, 0) + 1
    return {name for name, n in counts.items() if n == 1}


def _name_value(value, var: str, once: bool) -> None:
    """Give a layer, model or the layer of a tensor the variable name it was assigned to."""
    if isinstance(value, (LayerValue, ModelValue, SequentialValue, ApplicationValue)):
        if value.var is None:
            value.var = var
    elif isinstance(value, TensorValue) and once and value.call.outputs == 1:
        target = value.call.target
        if isinstance(target, (InputValue, LayerValue)) and target.var is None \
                and target.name is None:
            target.var = var



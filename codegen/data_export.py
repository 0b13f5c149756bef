"""The exported training script of a document with a ``data`` section (pure text, no Keras).

The script holds ``build_model()`` (written by :mod:`codegen.python_export`), the code of
:mod:`codegen.data_readers`, :mod:`codegen.data_assembly` and :mod:`codegen.fit_runtime`
copied verbatim (so it reads the data and trains exactly as LayerLoom does, without importing
LayerLoom) — only the part the document needs: the readers of its sources' kinds and the
helpers they reach (:mod:`codegen.script_pruning`), and the imports that code uses — the read
plan of the data
section as literals, and a ``main()`` that loads the data, builds and compiles the model inside
the distribution strategy's scope, trains with the fit options and saves the weights::

    python model.py [--data PATH] [--validation-data PATH] [--epochs N] [--batch-size N]
                    [--weights-out W.weights.h5] [--strategy none|mirrored|multiworker]

``--data`` takes data of the kinds the document's sources are (the script's help lists them).
``--batch-size`` is per replica: the global batch is it times the number of replicas. With
``--strategy multiworker`` every process runs the same command with its own ``TF_CONFIG``; the
chief (or worker 0) writes ``--weights-out``, worker *i* writes ``NAME.worker<i>.weights.h5``.

Safety: document text reaches the script only inside ``repr()`` literals (the read plan, the
fit options) — the rest is fixed text.
"""

from __future__ import annotations

import os

from codegen.data_plan import outputs_keyed, plan_data
from codegen.errors import DataError, ExportRefused
from codegen.read_plan import read_plan
from codegen.script_pruning import SOURCE_KINDS, names_used, needed_code
from codegen.source_expr import literal, statement
from graph_core.data_sources import data_section, relative_path
from graph_core.document import Document
from graph_core.fit_options import fit_options

SHARED_MODULES = ("data_readers.py", "data_assembly.py", "fit_runtime.py")
"""The self-contained modules whose code the script holds (read as text: numpy is not imported);
only the part the document needs (:mod:`codegen.script_pruning`)."""

IMPORTS = (("argparse",), ("contextlib",), ("csv",), ("json",), ("math",), ("os",), (),
           ("keras",), ("numpy", "np"))
"""The script's possible imports, ``(module,)`` or ``(module, alias)``; () is a blank line."""

KIND_TEXTS = {"npz": "a .npz file (arrays by name)", "npy": "a .npy file", "csv": "a CSV file",
              "image_folder": "a folder of images (one sub-folder per class)",
              "text_folder": "a folder of text files (one sub-folder per class)"}
"""What ``--data`` takes for each kind of source, as the script's help says it."""


def has_file_data(doc: Document) -> bool:
    """True when the document's data section reads files (the export then trains on them)."""
    section = data_section(doc)
    return section is not None and any(s.kind != "synthetic" for s in section.sources)


def _imports(code: str) -> list:
    """The import lines of :data:`IMPORTS` that ``code`` uses (blank lines kept between
    groups)."""
    used = names_used(code)
    lines = [f"import {m[0]}" + (f" as {m[1]}" if len(m) > 1 else "") if m else ""
             for m in IMPORTS if not m or m[-1] in used]
    return "\n".join(lines).strip("\n").replace("\n\n\n", "\n\n").splitlines()


def _kind_texts(kinds: set) -> list:
    """What ``--data`` takes: the texts of :data:`KIND_TEXTS` for ``kinds``."""
    return [KIND_TEXTS[kind] for kind in SOURCE_KINDS if kind in kinds]


def _relative_sources(sources: dict | None, entries: list, script_path) -> dict | None:
    """Source paths relative to the script's folder (the script resolves them against its own
    folder), and the ``where`` texts of ``entries`` following them."""
    if sources is None:
        return None
    base = os.path.join(os.getcwd(), "script.py") if script_path is None else os.fspath(script_path)
    rebased = {}
    for source_id, source in sources.items():
        path = relative_path(source["path"], base)
        for entry in entries:
            if entry["source"] == source_id:
                entry["where"] = entry["where"].replace(source["path"], path, 1)
        rebased[source_id] = {**source, "path": path}
    return rebased


def _plan_literals(doc: Document, script_path, result=None) -> dict:
    """The read plan (training, and validation when the section has validation sources), with
    paths relative to the script."""
    plan = plan_data(doc, result)
    if any(t.shape is None for t in plan.targets):
        raise ExportRefused("cannot export the training script: the output shapes are not known yet "
                            "(build the model once so Keras measures its applications)")
    section = data_section(doc)
    try:
        sources, inputs, targets = read_plan(doc, section, plan)
        validation = read_plan(doc, section, plan, role="validation")[0] if section.validation else None
    except DataError as exc:
        raise ExportRefused(f"cannot export the training script: {exc}") from None
    return {"SOURCES": _relative_sources(sources, [*inputs, *targets], script_path), "INPUTS": inputs,
            "TARGETS": targets, "VALIDATION_SOURCES": _relative_sources(validation, [], script_path)}


MAIN = '''
def here(sources):
    """The sources with relative paths taken from this file's folder."""
    folder = os.path.dirname(os.path.abspath(__file__))
    return {
        key: {**source, "path": os.path.join(folder, source["path"])}
        for key, source in sources.items()
    }


def replace_path(sources, path):
    """The sources with the only training source reading ``path`` instead (data of the
    same kind: the readers of other kinds are not in this script)."""
    if len(sources) != 1:
        raise SystemExit(
            f"--data: the model reads {len(sources)} sources; edit SOURCES"
        )
    ((source_id, source),) = sources.items()
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".npz", ".npy", ".csv") and suffix != "." + source["kind"]:
        raise SystemExit(f"--data: this script reads {' or '.join(DATA_KINDS)}")
    return {source_id: {**source, "path": path}}


def load(sources, seed):
    try:
        return load_arrays(sources, INPUTS, TARGETS, seed)
    except (DataReadError, DataMismatchError) as exc:
        raise SystemExit(f"error: {exc}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Train the model on its data and save the weights."
    )
    parser.add_argument(
        "--data",
        help=" or ".join(DATA_KINDS) + " like the model's (default: the model's data)",
    )
    parser.add_argument("--validation-data", help="validation data in the same layout")
    parser.add_argument("--epochs", type=int, default=FIT["epochs"])
    parser.add_argument(
        "--batch-size", type=int, default=FIT["batch_size"], help="per replica"
    )
    parser.add_argument(
        "--weights-out", default=WEIGHTS, help="where to save the weights (.weights.h5)"
    )
    parser.add_argument(
        "--strategy",
        choices=("none", "mirrored", "multiworker"),
        default="none",
        help="mirrored: every local device; multiworker: several machines (TF_CONFIG)",
    )
    args = parser.parse_args(argv)
    options = {**FIT, "epochs": args.epochs}
    keras.utils.set_random_seed(FIT["seed"])
    scope, replicas = distribution_scope(args.strategy)
    sources = replace_path(here(SOURCES), args.data) if args.data else here(SOURCES)
    x, y, _classes = load(sources, FIT["seed"])
    validation = None
    if args.validation_data:
        validation = load(replace_path(SOURCES, args.validation_data), FIT["seed"])[:2]
    elif VALIDATION_SOURCES:
        validation = load(here(VALIDATION_SOURCES), FIT["seed"])[:2]
    elif FIT["validation_split"] > 0:
        count = len(next(iter(x.values())))
        train, held = split_validation(count, FIT["validation_split"], FIT["seed"])
        validation = (
            {k: v[held] for k, v in x.items()},
            {k: v[held] for k, v in y.items()},
        )
        x, y = {k: v[train] for k, v in x.items()}, {k: v[train] for k, v in y.items()}
    with scope:
        model = build_model()
    monitor = monitor_name(validation is not None)
    callbacks, _best = fit_callbacks(options, FIT["learning_rate"], monitor)
    model.fit(
        model_inputs(x),
        model_targets(y, KEYED_OUTPUTS),
        epochs=args.epochs,
        batch_size=args.batch_size * replicas,
        shuffle=True,
        callbacks=callbacks,
        verbose=2,
        validation_data=None
        if validation is None
        else (model_inputs(validation[0]), model_targets(validation[1], KEYED_OUTPUTS)),
    )
    out = args.weights_out
    if not is_chief():
        kind, index = task_of_tf_config()
        out = out[: -len(".weights.h5")] + f".{kind}{index}.weights.h5"
    model.save_weights(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
'''.lstrip("\n")


def training_script(doc: Document, functions: list, uses_layers: bool, script_path=None, result=None) -> str:
    """The whole exported training script (see the module docstring).

    Args:
        doc: a document with file data (:func:`has_file_data`).
        functions: the source of ``build_model()`` and the nested models' builders.
        uses_layers: ``build_model`` uses ``from keras import layers``.
        script_path: where the script will be written: data paths are written relative to its
            folder (None: to the working folder). Paths without a common folder stay absolute.
        result: the document's current check result, when the caller has one.

    Returns:
        The module text.

    Raises:
        ExportRefused: the data mapping is incomplete or the output shapes are unknown.
    """
    literals = _plan_literals(doc, script_path, result)
    options = fit_options(doc.fit).to_dict()
    fit = {key: options[key] for key in ("epochs", "batch_size", "seed", "validation_split", "early_stopping",
                                         "patience", "lr_schedule", "lr_factor", "checkpoint_best")}
    fit["learning_rate"] = float(doc.compile.get("learning_rate", 0.001))
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in doc.name) or "model"
    constants = [statement(0, key, literal(value)) for key, value in literals.items()]
    constants += [statement(0, "KEYED_OUTPUTS", literal(outputs_keyed(doc))),
                  statement(0, "FIT", literal(fit)),
                  statement(0, "WEIGHTS", literal(f"{name}.weights.h5"))]
    kinds = {source["kind"] for key in ("SOURCES", "VALIDATION_SOURCES")
             for source in (literals[key] or {}).values()}
    constants.append(statement(0, "DATA_KINDS", literal(_kind_texts(kinds), as_tuple=True)))
    main = MAIN.rstrip("\n")
    target_kinds = {target["kind"] for target in literals["TARGETS"]}
    data_code, assembly_code, training_code = needed_code(SHARED_MODULES, names_used(main), kinds | target_kinds)
    header = ['"""A Keras Functional-API model and its training on real data, exported by LayerLoom.',
              "",
              "Run it to train the model on the data it was set up with and save the weights:",
              "",
              "    python THIS_FILE.py [--data PATH] [--epochs N] [--batch-size N]",
              "        [--weights-out W.weights.h5] [--strategy none|mirrored|multiworker]",
              "",
              *[f"--data takes {text}." for text in _kind_texts(kinds)],
              "--strategy mirrored uses every local device (tf.distribute.MirroredStrategy);",
              "multiworker trains on several machines, each started with its own TF_CONFIG",
              "(tf.distribute.MultiWorkerMirroredStrategy). With KERAS_BACKEND=jax both use",
              "keras.distribution.DataParallel. --batch-size is per replica. The data readers",
              "below are LayerLoom's own; they never unpickle anything.",
              '"""',
              ""]
    code = [*functions,
            "# ---- data readers (the code LayerLoom itself loads data with)\n"
            + "\n\n\n".join(part for part in (data_code, assembly_code) if part),
            "# ---- training helpers (the code LayerLoom itself trains with)\n" + training_code,
            "# ---- the data this model was set up with, and its fit settings\n" + "\n".join(constants),
            main]
    header += _imports("\n\n\n".join(code))
    if uses_layers:
        header.append("from keras import layers")
    return "\n".join(header) + "\n\n\n" + "\n\n\n".join(code) + "\n"

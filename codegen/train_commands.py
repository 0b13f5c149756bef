"""The Keras side of ``layerloom fit``, ``evaluate`` and ``predict`` (arguments: :mod:`editor.cli_train`).

Same loaders and tasks as the editor's worker (:mod:`codegen.worker_tasks`). Exit codes: 0 done;
1 the model is invalid, Keras refused it, the data does not fit the model or the weights are
stale; 2 a file cannot be read or written, or a bad argument. Messages go to standard error,
results to standard output; never a traceback.
"""

from __future__ import annotations

import json
import os
import sys

from codegen.commands import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, _error, _guarded, _invalid, _keras, _load
from codegen.errors import DataError, DataUnreadable, WeightsError


def _absolute(path: str | None) -> str | None:
    return None if path is None else os.path.abspath(path)


def _data_paths(values: list | None) -> dict | None:
    """``--data PATH`` (the only source) or ``--data ID=PATH`` (a named source), absolute."""
    paths: dict = {}
    for value in values or []:
        key, sep, path = value.partition("=")
        if sep and key and "/" not in key and os.sep not in key and not os.path.exists(value):
            paths[key] = _absolute(path)
        else:
            paths[None] = _absolute(value)
    return paths or None


def _run(src: str, body, allow_large: bool) -> int:
    doc = _load(src)
    if doc is None:
        return EXIT_UNREADABLE
    if _invalid(doc, src):
        return EXIT_INVALID

    def guarded_body():
        from codegen.model_limits import refuse_large_model

        refuse_large_model(doc, allow_large)
        _keras()
        return body(doc)

    def run():
        try:
            return guarded_body()
        except DataUnreadable as exc:
            _error(str(exc))
            return EXIT_UNREADABLE
        except (DataError, WeightsError) as exc:
            _error(str(exc))
            return EXIT_INVALID
        except ValueError as exc:  # a fit setting out of range
            if type(exc).__module__.startswith(("keras", "tensorflow", "numpy")):
                raise
            _error(str(exc))
            return EXIT_UNREADABLE

    return _guarded(run)


def _number(value) -> str:
    return "?" if value is None else f"{value:.4f}"


def _epoch_line(info: dict) -> str:
    logs = info.get("logs") or {}
    parts = [f"loss {_number(info.get('loss'))}"]
    losses = info.get("losses") or {}
    if len(losses) > 1:
        parts.append(", ".join(f"{name} {_number(v)}" for name, v in losses.items()))
    extras = [f"{key} {_number(value)}" for key, value in logs.items()
              if key != "loss" and not key.endswith("_loss") and key != "learning_rate"]
    if "val_loss" in logs:
        extras.insert(0, f"val_loss {_number(logs['val_loss'])}")
    if extras:
        parts.append(", ".join(dict.fromkeys(extras)))
    return f"epoch {info['epoch'] + 1}/{info['epochs']}: " + " — ".join(parts)


def run_fit(src: str, *, data: list | None = None, validation_data: str | None = None,
            weights_out: str | None = None, initial_weights: str | None = None,
            continue_training: bool = False, overrides: dict | None = None, allow_large: bool = False,
            as_json: bool = False) -> int:
    """``layerloom fit FILE.loom``: train on the file's data (or ``--data``) and save the weights.

    Args:
        src: the ``.loom`` file.
        data: ``--data`` values (``PATH`` or ``ID=PATH``).
        validation_data: a file in the training data's layout used as validation data.
        weights_out: where to save; default ``NAME.weights.h5`` beside the project when the fit
            uses real data (a fit on synthetic data saves only when this is given).
        initial_weights: weights to start from; ``continue_training`` takes the ones beside
            the project (or ``fit.continue_training`` in the file).
        overrides: fit settings from the command line (None values ignored).
        allow_large: build above the parameter threshold.
        as_json: print the result as JSON instead of the summary line.

    Returns:
        The exit code.
    """
    from codegen.weights import WEIGHTS_SUFFIX, weights_path_for
    from graph_core.data_sources import data_section
    from graph_core.training_settings import setting_problem

    for name, value in (overrides or {}).items():
        problem = "" if value is None else setting_problem("fit", name, value)
        if problem:
            _error(f"--{name.replace('_', '-')} {value}: {problem}")
            return EXIT_UNREADABLE
    for flag, value in (("--weights-out", weights_out), ("--initial-weights", initial_weights)):
        if value is not None and not value.endswith(WEIGHTS_SUFFIX):
            _error(f"{flag} {value}: a weights file name must end in {WEIGHTS_SUFFIX} (Keras's format)")
            return EXIT_UNREADABLE

    def body(doc) -> int:
        from codegen.worker_tasks import fit_task

        paths = _data_paths(data)
        real_data = paths is not None or (data_section(doc) is not None and any(
            s.kind != "synthetic" for s in data_section(doc).sources))
        out = weights_out or (str(weights_path_for(src)) if real_data else None)
        start = initial_weights
        wants_continue = continue_training or bool(doc.fit.get("continue_training"))
        if start is None and wants_continue:
            beside = weights_path_for(src)
            if beside.is_file():
                start = str(beside)
            else:
                print(f"note: no weights at {beside} to continue from; starting fresh", file=sys.stderr)

        def report(info: dict) -> None:
            if not as_json:
                print(_epoch_line(info), flush=True)

        validation = {None: _absolute(validation_data)} if validation_data else None
        result = fit_task(doc, os.path.abspath(src), overrides=overrides, paths=paths,
                          validation_paths=validation, weights_out=out, initial_weights=start,
                          on_epoch=report)
        if as_json:
            print(json.dumps(result))
            return EXIT_OK
        options = result["options"]
        if result["synthetic"]:
            print(f"fitted {result['samples']} synthetic samples, batch size {options['batch_size']}, "
                  f"seed {options['seed']}")
        else:
            print(f"fitted {result['data']}")
        if result["validation_samples"]:
            print(f"validated on {result['validation_samples']:,} samples")
        if result["stopped_early"]:
            print(f"stopped early after {result['epochs_run']} epochs ({result['monitor']} stopped improving)")
        if result["best_epoch"] is not None and options["checkpoint_best"]:
            print(f"best epoch {result['best_epoch'] + 1}: {result['monitor']} {_number(result['best'])}")
        if result["weights"]:
            print(f"wrote {result['weights']}")
        return EXIT_OK

    return _run(src, body, allow_large)


def run_evaluate(src: str, *, weights: str | None, data: list | None, batch_size: int | None = None,
                 allow_large: bool = False, as_json: bool = False) -> int:
    """``layerloom evaluate FILE.loom --weights W --data PATH``: the loss and metrics per output."""
    from codegen.weights import weights_path_for

    def body(doc) -> int:
        from codegen.worker_tasks import evaluate_task

        result = evaluate_task(doc, os.path.abspath(src), weights=weights or str(weights_path_for(src)),
                               paths=_data_paths(data), batch_size=batch_size)
        if as_json:
            print(json.dumps(result))
            return EXIT_OK
        print(f"evaluated on {result['data']}")
        for name, value in result["results"].items():
            print(f"{name}: {value:.6g}")
        return EXIT_OK

    return _run(src, body, allow_large)


def run_predict(src: str, *, weights: str | None, data: list | None, out: str, preview: int = 0,
                batch_size: int | None = None, allow_large: bool = False, as_json: bool = False) -> int:
    """``layerloom predict FILE.loom --weights W --data PATH -o OUT.npz``: one array per output."""
    from codegen.weights import weights_path_for

    if not out.endswith(".npz"):
        _error(f"{out}: predictions are written as a .npz file (one array per output); name it OUT.npz")
        return EXIT_UNREADABLE

    def body(doc) -> int:
        from codegen.worker_tasks import predict_task

        result = predict_task(doc, os.path.abspath(src), weights=weights or str(weights_path_for(src)),
                              paths=_data_paths(data), out_path=out, preview=preview, batch_size=batch_size)
        if as_json:
            print(json.dumps(result))
            return EXIT_OK
        for i, sample in enumerate(result["samples"]):
            for name, top in sample["top"].items():
                best = ", ".join(f"{c if n is None else n} {p:.3f}" for c, n, p in top)
                print(f"sample {i}: {name}: {best}")
        print(f"predicted {result['count']:,} samples; wrote {result['saved']}")
        return EXIT_OK

    return _run(src, body, allow_large)

"""``layerloom fit``, ``evaluate`` and ``predict``: their arguments (the work is in
:mod:`codegen.train_commands`, imported only when one of them runs, so the CLI starts without
Keras)."""

from __future__ import annotations

import argparse

from graph_core.lr_schedules import LR_SCHEDULES

#: The help of ``--allow-large`` on the commands that build the model.
ALLOW_LARGE = "build even above 50,000,000 parameters (Keras allocates every weight)"
_DATA_HELP = ("the data file or folder (.npz, .npy, .csv, folder of class sub-folders); ID=PATH replaces "
              "the source ID of the file's data section (repeatable)")


def _fit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    p.add_argument("--data", action="append", metavar="PATH", help=_DATA_HELP)
    p.add_argument("--validation-data", metavar="PATH", help="validation data in the training data's layout")
    p.add_argument("--validation-split", type=float, metavar="F", help="share held out for validation (0 ≤ F < 1)")
    p.add_argument("--weights-out", metavar="W.weights.h5",
                   help="where to save the weights (default: NAME.weights.h5 beside the project, for real data)")
    p.add_argument("--initial-weights", metavar="W.weights.h5", help="start from these weights")
    p.add_argument("--continue", dest="continue_training", action="store_true",
                   help="start from the weights saved beside the project")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--samples", type=int, help="number of synthetic samples (without data)")
    p.add_argument("--seed", type=int)
    p.add_argument("--early-stopping", action="store_true", default=None,
                   help="stop when the validation loss (or the loss) stops improving")
    p.add_argument("--patience", type=int, metavar="N")
    p.add_argument("--lr-schedule", choices=LR_SCHEDULES)
    p.add_argument("--lr-factor", type=float, metavar="F")
    p.add_argument("--last-weights", dest="checkpoint_best", action="store_false", default=None,
                   help="keep the last epoch's weights instead of the best epoch's")
    p.add_argument("--json", action="store_true", help="print the result (histories per output) as JSON")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE)


def _trained_model_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments ``evaluate`` and ``predict`` share."""
    p.add_argument("file")
    p.add_argument("--weights", metavar="W.weights.h5", help="default: NAME.weights.h5 beside the project")
    p.add_argument("--data", action="append", metavar="PATH", help=_DATA_HELP)
    p.add_argument("--batch-size", type=int)


def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    _trained_model_arguments(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE)


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    _trained_model_arguments(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT.npz")
    p.add_argument("--preview", type=int, default=5, metavar="N",
                   help="print the top classes of the first N samples (default 5)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE)


#: The training subcommands: name → (their help, what adds their arguments), as editor.cli lists them.
TRAIN_SUBCOMMANDS = {
    "fit": ("train the model on its data (or synthetic data) and save the weights", _fit_arguments),
    "evaluate": ("the loss and metrics of trained weights on a data set", _evaluate_arguments),
    "predict": ("predict with trained weights; one array per output in a .npz", _predict_arguments),
}
TRAIN_COMMANDS = tuple(TRAIN_SUBCOMMANDS)


def run_train_command(args: argparse.Namespace) -> int:
    """Run ``fit``, ``evaluate`` or ``predict`` from parsed arguments; the exit code."""
    from codegen import train_commands

    if args.command == "fit":
        overrides = {key: getattr(args, key) for key in (
            "epochs", "batch_size", "samples", "seed", "validation_split", "early_stopping", "patience",
            "lr_schedule", "lr_factor", "checkpoint_best")}
        return train_commands.run_fit(
            args.file, data=args.data, validation_data=args.validation_data, weights_out=args.weights_out,
            initial_weights=args.initial_weights, continue_training=args.continue_training,
            overrides=overrides, allow_large=args.allow_large, as_json=args.json)
    if args.command == "evaluate":
        return train_commands.run_evaluate(args.file, weights=args.weights, data=args.data,
                                           batch_size=args.batch_size, allow_large=args.allow_large,
                                           as_json=args.json)
    return train_commands.run_predict(args.file, weights=args.weights, data=args.data, out=args.output,
                                      preview=args.preview, batch_size=args.batch_size,
                                      allow_large=args.allow_large, as_json=args.json)

"""The command line: `regviz` opens the window; `experiment`, `prune` and `sweep` run headless."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad arguments or files: printed as one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(f"{message} (try '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regviz", description="A lab that makes L1/L2 regularization and activations visible.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the window (the default)")
    _add_source_options(gui)
    gui.add_argument("--compare", action="store_true", help="open in compare mode (L1 and L2 side by side)")
    gui.add_argument("--start", action="store_true", help="start training as soon as the window opens")

    shot = sub.add_parser("screenshot", help="train headless and save every canvas as an image")
    _add_source_options(shot)
    shot.add_argument("--steps", type=_positive_int, default=2000, help="training steps before the pictures")
    shot.add_argument("--out", required=True, help="folder to write the images into")
    shot.add_argument("--svg", action="store_true", help="also write each canvas as SVG")
    shot.add_argument("--compare", action="store_true", help="train L1 and L2 side by side")

    exp = sub.add_parser("experiment", help="N runs per method on the same data (the article's table)")
    _add_experiment_options(exp, default_methods="l1,l2")

    prune = sub.add_parser("prune", help="train, remove disconnected neurons, retrain, compare")
    _add_experiment_options(prune, default_methods="l1")
    prune.add_argument("--threshold", type=_positive_float, default=0.01,
                       help="a neuron is disconnected when all its incoming or all its outgoing |w| are below this")

    sweep = sub.add_parser("sweep", help="a lambda sweep on a log grid, as one ensemble (a regularization path)")
    _add_experiment_options(sweep, default_methods="l1", default_repeats=1)
    sweep.add_argument("--lambdas", default="1e-4:10:100",
                       help="LOW:HIGH:N (N log-spaced values, ends included) or a comma list")
    return parser


def _add_source_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=None, help="a named preset (default: seed, the article's experiment)")
    p.add_argument("--config", default=None, help="a JSON config file (as written by --json or the window)")


def _add_experiment_options(p: argparse.ArgumentParser, default_methods: str, default_repeats: int = 5) -> None:
    _add_source_options(p)
    p.add_argument("--repeats", type=_positive_int, default=default_repeats, help="runs per method (seeds)")
    p.add_argument("--methods", default=default_methods, help="comma list of none,l1,l2,elasticnet")
    p.add_argument("--lambda", dest="lam", type=_nonnegative_float, help="regularization strength")
    p.add_argument("--rho", type=_nonnegative_float, help="elastic net: share of the L1 term (0..1)")
    p.add_argument("--l1-rule", choices=("subgradient", "clip", "proximal"), help="how the L1 term updates weights")
    p.add_argument("--epochs", type=_positive_int)
    p.add_argument("--lr", type=_positive_float, help="learning rate")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument("--loss", choices=("abs", "squared", "huber"), help="data loss (abs: the article's)")
    p.add_argument("--shuffle", action="store_true", default=None, help="reshuffle the samples every epoch")
    p.add_argument("--activation", help="linear, sigmoid, tanh, relu, leaky_relu, prelu, rrelu, elu")
    p.add_argument("--layers", help="hidden layer widths, e.g. 10,10,10")
    p.add_argument("--seed", type=_nonnegative_int, help="first run's init seed (run i uses seed + i)")
    p.add_argument("--data-seed", type=_nonnegative_int, help="seed of the data draw")
    p.add_argument("--data", help="a CSV file with two columns x,y (header optional) instead of the recipe")
    p.add_argument("--json", dest="json_out", help="write every run, with its weights, to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:  # plain `regviz`: the window
            args = parser.parse_args(["gui", *argv])
        command = args.command
        if command == "gui":
            return _run_gui(args)
        if command == "screenshot":
            return _run_screenshot(args)
        return _run_headless(command, args)
    except UsageError as exc:
        print(f"regviz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("regviz: interrupted", file=sys.stderr)
        return 130


# ---------------------------------------------------------------- configuration from arguments
def load_config(args: argparse.Namespace):
    from regviz.core.config import ConfigError, ExperimentConfig
    from regviz.core.presets import DEFAULT_PRESET, load_preset

    try:
        if args.config and args.preset:
            raise UsageError("give --preset or --config, not both")
        cfg = ExperimentConfig.load(args.config) if args.config else load_preset(args.preset or DEFAULT_PRESET)
        changes = {}
        for option, dotted in (
            ("lam", "regularization.lam"), ("rho", "regularization.rho"), ("l1_rule", "regularization.l1_rule"),
            ("epochs", "training.epochs"), ("lr", "training.learning_rate"), ("batch_size", "training.batch_size"),
            ("loss", "training.loss"), ("shuffle", "training.shuffle"), ("activation", "model.activation"),
            ("seed", "training.seed"), ("data_seed", "data.seed"), ("data", "data.csv_path"),
        ):
            value = getattr(args, option, None)
            if value is not None:
                changes[dotted] = value
        if getattr(args, "activation", None) and args.activation != cfg.model.activation:
            changes["model.activation_params"] = {}
        if getattr(args, "layers", None):
            changes["model.hidden_layers"] = _parse_layers(args.layers)
        return cfg.replace(**changes).validate() if changes else cfg.validate()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _parse_layers(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--layers: {text!r} is not a comma list of whole numbers (e.g. 10,10,10)") from None
    return widths


def _parse_methods(text: str) -> list[str]:
    from regviz.core.config import METHODS

    methods = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise UsageError(f"--methods: {bad[0] if bad else text!r} is not one of {', '.join(METHODS)}")
    if len(set(methods)) != len(methods):
        raise UsageError(f"--methods: {text!r} names a method twice")
    return methods


def parse_lambdas(text: str) -> list[float]:
    """'LOW:HIGH:N' (log-spaced, ends included) or a comma list of values >= 0."""
    from regviz.core.experiments import log_grid

    try:
        if ":" in text:
            low_s, high_s, count_s = text.split(":")
            low, high, count = float(low_s), float(high_s), int(count_s)
            if not (0 < low < high and math.isfinite(high)):
                raise UsageError(f"--lambdas: {text!r}: need 0 < LOW < HIGH")
            if not 2 <= count <= 10_000:
                raise UsageError(f"--lambdas: {text!r}: N must be from 2 to 10000")
            return [float(v) for v in log_grid(low, high, count)]
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"--lambdas: {text!r} is neither LOW:HIGH:N nor a comma list of numbers") from None
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise UsageError(f"--lambdas: {text!r}: every lambda must be a finite number >= 0")
    if len(values) > 10_000:
        raise UsageError("--lambdas: at most 10000 values")
    return values


# ---------------------------------------------------------------- headless experiments
def _run_headless(command: str, args: argparse.Namespace) -> int:
    from regviz.core import experiments
    from regviz.core.config import ConfigError
    from regviz.core.data import DataError
    from regviz import report

    cfg = load_config(args)
    methods = _parse_methods(args.methods)
    lambdas = parse_lambdas(args.lambdas) if command == "sweep" else None
    out_path = _check_output(args.json_out) if args.json_out else None
    if command == "prune" and len(methods) != 1:
        raise UsageError("--methods: prune takes one method (the one whose zeros decide the pruning)")
    models = args.repeats * len(methods) * (len(lambdas) if lambdas else 1)
    if models > 20_000:
        raise UsageError(f"{models} models in one ensemble; at most 20000 (fewer --repeats or --lambdas)")
    progress = None if args.quiet else report.ProgressBar(sys.stderr)
    try:
        if command == "experiment":
            result = experiments.run_repeats(cfg, methods, args.repeats, progress)
        elif command == "prune":
            result = experiments.run_prune(cfg, args.repeats, args.threshold, methods[0], progress)
        else:
            result = experiments.run_sweep(cfg, lambdas, methods, args.repeats, progress)
    except (ConfigError, DataError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    print(report.format_result(result))
    if out_path is not None:
        write_json_atomic(out_path, result.to_dict())
        print(f"wrote {out_path}")
    return 0


def _check_output(path_text: str) -> Path:
    """Fail before training, not after, when the output file cannot be written."""
    path = Path(path_text)
    if path.is_dir():
        raise UsageError(f"--json: {path} is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--json: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--json: folder {parent} is not writable")
    return path


def write_json_atomic(path: Path, payload: dict) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, allow_nan=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- window
def _run_gui(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    try:
        from regviz.gui.app import run_app
    except ImportError as exc:
        raise UsageError(f"the window needs PySide6 and pyqtgraph ({exc})") from None
    return run_app(cfg, preset=_source_name(args), compare=args.compare, start=args.start)


def _run_screenshot(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create {out} ({exc.strerror})") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"--out: folder {out} is not writable")
    from regviz.gui.screenshot import run_screenshot

    paths = run_screenshot(cfg, _source_name(args), args.steps, out, svg=args.svg, compare=args.compare)
    for path in paths:
        print(path)
    return 0


def _source_name(args: argparse.Namespace) -> str:
    """A short name for file names and titles: the preset, or the config file's stem."""
    if args.config:
        return Path(args.config).stem
    return args.preset or "seed"


# ---------------------------------------------------------------- argument types
def _int_at_least(low: int):
    """An argparse type: a whole number >= low."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r}: must be {low} or more")
        return value

    return parse


_positive_int = _int_at_least(1)
_nonnegative_int = _int_at_least(0)


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: must be finite")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be greater than 0")
    return value


def _nonnegative_float(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 0 or more")
    return value


def _version() -> str:
    from regviz import __version__

    return f"regviz {__version__}"

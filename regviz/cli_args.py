"""The command line's parser and argument types: every value is checked here or by the config, and a
bad one becomes one line on stderr (see regviz.cli)."""

from __future__ import annotations

import argparse
import math
import re
import textwrap

MAX_SCREENSHOT_STEPS = 1_000_000  # with batch size 1 and 1 training point that is MAX_EPOCHS epochs
DEFAULT_SCREENSHOT_STEPS = 2000
SCREENSHOT_SIZE_RANGE = (320, 7680)  # pixels, each of width and height
SCREENSHOT_SCALE_RANGE = (0.5, 4.0)
MAX_LAMBDAS = 10_000


class UsageError(Exception):
    """Bad arguments or files: printed as one line on stderr, exit status 2."""


class _Formatter(argparse.HelpFormatter):
    """Never wraps inside a hyphenated word, so preset names stay whole in --help."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # one line instead of usage + message
        raise UsageError(f"{message} (try '{self.prog} --help')")


def _preset_names() -> list[str]:
    from regviz.core.presets import preset_names

    return preset_names()


def build_parser() -> argparse.ArgumentParser:
    presets = ", ".join(_preset_names())
    parser = _Parser(prog="regviz", description="A lab that makes L1/L2 regularization and activations visible.",
                     epilog=f"presets: {presets}")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the window (the default)")
    _add_source_options(gui, presets)
    gui.add_argument("--compare", action="store_true", help="open in compare mode (L1 and L2 side by side)")
    gui.add_argument("--start", action="store_true", help="start training as soon as the window opens")
    _add_engine_option(gui)
    gui.add_argument("--session", type=_nonempty, default=None, metavar="FILE",
                     help="open a saved session (File > Save session): every canvas as it was, training goes "
                          "on from its step; not with --preset, --config or --compare")

    shot = sub.add_parser("screenshot", help="train headless and save every canvas as an image",
                          description="Prints the paths it wrote, one a line, and nothing else.")
    _add_source_options(shot, presets)
    shot.add_argument("--steps", type=_int_between(1, MAX_SCREENSHOT_STEPS), default=None,
                      help=f"training steps before the pictures (1 to {MAX_SCREENSHOT_STEPS:,}; "
                           f"default {DEFAULT_SCREENSHOT_STEPS})")
    shot.add_argument("--out", type=_nonempty, required=True, help="folder to write the images into")
    shot.add_argument("--svg", action="store_true", help="also write each canvas as SVG")
    _add_engine_option(shot)
    shot.add_argument("--compare", action="store_true", help="train L1 and L2 side by side")
    shot.add_argument("--session", type=_nonempty, default=None, metavar="FILE",
                      help="draw a saved session instead of training (not with --preset, --config, --steps "
                           "or --compare); the file names carry the session's name")
    shot.add_argument("--step", type=_nonnegative_int, default=None, metavar="N",
                      help="with --session: draw the newest recorded snapshot at or before step N (a session "
                           "keeps about 200, spread over the run) instead of the newest; the file names then "
                           "say '-stepM', M the step drawn")
    low, high = SCREENSHOT_SIZE_RANGE
    shot.add_argument("--size", type=_size, default=(1600, 1000), metavar="WxH",
                      help=f"window size in pixels (each {low} to {high}; default 1600x1000); a size below what "
                           "the window's layout needs gives the smallest window it allows")
    shot.add_argument("--scale", type=_scale, default=1.0, metavar="S",
                      help=f"device pixel ratio, {SCREENSHOT_SCALE_RANGE[0]:g} to {SCREENSHOT_SCALE_RANGE[1]:g} "
                           "(default 1): every PNG gets S times the pixels each way, drawn at that resolution; "
                           "2 gives crisp text at double resolution")

    exp = sub.add_parser("experiment", help="N runs per method on the same data (the article's table)")
    _add_experiment_options(exp, presets, default_methods="l1,l2")

    prune = sub.add_parser("prune", help="train, remove disconnected neurons, retrain, compare")
    _add_experiment_options(prune, presets, default_methods="l1")
    prune.add_argument("--threshold", type=_positive_float, default=0.01,
                       help="a neuron is disconnected when all its incoming or all its outgoing |w| are below this")

    sweep = sub.add_parser("sweep", help="a lambda sweep on a log grid, as one ensemble (a regularization path)")
    _add_experiment_options(sweep, presets, default_methods="l1", default_repeats=1)
    sweep.add_argument("--lambdas", type=_nonempty, default="1e-4:10:100",
                       help="LOW:HIGH:N (N log-spaced values, ends included) or a comma list")
    _add_softmax_parser(sub)
    from regviz.cli_animate import add_parser as add_animate_parser  # late: it imports this module

    add_animate_parser(sub, presets)
    return parser


def _add_softmax_parser(sub) -> None:
    from regviz.core.softmax import MAX_CLASSES, MIN_CLASSES, TEMPERATURE_RANGE

    soft = sub.add_parser("softmax", help="the softmax probabilities of some logits (the article's last section)",
                          description="Prints each class's probability to 3 decimals and the entropy. Negative "
                                      "logits need no quoting: regviz softmax -1 2 3.")
    # argparse takes '-1' and '-.5' for numbers, but '-1e3' or '-inf' for an unknown option
    soft._negative_number_matcher = _NUMBER_LIKE
    soft.add_argument("logits", nargs="+", metavar="LOGIT",
                      help=f"{MIN_CLASSES} to {MAX_CLASSES} numbers, one per class (e.g. 3 0.7 0.5)")
    low, high = TEMPERATURE_RANGE
    soft.add_argument("--temperature", type=_temperature, default=1.0, metavar="T",
                      help=f"divide the logits by T first ({low:g} to {high:g}, default 1): T < 1 sharpens, "
                           "T > 1 flattens")
    soft.add_argument("--json", action="store_true", help="print JSON (full precision) instead of the table")


def _add_source_options(p: argparse.ArgumentParser, presets: str) -> None:
    p.add_argument("--preset", type=_preset, default=None,
                   help=f"a shipped preset, by name only: {presets} (default: seed, the article's experiment)")
    p.add_argument("--config", type=_nonempty, default=None,
                   help="a JSON config file of at most 1 MiB (as written by --json or the window)")


def _add_experiment_options(p: argparse.ArgumentParser, presets: str, default_methods: str,
                            default_repeats: int = 5) -> None:
    _add_source_options(p, presets)
    p.add_argument("--repeats", type=_positive_int, default=default_repeats, help="runs per method (seeds)")
    p.add_argument("--methods", type=_nonempty, default=default_methods, help="comma list of none,l1,l2,elasticnet")
    p.add_argument("--lambda", dest="lam", type=_nonnegative_float, help="regularization strength")
    p.add_argument("--rho", type=_nonnegative_float, help="elastic net: share of the L1 term (0..1)")
    p.add_argument("--l1-rule", choices=("subgradient", "clip", "proximal"), help="how the L1 term updates weights")
    p.add_argument("--epochs", type=_positive_int)
    p.add_argument("--lr", type=_positive_float, help="learning rate")
    p.add_argument("--batch-size", type=_positive_int)
    p.add_argument("--loss", choices=("abs", "squared", "huber"), help="data loss (abs: the article's)")
    p.add_argument("--shuffle", action="store_true", default=None, help="reshuffle the samples every epoch")
    p.add_argument("--activation", help="linear, sigmoid, tanh, relu, leaky_relu, prelu, rrelu, elu")
    p.add_argument("--layers", type=_layers, help="hidden layer widths, e.g. 10,10,10")
    p.add_argument("--seed", type=_nonnegative_int, help="first run's init seed (run i uses seed + i)")
    p.add_argument("--data-seed", type=_nonnegative_int, help="seed of the data draw")
    p.add_argument("--data", type=_nonempty,
                   help="a CSV file with two columns x,y (header optional) instead of the recipe")
    p.add_argument("--json", dest="json_out", type=_nonempty,
                   help="write every run, with its weights, to this JSON file (checked before training starts)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_engine_option(p)


ENGINE_CHOICES = ("auto", "numba", "torch")  # regviz.core.engines.ENGINES (not imported: it loads numpy)


def _add_engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="what trains: numba (compiled, the fastest), torch (the reference, one thread) or auto "
                        "(numba where it is installed, else torch; the default)")


# ---------------------------------------------------------------- argument types
_NUMBER_LIKE = re.compile(r"^-(\.?\d|inf|nan)", re.IGNORECASE)  # a negative logit, not an option


def _temperature(text: str) -> float:
    from regviz.core.softmax import SoftmaxInputError, parse_temperature

    try:
        return parse_temperature(text)
    except SoftmaxInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _nonempty(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _preset(text: str) -> str:
    """A shipped preset's name; a path (or anything else) is refused, so --preset never reads a file."""
    names = _preset_names()
    if text not in names:
        shown = repr(text) if len(text) <= 60 else repr(text[:57]) + "..."
        raise argparse.ArgumentTypeError(f"{shown} is not a preset; one of {', '.join(names)}")
    return text


def _layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in _nonempty(text).split(","))
    except ValueError:
        shown = repr(text) if len(text) <= 60 else repr(text[:57]) + "..."
        raise argparse.ArgumentTypeError(f"{shown} is not a comma list of whole numbers (e.g. 10,10,10)") from None


def _int_between(low: int, high: int | None = None):
    """An argparse type: a whole number from low (to high)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also a number of more than 4300 digits
            raise argparse.ArgumentTypeError(f"{_short(text)} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{_short(text)}: must be {low} or more")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{_short(text)}: must be at most {high:,}")
        return value

    return parse


_positive_int = _int_between(1)
_nonnegative_int = _int_between(0)


def _size(text: str) -> tuple[int, int]:
    """'WxH': two whole numbers of pixels, each within SCREENSHOT_SIZE_RANGE."""
    low, high = SCREENSHOT_SIZE_RANGE
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_short(text)} is not WIDTHxHEIGHT (e.g. 1600x1000)") from None
    if not (low <= width <= high and low <= height <= high):
        raise argparse.ArgumentTypeError(f"{_short(text)}: width and height must each be {low} to {high}")
    return width, height


def _scale(text: str) -> float:
    low, high = SCREENSHOT_SCALE_RANGE
    value = _float(text)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{_short(text)}: must be from {low:g} to {high:g}")
    return value


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:37]) + "..."


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_short(text)} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_short(text)}: must be finite")
    return value


def _positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{_short(text)}: must be greater than 0")
    return value


def _nonnegative_float(text: str) -> float:
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{_short(text)}: must be 0 or more")
    return value


# ---------------------------------------------------------------- lists
def parse_methods(text: str) -> list[str]:
    from regviz.core.config import METHODS

    methods = [m.strip() for m in text.split(",") if m.strip()]
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise UsageError(f"--methods: {_short(bad[0]) if bad else _short(text)} is not one of {', '.join(METHODS)}")
    if len(set(methods)) != len(methods):
        raise UsageError(f"--methods: {_short(text)} names a method twice")
    return methods


def parse_lambdas(text: str) -> list[float]:
    """'LOW:HIGH:N' (log-spaced, ends included) or a comma list of values >= 0."""
    from regviz.core.experiments import log_grid

    shown = _short(text)
    try:
        if ":" in text:
            low_s, high_s, count_s = text.split(":")
            low, high, count = float(low_s), float(high_s), int(count_s)
            if not (0 < low < high and math.isfinite(high)):
                raise UsageError(f"--lambdas: {shown}: need 0 < LOW < HIGH")
            if not 2 <= count <= MAX_LAMBDAS:
                raise UsageError(f"--lambdas: {shown}: N must be from 2 to {MAX_LAMBDAS}")
            return [float(v) for v in log_grid(low, high, count)]
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"--lambdas: {shown} is neither LOW:HIGH:N nor a comma list of numbers") from None
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise UsageError(f"--lambdas: {shown}: every lambda must be a finite number >= 0")
    if len(values) > MAX_LAMBDAS:
        raise UsageError(f"--lambdas: at most {MAX_LAMBDAS} values")
    return values


def _version() -> str:
    from regviz import __version__

    return f"regviz {__version__}"

"""The command line: `regviz` opens the window; `experiment`, `prune` and `sweep` run headless."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Sequence

from regviz.cli_args import DEFAULT_SCREENSHOT_STEPS, UsageError, build_parser, parse_lambdas, parse_methods
from regviz.core.io import AtomicFile, WriteProblem, json_bytes, short_path, write_json_atomic

__all__ = ["main", "build_parser", "load_config", "parse_lambdas", "UsageError", "write_json_atomic"]

EXIT_USAGE = 2
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


class Terminated(SystemExit):
    """Raised on SIGTERM, so `finally` blocks (temporary files) run as on Ctrl+C."""


class _StopOnSignal:
    """SIGINT and SIGTERM raise KeyboardInterrupt / Terminated in the main thread, at once.

    A raise can be swallowed when it lands in a finalizer, so the signal is also remembered and
    raised again by check(), which training calls once per epoch (its should_stop hook). A repeated
    signal is ignored: it must not cut the cleanup short."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self.previous: dict = {}

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}

    def _handle(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum
            self._raise()

    def _raise(self) -> None:
        if self.received == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(EXIT_TERMINATED)

    def check(self) -> bool:
        if self.received is not None:
            self._raise()
        return False


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stopper = _StopOnSignal()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:  # plain `regviz`: the window
            args = parser.parse_args(["gui", *argv])
        command = args.command
        if command == "gui":
            return _run_gui(args)
        if command == "softmax":
            return _run_softmax(args)
        if command == "screenshot":
            # no SIGTERM handler here: raised inside a Qt slot, the exception would be swallowed
            return _run_screenshot(args)
        stopper.install()
        if command == "animate":
            from regviz.cli_animate import run as run_animate

            return run_animate(args, stopper.check)
        return _run_headless(command, args, stopper.check)
    except UsageError as exc:
        print(f"regviz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("regviz: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("regviz: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        stopper.restore()


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
        if getattr(args, "layers", None) is not None:
            changes["model.hidden_layers"] = args.layers
        return cfg.replace(**changes).validate() if changes else cfg.validate()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


# ---------------------------------------------------------------- headless experiments
def _run_headless(command: str, args: argparse.Namespace, should_stop=None) -> int:
    from regviz.core import experiments
    from regviz.core.config import ConfigError
    from regviz.core.data import DataError
    from regviz import report

    cfg = load_config(args)
    methods = parse_methods(args.methods)
    lambdas = parse_lambdas(args.lambdas) if command == "sweep" else None
    if command == "prune" and len(methods) != 1:
        raise UsageError("--methods: prune takes one method (the one whose zeros decide the pruning)")
    models = args.repeats * len(methods) * (len(lambdas) if lambdas else 1)
    if models > 20_000:
        raise UsageError(f"{models} models in one ensemble; at most 20000 (fewer --repeats or --lambdas)")
    engine = _resolve_engine(args.engine)
    # The temporary file is created now, in the target folder: a name too long, a read-only file
    # system or a missing permission fails here, before training. Any exception (Ctrl+C, SIGTERM)
    # removes it; only the end of the block puts the complete file in place.
    with _json_output(args.json_out) as out:
        _prepare_engine(engine)
        progress = None if args.quiet else report.ProgressBar(sys.stderr)
        try:
            if command == "experiment":
                result = experiments.run_repeats(cfg, methods, args.repeats, progress, should_stop, engine=engine)
            elif command == "prune":
                result = experiments.run_prune(cfg, args.repeats, args.threshold, methods[0], progress, should_stop,
                                               engine=engine)
            else:
                result = experiments.run_sweep(cfg, lambdas, methods, args.repeats, progress, should_stop,
                                               engine=engine)
        except (ConfigError, DataError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            if progress is not None:
                progress.close()
        print(report.format_result(result))
        if out is not None:
            _write(out, json_bytes(result.to_dict()))
    if out is not None:
        print(f"wrote {out.path}")
    return 0


def _resolve_engine(name: str) -> str:
    """--engine as "numba" or "torch"; `--engine numba` where numba does not import: one line, exit 2.
    The window's trainer process reads the choice from the environment (engines.ENGINE_ENV)."""
    from regviz.core.config import ConfigError
    from regviz.core.engines import ENGINE_ENV, resolve_engine

    try:
        engine = resolve_engine(name)
    except ConfigError as exc:
        raise UsageError(f"--engine: {exc}") from None
    if name != "auto":  # the trainer's default is auto already; the user's choice is what it sees
        os.environ[ENGINE_ENV] = name
    return engine


def _prepare_engine(engine: str) -> None:
    """Load the compiled engine from its disk cache, or compile it, saying so on stderr (one line,
    only when it compiles). torch trains on one thread: a second one only busy-waits."""
    if engine == "numba":
        from regviz.core.engines import PREPARING_MESSAGE, prepare

        try:
            with _signals_held():
                prepare(on_compile=lambda: print(PREPARING_MESSAGE, file=sys.stderr, flush=True))
        except Exception as exc:  # noqa: BLE001  (a broken numba/LLVM install: one line, not a traceback)
            raise UsageError(f"--engine: the compiled engine does not build here ({type(exc).__name__}: "
                             f"{exc}); --engine torch trains without it") from None
    else:
        import torch

        torch.set_num_threads(1)


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait until the block ends, then take effect as usual. Loading compiled code
    runs Python callbacks from C, where an exception raised by a signal handler is printed as a
    traceback and lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: held.append(signum)) for sig in _StopOnSignal.SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])


@contextlib.contextmanager
def _json_output(path_text: str | None):
    if path_text is None:
        yield None
        return
    try:
        out = AtomicFile(path_text)
    except WriteProblem as exc:
        raise UsageError(f"--json: {exc}") from None
    try:
        with out:
            yield out
    except WriteProblem as exc:  # at commit: e.g. the disk filled up
        raise UsageError(f"--json: {exc}") from None


def _write(out: AtomicFile, data: bytes) -> None:
    try:
        out.write(data)
    except WriteProblem as exc:
        raise UsageError(f"--json: {exc}") from None


def _check_dataset(cfg) -> None:
    """Build the data once before any Qt starts: a missing or bad CSV is one line, not a crash."""
    from regviz.core.config import ConfigError
    from regviz.core.data import DataError, make_dataset

    try:
        make_dataset(cfg.data)
    except (ConfigError, DataError) as exc:
        raise UsageError(str(exc)) from None


# ---------------------------------------------------------------- softmax (numpy only: no torch, no Qt)
def _run_softmax(args: argparse.Namespace) -> int:
    import json

    from regviz.core.softmax import SoftmaxInputError, compute, format_table, parse_logit_tokens

    try:
        result = compute(parse_logit_tokens(args.logits), args.temperature)
    except SoftmaxInputError as exc:
        raise UsageError(f"logits: {exc}") from None
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_table(result))
    return 0


# ---------------------------------------------------------------- window
def _run_gui(args: argparse.Namespace) -> int:
    from regviz.display import display_problem

    opened = _read_session_argument(args, ("preset", "config", "compare"))  # a bad file: one line, no window
    problem = display_problem()  # before Qt, which aborts the process without a display
    if problem:
        raise UsageError(problem)
    _resolve_engine(args.engine)
    if opened is not None:
        session, name = opened
        return _window_runner()(session.config, preset=name, start=args.start, session=session)
    if not (args.preset or args.config):  # plain `regviz`: the preset last picked from the Presets menu
        args.preset = _remembered_preset()
    cfg = load_config(args)
    _check_dataset(cfg)
    return _window_runner()(cfg, preset=_source_name(args), compare=args.compare, start=args.start)


def _window_runner():
    try:
        from regviz.gui.app import run_app
    except ImportError as exc:
        raise UsageError(f"the window needs PySide6 and pyqtgraph ({exc})") from None
    return run_app


def _remembered_preset() -> str | None:
    try:
        from regviz.gui.settings import remembered_preset
    except ImportError:  # no PySide6: the window is refused below, with the reason
        return None
    return remembered_preset()


def _read_session_argument(args: argparse.Namespace, conflicts: Sequence[str]):
    """(session, name) for --session FILE, read and checked through; None without --session."""
    if args.session is None:
        return None
    given = [f"--{option}" for option in conflicts if getattr(args, option, None) not in (None, False)]
    if given:
        raise UsageError(f"--session: not with {', '.join(given)} (the session holds its own config and models)")
    from regviz.gui.session_file import SessionError, read_session, session_path_stem

    try:
        return read_session(args.session), session_path_stem(args.session)
    except SessionError as exc:
        raise UsageError(f"--session: {exc}") from None


def _run_screenshot(args: argparse.Namespace) -> int:
    opened = _read_session_argument(args, ("preset", "config", "steps", "compare"))
    if opened is None:
        if args.step is not None:
            raise UsageError("--step: only with --session (without it, --steps N trains N steps)")
        cfg, name, session = load_config(args), _source_name(args), None
        _check_dataset(cfg)
    else:
        session, name = opened
        cfg = session.config
    out = Path(args.out)
    shown = short_path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {shown} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out: cannot create {shown} ({exc.strerror})") from None
    if not os.access(out, os.W_OK):
        raise UsageError(f"--out: folder {shown} is not writable")
    _resolve_engine(args.engine)
    from regviz.gui.export import ExportError
    from regviz.gui.screenshot import run_screenshot

    try:
        steps = args.steps if args.steps is not None else DEFAULT_SCREENSHOT_STEPS
        paths = run_screenshot(cfg, name, steps, out, svg=args.svg, compare=args.compare, size=args.size,
                               scale=args.scale, session=session, step=args.step)
    except ExportError as exc:
        raise UsageError(f"--out: {exc}") from None
    for path in paths:
        print(path)
    return 0


def _source_name(args: argparse.Namespace) -> str:
    """A short name for file names and titles: the preset, or the config file's stem."""
    if args.config:
        return Path(args.config).stem
    return args.preset or "seed"

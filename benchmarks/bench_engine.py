"""Every engine side by side in one run, on the reference net (1-10-10-10-1, batch 1, L2, the seed
preset's data), with the eager loop as the baseline:

    python benchmarks/bench_engine.py [--seconds 1.5] [--sizes 1,10,100,1000] [--compile]

Rows: the eager loop (nn.Sequential + torch.optim.SGD, one model at a time: what a user would
write), the torch engine, the compiled engine on one thread and on every core. Columns: ensemble
sizes K. Cells: model-steps per second (K models x steps / wall time, the engine's epoch
evaluations included) and the ratio to the eager loop. torch runs on one thread everywhere (its
second thread only busy-waits on matrices this small). Each cell trains for about --seconds after
one warm-up epoch. --compile also times the compiled engine's first launch (an empty disk cache,
in a fresh process) and a second launch. Prints a Markdown table (the README's).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn

from regviz.core.data import make_dataset
from regviz.core.engines import build_engine, default_threads, prepare, resolve_engine
from regviz.core.activation_spec import ActivationSpec
from regviz.core.presets import load_preset
from regviz.core.records import MemberSpec

LAYERS = (1, 10, 10, 10, 1)


def eager_rate(cfg, seconds: float) -> float:
    """Model-steps/s of the loop a user would write: autograd, torch.optim.SGD, batch 1, L2."""
    data = make_dataset(cfg.data)
    x = torch.as_tensor(data.x_train, dtype=torch.float32).view(-1, 1)
    y = torch.as_tensor(data.y_train, dtype=torch.float32).view(-1, 1)
    lam, lr = cfg.regularization.lam, cfg.training.learning_rate
    torch.manual_seed(0)
    layers = [nn.Linear(a, b) for a, b in zip(LAYERS[:-1], LAYERS[1:])]
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    weights = [layer.weight for layer in layers]
    steps, started = 0, time.perf_counter()
    while True:
        for i in range(len(x)):
            opt.zero_grad()
            cost = (model(x[i : i + 1]) - y[i : i + 1]).abs().sum() + lam * sum((w * w).sum() for w in weights) / 2
            cost.backward()
            opt.step()
        steps += len(x)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return steps / elapsed


def engine_rate(cfg, kind: str, k: int, seconds: float, threads: int | None = None) -> float:
    data = make_dataset(cfg.data)
    members = [MemberSpec(seed=s, method="l2", lam=cfg.regularization.lam, learning_rate=cfg.training.learning_rate)
               for s in range(k)]
    engine = build_engine(kind, data, LAYERS, ActivationSpec("linear"), members, loss="abs", batch_size=1,
                          order_seed=cfg.data.seed, **({"threads": threads} if kind == "numba" else {}))
    chunk = engine.steps_per_epoch
    engine.step(chunk)  # warm-up: caches, first allocations
    steps, started = 0, time.perf_counter()
    while True:
        engine.step(chunk)
        steps += chunk
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return k * steps / elapsed
        chunk = min(chunk * 2, 40 * 400)  # fewer, longer calls once the pace is known


FIRST_LAUNCH = "import time; t = time.perf_counter(); from regviz.core.engines import prepare; prepare(); " \
               "print(f'{time.perf_counter() - t:.2f}')"


def compile_times() -> tuple[float, float]:
    """Seconds from `import` to every kernel ready: with an empty disk cache, then with it filled."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        runs = [float(subprocess.run([sys.executable, "-c", FIRST_LAUNCH], env=env, check=True, text=True,
                                     capture_output=True).stdout) for _ in range(2)]
    return runs[0], runs[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="training time per cell")
    parser.add_argument("--sizes", default="1,10,100,1000", help="ensemble sizes K")
    parser.add_argument("--compile", action="store_true", help="also time the compiled engine's first launch")
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    torch.set_num_threads(1)
    cfg = load_preset("seed")
    cores = default_threads()
    compiled = resolve_engine("auto") == "numba"
    if compiled:
        prepare()
    print(f"torch {torch.__version__} (1 thread), {cores} cores, {os.uname().machine}", flush=True)

    eager = eager_rate(cfg, args.seconds)
    rows = [("eager loop (nn.Sequential + SGD, 1 thread)", [eager] * len(sizes))]
    rows.append(("torch engine (1 thread)", [engine_rate(cfg, "torch", k, args.seconds) for k in sizes]))
    if compiled:
        rows.append(("numba engine, 1 thread", [engine_rate(cfg, "numba", k, args.seconds, 1) for k in sizes]))
        rows.append((f"numba engine, {cores} threads", [engine_rate(cfg, "numba", k, args.seconds, cores)
                                                          for k in sizes]))
    print("\nmodel-steps/s (ratio to the eager loop), reference net 1-10-10-10-1, batch 1, L2\n")
    print("| engine | " + " | ".join(f"K = {k}" for k in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name, rates in rows:
        print(f"| {name} | " + " | ".join(f"{r:,.0f} ({r / eager:,.1f}x)" for r in rates) + " |")
    if compiled and args.compile:
        first, second = compile_times()
        print(f"\ncompiled engine ready after: {first:.1f} s on a first launch (empty cache), "
              f"{second:.1f} s on the next")


if __name__ == "__main__":
    main()

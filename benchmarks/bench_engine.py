"""Engine speed against the obvious eager loop, measured side by side in one run.

    python benchmarks/bench_engine.py [--epochs 100] [--sweep-lambdas 100]

1. The reference experiment, 5 seeds x {L1, L2}: one model at a time with nn.Sequential +
   torch.optim.SGD (what a user would write), then the lockstep engine. Prints both and the ratio.
2. A 100-lambda sweep of the same network as one ensemble: model-steps per second.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from regviz.core.data import make_dataset
from regviz.core.experiments import log_grid, run_repeats, run_sweep
from regviz.core.presets import load_preset

SEEDS = 5
METHODS = ("l1", "l2")


def eager_reference(cfg, epochs: int) -> tuple[float, int]:
    """The loop a user would write: one model at a time, autograd, torch.optim.SGD, batch 1."""
    data = make_dataset(cfg.data)
    x = torch.as_tensor(data.x_train, dtype=torch.float32).view(-1, 1)
    y = torch.as_tensor(data.y_train, dtype=torch.float32).view(-1, 1)
    sizes = (1, *cfg.model.hidden_layers, 1)
    lam, lr = cfg.regularization.lam, cfg.training.learning_rate
    steps = 0
    started = time.perf_counter()
    for method in METHODS:
        for seed in range(SEEDS):
            torch.manual_seed(seed)
            layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
            for layer in layers:
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)
            model = nn.Sequential(*layers)
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            weights = [layer.weight for layer in layers]
            for _ in range(epochs):
                for i in range(len(x)):
                    opt.zero_grad()
                    cost = (model(x[i : i + 1]) - y[i : i + 1]).abs().sum()
                    if method == "l1":
                        cost = cost + lam * sum(w.abs().sum() for w in weights)
                    else:
                        cost = cost + lam * sum((w * w).sum() for w in weights) / 2
                    cost.backward()
                    opt.step()
                    steps += 1
    return time.perf_counter() - started, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--sweep-lambdas", type=int, default=100)
    args = parser.parse_args()
    cfg = load_preset("seed").replace(**{"training.epochs": args.epochs})
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    eager_s, eager_steps = eager_reference(cfg, args.epochs)
    started = time.perf_counter()
    result = run_repeats(cfg, METHODS, SEEDS)
    engine_s = time.perf_counter() - started
    engine_steps = len(result.runs) * args.epochs * 40
    print(f"\nreference experiment, {SEEDS} seeds x {{L1, L2}}, {args.epochs} epochs ({eager_steps:,} model-steps)")
    print(f"  eager loop (nn.Sequential + SGD): {eager_s:8.2f} s  {eager_steps / eager_s:10,.0f} model-steps/s")
    print(f"  lockstep engine (one ensemble):   {engine_s:8.2f} s  {engine_steps / engine_s:10,.0f} model-steps/s")
    print(f"  engine / eager speed-up:          {eager_s / engine_s:8.1f} x   (target >= 10 x)")

    lambdas = log_grid(1e-4, 10, args.sweep_lambdas)
    started = time.perf_counter()
    run_sweep(cfg, lambdas, ["l1"])
    sweep_s = time.perf_counter() - started
    sweep_steps = args.sweep_lambdas * args.epochs * 40
    rate = sweep_steps / sweep_s
    print(f"\nlambda sweep, {args.sweep_lambdas} lambdas as one ensemble, {args.epochs} epochs")
    print(f"  {sweep_s:.2f} s  {rate:,.0f} model-steps/s   (target >= 190,000: TensorFlow Playground's engine here)")
    print(f"  sweep / eager per-model speed-up: {rate / (eager_steps / eager_s):.1f} x")


if __name__ == "__main__":
    main()

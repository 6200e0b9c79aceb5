"""An independent oracle for engine steps: a plain forward pass per model and torch autograd.

Shared by the engine tests (importable because pytest's `pythonpath` includes tests/).
"""

from __future__ import annotations

def batch_at(engine, step_index):
    """The (unshuffled) mini-batch the engine uses for 0-based step `step_index`."""
    position = step_index % engine.steps_per_epoch
    start = position * engine.batch_size
    ds = engine.dataset
    return ds.x_train[start : start + engine.batch_size], ds.y_train[start : start + engine.batch_size]


def autograd_gradients(snap, k, activation, xb, yb, loss, delta, spec=None, negative_slopes=None):
    """Gradients of model k's cost at the engine's snapshot, by torch autograd on a plain forward pass.

    The cost is the data loss, plus spec's penalty when spec is given (biases are never penalised).
    negative_slopes (per hidden layer, the slope each pre-activation takes when <= 0) replaces the
    activation: RReLU's random slopes in training. Returns (params, grads, data loss, penalty) with
    params = weights + biases + PReLU slopes."""
    import torch

    from regviz.core import regularizers
    from regviz.core.activations import get_activation

    # the compiled engine carries a torch-free ActivationSpec: the same name and parameters
    activation = get_activation(activation.name, dict(activation.params))
    weights = [torch.tensor(w[k], requires_grad=True) for w in snap.weights]
    biases = [torch.tensor(b[k], requires_grad=True) for b in snap.biases]
    slopes = [torch.tensor(s[k], requires_grad=True) for s in snap.prelu_slopes]
    module = activation.module().to(torch.float64)
    h = torch.tensor(xb, dtype=torch.float64).view(-1, 1)
    y = torch.tensor(yb, dtype=torch.float64).view(-1, 1)
    last = len(weights) - 1
    for layer, (w, b) in enumerate(zip(weights, biases)):
        z = h @ w + b
        if layer < last:
            if negative_slopes is not None:
                h = torch.where(z > 0, z, z * torch.as_tensor(negative_slopes[layer]))
            elif slopes:  # PReLU, one learned slope per hidden unit
                h = torch.where(z > 0, z, z * slopes[layer])
            else:
                h = module(z)
        else:
            h = z
    if loss == "abs":
        data = (h - y).abs().sum()
    elif loss == "squared":
        data = ((h - y) ** 2).sum()
    else:
        data = torch.nn.functional.huber_loss(h, y, reduction="sum", delta=delta)
    pen = torch.zeros((), dtype=torch.float64)
    if spec is not None:
        l1, l2 = regularizers.coefficients(spec.method, spec.lam, spec.rho)
        pen = sum(l1 * w.abs().sum() + l2 * (w * w).sum() / 2 for w in weights)
    params = weights + biases + slopes
    grads = torch.autograd.grad(data + pen, params)
    return [p.detach().numpy() for p in params], [g.numpy() for g in grads], data.item(), float(pen.detach())


def reference_step(snap, k, activation, xb, yb, loss, delta, spec):
    """One plain SGD step of model k on its whole cost; returns new weights, biases, slopes, losses."""
    params, grads, data, pen = autograd_gradients(snap, k, activation, xb, yb, loss, delta, spec)
    new = [p - spec.learning_rate * g for p, g in zip(params, grads)]
    nw, nb = len(snap.weights), len(snap.biases)
    return new[:nw], new[nw : nw + nb], new[nw + nb :], data, pen


# ---------------------------------------------------------------- the update rules, one float at a time
def _sign(v: float) -> float:
    return (v > 0) - (v < 0)


def oracle_step(w: float, g: float, lr: float, l1: float, l2: float, rule: str | None) -> float:
    """The rules as regularizers.py's docstring and issue 6 state them (Tsuruoka et al. 2009), one
    float at a time; rule None: the model has no L1 term."""
    half = w - lr * (g + l2 * w)
    if rule is None:
        return half
    if rule == "proximal":
        return _sign(half) * max(abs(half) - lr * l1, 0.0)
    new = half - lr * l1 * _sign(w)
    if rule == "clip" and half * new < 0:
        return 0.0
    return new

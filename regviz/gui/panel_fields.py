"""What the parameter panel shows: one Field per config value, with its label, range and tooltip.

A field marked live changes the running models in place; any other needs a reset. A choice shows
words a person reads ("Elastic net"); its item data is the identifier the config, CLI and JSON use.
"""

from __future__ import annotations

from dataclasses import dataclass

from regviz.core import config as cfgmod
from regviz.core.activations import ACTIVATIONS

LAMBDA_MIN_LOG, LAMBDA_MAX_LOG = -5.0, 1.0  # the lambda slider spans 1e-5 .. 10 (the spin box also takes 0)


@dataclass(frozen=True)
class Field:
    key: str  # dotted config name, e.g. "training.learning_rate"
    label: str
    kind: str  # int, float, choice, bool, lambda, layers
    tip: str
    low: float = 0
    high: float = 0
    decimals: int = 3
    step: float = 1.0
    choices: tuple[tuple[str, str], ...] = ()  # (identifier, the words shown)
    live: bool = False
    object_name: str = ""


def labelled(identifiers: tuple[str, ...], labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Every identifier with its words; a KeyError at import if one has none."""
    return tuple((name, labels[name]) for name in identifiers)


METHOD_LABELS = {"none": "None", "l1": "L1 (lasso)", "l2": "L2 (ridge)", "elasticnet": "Elastic net"}
LOSS_LABELS = {"abs": "Sum of |error|", "squared": "Sum of squared error", "huber": "Huber"}
L1_RULE_LABELS = {"subgradient": "Subgradient", "clip": "Clip at zero", "proximal": "Proximal (soft threshold)"}
NOISE_LABELS = {"uniform": "Uniform (upward)", "gaussian": "Gaussian", "none": "None"}
SHIFT_MODE_LABELS = {"shared": "One shared shift", "each": "One per outlier"}
ACTIVATION_LABELS = {name: activation.label for name, activation in ACTIVATIONS.items()}
ACTIVATION_PARAM_LABELS = {"slope": "Slope a (x < 0)", "init": "Initial slope a", "lower": "Lower divisor l",
                           "upper": "Upper divisor u", "alpha": "α (alpha)"}

DATA_FIELDS = (
    Field("data.n_samples", "Samples", "int", "Number of points drawn along the line (train + test).", 4, 2000),
    Field("data.x_min", "x from", "float", "Smallest x of the evenly spaced points.", -1000, 1000, 2, 0.5),
    Field("data.x_max", "x to", "float", "Largest x of the evenly spaced points.", -1000, 1000, 2, 0.5),
    Field("data.slope", "Slope", "float", "Clean line y = slope·x + intercept.", -100, 100, 2, 0.1),
    Field("data.intercept", "Intercept", "float", "Clean line y = slope·x + intercept.", -1000, 1000, 2, 0.5),
    Field("data.noise", "Noise", "choice",
          "Uniform (upward): + U[0, scale) on every y (as in the article's script);\n"
          "Gaussian: + N(0, scale²);  None: points on the line.",
          choices=labelled(cfgmod.NOISE_KINDS, NOISE_LABELS)),
    Field("data.noise_scale", "Noise scale", "float", "Width of the uniform noise, or the Gaussian's σ.", 0, 100, 2, 0.5),
    Field("data.outliers", "Outliers", "int", "How many points get an upward shift (evenly spaced, all in training).", 0, 2000),
    Field("data.outlier_shift", "Outlier shift", "float", "Shifts are drawn from U[0, this).", -1000, 1000, 2, 1.0),
    Field("data.outlier_shift_mode", "Shift", "choice",
          "One shared shift: the same shift for every outlier (the article's script);\n"
          "One per outlier: a draw for each.", choices=labelled(cfgmod.OUTLIER_SHIFT_MODES, SHIFT_MODE_LABELS)),
    Field("data.test_fraction", "Test share", "float", "Share of the points held out for the test error (every k-th point).",
          0.05, 0.8, 2, 0.05),
    Field("data.seed", "Data seed", "int", "Seed of the noise and outlier draw. 'New draw' adds one.", 0, 2**31 - 1,
          object_name="dataSeedSpin"),
)

MODEL_FIELDS = (
    Field("model.hidden_layers", "Hidden layers", "layers",
          "Widths of the hidden layers, comma separated (1 to 8 layers, 1 to 512 each). The article: 10,10,10.",
          object_name="hiddenLayersEdit"),
    Field("model.activation", "Activation", "choice",
          "Applied after every hidden layer. Linear (identity) is the article's network (purely affine).",
          choices=labelled(tuple(ACTIVATIONS), ACTIVATION_LABELS), object_name="activationCombo"),
)

TRAINING_FIELDS = (
    Field("training.loss", "Loss", "choice",
          "Sum of |error|: Σ|ŷ − y| over the batch (the article's);  Sum of squared error: Σ(ŷ − y)²;\n"
          "Huber: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond.", choices=labelled(cfgmod.LOSSES, LOSS_LABELS),
          object_name="lossCombo"),
    Field("training.learning_rate", "Learning rate", "float", "SGD step: w ← w − lr·∂cost/∂w. Changes live.",
          1e-5, 10, 5, 0.001, live=True, object_name="learningRateSpin"),
    Field("training.batch_size", "Batch size", "int", "Samples per SGD step (the article: 1).", 1, 2000,
          object_name="batchSizeSpin"),
    Field("training.epochs", "Epochs", "int", "Training pauses after this many passes over the training points.",
          1, 1_000_000, live=True, object_name="epochsSpin"),
    Field("training.shuffle", "Shuffle", "bool", "Reshuffle the training points every epoch (the article: fixed order).",
          object_name="shuffleCheck"),
    Field("training.seed", "Init seed", "int", "Seed of the Xavier-uniform initial weights.", 0, 2**31 - 1,
          object_name="initSeedSpin"),
)

REGULARIZATION_FIELDS = (
    Field("regularization.method", "Regularizer", "choice",
          "None: cost = data loss\nL1 (lasso): + λ·Σ|W|\nL2 (ridge): + λ·ΣW²/2\n"
          "Elastic net: + λ·(ρ·Σ|W| + (1−ρ)·ΣW²/2)\nBiases are not penalised. Changes live.",
          choices=labelled(cfgmod.METHODS, METHOD_LABELS), live=True, object_name="regularizerCombo"),
    Field("regularization.lam", "λ (lambda)", "lambda",
          "Strength of the penalty (the article: 0.3). The slider is logarithmic. Changes live.",
          0, 1000, 5, live=True, object_name="lambdaSpin"),
    Field("regularization.rho", "ρ (elastic net)", "float", "Elastic net: share of the L1 term (0 = L2, 1 = L1). Changes live.",
          0, 1, 2, 0.05, live=True, object_name="rhoSpin"),
    Field("regularization.l1_rule", "L1 step rule", "choice",
          "How the L1 term moves a weight (only models with one: L1, elastic net; the others ignore it).\n"
          "Every rule first takes the data step v = w − lr·g (with the L2 part for elastic net).\n"
          "Subgradient: w ← v − lr·λ₁·sign(w): weights chatter around 0, never exactly 0\n"
          "Clip at zero: the same, but a weight the L1 step would carry across 0 stops at exactly 0\n"
          "    (Tsuruoka et al. 2009, TF Playground; unlike Playground a clipped weight may move again)\n"
          "Proximal (soft threshold): w ← sign(v)·max(|v| − lr·λ₁, 0): exact zeros\n"
          "λ₁ = λ for L1, λ·ρ for elastic net. Changes live.",
          choices=labelled(cfgmod.L1_RULES, L1_RULE_LABELS), live=True, object_name="l1RuleCombo"),
)

# The panel's sections, in order of use; Run stays on top and does not collapse. (key, title, fields)
SECTIONS = (
    ("regularization", "Regularization", REGULARIZATION_FIELDS),
    ("compare", "Compare", ()),
    ("model", "Model", MODEL_FIELDS),
    ("training", "Training", TRAINING_FIELDS),
    ("data", "Data", DATA_FIELDS),
)

SPEEDS = (("Max speed", None), ("Fast (1000 steps/s)", 1000.0), ("Medium (200 steps/s)", 200.0),
          ("Slow (20 steps/s)", 20.0))
# The seed run (4,000 steps) takes about 20 s: a pace to talk over.
DEFAULT_SPEED = 200.0
COMPARE_EXTRAS = (("none", "no penalty"), ("elasticnet", "elastic net"))

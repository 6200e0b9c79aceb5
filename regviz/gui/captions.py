"""The caption line under an exported figure, without Qt: what a slide needs to say where the
picture comes from (preset, models with their λ, step and epoch; the activation for its figure)."""

from __future__ import annotations

from typing import Sequence

from regviz.core.records import MemberSpec
from regviz.gui.session import member_label


def figure_caption(preset: str, members: Sequence[MemberSpec], step: int, epoch: int, what: str = "",
                   activation_label: str = "") -> str:
    """'regviz · seed · L1 λ=0.3 vs L2 λ=0.3 · step 4,000 (epoch 100)', plus the activation for the
    activations figure and the figure's name ('weights') when given."""
    models = " vs ".join(member_label(m) for m in members)
    parts = ["regviz", preset]
    if what:
        parts.append(what)
    parts += [models, f"step {step:,} (epoch {epoch:,})"]
    if activation_label:
        parts.append(f"activation: {activation_label}")
    return " · ".join(parts)

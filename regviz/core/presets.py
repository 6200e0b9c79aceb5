"""Named experiment presets, shipped as JSON in resources/presets (inside the wheel too)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from regviz.core.config import ConfigError, ExperimentConfig

DEFAULT_PRESET = "seed"


def resources_dir() -> Path:
    """The resources folder: the packaged copy when installed, the top-level one in a checkout."""
    try:
        packaged = importlib.resources.files("regviz.resources")
        path = Path(str(packaged))
        if (path / "presets").is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "resources"


def preset_names() -> list[str]:
    return sorted(p.stem for p in (resources_dir() / "presets").glob("*.json"))


def load_preset(name: str = DEFAULT_PRESET) -> ExperimentConfig:
    """A shipped preset by name; never a path (the name must be one of preset_names())."""
    names = preset_names()
    if not isinstance(name, str) or name not in names:
        raise ConfigError("preset", name, "one of " + ", ".join(names))
    return ExperimentConfig.load(resources_dir() / "presets" / f"{name}.json")


def preset_descriptions() -> list[tuple[str, str]]:
    """(name, one-line description) of every shipped preset, in name order."""
    return [(name, load_preset(name).description) for name in preset_names()]

"""Data files shipped inside the wheel as regviz.resources (presets)."""

"""The Qt-free core: config, data, activations, regularizers, the batched engine, experiments.

Nothing under regviz.core may import Qt.
"""

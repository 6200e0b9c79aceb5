"""regviz: a desktop lab that makes L1/L2 regularization and activation functions visible."""

__version__ = "0.1.0"

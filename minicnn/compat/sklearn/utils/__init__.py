"""scikit-learn's ``sklearn.utils`` helpers lessons import (with ``sklearn`` -> ``minicnn``):
``minicnn.utils.class_weight.compute_class_weight``."""
from minicnn.compat.sklearn.utils import class_weight

__all__ = ["class_weight"]

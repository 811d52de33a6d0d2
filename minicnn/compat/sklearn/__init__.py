"""scikit-learn's names lessons import (``sklearn`` -> ``minicnn``): metrics,
model_selection and utils.class_weight, with scikit-learn's semantics."""

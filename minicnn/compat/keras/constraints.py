"""keras.constraints: weight constraints (minicnn/regularizers.py), projections applied
to a layer's weights after each update (Dense(kernel_constraint=max_norm(2.0)))."""
from minicnn.compat.missing import missing_names
from minicnn.regularizers import (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, max_norm,
                                  min_max_norm, non_neg, unit_norm)
from minicnn.regularizers import get_constraint as get


def serialize(constraint):
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config):
    return get(config)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm",
           "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]
__getattr__ = missing_names("keras.constraints", {}, __all__)

"""keras.optimizers.schedules: the learning-rate schedules (minicnn/schedules.py)."""
from minicnn.compat.missing import missing_names
from minicnn.schedules import (CosineDecay, CosineDecayRestarts, ExponentialDecay,
                               InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay,
                               PolynomialDecay, get)


def serialize(schedule):
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config):
    return get(config)


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "serialize",
           "deserialize"]
__getattr__ = missing_names("keras.optimizers.schedules", {}, __all__)

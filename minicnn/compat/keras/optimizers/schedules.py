"""keras.optimizers.schedules: ExponentialDecay."""
from minicnn.compat.missing import hint_each, missing_names
from minicnn.schedules import ExponentialDecay, LearningRateSchedule

__all__ = ["ExponentialDecay", "LearningRateSchedule"]

HINTS = hint_each(["PiecewiseConstantDecay", "CosineDecay", "CosineDecayRestarts",
                   "InverseTimeDecay", "PolynomialDecay"],
                  "minicnn has ExponentialDecay; any other schedule is a function of the epoch "
                  "given to callbacks.LearningRateScheduler.")
__getattr__ = missing_names("keras.optimizers.schedules", HINTS, __all__)

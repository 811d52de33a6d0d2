"""keras.optimizers: minicnn's optimizers (minicnn/optimizers.py) and the learning-rate
schedules (keras.optimizers.schedules)."""
from minicnn.compat.keras.optimizers import schedules
from minicnn.compat.missing import hint_each, missing_names
from minicnn.optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer,
                                RMSprop, get)

__all__ = ["SGD", "Adam", "AdamW", "Nadam", "Adamax", "Adagrad", "Adadelta", "RMSprop",
           "Optimizer", "get", "schedules"]

HINTS = {
    **hint_each(["Ftrl", "Lion", "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW"],
                "minicnn's optimizers are SGD, Adam, AdamW, Nadam, Adamax, Adagrad, Adadelta and "
                "RMSprop (the ones image classifiers use)."),
    "LossScaleOptimizer": "minicnn computes in float32: no loss scaling for mixed precision.",
    "legacy": "minicnn has no legacy (Keras 2) optimizers: they take learning_rate= (not lr=).",
}
__getattr__ = missing_names("keras.optimizers", HINTS, __all__)

"""keras.optimizers: SGD, Adam and RMSprop, and the learning-rate schedules."""
from minicnn.compat.missing import hint_each, missing_names
from minicnn.compat.keras.optimizers import schedules
from minicnn.optimizers import SGD, Adam, Optimizer, RMSprop, get

__all__ = ["SGD", "Adam", "RMSprop", "Optimizer", "get", "schedules"]

HINTS = {
    **hint_each(["AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion", "Adafactor",
                 "LossScaleOptimizer"],
                "minicnn's optimizers are SGD (with momentum, Nesterov and weight_decay), Adam "
                "and RMSprop."),
    "legacy": "minicnn has no legacy (Keras 2) optimizers: SGD, Adam and RMSprop take "
              "learning_rate= (not lr=).",
}
__getattr__ = missing_names("keras.optimizers", HINTS, __all__)

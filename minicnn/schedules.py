"""Learning-rate schedules, as Keras's keras.optimizers.schedules: the rate as a
function of the step, given to an optimizer as its learning_rate.

    lr = optimizers.schedules.ExponentialDecay(0.01, decay_steps=1000, decay_rate=0.9)
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), ...)

The optimizer asks the schedule for the rate of each step with the number of
steps taken before it (0 for the first step), as Keras does.
"""
import math

from minicnn.arguments import check_number


class LearningRateSchedule:
    """Base class: ``schedule(step)`` -> the learning rate of that step."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__}.__call__")

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate * decay_rate ** (step / decay_steps);
    with staircase=True the exponent is floor(step / decay_steps), so the rate
    drops by decay_rate once every decay_steps steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = check_number("ExponentialDecay", "initial_learning_rate",
                                                  initial_learning_rate, low=0, low_open=True)
        check_number("ExponentialDecay", "decay_steps", decay_steps, low=0, low_open=True)
        self.decay_steps = decay_steps
        self.decay_rate = check_number("ExponentialDecay", "decay_rate", decay_rate, low=0,
                                       low_open=True)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step):
        exponent = float(step) / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate ** exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def get(identifier):
    """A schedule from an object or {"class_name": "ExponentialDecay", "config": {...}}."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict) and identifier.get("class_name") == "ExponentialDecay":
        return ExponentialDecay(**(identifier.get("config") or {}))
    raise ValueError(f"unknown learning-rate schedule {identifier!r:.80}; minicnn has "
                     f"ExponentialDecay")

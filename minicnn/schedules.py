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


class InverseTimeDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate / (1 + decay_rate * step / decay_steps); with
    staircase=True, step / decay_steps is rounded down."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = check_number("InverseTimeDecay", "initial_learning_rate",
                                                  initial_learning_rate, low=0, low_open=True)
        check_number("InverseTimeDecay", "decay_steps", decay_steps, low=0, low_open=True)
        self.decay_steps = decay_steps
        self.decay_rate = check_number("InverseTimeDecay", "decay_rate", decay_rate, low=0)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """lr(step) = (initial - end) * (1 - step / decay_steps) ** power + end, the step
    held at decay_steps afterwards (the rate stays at end_learning_rate); with
    cycle=True, decay_steps grows to the first multiple of itself above the step."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = check_number("PolynomialDecay", "initial_learning_rate",
                                                  initial_learning_rate, low=0)
        check_number("PolynomialDecay", "decay_steps", decay_steps, low=0, low_open=True)
        self.decay_steps = decay_steps
        self.end_learning_rate = check_number("PolynomialDecay", "end_learning_rate",
                                              end_learning_rate, low=0)
        self.power = check_number("PolynomialDecay", "power", power)
        self.cycle, self.name = bool(cycle), name

    def __call__(self, step):
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power
                + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] up to and including step boundaries[0], values[1] up to boundaries[1],
    ..., values[-1] after the last boundary (len(values) = len(boundaries) + 1)."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: values must have one more element than "
                             f"boundaries, got {len(values)} values and {len(boundaries)} "
                             f"boundaries")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to alpha times it, over decay_steps steps:

        decayed(s) = (1 - alpha) * 0.5 * (1 + cos(pi * min(s, decay_steps) / decay_steps)) + alpha
        lr(step)   = initial_learning_rate * decayed(step)

    With warmup_target, first warmup_steps steps of linear warm-up from
    initial_learning_rate to warmup_target, then the cosine from warmup_target:
    lr(step) = initial + (target - initial) * step / warmup_steps while step <
    warmup_steps, else target * decayed(step - warmup_steps). Keras's formula."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = check_number("CosineDecay", "initial_learning_rate",
                                                  initial_learning_rate, low=0)
        check_number("CosineDecay", "decay_steps", decay_steps, low=0, low_open=True)
        self.decay_steps = decay_steps
        self.alpha = check_number("CosineDecay", "alpha", alpha, low=0, high=1)
        self.warmup_target = None if warmup_target is None else check_number(
            "CosineDecay", "warmup_target", warmup_target, low=0)
        check_number("CosineDecay", "warmup_steps", warmup_steps, low=0)
        self.warmup_steps = warmup_steps
        self.name = name

    def decayed(self, step):
        """The cosine's factor, from 1 at step 0 to alpha at decay_steps and after."""
        fraction = min(float(step), self.decay_steps) / self.decay_steps
        return (1 - self.alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + self.alpha

    def __call__(self, step):
        if self.warmup_target is None:
            return self.initial_learning_rate * self.decayed(step)
        step = min(float(step), self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            return (self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate)
                    * step / self.warmup_steps)
        return self.warmup_target * self.decayed(step - self.warmup_steps)

    def get_config(self):
        config = {"initial_learning_rate": self.initial_learning_rate,
                  "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                  "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}
        if self.warmup_target is None:  # model files hold numbers and names only
            del config["warmup_target"]
        return config


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): a cosine over first_decay_steps, then
    again over t_mul times as many steps, each restart starting from m_mul times the
    previous peak; alpha is the floor as a fraction of the peak. Keras's formula:
    with f = step / first_decay_steps, the restart i and the fraction done in it are
    i = floor(f), f - i when t_mul = 1, else i = floor(log(1 - f (1 - t_mul)) /
    log t_mul) and (f - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i; then
    lr = initial * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * fraction)) + alpha)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        owner = "CosineDecayRestarts"
        self.initial_learning_rate = check_number(owner, "initial_learning_rate",
                                                  initial_learning_rate, low=0)
        check_number(owner, "first_decay_steps", first_decay_steps, low=0, low_open=True)
        self.first_decay_steps = first_decay_steps
        self.t_mul = check_number(owner, "t_mul", t_mul, low=0, low_open=True)
        self.m_mul = check_number(owner, "m_mul", m_mul, low=0)
        self.alpha = check_number(owner, "alpha", alpha, low=0, high=1)
        self.name = name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul)) /
                                 math.log(self.t_mul))
            done = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            fraction = (fraction - done) / self.t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PolynomialDecay,
                                           PiecewiseConstantDecay, CosineDecay,
                                           CosineDecayRestarts)}


def get(identifier):
    """A schedule from an object or {"class_name": "CosineDecay", "config": {...}}."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict) and identifier.get("class_name") in SCHEDULES:
        return SCHEDULES[identifier["class_name"]](**(identifier.get("config") or {}))
    raise ValueError(f"unknown learning-rate schedule {identifier!r:.80}; minicnn has "
                     f"{', '.join(SCHEDULES)}")

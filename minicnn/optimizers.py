"""Optimizers: update parameters in place from gradients the layers computed.

An optimizer sees only (key, param, grad) triples; it never runs inside a
backward pass, so gradients stay inspectable after a step. State (velocities,
moments) is kept per key. Defaults are Keras's.

The learning rate is a number, or a schedule (schedules.py) that gives the
rate of each step from the number of steps taken before it, as Keras's.
``optimizer.learning_rate`` reads the rate of the next step and, without a
schedule, sets it (ReduceLROnPlateau and LearningRateScheduler do).

A step is all or nothing. ``apply_gradients`` first computes every new
parameter and state array; if any is not finite it changes nothing and raises
FloatingPointError; otherwise it writes them all, with Ctrl-C held back until
the last one is written, so an interrupt never leaves half a step behind.
"""
import warnings

import numpy as np

from minicnn import interrupts
from minicnn.arguments import by_name, check_number
from minicnn.schedules import LearningRateSchedule


class Optimizer:
    def __init__(self, learning_rate, **keras_only):
        refuse_keras_only(type(self).__name__, keras_only)
        self.schedule = None  # a LearningRateSchedule, or None for a fixed rate
        self.iterations = 0
        self.learning_rate = learning_rate
        self.state = {}  # (key, slot name) -> array

    @property
    def learning_rate(self):
        """The rate of the next step: the schedule's at ``iterations``, or the number."""
        if self.schedule is not None:
            return float(self.schedule(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        owner = type(self).__name__
        if isinstance(value, LearningRateSchedule):
            self.schedule = value
            return
        if self.schedule is not None:
            raise TypeError(f"{owner}: the learning rate follows {type(self.schedule).__name__}, "
                            f"so it cannot be set (as in Keras); create the optimizer with a "
                            f"number as learning_rate to change it")
        self._learning_rate = check_number(owner, "learning_rate", value, low=0, low_open=True)

    def apply_gradients(self, items, new_state=()):
        """items: (key, param, grad) triples, as model.parameters() lists them; each
        param is updated in place. Or Keras's (gradient, variable) pairs, as a custom
        training loop gives them: apply_gradients(zip(grads, model.trainable_variables)).
        new_state: (key, array, new value) of arrays the step also writes (the
        layers' running statistics), checked and written with the parameters."""
        items = [item if len(item) == 3 else _from_variable(*item) for item in items]
        items = [item for item in items if item is not None]
        t = self.iterations + 1
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            updates = [(key, param, *self.update(key, param, grad, t)) for key, param, grad in items]
        checks = [(key, name, value) for key, _, new_param, slots in updates
                  for name, value in [("value", new_param), *slots.items()]]
        for key, name, value in checks + [(key, "value", value) for key, _, value in new_state]:
            if not np.all(np.isfinite(value)):
                raise FloatingPointError(f"the update made {key} ({name}) non-finite; the "
                                         f"weights were not updated (lower the learning rate)")
        with interrupts.held():
            for key, param, new_param, slots in updates:
                param[...] = new_param
                for name, value in slots.items():
                    self.state[(key, name)] = value
            for _, array, value in new_state:
                array[...] = value
            self.iterations = t

    def apply(self, grads, variables):
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``."""
        self.apply_gradients(zip(grads, variables))

    def update(self, key, param, grad, t):
        """(the new value of param, {slot name: new slot array}) for step t; changes nothing."""
        raise NotImplementedError(f"{type(self).__name__}.update")

    def _slot(self, key, name, like):
        return self.state.get((key, name), np.zeros_like(like))

    def get_state(self):
        """Everything a resumed run needs: {"iterations": t, "key/slot": array}."""
        return {"iterations": np.array(self.iterations),
                **{f"{key}/{name}": value for (key, name), value in self.state.items()}}

    def get_config(self):
        """The constructor's arguments; a schedule as {"class_name", "config"}."""
        rate = (self._learning_rate if self.schedule is None else
                {"class_name": type(self.schedule).__name__, "config": self.schedule.get_config()})
        return {"learning_rate": rate, **self.config}

    def set_state(self, arrays):
        self.iterations = int(arrays["iterations"])
        self.state = {tuple(k.rsplit("/", 1)): np.array(v) for k, v in arrays.items()
                      if k != "iterations"}


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and Nesterov as in Keras.

        v = momentum * v - lr * g
        p = p + v                            (plain / momentum)
        p = p + momentum * v - lr * g        (nesterov=True)
    weight_decay is decoupled (as Keras 3): p = p - lr * weight_decay * p first.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0,
                 **keras_only):
        super().__init__(learning_rate, **keras_only)
        self.momentum = check_number("SGD", "momentum", momentum, low=0, high=1, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)
        self.weight_decay = check_number("SGD", "weight_decay", weight_decay, low=0)
        self.config = {"momentum": self.momentum, "nesterov": self.nesterov,
                       "weight_decay": self.weight_decay}

    def apply(self, grads, variables):
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``."""
        self.apply_gradients(zip(grads, variables))

    def update(self, key, param, grad, t):
        lr = self.learning_rate
        if self.weight_decay:
            param = param - lr * self.weight_decay * param
        if self.momentum == 0:
            return param - lr * grad, {}
        velocity = self.momentum * self._slot(key, "velocity", param) - lr * grad
        step = self.momentum * velocity - lr * grad if self.nesterov else velocity
        return param + step, {"velocity": velocity}


class Adam(Optimizer):
    """Adam, in Keras's form (epsilon added after the square root, bias
    correction folded into the step size):

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        p = p - lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **keras_only):
        super().__init__(learning_rate, **keras_only)
        self.beta_1 = check_number("Adam", "beta_1", beta_1, low=0, high=1, high_open=True)
        self.beta_2 = check_number("Adam", "beta_2", beta_2, low=0, high=1, high_open=True)
        self.epsilon = check_number("Adam", "epsilon", epsilon, low=0)
        self.config = {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def apply(self, grads, variables):
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``."""
        self.apply_gradients(zip(grads, variables))

    def update(self, key, param, grad, t):
        m = self._slot(key, "m", param)
        v = self._slot(key, "v", param)
        m = m + (1 - self.beta_1) * (grad - m)
        v = v + (1 - self.beta_2) * (grad * grad - v)
        step = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        new = param - (step * m / (np.sqrt(v) + self.epsilon)).astype(param.dtype, copy=False)
        return new, {"m": m, "v": v}


class RMSprop(Optimizer):
    """RMSprop, in Keras's form: each weight's step divided by the root of a running
    mean of its squared gradients (epsilon inside the root).

        v = rho * v + (1 - rho) * g**2                      ("velocity")
        centered:  a = rho * a + (1 - rho) * g;  d = v - a**2 + epsilon
        else:      d = v + epsilon
        step = lr * g / sqrt(d)
        momentum > 0:  m = momentum * m + step;  p = p - m
        else:          p = p - step
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **keras_only):
        super().__init__(learning_rate, **keras_only)
        self.rho = check_number("RMSprop", "rho", rho, low=0, high=1)
        self.momentum = check_number("RMSprop", "momentum", momentum, low=0, high=1,
                                     high_open=True)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, low=0)
        self.centered = check_bool("RMSprop", "centered", centered)
        self.config = {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered}

    def apply(self, grads, variables):
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``."""
        self.apply_gradients(zip(grads, variables))

    def update(self, key, param, grad, t):
        slots = {"velocity": self._slot(key, "velocity", param)}
        slots["velocity"] = self.rho * slots["velocity"] + (1 - self.rho) * grad * grad
        if self.centered:
            average = self._slot(key, "average_gradient", param)
            slots["average_gradient"] = self.rho * average + (1 - self.rho) * grad
            denominator = slots["velocity"] - slots["average_gradient"] ** 2 + self.epsilon
        else:
            denominator = slots["velocity"] + self.epsilon
        step = self.learning_rate * grad / np.sqrt(denominator)
        if self.momentum > 0:
            slots["momentum"] = self.momentum * self._slot(key, "momentum", param) + step
            step = slots["momentum"]
        return param - step.astype(param.dtype, copy=False), slots


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def _from_variable(grad, variable):
    """(key, param, grad) from a Keras (gradient, variable) pair; None for a variable
    with no gradient (Keras skips it too)."""
    if grad is None:
        return None
    if not hasattr(variable, "assign"):
        raise TypeError(f"apply_gradients: expected (gradient, variable) pairs, got a "
                        f"{type(variable).__name__} where the variable goes "
                        f"(zip(grads, model.trainable_variables))")
    return variable.key, variable.value, np.asarray(grad, dtype=variable.dtype)


def get(optimizer):
    """An optimizer from an object or a name ("sgd", "adam", "rmsprop"), with default settings."""
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    if not isinstance(optimizer, (str, Optimizer)):
        raise ValueError(f"optimizer must be a name ({', '.join(sorted(OPTIMIZERS))}) or an "
                         f"optimizer object such as minicnn.optimizers.Adam(1e-3), got "
                         f"{optimizer!r:.80}")
    return by_name("optimizer", optimizer, OPTIMIZERS)


def check_bool(owner, arg, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {arg} must be True or False, got {value!r}")
    return bool(value)


def refuse_keras_only(owner, arguments):
    """Keras's optimizer arguments minicnn lacks. name= is accepted; decay= is
    ignored with a warning, as Keras 3 ignores it; lr= is refused, as Keras 3
    refuses it; the rest (clipnorm, use_ema, ...) are refused unless None."""
    for arg, value in arguments.items():
        if arg == "name" or value is None:
            continue
        if arg == "decay":
            warnings.warn(f"{owner}: decay= (Keras 2's per-step decay) is ignored, as Keras 3 "
                          f"ignores it; give learning_rate=optimizers.schedules."
                          f"ExponentialDecay(...) for a decaying rate", UserWarning, stacklevel=4)
            continue
        hint = ("lr is Keras 2's name: write learning_rate=" if arg == "lr" else
                f"minicnn's {owner} has no {arg} argument (Keras's gradient clipping, moving "
                f"averages of the weights and loss scaling are not part of minicnn)")
        raise ValueError(f"{owner}({arg}={value!r}): {hint}")

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
import re
import warnings

import numpy as np

from minicnn import interrupts
from minicnn.arguments import by_name, check_number
from minicnn.schedules import LearningRateSchedule


class Optimizer:
    """What every optimizer shares: the learning rate (or schedule), the step count,
    the state arrays, and Keras's options around the update, applied in Keras's order:

        clipnorm:        each gradient g scaled to norm at most clipnorm
        global_clipnorm: all gradients scaled together to a total norm at most that
        clipvalue:       each element clipped to [-clipvalue, clipvalue]
        weight_decay:    p = p - lr * weight_decay * p before the update (decoupled, as
                         Keras 3; exclude_from_weight_decay names parameters it spares)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **keras_only):
        owner = type(self).__name__
        refuse_keras_only(owner, keras_only)
        self.schedule = None  # a LearningRateSchedule, or None for a fixed rate
        self.iterations = 0
        self.learning_rate = learning_rate
        self.state = {}  # (key, slot name) -> array
        self.name = name or re.sub(r"(?<=[a-z])(?=[A-Z])", "_", owner).lower()
        self.weight_decay = None if not weight_decay else check_number(
            owner, "weight_decay", weight_decay, low=0)
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if value is None else check_number(owner, arg, value, low=0, low_open=True)
            for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                               ("global_clipnorm", global_clipnorm)))
        if sum(value is not None for value in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: give at most one of clipnorm, clipvalue and "
                             f"global_clipnorm (as Keras)")
        self.excluded = ([], [])  # (parameter keys, name parts) spared by the weight decay
        self.built = False
        self.config = {}

    def options_config(self):
        """The options set (weight_decay, clipping), for get_config."""
        return {arg: getattr(self, arg) for arg in ("weight_decay", "clipnorm", "clipvalue",
                                                   "global_clipnorm")
                if getattr(self, arg) is not None}

    def clipped(self, grads):
        """The gradients as the clipping option leaves them (Keras's _clip_gradients)."""
        if self.clipnorm is not None:
            return [g * (self.clipnorm / max(np.sqrt(np.sum(g * g)), self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            total = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
            return [g * (self.global_clipnorm / max(total, self.global_clipnorm)) for g in grads]
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def decayed(self, key, param):
        """param after the decoupled weight decay of this step (itself when none)."""
        if not self.weight_decay or key in self.excluded[0] or any(
                part in key or part in _keras_path(key) for part in self.excluded[1]):
            return param
        return param - (self.learning_rate * self.weight_decay * param).astype(param.dtype)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Spare these variables (or those whose name contains one of var_names, e.g.
        "bias") from the weight decay, as Keras's method."""
        self.excluded = (self.excluded[0] + [v.key for v in var_list or []],
                         self.excluded[1] + list(var_names or []))

    def build(self, var_list):
        """Keras's: make the state for these variables. minicnn makes each array at the
        first update that needs it, so nothing is made here."""
        self.built = True

    @property
    def variables(self):
        """The step count and the state arrays, as tensors (Keras lists its own variables)."""
        from minicnn.tape.tensor import Tensor
        return [Tensor(np.array(self.iterations))] + [Tensor(v) for v in self.state.values()]

    @classmethod
    def from_config(cls, config):
        from minicnn.schedules import get as schedule
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedule(config["learning_rate"])
        return cls(**config)

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
        self._learning_rate = check_number(owner, "learning_rate", value, low=0)  # Keras takes 0 (no step)

    def apply_gradients(self, items, new_state=(), constraints=None):
        """items: (key, param, grad) triples, as model.parameters() lists them; each
        param is updated in place. Or Keras's (gradient, variable) pairs, as a custom
        training loop gives them: apply_gradients(zip(grads, model.trainable_variables)).
        new_state: (key, array, new value) of arrays the step also writes (the
        layers' running statistics), checked and written with the parameters.
        constraints: {key: constraint} projecting those parameters after their update
        (kernel_constraint=...); a variable's own layer's constraint applies by itself."""
        items, constraints = list(items), dict(constraints or {})
        constraints.update({item[1].key: item[1].constraint for item in items
                            if len(item) == 2 and getattr(item[1], "constraint", None) is not None})
        items = [item if len(item) == 3 else _from_variable(*item) for item in items]
        items = [item for item in items if item is not None]
        grads = self.clipped([grad for _, _, grad in items])
        t = self.iterations + 1
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            updates = [(key, param, *self.update(key, self.decayed(key, param), grad, t))
                       for (key, param, _), grad in zip(items, grads)]
            updates = [(key, param, constrained(constraints.get(key), new), slots)
                       for key, param, new, slots in updates]
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
            self.built = True

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
        return {"learning_rate": rate, **self.config, **self.options_config()}

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

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 **keras_only):
        super().__init__(learning_rate, weight_decay=weight_decay, **keras_only)
        self.momentum = check_number("SGD", "momentum", momentum, low=0, high=1, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)
        self.config = {"momentum": self.momentum, "nesterov": self.nesterov}

    def update(self, key, param, grad, t):
        lr = self.learning_rate
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

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **keras_only):
        super().__init__(learning_rate, **keras_only)
        owner = type(self).__name__
        self.beta_1 = check_number(owner, "beta_1", beta_1, low=0, high=1, high_open=True)
        self.beta_2 = check_number(owner, "beta_2", beta_2, low=0, high=1, high_open=True)
        self.epsilon = check_number(owner, "epsilon", epsilon, low=0)
        self.amsgrad = check_bool(owner, "amsgrad", amsgrad)
        self.config = {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       **({"amsgrad": True} if self.amsgrad else {})}

    def update(self, key, param, grad, t):
        m = self._slot(key, "m", param)
        v = self._slot(key, "v", param)
        m = m + (1 - self.beta_1) * (grad - m)
        v = v + (1 - self.beta_2) * (grad * grad - v)
        slots = {"m": m, "v": v}
        if self.amsgrad:  # the largest v so far divides the step: it never grows back
            v = slots["v_hat"] = np.maximum(self._slot(key, "v_hat", param), v)
        step = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        new = param - (step * m / (np.sqrt(v) + self.epsilon)).astype(param.dtype, copy=False)
        return new, slots


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


class AdamW(Adam):
    """Adam with Keras's default decoupled weight decay, 0.004: p = p - lr * 0.004 * p
    before each Adam update (the Optimizer base applies it)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **keras_only):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad,
                         weight_decay=weight_decay, **keras_only)


class Nadam(Adam):
    """Adam with Nesterov momentum, in Keras's form (Dozat's momentum schedule):

        u_s = beta_1 * (1 - 0.5 * 0.96**s),  U_t = u_1 * ... * u_t
        m, v as Adam's;   m_hat = u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t)
        p = p - lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 **keras_only):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **keras_only)
        self._products = (0, 1.0)  # (t, U_t), the last one worked out

    def momentum_at(self, s):
        return self.beta_1 * (1 - 0.5 * 0.96 ** s)

    def product(self, t):
        """U_t, from the last one worked out when it was U_{t-1} (else from the start)."""
        start, value = self._products if self._products[0] <= t else (0, 1.0)
        for s in range(start + 1, t + 1):
            value *= self.momentum_at(s)
        self._products = (t, value)
        return value

    def update(self, key, param, grad, t):
        m = self._slot(key, "m", param) + (1 - self.beta_1) * (grad - self._slot(key, "m", param))
        v = self._slot(key, "v", param) + (1 - self.beta_2) * (grad * grad - self._slot(key, "v", param))
        u_t, u_next, product = self.momentum_at(t), self.momentum_at(t + 1), self.product(t)
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * grad / (1 - product)
        v_hat = v / (1 - self.beta_2 ** t)
        step = self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)
        return param - step.astype(param.dtype, copy=False), {"m": m, "v": v}


class Adamax(Adam):
    """Adam with the infinity norm (Keras's form): m as Adam's, u = max(beta_2 u, |g|),
    p = p - lr * m / ((1 - beta_1**t) (u + epsilon))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 **keras_only):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **keras_only)

    def update(self, key, param, grad, t):
        m = self._slot(key, "m", param)
        m = m + (1 - self.beta_1) * (grad - m)
        u = np.maximum(self.beta_2 * self._slot(key, "u", param), np.abs(grad))
        step = self.learning_rate * m / ((1 - self.beta_1 ** t) * (u + self.epsilon))
        return param - step.astype(param.dtype, copy=False), {"m": m, "u": u}


class Adagrad(Optimizer):
    """Each weight's step divided by the root of the sum of its squared gradients so far:
        a = a + g**2   (a starts at initial_accumulator_value)
        p = p - lr * g / sqrt(a + epsilon)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **keras_only):
        super().__init__(learning_rate, **keras_only)
        self.initial_accumulator_value = check_number("Adagrad", "initial_accumulator_value",
                                                      initial_accumulator_value, low=0)
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, low=0)
        self.config = {"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon}

    def update(self, key, param, grad, t):
        start = np.full_like(param, self.initial_accumulator_value)
        accumulator = self.state.get((key, "accumulator"), start) + grad * grad
        step = self.learning_rate * grad / np.sqrt(accumulator + self.epsilon)
        return param - step.astype(param.dtype, copy=False), {"accumulator": accumulator}


class Adadelta(Optimizer):
    """Adadelta (Zeiler), in Keras's form: running means of squared gradients and of
    squared steps, their roots' ratio as the step size (rms(a) = sqrt(a + epsilon)):
        a = rho a + (1 - rho) g**2
        d = -rms(b) / rms(a) * g
        b = rho b + (1 - rho) d**2
        p = p + lr * d
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **keras_only):
        super().__init__(learning_rate, **keras_only)
        self.rho = check_number("Adadelta", "rho", rho, low=0, high=1)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, low=0)
        self.config = {"rho": self.rho, "epsilon": self.epsilon}

    def update(self, key, param, grad, t):
        rho, eps = self.rho, self.epsilon
        grads = rho * self._slot(key, "accumulated_grad", param) + (1 - rho) * grad * grad
        delta = -np.sqrt(self._slot(key, "accumulated_delta_var", param) + eps) / np.sqrt(
            grads + eps) * grad
        deltas = rho * self._slot(key, "accumulated_delta_var", param) + (1 - rho) * delta * delta
        new = param + (self.learning_rate * delta).astype(param.dtype, copy=False)
        return new, {"accumulated_grad": grads, "accumulated_delta_var": deltas}


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adamw": AdamW, "nadam": Nadam,
              "adamax": Adamax, "adagrad": Adagrad, "adadelta": Adadelta}


def _keras_path(key):
    """"layer.W" as Keras names the variable, "layer/kernel" (for var_names matching)."""
    from minicnn.tape.tensor import KERAS_NAMES
    layer, _, param = key.rpartition(".")
    return f"{layer}/{KERAS_NAMES.get(param, param)}"


def constrained(constraint, value):
    """The new value of a parameter projected by its constraint (or as it is)."""
    return value if constraint is None else np.asarray(constraint(value), dtype=value.dtype)


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
    """An optimizer from an object or a name ("sgd", "adam", "nadam", ...), with default settings."""
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
    """Keras's optimizer arguments minicnn lacks. decay= is ignored with a warning,
    as Keras 3 ignores it; lr= is refused, as Keras 3 refuses it; the rest (use_ema,
    loss_scale_factor, ...) are refused unless None or their default."""
    for arg, value in arguments.items():
        if value is None or (arg, value) in (("use_ema", False), ("ema_momentum", 0.99)):
            continue
        if arg == "decay":
            warnings.warn(f"{owner}: decay= (Keras 2's per-step decay) is ignored, as Keras 3 "
                          f"ignores it; give learning_rate=optimizers.schedules."
                          f"ExponentialDecay(...) for a decaying rate", UserWarning, stacklevel=4)
            continue
        hint = ("lr is Keras 2's name: write learning_rate=" if arg == "lr" else
                f"minicnn's {owner} has no {arg} argument (Keras's moving averages of the "
                f"weights, loss scaling and gradient accumulation are not part of minicnn)")
        raise ValueError(f"{owner}({arg}={value!r}): {hint}")

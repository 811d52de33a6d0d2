"""Optimizers: update parameters in place from gradients the layers computed.

An optimizer sees only (key, param, grad) triples; it never runs inside a
backward pass, so gradients stay inspectable after a step. State (velocities,
moments) is kept per key. Defaults are Keras's.

A step is all or nothing. ``apply_gradients`` first computes every new
parameter and state array; if any is not finite it changes nothing and raises
FloatingPointError; otherwise it writes them all, with Ctrl-C held back until
the last one is written, so an interrupt never leaves half a step behind.
"""
import contextlib
import signal
import threading

import numpy as np

from minicnn.arguments import by_name


class Optimizer:
    def __init__(self, learning_rate):
        if not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self.state = {}  # (key, slot name) -> array

    def apply_gradients(self, items):
        """items: iterable of (key, param, grad); each param is updated in place."""
        t = self.iterations + 1
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            updates = [(key, param, *self.update(key, param, grad, t)) for key, param, grad in items]
        for key, _, new_param, slots in updates:
            for name, value in [("value", new_param), *slots.items()]:
                if not np.all(np.isfinite(value)):
                    raise FloatingPointError(f"the update made {key} ({name}) non-finite; the "
                                             f"weights were not updated (lower the learning rate)")
        with interrupts_held():
            for key, param, new_param, slots in updates:
                param[...] = new_param
                for name, value in slots.items():
                    self.state[(key, name)] = value
            self.iterations = t

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
        return dict(self.config)

    def set_state(self, arrays):
        self.iterations = int(arrays["iterations"])
        self.state = {tuple(k.rsplit("/", 1)): np.array(v) for k, v in arrays.items()
                      if k != "iterations"}


def from_config(spec):
    """An optimizer from {"class_name": "Adam", "config": {...}} (what saving stores)."""
    classes = {"SGD": SGD, "Adam": Adam}
    if not isinstance(spec, dict) or spec.get("class_name") not in classes:
        raise ValueError(f"unknown optimizer {spec!r}; minicnn has {sorted(classes)}")
    return classes[spec["class_name"]](**spec.get("config", {}))


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and Nesterov as in Keras.

        v = momentum * v - lr * g
        p = p + v                            (plain / momentum)
        p = p + momentum * v - lr * g        (nesterov=True)
    weight_decay is decoupled (as Keras 3): p = p - lr * weight_decay * p first.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), float(weight_decay)
        self.config = {"learning_rate": self.learning_rate, "momentum": self.momentum,
                       "nesterov": self.nesterov, "weight_decay": self.weight_decay}

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

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.config = {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                       "beta_2": self.beta_2, "epsilon": self.epsilon}

    def update(self, key, param, grad, t):
        m = self._slot(key, "m", param)
        v = self._slot(key, "v", param)
        m = m + (1 - self.beta_1) * (grad - m)
        v = v + (1 - self.beta_2) * (grad * grad - v)
        step = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        new = param - (step * m / (np.sqrt(v) + self.epsilon)).astype(param.dtype, copy=False)
        return new, {"m": m, "v": v}


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get(optimizer):
    """An optimizer from an object or a name ("sgd", "adam"), with default settings."""
    return by_name("optimizer", optimizer, OPTIMIZERS)


@contextlib.contextmanager
def interrupts_held():
    """Hold back SIGINT (Ctrl-C) inside the block and raise KeyboardInterrupt
    after it, so the block runs whole. Only the main thread receives signals;
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if received and previous is not signal.SIG_IGN:
        raise KeyboardInterrupt

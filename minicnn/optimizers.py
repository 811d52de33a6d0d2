"""Optimizers: update parameters in place from gradients the layers computed.

An optimizer sees only (key, param, grad) triples; it never runs inside a
backward pass, so gradients stay inspectable after a step. State (velocities,
moments) is kept per key. Defaults are Keras's.
"""
import numpy as np


class Optimizer:
    def __init__(self, learning_rate):
        if not learning_rate > 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self.state = {}

    def apply_gradients(self, items):
        """items: iterable of (key, param, grad); each param is updated in place."""
        self.iterations += 1
        for key, param, grad in items:
            self.update(key, param, grad)

    def _slot(self, key, name, like):
        return self.state.setdefault((key, name), np.zeros_like(like))


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

    def update(self, key, param, grad):
        lr = self.learning_rate
        if self.weight_decay:
            param -= lr * self.weight_decay * param
        if self.momentum == 0:
            param -= lr * grad
            return
        velocity = self._slot(key, "velocity", param)
        velocity *= self.momentum
        velocity -= lr * grad
        if self.nesterov:
            param += self.momentum * velocity - lr * grad
        else:
            param += velocity


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

    def update(self, key, param, grad):
        t = self.iterations
        m = self._slot(key, "m", param)
        v = self._slot(key, "v", param)
        m += (1 - self.beta_1) * (grad - m)
        v += (1 - self.beta_2) * (grad * grad - v)
        step = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        param -= (step * m / (np.sqrt(v) + self.epsilon)).astype(param.dtype, copy=False)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get(optimizer):
    """An optimizer from an object or a name ("sgd", "adam"), with default settings."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(OPTIMIZERS)}")
        return OPTIMIZERS[optimizer.lower()]()
    return optimizer

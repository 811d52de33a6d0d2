"""Weight penalties, as Keras's regularizers: a term added to the loss for large weights.

    Dense(64, kernel_regularizer=regularizers.l2(0.01))

    L2(l2)         penalty = l2 * sum(w**2)             gradient = 2 * l2 * w
    L1(l1)         penalty = l1 * sum(|w|)              gradient = l1 * sign(w)
    L1L2(l1, l2)   the sum of the two

The model adds every regularized weight's penalty to the loss (so fit logs,
and evaluate returns, the cross-entropy plus the penalties, as Keras does) and
each penalty's gradient to that weight's gradient (Sequential.loss_value and
backward_loss). No 1/2 in front of the L2 sum: Keras's definition.

Weight constraints (Keras's keras.constraints) are the other way to keep weights
small: not a penalty but a projection, w <- constraint(w) after each update
(kernel_constraint=...). Norms are taken along ``axis`` (0: over a Dense kernel's
inputs, one norm per unit; use [0, 1, 2] for a Conv2D kernel's window and channels):

    MaxNorm(m)           w * min(|w|, m) / (eps + |w|)
    MinMaxNorm(lo, hi)   w * (rate * clip(|w|, lo, hi) + (1 - rate) |w|) / (eps + |w|)
    UnitNorm()           w / (eps + |w|)
    NonNeg()             w where w >= 0, else 0
"""
import numpy as np

from minicnn.arguments import check_number
from minicnn.tape import operations as ops


class Regularizer:
    """Base class: ``penalty(w)`` -> float and ``gradient(w)`` -> array like w."""

    def __call__(self, w):
        """Keras's regularizer(weight): the penalty as a tensor (tape operations on w),
        which a GradientTape differentiates: what model.losses holds."""
        raise NotImplementedError(f"{type(self).__name__}.__call__")

    def penalty(self, w):
        raise NotImplementedError(f"{type(self).__name__}.penalty")

    def gradient(self, w):
        raise NotImplementedError(f"{type(self).__name__}.gradient")

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """l1 * sum(|w|) + l2 * sum(w**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = check_number(type(self).__name__, "l1", l1, low=0)
        self.l2 = check_number(type(self).__name__, "l2", l2, low=0)

    def penalty(self, w):
        w = np.asarray(w, dtype=np.float64)
        return float(self.l1 * np.abs(w).sum() + self.l2 * np.square(w).sum())

    def __call__(self, w):
        return ops.add(ops.multiply(self.l1, ops.sum(ops.abs(w))),
                       ops.multiply(self.l2, ops.sum(ops.square(w))))

    def gradient(self, w):
        return (self.l1 * np.sign(w) + (2 * self.l2) * w).astype(w.dtype, copy=False)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|w|); gradient l1 * sign(w)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(w**2); gradient 2 * l2 * w."""

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """Keras's function: L1L2 with both factors 0.01 by default (the class defaults to 0)."""
    return L1L2(l1, l2)


l1, l2 = L1, L2
CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
NAMES = {"l1": L1, "l2": L2, "l1_l2": l1_l2}


def get(identifier, owner="regularizer"):
    """None, a Regularizer, a name ("l2": L2(0.01)) or a config dict
    ({"class_name": "L2", "config": {"l2": 0.01}}) -> a Regularizer or None."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in NAMES:
        return NAMES[identifier.lower()]()
    if isinstance(identifier, dict) and identifier.get("class_name") in CLASSES:
        try:
            return CLASSES[identifier["class_name"]](**(identifier.get("config") or {}))
        except TypeError as error:
            raise ValueError(f"{owner}: {identifier['class_name']}: {error}") from None
    raise ValueError(f"{owner}: a regularizer is regularizers.l2(0.01), l1(...), l1_l2(...), "
                     f"or the name 'l1', 'l2' or 'l1_l2'; got {identifier!r:.80}")


def serialize(regularizer):
    """What a layer's get_config stores: {"class_name": ..., "config": ...}."""
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


class Constraint:
    """Base class: ``constraint(w)`` -> the projected weights (an array like w)."""
    EPSILON = 1e-7  # keras.backend.epsilon()

    def __call__(self, w):
        return np.asarray(getattr(w, "value", w))

    def get_config(self):
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number("MinMaxNorm", "min_value", min_value, low=0)
        self.max_value = check_number("MinMaxNorm", "max_value", max_value, low=self.min_value)
        self.rate = check_number("MinMaxNorm", "rate", rate, low=0, high=1)
        self.axis = axis

    def __call__(self, w):
        w = super().__call__(w)
        norms = np.sqrt(np.sum(np.square(w), axis=_axes(self.axis), keepdims=True))
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return (w * desired / (self.EPSILON + norms)).astype(w.dtype)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class MaxNorm(MinMaxNorm):
    def __init__(self, max_value=2.0, axis=0):
        super().__init__(0.0, max_value, 1.0, axis)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(MinMaxNorm):
    def __init__(self, axis=0):
        super().__init__(1.0, 1.0, 1.0, axis)

    def get_config(self):
        return {"axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        w = super().__call__(w)
        return w * (w >= 0).astype(w.dtype)


def _axes(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


max_norm, min_max_norm, unit_norm, non_neg = MaxNorm, MinMaxNorm, UnitNorm, NonNeg
CONSTRAINTS = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "UnitNorm": UnitNorm,
               "NonNeg": NonNeg, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
               "unit_norm": UnitNorm, "non_neg": NonNeg}


def get_constraint(identifier, owner="constraint"):
    """None, a Constraint (or any function of the weights), a name ("max_norm") or a
    config dict -> a constraint or None."""
    if identifier is None or callable(identifier) and not isinstance(identifier, type):
        return identifier
    if isinstance(identifier, str) and identifier in CONSTRAINTS:
        return CONSTRAINTS[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in CONSTRAINTS:
        return CONSTRAINTS[identifier["class_name"]](**(identifier.get("config") or {}))
    raise ValueError(f"{owner}: a constraint is constraints.MaxNorm(2), NonNeg(), UnitNorm(), "
                     f"MinMaxNorm(...), or their names; got {identifier!r:.80}")


def constraint_options(layer, given):
    """Set a layer's ``*_constraint`` arguments (Keras's names) as objects and return
    {parameter: constraint} for those given. given: {argument: (value, parameter)}."""
    constraints = {}
    for arg, (value, parameter) in given.items():
        setattr(layer, arg, get_constraint(value, f"{layer.name}: {arg}"))
        if parameter is not None and getattr(layer, arg) is not None:
            constraints[parameter] = getattr(layer, arg)
    return constraints


def constraints_of(model):
    """{parameter key ("layer.W"): constraint} of a model's constrained parameters:
    what the optimizer projects after each update (apply_gradients(constraints=))."""
    return {v.key: v.layer.constraints[v.param] for v in model.trainable_variables
            if v.param in getattr(v.layer, "constraints", {})}


def penalised(model):
    """(layer, key, penalty) for every penalised parameter of a model, its nested
    models' included."""
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from penalised(layer)
        else:
            for key, penalty in layer.regularizers.items():
                yield layer, key, penalty


def total_penalty(model):
    """The sum of a model's weight penalties (kernel_regularizer, ...): part of its loss."""
    return sum((penalty.penalty(layer.params[key]) for layer, key, penalty in penalised(model)),
               0.0)


def add_penalty_gradients(model):
    """Add each penalty's gradient to its parameter's gradient (after backward)."""
    for layer, key, penalty in penalised(model):
        layer.grads[key] = layer.grads[key] + penalty.gradient(layer.params[key])

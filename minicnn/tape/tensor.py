"""Tensors and variables: arrays a GradientTape can follow.

A ``Tensor`` is a NumPy array (``.value``) as TensorFlow's eager tensors are:
``t.numpy()``, ``t.shape``, ``t.dtype``, indexing, arithmetic, and NumPy on it
(``np.asarray(t)``, ``np.mean(t)``: NumPy's answers are arrays, which no tape
follows). Arithmetic and the functions of operations.py (``tf.*``,
``keras.ops.*``) give tensors a recording tape follows.

A ``Variable`` holds an array that changes in place (``assign``): a free one
(``tf.Variable(...)``), or a layer's parameter (``layer.trainable_variables``),
which it reads from the layer each time, so it is always the array the layer
computes with.
"""
import numpy as np


class Tensor:
    __array_priority__ = 100  # ndarray + tensor: the tensor's __radd__ answers (and records)

    def __init__(self, value):
        self.value = value if isinstance(value, np.ndarray) else np.asarray(value)

    # -- as TensorFlow's eager tensors -------------------------------------------------------
    def numpy(self):
        return self.value

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype, copy=False)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __index__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __format__(self, spec):
        return format(self.value.item() if self.value.ndim == 0 else self.value, spec)

    def __repr__(self):
        return (f"<Tensor: shape={self.shape}, dtype={self.dtype}, "
                f"numpy={np.array2string(self.value, separator=', ', threshold=50)}>")

    def __getattr__(self, name):
        # NumPy's array methods (t.argmax(), t.reshape(...), ...) on the value: plain
        # arrays, as np.argmax(t) gives; the tape follows operations.py's functions
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.value, name)

    # -- arithmetic: operations.py's functions, which a tape records (OPERATORS below) ----------
    def __add__(self, other):
        return OPERATORS["add"](self, other)

    def __radd__(self, other):
        return OPERATORS["add"](other, self)

    def __sub__(self, other):
        return OPERATORS["subtract"](self, other)

    def __rsub__(self, other):
        return OPERATORS["subtract"](other, self)

    def __mul__(self, other):
        return OPERATORS["multiply"](self, other)

    def __rmul__(self, other):
        return OPERATORS["multiply"](other, self)

    def __truediv__(self, other):
        return OPERATORS["divide"](self, other)

    def __rtruediv__(self, other):
        return OPERATORS["divide"](other, self)

    def __pow__(self, other):
        return OPERATORS["power"](self, other)

    def __rpow__(self, other):
        return OPERATORS["power"](other, self)

    def __matmul__(self, other):
        return OPERATORS["matmul"](self, other)

    def __rmatmul__(self, other):
        return OPERATORS["matmul"](other, self)

    def __neg__(self):
        return OPERATORS["negative"](self)

    def __abs__(self):
        return OPERATORS["abs"](self)

    def __getitem__(self, index):
        return OPERATORS["getitem"](self, index)

    # integer and boolean arithmetic, and comparisons: nothing to differentiate
    def __floordiv__(self, other):
        return Tensor(self.value // value_of(other))

    def __rfloordiv__(self, other):
        return Tensor(value_of(other) // self.value)

    def __mod__(self, other):
        return Tensor(self.value % value_of(other))

    def __rmod__(self, other):
        return Tensor(value_of(other) % self.value)

    def __and__(self, other):
        return Tensor(self.value & value_of(other))

    def __rand__(self, other):
        return Tensor(value_of(other) & self.value)

    def __or__(self, other):
        return Tensor(self.value | value_of(other))

    def __ror__(self, other):
        return Tensor(value_of(other) | self.value)

    def __xor__(self, other):
        return Tensor(self.value ^ value_of(other))

    def __rxor__(self, other):
        return Tensor(value_of(other) ^ self.value)

    def __invert__(self):
        return Tensor(~self.value)

    __div__, __rdiv__ = __truediv__, __rtruediv__  # TensorFlow's old names

    def get_shape(self):
        return self.shape

    def __lt__(self, other):
        return Tensor(self.value < value_of(other))

    def __le__(self, other):
        return Tensor(self.value <= value_of(other))

    def __gt__(self, other):
        return Tensor(self.value > value_of(other))

    def __ge__(self, other):
        return Tensor(self.value >= value_of(other))

    def __eq__(self, other):
        return Tensor(self.value == value_of(other))

    def __ne__(self, other):
        return Tensor(self.value != value_of(other))

    __hash__ = object.__hash__  # a tensor is one node of a tape: identity, not value


class Variable(Tensor):
    """A tensor whose array is changed in place: ``assign``, ``assign_add``,
    ``assign_sub``, and the optimizer's updates. ``key`` names it in an
    optimizer's state (``"dense.W"`` for a layer's parameter, as fit names it)."""

    _count = 0

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, *,
                 layer=None, key=None):
        self.layer, self.param = layer, key
        if layer is None:
            value = np.array(value_of(initial_value), dtype=dtype)
            if dtype is None and value.dtype.kind in "iu":
                value = value.astype(np.int32)
            elif dtype is None and value.dtype == np.float64 and not isinstance(
                    initial_value, np.ndarray):
                value = value.astype(np.float32)  # TensorFlow's default for Python floats
            self.own, self.initial_value = value, Tensor(value.copy())
            Variable._count += 1
            self.name = name or "Variable"
            self.free_key = f"{self.name}:{Variable._count}"
        else:
            self.name = KERAS_NAMES.get(key, key)
            self.initial_value = None  # set below: the layer's array when first asked for
        self.trainable = bool(trainable)
        if self.initial_value is None:
            self.initial_value = Tensor(self.value.copy())

    @property
    def key(self):
        """"layer.key" (inside nested models, "model.layer.key"): the name fit's
        optimizer state and model files give the array."""
        if self.layer is None:
            return self.free_key
        names, owner = [self.layer.name], self.layer.container
        while owner is not None and owner.container is not None:
            names.append(owner.name)
            owner = owner.container
        return ".".join(reversed(names)) + "." + self.param

    @property
    def value(self):
        if self.layer is None:
            return self.own
        kind = "params" if self.param in self.layer.params else "state"
        return getattr(self.layer, kind)[self.param]

    @property
    def constraint(self):
        """Keras's: the layer's constraint on this weight (kernel_constraint=...), or None."""
        if self.layer is None:
            return None
        return getattr(self.layer, "constraints", {}).get(self.param)

    @property
    def path(self):
        return self.name if self.layer is None else f"{self.layer.name}/{self.name}"

    def numpy(self):
        return self.value.copy()  # a snapshot, as TensorFlow's variable.numpy()

    def read_value(self):
        return Tensor(self.value.copy())

    def assign(self, value):
        self.value[...] = value_of(value)
        return self

    def assign_add(self, delta):
        self.value[...] += value_of(delta)
        return self

    def assign_sub(self, delta):
        self.value[...] -= value_of(delta)
        return self

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.array2string(self.value, separator=', ', threshold=20)}>")


# minicnn's parameter keys under Keras's weight names
KERAS_NAMES = {"W": "kernel", "b": "bias"}


def value_of(x):
    """The array inside a tensor or variable; anything else as NumPy makes it."""
    return x.value if isinstance(x, Tensor) else x


# Python's operators on tensors run operations.py's functions. operations.py builds
# on this file (it makes Tensors), so it cannot be imported here: it fills this
# table itself, {"add": add, "multiply": multiply, ...}, when it is imported.
OPERATORS = {}

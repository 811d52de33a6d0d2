"""Weight initializers, as Keras names and computes them.

A layer's ``kernel_initializer=`` takes a name ("he_normal"), an object
(``HeNormal(seed=0)``) or a config dict; calling the object gives an array:

    HeNormal(seed=0)(shape=(300, 3))           # the same numbers on every call

The variance-scaling family keeps the variance of each layer's outputs (or
of its gradients) steady from layer to layer. With

    fan_in  = inputs per output    (Dense (D, U): D;  Conv2D (kh, kw, C, F): kh*kw*C)
    fan_out = outputs per input    (Dense: U;         Conv2D: kh*kw*F)
    n       = fan_in, fan_out or (fan_in + fan_out) / 2, by ``mode``

the weights have variance scale / n:

    uniform            U(-limit, limit),  limit = sqrt(3 * scale / n)
    truncated_normal   N(0, stddev) redrawn beyond 2 stddev, stddev = sqrt(scale / n) / 0.8796...
                       (cutting the tails shrinks the spread by 0.8796...; dividing by it puts
                       the standard deviation back at sqrt(scale / n))

    name             scale  mode      distribution
    glorot_uniform   1      fan_avg   uniform            (Keras's default for kernels)
    glorot_normal    1      fan_avg   truncated_normal
    he_uniform       2      fan_in    uniform            (for ReLU: half the units are 0)
    he_normal        2      fan_in    truncated_normal
    lecun_uniform    1      fan_in    uniform
    lecun_normal     1      fan_in    truncated_normal

Randomness: an initializer given a ``seed`` draws the same numbers on every call
(Keras 3's rule); without one it draws from the generator the layer passes (the
layer's own seed, else minicnn's global generator, see seeding.py).
"""
import numpy as np

from minicnn.arguments import check_number
from minicnn.seeding import make_rng

# The standard deviation of a standard normal cut at +-2, Keras's constant.
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, Keras's rule: a vector (n,) has n and n;
    a matrix (D, U) has D and U; a kernel (kh, kw, ..., C, F) has kh*kw*C and kh*kw*F."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` -> an array of that shape.
    ``rng`` is minicnn's: the generator to draw from when the initializer has no
    seed of its own (a layer passes its own)."""

    def __call__(self, shape, dtype=None, rng=None):
        shape = tuple(int(d) for d in shape)
        values = self.draw(self._rng(rng), shape)
        return np.asarray(values, dtype=np.float32 if dtype is None else dtype)

    def draw(self, rng, shape):
        raise NotImplementedError(f"{type(self).__name__}.draw")

    def _rng(self, rng):
        seed = getattr(self, "seed", None)
        if seed is not None:
            return np.random.default_rng(seed)
        return rng if rng is not None else make_rng(None)

    def get_config(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    def draw(self, rng, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def draw(self, rng, shape):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = check_number("Constant", "value", value)

    def draw(self, rng, shape):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """gain times the identity matrix (a 2-D shape; ones on the diagonal of a
    rectangular one), as Keras's Identity (IdentityInitializer)."""

    def __init__(self, gain=1.0):
        self.gain = check_number("Identity", "gain", gain)

    def draw(self, rng, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity: initializes 2-D weights (a Dense kernel), got shape "
                             f"{tuple(shape)}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


class RandomUniform(Initializer):
    """U(minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = check_number("RandomUniform", "minval", minval)
        self.maxval = check_number("RandomUniform", "maxval", maxval)
        self.seed = _check_seed(type(self).__name__, seed)

    def draw(self, rng, shape):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    """N(mean, stddev)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = check_number(type(self).__name__, "mean", mean)
        self.stddev = check_number(type(self).__name__, "stddev", stddev, low=0)
        self.seed = _check_seed(type(self).__name__, seed)

    def draw(self, rng, shape):
        return self.mean + self.stddev * rng.standard_normal(shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """N(mean, stddev) with the values beyond 2 stddev drawn again."""

    def draw(self, rng, shape):
        return self.mean + self.stddev * truncated_standard_normal(rng, shape)


def truncated_standard_normal(rng, shape):
    """Standard normal values, each one beyond +-2 drawn again until it is inside."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return values


class VarianceScaling(Initializer):
    """Weights of variance scale / n (see the module's docstring for n and the two
    distributions). distribution "normal" means "truncated_normal", as in Keras;
    "untruncated_normal" is N(0, sqrt(scale / n))."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        owner = type(self).__name__
        self.scale = check_number(owner, "scale", scale, low=0, low_open=True)
        if mode not in self.MODES:
            raise ValueError(f"{owner}: mode must be one of {self.MODES}, got {mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"{owner}: distribution must be one of {self.DISTRIBUTIONS}, "
                             f"got {distribution!r}")
        self.mode, self.distribution = mode, distribution
        self.seed = _check_seed(owner, seed)

    def fan(self, shape):
        """n of the docstring: fan_in, fan_out or their mean, by mode."""
        fan_in, fan_out = compute_fans(shape)
        return max(1.0, {"fan_in": fan_in, "fan_out": fan_out,
                         "fan_avg": (fan_in + fan_out) / 2}[self.mode])

    def draw(self, rng, shape):
        n = self.fan(shape)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * self.scale / n)  # glorot: sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return np.sqrt(self.scale / n) * rng.standard_normal(shape)
        stddev = np.sqrt(self.scale / n) / TRUNCATED_NORMAL_STDDEV
        return stddev * truncated_standard_normal(rng, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _named(name, scale, mode, distribution):
    """A VarianceScaling subclass with Keras's fixed settings and its config (seed only)."""
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    doc = f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})."
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _named("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _named("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _named("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _named("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _named("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _named("LecunNormal", 1.0, "fan_in", "truncated_normal")

CLASSES = {cls.__name__: cls for cls in (
    Zeros, Ones, Constant, Identity, RandomUniform, RandomNormal, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal)}
# Keras's string names (snake case of the classes; "zero"/"one" as Keras 3 also accepts)
NAMES = {"zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
         "identity": Identity,
         "random_uniform": RandomUniform, "uniform": RandomUniform,
         "random_normal": RandomNormal, "normal": RandomNormal,
         "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
         "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
         "he_uniform": HeUniform, "he_normal": HeNormal,
         "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal}


def get(identifier, owner="initializer"):
    """An Initializer from a name ("he_normal"), a class, an object, or a config dict
    ({"class_name": "HeNormal", "config": {"seed": 0}}, as Keras and get_config write it)."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() not in NAMES and identifier not in CLASSES:
            raise ValueError(f"{owner}: unknown initializer {identifier!r}; minicnn has "
                             f"{', '.join(sorted(NAMES))} (or an object such as "
                             f"minicnn.initializers.HeNormal(seed=0))")
        return (CLASSES.get(identifier) or NAMES[identifier.lower()])()
    if isinstance(identifier, dict) and identifier.get("class_name") in CLASSES:
        config = identifier.get("config") or {}
        try:
            return CLASSES[identifier["class_name"]](**config)
        except TypeError as error:
            raise ValueError(f"{owner}: {identifier['class_name']} config {config!r}: "
                             f"{error}") from None
    raise ValueError(f"{owner}: an initializer is a name such as 'he_normal', an object such "
                     f"as HeNormal(seed=0), or a config dict; got {identifier!r:.80}")


def serialize(initializer):
    """What a layer's get_config stores: the Keras name of a class used with its
    defaults ("he_normal"), else {"class_name": ..., "config": ...}."""
    config = initializer.get_config()
    name = SHORT_NAMES.get(type(initializer))
    if name is not None and all(value is None for value in config.values()):
        return name
    return {"class_name": type(initializer).__name__, "config": config}


SHORT_NAMES = {Zeros: "zeros", Ones: "ones", GlorotUniform: "glorot_uniform",
               GlorotNormal: "glorot_normal", HeUniform: "he_uniform", HeNormal: "he_normal",
               LecunUniform: "lecun_uniform", LecunNormal: "lecun_normal"}


def _check_seed(owner, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise ValueError(f"{owner}: seed must be an int >= 0 or None, got {seed!r}")
    return None if seed is None else int(seed)

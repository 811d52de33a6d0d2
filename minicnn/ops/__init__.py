"""The ops the layers call: convolution (plain and depthwise) and max-pooling, on three
rungs of one ladder.

    "naive"  ops/naive.py      plain loops over every output (cs231n's conv_forward_naive):
                               for study on small inputs, and the oracle of the NumPy ops
    "numpy"  ops/reference.py  the textbook: im2col + one matrix product. Textbook mode:
                               what a student reads is exactly what runs
    "numba"  ops/fast/         the same arithmetic compiled with numba, on minicnn's
                               threads (the default): it chooses how to compute
                               (whole-batch im2col, or a few images at a time)

``minicnn.set_ops(name)`` switches every layer at once. The op names below are
rebound to the chosen rung's functions, so a layer's call goes straight to them
(a debugger steps from Conv2D.forward into reference.conv2d_forward). The numba
rung is imported on its first call, which keeps ``import minicnn`` quick.

Every rung provides the same functions, with the same arguments and meaning
(reference.py documents them). They are pure: a convolution is conv(x, w) + b,
and the layer applies its activation itself. (The fast rung also fuses bias,
ReLU and max-pooling into ops of its own, which the fast training step chooses:
parallel/plan.py; the layers never call them.)

    z, cache = conv2d_forward(x, w, b, strides, pads)
    grad_x, grad_w, grad_b = conv2d_backward(grad_z, cache, input_grad)
    y, cache = depthwise2d_forward(x, w, strides, pads)
    grad_x, grad_w = depthwise2d_backward(grad_y, cache, input_grad)
    y, cache = maxpool2d_forward(x, pool_size, strides, pads)
    grad_x = maxpool2d_backward(grad_y, cache)
"""
import importlib
import sys

OPS = ("conv2d_forward", "conv2d_backward", "depthwise2d_forward", "depthwise2d_backward",
       "maxpool2d_forward", "maxpool2d_backward")
RUNGS = {"naive": "minicnn.ops.naive", "numpy": "minicnn.ops.reference",
         "numba": "minicnn.ops.fast"}
_active = None


def set_ops(name):
    """Select the ops every layer uses: "numba" (fast, the default), "numpy" (the
    textbook: im2col + one matrix product; nothing else runs) or "naive" (loops)."""
    global _active
    if name not in RUNGS:
        raise ValueError(f"set_ops: name must be one of {tuple(RUNGS)}, got {name!r}")
    _active = name
    if name != "numba" or RUNGS[name] in sys.modules:  # NumPy only: import it now
        _bind(importlib.import_module(RUNGS[name]))
    else:  # numba's import is slow: on the first call of an op
        for op in OPS:
            globals()[op] = _load_on_first_call(op)


def get_ops():
    """The name of the active ops: "numba", "numpy", "naive", or the name given to plug."""
    return _active


def plug(name, functions):
    """Make ``functions`` ({op name: function}) the active ops, under ``name``; ops
    not given are the textbook's (reference.py). minicnn.apps.exercises plugs a
    student's functions in this way; set_ops undoes it."""
    global _active
    unknown = sorted(set(functions) - set(OPS))
    if unknown:
        raise ValueError(f"plug: unknown ops {unknown}; the ops are {OPS}")
    _bind(importlib.import_module(RUNGS["numpy"]))
    globals().update(functions)
    _active = name


def _bind(module):
    for op in OPS:
        globals()[op] = getattr(module, op)


def _load_on_first_call(op):
    def first_call(*args, **kwargs):
        _bind(importlib.import_module(RUNGS[_active]))
        return globals()[op](*args, **kwargs)
    first_call.__name__ = op
    return first_call


set_ops("numba")

"""Tensors you can differentiate: a GradientTape whose backward pass is the layers'
own ``backward`` and, for array operations, rules written beside their forward.

    recording.py       what a tape records, and the backward pass (a walk in reverse)
    tensor.py          Tensor and Variable
    operations.py      the array operations, each forward beside its backward
    layer_calls.py     a layer call as one node: its backward is the layer's own
    gradient_tape.py   GradientTape, as TensorFlow's
"""
from minicnn.tape import operations
from minicnn.tape.gradient_tape import GradientTape, constant, function
from minicnn.tape.operations import convert_to_tensor
from minicnn.tape.tensor import Tensor, Variable

__all__ = ["GradientTape", "Tensor", "Variable", "constant", "convert_to_tensor", "function",
           "operations"]

"""ONNX export: a way out to the big engines (ONNX Runtime, PyTorch, TensorFlow).

    minicnn.apps.export.to_onnx(model, "model.onnx")      # or: minicnn export model.npz model.onnx

The graph takes what ``model.predict`` takes, an NHWC float32 batch named
"input" (the batch dimension is dynamic), and gives what it returns, named
"probabilities" when the model ends in softmax or sigmoid, else "output".
Inside, the image is transposed once to NCHW (ONNX's convolution layout) and
back to NHWC before a Flatten, so that Dense weights keep Keras's order.
Class names and preprocessing (``model.metadata``) become metadata properties.

Opsets 7 to 28 (MAX_OPSET, or the highest the installed onnx knows): the
tests check ONNX Runtime's output against predict at every one of them. Below
13, ONNX's Softmax flattens everything after its axis, so a softmax over
feature maps is taken on the NHWC layout's last axis there. Other opsets are
refused (ONNX Runtime runs nothing below 7).
Needs the onnx package: ``pip install onnx onnxruntime``.
"""
import json

import numpy as np

from minicnn.layers import (Activation, AveragePooling2D, Conv2D, Dense, Dropout, Flatten,
                            GlobalAveragePooling2D, MaxPooling2D)

DEFAULT_OPSET = 17
MIN_OPSET, MAX_OPSET = 7, 28
OPSETS = range(MIN_OPSET, MAX_OPSET + 1)
INSTALL_ONNX = "pip install onnx onnxruntime"
ONNX_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax"}


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(f"minicnn.apps.export needs the onnx package: {INSTALL_ONNX}") from None
    return onnx


def check_opset(opset, onnx):
    """The opset, if minicnn's export is tested equal to predict there and the
    installed onnx knows it; else a ValueError naming the range."""
    highest = min(MAX_OPSET, onnx.defs.onnx_opset_version())
    if (isinstance(opset, bool) or not isinstance(opset, (int, np.integer))
            or not MIN_OPSET <= opset <= highest):
        raise ValueError(f"to_onnx: opset must be an int from {MIN_OPSET} to {highest} (the "
                         f"opsets whose export is tested equal to predict"
                         + (f"; onnx {onnx.__version__} knows up to "
                            f"{onnx.defs.onnx_opset_version()}" if highest < MAX_OPSET else "")
                         + f"), got {opset!r}")
    return int(opset)


class _Graph:
    """Nodes and weights, with unique names, while the layers are translated in order."""

    def __init__(self, onnx):
        self.helper, self.numpy_helper = onnx.helper, onnx.numpy_helper
        self.nodes, self.initializers, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def constant(self, base, array):
        name = self.name(base)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, base, **attributes):
        out = self.name(base)
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attributes))
        return out


def to_onnx(model, path=None, opset=DEFAULT_OPSET):
    """Write ``model`` (built) as an ONNX file at ``path`` (when given); returns the
    onnx.ModelProto, checked by onnx.checker.check_model."""
    onnx = _onnx()
    opset = check_opset(opset, onnx)
    if not model.built:
        raise ValueError(f"to_onnx: {model.name} is not built; build it or run it on data first")
    graph = _Graph(onnx)
    x, nchw = "input", False
    for layer in model.layers:
        x, nchw = _translate(graph, layer, x, nchw, opset)
    if nchw:  # a model that ends on feature maps returns them NHWC, as predict does
        x = graph.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1])
    last_activation = model.layers[-1].activation if model.layers else None
    output_name = "probabilities" if last_activation in ("softmax", "sigmoid") else "output"
    graph.nodes.append(graph.helper.make_node("Identity", [x], [output_name], name=output_name))
    float32 = onnx.TensorProto.FLOAT
    inputs = [graph.helper.make_tensor_value_info("input", float32, ["batch", *model.input_shape])]
    outputs = [graph.helper.make_tensor_value_info(output_name, float32,
                                                   ["batch", *model.per_sample_output_shape])]
    onnx_graph = graph.helper.make_graph(graph.nodes, model.name, inputs, outputs,
                                         graph.initializers)
    proto = graph.helper.make_model(onnx_graph, producer_name="minicnn",
                                    opset_imports=[graph.helper.make_opsetid("", opset)])
    from minicnn.training.saving.writing import atomic_write, jsonable
    for key, value in {"minicnn_layers": [type(layer).__name__ for layer in model.layers],
                       **jsonable(model.metadata, f"{model.name}: metadata")}.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = str(key), json.dumps(value)
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        atomic_write(path, lambda file: file.write(proto.SerializeToString()))
    return proto


def _translate(graph, layer, x, nchw, opset=DEFAULT_OPSET):
    """One layer's nodes; returns (the output's name, whether it is NCHW)."""
    if isinstance(layer, (Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D)) \
            and not nchw:
        x, nchw = graph.node("Transpose", [x], "to_nchw", perm=[0, 3, 1, 2]), True
    if isinstance(layer, Conv2D):
        top, bottom, left, right = layer.pads
        weight = graph.constant(f"{layer.name}.W", layer.params["W"].astype(np.float32)
                                .transpose(3, 2, 0, 1))  # (kh, kw, C, F) -> (F, C, kh, kw)
        inputs = [x, weight]
        if layer.use_bias:
            inputs.append(graph.constant(f"{layer.name}.b", layer.params["b"].astype(np.float32)))
        x = graph.node("Conv", inputs, layer.name, kernel_shape=list(layer.kernel_size),
                       strides=list(layer.strides), pads=[top, left, bottom, right])
    elif isinstance(layer, (MaxPooling2D, AveragePooling2D)):
        top, bottom, left, right = layer.pads
        attributes = dict(kernel_shape=list(layer.pool_size), strides=list(layer.strides),
                          pads=[top, left, bottom, right])
        if isinstance(layer, AveragePooling2D):  # divide by the real pixels, as TensorFlow
            x = graph.node("AveragePool", [x], layer.name, count_include_pad=0, **attributes)
        else:  # ONNX's MaxPool never picks padding, as minicnn's -inf padding
            x = graph.node("MaxPool", [x], layer.name, **attributes)
    elif isinstance(layer, GlobalAveragePooling2D):
        pooled = graph.node("GlobalAveragePool", [x], layer.name)
        x, nchw = graph.node("Flatten", [pooled], f"{layer.name}_flat", axis=1), False
    elif isinstance(layer, Flatten):
        if nchw:  # back to NHWC first: Flatten's order is Keras's (height, width, channels)
            x, nchw = graph.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1]), False
        x = graph.node("Flatten", [x], layer.name, axis=1)
    elif isinstance(layer, Dense):
        weight = graph.constant(f"{layer.name}.W", layer.params["W"].astype(np.float32))
        x = graph.node("MatMul", [x, weight], layer.name)
        if layer.use_bias:
            bias = graph.constant(f"{layer.name}.b", layer.params["b"].astype(np.float32))
            x = graph.node("Add", [x, bias], f"{layer.name}_bias")
    elif isinstance(layer, Dropout):
        return x, nchw  # the identity outside training
    elif not isinstance(layer, Activation):
        raise ValueError(f"to_onnx: no ONNX translation for {layer.name} ({type(layer).__name__})")
    if layer.activation == "softmax" and nchw and opset < 13:
        # before opset 13 Softmax(axis) normalises over all axes from ``axis`` on: on
        # NHWC's last axis that is the channels alone, as minicnn's softmax
        x, nchw = graph.node("Transpose", [x], "to_nhwc", perm=[0, 2, 3, 1]), False
    if layer.activation in ONNX_ACTIVATIONS:
        extra = {"axis": 1 if nchw else -1} if layer.activation == "softmax" else {}
        x = graph.node(ONNX_ACTIVATIONS[layer.activation], [x], f"{layer.name}_{layer.activation}",
                       **extra)
    return x, nchw

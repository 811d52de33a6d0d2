"""keras.Model: the Functional API, for chains of layers.

    inputs = keras.Input(shape=(28, 28, 1), name="digits")
    x = layers.Conv2D(8, 3, activation="relu")(inputs)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)     # a Functional: a Sequential underneath

A chain (each layer feeding the next) is what a Sequential computes, so a
functional chain model is a Sequential whose first layer is the InputLayer, as
Keras lists it in ``model.layers`` and in the summary; fit, evaluate, predict
and save are Sequential's. Graphs that are not a chain (branches that merge,
several inputs or outputs computed from different branches) are refused with
a message. keras.Model(inputs=model.inputs, outputs=[layer.output, ...]) on a
model's own layers gives a sub-model for feature maps (submodel.py).
"""
from minicnn.layers.base import KerasTensor
from minicnn.training.trainer import Sequential
from minicnn.compat.submodel import ChainPoint, SubModel


class Functional(Sequential):
    """A functional chain: a Sequential whose layers start with its InputLayer."""

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name="functional" if name is None else name)
        self._append(inputs.input_layer)
        self.build(inputs.input_layer.shape, inputs.input_layer.input_dtype)
        for layer in outputs.layers:
            self._append(layer)
        inputs.model = self  # a sub-model may name this model's input by the tensor


class Model:
    """keras.Model(inputs, outputs, name=None): a Functional chain model from a
    keras.Input and the tensor the chain made of it, or a sub-model of a built
    model (its input and some of its layers' outputs), for feature maps. Not a
    base class: minicnn has no subclassed models."""

    def __new__(cls, inputs=None, outputs=None, name=None, **unsupported):
        if unsupported:
            raise ValueError(f"keras.Model: minicnn has no {', '.join(sorted(unsupported))} "
                             f"argument")
        if inputs is None or outputs is None:
            raise ValueError("keras.Model: give inputs and outputs (minicnn has no subclassed "
                             "models: a Model(...) with neither is one)")
        input_list = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        output_list = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if len(input_list) != 1:
            raise ValueError(f"keras.Model: got {len(input_list)} inputs; minicnn's models take "
                             f"one input (a chain of layers)")
        source = input_list[0]
        if isinstance(source, KerasTensor) and getattr(source, "model", None) is not None \
                and all(isinstance(o, ChainPoint) for o in output_list):
            source = source.model.input  # a functional model's Input tensor names its input
        if all(isinstance(o, ChainPoint) for o in output_list) and isinstance(source, ChainPoint):
            return SubModel(source, outputs, name)
        if not isinstance(source, KerasTensor) or source.layers:
            raise ValueError(f"keras.Model: inputs must be keras.Input(...) (or a built model's "
                             f"model.inputs, for a sub-model of its layers), got {source!r:.80}")
        if not output_list or not all(isinstance(o, KerasTensor) for o in output_list):
            raise ValueError(f"keras.Model: outputs must be what the layers made of the input "
                             f"(x = layer(x)), got {outputs!r:.80}")
        for output in output_list:
            if output.input_layer is not source.input_layer:
                raise ValueError(f"keras.Model: the output {output.name} was not computed from "
                                 f"the input {source.name}")
        longest = max(output_list, key=lambda o: len(o.layers))
        for output in output_list:
            if output.layers != longest.layers[:len(output.layers)]:
                raise ValueError(f"keras.Model: the outputs {output.name} and {longest.name} come "
                                 f"from two branches; minicnn's Functional API builds one chain "
                                 f"(each output on the way to the last), not a graph")
        model = Functional(source, longest, name)
        if len(output_list) == 1 and not isinstance(outputs, (list, tuple)):
            return model
        # several outputs along the chain: a sub-model returning each of them
        points = [model.point_after(o.layers[-1]) if o.layers else model.input
                  for o in output_list]
        return SubModel(model.input, points if isinstance(outputs, (list, tuple)) else points[0],
                        name)

    def __init_subclass__(cls, **kwargs):
        raise TypeError(f"class {cls.__name__}(keras.Model): minicnn has no subclassed models "
                        f"(a call() method written by hand); build the network as a Sequential "
                        f"or a functional chain, keras.Model(inputs, outputs)")

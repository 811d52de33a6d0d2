"""Sub-models of a Sequential chain, as Keras lessons build them to look at feature maps:

    extractor = keras.Model(inputs=model.inputs,
                            outputs=[layer.output for layer in model.layers if "conv2d" in layer.name])
    maps = extractor.predict(images)        # one array per requested output

``model.inputs``, ``model.outputs`` and ``layer.output`` are placeholders that
name a point in the chain (Keras's symbolic tensors, for this one use); running
the sub-model runs the chain once, up to the last point asked for.
"""
import numpy as np

from minicnn.training import batches


class ChainPoint:
    """The input of a Sequential (index -1) or the output of its layer ``index``."""

    def __init__(self, model, index):
        self.model, self.index = model, index

    @property
    def shape(self):
        shape = self.model.input_shape if self.index < 0 else self.model.layers[self.index].output_shape
        return (None,) + tuple(shape)

    def __repr__(self):
        where = "input" if self.index < 0 else f"output of {self.model.layers[self.index].name}"
        return f"<{where} of {self.model.name}, shape {self.shape}>"

    @property
    def name(self):
        return self.model.name if self.index < 0 else self.model.layers[self.index].name


class ChainEnds:
    """What Sequential offers for sub-models, as Keras names it: model.input(s),
    model.output(s), and (through layer.output) point_after(layer)."""

    @property
    def input(self):
        self._require_built("input")
        return ChainPoint(self, -1)

    @property
    def inputs(self):
        return [self.input]

    @property
    def output(self):
        self._require_built("output")
        return ChainPoint(self, len(self.layers) - 1)

    @property
    def outputs(self):
        return [self.output]

    def point_after(self, layer):
        """The symbolic output of one of this model's layers (what layer.output gives)."""
        self._require_built("layer.output")
        return ChainPoint(self, next(i for i, other in enumerate(self.layers) if other is layer))


class SubModel:
    """What keras.Model(inputs=model.inputs, outputs=[layer.output, ...]) gives
    (functional.py): a sub-graph of one Sequential chain, from its input to the
    outputs of any of its layers. Called on an array, or with predict, it
    returns one array per requested output (a list when outputs was a list)."""

    def __init__(self, inputs, outputs, name=None):
        inputs = inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs
        self.single = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self.single else list(outputs)
        if not isinstance(inputs, ChainPoint) or inputs.index != -1:
            raise ValueError("Model: inputs must be a model's input (model.inputs or model.input)")
        if not outputs or not all(isinstance(o, ChainPoint) and o.model is inputs.model
                                  for o in outputs):
            raise ValueError("Model: outputs must be layer outputs (layer.output) of the model "
                             "whose input is given")
        self.source, self.outputs = inputs.model, outputs
        self.name = name or f"{self.source.name}_submodel"

    @property
    def layers(self):
        return self.source.layers[:max(o.index for o in self.outputs) + 1]

    def __call__(self, x, training=None):
        x = self.source.prepare_input(x)
        wanted = {o.index for o in self.outputs}
        found = {-1: x} if -1 in wanted else {}
        for index, layer in enumerate(self.layers):
            x = layer.forward(x, training)
            if index in wanted:
                found[index] = x
        arrays = [found[o.index] for o in self.outputs]
        return arrays[0] if self.single else arrays

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        batch_size = batches.batch_size_or_default("predict", batch_size)
        data = batches.Batches(x, None, None, batch_size, steps=steps, owner="predict")
        parts = [self(xb, training=False) for xb, _, _ in data]
        if self.single:
            return np.concatenate(parts)
        return [np.concatenate([part[k] for part in parts]) for k in range(len(self.outputs))]

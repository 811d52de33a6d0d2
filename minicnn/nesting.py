"""A model as a layer of another (``Sequential([base_model, Dense(1)])``, as in Keras):
the Layer contract (layers/base.py) kept by a model, over its own layers.

Its parameters, gradients and state are its layers', named "layer.key"; its
output shape, activation and pre-activation are its last layer's. Forward and
backward are the model's own (sequential.py). A model inside a model is computed
whole (``independent_samples = False``): its layers keep one cache each.
"""
from minicnn.layers.base import Layer


class ModelAsLayer(Layer):
    """What Sequential needs, beside its own forward and backward, to be a layer."""
    independent_samples = False

    def _each(self, kind):
        return {f"{layer.name}.{key}": value for layer in self.layers
                for key, value in getattr(layer, kind).items()}

    @property
    def params(self):
        return self._each("params")

    @property
    def grads(self):
        return self._each("grads")

    @property
    def state(self):
        return self._each("state")

    @property
    def regularizers(self):
        return self._each("regularizers")

    def state_updates(self):
        return {f"{layer.name}.{key}": value for layer in self.layers
                for key, value in layer.state_updates().items()}

    def arrays(self):
        """Every layer's arrays, layer by layer (parameters, then state, of each): Keras's order."""
        return {f"{layer.name}.{key}": value for layer in self.layers
                for key, value in layer.arrays().items()}

    @property
    def trainable_variables(self):
        """Each layer's own variables (the objects its calls on a tape read)."""
        if not self.trainable:
            return []
        return [v for layer in self.layers for v in layer.trainable_variables]

    @property
    def non_trainable_variables(self):
        if not self.trainable:
            return [v for layer in self.layers for v in layer.variables]
        return [v for layer in self.layers for v in layer.non_trainable_variables]

    @property
    def variables(self):
        return [v for layer in self.layers for v in layer.variables]

    @property
    def losses(self):
        return [loss for layer in self.layers for loss in layer.losses]

    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables
    weights = variables

    @property
    def declared_input_shape(self):
        if self.input_shape is not None:
            return self.input_shape
        return self.layers[0].declared_input_shape if self.layers else None

    @property
    def activation(self):
        return self.layers[-1].activation if self.layers else None

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def _shapes(self, input_shape, kind):
        shapes, shape = {}, tuple(input_shape)
        for layer in self.layers:
            shapes.update({f"{layer.name}.{key}": value
                           for key, value in getattr(layer, kind)(shape).items()})
            shape = tuple(layer.compute_output_shape(shape))
        return shapes

    def param_shapes(self, input_shape):
        return self._shapes(input_shape, "param_shapes")

    def state_shapes(self, input_shape):
        return self._shapes(input_shape, "state_shapes")

    def pre_activation(self):
        return self.layers[-1].pre_activation()

    def backward_from_pre_activation(self, grad_z, input_grad=True):
        return self.backward(grad_z, from_pre_activation=True, input_grad=input_grad)

    def get_config(self):
        return {"name": self.name, "layers": [{"class_name": type(layer).__name__,
                                               "config": layer.get_config()}
                                              for layer in self.layers]}

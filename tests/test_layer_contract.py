"""The Layer contract every layer keeps, and bad input."""
import numpy as np
import pytest

from minicnn.layers import (Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D, InputLayer, Layer, MaxPool2D, ReLU, SeparableConv2D, Softmax)
from minicnn.preprocessing.layers import (RadialProfile, RandomFlip, RandomRot90, RandomRotation,
                                          RandomZoom, Rescaling)


# -- the contract ---------------------------------------------------------------
# (make, per-sample input shape, parameter keys): Conv2D and Dense have parameters,
# so the loops over params below run for them.
LAYERS = [
    (lambda: Conv2D(3, 3, activation="relu"), (6, 6, 2), {"W", "b"}),
    (lambda: Conv2D(2, 2, strides=2, padding="same", use_bias=False), (5, 6, 2), {"W"}),
    (lambda: Dense(4, activation="tanh"), (7,), {"W", "b"}),
    (lambda: MaxPool2D(2), (6, 6, 2), set()),
    (lambda: Flatten(), (6, 6, 2), set()),
    (lambda: ReLU(), (6, 6, 2), set()),
    (lambda: Activation("sigmoid"), (6, 6, 2), set()),
    (lambda: Dropout(0.3), (6, 6, 2), set()),
    (lambda: SeparableConv2D(3, 3, depth_multiplier=2, activation="relu"), (6, 6, 2),
     {"depthwise_kernel", "pointwise_kernel", "b"}),
    (lambda: BatchNormalization(), (6, 6, 2), {"gamma", "beta"}),
    (lambda: BatchNormalization(), (7,), {"gamma", "beta"}),
    (lambda: Softmax(axis=2), (6, 6, 2), set()),
    (lambda: Rescaling(1 / 255), (6, 6, 2), set()),
    (lambda: RandomFlip(), (6, 6, 2), set()),
    (lambda: InputLayer(shape=(6, 6, 2)), (6, 6, 2), set()),
]


@pytest.mark.parametrize("make,input_shape,keys", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_contract(make, input_shape, keys, dtype, rng, ops_mode):
    layer = make()
    out_shape = layer.build(input_shape, dtype)
    assert out_shape == layer.output_shape
    assert set(layer.params) == set(layer.grads) == keys
    for key in layer.params:
        assert layer.params[key].shape == layer.grads[key].shape
        assert layer.params[key].dtype == dtype
    x = rng.standard_normal((3,) + input_shape).astype(dtype)
    y = layer.forward(x, training=True)
    assert y.shape == (3,) + out_shape and y.dtype == dtype
    g = rng.standard_normal(y.shape).astype(dtype)
    g_before = g.copy()
    dx = layer.backward(g)
    np.testing.assert_array_equal(g, g_before)  # backward never mutates its argument
    assert dx.shape == x.shape and dx.dtype == dtype
    first = {k: v.copy() for k, v in layer.grads.items()}
    assert all(np.any(v != 0) for v in first.values())  # the loop above compared something
    layer.backward(g)  # grads are overwritten, never accumulated
    for key in first:
        np.testing.assert_array_equal(layer.grads[key], first[key])


def test_the_base_layer_declares_forward_and_backward():
    layer = Layer()
    with pytest.raises(NotImplementedError, match="forward"):
        layer.forward(np.zeros((1, 2)))
    with pytest.raises(NotImplementedError, match="backward"):
        layer.backward(np.zeros((1, 2)))
    with pytest.raises(TypeError, match="no activation"):
        Flatten().pre_activation()


@pytest.mark.parametrize("make,expected", [(lambda: Conv2D(2, 3, padding="same"), (7, 6, 2)),
                                           (lambda: MaxPool2D(3, 2, padding="same"), (4, 3, 2))])
def test_compute_output_shape_has_no_side_effects(make, expected):
    layer = make()
    before = dict(vars(layer))
    assert layer.compute_output_shape((7, 6, 2)) == expected
    assert vars(layer) == before  # nothing set: geometry is fixed in build
    layer.build((7, 6, 2))
    assert hasattr(layer, "pads")


@pytest.mark.parametrize("make", [lambda: Conv2D(2, 3, activation="softmax"),
                                  lambda: Dense(3, activation="softmax"),
                                  lambda: Activation("softmax"), lambda: Softmax(),
                                  lambda: SeparableConv2D(2, 3, activation="softmax")])
def test_backward_from_pre_activation_skips_the_activation(make, rng):
    """backward(g) == backward_from_pre_activation(softmax'(g)): the two entries
    into a layer's backward agree, for every layer that ends in an activation."""
    layer = make()
    shape = (5, 5, 2) if not isinstance(layer, Dense) else (6,)
    layer.build(shape, np.float64)
    x = rng.standard_normal((2,) + shape)
    y = layer.forward(x)
    g = rng.standard_normal(y.shape)
    dx = layer.backward(g)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    grad_z = y * (g - (g * y).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(layer.backward_from_pre_activation(grad_z), dx, rtol=1e-12)
    for key in grads:
        np.testing.assert_allclose(layer.grads[key], grads[key], rtol=1e-12)


# -- bad input: the errors name the layer, argument and value --------------------
@pytest.mark.parametrize("make,words", [
    (lambda: Conv2D(0, 3), ["filters", "0"]),
    (lambda: Conv2D(4, 0), ["kernel_size", "0"]),
    (lambda: Conv2D(4, 3, strides=0), ["strides", "0"]),
    (lambda: Conv2D(4, 3, padding="foo"), ["padding", "foo"]),
    (lambda: Conv2D(4, 3, activation="tanhh"), ["activation", "tanhh"]),
    (lambda: MaxPool2D(0), ["pool_size", "0"]),
    (lambda: MaxPool2D(2, padding="full"), ["padding", "full"]),
    (lambda: Dense(-1), ["units", "-1"]),
    (lambda: Dropout(1.0), ["rate", "1.0"]),
    (lambda: Dropout(-0.1), ["rate", "-0.1"]),
    (lambda: SeparableConv2D(4, 3, depth_multiplier=0), ["depth_multiplier", "0"]),
    (lambda: Conv2D(4, 3, dilation_rate=2), ["dilation_rate", "2", "only"]),
    (lambda: Dense(4, kernel_constraint="max_nrm"), ["kernel_constraint", "max_nrm"]),
    (lambda: Softmax(axis=0), ["axis", "batch"]),
    (lambda: Rescaling("1/255"), ["scale", "1/255"]),
    (lambda: RandomFlip("diagonal"), ["mode", "diagonal"]),
])
def test_bad_constructor_arguments(make, words):
    with pytest.raises(ValueError) as error:
        make()
    for word in words:
        assert word in str(error.value)


def test_wrong_input_shape_names_layer_and_shapes():
    layer = Conv2D(2, 3, name="conv_a")
    layer.build((8, 8, 3))
    with pytest.raises(ValueError) as error:
        layer.forward(np.zeros((2, 8, 8, 1), np.float32))
    message = str(error.value)
    assert "conv_a" in message and "(batch, 8, 8, 3)" in message and "(2, 8, 8, 1)" in message




# -- computing a batch in pieces (the two-half step) ------------------------------------
# One maker for every layer minicnn.layers exports, with a per-sample input shape.
MAKERS = {
    "Conv2D": (lambda: Conv2D(3, 3, activation="relu", seed=0), (6, 6, 2)),
    "SeparableConv2D": (lambda: SeparableConv2D(3, 3, depth_multiplier=2, seed=0), (6, 6, 2)),
    "MaxPooling2D": (lambda: MaxPool2D(2), (6, 6, 2)),
    "AveragePooling2D": (lambda: AveragePooling2D(2), (6, 6, 2)),
    "GlobalAveragePooling2D": (lambda: GlobalAveragePooling2D(), (6, 6, 2)),
    "Dense": (lambda: Dense(4, activation="tanh", seed=0), (7,)),
    "Flatten": (lambda: Flatten(), (6, 6, 2)),
    "Activation": (lambda: Activation("sigmoid"), (6, 6, 2)),
    "ReLU": (lambda: ReLU(), (6, 6, 2)),
    "Softmax": (lambda: Softmax(), (6, 6, 2)),
    "Dropout": (lambda: Dropout(0.3, seed=0), (6, 6, 2)),
    "BatchNormalization": (lambda: BatchNormalization(), (6, 6, 2)),
    "Rescaling": (lambda: Rescaling(1 / 255, 0.5), (6, 6, 2)),
    "RandomFlip": (lambda: RandomFlip(seed=0), (6, 6, 2)),
    "RandomRot90": (lambda: RandomRot90(seed=0), (6, 6, 2)),
    "RadialProfile": (lambda: RadialProfile(rings=3), (6, 6, 2)),
    "RandomRotation": (lambda: RandomRotation(0.2, seed=0), (6, 6, 2)),
    "RandomZoom": (lambda: RandomZoom(0.2, seed=0), (6, 6, 2)),
    "InputLayer": (lambda: InputLayer(shape=(6, 6, 2)), (6, 6, 2)),
}


def test_every_layer_has_a_maker_here():
    """Every layer class minicnn has is made by a test that checks the contract: here,
    or in test_keras_layers_round4.py (the layers Keras's names brought, merges too)."""
    from test_keras_layers_round4 import MAKERS_ROUND4, MERGE_MAKERS
    from minicnn.training.saving.checking import LAYER_CLASSES
    classes = {cls.__name__ for cls in LAYER_CLASSES.values()}
    made = set(MAKERS) | set(MAKERS_ROUND4) | set(MERGE_MAKERS)
    assert classes <= made, classes - made


def forward_backward(layer, x, g, drawn):
    """Training forward and backward with ``drawn`` as the layer's random numbers."""
    if drawn is not None:
        layer.draw_randomness = lambda n: drawn
    y = layer.forward(x, training=True)
    try:
        dx = layer.backward(g)
    except ValueError:  # RandomRotation/RandomZoom pass no gradient back in training
        dx = None
    return y, dx, {k: v.copy() for k, v in layer.grads.items()}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_layer_that_says_it_treats_samples_independently_does(name, rng):
    """For every layer declaring independent_samples: forward and backward on a batch
    equal those on its two halves put together (gradients of the parameters summed),
    the random numbers drawn for the whole batch. The two-half step relies on it."""
    import copy
    make, shape = MAKERS[name]
    layer = make()
    layer.build(shape, np.float64)
    if not layer.independent_samples:
        assert name in ("BatchNormalization",), name  # batch statistics: computed whole
        return
    x = rng.standard_normal((6,) + shape)
    g = rng.standard_normal((6,) + layer.output_shape)
    drawn = layer.draw_randomness(6)
    whole = forward_backward(copy.copy(layer), x, g, drawn)
    halves = [forward_backward(copy.copy(layer), x[rows], g[rows],
                               None if drawn is None else drawn[rows])
              for rows in (slice(0, 3), slice(3, 6))]
    np.testing.assert_allclose(whole[0], np.concatenate([h[0] for h in halves]), rtol=1e-12)
    if whole[1] is not None:
        np.testing.assert_allclose(whole[1], np.concatenate([h[1] for h in halves]), rtol=1e-12)
    for key in whole[2]:
        np.testing.assert_allclose(whole[2][key], halves[0][2][key] + halves[1][2][key],
                                   rtol=1e-10, atol=1e-12)


def test_a_layer_of_ones_own_is_computed_whole_unless_it_says_otherwise():
    """A layer a student writes (drawing noise in forward, Keras-style) keeps the default:
    the two-half step computes the batch whole, so its numbers do not depend on threads."""
    from minicnn.parallel import halves

    class Noise(Layer):
        def forward(self, x, training=False):
            x = self._check_input(x)
            return x + (np.random.default_rng(0).standard_normal(x.shape) if training else 0)

        def backward(self, grad_y, input_grad=True):
            return self._check_grad(grad_y)
    assert Noise().independent_samples is False
    from minicnn import Sequential
    model = Sequential([Conv2D(2, 3), Noise(), Flatten(), Dense(2)], input_shape=(6, 6, 1))
    assert halves.split_point(model, 64) is None


@pytest.mark.parametrize("make,shape,other", [
    (lambda: Dense(5), (4,), (7,)),
    (lambda: Conv2D(2, 3), (6, 6, 1), (6, 6, 3)),
    (lambda: BatchNormalization(), (5, 5, 2), (5, 5, 4)),
    (lambda: SeparableConv2D(2, 3), (6, 6, 2), (6, 6, 1)),
])
def test_a_trained_layer_reused_on_another_input_shape_is_refused_not_redrawn(make, shape, other):
    """A layer with weights, reused in a model of another input width, would need new
    weights: Keras refuses, and so does minicnn (it re-drew them silently once)."""
    from minicnn import Sequential
    layer = make()
    first = Sequential([layer], input_shape=shape)
    weights = [w.copy() for w in first.get_weights()]
    with pytest.raises(ValueError, match=rf"{layer.name} .*built for inputs of shape"):
        Sequential([layer], input_shape=other)
    for before, after in zip(weights, first.get_weights()):
        np.testing.assert_array_equal(before, after)
    again = Sequential([layer], input_shape=shape)  # the same shape: shared, as Keras shares
    again.build(shape, np.float64)  # another dtype: the same weights, cast
    for before, after in zip(weights, again.get_weights()):
        np.testing.assert_allclose(before, after)

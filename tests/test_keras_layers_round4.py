"""Issue 29's layers: each new layer's backward against centred differences in float64,
its numbers against Keras 3.15's (tests/fixtures/keras_issue29, made once by
make_fixtures.py there), and the preprocessing layers' (identity at inference, Keras's
transforms with the random draws given)."""
import os

import numpy as np
import pytest

from minicnn import activations, initializers, layers as L
from minicnn.compat.keras import activations as keras_activations
from minicnn.gradcheck import check_layer, numerical_gradient, rel_error
from minicnn.preprocessing import layers as P
from minicnn.tape import GradientTape, Tensor

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDED = initializers.RandomNormal(stddev=0.5, seed=1)  # the same weights in every run
KERAS = np.load(os.path.join(HERE, "fixtures", "keras_issue29", "keras.npz"))


# -- gradient checks (float64, centred differences) ----------------------------------------------
ONE_INPUT = [
    (lambda: L.ReLU(6.0), (3, 4)), (lambda: L.ReLU(None, 0.1, 0.5), (5,)),
    (lambda: L.LeakyReLU(0.2), (6,)), (lambda: L.ELU(0.7), (6,)),
    (lambda: L.PReLU(alpha_initializer=SEEDED), (4, 3)),
    (lambda: L.PReLU(alpha_initializer=SEEDED, shared_axes=[1, 2]), (3, 3, 2)),
    (lambda: L.Reshape((-1, 2)), (3, 4)), (lambda: L.Permute((2, 1)), (3, 4)),
    (lambda: L.ZeroPadding2D(((1, 2), (0, 1))), (3, 4, 2)),
    (lambda: L.Cropping2D(((1, 0), (1, 1))), (4, 5, 2)), (lambda: L.UpSampling2D((2, 3)), (2, 3, 2)),
    (lambda: L.Identity(), (3,)),
    (lambda: L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="tanh",
                               bias_initializer=SEEDED), (5, 4, 2)),
    (lambda: L.DepthwiseConv2D(2, strides=2), (5, 5, 3)),
    (lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="tanh"), (3, 4, 2)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2), (3, 3, 2)),
    (lambda: L.Conv2DTranspose(2, 2, strides=3), (3, 2, 2)),
    (lambda: L.Conv2DTranspose(2, 4, strides=3, padding="same"), (3, 2, 2)),
    (lambda: L.GlobalMaxPooling2D(), (3, 4, 2)), (lambda: L.GlobalMaxPooling2D(keepdims=True), (3, 4, 2)),
    (lambda: L.LayerNormalization(gamma_initializer=SEEDED,
                                  beta_initializer=SEEDED), (3, 4, 5)),
    (lambda: L.GroupNormalization(2, gamma_initializer=SEEDED), (3, 3, 4)),
    (lambda: L.UnitNormalization(), (2, 5)),
    (lambda: L.Lambda(lambda x: x * x + 1), (4,)),
    (lambda: L.Dense(3, activation="tanh"), (2, 4, 5)),
    (lambda: P.CenterCrop(2, 3), (4, 5, 2)), (lambda: P.Normalization(mean=1.0, variance=4.0), (3,)),
] + [(lambda name=name: L.Activation(name), (7,)) for name in activations.MORE]


@pytest.mark.parametrize("make, shape", ONE_INPUT, ids=lambda v: getattr(v(), "name", "")
                         if callable(v) else str(v))
def test_the_new_layers_backward_equals_centred_differences(make, shape):
    errors = check_layer(make(), shape, batch_size=3, verbose=False, h=1e-5)
    assert max(errors.values()) < 2e-6, errors


MERGES = [(L.Add, [(3, 2)] * 3), (L.Subtract, [(4,)] * 2), (L.Multiply, [(2, 3)] * 3),
          (L.Average, [(4,)] * 2), (L.Maximum, [(5,)] * 3), (L.Minimum, [(5,)] * 2),
          (L.Multiply, [(3, 4, 2), (1, 1, 2)]), (L.Add, [(3, 4, 2), (1, 4, 1), (3, 1, 2)]),
          (lambda: L.Concatenate(), [(2, 3), (2, 1)]), (lambda: L.Concatenate(axis=1), [(2, 3), (1, 3)]),
          (lambda: L.Dot(axes=1), [(4,), (4,)]), (lambda: L.Dot(axes=1, normalize=True), [(4,), (4,)])]


@pytest.mark.parametrize("make, shapes", MERGES)
def test_merge_layers_take_a_list_and_give_a_gradient_per_input(make, shapes, rng):
    layer = make()
    layer.build(shapes, np.float64)
    xs = [rng.standard_normal((3,) + s) for s in shapes]
    upstream = rng.standard_normal((3,) + layer.output_shape)

    def loss():
        return float(np.sum(layer.forward(xs) * upstream))
    loss()
    grads = layer.backward(upstream)
    assert isinstance(grads, list) and [g.shape for g in grads] == [x.shape for x in xs]
    for grad, x in zip(grads, xs):
        assert rel_error(grad, numerical_gradient(loss, x, 1e-5)) < 1e-7


def test_a_residual_block_trains_through_add_and_its_shared_input_gets_both_gradients(rng):
    from minicnn import keras
    inputs = keras.Input((6, 6, 2))
    x = L.Conv2D(2, 3, padding="same")(inputs)
    outputs = L.Dense(3, activation="softmax")(L.Flatten()(L.add([x, inputs])))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x_data, y_data = rng.standard_normal((8, 6, 6, 2)), rng.integers(0, 3, 8)
    before = model.evaluate(x_data, y_data, verbose=0)
    model.fit(x_data, y_data, epochs=3, verbose=0)
    assert model.evaluate(x_data, y_data, verbose=0) < before
    grad = model.input_gradient(x_data[:2], y_data[:2])
    assert grad.shape == (2, 6, 6, 2) and np.all(np.isfinite(grad))


# -- Keras's numbers ----------------------------------------------------------------------------------
def keras_case(name):
    prefix = f"layers/{name}/"
    return {k[len(prefix):]: KERAS[k] for k in KERAS.files if k.startswith(prefix)}


LAYER_CASES = {
    "conv_transpose_same_s2": lambda: L.Conv2DTranspose(4, 3, strides=2, padding="same"),
    "conv_transpose_valid_s2": lambda: L.Conv2DTranspose(2, 3, strides=2),
    "conv_transpose_valid_k2_s3": lambda: L.Conv2DTranspose(2, 2, strides=3),
    "conv_transpose_same_k4_s3_relu": lambda: L.Conv2DTranspose(2, 4, strides=3, padding="same",
                                                                activation="relu"),
    "depthwise_same_m2": lambda: L.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
    "depthwise_valid_s2_tanh": lambda: L.DepthwiseConv2D(2, strides=2, activation="tanh"),
    "layer_norm": lambda: L.LayerNormalization(), "group_norm_3": lambda: L.GroupNormalization(3),
    "unit_norm": lambda: L.UnitNormalization(), "prelu": lambda: L.PReLU(),
    "prelu_shared": lambda: L.PReLU(shared_axes=[1, 2]), "relu_6": lambda: L.ReLU(6.0),
    "relu_options": lambda: L.ReLU(4.0, 0.1, 0.5), "leaky_relu": lambda: L.LeakyReLU(0.2),
    "leaky_relu_default": lambda: L.LeakyReLU(), "elu": lambda: L.ELU(0.7),
    "zero_padding": lambda: L.ZeroPadding2D(((1, 2), (0, 1))),
    "cropping": lambda: L.Cropping2D(((1, 0), (2, 1))), "upsampling": lambda: L.UpSampling2D((2, 3)),
    "reshape": lambda: L.Reshape((-1, 9)), "permute": lambda: L.Permute((2, 1, 3)),
    "global_max": lambda: L.GlobalMaxPooling2D(),
    "global_max_keepdims": lambda: L.GlobalMaxPooling2D(keepdims=True),
    "dense_on_images": lambda: L.Dense(4, activation="gelu"),
    "add": L.Add, "subtract": L.Subtract, "multiply_broadcast": L.Multiply, "average": L.Average,
    "maximum": L.Maximum, "minimum": L.Minimum, "concatenate": L.Concatenate,
    "concatenate_axis1": lambda: L.Concatenate(axis=1), "dot": lambda: L.Dot(axes=1),
    "dot_normalize": lambda: L.Dot(axes=1, normalize=True),
    **{f"activation_{name}": (lambda name=name: L.Activation(name)) for name in (
        "elu", "selu", "gelu", "swish", "silu", "softplus", "softsign", "exponential",
        "hard_sigmoid", "hard_silu", "mish", "log_sigmoid", "relu6", "leaky_relu", "log_softmax")},
}


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_the_new_layers_compute_what_keras_computes(name):
    """Forward, dL/dx and dL/dweights for Keras's inputs, weights and upstream gradient."""
    case, layer = keras_case(name), LAYER_CASES[name]()
    xs = [case[f"x{i}"] for i in range(4) if f"x{i}" in case]
    several = len(xs) > 1
    layer.build([x.shape[1:] for x in xs] if several else xs[0].shape[1:], np.float32)
    weights = [case[f"w{i}"] for i in range(6) if f"w{i}" in case]
    if weights:
        layer.set_weights(weights)
    y = layer.forward(xs if several else xs[0])
    np.testing.assert_allclose(y, case["y"], rtol=1e-5, atol=2e-5)
    dx = layer.backward(case["g"])
    for i, grad in enumerate(dx if several else [dx]):
        np.testing.assert_allclose(grad, case[f"dx{i}"], rtol=1e-4, atol=5e-5)
    for i, variable in enumerate(layer.variables):
        if f"dw{i}" in case:
            np.testing.assert_allclose(variable.layer.grads[variable.param], case[f"dw{i}"],
                                       rtol=1e-4, atol=1e-4)


ACTIVATION_FUNCTIONS = {
    "relu": keras_activations.relu, "gelu_exact": keras_activations.gelu,
    "relu_options": lambda v: keras_activations.relu(v, negative_slope=0.1, max_value=3.0,
                                                     threshold=0.5),
    "gelu_tanh": lambda v: keras_activations.gelu(v, approximate=True),
    "elu": keras_activations.elu, "selu": keras_activations.selu, "swish": keras_activations.swish,
    "softplus": keras_activations.softplus, "hard_silu": keras_activations.hard_silu,
    "mish": keras_activations.mish, "leaky_relu": keras_activations.leaky_relu,
    "log_sigmoid": keras_activations.log_sigmoid, "softsign": keras_activations.softsign}


@pytest.mark.parametrize("name", sorted(ACTIVATION_FUNCTIONS))
def test_keras_activations_are_tape_operations_with_keras_values_and_slopes(name):
    x = Tensor(KERAS["activations/x"])
    with GradientTape() as tape:
        tape.watch(x)
        y = ACTIVATION_FUNCTIONS[name](x)
    np.testing.assert_allclose(y.numpy(), KERAS[f"activations/{name}/y"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), KERAS[f"activations/{name}/dy"],
                               rtol=1e-4, atol=1e-5)


def test_activations_by_name_and_by_function_in_layers():
    from minicnn import keras
    assert keras.activations.get("swish") is keras.activations.swish
    assert L.Dense(3, activation=keras.activations.gelu).activation == "gelu"
    assert L.Activation(keras.activations.relu).activation == "relu"
    with pytest.raises(ValueError, match="swishh"):
        L.Activation("swishh")
    with pytest.raises(ValueError, match="needs its input z"):
        activations.backward("gelu", np.ones(3), np.ones(3))


def test_relu_takes_keras_arguments_in_keras_order():
    layer = L.ReLU(6.0, name="conv1_relu")  # MobileNet's relu6, positionally as Keras
    assert (layer.max_value, layer.negative_slope, layer.threshold, layer.name) == (
        6.0, 0.0, 0.0, "conv1_relu")
    np.testing.assert_array_equal(layer(np.array([[-1.0, 3.0, 9.0]])), [[0.0, 3.0, 6.0]])


# -- preprocessing layers --------------------------------------------------------------------------
PIXELS = KERAS["preprocessing/pixels"]


def fixed(make, drawn, training=True):
    """The layer computed on the fixture's pixels with its random draws given."""
    layer = make()
    layer.build(PIXELS.shape[1:])
    layer.draw_randomness = lambda n: drawn
    return np.asarray(layer(PIXELS, training=training))


saturation = np.array([0.4, 2.5])
DRAWN = {
    "translation": (lambda: P.RandomTranslation(0.2, 0.3), np.array([[-2.0, 1.5], [1.0, -3.0]])),
    "translation_constant": (lambda: P.RandomTranslation(0.2, 0.3, fill_mode="constant",
                                                         fill_value=7.0),
                             np.array([[1.0, 2.0], [-2.0, -1.0]])),
    "shear": (lambda: P.RandomShear(0.3, 0.3), np.array([[0.2, -0.1], [-0.3, 0.25]])),
    "contrast": (lambda: P.RandomContrast(0.5), np.array([1.4, 0.7])),
    "brightness": (lambda: P.RandomBrightness(0.3), np.array([40.0, -60.0]) / 255),
    "grayscale": (lambda: P.RandomGrayscale(1.0), np.array([True, False])),
    "color_degeneration": (lambda: P.RandomColorDegeneration(0.5), np.array([0.3, 0.8])),
    "saturation": (lambda: P.RandomSaturation(0.5), saturation * (1 + 1e-7) / (1 + saturation)),
    "hue": (lambda: P.RandomHue(0.5), np.array([0.1, -0.2])),
    "invert": (lambda: P.RandomInvert(), np.array([True, False])),
    "posterization": (lambda: P.RandomPosterization(4), np.array([4, 2])),
    "sharpness": (lambda: P.RandomSharpness(0.5), np.array([0.2, 0.9])),
    "solarization": (lambda: P.Solarization(0.5, 0.5), np.array([[10.0, 100.0], [30.0, 200.0]])),
}


@pytest.mark.parametrize("name", sorted(DRAWN))
def test_random_preprocessing_layers_transform_as_keras_does(name):
    make, drawn = DRAWN[name]
    np.testing.assert_allclose(fixed(make, drawn), KERAS[f"preprocessing/{name}"], rtol=1e-4,
                               atol=1e-2)


@pytest.mark.parametrize("make", [make for make, _ in DRAWN.values()] + [
    lambda: P.RandomCrop(4, 4), lambda: P.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1)])
def test_augmentation_is_the_identity_at_inference(make):
    layer = make()
    np.testing.assert_array_equal(layer(PIXELS, training=False), PIXELS)


DETERMINISTIC = {
    "resizing_bilinear": lambda: P.Resizing(4, 5),
    "resizing_nearest": lambda: P.Resizing(10, 6, interpolation="nearest"),
    "resizing_crop": lambda: P.Resizing(5, 5, crop_to_aspect_ratio=True),
    "resizing_pad": lambda: P.Resizing(5, 5, pad_to_aspect_ratio=True),
    "center_crop": lambda: P.CenterCrop(4, 5), "center_crop_larger": lambda: P.CenterCrop(8, 5),
    "auto_contrast": P.AutoContrast,
    "normalization_invert": lambda: P.Normalization(mean=5.0, variance=4.0, invert=True),
}


@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_sizing_and_fixed_preprocessing_layers_equal_keras(name):
    np.testing.assert_allclose(DETERMINISTIC[name]()(PIXELS, training=False),
                               KERAS[f"preprocessing/{name}"], rtol=1e-5, atol=1e-3)


def test_normalization_adapts_to_keras_statistics():
    layer = P.Normalization()
    layer.adapt(PIXELS)
    np.testing.assert_allclose(layer.mean, KERAS["preprocessing/normalization_mean"], rtol=1e-5)
    np.testing.assert_allclose(layer.variance, KERAS["preprocessing/normalization_variance"],
                               rtol=1e-4)
    np.testing.assert_allclose(layer(PIXELS), KERAS["preprocessing/normalization"], rtol=1e-4,
                               atol=1e-4)
    batches = [PIXELS[:1], PIXELS[1:]]  # batch by batch: the same statistics
    again = P.Normalization()
    again.adapt(batches)
    np.testing.assert_allclose(again.mean, layer.mean, rtol=1e-6)


def test_random_crop_cuts_a_random_window_in_training_and_passes_its_gradient_back(rng):
    layer = P.RandomCrop(4, 5, seed=1)
    y = layer(PIXELS, training=True).numpy()
    assert y.shape == (2, 4, 5, 3)
    top, left = layer.drawn[0]
    np.testing.assert_array_equal(y[0], PIXELS[0, top:top + 4, left:left + 5])
    grad = layer.backward(np.ones_like(y))
    assert grad.sum() == y.size and grad.shape == PIXELS.shape


# -- the two-half step's contract (tests/test_layer_contract.py's check, for these layers) ----------
# One maker for every layer this issue adds to minicnn.layers and preprocessing/layers.py, with a
# per-sample input shape (MERGE_MAKERS: the merges, with their inputs' shapes).
MAKERS_ROUND4 = {
    "ReLU": (lambda: L.ReLU(4.0, 0.1, 0.5), (6, 6, 2)), "LeakyReLU": (L.LeakyReLU, (5,)),
    "ELU": (lambda: L.ELU(0.5), (5,)), "PReLU": (lambda: L.PReLU(SEEDED), (6, 6, 2)),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (6, 6, 2)),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3, strides=2), (4, 4, 2)),
    "GlobalMaxPooling2D": (L.GlobalMaxPooling2D, (6, 6, 2)),
    "LayerNormalization": (L.LayerNormalization, (6, 6, 2)),
    "GroupNormalization": (lambda: L.GroupNormalization(2), (6, 6, 4)),
    "UnitNormalization": (L.UnitNormalization, (5,)),
    "Reshape": (lambda: L.Reshape((-1, 4)), (6, 6, 2)), "Permute": (lambda: L.Permute((2, 1, 3)), (6, 5, 2)),
    "ZeroPadding2D": (L.ZeroPadding2D, (6, 6, 2)), "Cropping2D": (lambda: L.Cropping2D(1), (6, 6, 2)),
    "UpSampling2D": (L.UpSampling2D, (3, 3, 2)), "Identity": (L.Identity, (5,)),
    "GaussianNoise": (lambda: L.GaussianNoise(0.1, seed=0), (5,)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.2, seed=0), (5,)),
    "AlphaDropout": (lambda: L.AlphaDropout(0.2, seed=0), (5,)),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.3, seed=0), (6, 6, 2)),
    "Resizing": (lambda: P.Resizing(4, 3), (6, 6, 2)), "CenterCrop": (lambda: P.CenterCrop(4, 3), (6, 6, 2)),
    "RandomCrop": (lambda: P.RandomCrop(4, 3, seed=0), (6, 6, 2)),
    "Normalization": (lambda: P.Normalization(mean=1.0, variance=2.0), (6, 6, 2)),
    "Pipeline": (lambda: P.Pipeline([P.Rescaling(0.5), P.CenterCrop(4, 4)]), (6, 6, 2)),
    **{name: ((lambda name=name, args=args: getattr(P, name)(*args, seed=0)), (6, 6, 3))
       for name, args in {"RandomTranslation": (0.2, 0.2), "RandomShear": (0.2, 0.2),
                          "RandomContrast": (0.3,), "RandomBrightness": (0.2,),
                          "RandomGrayscale": (0.5,), "RandomHue": (0.3,), "RandomSaturation": (0.3,),
                          "RandomColorDegeneration": (0.3,), "RandomInvert": (0.5,),
                          "RandomPosterization": (4,), "RandomSharpness": (0.3,),
                          "Solarization": (0.3, 0.5)}.items()},
    "RandomColorJitter": (lambda: P.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2,
                                                      seed=0), (6, 6, 3)),
    "AutoContrast": (P.AutoContrast, (6, 6, 3)),
}
MERGE_MAKERS = {"Add": (L.Add, [(4, 3)] * 2), "Subtract": (L.Subtract, [(4, 3)] * 2),
                "Multiply": (L.Multiply, [(4, 3), (1, 3)]), "Average": (L.Average, [(4, 3)] * 3),
                "Maximum": (L.Maximum, [(4, 3)] * 2), "Minimum": (L.Minimum, [(4, 3)] * 2),
                "Concatenate": (L.Concatenate, [(4, 3), (4, 2)]), "Dot": (lambda: L.Dot(1), [(5,)] * 2)}


def test_every_layer_this_issue_adds_has_a_maker_here():
    from minicnn.training.saving.checking import LAYER_CLASSES
    from test_layer_contract import MAKERS
    classes = {cls.__name__ for cls in LAYER_CLASSES.values()}  # Lambda: a function, computed whole
    assert classes - set(MAKERS) == (set(MAKERS_ROUND4) | set(MERGE_MAKERS)) - set(MAKERS)


@pytest.mark.parametrize("name", sorted(MAKERS_ROUND4))
def test_a_new_layer_that_says_it_treats_samples_independently_does(name, rng):
    from test_layer_contract import MAKERS, test_a_layer_that_says_it_treats_samples_independently_does
    before = MAKERS.get(name)  # a name both tables have (ReLU): the other's maker comes back
    MAKERS[name] = MAKERS_ROUND4[name]  # tests/test_layer_contract.py's check, on this layer
    try:
        test_a_layer_that_says_it_treats_samples_independently_does(name, rng)
    finally:
        if before is None:
            del MAKERS[name]
        else:
            MAKERS[name] = before


@pytest.mark.parametrize("name", sorted(MERGE_MAKERS))
def test_a_merge_computes_a_batch_as_its_halves_put_together(name, rng):
    make, shapes = MERGE_MAKERS[name]
    layer = make()
    layer.build(shapes, np.float64)
    assert layer.independent_samples
    xs = [rng.standard_normal((6,) + s) for s in shapes]
    g = rng.standard_normal((6,) + layer.output_shape)
    whole = (layer.forward(xs), layer.backward(g))
    halves = [(layer.forward([x[rows] for x in xs]), layer.backward(g[rows]))
              for rows in (slice(0, 3), slice(3, 6))]
    np.testing.assert_allclose(whole[0], np.concatenate([h[0] for h in halves]), rtol=1e-12)
    for i in range(len(xs)):
        np.testing.assert_allclose(whole[1][i], np.concatenate([h[1][i] for h in halves]),
                                   rtol=1e-12)

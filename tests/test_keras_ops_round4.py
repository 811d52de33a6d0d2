"""keras.ops, tf.*, tf.math, tf.nn, tf.linalg and tf.image beyond the tape's own table
(compat/array_ops.py and the modules naming it): values and tape gradients against
Keras 3.15 / TensorFlow 2.21 (tests/fixtures/keras_issue29), NumPy's answers where the
names are NumPy's, centred differences for the gradients; and the small modules
(keras.backend, keras.config, keras.random, keras.utils, tf.strings, tf.io, ...)."""
import os

import numpy as np
import pytest

import minicnn as tf
from minicnn import keras
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.tape import GradientTape, Tensor

HERE = os.path.dirname(os.path.abspath(__file__))
KERAS = np.load(os.path.join(HERE, "fixtures", "keras_issue29", "keras.npz"))
ops = keras.ops
X = KERAS["ops/x"]

CASES = {
    "expm1": ops.expm1, "log1p": ops.log1p, "rsqrt": ops.rsqrt,
    "var": lambda v: ops.var(v, axis=0), "std": lambda v: ops.std(v, axis=1),
    "prod": lambda v: ops.prod(v, axis=1), "cumsum": lambda v: ops.cumsum(v, axis=1),
    "cumprod": lambda v: ops.cumprod(v, axis=0), "flip": lambda v: ops.flip(v, axis=1),
    "roll": lambda v: ops.roll(v, 1, axis=1), "tile": lambda v: ops.tile(v, (2, 1)),
    "repeat": lambda v: ops.repeat(v, 2, axis=0),
    "pad_reflect": lambda v: ops.pad(v, ((1, 1), (2, 0)), mode="reflect"),
    "pad_constant": lambda v: ops.pad(v, ((1, 0), (0, 2))),
    "einsum": lambda v: ops.einsum("ij,kj->ik", v, v), "einsum_sum": lambda v: ops.einsum("ij->j", v),
    "tensordot": lambda v: ops.tensordot(v, ops.transpose(v), axes=1),
    "norm": lambda v: ops.norm(v, axis=1), "sort": lambda v: ops.sort(v, axis=1),
    "top_k": lambda v: ops.top_k(v, 2)[0], "tril": ops.tril,
    "moments_var": lambda v: ops.moments(v, axes=[0])[1],
    "logsumexp": lambda v: ops.logsumexp(v, axis=1), "normalize": lambda v: ops.normalize(v, axis=-1),
    "l2_normalize_tf": lambda v: tf.math.l2_normalize(v, axis=0),
    "divide_no_nan": lambda v: tf.math.divide_no_nan(v, v - v[0:1]),
    "xlogy": lambda v: tf.math.xlogy(v - v[:, 0:1], v),
    "squared_difference": lambda v: tf.math.squared_difference(v, 1.0),
    "sigmoid_ce_logits": lambda v: tf.nn.sigmoid_cross_entropy_with_logits(
        labels=np.array([[0.0, 1.0, 1.0, 0.0]] * 3, np.float32), logits=v - 1.0),
    "softmax_ce_logits": lambda v: tf.nn.softmax_cross_entropy_with_logits(
        labels=np.eye(4, dtype=np.float32)[[1, 3, 0]], logits=v),
    "weighted_ce_logits": lambda v: tf.nn.weighted_cross_entropy_with_logits(
        np.array([[0.0, 1.0, 1.0, 0.0]] * 3, np.float32), v - 1.0, 2.5),
    "lrn": lambda v: tf.nn.local_response_normalization(tf.reshape(v, (1, 1, 3, 4)), 1, 1.0, 0.5, 0.75),
    "clip_by_norm": lambda v: tf.clip_by_norm(v, 1.5), "l2_loss": tf.nn.l2_loss,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ops_give_keras_values_and_gradients(name):
    x = Tensor(X.copy())
    with GradientTape() as tape:
        tape.watch(x)
        y = CASES[name](x)
        weights = np.cos(np.arange(y.numpy().size)).reshape(y.shape).astype(np.float32)
        target = tf.reduce_sum(y * weights)
    np.testing.assert_allclose(y.numpy(), KERAS[f"ops/{name}/y"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(tape.gradient(target, x).numpy(), KERAS[f"ops/{name}/dx"],
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["cumprod", "prod", "pad_reflect", "einsum", "tensordot", "roll",
                                  "sort", "lrn", "weighted_ce_logits"])
def test_the_new_rules_equal_centred_differences(name):
    x = X.astype(np.float64)

    def value():
        y = CASES[name](Tensor(x)).numpy()
        return float(np.sum(y * np.cos(np.arange(y.size)).reshape(y.shape)))
    t = Tensor(x.copy())
    with GradientTape() as tape:
        tape.watch(t)
        y = CASES[name](t)
        target = tf.reduce_sum(y * np.cos(np.arange(y.numpy().size)).reshape(y.shape))
    assert rel_error(tape.gradient(target, t).numpy(), numerical_gradient(value, x, 1e-6)) < 1e-6


def test_convolutions_and_poolings_as_functions_equal_keras():
    x, k = KERAS["ops/conv_x"], KERAS["ops/conv_k"]
    np.testing.assert_allclose(ops.conv(x, k, strides=2, padding="same"), KERAS["ops/conv_same_s2"],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(tf.nn.conv2d(x, k, 1, "VALID"), KERAS["ops/tf_conv2d_valid"],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ops.conv_transpose(x, KERAS["ops/conv_transpose_kernel"], strides=2),
                               KERAS["ops/conv_transpose"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ops.max_pool(x, 2, 2, padding="same"), KERAS["ops/max_pool"])
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, 3, 2, "SAME"), KERAS["ops/average_pool"],
                               rtol=1e-5)
    np.testing.assert_allclose(tf.image.extract_patches(x, [1, 2, 3, 1], [1, 2, 1, 1],
                                                        [1, 1, 1, 1], "SAME"),
                               KERAS["ops/extract_patches"])
    kernel = Tensor(k.copy())  # the kernel's gradient is Conv2D's own backward
    with GradientTape() as tape:
        tape.watch(kernel)
        total = tf.reduce_sum(ops.conv(x, kernel) ** 2)
    assert tape.gradient(total, kernel).shape == k.shape


@pytest.mark.parametrize("name", ["hsv", "hsv_back", "saturation", "hue", "gamma", "standardize",
                                  "crop_or_pad", "with_pad", "grayscale", "uint8"])
def test_tf_image_functions_equal_tensorflow(name):
    pictures = KERAS["image/pictures"]
    functions = {"hsv": tf.image.rgb_to_hsv,
                 "hsv_back": lambda v: tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(v)),
                 "saturation": lambda v: tf.image.adjust_saturation(v, 1.7),
                 "hue": lambda v: tf.image.adjust_hue(v, 0.2),
                 "gamma": lambda v: tf.image.adjust_gamma(v, 2.0),
                 "standardize": tf.image.per_image_standardization,
                 "crop_or_pad": lambda v: tf.image.resize_with_crop_or_pad(v, 4, 11),
                 "with_pad": lambda v: tf.image.resize_with_pad(v, 5, 5),
                 "grayscale": tf.image.rgb_to_grayscale,
                 "uint8": lambda v: tf.image.convert_image_dtype(v, tf.uint8)}
    np.testing.assert_allclose(np.asarray(functions[name](pictures), dtype=np.float64),
                               KERAS[f"image/{name}"], rtol=1e-4, atol=2e-5)


NUMPY_NAMES = {  # keras.ops functions that are NumPy's: the same answer
    "flip": (np.flip, (1,)), "fliplr": (np.fliplr, ()), "flipud": (np.flipud, ()),
    "rot90": (np.rot90, ()), "ravel": (np.ravel, ()), "swapaxes": (np.swapaxes, (0, 1)),
    "moveaxis": (np.moveaxis, (0, 1)), "triu": (np.triu, ()), "tril": (np.tril, (1,)),
    "argsort": (np.argsort, ()), "count_nonzero": (np.count_nonzero, ()),
    "ceil": (np.ceil, ()), "trunc": (np.trunc, ()), "floor_divide": (np.floor_divide, (0.7,)),
    "mod": (np.mod, (0.7,)), "isfinite": (np.isfinite, ()), "isnan": (np.isnan, ()),
    "isinf": (np.isinf, ()), "outer": (np.outer, (np.arange(3.0),)), "average": (np.average, ()),
    "cumsum": (np.cumsum, ()), "prod": (np.prod, ()), "sort": (np.sort, ()),
    "std": (np.std, ()), "var": (np.var, ()), "hstack": (None, ()), "vstack": (None, ()),
}


@pytest.mark.parametrize("name", sorted(NUMPY_NAMES))
def test_numpy_named_ops_answer_as_numpy(name):
    numpy_function, args = NUMPY_NAMES[name]
    if numpy_function is None:  # the stacking functions take lists
        np.testing.assert_allclose(getattr(ops, name)([X, X]), getattr(np, name)([X, X]))
        return
    np.testing.assert_allclose(np.asarray(getattr(ops, name)(X, *args)), numpy_function(X, *args),
                               rtol=1e-6)


def test_split_unstack_take_and_the_like(rng):
    a = rng.standard_normal((6, 4))
    assert [p.shape for p in ops.split(a, 3)] == [(2, 4)] * 3
    assert [p.shape for p in ops.array_split(a, 4)] == [(2, 4), (2, 4), (1, 4), (1, 4)]
    assert [p.shape for p in tf.split(a, [1, 5], axis=0)] == [(1, 4), (5, 4)]
    assert len(ops.unstack(a, axis=1)) == 4
    np.testing.assert_array_equal(ops.take(a, [0, 2], axis=1), a[:, [0, 2]])
    index = np.argsort(a, axis=1)
    np.testing.assert_array_equal(ops.take_along_axis(a, index, 1), np.take_along_axis(a, index, 1))
    np.testing.assert_array_equal(ops.slice(a, (1, 1), (2, 2)), a[1:3, 1:3])
    np.testing.assert_array_equal(tf.gather_nd(a, [[0, 1], [2, 3]]), a[[0, 2], [1, 3]])
    np.testing.assert_array_equal(tf.boolean_mask(a, a[:, 0] > 0), a[a[:, 0] > 0])
    np.testing.assert_array_equal(tf.strided_slice(a, [0, 1], [6, 4], [2, 1]), a[0:6:2, 1:4])
    np.testing.assert_array_equal(tf.reverse(a, [0]), a[::-1])
    np.testing.assert_array_equal(tf.math.confusion_matrix([0, 1, 1], [1, 1, 0], 2), [[0, 1], [1, 1]])
    assert ops.in_top_k(np.array([1]), np.array([[0.2, 0.5, 0.3]]), 1).numpy().tolist() == [True]
    values, indices = tf.math.top_k(a, 2)
    np.testing.assert_array_equal(indices, np.argsort(-a, axis=1, kind="stable")[:, :2])


def test_tf_functions_a_custom_loop_calls(rng):
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    assert np.isclose(float(norm), total) and np.isclose(
        np.sqrt(sum(np.sum(np.asarray(c) ** 2) for c in clipped)), min(total, 1.0))
    np.testing.assert_allclose(tf.add_n([grads[0], grads[0], grads[0]]), 3 * grads[0])
    assert tf.TensorShape([None, 3]).as_list() == [None, 3] and tf.executing_eagerly()
    with tf.device("/CPU:0"):
        assert tf.is_tensor(tf.constant(1.0)) and not tf.is_tensor(1.0)
    np.testing.assert_array_equal(tf.map_fn(lambda v: v * 2, np.arange(3.0)), [0.0, 2.0, 4.0])
    out = tf.numpy_function(lambda v: v + 1, [np.arange(2.0)], tf.float64)
    np.testing.assert_array_equal(out, [1.0, 2.0])
    with pytest.raises(ValueError, match="ensure_shape"):
        tf.ensure_shape(np.zeros((2, 3)), (None, 4))
    assert tf.linalg.trace(np.eye(3)).numpy() == 3 and tf.linalg.matvec(np.eye(2), [1.0, 2.0]).shape == (2,)


def test_decoding_encoding_and_the_small_modules(tmp_path):
    image = (np.arange(48).reshape(4, 4, 3) * 5).astype(np.uint8)
    png = tf.image.encode_png(image).numpy().item()
    np.testing.assert_array_equal(tf.image.decode_png(png, channels=3), image)
    assert tf.image.decode_png(png, channels=4).shape == (4, 4, 4)
    (tmp_path / "a.png").write_bytes(png)
    assert tf.image.decode_image(tf.io.read_file(str(tmp_path / "a.png"))).shape == (4, 4, 3)
    parts = tf.strings.split("data/cats/1.png", "/").numpy()
    assert list(parts) == ["data", "cats", "1.png"]
    assert tf.config.list_physical_devices("GPU") == [] and tf.dtypes.float32 is np.float32
    assert tf.version.VERSION.startswith("2.21")
    assert keras.backend.image_data_format() == "channels_last" and keras.backend.epsilon() == 1e-7
    assert keras.backend.backend() == "numpy" and keras.config.floatx() == "float32"
    with pytest.raises(ValueError, match="channels_last"):
        keras.backend.set_image_data_format("channels_first")


def test_keras_random_and_tf_random_repeat_with_a_seed():
    for draw in (lambda: keras.random.normal((3,), seed=1), lambda: keras.random.uniform((3,), seed=1),
                 lambda: tf.random.truncated_normal((50,), seed=2),
                 lambda: tf.random.stateless_uniform((3,), seed=(4, 0)),
                 lambda: tf.random.categorical(np.log([[0.5, 0.5]]), 4, seed=3)):
        np.testing.assert_array_equal(draw(), draw())
    assert np.all(np.abs(tf.random.truncated_normal((200,), seed=0).numpy()) <= 2)
    generator = tf.random.Generator.from_seed(5)
    assert generator.normal((2,)).shape == (2,)


def test_keras_utils(tmp_path, rng):
    x = rng.standard_normal((10, 3))
    np.testing.assert_allclose(np.linalg.norm(keras.utils.normalize(x), axis=-1), 1.0)
    left, right = keras.utils.split_dataset((x, np.arange(10)), left_size=0.7)
    assert len(left) == 7 and len(right) == 3
    assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert keras.utils.pack_x_y_sample_weight(1) == (1,)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return x[index * 5:(index + 1) * 5], np.arange(5) % 3

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert len(model.fit(Batches(), epochs=2, verbose=0).history["loss"]) == 2
    source = tmp_path / "source.txt"
    source.write_text("hello")
    path = keras.utils.get_file("copy.txt", origin=source.as_uri(), cache_dir=str(tmp_path))
    assert open(path).read() == "hello"

    @keras.utils.register_keras_serializable(package="mine")
    class Thing:
        pass
    assert keras.utils.get_custom_objects()["mine>Thing"] is Thing
    figure = keras.utils.plot_model(model, to_file=str(tmp_path / "model.png"), show_shapes=True)
    assert figure is not None and (tmp_path / "model.png").stat().st_size > 0
    bar = keras.utils.Progbar(2, verbose=0)
    bar.update(1, [("loss", 0.5)])
    bar.add(1)
    assert bar.seen == 2

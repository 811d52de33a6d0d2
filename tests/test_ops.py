"""The ops' three rungs compute the same thing: the naive loops, the textbook (NumPy)
and the fast (numba) ops, both ways the fast ops convolve; and each numba kernel
equals its NumPy definition."""
import numpy as np
import pytest

import minicnn
from minicnn import activations, ops
from minicnn.ops import fast, naive, reference
from minicnn.ops.fast import im2col as whole_batch
from minicnn.ops.fast import image_blocks, pooling
from minicnn.ops.windows import output_size

# (N, H, W, C, kh, kw, sh, sw): stride > kernel, stride < kernel (overlap),
# odd sizes, rectangular windows, 1x1 kernels.
CASES = [
    (2, 7, 7, 3, 3, 3, 1, 1),
    (1, 9, 8, 2, 2, 2, 3, 3),      # stride larger than the kernel
    (3, 10, 7, 4, 3, 2, 1, 2),     # overlap along height, rectangular
    (2, 5, 5, 1, 1, 1, 1, 1),      # 1x1
    (2, 11, 13, 5, 1, 1, 2, 3),    # 1x1 with strides
    (4, 6, 9, 3, 5, 4, 2, 1),
    (1, 8, 8, 2, 4, 4, 2, 2),
    (2, 9, 9, 8, 2, 2, 2, 2),      # 8+ channels: other loop orders in the fast kernels
    (2, 10, 7, 16, 3, 3, 2, 1),
]
PADS = [(0, 0, 0, 0), (1, 2, 0, 1)]  # none, and uneven (TensorFlow's 'same' pads more after)


def fast_path(monkeypatch, how):
    monkeypatch.setattr(fast, "by_image_blocks", lambda filters, out_w: how == "image blocks")
    return fast


def tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-11)


def conv_both_ways(forward, backward, x, w, b, strides, pads, grad):
    """Everything a convolution op gives: its output, and its backward with and
    without the input gradient."""
    y, cache = forward(x, w, b, strides, pads)
    return y, backward(grad, cache, True), backward(grad, cache, False)


def assert_backwards_equal(got, expected, **tolerances):
    for backward_got, backward_expected in zip(got, expected):
        for name, a, b in zip(("grad_x", "grad_w", "grad_b"), backward_got, backward_expected):
            if b is None:
                assert a is None, name
                continue
            assert a.shape == b.shape and a.dtype == b.dtype, name
            np.testing.assert_allclose(a, b, **tolerances, err_msg=name)


def textbook_relu(x, w, b, strides, pads):
    """The composition the fast bias+ReLU op stands for: the pure op, then the ReLU."""
    z, cache = reference.conv2d_forward(x, w, b, strides, pads)
    y = activations.forward("relu", z)
    return y, (cache, y)


def textbook_relu_backward(grad_y, cache, input_grad):
    cache, y = cache
    return reference.conv2d_backward(activations.backward("relu", grad_y, y), cache, input_grad)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("pads", PADS)
@pytest.mark.parametrize("filters,with_bias", [(1, True), (5, True), (8, False), (13, True)])
@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("how", ["im2col", "image blocks"])
def test_fast_convolution_equals_the_textbook(case, pads, filters, with_bias, relu, dtype, how,
                                              rng, monkeypatch):
    """Both ways the fast ops convolve, against reference.py, on narrow images and on
    rows longer than a block (several images per block, and ragged): the pure op, and
    the fast rung's bias+ReLU op against the pure op followed by the ReLU."""
    n, h, w, c, kh, kw, sh, sw = case
    module = fast_path(monkeypatch, how)
    fast_ops = ((module.conv2d_relu_forward, module.conv2d_relu_backward) if relu else
                (module.conv2d_forward, module.conv2d_backward))
    textbook = ((textbook_relu, textbook_relu_backward) if relu else
                (reference.conv2d_forward, reference.conv2d_backward))
    for width in (w, 3 * 32 + w):
        x = rng.standard_normal((n, h, width, c)).astype(dtype)
        weights = rng.standard_normal((kh, kw, c, filters)).astype(dtype)
        bias = rng.standard_normal(filters).astype(dtype) if with_bias else None
        y, _ = reference.conv2d_forward(x, weights, bias, (sh, sw), pads)
        grad = rng.standard_normal(y.shape).astype(dtype)
        expected = conv_both_ways(*textbook, x, weights, bias, (sh, sw), pads, grad)
        got = conv_both_ways(*fast_ops, x, weights, bias, (sh, sw), pads, grad)
        assert got[0].dtype == dtype and got[0].shape == expected[0].shape
        np.testing.assert_allclose(got[0], expected[0], **tolerance(dtype))
        assert_backwards_equal(got[1:], expected[1:], **tolerance(dtype))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("pads", PADS)
def test_the_textbook_convolution_equals_the_naive_loops(case, pads, rng):
    n, h, w, c, kh, kw, sh, sw = case
    x = rng.standard_normal((n, h, w, c))
    weights, bias = rng.standard_normal((kh, kw, c, 3)), rng.standard_normal(3)
    for b in (bias, None):
        z, _ = naive.conv2d_forward(x, weights, b, (sh, sw), pads)
        grad_z = rng.standard_normal(z.shape)
        expected = conv_both_ways(naive.conv2d_forward, naive.conv2d_backward, x, weights, b,
                                  (sh, sw), pads, grad_z)
        got = conv_both_ways(reference.conv2d_forward, reference.conv2d_backward, x, weights, b,
                             (sh, sw), pads, grad_z)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12, atol=1e-12)
        assert_backwards_equal(got[1:], expected[1:], rtol=1e-12, atol=1e-12)


def test_the_ops_are_pure_and_the_layer_applies_its_activation(rng):
    """conv2d_forward is conv + bias on every rung; Conv2D's output is its activation
    of that, and its backward goes through the activation's rule."""
    from minicnn.layers import Conv2D
    x = rng.standard_normal((2, 7, 7, 2))
    layer = Conv2D(3, 3, activation="tanh", seed=0)
    layer.build(x.shape[1:], np.float64)
    w, b = layer.params["W"], layer.params["b"]
    z, _ = reference.conv2d_forward(x, w, b, (1, 1), (0, 0, 0, 0))
    for name in ("naive", "numpy", "numba"):
        minicnn.set_ops(name)
        try:
            np.testing.assert_allclose(layer.forward(x), np.tanh(z), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(layer.pre_activation(), z, rtol=1e-10, atol=1e-12)
            grad_y = rng.standard_normal(z.shape)
            layer.backward(grad_y)
            expected = reference.conv2d_backward(grad_y * (1 - np.tanh(z) ** 2),
                                                 reference.conv2d_forward(x, w, b, (1, 1),
                                                                          (0, 0, 0, 0))[1])
            np.testing.assert_allclose(layer.grads["W"], expected[1], rtol=1e-9, atol=1e-11)
        finally:
            minicnn.set_ops("numba")


def maxpool_all_ways(module, x, pool, strides, pads, grad_seed):
    y, cache = module.maxpool2d_forward(x, pool, strides, pads)
    grad_y = np.random.default_rng(grad_seed).standard_normal(y.shape).astype(x.dtype)
    return y, cache[1], module.maxpool2d_backward(grad_y, cache)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("pads", PADS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nans", [False, True])
def test_maxpool_rungs_agree_ties_and_nans_included(case, pads, dtype, nans, rng):
    """Small integers make many ties, so the tie rule is compared too; with NaNs,
    the NaN rule (the fast kernels' second pass)."""
    n, h, w, c, ph, pw, sh, sw = case
    x = rng.integers(0, 4, (n, h, w, c)).astype(dtype)
    if nans:
        x[rng.random(x.shape) < 0.15] = np.nan
    expected = maxpool_all_ways(naive, x, (ph, pw), (sh, sw), pads, 0)
    for module in (reference, fast):
        y, argmax, grad_x = maxpool_all_ways(module, x, (ph, pw), (sh, sw), pads, 0)
        np.testing.assert_array_equal(y, expected[0])  # NaN where the naive loops have NaN
        np.testing.assert_array_equal(argmax, expected[1])
        np.testing.assert_allclose(grad_x, expected[2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_maxpool_backward_writes_every_element(case, rng):
    """The kernel is handed an output full of garbage (NaN) on purpose: every element
    must be written, zeros included, where no gradient goes."""
    n, h, w, c, ph, pw, sh, sw = case
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    oh, ow = output_size(h, ph, sh), output_size(w, pw, sw)
    y, argmax = pooling.maxpool_forward(x, ph, pw, sh, sw, oh, ow)
    grad_y = rng.standard_normal(y.shape).astype(np.float32)
    garbage = np.full(x.shape, np.nan, np.float32)
    pooling._maxpool_backward(grad_y, argmax, ph, pw, sh, sw, garbage)
    expected = reference.maxpool2d_backward(grad_y, (x.shape, argmax, (ph, pw), (sh, sw),
                                                     (0, 0, 0, 0)))
    np.testing.assert_allclose(garbage, expected, rtol=1e-6, atol=1e-6)


# -- the numba kernels against their NumPy definitions -------------------------------
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_and_col2im_equal_the_textbook(case, dtype, rng):
    n, h, w, c, kh, kw, sh, sw = case
    oh, ow = output_size(h, kh, sh), output_size(w, kw, sw)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    cols = reference.im2col(x, kh, kw, sh, sw, oh, ow)
    assert cols.shape == (n * oh * ow, kh * kw * c)
    np.testing.assert_array_equal(whole_batch.im2col(x, kh, kw, sh, sw, oh, ow), cols)
    grad_cols = rng.standard_normal(cols.shape).astype(dtype)
    expected = reference.col2im(grad_cols, x.shape, kh, kw, sh, sw, oh, ow)
    got = whole_batch.col2im(grad_cols, x.shape, kh, kw, sh, sw, oh, ow)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, **tolerance(dtype))


def test_col2im_is_the_adjoint_of_im2col(rng):
    """<im2col(x), g> == <x, col2im(g)>: the defining property of the backward."""
    x = rng.standard_normal((2, 9, 7, 3))
    kh, kw, sh, sw = 3, 2, 2, 1
    oh, ow = output_size(9, kh, sh), output_size(7, kw, sw)
    g = rng.standard_normal((2 * oh * ow, kh * kw * 3))
    for module in (reference, whole_batch):
        lhs = np.sum(module.im2col(x, kh, kw, sh, sw, oh, ow) * g)
        rhs = np.sum(x * module.col2im(g, x.shape, kh, kw, sh, sw, oh, ow))
        assert abs(lhs - rhs) < 1e-10 * abs(lhs)


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_epilogue_kernels_equal_their_definitions(relu, with_bias, dtype, rng):
    """bias_relu is act(z + b); relu_bias_backward is act'(dy) and its sum over rows."""
    z = rng.standard_normal((301, 7)).astype(dtype)
    bias = rng.standard_normal(7).astype(dtype) if with_bias else np.zeros(0, dtype)
    y = activations.forward("relu" if relu else None, z + bias if with_bias else z.copy())
    np.testing.assert_allclose(whole_batch.bias_relu(z.copy(), bias, relu), y, rtol=1e-6)
    grad_y = rng.standard_normal(z.shape).astype(dtype)
    grad_y_before = grad_y.copy()
    expected_z = activations.backward("relu" if relu else None, grad_y, y)
    got_z, got_b = whole_batch.relu_bias_backward(grad_y, y, relu, with_bias)
    np.testing.assert_array_equal(got_z, expected_z)
    assert got_b.shape == ((7,) if with_bias else (0,))
    if with_bias:
        np.testing.assert_allclose(got_b, expected_z.sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(grad_y, grad_y_before)


def test_image_blocks_use_blocks_of_several_images_and_ragged_ends(rng, monkeypatch):
    """The block size is a count of images; with a tiny block, the batch is cut into
    blocks of one image and a ragged last one, and the result does not change."""
    x = rng.standard_normal((5, 9, 40, 2))
    w, b = rng.standard_normal((3, 3, 2, 4)), rng.standard_normal(4)
    y = np.maximum(reference.conv2d_forward(x, w, b, (1, 1), (0, 0, 0, 0))[0], 0)
    for numbers in (1, 3 * 9 * 2 * 7 * 40, 1 << 16):  # one image, a ragged block, all at once
        monkeypatch.setattr(image_blocks, "BLOCK_NUMBERS", numbers)
        got, phases = image_blocks.conv_forward(x, w, b, 1, 1, 7, 38, True)
        np.testing.assert_allclose(got, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fill_mode", range(4))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_affine_resample_equals_its_definition(fill_mode, dtype, rng):
    from minicnn.preprocessing import resample, resample_fast
    from minicnn.preprocessing.transforms import affine_matrix
    for trial in range(6):
        h, w, c = rng.integers(5, 40, 2).tolist() + [int(rng.choice([1, 3, 4]))]
        x = (rng.random((h, w, c)) * 255).astype(dtype)
        matrix, shift = affine_matrix(theta=rng.uniform(-180, 180), tx=rng.uniform(-20, 20),
                                      ty=rng.uniform(-20, 20), zx=rng.uniform(0.5, 1.5),
                                      zy=rng.uniform(0.5, 1.5))
        expected = resample.affine_resample_numpy(x, matrix, shift, fill_mode, 9.0)
        got = resample_fast.affine_resample(x, matrix, shift, fill_mode, 9.0)
        np.testing.assert_allclose(got, expected, atol=2e-3, rtol=1e-5)


# -- choosing the rung --------------------------------------------------------------
def test_set_ops_rejects_unknown_names():
    with pytest.raises(ValueError, match="numba"):
        minicnn.set_ops("cuda")
    assert minicnn.get_ops() == "numba"


@pytest.mark.parametrize("name,module", [("naive", naive), ("numpy", reference),
                                         ("numba", fast)])
def test_set_ops_really_switches_every_layer(name, module, monkeypatch, rng):
    """The layers call the chosen rung's functions, and no other rung's."""
    from minicnn.layers import Conv2D, MaxPool2D, SeparableConv2D
    calls = []
    for each in (naive, reference, fast):
        for op in ops.OPS:
            original = getattr(each, op)
            monkeypatch.setattr(each, op, lambda *a, _f=original, _m=each, _op=op, **k:
                                calls.append((_m, _op)) or _f(*a, **k))
    x = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    try:
        minicnn.set_ops(name)
        assert minicnn.get_ops() == name
        conv, pool = Conv2D(3, 3, activation="relu", seed=0), MaxPool2D(2)
        y = pool.forward(conv.forward(x))
        conv.backward(pool.backward(np.ones_like(y)))
        separable = SeparableConv2D(2, 3, seed=0)  # the depthwise ops
        separable.backward(np.ones_like(separable.forward(x)))
        assert {m for m, _ in calls} == {module}, calls
        assert {op for _, op in calls} == set(ops.OPS)
    finally:
        minicnn.set_ops("numba")


def test_plug_installs_some_functions_over_the_textbook(rng):
    from minicnn.layers import Conv2D
    seen = []

    def my_forward(x, w, b, strides, pads):
        seen.append("forward")
        return reference.conv2d_forward(x, w, b, strides, pads)
    try:
        ops.plug("student", {"conv2d_forward": my_forward})
        assert minicnn.get_ops() == "student"
        assert ops.maxpool2d_forward is reference.maxpool2d_forward  # not given: the textbook's
        Conv2D(2, 3).forward(rng.standard_normal((1, 5, 5, 1)))
        assert seen == ["forward"]
        with pytest.raises(ValueError, match="conv2d_forwrd"):
            ops.plug("student", {"conv2d_forwrd": my_forward})
    finally:
        minicnn.set_ops("numba")
    assert ops.conv2d_forward is fast.conv2d_forward


# -- the environment ----------------------------------------------------------------
SMALL_MODEL = """
import numpy as np, minicnn
from minicnn.layers import Conv2D, MaxPool2D, Flatten, Dense
model = minicnn.Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(), Flatten(), Dense(3)],
                           input_shape=(16, 16, 1))
x = np.random.default_rng(0).random((4, 16, 16, 1), dtype=np.float32)
expected = model.predict(x)
"""


def run_python(code, env=None, timeout=300):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_an_unwritable_numba_cache_falls_back_with_one_warning(tmp_path):
    import os
    package = os.path.dirname(minicnn.__file__)
    before = {f for _, _, files in os.walk(package) for f in files}
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "file" / "numba"))
    (tmp_path / "file").write_text("a file where the cache folder would go")
    result = run_python(SMALL_MODEL + "print(expected.shape)", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(4, 3)"
    assert result.stderr.count("UserWarning: minicnn: cannot write numba's cache folder") == 1
    after = {f for _, _, files in os.walk(package) for f in files}
    assert after == before  # nothing cached beside the package instead


def test_a_fork_after_the_model_ran_works():
    """numba's GNU OpenMP layer killed forked workers and Pool.map hung. Here
    the parent runs minicnn's own threads (forced on for small work), forks,
    and the children run them again: each child starts a pool of its own."""
    result = run_python("""
import minicnn.parallel.pool as pool
pool.PARALLEL_MIN_WORK = 0
pool._others_running = lambda: 0  # the four children share 2 cores: use threads anyway
pool._cores = lambda: 2
import minicnn
minicnn.set_num_threads(2)
""" + SMALL_MODEL + """
import multiprocessing, threading
def work(i):
    return model.predict(x), threading.active_count()
with multiprocessing.get_context("fork").Pool(2) as workers:
    results = workers.map_async(work, range(4)).get(timeout=120)
print(all(np.allclose(r, expected) for r, _ in results), max(n for _, n in results) > 1)
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]  # equal, and the children used threads

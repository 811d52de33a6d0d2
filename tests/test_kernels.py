"""Each numba kernel equals its NumPy twin (the definition) on random shapes."""
import numpy as np
import pytest

import minicnn
from minicnn.kernels import fast, reference

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
    (2, 9, 9, 8, 2, 2, 2, 2),      # 8+ channels: max-pool's channels-inner loop order
    (2, 10, 7, 16, 3, 3, 2, 1),
]


def out_size(n, k, s):
    return (n - k) // s + 1


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_and_col2im_match_reference(case, dtype, rng):
    n, h, w, c, kh, kw, sh, sw = case
    oh, ow = out_size(h, kh, sh), out_size(w, kw, sw)
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    cols = reference.im2col(x, kh, kw, sh, sw, oh, ow)
    assert cols.shape == (n * oh * ow, kh * kw * c)
    np.testing.assert_array_equal(fast.im2col(x, kh, kw, sh, sw, oh, ow), cols)
    grad_cols = rng.standard_normal(cols.shape).astype(dtype)
    expected = reference.col2im(grad_cols, x.shape, kh, kw, sh, sw, oh, ow)
    got = fast.col2im(grad_cols, x.shape, kh, kw, sh, sw, oh, ow)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == np.float32 else 1e-13,
                               atol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxpool_matches_reference(case, dtype, rng):
    n, h, w, c, ph, pw, sh, sw = case
    oh, ow = out_size(h, ph, sh), out_size(w, pw, sw)
    # small integers: many ties, so the tie rule is compared too
    x = rng.integers(0, 4, (n, h, w, c)).astype(dtype)
    y, argmax = reference.maxpool_forward(x, ph, pw, sh, sw, oh, ow)
    y_fast, argmax_fast = fast.maxpool_forward(x, ph, pw, sh, sw, oh, ow)
    np.testing.assert_array_equal(y_fast, y)
    np.testing.assert_array_equal(argmax_fast, argmax)
    grad_y = rng.standard_normal(y.shape).astype(dtype)
    expected = reference.maxpool_backward(grad_y, argmax, x.shape, ph, pw, sh, sw)
    got = fast.maxpool_backward(grad_y, argmax, x.shape, ph, pw, sh, sw)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("filters,relu,with_bias", [(1, True, True), (5, False, True),
                                                    (8, True, False), (13, True, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_by_blocks_matches_reference(case, filters, relu, with_bias, dtype, rng):
    """fast.conv_forward/backward (blocks of images) against the im2col definition,
    on narrow and wide images (one image per block, and several)."""
    n, h, w, c, kh, kw, sh, sw = case
    for width in (w, 3 * 32 + w):  # also a row longer than a block and ragged
        x = rng.standard_normal((n, h, width, c)).astype(dtype)
        oh, ow = out_size(h, kh, sh), out_size(width, kw, sw)
        weights = rng.standard_normal((kh, kw, c, filters)).astype(dtype)
        bias = rng.standard_normal(filters if with_bias else 0).astype(dtype)
        tolerance = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
        y, saved = reference.conv_forward(x, weights, bias, sh, sw, oh, ow, relu)
        y_fast, saved_fast = fast.conv_forward(x, weights, bias, sh, sw, oh, ow, relu)
        np.testing.assert_allclose(y_fast, y, **tolerance)
        grad_y = rng.standard_normal(y.shape).astype(dtype)
        for input_grad in (True, False):
            expected = reference.conv_backward(saved, weights, grad_y, y, sh, sw, relu, with_bias,
                                               input_grad)
            got = fast.conv_backward(saved_fast, weights, grad_y, y, sh, sw, relu, with_bias,
                                     input_grad)
            for name, a, b in zip(("grad_w", "grad_b", "grad_x"), got, expected):
                assert a.shape == b.shape and a.dtype == b.dtype, name
                np.testing.assert_allclose(a, b, **tolerance, err_msg=name)


def test_col2im_is_the_adjoint_of_im2col(rng):
    """<im2col(x), g> == <x, col2im(g)>: the defining property of the backward."""
    x = rng.standard_normal((2, 9, 7, 3))
    kh, kw, sh, sw = 3, 2, 2, 1
    oh, ow = out_size(9, kh, sh), out_size(7, kw, sw)
    g = rng.standard_normal((2 * oh * ow, kh * kw * 3))
    for module in (reference, fast):
        lhs = np.sum(module.im2col(x, kh, kw, sh, sw, oh, ow) * g)
        rhs = np.sum(x * module.col2im(g, x.shape, kh, kw, sh, sw, oh, ow))
        assert abs(lhs - rhs) < 1e-10 * abs(lhs)


@pytest.mark.parametrize("fill_mode", range(4))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_affine_resample_matches_reference(fill_mode, dtype, rng):
    from minicnn.preprocessing.transforms import affine_matrix
    for trial in range(6):
        h, w, c = rng.integers(5, 40, 2).tolist() + [int(rng.choice([1, 3, 4]))]
        x = (rng.random((h, w, c)) * 255).astype(dtype)
        matrix, shift = affine_matrix(theta=rng.uniform(-180, 180), tx=rng.uniform(-20, 20),
                                      ty=rng.uniform(-20, 20), zx=rng.uniform(0.5, 1.5),
                                      zy=rng.uniform(0.5, 1.5))
        expected = reference.affine_resample(x, matrix, shift, fill_mode, 9.0)
        got = fast.affine_resample(x, matrix, shift, fill_mode, 9.0)
        np.testing.assert_allclose(got, expected, atol=2e-3, rtol=1e-5)


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_epilogue_kernels_match_reference(relu, with_bias, dtype, rng):
    z = rng.standard_normal((301, 7)).astype(dtype)
    bias = rng.standard_normal(7).astype(dtype) if with_bias else np.zeros(0, dtype)
    expected = reference.bias_relu(z.copy(), bias, relu)
    np.testing.assert_allclose(fast.bias_relu(z.copy(), bias, relu), expected, rtol=1e-6)
    grad_y = rng.standard_normal(z.shape).astype(dtype)
    grad_y_before = grad_y.copy()
    expected_z, expected_b = reference.relu_bias_backward(grad_y, expected, relu, with_bias)
    got_z, got_b = fast.relu_bias_backward(grad_y, expected, relu, with_bias)
    np.testing.assert_array_equal(got_z, expected_z)
    np.testing.assert_allclose(got_b, expected_b, rtol=1e-5, atol=1e-5)
    assert got_b.shape == ((7,) if with_bias else (0,))
    np.testing.assert_array_equal(grad_y, grad_y_before)


def test_set_kernels_rejects_unknown_names():
    with pytest.raises(ValueError, match="numba"):
        minicnn.set_kernels("cuda")
    assert minicnn.get_kernels() == "numba"



def test_set_kernels_really_switches_the_twin(monkeypatch, rng):
    """The layers call whichever twin set_kernels selected, and only that one."""
    from minicnn.layers import Conv2D, MaxPool2D
    calls = []
    for module, name in [(reference, "numpy"), (fast, "numba")]:
        for function in ("im2col", "col2im", "maxpool_forward", "maxpool_backward", "bias_relu"):
            original = getattr(module, function)
            monkeypatch.setattr(module, function,
                                lambda *a, _f=original, _n=name, _k=function:
                                calls.append((_n, _k)) or _f(*a))
    x = rng.standard_normal((2, 6, 6, 2)).astype(np.float32)
    try:
        for name in ("numpy", "numba"):
            minicnn.set_kernels(name)
            assert minicnn.get_kernels() == name
            calls.clear()
            conv, pool = Conv2D(3, 3, activation="relu", seed=0), MaxPool2D(2)
            y = pool.forward(conv.forward(x))
            conv.backward(pool.backward(np.ones_like(y)))
            assert {twin for twin, _ in calls} == {name}, calls
            assert {k for _, k in calls} == {"im2col", "col2im", "maxpool_forward",
                                             "maxpool_backward", "bias_relu"}
    finally:
        minicnn.set_kernels("numba")


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
    import minicnn.kernels
    package = os.path.dirname(minicnn.kernels.__file__)
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
import minicnn.threads
minicnn.threads.PARALLEL_MIN_WORK = 0
minicnn.threads._others_running = lambda: 0  # the four children share 2 cores: use threads anyway
minicnn.threads._cores = lambda: 2
minicnn.set_num_threads(2)
""" + SMALL_MODEL + """
import multiprocessing, threading
def work(i):
    return model.predict(x), threading.active_count()
with multiprocessing.get_context("fork").Pool(2) as pool:
    results = pool.map_async(work, range(4)).get(timeout=120)
print(all(np.allclose(r, expected) for r, _ in results), max(n for _, n in results) > 1)
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]  # equal, and the children used threads


@pytest.mark.parametrize("case", CASES)
def test_maxpool_with_nans_matches_reference(case, rng):
    """The NaN path of the numba kernels (taken when the input holds a NaN)."""
    n, h, w, c, ph, pw, sh, sw = case
    oh, ow = out_size(h, ph, sh), out_size(w, pw, sw)
    x = rng.integers(0, 4, (n, h, w, c)).astype(np.float32)
    x[rng.random(x.shape) < 0.15] = np.nan
    y, argmax = reference.maxpool_forward(x, ph, pw, sh, sw, oh, ow)
    y_fast, argmax_fast = fast.maxpool_forward(x, ph, pw, sh, sw, oh, ow)
    np.testing.assert_array_equal(y_fast, y)  # NaN where the reference has NaN
    np.testing.assert_array_equal(argmax_fast, argmax)
    grad = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(fast.maxpool_backward(grad, argmax, x.shape, ph, pw, sh, sw),
                               reference.maxpool_backward(grad, argmax, x.shape, ph, pw, sh, sw),
                               rtol=1e-6, atol=1e-6)

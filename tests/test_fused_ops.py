"""The fast rung's fused op (ops/fast/conv_pool.py: Conv2D with ReLU, then max-pooling)
equals the textbook's composition of reference.conv2d_forward, the ReLU and
reference.maxpool2d_forward, forward and backward, both ways it computes (the direct
kernels and the matrix products), NaN rule included; each numba kernel equals its
NumPy definition; and the fast step's plan (parallel/plan.py) trains as the
textbook step does."""
import numpy as np
import pytest

import minicnn
from minicnn import activations
from minicnn.gradcheck import numerical_gradient, rel_error
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from minicnn.ops import reference
from minicnn.ops.fast import buffers, conv_pool, direct, wide
from minicnn.ops.windows import pad_hw, window_geometry
from minicnn.parallel import halves, plan

WAYS = ["direct", "wide"]
# (N, H, W, C, F, kh, kw, sh, sw, ph, pw, conv padding, pool padding)
CASES = [
    (2, 11, 13, 1, 5, 5, 5, 3, 3, 2, 2, "valid", "valid"),   # the X-ray model's first layer
    (3, 12, 12, 3, 8, 3, 3, 2, 2, 2, 2, "valid", "valid"),   # the galaxy model's, odd conv output
    (2, 9, 10, 2, 3, 3, 3, 1, 1, 2, 2, "same", "same"),
    (2, 10, 9, 4, 6, 3, 2, 1, 2, 3, 2, "same", "valid"),     # rectangular kernel and window
    (1, 13, 11, 1, 32, 3, 3, 1, 1, 2, 2, "valid", "same"),   # many filters, odd sizes
    (2, 17, 15, 2, 4, 4, 3, 2, 1, 3, 3, "same", "same"),     # 3x3 windows, pads on both sides
    (2, 7, 7, 9, 3, 3, 3, 1, 1, 2, 2, "valid", "valid"),     # 81 taps: not a multiple of four
]


def geometry(case):
    """(conv strides, conv pads, pool size, pool pads) of a case, as the layers work them out."""
    n, h, w, c, f, kh, kw, sh, sw, ph, pw, conv_padding, pool_padding = case
    out_h, top, bottom = window_geometry("conv", h, kh, sh, conv_padding)
    out_w, left, right = window_geometry("conv", w, kw, sw, conv_padding)
    _, pool_top, pool_bottom = window_geometry("pool", out_h, ph, ph, pool_padding)
    _, pool_left, pool_right = window_geometry("pool", out_w, pw, pw, pool_padding)
    return (sh, sw), (top, bottom, left, right), (ph, pw), (pool_top, pool_bottom, pool_left,
                                                           pool_right)


def textbook(x, w, b, strides, pads, pool_size, pool_pads, grad_p, input_grad=True):
    """The definition: the textbook's ops, one after the other, and their backwards."""
    z, conv_cache = reference.conv2d_forward(x, w, b, strides, pads)
    y = activations.forward("relu", z)
    p, pool_cache = reference.maxpool2d_forward(y, pool_size, pool_size, pool_pads)
    if grad_p is None:
        return p
    grad_y = reference.maxpool2d_backward(grad_p, pool_cache)
    grad_z = activations.backward("relu", grad_y, y)
    return p, reference.conv2d_backward(grad_z, conv_cache, input_grad)


def data(case, dtype, rng, bias=True):
    """Small integers in float32, so that every sum is exact whatever its order and the
    ties (many: the ReLU's zeros too) are real ties; random normal in float64."""
    n, h, w, c, f, kh, kw = case[:7]
    if dtype == np.float32:
        x = rng.integers(-3, 4, (n, h, w, c)).astype(dtype)
        weights = rng.integers(-2, 3, (kh, kw, c, f)).astype(dtype)
        b = rng.integers(-2, 3, f).astype(dtype)
    else:
        x = rng.standard_normal((n, h, w, c))
        weights, b = rng.standard_normal((kh, kw, c, f)), rng.standard_normal(f)
    return x, weights, (b if bias else None)


def fused(way, *args, input_grad=True, grad_p=None, buffers_=None):
    p, cache = conv_pool.forward(*args, buffers=buffers_,
                                 direct_way=lambda shape: way == "direct")
    p = p.copy()  # the op's output lives in its buffers
    if grad_p is None:
        return p, cache
    return p, conv_pool.backward(grad_p, cache, input_grad)


def assert_gradients_equal(got, expected, dtype):
    tolerance = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10,
                                                                            atol=1e-11)
    for name, a, b in zip(("grad_x", "grad_w", "grad_b"), got, expected):
        if b is None:
            assert a is None, name
            continue
        assert a.shape == b.shape and a.dtype == b.dtype, name
        np.testing.assert_allclose(a, b, **tolerance, err_msg=name)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("bias,input_grad", [(True, True), (False, False)])
def test_the_fused_op_equals_the_textbook_composition(case, dtype, way, bias, input_grad, rng):
    x, w, b = data(case, dtype, rng, bias)
    args = (x, w, b) + geometry(case)
    expected_p = textbook(*args, None)
    grad_p = rng.standard_normal(expected_p.shape).astype(dtype)
    expected = textbook(*args, grad_p, input_grad)
    p, got = fused(way, *args, input_grad=input_grad, grad_p=grad_p)
    assert p.dtype == dtype and p.shape == expected_p.shape
    if dtype == np.float32:  # exact sums: the same numbers, and the same window winners
        np.testing.assert_array_equal(p, expected_p)
    else:
        np.testing.assert_allclose(p, expected_p, rtol=1e-12, atol=1e-12)
    assert_gradients_equal(got, expected[1], dtype)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("where", ["input NaN", "input inf", "weight NaN", "unread NaN"])
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_and_infinity_follow_the_textbooks_rule(way, where, rng):
    """A window holding a NaN outputs NaN, its gradient going to the first NaN; the
    gradients carry NaN where the textbook's do. A NaN that no pooling window reads
    changes nothing (the textbook's dense dW = cols.T @ dz has 0 * NaN = NaN for it;
    the fused op, which never computes that conv output, has the true gradient)."""
    case = (2, 11, 11, 2, 3, 3, 3, 1, 1, 2, 2, "valid", "valid")  # conv 9x9: row 8 unpooled
    x, w, b = data(case, np.float64, rng)
    if where == "input NaN":
        x[0, 3, 4, 1] = x[1, 0, 0, 0] = np.nan
    elif where == "input inf":
        x[0, 5, 5, 0] = np.inf
    elif where == "weight NaN":
        w[1, 1, 0, 2] = np.nan
    else:
        x[1, 10, 10, 0] = np.nan  # read only by conv row and column 8, which no window pools
    args = (x, w, b) + geometry(case)
    expected_p = textbook(*args, None)
    grad_p = rng.standard_normal(expected_p.shape)
    expected = textbook(*args, grad_p)
    p, got = fused(way, *args, grad_p=grad_p)
    np.testing.assert_allclose(p, expected_p, rtol=1e-12)  # NaN where the textbook has NaN
    if where == "unread NaN":
        assert all(np.isfinite(a).all() for a in (p,) + got)
        finite = np.isfinite(expected[1][1])
        assert not finite.all()
        np.testing.assert_allclose(got[1][finite], expected[1][1][finite], rtol=1e-10)
        np.testing.assert_allclose(got[0], expected[1][0], rtol=1e-10, atol=1e-11)
        return
    for a, e in zip(got, expected[1]):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-11)  # NaN patterns equal
    assert where == "input inf" or np.isnan(p).any()


@pytest.mark.parametrize("way", WAYS)
def test_the_fused_op_passes_a_gradient_check(way, rng):
    case = (2, 9, 8, 2, 3, 3, 2, 2, 1, 2, 2, "same", "valid")
    x, w, b = data(case, np.float64, rng)
    args = geometry(case)
    p, _ = fused(way, x, w, b, *args)
    g = rng.standard_normal(p.shape)

    def loss():
        return float(np.sum(fused(way, x, w, b, *args)[0] * g))
    _, (grad_x, grad_w, grad_b) = fused(way, x, w, b, *args, grad_p=g)
    for analytic, value in ((grad_x, x), (grad_w, w), (grad_b, b)):
        assert rel_error(analytic, numerical_gradient(loss, value, h=1e-5)) < 1e-6


@pytest.mark.parametrize("way", WAYS)
def test_buffers_are_kept_per_shape_and_a_new_batch_size_is_right(way, rng):
    """The same arrays step after step; a smaller last batch gets arrays of its own
    and the right numbers (the planes' zero margins included)."""
    case = (4, 12, 11, 2, 3, 3, 3, 2, 1, 2, 2, "same", "same")
    kept = buffers.Buffers()
    for n in (4, 4, 3, 4):
        x, w, b = data(case, np.float64, rng)
        args = (x[:n], w, b) + geometry(case)
        p, cache = conv_pool.forward(*args, buffers=kept, direct_way=lambda s: way == "direct")
        np.testing.assert_allclose(p, textbook(*args, None), rtol=1e-12, atol=1e-12)
        if n == 4:
            assert p is conv_pool.forward(*args, buffers=kept,
                                          direct_way=lambda s: way == "direct")[0]


# -- the numba kernels against their NumPy definitions --------------------------------------
def split_definition(x, g):
    """direct.split's definition: pad x by the margins (zeros), cut into rows of period
    Sr and columns of period Sc, lay each phase out as rows of length Q, and the planes
    of an image end to end."""
    (sr, sc), (mr, mc), rows, length = g.period, g.margin, g.rows, g.length
    n, h, w, c = x.shape
    extended = np.zeros((n, rows * sr, length * sc, c), x.dtype)
    h_in, w_in = min(h, rows * sr - mr), min(w, length * sc - mc)
    extended[:, mr:mr + h_in, mc:mc + w_in] = x[:, :h_in, :w_in]
    phases = extended.reshape(n, rows, sr, length, sc, c).transpose(0, 5, 2, 4, 1, 3)
    return phases.reshape(g.split_shape(n))


@pytest.mark.parametrize("case", CASES)
def test_the_phase_split_and_its_adjoint_equal_their_definitions(case, rng):
    x, w, _ = data(case, np.float64, rng)
    strides, pads, pool_size, pool_pads = geometry(case)
    g = direct.Geometry(x.shape, w.shape, strides, pads, pool_size, pool_pads)
    n, h, width, c = x.shape
    steps = (g.period[0] * width * c, g.period[1] * c)
    planes = np.zeros(g.split_shape(n))
    direct.split(x.reshape(n, -1), g.copies, g.length, *steps, planes)
    np.testing.assert_array_equal(planes, split_definition(x, g))
    back = np.full((n, h * width * c), np.nan)  # every number written, zeros included
    grad = rng.standard_normal(planes.shape)
    direct.merge(grad, g.copies, g.length, *steps, back)
    assert abs(np.sum(planes * grad) - np.sum(x.reshape(n, -1) * back)) < 1e-9 * np.sum(
        np.abs(planes * grad))


@pytest.mark.parametrize("case", CASES)
def test_pack_is_the_textbooks_im2col_rows(case, rng):
    """wide.pack's rows are reference.im2col's rows of the windowed conv outputs, in
    (offset, image, pooled row, pooled column) order."""
    x, w, _ = data(case, np.float64, rng)
    strides, pads, pool_size, pool_pads = geometry(case)
    x_padded = pad_hw(x, pads)
    g = wide.Geometry(x_padded.shape, w.shape, strides, pool_size, pool_pads)
    (kh, kw, c, _), (sh, sw), (ph, pw) = w.shape, strides, pool_size
    (conv_h, conv_w), (pooled_h, pooled_w) = g.conv, g.pooled
    cols = np.full((g.rows(len(x)), kh * kw * c), np.nan)
    wide.pack(x_padded, kh, kw, sh, sw, ph, pw, g.origin, conv_h, conv_w, pooled_h, pooled_w,
              cols)
    textbook_cols = reference.im2col(x_padded, kh, kw, sh, sw, conv_h, conv_w).reshape(
        len(x), conv_h, conv_w, -1)
    row = 0
    for top, left in g.origin:
        for b in range(len(x)):
            for a in range(pooled_h):
                for col in range(pooled_w):
                    oh, ow = a * ph + top, col * pw + left
                    inside = 0 <= oh < conv_h and 0 <= ow < conv_w
                    expected = textbook_cols[b, oh, ow] if inside else 0
                    np.testing.assert_array_equal(cols[row], expected)
                    row += 1


# -- the fast training step's plan ----------------------------------------------------------------
def lesson_like_model(seed, padding="valid", kernel_regularizer=None):
    minicnn.set_seed(seed)
    net = minicnn.Sequential([
        Conv2D(4, 3, strides=2, padding=padding, activation="relu",
               kernel_regularizer=kernel_regularizer),
        MaxPool2D(2, padding=padding),
        Conv2D(6, 3, activation="relu"),                    # ReLU, no pooling after it
        Conv2D(40, 3, padding="same", activation="relu"),   # 216 taps: the matrix products
        MaxPool2D(2),
        Conv2D(3, 1),                                       # no ReLU: the layer itself
        Dropout(0.2), Flatten(), Dense(3, activation="softmax")], input_shape=(31, 29, 2))
    net.compile(minicnn.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy",
                metrics=[])
    return net


def test_the_plan_fuses_what_it_can_and_leaves_the_rest():
    net = lesson_like_model(0)
    made = plan.for_model(net)
    assert [kind for kind, _, _ in made.steps] == ["pool", "relu", "pool", "layer", "layer",
                                                    "layer", "layer"]
    assert plan.for_model(net) is made  # made once
    net.layers[3].activation = "tanh"  # a layer changes: the plan is made again
    assert [kind for kind, _, _ in plan.for_model(net).steps][:3] == ["pool", "relu", "layer"]
    dense_only = minicnn.Sequential([Flatten(), Dense(2)], input_shape=(4, 4, 1))
    assert plan.for_model(dense_only) is None


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("split", [False, True])
def test_the_fast_step_trains_as_the_textbook_step(padding, split, monkeypatch):
    """The same losses, gradients and weights (float64, up to rounding) as the textbook
    step, over steps, with a weight penalty on a fused layer, whole or in two halves."""
    monkeypatch.setattr(halves, "MIN_MULTIPLY_ADDS", 0 if split else 10 ** 12)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((18, 31, 29, 2)), rng.integers(0, 3, 18)
    nets = []
    for ops in ("numpy", "numba"):
        net = lesson_like_model(5, padding, minicnn.regularizers.L2(0.01))
        net.build((31, 29, 2), np.float64)
        minicnn.set_ops(ops)
        try:
            losses = [net.train_on_batch(x, y) for _ in range(3)]
        finally:
            minicnn.set_ops("numba")
        nets.append((net, losses))
    (textbook_net, textbook_losses), (fast_net, fast_losses) = nets
    np.testing.assert_allclose(fast_losses, textbook_losses, rtol=1e-10)
    for a, b in zip(fast_net.layers, textbook_net.layers):
        for key in a.params:
            np.testing.assert_allclose(a.grads[key], b.grads[key], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(a.params[key], b.params[key], rtol=1e-10, atol=1e-12)


def test_the_fast_step_runs_the_fused_ops_not_the_layers(monkeypatch):
    """The fused pair's layers are not called; the fused ops are, and write the
    Conv2D's gradients as its backward would."""
    net = lesson_like_model(1)
    calls = []
    for name in ("forward", "backward"):
        for cls in (Conv2D, MaxPool2D):
            original = getattr(cls, name)
            monkeypatch.setattr(cls, name, lambda self, *a, _o=original, _n=name, **k:
                                calls.append((self.name, _n)) or _o(self, *a, **k))
    x = np.random.default_rng(0).standard_normal((4, 31, 29, 2)).astype(np.float32)
    net.train_on_batch(x, np.array([0, 1, 2, 0]))
    assert sorted(set(calls)) == [("conv2d_3", "backward"), ("conv2d_3", "forward")]
    assert set(net.layers[0].grads) == {"W", "b"}


def test_forward_for_predicts_what_the_model_predicts(rng):
    """parallel.forward_for: the plan's view in inference mode (the fused ops), the model's
    own forward's numbers; in textbook mode, the model's forward itself."""
    from minicnn import parallel
    net = lesson_like_model(2)
    x = rng.standard_normal((5, 31, 29, 2)).astype(np.float32)
    forward = parallel.forward_for(net)
    assert forward != net.forward
    np.testing.assert_allclose(forward(x), net.forward(x), rtol=1e-5, atol=1e-6)
    minicnn.set_ops("numpy")
    try:
        assert parallel.forward_for(net) == net.forward
    finally:
        minicnn.set_ops("numba")

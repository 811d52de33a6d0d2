"""What Keras's random preprocessing layers share: RandomAugmentation (act unless
training is False, one draw per image, no gradient back where they acted) and
factor_bounds (Keras's factor arguments)."""
from minicnn.arguments import check_number
from minicnn.layers.base import Layer
from minicnn.seeding import make_rng


class RandomAugmentation(Layer):
    """What the three random layers share: act unless training is False, one draw
    per image (``draw_randomness``: so a batch computed in two halves draws what
    the whole batch would), and images of shape (height, width, channels)."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, seed, name, input_shape):
        super().__init__(name, input_shape)
        self.seed = seed
        self.rng = make_rng(seed)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expects images (height, width, channels), got "
                             f"per-sample shape {input_shape}")
        return input_shape

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.acted = training is not False
        if not self.acted:
            return x
        drawn = self.draw_randomness(len(x))
        self.drawn = drawn
        return self.augment(x, drawn)

    def augment(self, x, drawn):
        raise NotImplementedError(f"{type(self).__name__}.augment")

    def backward(self, grad_y, input_grad=True):
        """The identity where the layer did not act. Where it did, no gradient: an
        augmentation's backward (the transpose of its resampling or colour change) is
        not written, so the layer goes before any layer with weights, where Keras
        tutorials put it (the model then asks it for none)."""
        grad_y = self._check_grad(grad_y)
        if not self.acted:
            return grad_y.copy()
        if not input_grad:
            return None
        raise ValueError(f"{self.name} ({type(self).__name__}): passes no gradient back through "
                         f"its augmentation in training; put the augmentation layers first in "
                         f"the model (before any layer with weights), as Keras tutorials do")


def factor_bounds(owner, arg, factor, low, high=1):
    """(lower, upper) of a Keras factor: f -> (max(-|f|, low), |f|), a pair as given
    (sorted); both within [low, high]."""
    pair = tuple(factor) if isinstance(factor, (list, tuple)) else None
    if pair is None:
        f = abs(check_number(owner, arg, factor))
        pair = (max(-f, low), f)
    elif len(pair) != 2:
        raise ValueError(f"{owner}: {arg} must be a number or a pair (lower, upper), "
                         f"got {factor!r}")
    lower, upper = sorted(check_number(owner, arg, v, low=low, high=high) for v in pair)
    return lower, upper

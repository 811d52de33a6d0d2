"""minicnn's own random state.

Every source of randomness (weight initialisation, dropout masks, shuffling,
augmentation) draws from a ``numpy.random.Generator`` owned by minicnn or by the
object itself. NumPy's global generator is never touched, so seeding minicnn
does not disturb a user's other code, and vice versa.
"""
import numpy as np

_global_rng = np.random.default_rng()


def set_seed(seed):
    """Reseed minicnn's global generator: two runs with the same seed give
    bit-identical weights, dropout masks and shuffles."""
    global _global_rng
    _global_rng = np.random.default_rng(seed)


def make_rng(seed=None):
    """A generator of one's own: from ``seed`` when given, otherwise a child of
    minicnn's global generator (so ``set_seed`` still makes it reproducible)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng(_global_rng.integers(2**63))
    return np.random.default_rng(seed)

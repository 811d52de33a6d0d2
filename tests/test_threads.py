"""Thread settings: BLAS runs on minicnn's count inside minicnn's calls only."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential, threads
from minicnn.layers import Dense, Flatten


def test_blas_threads_inside_fit_and_restored_after(monkeypatch):
    blas = threads._openblas()
    if blas is None:
        pytest.skip("NumPy's BLAS here is not OpenBLAS")
    get, set_ = blas
    seen = []
    model = Sequential([Flatten(), Dense(2, activation="softmax")], input_shape=(4, 4, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    original = model.train_step
    monkeypatch.setattr(model, "train_step", lambda *a: seen.append(get()) or original(*a))
    set_(2)
    x, y = np.zeros((8, 4, 4, 1), np.float32), np.zeros(8)
    model.fit(x, y, batch_size=4, verbose=0)
    assert seen == [1, 1] and get() == 2  # one BLAS thread inside, NumPy's setting after
    minicnn.set_num_threads(2)
    try:
        seen.clear()
        model.fit(x, y, batch_size=4, verbose=0)
        assert seen == [2, 2]
    finally:
        import numba
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        threads._blas_threads = 1
    with pytest.raises(ValueError, match="positive int"):
        minicnn.set_num_threads(0)

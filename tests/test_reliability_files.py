"""Model files, round 3: every member's header is checked against the architecture
before any data is read; values, names and metadata are checked; saves follow links,
respect read-only files, and never remove another live writer's temporary file."""
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from minicnn import Sequential, load_model
from minicnn.layers import Dense, Flatten
from minicnn.optimizers import SGD, Adam


def small(tmp_path, name="model.npz", compile_with="adam", metadata=None):
    model = Sequential([Flatten(), Dense(3, activation="softmax")], input_shape=(4, 4, 1))
    if compile_with:
        model.compile(compile_with, "categorical_crossentropy", ["accuracy"])
        x = np.random.default_rng(0).random((4, 4, 4, 1), dtype=np.float32)
        model.train_on_batch(x, np.eye(3)[[0, 1, 2, 0]])
    model.metadata = metadata if metadata is not None else {"class_names": ["a", "b", "c"]}
    path = tmp_path / name
    model.save(path)
    return model, path


def members(path):
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def npy_bytes(array=None, header=None):
    """The bytes of an .npy member; ``header`` (shape, dtype) declares what it likes."""
    buffer = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    else:
        shape, dtype = header
        np.lib.format.write_array_header_1_0(
            buffer, {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": shape})
        buffer.write(b"\0" * 64)
    return buffer.getvalue()


def write_npz(path, parts, compress=None):
    """An .npz from {name: bytes}; ``compress``: names stored deflated."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            kind = zipfile.ZIP_DEFLATED if name in (compress or ()) else zipfile.ZIP_STORED
            archive.writestr(zipfile.ZipInfo(name + ".npy"), data, compress_type=kind)


def rewrite(path, changes, remove=(), arch=None):
    arrays = members(path)
    if arch is not None:
        spec = json.loads(str(arrays["architecture"]))
        arch(spec)
        arrays["architecture"] = np.array(json.dumps(spec))
    for name in remove:
        arrays.pop(name)
    parts = {name: npy_bytes(array) for name, array in arrays.items()}
    parts.update(changes)
    write_npz(path, parts)


def refused(path, *words):
    with pytest.raises(ValueError) as error:
        load_model(path)
    message = str(error.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    return message


# -- headers before data ------------------------------------------------------------------------
@pytest.mark.parametrize("member,shape", [("dense.W", (10**7, 10**7)), ("dense.b", (2**40,)),
                                          ("optimizer:dense.W/m", (10**6, 10**6))])
def test_a_declared_huge_shape_allocates_nothing(tmp_path, member, shape):
    _, path = small(tmp_path)
    rewrite(path, {member: npy_bytes(header=(shape, np.float32))})
    tracemalloc.start()
    refused(path, member)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 2**20


def test_a_huge_architecture_whose_members_cannot_hold_it(tmp_path):
    """The architecture and the headers agree on a 10^14-weight layer; the members hold
    64 bytes: refused from the zip's sizes, before anything is built."""
    _, path = small(tmp_path)

    def widen(spec):
        spec["input_shape"] = [10**7, 1, 1]
    rewrite(path, {"dense.W": npy_bytes(header=((10**7, 3), np.float32))}, arch=widen)
    tracemalloc.start()
    refused(path, "dense.W", "declares")
    assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    tracemalloc.stop()


def deflated_zeros(archive, name, size):
    """A deflated member of ``size`` zero bytes behind an .npy header, written in chunks."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as stream:
        stream.write(npy_bytes(header=((size // 4,), np.float32))[:-64])
        chunk = bytes(2**20)
        for _ in range(size // len(chunk)):
            stream.write(chunk)


@pytest.mark.parametrize("name,mib", [("junk.npy", 32), ("junk.npy", 128), ("dense.W.npy", 128)])
def test_a_compressed_bomb_is_refused_before_it_is_inflated(tmp_path, name, mib):
    """Zeros deflated 1000 to 1: refused by the member's name (not in the architecture)
    or by the file's inflation (beyond 100 times its size plus 64 MiB), unread."""
    _, good = small(tmp_path, "good.npz")
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for key, array in members(good).items():
            if key + ".npy" != name:
                archive.writestr(key + ".npy", npy_bytes(array))
        deflated_zeros(archive, name, mib * 2**20)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    start = time.perf_counter()
    refused(path, "junk" if mib < 64 else "inflate")
    assert time.perf_counter() - start < 1.0
    assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    tracemalloc.stop()


def test_a_member_that_is_not_an_npy_or_is_twice_in_the_zip(tmp_path):
    _, path = small(tmp_path)
    parts = {name: npy_bytes(array) for name, array in members(path).items()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name + ".npy", data)
        archive.writestr("../escape.txt", b"x")
    refused(path, "escape.txt", "not a NumPy array")


# -- values -------------------------------------------------------------------------------------
@pytest.mark.parametrize("value,words", [
    (np.zeros((16, 3), "datetime64[ns]"), ["dense.W", "datetime64"]),
    (np.zeros((16, 3), np.int32), ["dense.W", "int32"]),
    (np.zeros((16, 3), np.complex64), ["dense.W", "complex64"]),
    (np.zeros((16, 3), bool), ["dense.W", "bool"]),
    (np.full((16, 3), np.nan, np.float32), ["dense.W", "non-finite"]),
    (np.full((16, 3), np.inf, np.float64), ["dense.W", "non-finite"]),
])
def test_weights_that_cannot_be_a_model_are_refused(tmp_path, value, words):
    _, path = small(tmp_path)
    rewrite(path, {"dense.W": npy_bytes(value)})
    refused(path, *words)


def test_a_pickled_object_member_is_refused_without_unpickling(tmp_path):
    _, path = small(tmp_path)
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    rewrite(path, {"dense.b": buffer.getvalue()})
    refused(path, "dense.b", "Python objects")


@pytest.mark.parametrize("metadata,words", [
    ({"class_names": "abc"}, "class_names"),
    ({"class_names": ["a", 2, "c"]}, "class_names"),
    ({"class_names": []}, "class_names"),
    ({"rescale": "1/255"}, "rescale"),
    ({"rescale": float("nan")}, "rescale"),
    ({"color_mode": "cmyk"}, "color_mode"),
    (["not", "an", "object"], "metadata"),
])
def test_metadata_of_the_wrong_type_is_refused(tmp_path, metadata, words):
    _, path = small(tmp_path)

    def set_metadata(spec):
        spec["metadata"] = metadata
    rewrite(path, {}, arch=set_metadata)
    refused(path, words)


def test_metadata_with_numpy_values_saves_and_other_objects_are_named(tmp_path):
    model, _ = small(tmp_path)
    model.metadata = {"rescale": np.float32(0.5), "counts": np.arange(3), "n": np.int64(4)}
    model.save(tmp_path / "numpy.npz")
    assert load_model(tmp_path / "numpy.npz").metadata == {"rescale": 0.5, "counts": [0, 1, 2],
                                                           "n": 4}
    model.metadata = {"classes": {"a", "b"}}
    with pytest.raises(ValueError, match=r"metadata\['classes'\] holds a set"):
        model.save(tmp_path / "set.npz")
    assert not (tmp_path / "set.npz").exists()


# -- the optimizer and compile settings --------------------------------------------------------
def test_optimizer_state_of_the_wrong_shape_or_incomplete_is_refused(tmp_path):
    _, path = small(tmp_path)
    rewrite(path, {"optimizer:dense.W/m": npy_bytes(np.zeros((3,), np.float32))})
    refused(path, "optimizer:dense.W/m", "(16, 3)")
    _, path = small(tmp_path, "broadcast.npz")
    rewrite(path, {"optimizer:dense.b/v": npy_bytes(np.zeros((1,), np.float32))})
    refused(path, "optimizer:dense.b/v")
    _, path = small(tmp_path, "missing.npz")
    rewrite(path, {}, remove=["optimizer:dense.W/v"])
    refused(path, "dense.W", "['m', 'v']")
    _, path = small(tmp_path, "no-iterations.npz")
    rewrite(path, {}, remove=["optimizer:iterations"])
    refused(path, "optimizer:iterations")
    _, path = small(tmp_path, "float-iterations.npz")
    rewrite(path, {"optimizer:iterations": npy_bytes(np.array(2.5))})
    refused(path, "optimizer:iterations", "integer")
    _, path = small(tmp_path, "odd-slot.npz")
    rewrite(path, {"optimizer:dense.W/velocity": npy_bytes(np.zeros((16, 3), np.float32))})
    refused(path, "optimizer:dense.W/velocity")


@pytest.mark.parametrize("compile_settings,words", [
    ({"optimizer": {"class_name": "Adam", "config": {"lr": 0.1}}, "loss": "categorical_crossentropy",
      "metrics": []}, ["'lr'", "learning_rate"]),
    ({"optimizer": {"class_name": "Adam", "config": {"learning_rate": "0.1"}},
      "loss": "categorical_crossentropy", "metrics": []}, ["learning_rate", "'0.1'"]),
    ({"optimizer": {"class_name": "Adam", "config": {}}, "loss": "categorical_crossentropy",
      "metrics": 5}, ["metrics", "5"]),
    ({"optimizer": {"class_name": "Adam", "config": {}}, "loss": "categorical_crossentropy",
      "metrics": ["F1"]}, ["metrics", "F1"]),
    ({"optimizer": {"class_name": "Adam", "config": {}}, "loss": "hinge", "metrics": []},
     ["loss", "hinge"]),
    ({"optimizer": {"class_name": "Lion"}, "loss": "categorical_crossentropy"}, ["Lion"]),
    ({"optimizer": "adam", "loss": "categorical_crossentropy", "extra": 1}, ["extra"]),
    ("adam", ["compile must be an object"]),
])
def test_compile_settings_that_cannot_compile_are_refused(tmp_path, compile_settings, words):
    _, path = small(tmp_path)

    def set_compile(spec):
        spec["compile"] = compile_settings
    rewrite(path, {}, arch=set_compile)
    refused(path, *words)


def test_sgd_with_and_without_momentum_round_trips(tmp_path):
    for optimizer in (SGD(0.1), SGD(0.1, momentum=0.9), Adam(0.01)):
        model, path = small(tmp_path, compile_with=optimizer)
        loaded = load_model(path)
        assert loaded.optimizer.get_config() == optimizer.get_config()
        assert loaded.optimizer.iterations == 1
        assert sorted(loaded.optimizer.state) == sorted(model.optimizer.state)


def test_a_learning_rate_schedule_and_every_optimizer_round_trip(tmp_path):
    import minicnn.optimizers as optimizers
    schedules = pytest.importorskip("minicnn.schedules")
    rate = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    classes = [cls for cls in vars(optimizers).values() if isinstance(cls, type)
               and issubclass(cls, optimizers.Optimizer) and cls is not optimizers.Optimizer]
    for cls in classes:
        model, path = small(tmp_path, f"{cls.__name__}.npz", compile_with=cls(rate))
        loaded = load_model(path)
        assert loaded.optimizer.get_config() == model.optimizer.get_config()
        assert sorted(loaded.optimizer.state) == sorted(model.optimizer.state)


# -- names ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../x", "optimizer:head", "a/b", "", ".hidden", "a\\b", "x\0y"])
def test_names_that_could_escape_or_collide_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="cannot name a layer"):
        Dense(2, name=name)  # when the layer is created
    layer = Dense(2)
    layer.name = name  # set afterwards: refused when added to a model, or when saved
    try:
        model = Sequential([Flatten(), layer], input_shape=(2, 2, 1))
    except ValueError as error:
        assert "cannot name a layer" in str(error)
        model = Sequential([Flatten(), Dense(2)], input_shape=(2, 2, 1))
        model.layers[1].name = name
    with pytest.raises(ValueError, match="cannot name a layer"):
        model.save(tmp_path / "model.npz")
    with pytest.raises(ValueError, match="cannot name"):
        model.save_weights(tmp_path / "weights.npz")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../x", "optimizer:head", "a/b"])
def test_a_file_naming_a_layer_badly_is_refused(tmp_path, name):
    _, path = small(tmp_path)

    def rename(spec):
        spec["layers"][1]["config"]["name"] = name
    rewrite(path, {}, arch=rename)
    refused(path, repr(name))


def test_two_layers_of_one_name_in_a_file_are_refused(tmp_path):
    model = Sequential([Flatten(), Dense(4), Dense(3)], input_shape=(2, 2, 1))
    model.save(tmp_path / "model.npz")

    def same(spec):
        spec["layers"][2]["config"]["name"] = spec["layers"][1]["config"]["name"]
    rewrite(tmp_path / "model.npz", {}, arch=same)
    refused(tmp_path / "model.npz", "taken")


# -- where saves write ----------------------------------------------------------------------
def test_saving_through_a_link_replaces_the_linked_file_and_keeps_the_link(tmp_path):
    model, target = small(tmp_path, "target.npz")
    link = tmp_path / "link.npz"
    os.symlink(target, link)
    model.layers[1].params["b"][...] = 7
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    np.testing.assert_array_equal(load_model(target).layers[1].params["b"], 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "target.npz"]
    dangling = tmp_path / "dangling.npz"
    os.symlink(tmp_path / "new.npz", dangling)
    model.save(dangling)  # a link to a file not yet there: the file is made
    assert dangling.is_symlink() and (tmp_path / "new.npz").is_file()


def test_a_read_only_file_or_a_folder_is_not_replaced(tmp_path):
    model, path = small(tmp_path)
    before = path.read_bytes()
    path.chmod(0o444)
    for save in (model.save, model.save_weights):
        with pytest.raises(PermissionError, match="read-only"):
            save(path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["model.npz"]
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError):
        model.save(tmp_path / "folder.npz")


def test_a_pipe_is_neither_read_nor_replaced(tmp_path):
    model, _ = small(tmp_path)
    os.mkfifo(tmp_path / "pipe.npz")
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(tmp_path / "pipe.npz")  # returns at once: nothing waits on the pipe
    with pytest.raises(OSError, match="not a regular file"):
        model.save(tmp_path / "pipe.npz")


# -- concurrent saves ------------------------------------------------------------------------
def test_only_a_gone_writers_temporaries_are_removed(tmp_path):
    import socket
    from minicnn.training.saving.writing import TEMPORARY_MARK
    host = socket.gethostname()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    names = {"dead": f".model.npz{TEMPORARY_MARK}{dead}@{host}@abc",
             "live": f".model.npz{TEMPORARY_MARK}{os.getpid()}@{host}@def",
             "elsewhere": f".model.npz{TEMPORARY_MARK}1@another-machine@ghi",
             "old": f".model.npz{TEMPORARY_MARK}1@another-machine@jkl"}
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    two_days = time.time() - 2 * 86400
    os.utime(tmp_path / names["old"], (two_days, two_days))
    small(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["model.npz", names["live"], names["elsewhere"]])


def test_two_processes_saving_one_path_both_succeed(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        from minicnn import Sequential
        from minicnn.layers import Dense, Flatten
        model = Sequential([Flatten(), Dense(64)], input_shape=(32, 32, 1))
        for i in range(60):
            model.save({str(tmp_path / "model.npz")!r})
        print("ok")
    """)
    writers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 0 and out.strip() == "ok", err
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    assert load_model(tmp_path / "model.npz").count_params() == 1024 * 64 + 64


def test_threads_saving_one_path_all_succeed(tmp_path):
    import threading
    model, path = small(tmp_path)
    errors = []

    def save():
        try:
            for _ in range(30):
                model.save(path)
        except Exception as error:  # noqa: BLE001 (collected, then asserted)
            errors.append(error)
    threads = [threading.Thread(target=save) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(os.listdir(tmp_path)) == ["model.npz"]

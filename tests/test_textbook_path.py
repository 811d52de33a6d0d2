"""In textbook mode the code that runs is the code the lesson reads: what a debugger
shows at a breakpoint in every layer's backward during fit on the X-ray recipe, and
which files run at all. Also the package's import boundaries."""
import ast
import os
import sys
import threading
import traceback

import pytest

import minicnn
from minicnn.apps.projects import xray

PACKAGE = os.path.dirname(os.path.abspath(minicnn.__file__))


def relative(path):
    return os.path.relpath(path, PACKAGE) if path.startswith(PACKAGE) else path


def fit_watched(model, train, ops_name):
    """fit one step of the recipe under a profiler; returns ({layer class: the stack at
    its backward, from fit down}, the set of (file, function) that ran)."""
    stacks, files = {}, set()

    def watch(frame, event, arg):
        if event != "call":
            return
        files.add((frame.f_code.co_filename, frame.f_code.co_name))
        if frame.f_code.co_name in ("backward", "backward_from_pre_activation") \
                and frame.f_code.co_filename.startswith(os.path.join(PACKAGE, "layers")):
            stack = traceback.extract_stack(frame)
            calls = [i for i, entry in enumerate(stack) if entry.name == "fit"]
            if not calls:  # a half of the batch on a helper thread (fast ops): its own stack
                stacks.setdefault("on other threads", []).append(relative(stack[0].filename))
                return
            stacks[type(frame.f_locals["self"]).__name__] = [
                (relative(entry.filename), entry.name) for entry in stack[calls[-1]:]]
    minicnn.set_ops(ops_name)
    sys.setprofile(watch)
    threading.setprofile(watch)
    try:
        model.fit(train, epochs=1, steps_per_epoch=1, verbose=0)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        minicnn.set_ops("numba")
    return stacks, files


@pytest.fixture(scope="module")
def recipe():
    minicnn.set_seed(0)
    train, _, _ = xray.load_data(batch_size=32, seed=0, validation_split=0, verbose=0)
    model = xray.build_model(len(train.class_indices))
    model.compile("adam", "categorical_crossentropy", ["accuracy"])
    train[0]  # decode and cache the images before watching
    return model, train


def test_a_breakpoint_in_every_backward_shows_only_the_model_and_the_layer(recipe):
    """fit (training/trainer.py) calls train_step (sequential.py), and from there down
    to the layer's backward only sequential.py and the layer's file are on the stack."""
    model, train = recipe
    stacks, _ = fit_watched(model, train, "numpy")
    assert set(stacks) == {"Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense"}
    trainer = os.path.join("training", "trainer.py")
    for layer, stack in stacks.items():
        layer_file = stack[-1][0]
        assert layer_file.startswith("layers" + os.sep), stack
        files = [file for file, _ in stack]
        step = files.index("sequential.py")
        assert set(files[:step]) == {trainer}, (layer, stack)  # fit, then its epoch loop
        assert set(files[step:]) == {"sequential.py", layer_file}, (layer, stack)
        assert [name for file, name in stack if file == "sequential.py"][-3:] == \
            ["train_step", "backward_loss", "backward"], stack


def test_textbook_mode_runs_no_thread_pool_no_numba_and_no_split(recipe):
    model, train = recipe
    _, ran = fit_watched(model, train, "numpy")
    ran = {(relative(f), name) for f, name in ran}
    fast = sorted((f, name) for f, name in ran
                  if f.startswith((os.path.join("ops", "fast"), "parallel")) or "numba" in f
                  or f == os.path.join("preprocessing", "resample_fast.py"))
    # fit asks which step to run (the answer: train_step itself), and nothing else runs
    assert fast == [(os.path.join("parallel", "__init__.py"), "train_step_for")], fast
    assert (os.path.join("ops", "reference.py"), "conv2d_backward") in ran
    # the same fit with the fast ops does run them (the fast step, its plan of fused
    # ops, the fast rung): the watch can see them
    _, ran = fit_watched(model, train, "numba")
    ran = {relative(f) for f, _ in ran}
    assert ran >= {os.path.join("parallel", "halves.py"), os.path.join("parallel", "plan.py")}
    assert any(f.startswith(os.path.join("ops", "fast")) for f in ran), ran


def imports_of(path, modules):
    """The minicnn modules a file imports: for "from package import x", the module
    package.x when x is one, else the package."""
    tree = ast.parse(open(path).read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in modules else node.module)
    return {name for name in names if name in modules}


def module_files():
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = "minicnn." + relative(path)[:-3].replace(os.sep, ".")
                yield module.removesuffix(".__init__"), path


def test_the_textbook_imports_nothing_fast_and_nothing_imports_in_a_cycle():
    files = dict(module_files())
    graph = {module: imports_of(path, files) for module, path in files.items()}
    textbook = [m for m in graph if m.startswith("minicnn.layers")] + [
        "minicnn.ops.reference", "minicnn.ops.naive", "minicnn.ops.windows",
        "minicnn.activations", "minicnn.losses", "minicnn.optimizers", "minicnn.tiny"]
    for module in textbook:
        bad = {name for name in graph[module]
               if name.startswith(("minicnn.parallel", "minicnn.ops.fast"))}
        assert not bad, (module, bad)
    # no module imports one that imports it back (directly or through others);
    # the package minicnn itself, which imports the public names, aside
    def reaches(start):
        seen, todo = set(), [start]
        while todo:
            for target in graph[todo.pop()] - {"minicnn"} - seen:
                seen.add(target)
                todo.append(target)
        return seen
    cycles = sorted(m for m in graph if m in reaches(m))
    assert not cycles, cycles
    assert "minicnn.sequential" not in reaches("minicnn.training.saving")

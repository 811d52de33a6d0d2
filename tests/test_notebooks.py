"""Every notebook runs top to bottom, as a reader would run it (nbclient, Jupyter's
defaults), shows the pictures it should (at least one each), never prints an epoch's line
twice, and its claims hold: each notebook asserts the numbers its text relies on (a failed
assert fails the run)."""
import glob
import os
import re
import time

import pytest

FOLDER = os.path.join(os.path.dirname(__file__), "..", "notebooks")
NOTEBOOKS = sorted(glob.glob(os.path.join(FOLDER, "*.ipynb")))
# pictures (image/png outputs) each notebook must show
IMAGES = {"01-images-as-arrays": 4, "02-convolution-by-hand": 1, "03-pooling-and-relu": 1,
          "04-backprop-and-gradient-checking": 1, "05-training-the-xray-classifier": 8,
          "06-dense-vs-convolution": 1, "07-where-does-the-model-look": 12,
          "08-from-backward-to-gradienttape": 1, "09-choosing-a-galaxy-recipe": 2}
# a line fit prints for an epoch: Keras's "Epoch 3/10", a progress bar's "3/3 [=====...",
# or a notebook's own "epoch  3: loss ..."
EPOCH_LINE = re.compile(r"\s*(Epoch \d+/\d+|\d+/\d+ \[[=>.]+\]|epoch\s+\d+:)")


def repeated_epoch_lines(outputs):
    """The epoch lines that appear more than once among a notebook's outputs (printed text
    and displayed text alike: a progress bar that updates a display and also prints its last
    line shows every epoch twice)."""
    lines = []
    for output in outputs:
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        lines += [line.rstrip() for line in "".join(text).splitlines() if EPOCH_LINE.match(line)]
    return sorted({line for line in lines if lines.count(line) > 1})


def test_a_repeated_epoch_line_is_caught():
    bar = "3/3 [==============================] - 0s 30ms/step - loss: 0.9"
    shown_twice = [{"output_type": "display_data", "data": {"text/plain": bar}},
                   {"output_type": "stream", "text": "Epoch 1/2\n" + bar + "\n"}]
    assert repeated_epoch_lines(shown_twice) == [bar]
    assert repeated_epoch_lines([{"output_type": "stream", "text": "Epoch 1/2\n" + bar}]) == []


def test_there_are_notebooks():
    assert [os.path.basename(p)[:-6] for p in NOTEBOOKS] == sorted(IMAGES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs_and_shows_its_pictures(path):
    nbformat = pytest.importorskip("nbformat", reason="the notebook runner is a test extra")
    nbclient = pytest.importorskip("nbclient", reason="the notebook runner is a test extra")
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "notebooks are stored without outputs"
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": os.path.dirname(path)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell when one fails
    print(f"{os.path.basename(path)}: {time.perf_counter() - start:.1f} s")
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert images == IMAGES[os.path.basename(path)[:-6]] and images >= 1
    assert not repeated_epoch_lines(outputs), repeated_epoch_lines(outputs)
    bare = [o["data"]["text/plain"] for o in outputs
            if "<Figure size" in o.get("data", {}).get("text/plain", "") and "image/png" not in o["data"]]
    assert not bare, f"a cell printed a Figure instead of showing it: {bare[0]}"

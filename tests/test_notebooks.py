"""Every notebook runs top to bottom; a cell that raises fails the test."""
import glob
import os
import time

import pytest

NOTEBOOKS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "notebooks", "*.ipynb")))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path):
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

"""answers(notebook, ...): a student's functions, read from their saved notebooks.

The last notebook trains the real model with the functions the student wrote in
the others. Those live in the answer cells (nbgrader's "solution" cells), which
this runs, after the notebook's first code cell (its imports), in a namespace of
their own. It reads the notebooks as saved: save them first (Ctrl-S).
"""
import inspect
import json
import linecache
import os

from minicnn.apps.exercises.verdict import ExerciseFailed


def answers(*notebooks):
    """{name: function} for every function the answer cells of ``notebooks``
    (paths to .ipynb files) define; a later notebook's name wins."""
    found = {}
    for path in notebooks:
        if not os.path.exists(path):
            raise FileNotFoundError(f"answers: there is no {path} in {os.getcwd()}; run this "
                                    f"notebook in the folder `minicnn exercises DIR` wrote")
        found.update(functions_of(path))
    return found


def functions_of(path):
    with open(path, encoding="utf-8") as file:
        cells = json.load(file)["cells"]
    code = [(i, cell) for i, cell in enumerate(cells, start=1) if cell["cell_type"] == "code"]
    answer_cells = [(i, cell) for i, cell in code
                    if cell.get("metadata", {}).get("nbgrader", {}).get("solution")]
    namespace = {"__name__": "answers"}
    name = os.path.basename(path)
    for index, cell in code[:1] + answer_cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        filename = f"{name}, cell {index}"
        # so that a traceback through this code shows its lines, as it would in the notebook
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except Exception as error:
            raise ExerciseFailed(f"answers: cell {index} of {name} does not run "
                                 f"({type(error).__name__}: {error}); fix it there, save, "
                                 f"and run this again") from None
    return {key: value for key, value in namespace.items()
            if inspect.isfunction(value) and value.__code__.co_filename.startswith(name)}

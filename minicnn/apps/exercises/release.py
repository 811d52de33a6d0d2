"""The exercise notebooks, as a teacher keeps them (solutions in) and as a student
gets them (solutions replaced by stubs), written into a folder.

The sources (exercises/notebooks/*.ipynb) follow nbgrader's conventions: answer
cells carry ``### BEGIN SOLUTION`` / ``### END SOLUTION`` around the solution and
nbgrader's cell metadata ({"solution": true, ...}); check cells are graded
({"grade": true, "points": ..., "locked": true}). A teacher can hand the full
version to ``nbgrader generate_assignment``; the student version written here is
what it would release: each solution region replaced by nbgrader's stub, at the
region's indentation. Plain JSON, so writing them needs no Jupyter package.
"""
import glob
import json
import os

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebooks")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]  # nbgrader's stub for Python


def sources():
    """The paths of the exercise notebooks, in order."""
    return sorted(glob.glob(os.path.join(SOURCES, "*.ipynb")))


def write_exercises(folder, solutions=False):
    """Write the exercise notebooks into ``folder`` (created if needed): the student
    version, or with ``solutions`` the full one. A notebook already there is kept,
    never overwritten (it may hold a student's work). Returns (written, kept):
    the paths of the notebooks written and of those kept."""
    os.makedirs(folder, exist_ok=True)
    written, kept = [], []
    for path in sources():
        target = os.path.join(folder, os.path.basename(path))
        if os.path.exists(target):
            kept.append(target)
            continue
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
        if not solutions:
            notebook = student_version(notebook, os.path.basename(path))
        with open(target, "w", encoding="utf-8") as file:
            json.dump(notebook, file, indent=1, ensure_ascii=False)
            file.write("\n")
        written.append(target)
    return written, kept


def student_version(notebook, name="notebook"):
    """The notebook with every solution region replaced by the stub (a new dict)."""
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            source = without_solutions(source, f"{name}, cell {index}")
        cells.append({**cell, "source": source.splitlines(keepends=True)})
    return {**notebook, "cells": cells}


def without_solutions(source, where="a cell"):
    """``source`` with each BEGIN/END SOLUTION region (markers included) replaced
    by the stub, indented as the BEGIN line is."""
    lines, out, region = source.split("\n"), [], None
    for number, line in enumerate(lines, start=1):
        if line.strip() == BEGIN:
            if region is not None:
                raise ValueError(f"{where}, line {number}: {BEGIN} inside another solution region")
            region = line[:len(line) - len(line.lstrip())]
            out += [region + stub for stub in STUB]
        elif line.strip() == END:
            if region is None:
                raise ValueError(f"{where}, line {number}: {END} without {BEGIN}")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)

"""docs/speed.md quotes measured figures only from the benchmarks' data files: every table
between its markers is what benchmarks/doc_tables.py makes from benchmarks/results/."""
import os
import re
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
doc_tables = pytest.importorskip("doc_tables")


def test_every_table_in_the_speed_doc_is_made_from_the_data_files():
    with open(doc_tables.DOC) as f:
        text = f.read()
    for name in doc_tables.TABLES:
        assert re.search(rf"<!-- {name} -->\n.+?\n<!-- /{name} -->", text, flags=re.S), name
    assert doc_tables.render(text) == text, (
        "docs/speed.md differs from the data files: run python benchmarks/doc_tables.py --write")


def test_a_changed_number_is_caught(tmp_path):
    """The check can fail: a table with one figure changed is made anew."""
    with open(doc_tables.DOC) as f:
        text = f.read()
    block = re.search(r"<!-- floors -->\n(.*?)\n<!-- /floors -->", text, flags=re.S).group(1)
    changed = re.sub(r"\d+\.\d{3}", "999.999", block, count=1)
    assert changed != block
    assert doc_tables.render(text.replace(block, changed)) == text

"""Where the benchmark scripts write: each appends its section to RESULTS.md."""
import os

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def append_section(lines, path=RESULTS):
    """Print a Markdown section and append it to the results file."""
    text = "\n".join(lines) + "\n"
    print(text)
    with open(path, "a") as f:
        f.write("\n" + text)
    print(f"appended to {path}")

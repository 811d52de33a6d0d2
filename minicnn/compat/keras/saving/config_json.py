"""The JSON texts of Keras files (config.json, the .h5's model_config and training_config):
parsed, and their nesting bounded, before anything reads them.

Keras's own configs nest about 12 levels deep, 15 more per model used as a layer;
MAX_DEPTH leaves room for 16 models inside one another. Deeper JSON (a file of
100,000 "[") is refused naming the file and the entry, as is text that is not UTF-8
or not JSON.
"""
import json

MAX_DEPTH = 300


def parse_json(data, where, entry):
    """The JSON value of ``data`` (bytes or str); a ValueError naming the file and entry."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where}: {entry} is nested too deeply to be a Keras config") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{where}: {entry} is not valid JSON ({error})") from None
    check_depth(value, where, entry)
    return value


def check_depth(value, where, entry):
    """Refuse JSON nested more than MAX_DEPTH levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{where}: {entry} is nested more than {MAX_DEPTH} levels deep; "
                             f"not a Keras config")
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else ()
        stack.extend((child, depth + 1) for child in children)

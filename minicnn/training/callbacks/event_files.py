"""TensorBoard's event files, written without TensorFlow: what the TensorBoard callback
and tf.summary write, and what ``tensorboard --logdir DIR`` (pip install tensorboard)
shows.

A file is a sequence of TFRecords: each record is

    length (uint64, little-endian), masked CRC-32C of those 8 bytes (uint32),
    data (length bytes), masked CRC-32C of the data (uint32)

and each record's data is an ``Event`` protocol buffer. The few fields used here are
written by hand (``field``): Event {wall_time = 1 (double), step = 2 (int64),
file_version = 3 (string), summary = 5}; Summary {value = 1 (repeated)}; Summary.Value
{tag = 1, simple_value = 2 (float), image = 4, histo = 5}; Summary.Image {height = 1,
width = 2, colorspace = 3, encoded_image_string = 4 (PNG)}; HistogramProto {min = 1,
max = 2, num = 3, sum = 4, sum_squares = 5, bucket_limit = 6, bucket = 7 (packed
doubles)}. TensorBoard reads these "version 1" summaries alongside TensorFlow 2's.
"""
import io
import os
import socket
import struct
import time

import numpy as np

# -- CRC-32C (Castagnoli), as TFRecord frames its records ---------------------------------
_TABLE = []
for _byte in range(256):
    _crc = _byte
    for _ in range(8):
        _crc = (_crc >> 1) ^ (0x82F63B78 if _crc & 1 else 0)
    _TABLE.append(_crc)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data):
    """One TFRecord holding ``data``."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc(length)) + data
            + struct.pack("<I", masked_crc(data)))


# -- protocol-buffer fields -----------------------------------------------------------------
def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s as protocol buffers write them
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number, value, kind):
    """A field: kind "varint", "double", "float", or "bytes" (strings, messages, packed)."""
    if kind == "varint":
        return varint(number << 3) + varint(int(value))
    if kind == "double":
        return varint(number << 3 | 1) + struct.pack("<d", value)
    if kind == "float":
        return varint(number << 3 | 5) + struct.pack("<f", value)
    data = value.encode() if isinstance(value, str) else bytes(value)
    return varint(number << 3 | 2) + varint(len(data)) + data


def event(step=0, summary=None, file_version=None, wall_time=None):
    data = field(1, time.time() if wall_time is None else wall_time, "double")
    data += field(2, step, "varint")
    if file_version is not None:
        data += field(3, file_version, "bytes")
    if summary is not None:
        data += field(5, summary, "bytes")
    return data


def scalar_value(tag, value):
    return field(1, tag, "bytes") + field(2, float(value), "float")


def image_value(tag, image):
    """image: (height, width, channels) uint8, channels 1, 3 or 4; stored as PNG."""
    from PIL import Image  # Pillow: a runtime dependency of minicnn
    buffer = io.BytesIO()
    channels = image.shape[2]
    Image.fromarray(image[:, :, 0] if channels == 1 else image).save(buffer, format="PNG")
    encoded = (field(1, image.shape[0], "varint") + field(2, image.shape[1], "varint")
               + field(3, channels, "varint") + field(4, buffer.getvalue(), "bytes"))
    return field(1, tag, "bytes") + field(4, encoded, "bytes")


def histogram_value(tag, values, buckets=30):
    """A histogram of ``values``: ``buckets`` equal bins between their min and max."""
    values = np.asarray(values, dtype=np.float64).ravel()
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    counts, edges = np.histogram(values, bins=buckets, range=(low, high if high > low else low + 1))
    packed = lambda numbers: b"".join(struct.pack("<d", n) for n in numbers)  # noqa: E731
    histo = (field(1, low, "double") + field(2, high, "double")
             + field(3, float(values.size), "double") + field(4, float(values.sum()), "double")
             + field(5, float((values ** 2).sum()), "double")
             + field(6, packed(edges[1:]), "bytes") + field(7, packed(counts), "bytes"))
    return field(1, tag, "bytes") + field(5, histo, "bytes")


class EventFileWriter:
    """Appends events to a new file ``events.out.tfevents.<time>.<host>.<pid>.v2`` in
    ``logdir`` (made if absent); the first event names the file version, as TensorFlow's."""

    def __init__(self, logdir):
        os.makedirs(logdir, exist_ok=True)
        name = f"events.out.tfevents.{time.time():.0f}.{socket.gethostname()}.{os.getpid()}"
        path, count = os.path.join(logdir, name), 0
        while os.path.exists(f"{path}.{count}.v2"):
            count += 1
        self.path = f"{path}.{count}.v2"
        self.file = open(self.path, "ab")
        self.write(event(file_version="brain.Event:2"))
        self.flush()

    def write(self, data):
        self.file.write(record(data))

    def add(self, step, *values):
        """One event at ``step`` with these Summary.Values (scalar_value, image_value, ...)."""
        self.write(event(step, b"".join(field(1, value, "bytes") for value in values)))

    def flush(self):
        if not self.file.closed:
            self.file.flush()

    def close(self):
        if not self.file.closed:
            self.file.close()


def read_events(path):
    """The events of a file as raw bytes, each record's CRCs checked (for tests and a
    look inside; TensorBoard is the reader meant)."""
    events = []
    with open(path, "rb") as file:
        data = file.read()
    position = 0
    while position < len(data):
        header = data[position:position + 8]
        (length,) = struct.unpack("<Q", header)
        if struct.unpack("<I", data[position + 8:position + 12])[0] != masked_crc(header):
            raise ValueError(f"{path}: a record's length fails its CRC at byte {position}")
        body = data[position + 12:position + 12 + length]
        if struct.unpack("<I", data[position + 12 + length:position + 16 + length])[0] != \
                masked_crc(body):
            raise ValueError(f"{path}: a record's data fails its CRC at byte {position}")
        events.append(body)
        position += 16 + length
    return events

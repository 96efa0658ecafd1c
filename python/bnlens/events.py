"""A minimal TensorBoard event-file writer: TFRecord framing (length, masked CRC-32C of the length,
data, masked CRC-32C of the data) around Event protos encoded by hand, so nothing beyond the Python
standard library is needed:

    Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
    Summary { repeated Value value = 1; }
    Summary.Value { string tag = 1; float simple_value = 2; HistogramProto histo = 5; }
    HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
                     repeated double bucket_limit = 6 [packed], bucket = 7 [packed]; }
"""

import os
import socket
import struct
import time


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data):
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


def _varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _bytes(field, data):
    return _key(field, 2) + _varint(len(data)) + data


def _double(field, v):
    return _key(field, 1) + struct.pack("<d", v)


def histogram_proto(hmin, hmax, num, total, sum_squares, limits, counts):
    return (_double(1, hmin) + _double(2, hmax) + _double(3, num) + _double(4, total) + _double(5, sum_squares)
            + _bytes(6, struct.pack("<%dd" % len(limits), *limits)) + _bytes(7, struct.pack("<%dd" % len(counts), *counts)))


def scalar_value(tag, value):
    return _bytes(1, tag.encode("utf-8")) + _key(2, 5) + struct.pack("<f", value)


def histogram_value(tag, proto):
    return _bytes(1, tag.encode("utf-8")) + _bytes(5, proto)


def event(wall_time, step, values=(), file_version=None):
    out = _double(1, wall_time) + _key(2, 0) + _varint(int(step))
    if file_version is not None:
        out += _bytes(3, file_version.encode("utf-8"))
    if values:
        out += _bytes(5, b"".join(_bytes(1, v) for v in values))
    return out


class EventFileWriter:
    """Appends events to one new file in log_dir, named as TensorFlow names them (TensorBoard and BN
    Lens find files by "tfevents")."""

    def __init__(self, log_dir, suffix=""):
        os.makedirs(log_dir, exist_ok=True)
        name = "events.out.tfevents.%d.%s.%d%s" % (int(time.time()), socket.gethostname(), os.getpid(), suffix)
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "ab")
        self._write(event(time.time(), 0, file_version="brain.Event:2"))
        self.flush()

    def _write(self, data):
        self._file.write(tfrecord(data))

    def add(self, step, values):
        """One event holding the encoded Summary.Values."""
        if values:
            self._write(event(time.time(), step, values))

    def flush(self):
        self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

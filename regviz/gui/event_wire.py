"""The trainer's events on their pipe, with large arrays sent as they lie in memory. Qt-free.

A frame at full speed holds ~0.5 MB of per-step losses. `Connection.send` pickles it into one
bytes object first: measured in the trainer, that pickling took 0.6 ms a frame, as long as building
the frame. Pickle protocol 5 hands the arrays' buffers over instead ("out of band"); they go down
the pipe straight from the arrays, and are read into writable buffers on the other side (an
array arrives writable if it was writable when sent, as every array of a frame is).

One event is one message: the count and sizes of the out-of-band buffers, then the pickle; then one
message per buffer.
"""

from __future__ import annotations

import pickle
from array import array
from typing import Any

OUT_OF_BAND_BYTES = 32 * 1024  # smaller buffers stay inside the pickle: a message each would cost more
_COUNT = array("q").itemsize


def send_event(connection, kind: str, payload: Any) -> None:
    buffers: list[pickle.PickleBuffer] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:  # True keeps it in the pickle
        if buffer.raw().nbytes < OUT_OF_BAND_BYTES:
            return True
        buffers.append(buffer)
        return False

    body = pickle.dumps((kind, payload), protocol=5, buffer_callback=out_of_band)
    sizes = array("q", [len(buffers)] + [b.raw().nbytes for b in buffers])
    connection.send_bytes(sizes.tobytes() + body)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def recv_event(connection) -> tuple[str, Any]:
    message = connection.recv_bytes()
    count = array("q", message[:_COUNT])[0]
    sizes = array("q", message[_COUNT : _COUNT * (count + 1)])
    buffers = []
    for size in sizes:
        buffer = bytearray(size)  # writable, so the arrays built on it are too
        connection.recv_bytes_into(buffer)
        buffers.append(buffer)
    kind, payload = pickle.loads(memoryview(message)[_COUNT * (count + 1) :], buffers=buffers)
    return kind, payload

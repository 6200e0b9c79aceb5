"""The trainer's events cross a real pipe intact: large arrays out of band, straight from memory,
and arrive writable; small ones, views and other objects ride inside the pickle."""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from regviz.core.experiments import member
from regviz.core.presets import load_preset
from regviz.gui.event_wire import OUT_OF_BAND_BYTES, recv_event, send_event
from regviz.gui.session import build_run, make_frame


def _across_a_pipe(kind, payload):
    """Send from another thread (a large message would fill the pipe) and receive here; also
    count the messages that went down the pipe."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    messages = []
    real_send = writer.send_bytes

    class Counting:
        def send_bytes(self, data):
            messages.append(memoryview(data).nbytes)
            real_send(data)

    sender = threading.Thread(target=send_event, args=(Counting(), kind, payload))
    sender.start()
    try:
        received = recv_event(reader)
    finally:
        sender.join(10.0)
        reader.close()
        writer.close()
    assert not sender.is_alive()
    return received, messages


def test_a_trained_frame_arrives_equal_with_its_losses_out_of_band():
    cfg = load_preset("seed")
    engine, setup = build_run(cfg, [member(cfg, m, 12) for m in ("l1", "l2")])
    frame = make_frame(engine, setup, 3, [engine.step(5000)], 1234.5, False, 100, 7)
    (kind, got), messages = _across_a_pipe("frame", frame)
    assert kind == "frame" and got.sequence == 7 and got.generation == 3 and got.members == frame.members
    for name in ("data_loss", "penalty", "prediction"):
        np.testing.assert_array_equal(getattr(got, name), getattr(frame, name))
    np.testing.assert_array_equal(got.epochs.test_error, frame.epochs.test_error)
    for mine, theirs in zip(got.snapshot.weights, frame.snapshot.weights):
        np.testing.assert_array_equal(mine, theirs)
    big = frame.data_loss.nbytes  # 5000 steps x 2 models x 8 bytes = 80,000 bytes: out of band
    assert big >= OUT_OF_BAND_BYTES and messages.count(big) >= 2  # the losses and the penalties
    assert got.data_loss.flags.writeable and got.penalty.flags.writeable and got.prediction.flags.writeable


@settings(max_examples=60, deadline=None, derandomize=True)
@given(arrays=st.lists(hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
                                  hnp.array_shapes(max_dims=3, max_side=80)), max_size=4),
       transpose=st.booleans(), text=st.text(max_size=20))
def test_any_arrays_and_objects_round_trip(arrays, transpose, text):
    arrays = [a.T if transpose else a for a in arrays]  # Fortran-ordered and strided ones too
    arrays.append(np.arange(20_000.0)[::3])  # a large view that is not contiguous
    (kind, got), _ = _across_a_pipe("state", {"text": text, "arrays": arrays})
    assert kind == "state" and got["text"] == text and len(got["arrays"]) == len(arrays)
    for mine, theirs in zip(got["arrays"], arrays):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        np.testing.assert_array_equal(mine, theirs)


def test_a_sender_that_dies_mid_event_is_an_end_of_file_not_a_hang():
    reader, writer = multiprocessing.Pipe(duplex=False)
    from array import array

    writer.send_bytes(array("q", [1, 100_000]).tobytes() + b"never mind")  # promises a buffer...
    writer.close()  # ...and is gone
    with pytest.raises(EOFError):
        recv_event(reader)
    reader.close()

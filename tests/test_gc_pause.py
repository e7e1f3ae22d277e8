"""The cyclic collector held off during a mapping pass (core/gc_pause.py) and given back as
it was found, however the passes nest or overlap."""

from __future__ import annotations

import gc
import threading

import pytest

from autonomos_pipelines.core.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def collector_enabled_around_each_test():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_enabled_again_after_even_on_error():
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failing pass")
    assert gc.isenabled()


def test_nested_and_overlapping_passes_restore_only_when_the_last_ends():
    inner_done, outer_may_end = threading.Event(), threading.Event()

    def other_pass():
        with collector_paused():
            inner_done.set()
            outer_may_end.wait(5)

    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()  # the nested pass ended, the outer one has not
        thread = threading.Thread(target=other_pass)
        thread.start()
        assert inner_done.wait(5)
    assert not gc.isenabled()  # the other thread's pass is still running
    outer_may_end.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()

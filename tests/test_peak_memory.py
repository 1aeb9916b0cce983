"""Tests for course_lib.peak_memory: this process, another process, one that is gone, bad input."""

import subprocess
import sys

import pytest

from course_lib import peak_memory
from course_lib.peak_memory import peak_resident_mib

# Prints the peak before and after filling a 256 MiB array, then waits for a line on stdin.
_ALLOCATES = (
    "import sys\n"
    "import numpy as np\n"
    "from course_lib.peak_memory import peak_resident_mib\n"
    "before = peak_resident_mib()\n"
    "array = np.ones(2**25)  # 256 MiB of float64, every page written\n"
    "print(before, peak_resident_mib(), flush=True)\n"
    "sys.stdin.readline()\n"
)
ARRAY_MIB = 256


def test_this_process_has_a_positive_peak():
    peak = peak_resident_mib()
    assert isinstance(peak, float) and peak > 1
    assert peak_resident_mib(None) <= peak_resident_mib()  # a high-water mark never goes down


def test_the_peak_grows_by_an_allocated_array_and_another_process_can_read_it():
    # A fresh process: its peak so far is far below what the array adds.
    child = subprocess.Popen(
        [sys.executable, "-c", _ALLOCATES], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        before, after = (float(value) for value in child.stdout.readline().split())
        seen_from_here = peak_resident_mib(child.pid)
    finally:
        child.communicate("done\n", timeout=60)
    assert 0 < before and after - before > 0.9 * ARRAY_MIB
    assert seen_from_here is not None and seen_from_here >= after
    assert peak_resident_mib(child.pid) is None  # ended and reaped: nothing to read


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_on_linux_it_is_vmhwm():
    with open("/proc/self/status", encoding="ascii") as handle:
        vmhwm_kb = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
    assert peak_resident_mib() >= vmhwm_kb / 1024


def test_a_process_that_does_not_exist_gives_none():
    assert peak_resident_mib(2**22 + 1) is None  # above Linux's largest pid


def test_without_proc_this_process_falls_back_to_getrusage(monkeypatch):
    pytest.importorskip("resource")
    monkeypatch.setattr(peak_memory.os.path, "isdir", lambda path: False)
    assert peak_resident_mib() > 1
    assert peak_resident_mib(2**22 + 1) is None


@pytest.mark.parametrize("pid", ["123", 1.5, True])
def test_a_pid_that_is_not_an_int_is_a_type_error(pid):
    with pytest.raises(TypeError, match=r"Expected `pid` to be a process id \(int\) or None.*received"):
        peak_resident_mib(pid)


@pytest.mark.parametrize("pid", [0, -4])
def test_a_pid_that_is_not_positive_is_a_value_error(pid):
    with pytest.raises(ValueError, match=rf"positive process id; received {pid}\. Pass None"):
        peak_resident_mib(pid)

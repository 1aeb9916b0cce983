"""TensorFlow's harmless native log lines are dropped; every other line passes, in order."""

import os
import subprocess
import sys
import textwrap

import pytest

from course_lib.native_logs import is_harmless_native_line

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HARMLESS = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796160225.344880    6460 port.cc:153] oneDNN custom operations are on. You may see "
    "slightly different numerical results due to floating-point round-off errors.",
    "I0000 00:00:1796159975.481420    3741 cpu_feature_guard.cc:227] This TensorFlow binary is optimized "
    "to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with "
    "the appropriate compiler flags.",
    "E0000 00:00:1796160243.367100    6460 node_def_util.cc:682] NodeDef mentions attribute "
    "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset>",
    "E0000 00:00:1796160243.177394    6460 util.cc:131] oneDNN supports DT_BOOL only on platforms with "
    "AVX-512. Falling back to the default Eigen-based implementation if present.",
    "Memory patch applied: M_TRIM_THRESHOLD = 134217728",
]
KEPT = [
    "E0000 00:00:1796160243.367100    6460 gpu_device.cc:2] failed to allocate 2.0G from device",
    "W0000 00:00:1796160243.367100    6460 cpu_allocator.cc:1] Allocation exceeds 10% of free system memory.",
    "Traceback (most recent call last):",
    "UserWarning: something in your own code",
    "To enable something else entirely",
]


@pytest.mark.parametrize("line", HARMLESS)
def test_harmless_lines_are_recognised(line):
    assert is_harmless_native_line(line)


@pytest.mark.parametrize("line", KEPT)
def test_other_lines_are_kept(line):
    assert not is_harmless_native_line(line)


def test_is_harmless_native_line_rejects_bytes():
    with pytest.raises(TypeError, match="str"):
        is_harmless_native_line(b"I0000 x")


def _stderr_of(code, **env):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


WRITE_LINES = f"""
    import os
    from course_lib.native_logs import quiet_native_logs
    quiet_native_logs()
    quiet_native_logs()  # a second call installs nothing more
    lines = {HARMLESS + KEPT!r}
    for line in lines:
        os.write(2, (line + "\\n").encode())
    os.write(2, b"a last line without its newline")
"""


def test_the_filter_drops_harmless_lines_and_passes_the_rest_in_order():
    assert _stderr_of(WRITE_LINES) == "\n".join(KEPT) + "\na last line without its newline"


def test_course_native_logs_all_shows_every_line():
    stderr = _stderr_of(WRITE_LINES, COURSE_NATIVE_LOGS="all")
    assert stderr == "\n".join(HARMLESS + KEPT) + "\na last line without its newline"


def test_setup_device_then_training_writes_nothing_to_stderr():
    # The real thing: TensorFlow's start-up and tf.data lines, as a notebook's setup cell and
    # first fit produce them. Python warnings would still show (they are not filtered).
    stderr = _stderr_of(
        """
        from course_lib.device import setup_device
        setup_device(seed=0, verbose=False)
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((8, 3)), np.ones(8), epochs=1, verbose=0)
        model.predict(np.ones((2, 3)), verbose=0)
    """,
        TF_CPP_MIN_LOG_LEVEL="0",
    )
    assert stderr == "", stderr


@pytest.mark.parametrize("command", [["doctor"], ["headers", "--check"]])
def test_the_command_line_writes_no_tensorflow_lines_to_stderr(command):
    # Both commands load TensorFlow; importing course_lib sets no environment variable, so
    # the program itself must keep the start-up lines out.
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "course_lib", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "PYTHONPATH": ROOT},
        timeout=300,
    )
    assert "absl::InitializeLog" not in result.stderr and "oneDNN" not in result.stderr, result.stderr
    assert result.stderr == "", result.stderr

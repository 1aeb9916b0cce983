"""Keeps TensorFlow's harmless start-up and version-skew log lines out of the notebooks.

TensorFlow's C++ core writes straight to the process's standard error (file
descriptor 2), below Python: `TF_CPP_MIN_LOG_LEVEL` does not reach the lines
it writes while loading, and in Jupyter every such line becomes a red stderr
box under the cell. They are harmless, and a learner cannot act on them:

- `WARNING: All log messages before absl::InitializeLog() is called are written to STDERR`;
- INFO lines such as `I0000 ... port.cc:153] oneDNN custom operations are on ...`
  and `cpu_feature_guard.cc ... This TensorFlow binary is optimized to use ...`
  (with its second line, `To enable the following instructions: ...`);
- two ERROR lines that report version skew inside TensorFlow, not a failure:
  `NodeDef mentions attribute use_unbounded_threadpool ...` (tf.data) and
  `oneDNN supports DT_BOOL only on platforms with AVX-512 ...`;
- `Memory patch applied: M_TRIM_THRESHOLD ...`, printed by a library bundled
  with TensorFlow.

`quiet_native_logs()` puts a line filter on file descriptor 2 that drops exactly
these lines and passes every other line through unchanged, in order. Python's
own warnings and errors, and everything your code prints, are not touched: in
Jupyter they do not go through file descriptor 2 at all, and elsewhere they are
passed through. `course_lib.device.setup_device` calls it first, so call
`setup_device` before importing `keras` or `tensorflow`. Set the environment
variable `COURSE_NATIVE_LOGS=all` to see every line.
"""

import atexit
import os
import re
import select
import threading

__all__ = ["HARMLESS_NATIVE_LINES", "is_harmless_native_line", "quiet_native_logs"]

#: Patterns of the lines that `quiet_native_logs` drops (matched against each line).
HARMLESS_NATIVE_LINES = tuple(
    re.compile(pattern)
    for pattern in (
        r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
        r"^I\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] ",  # absl INFO lines
        r"^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.$",
        r"^E\d{4} .*\] NodeDef mentions attribute use_unbounded_threadpool which is not in the op definition",
        r"^E\d{4} .*\] oneDNN supports DT_BOOL only on platforms with AVX-512",
        r"^Memory patch applied: M_TRIM_THRESHOLD",
    )
)

_ENV_VAR = "COURSE_NATIVE_LOGS"
_state = {"filter": None}
_lock = threading.Lock()


def is_harmless_native_line(line):
    """True if `line` (str, without its newline) is one of the lines `quiet_native_logs` drops.

    Example:

    >>> is_harmless_native_line("I0000 00:00:1796160225.344880    6460 port.cc:153] oneDNN custom operations are on.")
    True
    >>> is_harmless_native_line("E0000 00:00:17.1 6460 gpu.cc:12] out of memory")
    False
    """
    if not isinstance(line, str):
        raise TypeError(f"Expected a line of text (str); received {type(line).__name__}.")
    return any(pattern.search(line) for pattern in HARMLESS_NATIVE_LINES)


class _FdLineFilter:
    """Reads what is written to file descriptor 2 and forwards every line but the harmless ones."""

    def __init__(self):
        self.forward_fd = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self.read_fd = read_fd
        self.dropped = 0
        self.thread = threading.Thread(target=self._pump, name="course_lib-native-logs", daemon=True)
        self.thread.start()

    def _forward(self, data):
        while data:
            written = os.write(self.forward_fd, data)
            data = data[written:]

    def _emit(self, line):
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        if is_harmless_native_line(text):
            self.dropped += 1
        else:
            self._forward(line)

    def _pump(self):
        pending = b""
        while True:
            ready, _, _ = select.select([self.read_fd], [], [], 0.2)
            if not ready:
                if pending:  # a partial line that waited 0.2 s: pass it on rather than hold it
                    self._forward(pending)
                    pending = b""
                continue
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line + b"\n")
        if pending:
            self._emit(pending)
        os.close(self.read_fd)

    def close(self):
        # Put the original stream back; closing the pipe's last writer ends the pump.
        os.dup2(self.forward_fd, 2)
        self.thread.join(timeout=2.0)


def _close_at_exit():
    with _lock:
        log_filter, _state["filter"] = _state["filter"], None
    if log_filter is not None:
        log_filter.close()


def quiet_native_logs():
    """Drops TensorFlow's harmless native log lines from this process's standard error.

    Safe to call more than once: the filter is installed once per process.
    Does nothing (and returns False) when `COURSE_NATIVE_LOGS=all` is set or
    when this platform has no `select` on pipes (Windows).

    Returns:
        True if the filter is active.
    """
    if os.environ.get(_ENV_VAR, "").strip().lower() == "all" or os.name != "posix":
        return False
    with _lock:
        if _state["filter"] is None:
            _state["filter"] = _FdLineFilter()
            atexit.register(_close_at_exit)
    return True

"""The peak resident memory of a process, as far as the platform tells.

Used by `python -m course_lib bench` (each search method's own peak) and by
the notebook runner (`course_lib.notebooks`, the kernel's peak, and through
`ru_maxrss_mib` the runner process's own).
"""

import os
import sys

__all__ = ["peak_resident_mib", "ru_maxrss_mib"]


def peak_resident_mib(pid=None):
    """The peak resident set size of a process in MiB, or None where unknown.

    The peak is a high-water mark: it never goes down while the process lives,
    so reading it just before a process ends gives that process's peak. Where
    the figure comes from:

    - Linux: `VmHWM` from `/proc/<pid>/status`. It belongs to the process's
      memory map, so it starts afresh when a (spawned) child executes Python,
      and unlike `ru_maxrss` it does not count the parent's memory at the
      moment it forked the child.
    - Elsewhere, for this process: `ru_maxrss` from `resource.getrusage`
      (bytes on macOS, KiB on other systems).
    - Elsewhere, for another process, with `psutil` installed: `peak_wset` on
      Windows; otherwise only the current RSS, a lower bound of the peak (so
      callers read it repeatedly and keep the largest).

    Args:
        pid: process id (positive int), or None for this process.

    Returns:
        A float number of MiB, or None when the process does not exist (or has
        ended) or the platform tells nothing (another process, no `/proc`
        and no `psutil`).

    Raises:
        TypeError: if `pid` is not an int or None.
        ValueError: if `pid` is not positive.

    Example:

    >>> peak_resident_mib() > 0
    True
    >>> peak_resident_mib(2**22 + 1) is None  # above Linux's largest pid: no such process
    True
    """
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
        raise TypeError(
            f"Expected `pid` to be a process id (int) or None for this process; received "
            f"{type(pid).__name__} {pid!r}. Pass e.g. `os.getpid()` or `process.pid`."
        )
    if pid is not None and pid < 1:
        raise ValueError(
            f"Expected `pid` to be a positive process id; received {pid}. Pass None to measure this process."
        )
    own = pid is None or pid == os.getpid()
    if os.path.isdir("/proc/self"):  # Linux: /proc has the answer, or the process is gone
        return _read_vmhwm("self" if own else pid)
    if own:
        try:
            import resource
        except ImportError:  # Windows
            pass
        else:
            return ru_maxrss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return _read_psutil(os.getpid() if own else pid)


def ru_maxrss_mib(ru_maxrss):
    """`ru_maxrss` of `resource.getrusage` or `os.wait4` in MiB: it is in bytes on macOS, KiB elsewhere.

    Example:

    >>> ru_maxrss_mib(2048) if sys.platform != "darwin" else ru_maxrss_mib(2 * 2**20)
    2.0
    """
    return ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)


def _read_vmhwm(pid):
    """`VmHWM` of `/proc/<pid>/status` in MiB; None without the process or the line."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):  # absent once the process has ended
                    return int(line.split()[1]) / 1024  # the value is in kB
    except (OSError, ValueError):
        pass
    return None


def _read_psutil(pid):
    """`peak_wset` (Windows) or the current RSS from psutil, in MiB; None if unknown."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        memory = psutil.Process(pid).memory_info()
    except (psutil.Error, OSError):  # no such process, or it ended, or access denied
        return None
    return getattr(memory, "peak_wset", memory.rss) / 2**20

"""Compact a dataset and SIGKILL the process at the N-th step that changes the disk (an
fsync, a rename or a delete), for the crash-safety tests. ``KILL_AT`` 0 runs to the end and
prints how many such steps there were. Usage: python crash_compact.py OUTPUT KILL_AT"""

from __future__ import annotations

import os
import signal
import sys

from storage.compact import compact


def main() -> None:
    output, kill_at = sys.argv[1], int(sys.argv[2])
    steps = 0

    def counted(real):
        def step(*args, **kwargs):
            nonlocal steps
            result = real(*args, **kwargs)
            steps += 1
            if steps == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        return step

    os.fsync, os.replace, os.remove = counted(os.fsync), counted(os.replace), counted(os.remove)
    compact(output)
    print(f"steps={steps}")


if __name__ == "__main__":
    main()

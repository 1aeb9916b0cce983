"""`python -m course_lib <command>`: see `course_lib.cli`."""

import os
import sys

if __name__ == "__main__":
    # A program may set its own environment (importing `course_lib` never does): keep
    # TensorFlow's harmless start-up lines out of the commands' output, as
    # `setup_device` does in the notebooks. Both must happen before TensorFlow loads.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from course_lib.native_logs import quiet_native_logs

    quiet_native_logs()

    from course_lib.cli import main

    sys.exit(main())

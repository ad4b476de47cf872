"""Entry point of the one-file executable (PyInstaller)."""

import multiprocessing

from wfhaudit.cli import main

if __name__ == "__main__":
    # `aggregate --jobs N` starts worker processes with "spawn": in a frozen program each
    # worker re-runs this file, and freeze_support() turns it into the worker.
    multiprocessing.freeze_support()
    main()

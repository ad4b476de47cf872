"""Entry point for `python -m wfhaudit`."""

from wfhaudit.cli import main

if __name__ == "__main__":
    main()

"""`python -m ordertalk.cli_entry`: the console script, runnable without the installed shim."""

from ordertalk.cli import main

if __name__ == "__main__":
    main()

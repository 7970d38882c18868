"""python -m cognito_emulator (with scripts/ on PYTHONPATH): see the package's docstring."""

from .server import main

if __name__ == "__main__":
    main()

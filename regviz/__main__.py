from regviz.cli import main

# Guarded: the trainer process (multiprocessing "spawn") re-imports the main module.
if __name__ == "__main__":
    raise SystemExit(main())

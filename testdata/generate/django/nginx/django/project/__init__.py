"""A minimal project that runs the downloads app."""

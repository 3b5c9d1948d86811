"""Helpers shared by the pvpython tests: collect failed checks, report them, exit."""
import sys


class Checks:
    """check(condition, message) records a failure; finish() prints and exits 1 or 0."""

    def __init__(self):
        self.failures = []

    def __call__(self, condition, message):
        if not condition:
            self.failures.append(message)
            print("FAIL:", message)

    def finish(self):
        if self.failures:
            print("%d check(s) failed" % len(self.failures))
            sys.exit(1)
        print("all checks passed")
        sys.exit(0)

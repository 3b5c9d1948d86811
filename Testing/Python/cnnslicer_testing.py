"""Helpers shared by the pvpython tests: collect failed checks, report them, exit."""
import sys


class Checks:
    """check(condition, message) records a failure; finish() prints, and exits 1 on failure."""

    def __init__(self):
        self.failures = []

    def __call__(self, condition, message):
        if not condition:
            self.failures.append(message)
            print("FAIL:", message)

    def finish(self):
        """Exits 1 after failures; on success returns, so the script ends normally: a
        sys.exit() after rendering makes pvpython's teardown hit GLXBadContext under Xvfb."""
        if self.failures:
            print("%d check(s) failed" % len(self.failures))
            sys.exit(1)
        print("all checks passed")


def collect_errors(proxy):
    """A list that receives the proxy's VTK error messages (vtkErrorMacro texts) from now on.

    An ErrorEvent observer on the server-side object (builtin session) gets the message
    instead of the output window, so tests can check what the user would read."""
    from vtkmodules.util.misc import calldata_type
    from vtkmodules.util.vtkConstants import VTK_STRING

    errors = []

    @calldata_type(VTK_STRING)
    def on_error(caller, event, message):
        errors.append(message)

    proxy.GetClientSideObject().AddObserver("ErrorEvent", on_error)
    return errors

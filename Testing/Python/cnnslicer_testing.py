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


def collect_messages(proxy, event):
    """A list that receives the texts of the proxy's VTK @p event ("ErrorEvent" or
    "WarningEvent") from now on.

    An observer on the server-side object (builtin session) gets the message instead of
    the output window, so tests can check what the user would read."""
    from vtkmodules.util.misc import calldata_type
    from vtkmodules.util.vtkConstants import VTK_STRING

    messages = []

    @calldata_type(VTK_STRING)
    def on_message(caller, event, message):
        messages.append(message)

    proxy.GetClientSideObject().AddObserver(event, on_message)
    return messages


def collect_errors(proxy):
    """A list that receives the proxy's VTK error messages (vtkErrorMacro texts)."""
    return collect_messages(proxy, "ErrorEvent")


def collect_warnings(proxy):
    """A list that receives the proxy's VTK warning messages (vtkWarningMacro texts)."""
    return collect_messages(proxy, "WarningEvent")


def abort_on_progress(proxy):
    """Sets the algorithm's AbortExecute flag at its first progress report past 0, as the
    GUI's stop button does, so that tests reach the interrupted paths."""
    algorithm = proxy.GetClientSideObject()

    def on_progress(caller, event):
        if 0.0 < caller.GetProgress() < 1.0:
            caller.SetAbortExecute(1)

    algorithm.AddObserver("ProgressEvent", on_progress)

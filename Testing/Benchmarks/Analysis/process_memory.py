"""Memory of the running process, shared by the two analysis scripts (pvbatch and Python)."""


def resident_megabytes():
    """This process's resident set size now (VmRSS of /proc/self/status), in MB: the
    libraries' footprint before any data, subtracted from the peak in the report."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")

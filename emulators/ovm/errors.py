"""The platform's error, shared by the model and the fault points.

A leaf module: `model` raises it everywhere and re-exports it (`emulators.ovm.model.PlatformError`
is this class); `faults` catches it when a heal fails, without importing the model.
"""


class PlatformError(Exception):
    """A request the platform refuses; the message reads as the real tool's would."""

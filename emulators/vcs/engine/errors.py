"""The error the engine raises when it refuses a command."""


class EngineCommandError(Exception):
    """A command the engine refuses, with the vendor's message id (``V-16-1-nnnnn``)."""

    def __init__(self, umi: str, text: str, severity: str = "WARNING") -> None:
        self.umi = umi
        self.text = text
        self.severity = severity
        super().__init__(f"VCS {severity} {umi} {text}")


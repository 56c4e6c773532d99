"""One exception type for every problem a user can fix by changing their input."""


class DreamTFError(ValueError):
    """Bad input: the message names the file (or key), the place and what was expected."""

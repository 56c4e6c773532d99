"""One exception type for every problem a user can fix by changing their input."""


class DreamTFError(ValueError):
    """Bad input: the message names the file (or key), the place and what was expected."""


def os_error_message(exc: OSError) -> str:
    """One line for an OSError (missing file, read-only folder, full disk): the file and the system's reason."""
    return f"{exc.filename or 'a file'}: {exc.strerror or exc}"

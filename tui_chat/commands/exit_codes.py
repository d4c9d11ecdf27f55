"""Exit statuses shared by every command (documented in the README)."""

EXIT_OK = 0
EXIT_API_ERROR = 1  # the API or the connection failed
EXIT_USAGE = 2  # bad command line, broken config, missing key
EXIT_CUT_OFF = 3  # reply cut off: length, content filter, too many tool rounds
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT

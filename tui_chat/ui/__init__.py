"""The Textual layer: renders engine events; never talks HTTP or SQL directly."""

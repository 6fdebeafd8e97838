"""The tools the built-in templates give their agents."""

CODER_TOOLS = ["read_file", "write_file", "edit_file", "list_files", "search_files", "run_command", "git"]
"""A coder's: it reads, writes and edits files, runs the tests and commits."""

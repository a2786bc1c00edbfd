"""Correcting mistakes: editing or deleting a session, editing an attempt (issue #10)."""

"""The MRC's client list (issue #10)."""

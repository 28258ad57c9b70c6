"""Printers: input-syntax text and index notation."""

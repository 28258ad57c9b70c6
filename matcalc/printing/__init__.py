"""Printers: input-syntax text, index notation, and LaTeX in matrix, index and vec form."""

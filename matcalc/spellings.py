"""What users of other tools write, and what this language writes instead.

Two mechanisms, both data-driven, so that every entry point (`mc.parse`, the
CLI, the web page) gives the same answer:

- An unknown function name gets the nearest built-in spellings: the
  well-known names of NumPy, SciPy, MATLAB and PyTorch in `FUNCTION_ALIASES`
  (``trace`` → ``tr``: the ``aliases`` of each operation's record, collected by
  `matcalc.vocabulary`) and `OPERATOR_ALIASES` (``transpose`` → ``X'``: what is
  written with an operator has no record), then
  every built-in or declared function within a small edit distance
  (``sofmax`` → ``softmax``, ``lgosumexp`` → ``logsumexp``).
- ``x^T`` with ``T`` not declared is refused with a hint: it is the transpose
  in papers, but ``^`` with a scalar ``T`` is a power (the matrix power for a
  square ``X``), so the text is ambiguous.  A declared ``T`` keeps its kind,
  and ``^`` is then a power.  (``xᵀ`` and ``x.T`` are transposes: the lexer
  reads them as ``'``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise

from matcalc.errors import ParseError
from matcalc.lexer import Token
from matcalc.vocabulary import FUNCTION_ALIASES

__all__ = [
    "FUNCTION_ALIASES",
    "OPERATOR_ALIASES",
    "check_caret_t",
    "distance",
    "unknown_function",
]

#: Names for what this language writes with an operator: (how to write it, what it is).
OPERATOR_ALIASES: Mapping[str, tuple[str, str]] = {
    "transpose": ("X'", "the transpose"),
    "ctranspose": ("X'", "the transpose"),
    "permute_dims": ("X'", "the transpose"),
    "matmul": ("A*B", "the matrix product"),
    "mm": ("A*B", "the matrix product"),
    "mv": ("A*x", "the matrix-vector product"),
    "mtimes": ("A*B", "the matrix product"),
    "dot": ("x'*y", "the dot product"),
    "inner": ("x'*y", "the inner product"),
    "vdot": ("x'*y", "the dot product"),
    "outer": ("x*y'", "the outer product"),
    "ger": ("x*y'", "the outer product"),
    "multiply": ("A.*B", "the elementwise product"),
    "mul": ("A.*B", "the elementwise product"),
    "times": ("A.*B", "the elementwise product"),
    "hadamard": ("A.*B", "the elementwise product"),
    "divide": ("A./B", "the elementwise quotient"),
    "true_divide": ("A./B", "the elementwise quotient"),
    "rdivide": ("A./B", "the elementwise quotient"),
    "power": ("A.^p", "the elementwise power"),
    "pow": ("A.^p", "the elementwise power"),
    "square": ("A.^2", "the elementwise square"),
    "matrix_power": ("X^k", "the matrix power"),
    "mpower": ("X^k", "the matrix power"),
    "identity": ("eye", "the identity matrix (its size inferred, no parentheses)"),
    "commutation_matrix": ("commutation(size(X, 1), size(X, 2))", "the commutation matrix of X m x n"),
    "ones": ("vector(1) or matrix(1)", "an array of ones, its size inferred"),
    "zeros": ("vector(0) or matrix(0)", "an array of zeros, its size inferred"),
    "solve": ("inv(A)*b", "the solution of A*x = b (generated code solves, never inverts)"),
    "log_softmax": ("log(softmax(x))", "the log-softmax (evaluated stably)"),
    "neg": ("-x", "the negation"),
    "add": ("A+B", "the sum"),
    "subtract": ("A-B", "the difference"),
}

#: Most edits (insertions, deletions, substitutions, swaps of neighbours) from a name to a suggestion,
#: by the length of the name: none below four letters, one below six, then two.
_EDITS = ((6, 2), (4, 1))


def distance(a: str, b: str) -> int:
    """The optimal string alignment distance: edits of one character, and swaps of two neighbours."""
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            best = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, row = row, current
    return row[-1]


def _nearest(name: str, candidates: Iterable[str]) -> list[str]:
    """The candidates within the allowed edits of ``name`` (case ignored), nearest first."""
    limit = next((edits for length, edits in _EDITS if len(name) >= length), 0)
    # the distance is at least the difference in length: only names that close are measured
    near = [c for c in set(candidates) if abs(len(c) - len(name)) <= limit]
    scored = sorted((distance(name.lower(), c.lower()), c) for c in near)
    return [c for d, c in scored if d <= limit]


def unknown_function(name: str, spellings: Sequence[str], declare: str) -> str:
    """The message for ``name(...)`` that names no function: the nearest spellings, then ``declare``.

    ``spellings`` are the built-in names and the declared abstract functions.
    The aliases count as spellings too, so a misspelled alias (``tarce``)
    leads to the built-in (``tr``).
    """
    operators = {alias.lower(): alias for alias in OPERATOR_ALIASES}
    aliases = {alias.lower(): target for alias, target in FUNCTION_ALIASES.items()}
    near = _nearest(name, [*spellings, *FUNCTION_ALIASES, *OPERATOR_ALIASES])
    exact = [c for c in (name.lower(), *(n.lower() for n in near)) if c in operators or c in aliases]
    if exact and exact[0] in operators and (not near or near[0].lower() == exact[0]):
        written, meaning = OPERATOR_ALIASES[operators[exact[0]]]
        return f"unknown function '{name}': for {meaning}, write {written}"
    found = dict.fromkeys(aliases.get(c.lower(), c) for c in [name, *near] if c.lower() not in operators)
    found.pop(name, None)
    if not found:
        return f"unknown function '{name}' ({declare})"
    listed = " or ".join(f"{s}(...)" for s in list(found)[:3])
    return f"unknown function '{name}'; did you mean {listed}? (or {declare})"


def check_caret_t(text: str, tokens: Sequence[Token], declared: Mapping[str, str]) -> None:
    """Refuse ``x^T`` where ``T`` is not declared: a transpose in papers, a power here.

    Raises:
        ParseError: at the ``T``, saying to write ``x'`` or to declare ``T``.
    """
    if "T" in declared:
        return
    for caret, name in pairwise(tokens):
        if caret.kind == "op" and caret.text == "^" and name.kind == "name" and name.text == "T":
            raise ParseError(
                "'^T' is not a transpose here: write x' (or xᵀ, x.T) for the transpose; "
                "for a power by a symbol T, declare its kind (kinds={'T': 'scalar'}, --kind T=scalar)",
                text,
                name.pos,
            )

"""Check a claimed derivative against matcalc's, with numbers, and say in words what is wrong.

`check` evaluates the true derivative and the claim at the same random values,
at several sizes (the first with every dimension of a different size, so that
an n-by-m matrix cannot pass for an m-by-n one), and compares shapes, then numbers.
When they differ, `matcalc.diagnose` looks for the usual reasons (a transposed
layout, a constant factor or sign, a claim that is right only for symmetric
matrices or only at one size), and `CheckResult.explanation` says which.

>>> import matcalc as mc
>>> mc.check("x'*A*x", "x", "(A+A')*x").ok
True
>>> print(mc.check("x'*A*x", "x", "2*A*x").explanation)
The claim has the right shape, (3,), but not the right numbers. It is right only when A is symmetric: ...
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from matcalc.diagnose import explain_failure, relative_error, short
from matcalc.diff import diff, variable
from matcalc.dims import Dim
from matcalc.errors import EvaluationError, MatcalcError
from matcalc.evaluate import evaluate
from matcalc.expr import Expr, Symbol, substitute_dims
from matcalc.parse import parse
from matcalc.printing.latex import latex
from matcalc.testing import consistent_sizes, random_values
from matcalc.vec import VecJacobian

__all__ = ["CheckResult", "check"]

Array = npt.NDArray[np.float64]
Values = dict[str, np.ndarray | float]

#: Sizes of the first trial, one per dimension in turn: all different, so shape mistakes show.
_DISTINCT_SIZES = (3, 4, 2, 5)
_KIND_NOUN = {"scalar": "scalar", "vector": "vector", "matrix": "matrix", "symmetric": "symmetric matrix",
              "square": "square matrix"}
#: Random values drawn at one size until the derivative is finite.
_DRAWS = 8
#: A derivative this small at a point (``a^det(X)`` for a < 1 underflows) says little of a
#: claim, since errors are measured against at least 1: another point is drawn.
_NEGLIGIBLE = 1e-8
#: Sizes tried per trial until the derivative can be evaluated.
_SIZE_ATTEMPTS = 40


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check`.

    Attributes:
        ok: the claim equals the derivative at every point and size tried.
        max_error: the largest relative error, ``max|claim - derivative| / max(1, max|derivative|)``
            over the points tried (``inf`` where the shapes differ or the claim cannot be evaluated).
        counterexample: values of the symbols where the claim is wrong (None when ``ok``).
        explanation: what is wrong, in words (what was checked, when ``ok``).
        derivative: matcalc's derivative.
        claim: the claim, parsed.
        shape_expected: the numeric shape of the derivative at the counterexample
            (at the first point tried when ``ok``).
        shape_claimed: the numeric shape of the claim there (None if it cannot be evaluated).
        convention: when the claim is wrong by matcalc's conventions but right by another
            known one, its name (a key of `matcalc.diagnose.CONVENTIONS`): ``"entrywise"``
            (by a symmetric matrix, the entry-by-entry derivative G), ``"symmetric-gradient"``
            (the Matrix Cookbook's G + G' - diag(diag(G))), ``"numerator layout"``,
            ``"denominator layout"`` or ``"vec"``; else None.
    """

    ok: bool
    max_error: float
    counterexample: Values | None
    explanation: str
    derivative: Expr
    claim: Expr | VecJacobian
    shape_expected: tuple[int, ...]
    shape_claimed: tuple[int, ...] | None
    convention: str | None = None

    def __str__(self) -> str:
        return "\n".join([self._verdict(), *self._counterexample()])

    def __repr__(self) -> str:
        """The REPL: the verdict, matcalc's derivative and the claim in text form, the counterexample."""
        claim = repr(self.claim) if isinstance(self.claim, VecJacobian) else str(self.claim)
        forms = [f"derivative: {self.derivative}", f"claim:      {claim}"]
        return "\n".join([self._verdict(), *forms, *self._counterexample()])

    def _repr_markdown_(self) -> str:
        """Jupyter's display: the verdict in words, derivative and claim in LaTeX, the counterexample."""
        if isinstance(self.claim, VecJacobian):
            claim = self.claim._repr_latex_()
        else:
            claim = f"$${latex(self.claim)}$$"
        parts = [
            f"**{'claim accepted' if self.ok else 'claim refuted'}**: {_markdown_escaped(self.explanation)}",
            f"matcalc's derivative: {self.derivative._repr_latex_()}",
            f"the claim: {claim}",
        ]
        example = self._counterexample()
        if example:
            parts.append("```\n" + "\n".join(example) + "\n```")
        return "\n\n".join(parts)

    def _verdict(self) -> str:
        return f"{'claim accepted' if self.ok else 'claim refuted'}: {self.explanation}"

    def _counterexample(self) -> list[str]:
        if self.counterexample is None:
            return []
        lines = ["counterexample:"]
        for name, value in self.counterexample.items():
            text = np.array2string(np.asarray(value), precision=4, suppress_small=True)
            lines.append(f"  {name} = " + text.replace("\n", "\n" + " " * (len(name) + 5)))
        return lines


def _markdown_escaped(text: str) -> str:
    """``text`` with the characters Markdown would read as markup backslash-escaped (``x'*A*x``)."""
    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", text)


def check(
    expr: str | Expr,
    wrt: str | Expr | Sequence[str | Expr],
    claim: str | Expr | VecJacobian,
    kinds: Mapping[str, str] | None = None,
    *,
    trials: int = 5,
    seed: int = 0,
    rtol: float = 1e-6,
) -> CheckResult:
    """Compare a claimed derivative of ``expr`` by ``wrt`` with the true one, at random points and sizes.

    Args:
        expr: the function, as text or an expression.
        wrt: the variable (a name or symbol), or several for a higher derivative.
        claim: the claimed derivative: text (read by `matcalc.parse`, never run as
            Python), an expression, or a `matcalc.vec.VecJacobian` (compared with the
            column-major vec form of the derivative).  It may use only the symbols of
            ``expr`` and ``wrt``; sizes it leaves open (``vector(1)``) are read from the
            derivative's shape, axis by axis.
        kinds: kinds of symbols, for ``expr`` and ``claim`` alike.
        trials: points tried; the first has every dimension of a different size
            (where the expression is defined at such sizes), the others random
            sizes from 1 to 5.
        seed: seed of the random values.
        rtol: largest relative error accepted.

    Returns:
        A `CheckResult`; when the claim is wrong, its explanation says how.

    Raises:
        ParseError: the expression or the claim is not valid text.
        MatcalcError: the claim uses a symbol the expression does not, or leaves a size open.
        EvaluationError: the derivative cannot be evaluated (it is not finite, or a
            matrix it inverts is singular) at any of the points and sizes tried.
    """
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise MatcalcError(f"check needs at least one trial (at most {MAX_TRIALS}), got trials={trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MatcalcError(f"check needs seed= a whole number from 0, got {seed!r}")
    if isinstance(rtol, bool) or not isinstance(rtol, int | float) or not 0 < rtol < float("inf"):
        raise MatcalcError(f"check needs rtol= a positive number, got {rtol!r}")
    if wrt is None or (not isinstance(wrt, str | Expr) and not isinstance(wrt, Sequence)):
        raise MatcalcError(f"check needs wrt= a variable name or a list of them, got {wrt!r}")
    problem = Problem.make(expr, wrt, claim, kinds)
    rng = np.random.default_rng(seed)
    runs = [problem.trial(t, rng) for t in range(trials)]
    max_error = max(r.error for r in runs)
    failed = [r for r in runs if not r.error <= rtol]
    if failed:
        why = explain_failure(problem, runs, failed[0], rtol, rng)
        return problem.result(False, max_error, failed[0], why.text, why.convention)
    form = " as the vec-form Jacobian ∂vec(f)/∂vec(X)ᵀ" if isinstance(problem.claim, VecJacobian) else ""
    text = (
        f"The claim equals matcalc's derivative{form} at {trials} random point(s), sizes from 1 to 5 "
        f"(largest relative error {max_error:.1e})."
    )
    return problem.result(True, max_error, runs[0], text)


#: Most random points `check` tries.
MAX_TRIALS = 1_000


@dataclass(frozen=True)
class Trial:
    """One point: sizes, values, the derivative's value and the claim's (or why it has none)."""

    sizes: dict[Dim, int]
    values: Values
    true: Array
    claimed: Array | None
    failure: str | None = None
    error: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "error", relative_error(self.true, self.claimed))


@dataclass(frozen=True)
class Problem:
    """The parsed inputs of `check`, and how to evaluate both sides at one point."""

    expr: Expr
    wrt: tuple[Symbol, ...]
    derivative: Expr
    claim: Expr | VecJacobian
    symbols: tuple[Symbol, ...]  # of the expression, then variables it does not mention
    dims: tuple[Dim, ...]  # every dimension that gets a size, in order
    ties: tuple[tuple[Dim, ...], ...] = ()  # dimensions the claim needs equal and the expression does not

    @staticmethod
    def make(
        expr: str | Expr,
        wrt: str | Expr | Sequence[str | Expr],
        claim: str | Expr | VecJacobian,
        kinds: Mapping[str, str] | None,
    ) -> Problem:
        """Parse and differentiate; check that the claim speaks of the same symbols."""
        f = _as_expr(expr, kinds, "expression")
        variables = _variables(f, wrt, kinds)
        derivative = diff(f, *variables)
        symbols = f.symbols + tuple(dict.fromkeys(v for v in variables if v not in f.symbols))
        # A claim in text reads its symbols as the expression has them, unless kinds say otherwise.
        claim_kinds = {**{s.name: s.kind for s in symbols}, **(kinds or {})}
        c = claim if isinstance(claim, VecJacobian) else _as_expr(claim, claim_kinds, "claim")
        ties: tuple[tuple[Dim, ...], ...] = ()
        if isinstance(c, Expr):
            _check_claim_symbols(c, symbols)
            c = _close_open_sizes(c, derivative)
            ties = _ties(c, symbols)
        dims = tuple(dict.fromkeys(d for s in symbols for d in s.shape))
        return Problem(f, variables, derivative, c, symbols, dims, ties)

    def trial(self, t: int, rng: np.random.Generator) -> Trial:
        """Trial number ``t``, at the first sizes tried where the derivative can be evaluated.

        Some expressions are defined only at some sizes (``det(A*X*B)`` needs
        ``X`` at least as large as ``A*X*B``), so sizes are tried until one fits.
        """
        problem: EvaluationError | None = None
        for sizes in itertools.islice(_candidate_sizes(self.dims, t, rng), _SIZE_ATTEMPTS):
            sizes = consistent_sizes((self.expr, self.derivative), sizes)  # kron and vec: products
            try:
                return self.run(sizes, rng)
            except EvaluationError as err:
                problem = err
        raise EvaluationError(
            f"cannot evaluate the derivative {short(self.derivative)} at any of {_SIZE_ATTEMPTS} "
            f"sizes tried, from 1 to 5: {problem}"
        )

    def run(
        self, sizes: Mapping[Dim, int], rng: np.random.Generator, symmetric: frozenset[str] = frozenset()
    ) -> Trial:
        """Both sides at ``sizes``, at the first random values where the derivative is finite.

        The square matrices named in ``symmetric`` get symmetric values.

        Raises:
            EvaluationError: the derivative is not finite (or a matrix it inverts is
                singular) at every one of a few random values of these sizes.
        """
        problem = "it is not finite"
        negligible: tuple[Values, Array] | None = None  # the first point where the derivative is tiny
        for draw in range(_DRAWS):
            values = self._values(sizes, rng, symmetric, draw)
            try:
                with np.errstate(all="ignore"):
                    true = self._true(values)
            except EvaluationError as err:
                problem = str(err)
                continue
            if not np.all(np.isfinite(true)):
                continue
            if float(np.max(np.abs(true), initial=0.0)) >= _NEGLIGIBLE:
                break
            negligible = negligible or (values, true)
        else:
            if negligible is None:
                raise EvaluationError(f"at {_DRAWS} random points of the same sizes: {problem}")
            values, true = negligible  # tiny at every point: perhaps zero
        try:
            with np.errstate(all="ignore"):
                claimed = self._claimed(values)
        except MatcalcError as err:  # evaluate's "the expression" is the claim here
            return Trial(dict(sizes), values, true, None, str(err).replace("the expression", "the claim"))
        return Trial(dict(sizes), values, true, claimed)

    def result(
        self, ok: bool, error: float, t: Trial, text: str, convention: str | None = None
    ) -> CheckResult:
        """The `CheckResult` whose counterexample (or, when ``ok``, example) is ``t``."""
        shape = None if t.claimed is None else t.claimed.shape
        counterexample = None if ok else t.values
        return CheckResult(
            ok, error, counterexample, text, self.derivative, self.claim, t.true.shape, shape, convention
        )

    def _values(
        self, sizes: Mapping[Dim, int], rng: np.random.Generator, symmetric: frozenset[str], draw: int = 0
    ) -> Values:
        """Random values; later draws make entries positive, then also shrink the matrices.

        So a derivative that is not finite for entries of both signs (``log(x)``,
        ``sqrt(logdet(inv(B)))``) is still checked somewhere in its domain.
        """
        values: Values = {}
        for s in self.symbols:
            values.update(random_values(s, rng, sizes))
        for name, value in values.items():
            if isinstance(value, tuple):  # an abstract function's stand-in: callables
                continue
            if draw % 3 and np.ndim(value) < 2:
                values[name] = np.abs(value)
            elif draw % 3 == 2:
                values[name] = np.asarray(value) / 4
            if name in symmetric:
                m = np.asarray(values[name])
                values[name] = (m + m.T) / 2
        return values

    def _true(self, values: Values) -> Array:
        """The derivative's value (as the vec-form Jacobian when the claim is one)."""
        d = np.asarray(evaluate(self.derivative, values), dtype=np.float64)
        if isinstance(self.claim, VecJacobian):
            rows = int(np.prod(d.shape[: self.expr.ndim], dtype=np.int64))
            return d.reshape((rows, -1), order="F")
        return d

    def _claimed(self, values: Values) -> Array:
        if isinstance(self.claim, VecJacobian):
            return self.claim.evaluate(values)
        return np.asarray(evaluate(self.claim, values), dtype=np.float64)


def _as_expr(e: str | Expr, kinds: Mapping[str, str] | None, what: str) -> Expr:
    if isinstance(e, Expr):
        return e
    if isinstance(e, str):
        return parse(e, kinds)
    raise MatcalcError(f"the {what} must be text or an expression, got {type(e).__name__}")


def _variables(
    f: Expr, wrt: str | Expr | Sequence[str | Expr], kinds: Mapping[str, str] | None
) -> tuple[Symbol, ...]:
    """The symbols to differentiate by: the expression's own where it has them."""
    items = [wrt] if isinstance(wrt, str | Expr) else list(wrt)
    if not items:
        raise MatcalcError("check needs a variable to differentiate by")
    return tuple(variable(f, w, kinds) for w in items)


def _check_claim_symbols(claim: Expr, symbols: tuple[Symbol, ...]) -> None:
    """Every symbol of the claim is one of the problem's, of the same kind."""
    known = {s.name: s for s in symbols}
    for s in claim.symbols:
        mine = known.get(s.name)
        if mine is None:
            raise MatcalcError(f"the claim uses '{s.name}', which the expression does not")
        if mine.kind != s.kind:
            raise MatcalcError(
                f"'{s.name}' is a {_KIND_NOUN[mine.kind]} in the expression "
                f"but a {_KIND_NOUN[s.kind]} in the claim"
            )


def _ties(claim: Expr, symbols: tuple[Symbol, ...]) -> tuple[tuple[Dim, ...], ...]:
    """Groups of the expression's dimensions that the claim makes one (``inv(X)`` makes ``X`` square)."""
    known = {s.name: s for s in symbols}
    groups: dict[Dim, list[Dim]] = {}
    for s in claim.symbols:
        for theirs, mine in zip(known[s.name].shape, s.shape, strict=True):
            groups.setdefault(mine, []).append(theirs)
    return tuple(g for g in (tuple(dict.fromkeys(g)) for g in groups.values()) if len(g) > 1)


def _close_open_sizes(claim: Expr, derivative: Expr) -> Expr:
    """The claim with the sizes it leaves open (``vector(1)``, ``eye``) taken from the derivative's axes.

    Answer 3's ``(x'*vector(1))*vector(1)`` is a number times a vector of ones
    whose length is that of the derivative's first axis.
    """
    sub: dict[Dim, Dim] = {}
    for mine, theirs in zip(claim.shape, derivative.shape, strict=False):
        if mine.anonymous:
            sub.setdefault(mine, theirs)
    claim = substitute_dims(claim, sub)
    if any(d.anonymous for d in claim.dims):
        raise MatcalcError(
            f"cannot tell the size of every part of the claim {short(claim)}: use vector(c), matrix(c) "
            "and eye where a symbol fixes their size"
        )
    return claim


def _candidate_sizes(dims: tuple[Dim, ...], t: int, rng: np.random.Generator) -> Iterator[dict[Dim, int]]:
    """Sizes for trial ``t``: the first trial tries all-different sizes first, then random ones (1 to 5)."""
    if t == 0:
        distinct = [_DISTINCT_SIZES[i % len(_DISTINCT_SIZES)] for i in range(len(dims))]
        for order in itertools.islice(itertools.permutations(range(len(dims))), _SIZE_ATTEMPTS // 2):
            yield {d: distinct[i] for d, i in zip(dims, order, strict=True)}
    while True:
        yield {d: int(rng.integers(1, 6)) for d in dims}

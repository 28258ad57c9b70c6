"""Why a claimed derivative differs from the true one, in words (for `matcalc.check`).

Given the trials of a failed check, the diagnoses are tried in order and the
first that holds at every trial is reported:

1. the claim is the derivative rearranged (axes transposed, reshaped, the
   column-major vec form, the Matrix Cookbook's symmetric-gradient convention
   ``G + G' - diag(diag(G))``) and/or times a constant (a factor, a sign);
2. for a symmetric variable, it is the entry-by-entry derivative ``G`` (its
   symmetric part is matcalc's); or it is right when some square matrices are
   symmetric;
3. it is right at some sizes of one dimension only (n = 1), or only when all
   dimensions are equal.

Otherwise the explanation shows the entry that differs most.  A wrong shape
is said first, with what the derivative's axes mean.  A claim that cannot even
be evaluated at the sizes of the expression is said to be so, with the sizes
it needs (``inv(X)`` in a claim needs ``X`` square) and whether it is right there.
New trials (at other sizes, or with symmetric values) are drawn as needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from matcalc.dims import Dim
from matcalc.errors import EvaluationError
from matcalc.expr import Expr, Symbol

if TYPE_CHECKING:
    from matcalc.check import Problem, Trial

__all__ = ["CONVENTIONS", "Failure", "explain_failure", "relative_error", "short"]

Array = npt.NDArray[np.float64]

#: Sizes tried for one dimension when looking for the sizes at which a claim is right.
_SWEEP_SIZES = (1, 2, 3, 4)
#: Axis permutations are tried for derivatives of at most this order.
_MAX_PERMUTED_AXES = 4


def relative_error(true: Array, claimed: Array | None) -> float:
    """``max|claimed - true| / max(1, max|true|)``; inf when the shapes differ or it is not finite."""
    if claimed is None or claimed.shape != true.shape:
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(true), initial=0.0)))
    err = float(np.max(np.abs(claimed - true), initial=0.0)) / scale
    return err if np.isfinite(err) else float("inf")


def short(e: object, width: int = 80) -> str:
    """``str(e)``, cut to ``width`` characters."""
    text = str(e)
    return text if len(text) <= width else text[: width - 3] + "..."


#: The conventions other than matcalc's that `check` names when a claim follows one
#: (`CheckResult.convention`); docs/conventions.md shows them side by side.
CONVENTIONS = {
    "entrywise": "the entry-by-entry derivative G by a symmetric matrix, its entries varied one at a time "
    "as if they were independent (JAX, PyTorch, SymPy)",
    "symmetric-gradient": "G + G' - diag(diag(G)) by a symmetric matrix (Matrix Cookbook eq. 138)",
    "numerator layout": "the numerator-layout gradient, the transpose of matcalc's",
    "denominator layout": "the denominator-layout Jacobian, the transpose of matcalc's",
    "vec": "the column-major vec-form Jacobian ∂vec(f)/∂vec(X)ᵀ (Magnus-Neudecker)",
}


@dataclass(frozen=True)
class Failure:
    """Why a claim fails: the words, and the known convention it follows if it follows one."""

    text: str
    convention: str | None = None


def explain_failure(
    problem: Problem, trials: list[Trial], failed: Trial, rtol: float, rng: np.random.Generator
) -> Failure:
    """Why the claim of ``problem`` fails at ``failed`` (one of ``trials``), in words."""
    explainer = _Explainer(problem, trials, rtol, rng)
    text = explainer.explain(failed)
    return Failure(text, explainer.convention)


@dataclass(frozen=True)
class _Rearrangement:
    """A way to rearrange the derivative's value to compare it with the claim's."""

    kind: Literal["same", "axes", "vec", "row-major", "symmetric-gradient"]
    apply: Callable[[Array, Array], Array | None]  # (derivative, claim) -> rearranged derivative
    perm: tuple[int, ...] = ()


class _Explainer:
    def __init__(self, problem: Problem, trials: list[Trial], rtol: float, rng: np.random.Generator) -> None:
        self.p = problem
        self.trials = trials
        self.rtol = rtol
        self.rng = rng
        self.convention: str | None = None

    def explain(self, t: Trial) -> str:
        if t.claimed is None:
            sizes = self._sizes(t)
            failure = str(t.failure).rstrip(".")
            text = f"The claim cannot be evaluated at sizes the expression allows ({sizes}): {failure}."
            tied = self._tied()
            return f"{text} {tied}" if tied else text
        parts = [self._headline(t)]
        for diagnose in (self._rearranged, self._symmetric, self._special_size, self._all_equal):
            found = diagnose(t)
            if found:
                parts.append(found)
                break
        else:
            parts.append(self._numbers(t))
        parts.append(f"matcalc's derivative is {short(self.p.derivative, 200)}.")
        return " ".join(parts)

    # ---- wording ------------------------------------------------------------------------------

    def _headline(self, t: Trial) -> str:
        assert t.claimed is not None
        if t.claimed.shape == t.true.shape:
            return f"The claim has the right shape, {t.true.shape}, but not the right numbers."
        f_shape = t.true.shape[: self.p.expr.ndim]
        by = " and then by ".join(_describe(v, tuple(t.sizes[d] for d in v.shape)) for v in self.p.wrt)
        text = (
            f"The claim has the wrong shape. The derivative of {_describe(self.p.expr, f_shape)} by {by} "
            f"has shape {t.true.shape}: {self._entries()}, for f = {short(self.p.expr, 60)} (matcalc's "
            f"layout: the shape of f, then that of the variable; see docs/conventions.md). The claim has "
            f"shape {t.claimed.shape}"
        )
        if t.claimed.shape == f_shape and t.true.ndim > len(f_shape):
            text += ", the shape of f itself, as if the derivative had no axes for the variable"
        return text + "."

    def _entries(self) -> str:
        """'entry [i, j, k] is ∂f_i/∂W_jk'."""
        letters = iter("ijklmnpqrstuvw")
        f_idx = [next(letters) for _ in range(self.p.expr.ndim)]
        v_idx = [[next(letters) for _ in range(v.ndim)] for v in self.p.wrt]
        below = "".join(f"∂{v.name}{_sub(ix)}" for v, ix in zip(self.p.wrt, v_idx, strict=True))
        n = len(self.p.wrt)
        order = "" if n == 1 else "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(c)] for c in str(n))
        every = f_idx + [i for ix in v_idx for i in ix]
        at = f"entry [{', '.join(every)}] is " if every else "it is "
        return f"{at}∂{order}f{_sub(f_idx)}/{below}"

    def _sizes(self, t: Trial) -> str:
        """'W 3x4, x 4, a = 1.137': the sizes of the arrays, the values of the scalars."""
        words = []
        for s in self.p.symbols:
            if s.ndim:
                words.append(f"{s.name} {'x'.join(str(t.sizes[d]) for d in s.shape)}")
            else:
                words.append(f"{s.name} = {_num(t.values[s.name])}")
        return ", ".join(words) or "no symbols"

    def _dim_phrase(self, d: Dim) -> str:
        """'the length of x', 'the number of rows of W', 'the size of A'."""
        for s in self.p.symbols:
            if d in s.shape:
                if s.ndim == 1:
                    return f"the length of {s.name}"
                if s.shape[0] == s.shape[1]:
                    return f"the size of {s.name}"
                return f"the number of {('rows', 'columns')[s.shape.index(d)]} of {s.name}"
        return d.describe()

    # ---- diagnoses ----------------------------------------------------------------------------

    def _rearranged(self, t: Trial) -> str | None:
        """The claim is the derivative rearranged and/or times a constant.

        A rearrangement with factor 1 (a known convention) wins over a constant factor found
        earlier: where the diagonal is small, ``G+G'-diag(G)`` is also nearly ``2*G``.
        """
        scaled: tuple[_Rearrangement, float] | None = None
        for r in self._rearrangements():
            factor = self._factor(r)
            if factor is None or abs(factor) <= self.rtol:
                continue  # no such factor, or a claim of zeros
            if abs(factor - 1) > self.rtol:
                scaled = scaled or (r, factor)
            elif r.kind != "same":  # factor 1 and the same arrangement is no rearrangement at all
                self.convention = _convention_of(r, self.p)
                return _rearrangement_text(r, factor, self.p)
        return _rearrangement_text(*scaled, self.p) if scaled else None

    def _rearrangements(self) -> Iterator[_Rearrangement]:
        yield _Rearrangement("same", lambda d, c: d)
        ndim = self.trials[0].true.ndim
        if ndim <= _MAX_PERMUTED_AXES:
            for perm in itertools.permutations(range(ndim)):
                if list(perm) != sorted(perm):
                    yield _Rearrangement("axes", _transposer(perm), perm)
        yield _Rearrangement("vec", lambda d, c: _reshaped(d, c, "F"))
        yield _Rearrangement("row-major", lambda d, c: _reshaped(d, c, "C"))
        tensor = ndim == self.p.expr.ndim + sum(v.ndim for v in self.p.wrt)  # not a vec-form claim
        if len(self.p.wrt) == 1 and self.p.wrt[0].kind == "symmetric" and tensor:
            yield _Rearrangement("symmetric-gradient", lambda d, c: _symmetric_gradient(d))

    def _factor(self, r: _Rearrangement) -> float | None:
        """The number c with claim = c · r(derivative) at every trial, if there is one."""
        factors: list[float] = []
        for t in self.trials:
            if t.claimed is None:
                return None
            d = r.apply(t.true, t.claimed)
            if d is None or d.shape != t.claimed.shape:
                return None
            size = float(np.max(np.abs(d), initial=0.0))
            size = size if 0 < size < np.inf else 1.0  # scaled so that the dot products cannot overflow
            norm = float(np.vdot(d / size, d / size))
            c = float(np.vdot(t.claimed / size, d / size)) / norm if norm > 0 else 1.0
            if relative_error(c * d, t.claimed) > self.rtol:
                return None
            if norm > 0:
                factors.append(c)
        if not factors or max(factors) - min(factors) > self.rtol * max(1.0, abs(factors[0])):
            return None
        return factors[0]

    def _symmetric(self, t: Trial) -> str | None:
        """The entry-by-entry convention, or a claim right when some square matrices are symmetric."""
        entrywise = self._entrywise()
        if entrywise:
            return entrywise
        square = [s.name for s in self.p.symbols if s.kind == "matrix" and s.shape[0] == s.shape[1]]
        groups = [frozenset([n]) for n in square]
        if len(square) > 1:
            groups.append(frozenset(square))
        for group in groups:
            if all(self._agrees(self._rerun(u.sizes, group)) for u in self.trials):
                names = " and ".join(sorted(group))
                verb = "is" if len(group) == 1 else "are"
                return (
                    f"It is right only when {names} {verb} symmetric: it agrees at every point tried with "
                    f"{names} symmetric, but for a general {names} the derivative differs."
                )
        return None

    def _pairs(self) -> list[tuple[int, int]]:
        """The axes of the derivative that belong to a symmetric variable, pair by pair."""
        pairs, axis = [], self.p.expr.ndim
        for v in self.p.wrt:
            if v.kind == "symmetric":
                pairs.append((axis, axis + 1))
            axis += v.ndim
        return pairs

    def _entrywise(self) -> str | None:
        """The claim is the entry-by-entry derivative: its symmetric part (every S-pair) is right."""
        pairs = self._pairs()
        if not pairs:
            return None
        for t in self.trials:
            if t.claimed is None or t.claimed.shape != t.true.shape:
                return None
            shape = (*self.p.expr.shape, *(d for v in self.p.wrt for d in v.shape))
            sizes = tuple(t.sizes.get(d, -1) for d in shape)
            if -1 in sizes or int(np.prod(sizes, dtype=np.int64)) != t.true.size:
                return None
            # a vec-form claim is compared as the tensor it holds (column-major, as check reshapes)
            true, claimed = (a.reshape(sizes, order="F") for a in (t.true, t.claimed))
            if relative_error(true, _symmetrized(claimed, pairs)) > self.rtol:
                return None
        self.convention = "entrywise"
        names = " and ".join(dict.fromkeys(v.name for v in self.p.wrt if v.kind == "symmetric"))
        return (
            f"It follows the entry-by-entry convention G, as if the entries of {names} were independent "
            f"(what JAX, PyTorch and SymPy give): it agrees with matcalc's derivative along every symmetric "
            f"change of {names}, but matcalc returns the symmetric part (G+G')/2, the gradient on "
            "symmetric matrices, which is the same however the function is written "
            "(see docs/conventions.md)."
        )

    def _special_size(self, t: Trial) -> str | None:
        """The claim is right at some sizes of one dimension only."""
        for d in self.p.dims:
            tried = {k: self._rerun({**t.sizes, d: k}) for k in _SWEEP_SIZES}
            good = [k for k, u in tried.items() if self._agrees(u, squeeze=True)]
            bad = [k for k, u in tried.items() if u is not None and k not in good]
            if not good or not bad:
                continue
            text = (
                f"It is right only when {self._dim_phrase(d)} is {_either(good)}, not when it is "
                f"{_either(bad)} (sizes 1 to 4 tried, the other sizes as in the counterexample)"
            )
            if t.claimed is not None and t.claimed.shape != t.true.shape:
                text += ": then the derivative's extra axes have length 1, and it holds the claim's numbers"
            return text + "."
        return None

    def _tied(self) -> str | None:
        """What the claim needs of the sizes (X square), and whether it is right at such sizes."""
        if not self.p.ties:
            return None
        needs = " and ".join(self._tie_phrase(group) for group in self.p.ties)
        reruns = [self._rerun(_tie(t.sizes, self.p.ties)) for t in self.trials]
        if not any(reruns):
            return f"It needs {needs}."
        if all(self._agrees(u) for u in reruns if u is not None):
            return f"It needs {needs}, which the expression does not; at such sizes it is right."
        text = f"It needs {needs}, which the expression does not; even at such sizes it is wrong"
        return text + (f", but it is right {_ALL_EQUAL}." if self._right_at_equal_sizes() else ".")

    def _all_equal(self, t: Trial) -> str | None:
        """The claim is right when all dimensions are equal (every matrix square)."""
        if len(self.p.dims) > 1 and self._right_at_equal_sizes():
            return f"It is right only {_ALL_EQUAL}."
        return None

    def _right_at_equal_sizes(self) -> bool:
        reruns = [self._rerun(dict.fromkeys(self.p.dims, k)) for k in _SWEEP_SIZES[1:]]
        return any(reruns) and all(self._agrees(u) for u in reruns if u is not None)

    def _tie_phrase(self, group: tuple[Dim, ...]) -> str:
        """'X square', or 'the number of columns of A equal to the length of x'."""
        for s in self.p.symbols:
            if s.ndim == 2 and set(s.shape) == set(group):
                return f"{s.name} square"
        first, *rest = (self._dim_phrase(d) for d in group)
        return f"{first} equal to " + " and ".join(rest)

    def _rerun(self, sizes: dict[Dim, int], symmetric: frozenset[str] = frozenset()) -> Trial | None:
        """A new trial at ``sizes``; None where the derivative cannot be evaluated there."""
        try:
            return self.p.run(sizes, self.rng, symmetric)
        except EvaluationError:
            return None

    def _agrees(self, t: Trial | None, squeeze: bool = False) -> bool:
        if t is None or t.claimed is None:
            return False
        if squeeze:
            return relative_error(np.squeeze(t.true), np.squeeze(t.claimed)) <= self.rtol
        return t.error <= self.rtol

    def _numbers(self, t: Trial) -> str:
        """Where the numbers differ most, or how the two sets of numbers differ."""
        assert t.claimed is not None
        d, c = t.true, t.claimed
        if d.ndim == 0 and c.ndim == 0:
            where = self._sizes(t)
            return f"At the counterexample ({where}) the derivative is {_num(d)} but the claim is {_num(c)}."
        if d.shape == c.shape:
            at = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(c - d))), d.shape))
            return (
                f"At the counterexample ({self._sizes(t)}), entry {list(at)} of the derivative is "
                f"{_num(d[at])} but the claim's is {_num(c[at])}."
            )
        if c.ndim == 0 and relative_error(d, np.full(d.shape, float(c))) <= self.rtol:
            spelled = ("vector", "matrix")[d.ndim - 1] + f"({_num(c)})" if d.ndim <= 2 else "an array"
            return f"Its number is right, but the derivative has it in every entry: write {spelled}."
        zero = int(np.sum(np.abs(d) <= 1e-12 * max(1.0, float(np.max(np.abs(d), initial=0.0)))))
        spread = f"range from {_num(c.min())} to {_num(c.max())}"
        claimed = f"are all {_num(c.flat[0])}" if np.ptp(c) == 0 else spread
        return (
            f"Nor are the numbers right: at the counterexample ({self._sizes(t)}) {zero} of the "
            f"derivative's {d.size} entries are 0 and the others range from {_num(d.min())} to "
            f"{_num(d.max())}, while the claim's {c.size} entries {claimed}."
        )


_ALL_EQUAL = "when all dimensions are equal (every matrix square; sizes 2 to 4 tried)"


def _rearrangement_text(r: _Rearrangement, factor: float, p: Problem) -> str:
    """The sentence for a claim that is the derivative rearranged by ``r``, times ``factor``."""
    times = "" if abs(factor - 1) <= 1e-9 else f" times {_ratio(factor)}"
    if r.kind == "same":
        if abs(factor + 1) <= 1e-9:
            return "It is right up to sign: the claim is the negative of the derivative."
        return (
            f"It is right up to a constant factor: the claim is {_ratio(factor)} times the derivative "
            f"(the derivative is {_ratio(1 / factor)} times the claim)."
        )
    if r.kind == "vec":
        return (
            f"It holds the derivative's numbers{times} as the vec-form Jacobian ∂vec(f)/∂vec(X)ᵀ "
            "(column-major, Magnus-Neudecker): mc.diff gives them with shape f.shape + X.shape, "
            "mc.vec_jacobian in vec form (see docs/conventions.md)."
        )
    if r.kind == "row-major":
        return f"It holds the derivative's numbers{times}, reshaped (row-major) to another shape."
    if r.kind == "symmetric-gradient":
        s = p.wrt[0].name
        return (
            f"It is the symmetric-gradient convention G + G' - diag(diag(G)){times} of the Matrix "
            f"Cookbook (eq. 138), where G is the derivative by {s} entry by entry; it counts S[k,l] and "
            f"S[l,k] as one variable, so its off-diagonal entries are twice matcalc's, the gradient on "
            "symmetric matrices (G+G')/2 (see docs/conventions.md)."
        )
    what = "the transpose of the derivative"
    if r.perm != (1, 0):
        what = f"the derivative with its axes in the order {r.perm}"
    layout = _layout_name(r.perm, p)
    return (
        f"Your claim is {what}{times}{f' (the {layout})' if layout else ''}: matcalc's layout is "
        "f.shape + wrt.shape (see docs/conventions.md)."
    )


def _convention_of(r: _Rearrangement, p: Problem) -> str | None:
    """The name in `CONVENTIONS` of a rearrangement (times 1), if it is a known convention."""
    if r.kind in ("vec", "symmetric-gradient"):
        return r.kind
    if r.kind == "axes":
        layout = _layout_name(r.perm, p)
        return layout.split("-")[0] + " layout" if layout else None
    return None


def _layout_name(perm: tuple[int, ...], p: Problem) -> str:
    """Which textbook layout a transposed claim is, when it is one."""
    if perm != (1, 0) or len(p.wrt) != 1:
        return ""
    f, x = p.expr.ndim, p.wrt[0].ndim
    if f == 0 and x == 2:
        return "numerator-layout gradient"
    if f == 1 and x == 1:
        return "denominator-layout Jacobian"
    return ""


def _tie(sizes: dict[Dim, int], ties: tuple[tuple[Dim, ...], ...]) -> dict[Dim, int]:
    """``sizes`` with the dimensions of each group of ``ties`` made equal to its first."""
    out = dict(sizes)
    for group in ties:
        for d in group[1:]:
            out[d] = out[group[0]]
    return out


def _transposer(perm: tuple[int, ...]) -> Callable[[Array, Array], Array | None]:
    """The rearrangement that permutes the derivative's axes by ``perm``."""
    return lambda d, c: d.transpose(perm)


def _reshaped(d: Array, c: Array, order: Literal["C", "F"]) -> Array | None:
    """``d`` reshaped to the claim's shape (``order`` "F": column-major, as ``vec``), if the sizes fit."""
    if d.size != c.size or d.shape == c.shape:
        return None
    return d.reshape(c.shape, order=order)


def _symmetric_gradient(d: Array) -> Array:
    """The symmetric-gradient convention ``G + G' - diag(diag(G))`` over the last two axes."""
    on_diagonal = np.eye(d.shape[-1], dtype=bool)
    return np.where(on_diagonal, d, d + np.swapaxes(d, -1, -2))


def _symmetrized(a: Array, pairs: list[tuple[int, int]]) -> Array:
    """``a`` with its symmetric part taken over each pair of axes: (G+G')/2 for each variable."""
    for first, second in pairs:
        a = (a + np.swapaxes(a, first, second)) / 2
    return a


def _describe(e: Expr, shape: tuple[int, ...]) -> str:
    """'the 3-vector W*x', 'the 3x4 matrix W', 'the scalar a'."""
    text = short(e, 60)
    if not shape:
        return f"the scalar {text}"
    if len(shape) == 1:
        return f"the {shape[0]}-vector {text}"
    if len(shape) == 2:
        kind = "symmetric matrix" if isinstance(e, Symbol) and e.kind == "symmetric" else "matrix"
        return f"the {shape[0]}x{shape[1]} {kind} {text}"
    return f"the order-{len(shape)} tensor {text}"


def _sub(indices: list[str]) -> str:
    return "_" + "".join(indices) if indices else ""


def _ratio(x: float) -> str:
    """``x`` as a simple fraction when it is one (1/2, -3), else to 4 significant digits."""
    r = Fraction(x).limit_denominator(12)
    return str(r) if abs(float(r) - x) <= 1e-9 * max(1.0, abs(x)) else f"{x:.4g}"


def _either(sizes: list[int]) -> str:
    words = [str(k) for k in sizes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _num(x: Any) -> str:
    return f"{float(x):.4g}"

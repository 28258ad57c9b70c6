"""Matrix functions and spectral operations: their records and smart constructors.

Two node types carry them (see `matcalc.expr`):

- `MatFun` -- ``expm(X)``, ``logm(X)``, ``sqrtm(X)``, ``X^c`` and their Fréchet
  derivatives ``L_f^(k)(X; E1, ..., Ek)`` (linear in each direction; slots not
  filled by a matrix are tensor axes, which is what a Jacobian by ``X`` is);
- `Spectral` -- one record per kind in `SPECTRAL_KINDS`: the user-facing
  ``eigvals``, ``eigvecs``, ``svdvals``, ``chol``, ``nuclear_norm``,
  ``spectral_norm``, and the helpers their derivatives are written with
  (eigenvalue gaps, the top eigenvector, Murray's Cholesky mask).

Each record holds what the passes need: the shape rule, the text and LaTeX
spellings, and the evaluation (in `matcalc.spectral`); the derivative rules
are in `matcalc.diff_spectral`.  Conventions and references:
docs/matrix-functions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from matcalc import build, spectral
from matcalc.dims import Dim
from matcalc.errors import DomainError, ShapeError
from matcalc.expr import (
    Add,
    Expr,
    Identity,
    Inverse,
    MatFun,
    MatMul,
    MatPow,
    Number,
    Scale,
    Spectral,
    Symbol,
    Transpose,
)

__all__ = [
    "FUNCTION_LATEX",
    "SPECTRAL_KINDS",
    "USER_FUNCTIONS",
    "SpectralKind",
    "evaluate_matfun",
    "evaluate_spectral",
    "frechet",
    "matfun",
    "spectral_op",
]

#: LaTeX of ``f`` in ``f(X)`` and in ``L_f``.
FUNCTION_LATEX = {"expm": r"\exp", "logm": r"\log", "sqrtm": r"\sqrt{\cdot}", "pow": r"(\cdot)^{c}"}


@dataclass(frozen=True, slots=True)
class SpectralKind:
    r"""One spectral operation of a matrix ``A`` (n x n, or m x n for the singular-value kinds).

    Attributes:
        name: the function name in the input language.
        shape: ``"vector"`` (n,), ``"matrix"`` (n, n), ``"scalar"`` or ``"same"`` (the argument's).
        square: the argument must be square.
        latex: LaTeX of the function name (``\lambda``).
        value: the NumPy value from the argument's value.
        doc: one line for the docs.
    """

    name: str
    shape: str
    square: bool
    latex: str
    value: Callable[[np.ndarray], np.ndarray]
    doc: str


def _sym(a: np.ndarray) -> np.ndarray:
    return np.asarray((a + a.T) / 2)


def _simple(lam: np.ndarray) -> None:
    spectral.eig_gaps(lam)  # raises DomainError at repeated eigenvalues


def _eigvecs(a: np.ndarray, descending: bool = False) -> np.ndarray:
    lam, q = spectral.eigh(a)
    _simple(lam)
    return q[:, ::-1] if descending else q


def _eiggaps(a: np.ndarray, descending: bool = False) -> np.ndarray:
    lam, _ = spectral.eigh(a)
    return spectral.eig_gaps(lam[::-1] if descending else lam)


def _top(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lam, q = spectral.eigh(a)
    scale = max(1.0, float(np.max(np.abs(lam), initial=0.0)))
    if lam.size > 1 and lam[-1] - lam[-2] <= spectral.GAP_TOL * scale:
        raise DomainError(
            "the largest eigenvalue (singular value) is repeated: its derivative does not exist there; "
            "a subgradient is any convex combination of u*u' over its eigenvectors"
        )
    return lam, q


def _topgaps(a: np.ndarray) -> np.ndarray:
    lam, _ = _top(a)
    gaps = lam[-1] - lam
    return np.asarray(np.where(gaps > 0, 1.0 / np.where(gaps > 0, gaps, 1.0), 0.0))


def _svdvals(x: np.ndarray) -> np.ndarray:
    if x.shape[0] < x.shape[1]:
        raise DomainError(
            f"svdvals of a {x.shape[0]}x{x.shape[1]} matrix: matcalc's svdvals(X) has one value per "
            "column and needs at least as many rows as columns; use svdvals(X') for a wide matrix"
        )
    return np.asarray(np.linalg.svd(x, compute_uv=False))


def _nuclear(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.sum(np.linalg.svd(x, compute_uv=False)))


def _polar(x: np.ndarray) -> np.ndarray:
    """``U_r V_r'`` over the nonzero singular values (numerical rank as in `numpy.linalg.matrix_rank`)."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    tol = (s[0] if s.size else 0.0) * max(x.shape) * np.finfo(np.float64).eps
    keep = s > tol
    return np.asarray(u[:, keep] @ vt[keep])


def _spectral_norm(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.max(np.linalg.svd(x, compute_uv=False), initial=0.0))


_KINDS = (
    SpectralKind("eigvals", "vector", True, r"\lambda", lambda a: spectral.eigh(a)[0],
                 "eigenvalues of the symmetric part (A+A')/2, ascending"),
    SpectralKind("eigvecs", "matrix", True, r"\operatorname{eigvecs}", _eigvecs,
                 "unit eigenvectors (columns, in the order of eigvals; largest entry positive)"),
    SpectralKind("eiggaps", "matrix", True, r"\operatorname{eiggaps}", _eiggaps,
                 "G[m, k] = 1/(λ_k - λ_m), 0 on the diagonal (eigenvector derivatives)"),
    SpectralKind("reigvecs", "matrix", True, r"\operatorname{reigvecs}", lambda a: _eigvecs(a, True),
                 "eigenvectors in descending order of the eigenvalues"),
    SpectralKind("reiggaps", "matrix", True, r"\operatorname{reiggaps}", lambda a: _eiggaps(a, True),
                 "eigenvalue gaps in descending order"),
    SpectralKind("topvec", "vector", True, r"\operatorname{topvec}", lambda a: _top(a)[1][:, -1],
                 "the unit eigenvector of the largest eigenvalue (simple)"),
    SpectralKind("topgaps", "vector", True, r"\operatorname{topgaps}", _topgaps,
                 "g[m] = 1/(λ_max - λ_m), 0 at the top"),
    SpectralKind("svdvals", "vector", False, r"\sigma", _svdvals,
                 "singular values of an m x n matrix with m >= n, descending"),
    SpectralKind("chol", "matrix", True, r"\operatorname{chol}", lambda a: spectral.chol(_sym(a)),
                 "lower Cholesky factor of the symmetric part, which must be positive definite"),
    SpectralKind("cholmask", "matrix", True, r"\Phi", lambda a: spectral.chol_mask(a.shape[0]),
                 "Murray's Φ as a mask: 1 below the diagonal, 1/2 on it (a constant)"),
    SpectralKind("nuclear_norm", "scalar", False, r"\|\cdot\|_*", _nuclear, "sum of the singular values"),
    SpectralKind("polar", "same", False, r"\operatorname{polar}", _polar,
                 "U*V' over the nonzero singular values: X*(X'X)^(-1/2) at full column rank"),
    SpectralKind("spectral_norm", "scalar", False, r"\|\cdot\|_2", _spectral_norm, "largest singular value"),
)  # fmt: skip

#: Every spectral kind, by name.
SPECTRAL_KINDS: dict[str, SpectralKind] = {k.name: k for k in _KINDS}

#: The names the parser knows (one-argument functions), with their constructors.
USER_FUNCTIONS: dict[str, Callable[[Expr], Expr]] = {
    **{f: (lambda x, f=f: matfun(f, x)) for f in ("expm", "logm", "sqrtm")},  # type: ignore[misc]
    **{k: (lambda x, k=k: spectral_op(k, x)) for k in SPECTRAL_KINDS},  # type: ignore[misc]
}


def _square(what: str, x: Expr) -> Expr:
    return build.require_square(what, x)


def matfun(func: str, x: Expr, c: Expr | None = None) -> Expr:
    """``f(X)`` for ``func`` in ``expm``, ``logm``, ``sqrtm``, or ``X^c`` (``func == "pow"``)."""
    return frechet(func, x, (), 0, c)


def frechet(func: str, x: Expr, directions: tuple[Expr, ...], order: int, c: Expr | None = None) -> Expr:
    """``L_f^(order)(X; directions, open slots...)``; ``order == len(directions)`` is a matrix."""
    if func not in spectral.MATRIX_FUNCTIONS:
        raise ShapeError(f"unknown matrix function {func!r}")
    x = _square(func if func != "pow" else "the matrix power X^c", x)
    params: tuple[Expr, ...] = ()
    if func == "pow":
        if c is None or not c.is_scalar:
            raise ShapeError("the matrix power X^c needs a scalar exponent c")
        if isinstance(c, Number) and order == 0 and float(c.value).is_integer():
            return build.matpow(x, int(c.value))
        params = (c,)
    n = x.shape[0]
    for d in directions:
        if not d.is_matrix:
            raise ShapeError(f"a direction of a Fréchet derivative is a matrix, got {build.describe(d)}")
    if len(directions) > order:
        raise ShapeError(f"a Fréchet derivative of order {order} has {len(directions)} directions")
    equal = [(n, d.shape[a]) for d in directions for a in (0, 1)]
    x, *rest = build.unified([x, *params, *directions], equal)
    params, dirs = tuple(rest[: len(params)]), tuple(rest[len(params) :])
    if order == 1 and len(dirs) == 1 and _commutes(dirs[0], x):
        return build.matmul(derivative(func, x, c), dirs[0])  # L_f(X, E) = f'(X) E when XE = EX
    n = x.shape[0]
    shape: tuple[Dim, ...] = (n, n) * (1 + order - len(dirs))
    return MatFun(func, x, params, dirs, order, shape=shape)


def derivative(func: str, x: Expr, c: Expr | None = None) -> Expr:
    """The matrix ``f'(X)``: ``expm(X)``, ``inv(X)``, ``inv(sqrtm(X))/2``, ``c X^(c-1)``."""
    if func == "expm":
        return matfun("expm", x)
    if func == "logm":
        return build.inv(x)
    if func == "sqrtm":
        return build.scale(build.number(Fraction(1, 2)), build.inv(matfun("sqrtm", x)))
    assert c is not None
    lower = build.number(c.value - 1) if isinstance(c, Number) else build.sub(c, build.number(1))
    return build.scale(c, matfun("pow", x, lower))


def _commutes(e: Expr, x: Expr) -> bool:
    """True when ``e`` is a function of ``x`` by construction (so ``x e = e x``)."""
    match e:
        case Identity():
            return True
        case MatFun(order=0, body=b) | Inverse(body=b) | MatPow(body=b) | Scale(body=b):
            return e is x or b is x or _commutes(b, x)
        case MatMul(factors=fs) | Add(terms=fs):
            return all(_commutes(f, x) for f in fs)
        case Transpose(body=b):
            return _symmetric(x) and _commutes(b, x)  # g(S)' = g(S') = g(S)
    return e is x


def _symmetric(x: Expr) -> bool:
    """True when ``x`` is symmetric by construction: ``S``, ``A'*A``, ``A*A'``, ``f(S)``, ``inv(S)``."""
    match x:
        case Symbol(kind=kind):
            return kind == "symmetric"
        case Identity():
            return True
        case MatMul(factors=(a, b)):
            return a is build.transpose(b)
        case MatFun(order=0, body=b) | Inverse(body=b) | MatPow(body=b):
            return _symmetric(b)
    return False


def spectral_op(kind: str, x: Expr) -> Expr:
    """The spectral operation ``kind`` (a key of `SPECTRAL_KINDS`) of the matrix ``x``."""
    record = SPECTRAL_KINDS.get(kind)
    if record is None:
        raise ShapeError(f"unknown spectral operation {kind!r}")
    if not x.is_matrix:
        raise ShapeError(f"{kind} needs a matrix, got {build.describe(x)}")
    if record.square:
        x = _square(kind, x)
    n = x.shape[1]
    shape: tuple[Dim, ...] = {"vector": (n,), "matrix": (n, n), "scalar": (), "same": x.shape}[record.shape]
    return Spectral(kind, x, shape=shape)


def evaluate_spectral(e: Spectral, body: np.ndarray) -> np.ndarray | np.float64:
    """The value of ``e`` from its argument's value."""
    value = np.asarray(SPECTRAL_KINDS[e.kind].value(np.asarray(body, dtype=np.float64)), dtype=np.float64)
    return np.float64(value) if value.ndim == 0 else value


def evaluate_matfun(e: MatFun, body: np.ndarray, rest: list[np.ndarray]) -> np.ndarray:
    """The value of ``e`` from the values of its argument, parameters and directions."""
    params, dirs = rest[: len(e.params)], rest[len(e.params) :]
    c = float(params[0]) if params else 1.0
    return spectral.frechet_kernel(e.func, np.asarray(body, dtype=np.float64), dirs, e.order - len(dirs), c)

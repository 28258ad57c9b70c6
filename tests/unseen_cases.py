"""Cases from outside the Matrix Cookbook, each with an independent JAX reference.

The identity corpus (`matcalc/cookbook.py`) checks matcalc against finite
differences of matcalc's own evaluation.  These cases come from other sources
(Magnus & Neudecker, *Matrix Differential Calculus*; Minka, *Old and New
Matrix Algebra Useful for Statistics*; Dattorro, *Convex Optimization &
Euclidean Distance Geometry*, appendix D; Bishop, *PRML*, appendix C;
Goodfellow et al., *Deep Learning*, ch. 6; ML and statistics models; peers'
test suites: SymPy's ``test_derivatives.py``, tensorgrad, matrixcalculus.org),
and each carries the function written by hand in ``jax.numpy``: values and
derivatives of every order are compared with JAX's automatic differentiation
of that function, so neither matcalc's evaluation nor its parser is the
oracle.  By a symmetric variable the reference is the function of the
symmetric part, ``f((M+M')/2)``, whose entrywise derivative is matcalc's
convention (docs/conventions.md).

``tests/test_unseen.py`` runs them; ``benchmarks/unseen.py`` runs them through
every output (text, LaTeX, code backends, the CLI) and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

jax.config.update("jax_enable_x64", True)

Ref = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Case:
    """One function: its text, kinds, the variables to differentiate by, and a JAX reference."""

    name: str
    source: str
    text: str
    ref: Ref
    wrt: tuple[str, ...]
    kinds: Mapping[str, str] = field(default_factory=dict)
    order: int = 2
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    mixed: tuple[tuple[str, ...], ...] = ()
    paper: Mapping[str, str] = field(default_factory=dict)  # variable -> a textbook form of the gradient
    sizes: Mapping[str, tuple[int, ...]] = field(
        default_factory=dict
    )  # symbol -> its shape, where it matters

    @property
    def id(self) -> str:
        return f"{self.source}:{self.name}"


def _sm(u: Any, axis: int = -1) -> Any:
    return jax.nn.softmax(u, axis=axis)


def _vec(x: Any) -> Any:
    return x.T.reshape(-1)


def _logm_sym(s: Any) -> Any:
    w, q = jnp.linalg.eigh(s)
    return (q * jnp.log(w)) @ q.T


def _phi(u: Any) -> Any:
    return jss.ndtr(u)


MN = "Magnus-Neudecker"
MINKA = "Minka"
DATT = "Dattorro-D"
PRML = "Bishop-PRML-C"
DL = "Goodfellow-DL-6"
ML = "ML-models"
SYMPY = "sympy-test_derivatives"
TG = "tensorgrad"
HARD = "compositions"
MCO = "matrixcalculus.org"

M, SQ, SYM, V, S = "matrix", "square", "symmetric", "vector", "scalar"

CASES: tuple[Case, ...] = (
    # --- Magnus & Neudecker, Matrix Differential Calculus (3rd ed.), ch. 9-10 tables
    Case(
        "tr_XtAX",
        MN,
        "tr(X'*A*X)",
        lambda v: jnp.trace(v["X"].T @ v["A"] @ v["X"]),
        ("X",),
        {"A": M, "X": M},
        paper={"X": "(A+A')*X"},
    ),
    Case(
        "tr_AXBX'",
        MN,
        "tr(A*X*B*X')",
        lambda v: jnp.trace(v["A"] @ v["X"] @ v["B"] @ v["X"].T),
        ("X",),
        {"A": SQ, "B": SQ, "X": M},
        paper={"X": "A*X*B+A'*X*B'"},
    ),
    Case(
        "tr_X3",
        MN,
        "tr(X^3)",
        lambda v: jnp.trace(v["X"] @ v["X"] @ v["X"]),
        ("X",),
        {"X": SQ},
        order=3,
        paper={"X": "3*X'^2"},
    ),
    Case(
        "logdet_XtX",
        MN,
        "logdet(X'*X)",
        lambda v: jnp.linalg.slogdet(v["X"].T @ v["X"])[1],
        ("X",),
        {"X": M},
        paper={"X": "2*X*inv(X'*X)"},
        sizes={"X": (4, 2)},
    ),
    Case("det_X", MN, "det(X)", lambda v: jnp.linalg.det(v["X"]), ("X",), {"X": SQ}, order=3),
    Case(
        "tr_invX_A",
        MN,
        "tr(inv(X)*A)",
        lambda v: jnp.trace(jnp.linalg.inv(v["X"]) @ v["A"]),
        ("X",),
        {"X": SQ, "A": SQ},
        paper={"X": "-(inv(X)*A*inv(X))'"},
    ),
    Case(
        "vec_AXB",
        MN,
        "vec(A*X*B)",
        lambda v: _vec(v["A"] @ v["X"] @ v["B"]),
        ("X",),
        {"A": M, "X": M, "B": M},
        order=1,
    ),
    Case(
        "x_kron_x",
        MN,
        "x'*kron(A, B)*x",
        lambda v: v["x"] @ jnp.kron(v["A"], v["B"]) @ v["x"],
        ("x",),
        {"A": M, "B": M, "x": V},
    ),
    Case(
        "rayleigh",
        MN,
        "(x'*A*x)/(x'*x)",
        lambda v: (v["x"] @ v["A"] @ v["x"]) / (v["x"] @ v["x"]),
        ("x",),
        {"A": M, "x": V},
    ),
    Case(
        "proj",
        MN,
        "X*inv(X'*X)*X'",
        lambda v: v["X"] @ jnp.linalg.inv(v["X"].T @ v["X"]) @ v["X"].T,
        ("X",),
        {"X": M},
        order=1,
        sizes={"X": (4, 2)},
    ),
    Case(
        "tr_kron_XX", MN, "tr(kron(X, X))", lambda v: jnp.trace(jnp.kron(v["X"], v["X"])), ("X",), {"X": SQ}
    ),
    Case("vecX_sq", MN, "vec(X)'*vec(X)", lambda v: _vec(v["X"]) @ _vec(v["X"]), ("X",), {"X": M}),
    Case("X_inv", MN, "inv(X)", lambda v: jnp.linalg.inv(v["X"]), ("X",), {"X": SQ}, order=1),
    Case(
        "det_X2",
        MN,
        "det(X'*X)",
        lambda v: jnp.linalg.det(v["X"].T @ v["X"]),
        ("X",),
        {"X": M},
        sizes={"X": (4, 2)},
    ),
    Case(
        "X_kron_X",
        MN,
        "kron(A, X)*b",
        lambda v: jnp.kron(v["A"], v["X"]) @ v["b"],
        ("A",),
        {"A": M, "X": M, "b": V},
        order=1,
    ),
    # --- Minka, Old and New Matrix Algebra Useful for Statistics
    Case(
        "a_invX_b",
        MINKA,
        "a'*inv(X)*b",
        lambda v: v["a"] @ jnp.linalg.inv(v["X"]) @ v["b"],
        ("X",),
        {"a": V, "b": V, "X": SQ},
        paper={"X": "-inv(X)'*a*b'*inv(X)'"},
    ),
    Case(
        "tr_AinvXB",
        MINKA,
        "tr(A*inv(X)*B)",
        lambda v: jnp.trace(v["A"] @ jnp.linalg.inv(v["X"]) @ v["B"]),
        ("X",),
        {"A": M, "B": M, "X": SQ},
    ),
    Case(
        "det_XtAX",
        MINKA,
        "det(X'*A*X)",
        lambda v: jnp.linalg.det(v["X"].T @ v["A"] @ v["X"]),
        ("X",),
        {"A": SQ, "X": M},
        sizes={"X": (4, 2)},
    ),
    Case(
        "logdet_Xk",
        MINKA,
        "logdet(X^2)",
        lambda v: jnp.linalg.slogdet(v["X"] @ v["X"])[1],
        ("X",),
        {"X": SQ},
        paper={"X": "2*inv(X)'"},
    ),
    Case(
        "tr_XtX_A",
        MINKA,
        "tr(X'*X*A)",
        lambda v: jnp.trace(v["X"].T @ v["X"] @ v["A"]),
        ("X",),
        {"A": SQ, "X": M},
    ),
    Case(
        "proj_quad",
        MINKA,
        "x'*A'*inv(A*A')*A*x",
        lambda v: v["x"] @ v["A"].T @ jnp.linalg.inv(v["A"] @ v["A"].T) @ v["A"] @ v["x"],
        ("A", "x"),
        {"A": M, "x": V},
        sizes={"A": (2, 4)},
    ),
    Case(
        "tr_expm",
        MINKA,
        "tr(expm(A*X))",
        lambda v: jnp.trace(jax.scipy.linalg.expm(v["A"] @ v["X"])),
        ("X",),
        {"A": SQ, "X": SQ},
        order=1,
    ),
    # --- Dattorro, appendix D (gradients and directional derivatives)
    Case(
        "norm_Ax_b",
        DATT,
        "norm2(A*x-b)",
        lambda v: jnp.linalg.norm(v["A"] @ v["x"] - v["b"]),
        ("x",),
        {"A": M, "x": V, "b": V},
    ),
    Case(
        "x_invX_x",
        DATT,
        "x'*inv(X)*x",
        lambda v: v["x"] @ jnp.linalg.inv(v["X"]) @ v["x"],
        ("X", "x"),
        {"X": SQ, "x": V},
        mixed=(("X", "x"),),
    ),
    Case("tr_inv", DATT, "tr(inv(X))", lambda v: jnp.trace(jnp.linalg.inv(v["X"])), ("X",), {"X": SQ}),
    Case(
        "logsumexp",
        DATT,
        "log(sum(exp(x)))",
        lambda v: jax.nn.logsumexp(v["x"]),
        ("x",),
        {"x": V},
        order=3,
        paper={"x": "softmax(x)"},
    ),
    Case("det_sqrt", DATT, "sqrt(det(X))", lambda v: jnp.sqrt(jnp.linalg.det(v["X"])), ("X",), {"X": SQ}),
    Case(
        "tr_XtX2",
        DATT,
        "tr((X'*X)^2)",
        lambda v: jnp.trace((v["X"].T @ v["X"]) @ (v["X"].T @ v["X"])),
        ("X",),
        {"X": M},
    ),
    Case("quad_sym", DATT, "x'*S*x", lambda v: v["x"] @ v["S"] @ v["x"], ("S", "x"), {"S": SYM, "x": V}),
    # --- Bishop, PRML appendix C
    Case("xta", PRML, "x'*a", lambda v: v["x"] @ v["a"], ("x",), {"x": V, "a": V}),
    Case("trAB", PRML, "tr(A*B)", lambda v: jnp.trace(v["A"] @ v["B"]), ("A",), {"A": M, "B": M}),
    Case(
        "trABAt",
        PRML,
        "tr(A*B*A')",
        lambda v: jnp.trace(v["A"] @ v["B"] @ v["A"].T),
        ("A",),
        {"A": M, "B": SQ},
        paper={"A": "A*(B+B')"},
    ),
    Case(
        "inv_x",
        PRML,
        "inv(A+c*B)",
        lambda v: jnp.linalg.inv(v["A"] + v["c"] * v["B"]),
        ("c",),
        {"A": SQ, "B": SQ, "c": S},
        order=3,
    ),
    Case(
        "logdet_x",
        PRML,
        "logdet(A+c*B)",
        lambda v: jnp.linalg.slogdet(v["A"] + v["c"] * v["B"])[1],
        ("c",),
        {"A": SQ, "B": SQ, "c": S},
        order=3,
    ),
    Case(
        "gauss_mu",
        PRML,
        "-(x-m)'*inv(S)*(x-m)/2-logdet(S)/2",
        lambda v: (
            -(v["x"] - v["m"]) @ jnp.linalg.inv(v["S"]) @ (v["x"] - v["m"]) / 2
            - jnp.linalg.slogdet(v["S"])[1] / 2
        ),
        ("m", "S"),
        {"x": V, "m": V, "S": SYM},
        mixed=(("m", "S"),),
    ),
    Case(
        "gauss_batch",
        PRML,
        "-size(X, 1)*logdet(S)/2-tr(inv(S)*(X-vector(1)*m')'*(X-vector(1)*m'))/2",
        lambda v: (
            -v["X"].shape[0] * jnp.linalg.slogdet(v["S"])[1] / 2
            - jnp.trace(jnp.linalg.inv(v["S"]) @ (v["X"] - v["m"][None, :]).T @ (v["X"] - v["m"][None, :]))
            / 2
        ),
        ("m", "S"),
        {"X": M, "m": V, "S": SYM},
    ),
    # --- Goodfellow et al., Deep Learning, ch. 6 (back-propagation examples)
    Case(
        "mlp_relu",
        DL,
        "sum((W2*relu(W1*x+b1)+b2-y).^2)/2",
        lambda v: jnp.sum((v["W2"] @ jax.nn.relu(v["W1"] @ v["x"] + v["b1"]) + v["b2"] - v["y"]) ** 2) / 2,
        ("W1", "b1", "W2"),
        {"W1": M, "W2": M, "x": V, "b1": V, "b2": V, "y": V},
    ),
    Case(
        "softmax_ce",
        DL,
        "-y'*log(softmax(W*h+b))",
        lambda v: -v["y"] @ jnp.log(_sm(v["W"] @ v["h"] + v["b"])),
        ("W", "b"),
        {"W": M, "h": V, "b": V, "y": V},
    ),
    Case(
        "tanh_layer",
        DL,
        "sum(tanh(W*x+b).^2)",
        lambda v: jnp.sum(jnp.tanh(v["W"] @ v["x"] + v["b"]) ** 2),
        ("W", "b"),
        {"W": M, "x": V, "b": V},
    ),
    Case(
        "weight_decay",
        DL,
        "sum(log(1+exp(-y.*(X*w))))+a*w'*w",
        lambda v: jnp.sum(jnp.log1p(jnp.exp(-v["y"] * (v["X"] @ v["w"])))) + v["a"] * v["w"] @ v["w"],
        ("w",),
        {"X": M, "y": V, "w": V, "a": S},
    ),
    # --- ML and statistics models
    Case(
        "batched_ce",
        ML,
        "-sum(Y.*log(softmax(X*W, 2)))",
        lambda v: -jnp.sum(v["Y"] * jnp.log(_sm(v["X"] @ v["W"], 1))),
        ("W",),
        {"Y": M, "X": M, "W": M},
    ),
    Case(
        "batched_ce_cols",
        ML,
        "-sum(Y.*log(softmax(W*X, 1)))",
        lambda v: -jnp.sum(v["Y"] * jnp.log(_sm(v["W"] @ v["X"], 0))),
        ("W",),
        {"Y": M, "X": M, "W": M},
    ),
    Case(
        "attention_Q",
        ML,
        "sum(G.*(softmax(Q*K'/c, 2)*V))",
        lambda v: jnp.sum(v["G"] * (_sm(v["Q"] @ v["K"].T / v["c"], 1) @ v["V"])),
        ("Q", "K", "V", "c"),
        {"G": M, "Q": M, "K": M, "V": M, "c": S},
        mixed=(("Q", "K"),),
    ),
    Case(
        "attention_out",
        ML,
        "softmax(Q*K'/c, 2)*V",
        lambda v: _sm(v["Q"] @ v["K"].T / v["c"], 1) @ v["V"],
        ("Q", "V"),
        {"Q": M, "K": M, "V": M, "c": S},
        order=1,
    ),
    Case(
        "gauss_S",
        ML,
        "-logdet(S)/2-(x-m)'*inv(S)*(x-m)/2",
        lambda v: (
            -jnp.linalg.slogdet(v["S"])[1] / 2
            - (v["x"] - v["m"]) @ jnp.linalg.inv(v["S"]) @ (v["x"] - v["m"]) / 2
        ),
        ("S",),
        {"S": SYM, "x": V, "m": V},
        order=3,
    ),
    Case(
        "student_t",
        ML,
        "sum(lgamma((nu+1)/2)-lgamma(nu/2)-log(nu*3.141592653589793)/2-(nu+1)/2*log(1+(y-mu).^2/nu))",
        lambda v: jnp.sum(
            jss.gammaln((v["nu"] + 1) / 2)
            - jss.gammaln(v["nu"] / 2)
            - jnp.log(v["nu"] * jnp.pi) / 2
            - (v["nu"] + 1) / 2 * jnp.log1p((v["y"] - v["mu"]) ** 2 / v["nu"])
        ),
        ("nu", "mu"),
        {"nu": S, "mu": S, "y": V},
        ranges={"nu": (1.5, 4.0)},
        order=3,
    ),
    Case(
        "dirichlet",
        ML,
        "lgamma(sum(a))-sum(lgamma(a))+(a-1)'*log(p)",
        lambda v: (
            jss.gammaln(jnp.sum(v["a"])) - jnp.sum(jss.gammaln(v["a"])) + (v["a"] - 1) @ jnp.log(v["p"])
        ),
        ("a",),
        {"a": V, "p": V},
        ranges={"a": (0.5, 3.0), "p": (0.1, 0.9)},
        order=3,
        paper={"a": "digamma(sum(a))-digamma(a)+log(p)"},
    ),
    Case(
        "beta_binom",
        ML,
        "lgamma(a+b)-lgamma(a)-lgamma(b)+(a-1)*log(t)+(b-1)*log(1-t)",
        lambda v: (
            jss.gammaln(v["a"] + v["b"])
            - jss.gammaln(v["a"])
            - jss.gammaln(v["b"])
            + (v["a"] - 1) * jnp.log(v["t"])
            + (v["b"] - 1) * jnp.log(1 - v["t"])
        ),
        ("a", "b"),
        {"a": S, "b": S, "t": S},
        ranges={"a": (0.5, 3), "b": (0.5, 3), "t": (0.1, 0.9)},
        mixed=(("a", "b"),),
    ),
    Case(
        "probit",
        ML,
        "sum(y.*log(normcdf(X*w))+(1-y).*log(normcdf(-X*w)))",
        lambda v: jnp.sum(
            v["y"] * jnp.log(_phi(v["X"] @ v["w"])) + (1 - v["y"]) * jnp.log(_phi(-v["X"] @ v["w"]))
        ),
        ("w",),
        {"X": M, "y": V, "w": V},
        ranges={"y": (0, 1)},
    ),
    Case(
        "gelu_erf",
        ML,
        "sum(v.*(x.*(1+erf(x/sqrt(2)))/2))",
        lambda v: jnp.sum(v["v"] * v["x"] * (1 + jss.erf(v["x"] / jnp.sqrt(2.0))) / 2),
        ("x",),
        {"x": V, "v": V},
        order=3,
    ),
    Case(
        "gelu_mlp",
        ML,
        "sum(W2*((W1*x).*normcdf(W1*x)))",
        lambda v: jnp.sum(v["W2"] @ ((v["W1"] @ v["x"]) * _phi(v["W1"] @ v["x"]))),
        ("W1",),
        {"W1": M, "W2": M, "x": V},
    ),
    Case(
        "lse_rows",
        ML,
        "sum(logsumexp(X*W, 2))",
        lambda v: jnp.sum(jax.nn.logsumexp(v["X"] @ v["W"], axis=1)),
        ("W",),
        {"X": M, "W": M},
    ),
    Case(
        "lse_cols",
        ML,
        "y'*logsumexp(X, 1)'",
        lambda v: v["y"] @ jax.nn.logsumexp(v["X"], axis=0),
        ("X",),
        {"X": M, "y": V},
    ),
    Case(
        "maxpool",
        ML,
        "sum(max(X*W, [], 2))",
        lambda v: jnp.sum(jnp.max(v["X"] @ v["W"], axis=1)),
        ("W",),
        {"X": M, "W": M},
        order=1,
    ),
    Case(
        "minpool_cols",
        ML,
        "z'*min(X, [], 1)'",
        lambda v: v["z"] @ jnp.min(v["X"], axis=0),
        ("X",),
        {"X": M, "z": V},
        order=1,
    ),
    Case(
        "huber",
        ML,
        "sum(min(abs(r), d).^2/2+d*(abs(r)-min(abs(r), d)))",
        lambda v: jnp.sum(
            jnp.where(jnp.abs(v["r"]) <= v["d"], v["r"] ** 2 / 2, v["d"] * (jnp.abs(v["r"]) - v["d"] / 2))
        ),
        ("r",),
        {"r": V, "d": S},
        ranges={"r": (-2, 2), "d": (0.3, 0.9)},
    ),
    Case(
        "hinge",
        ML,
        "sum(max(0, 1-y.*(X*w)))+lam*norm2(w)^2",
        lambda v: jnp.sum(jnp.maximum(0, 1 - v["y"] * (v["X"] @ v["w"]))) + v["lam"] * v["w"] @ v["w"],
        ("w",),
        {"X": M, "y": V, "w": V, "lam": S},
        ranges={"y": (-3, 3)},
    ),
    Case(
        "sq_hinge",
        ML,
        "sum(max(1-y.*(X*w), 0).^2)",
        lambda v: jnp.sum(jnp.maximum(0, 1 - v["y"] * (v["X"] @ v["w"])) ** 2),
        ("w",),
        {"X": M, "y": V, "w": V},
        ranges={"y": (-3, 3)},
    ),
    Case(
        "kron_reg",
        ML,
        "norm2(kron(A, B)*vec(X)-y)^2",
        lambda v: jnp.sum((jnp.kron(v["A"], v["B"]) @ _vec(v["X"]) - v["y"]) ** 2),
        ("X",),
        {"A": M, "B": M, "X": M, "y": V},
    ),
    Case(
        "vec_reg",
        ML,
        "norm2(A*X*B-C)^2",
        lambda v: jnp.sum((v["A"] @ v["X"] @ v["B"] - v["C"]) ** 2),
        ("X",),
        {"A": M, "B": M, "X": M, "C": M},
        paper={"X": "2*A'*(A*X*B-C)*B'"},
    ),
    Case(
        "poisson",
        ML,
        "sum(exp(X*w)-y.*(X*w))",
        lambda v: jnp.sum(jnp.exp(v["X"] @ v["w"]) - v["y"] * (v["X"] @ v["w"])),
        ("w",),
        {"X": M, "y": V, "w": V},
        paper={"w": "X'*(exp(X*w)-y)"},
    ),
    Case(
        "logistic_softplus",
        ML,
        "sum(softplus(-y.*(X*w)))",
        lambda v: jnp.sum(jax.nn.softplus(-v["y"] * (v["X"] @ v["w"]))),
        ("w",),
        {"X": M, "y": V, "w": V},
    ),
    Case(
        "log1p_loss",
        ML,
        "sum(log1p(exp(-y.*(X*w))))",
        lambda v: jnp.sum(jnp.log1p(jnp.exp(-v["y"] * (v["X"] @ v["w"])))),
        ("w",),
        {"X": M, "y": V, "w": V},
    ),
    Case(
        "ridge",
        ML,
        "norm2(X*w-y)^2+lam*norm2(w)^2",
        lambda v: jnp.sum((v["X"] @ v["w"] - v["y"]) ** 2) + v["lam"] * v["w"] @ v["w"],
        ("w", "lam"),
        {},
    ),
    Case(
        "elastic_net",
        ML,
        "norm2(X*w-y)^2/2+a*norm1(w)+b*norm2(w)^2/2",
        lambda v: (
            jnp.sum((v["X"] @ v["w"] - v["y"]) ** 2) / 2
            + v["a"] * jnp.sum(jnp.abs(v["w"]))
            + v["b"] * v["w"] @ v["w"] / 2
        ),
        ("w",),
        {"X": M, "y": V, "w": V, "a": S, "b": S},
    ),
    Case(
        "pca",
        ML,
        "tr(W'*S*W)",
        lambda v: jnp.trace(v["W"].T @ v["S"] @ v["W"]),
        ("W", "S"),
        {"W": M, "S": SYM},
        paper={"W": "2*S*W"},
    ),
    Case(
        "mahalanobis",
        ML,
        "(x-m)'*inv(S)*(x-m)",
        lambda v: (v["x"] - v["m"]) @ jnp.linalg.inv(v["S"]) @ (v["x"] - v["m"]),
        ("S", "m"),
        {"S": SYM, "x": V, "m": V},
        order=3,
    ),
    Case(
        "gp_noise",
        ML,
        "y'*inv(K+s*eye)*y+logdet(K+s*eye)",
        lambda v: (
            v["y"] @ jnp.linalg.inv(v["K"] + v["s"] * jnp.eye(v["K"].shape[0])) @ v["y"]
            + jnp.linalg.slogdet(v["K"] + v["s"] * jnp.eye(v["K"].shape[0]))[1]
        ),
        ("s", "K"),
        {"y": V, "K": SYM, "s": S},
        mixed=(("K", "s"),),
    ),
    Case(
        "layernorm",
        ML,
        "sum(g.*(x-mean(x))/sqrt(mean((x-mean(x)).^2)+e))",
        lambda v: jnp.sum(
            v["g"]
            * (v["x"] - jnp.mean(v["x"]))
            / jnp.sqrt(jnp.mean((v["x"] - jnp.mean(v["x"])) ** 2) + v["e"])
        ),
        ("x", "g"),
        {"g": V, "x": V, "e": S},
    ),
    Case("softmax_temp", ML, "softmax(x/t)", lambda v: _sm(v["x"] / v["t"]), ("t", "x"), {"x": V, "t": S}),
    Case(
        "entropy",
        ML,
        "-sum(p.*log(p))",
        lambda v: -jnp.sum(v["p"] * jnp.log(v["p"])),
        ("p",),
        {"p": V},
        ranges={"p": (0.1, 1)},
        order=3,
    ),
    Case(
        "kl",
        ML,
        "sum(p.*log(p./q))",
        lambda v: jnp.sum(v["p"] * jnp.log(v["p"] / v["q"])),
        ("q", "p"),
        {"p": V, "q": V},
        ranges={"p": (0.1, 1), "q": (0.1, 1)},
    ),
    Case(
        "mf",
        ML,
        "norm2(Y-U*V')^2",
        lambda v: jnp.sum((v["Y"] - v["U"] @ v["V"].T) ** 2),
        ("U", "V"),
        {"Y": M, "U": M, "V": M},
        mixed=(("U", "V"),),
    ),
    Case("group_lasso", ML, "norm2(W)", lambda v: jnp.linalg.norm(v["W"]), ("W",), {"W": M}),
    Case(
        "mean_rows",
        ML,
        "norm2(mean(X, 2)-m)^2",
        lambda v: jnp.sum((jnp.mean(v["X"], axis=1) - v["m"]) ** 2),
        ("X",),
        {"X": M, "m": V},
    ),
    Case(
        "sum_axis", ML, "sum(sum(X, 1).^2)", lambda v: jnp.sum(jnp.sum(v["X"], axis=0) ** 2), ("X",), {"X": M}
    ),
    Case(
        "expm1_log",
        ML,
        "sum(log(expm1(x)))",
        lambda v: jnp.sum(jnp.log(jnp.expm1(v["x"]))),
        ("x",),
        {"x": V},
        ranges={"x": (0.3, 2)},
    ),
    Case(
        "powc",
        ML,
        "sum(abs(x).^p)",
        lambda v: jnp.sum(jnp.abs(v["x"]) ** v["p"]),
        ("x", "p"),
        {"x": V, "p": S},
        ranges={"p": (1.2, 3)},
    ),
    Case(
        "xpowc",
        ML,
        "sum(x.^c)",
        lambda v: jnp.sum(v["x"] ** v["c"]),
        ("x", "c"),
        {"x": V, "c": S},
        ranges={"x": (0.3, 2), "c": (0.5, 2.5)},
    ),
    Case(
        "spow",
        ML,
        "s^c",
        lambda v: v["s"] ** v["c"],
        ("s", "c"),
        {"s": S, "c": S},
        ranges={"s": (0.3, 2), "c": (0.5, 2.5)},
        order=3,
    ),
    Case(
        "digamma_vec",
        ML,
        "sum(digamma(x).*y)",
        lambda v: jnp.sum(jss.digamma(v["x"]) * v["y"]),
        ("x",),
        {"x": V, "y": V},
        ranges={"x": (0.5, 3)},
        order=3,
    ),
    Case("argmax_sm", ML, "max(softmax(x))", lambda v: jnp.max(_sm(v["x"])), ("x",), {"x": V}),
    Case(
        "maxpair",
        ML,
        "sum(max(x, y).*min(x, y))",
        lambda v: jnp.sum(jnp.maximum(v["x"], v["y"]) * jnp.minimum(v["x"], v["y"])),
        ("x",),
        {"x": V, "y": V},
    ),
    # --- SymPy, sympy/matrices/expressions/tests/test_derivatives.py (scalar-valued and matrix cases)
    Case(
        "sympy_trace_AXB",
        SYMPY,
        "tr(A*X*B)",
        lambda v: jnp.trace(v["A"] @ v["X"] @ v["B"]),
        ("X",),
        {"A": M, "X": M, "B": M},
        paper={"X": "A'*B'"},
    ),
    Case("sympy_x_Ax", SYMPY, "x'*A*x", lambda v: v["x"] @ v["A"] @ v["x"], ("x",), {"A": M, "x": V}),
    Case(
        "sympy_inv_trace",
        SYMPY,
        "tr(A*inv(X)*B)",
        lambda v: jnp.trace(v["A"] @ jnp.linalg.inv(v["X"]) @ v["B"]),
        ("X",),
        {"A": M, "X": SQ, "B": M},
        paper={"X": "-inv(X)'*A'*B'*inv(X)'"},
    ),
    Case(
        "sympy_det_inv",
        SYMPY,
        "det(inv(X))",
        lambda v: jnp.linalg.det(jnp.linalg.inv(v["X"])),
        ("X",),
        {"X": SQ},
    ),
    Case("sympy_hadamard", SYMPY, "tr(A.*X)", lambda v: jnp.trace(v["A"] * v["X"]), ("X",), {"A": M, "X": M}),
    Case("sympy_hadamard_pow", SYMPY, "sum(X.^2)", lambda v: jnp.sum(v["X"] ** 2), ("X",), {"X": M}),
    Case(
        "sympy_xtXx",
        SYMPY,
        "x'*X'*X*x",
        lambda v: v["x"] @ v["X"].T @ v["X"] @ v["x"],
        ("X", "x"),
        {"X": M, "x": V},
    ),
    Case(
        "sympy_x_diag",
        SYMPY,
        "diag(x)*A",
        lambda v: jnp.diag(v["x"]) @ v["A"],
        ("x",),
        {"A": M, "x": V},
        order=1,
    ),
    Case(
        "sympy_kron_vec",
        SYMPY,
        "x'*kron(A', B)*y",
        lambda v: v["x"] @ jnp.kron(v["A"].T, v["B"]) @ v["y"],
        ("A",),
        {"A": M, "B": M, "x": V, "y": V},
    ),
    Case(
        "sympy_trace_X2",
        SYMPY,
        "tr(X^2*A)",
        lambda v: jnp.trace(v["X"] @ v["X"] @ v["A"]),
        ("X",),
        {"X": SQ, "A": SQ},
    ),
    Case(
        "sympy_elem_func",
        SYMPY,
        "sum(sin(X).*cos(A))",
        lambda v: jnp.sum(jnp.sin(v["X"]) * jnp.cos(v["A"])),
        ("X",),
        {"X": M, "A": M},
    ),
    Case("sympy_Xx", SYMPY, "X*x", lambda v: v["X"] @ v["x"], ("X", "x"), {"X": M, "x": V}),
    Case("sympy_x_outer", SYMPY, "x*x'", lambda v: jnp.outer(v["x"], v["x"]), ("x",), {"x": V}),
    Case("sympy_trXtX", SYMPY, "tr(X*X')", lambda v: jnp.trace(v["X"] @ v["X"].T), ("X",), {"X": M}, order=3),
    # --- tensorgrad tests (tests/test_ml.py, test_functions.py): softmax, cross-entropy, powers, frobenius
    Case("tg_softmax_jac", TG, "softmax(A*x)", lambda v: _sm(v["A"] @ v["x"]), ("x",), {"A": M, "x": V}),
    Case(
        "tg_ce",
        TG,
        "-sum(y.*log(softmax(x)))",
        lambda v: -jnp.sum(v["y"] * jnp.log(_sm(v["x"]))),
        ("x",),
        {"x": V, "y": V},
        order=3,
    ),
    Case(
        "tg_pow",
        TG,
        "sum((X*w).^3)",
        lambda v: jnp.sum((v["X"] @ v["w"]) ** 3),
        ("w", "X"),
        {"X": M, "w": V},
        order=3,
    ),
    Case(
        "tg_frob",
        TG,
        "norm2(X*X'-eye)^2",
        lambda v: jnp.sum((v["X"] @ v["X"].T - jnp.eye(v["X"].shape[0])) ** 2),
        ("X",),
        {"X": M},
    ),
    Case(
        "tg_l2_loss",
        TG,
        "norm2(relu(W1*x)-y)^2",
        lambda v: jnp.sum((jax.nn.relu(v["W1"] @ v["x"]) - v["y"]) ** 2),
        ("W1",),
        {"W1": M, "x": V, "y": V},
    ),
    Case("tg_softmax_rows_jac", TG, "softmax(X, 2)", lambda v: _sm(v["X"], 1), ("X",), {"X": M}, order=2),
    Case("tg_lse_mat", TG, "logsumexp(X)", lambda v: jax.nn.logsumexp(v["X"]), ("X",), {"X": M}, order=2),
    # --- matrixcalculus.org examples
    Case(
        "mco_logistic",
        MCO,
        "sum(log(exp(-y.*(X*w))+vector(1)))",
        lambda v: jnp.sum(jnp.log(jnp.exp(-v["y"] * (v["X"] @ v["w"])) + 1)),
        ("w",),
        {"X": M, "y": V, "w": V},
    ),
    Case(
        "mco_lsq",
        MCO,
        "norm2(X*w-y)^2",
        lambda v: jnp.sum((v["X"] @ v["w"] - v["y"]) ** 2),
        ("w", "X"),
        {"X": M, "y": V, "w": V},
    ),
    Case(
        "mco_logdet_inv",
        MCO,
        "logdet(S)+tr(inv(S)*A)",
        lambda v: jnp.linalg.slogdet(v["S"])[1] + jnp.trace(jnp.linalg.inv(v["S"]) @ v["A"]),
        ("S",),
        {"S": SYM, "A": M},
        order=2,
    ),
    Case(
        "mco_exp_quad",
        MCO,
        "exp(x'*A*x/10)",
        lambda v: jnp.exp(v["x"] @ v["A"] @ v["x"] / 10),
        ("x",),
        {"x": V, "A": M},
        order=2,
    ),
    Case(
        "mco_nn",
        MCO,
        "sum(tanh(W2*tanh(W1*x)))",
        lambda v: jnp.sum(jnp.tanh(v["W2"] @ jnp.tanh(v["W1"] @ v["x"]))),
        ("W1", "W2"),
        {"W1": M, "W2": M, "x": V},
    ),
    Case(
        "mco_sigmoid_net",
        MCO,
        "sigmoid(a'*sigmoid(W*x))",
        lambda v: jax.nn.sigmoid(v["a"] @ jax.nn.sigmoid(v["W"] @ v["x"])),
        ("W", "a"),
        {"W": M, "a": V, "x": V},
    ),
    Case(
        "mco_norm1",
        MCO,
        "norm1(A*x-b)",
        lambda v: jnp.sum(jnp.abs(v["A"] @ v["x"] - v["b"])),
        ("x",),
        {"A": M, "x": V, "b": V},
    ),
    # --- harder compositions: symmetric variables through new constructs, spectral functions, order 3
    Case(
        "sym_softmax_rows",
        HARD,
        "sum(G.*softmax(S, 2))",
        lambda v: jnp.sum(v["G"] * _sm(v["S"], 1)),
        ("S",),
        {"S": SYM, "G": M},
    ),
    Case(
        "sym_lse_cols",
        HARD,
        "logsumexp(S, 1)*y",
        lambda v: jax.nn.logsumexp(v["S"], axis=0) @ v["y"],
        ("S",),
        {"S": SYM, "y": V},
    ),
    Case(
        "sym_kron",
        HARD,
        "x'*kron(S, S)*x",
        lambda v: v["x"] @ jnp.kron(v["S"], v["S"]) @ v["x"],
        ("S",),
        {"S": SYM, "x": V},
    ),
    Case(
        "sym_vec",
        HARD,
        "vec(S)'*vec(A*S)",
        lambda v: _vec(v["S"]) @ _vec(v["A"] @ v["S"]),
        ("S",),
        {"S": SYM, "A": M},
    ),
    Case(
        "sym_lgamma",
        HARD,
        "sum(lgamma(S.^2+1))",
        lambda v: jnp.sum(jss.gammaln(v["S"] ** 2 + 1)),
        ("S",),
        {"S": SYM},
        order=3,
    ),
    Case("sym_inv", HARD, "inv(S)", lambda v: jnp.linalg.inv(v["S"]), ("S",), {"S": SYM}, order=2),
    Case(
        "sym_logdet3", HARD, "logdet(S)", lambda v: jnp.linalg.slogdet(v["S"])[1], ("S",), {"S": SYM}, order=3
    ),
    Case(
        "sym_sqrt_quad",
        HARD,
        "sqrt(x'*S*x)",
        lambda v: jnp.sqrt(v["x"] @ v["S"] @ v["x"]),
        ("S", "x"),
        {"S": SYM, "x": V},
        mixed=(("S", "x"),),
    ),
    Case(
        "sym_max_rows",
        HARD,
        "sum(max(S, [], 2))",
        lambda v: jnp.sum(jnp.max(v["S"], axis=1)),
        ("S",),
        {"S": SYM},
        order=1,
    ),
    Case(
        "sym_expm",
        HARD,
        "tr(expm(S))",
        lambda v: jnp.trace(jax.scipy.linalg.expm(v["S"])),
        ("S",),
        {"S": SYM},
    ),
    Case(
        "sym_power",
        HARD,
        "tr(S^0.5)",
        lambda v: jnp.sum(jnp.sqrt(jnp.linalg.eigvalsh(v["S"]))),
        ("S",),
        {"S": SYM},
    ),
    Case(
        "sym_power_c",
        HARD,
        "tr(S^c)",
        lambda v: jnp.sum(jnp.linalg.eigvalsh(v["S"]) ** v["c"]),
        ("S", "c"),
        {"S": SYM, "c": S},
        ranges={"c": (0.5, 2.5)},
    ),
    Case(
        "sym_logm",
        HARD,
        "tr(A*logm(S))",
        lambda v: jnp.trace(v["A"] @ _logm_sym(v["S"])),
        ("S",),
        {"S": SYM, "A": M},
        order=1,
    ),
    Case(
        "sym_eigvals",
        HARD,
        "y'*eigvals(S)",
        lambda v: v["y"] @ jnp.linalg.eigvalsh(v["S"]),
        ("S",),
        {"S": SYM, "y": V},
    ),
    Case(
        "nuclear",
        HARD,
        "nuclear_norm(X)",
        lambda v: jnp.sum(jnp.linalg.svd(v["X"], compute_uv=False)),
        ("X",),
        {"X": M},
        order=1,
    ),
    Case(
        "spectral", HARD, "spectral_norm(X)", lambda v: jnp.linalg.norm(v["X"], 2), ("X",), {"X": M}, order=1
    ),
    Case("softmax_3", HARD, "softmax(x)", lambda v: _sm(v["x"]), ("x",), {"x": V}, order=3),
    Case(
        "lse_rows_hess", HARD, "logsumexp(X, 2)", lambda v: jax.nn.logsumexp(v["X"], axis=1), ("X",), {"X": M}
    ),
    Case(
        "mean_cols_hess",
        HARD,
        "norm2(X-vector(1)*mean(X, 1))^2",
        lambda v: jnp.sum((v["X"] - jnp.mean(v["X"], axis=0)[None, :]) ** 2),
        ("X",),
        {"X": M},
    ),
    Case(
        "pnorm",
        HARD,
        "sum(abs(x).^p)^(1/p)",
        lambda v: jnp.sum(jnp.abs(v["x"]) ** v["p"]) ** (1 / v["p"]),
        ("x", "p"),
        {"x": V, "p": S},
        ranges={"p": (1.5, 3)},
        mixed=(("x", "p"),),
    ),
    Case("base_pow", HARD, "sum(2.^x)", lambda v: jnp.sum(2.0 ** v["x"]), ("x",), {"x": V}, order=3),
    Case(
        "vec_pow",
        HARD,
        "sum(x.^y)",
        lambda v: jnp.sum(v["x"] ** v["y"]),
        ("y", "x"),
        {"x": V, "y": V},
        ranges={"x": (0.5, 2)},
        mixed=(("x", "y"),),
    ),
    Case(
        "det_pow",
        HARD,
        "det(X)^c",
        lambda v: jnp.linalg.det(v["X"]) ** v["c"],
        ("X", "c"),
        {"X": SQ, "c": S},
        mixed=(("X", "c"),),
    ),
    Case(
        "kron_rows",
        HARD,
        "sum(kron(X, Y), 2)'*z",
        lambda v: jnp.sum(jnp.kron(v["X"], v["Y"]), axis=1) @ v["z"],
        ("X",),
        {"X": M, "Y": M, "z": V},
    ),
    Case(
        "softmax_T",
        HARD,
        "sum(G.*softmax(X', 1)')",
        lambda v: jnp.sum(v["G"] * _sm(v["X"].T, 0).T),
        ("X",),
        {"X": M, "G": M},
    ),
    Case(
        "gelu_hess",
        HARD,
        "sum(x.*normcdf(x))",
        lambda v: jnp.sum(v["x"] * _phi(v["x"])),
        ("x",),
        {"x": V},
        order=3,
    ),
    Case(
        "trigamma",
        HARD,
        "sum(polygamma(2, x))",
        lambda v: jnp.sum(jss.polygamma(2, v["x"])),
        ("x",),
        {"x": V},
        ranges={"x": (0.5, 3)},
    ),
    Case(
        "erf_mat",
        HARD,
        "tr(erf(X)*A)",
        lambda v: jnp.trace(jss.erf(v["X"]) @ v["A"]),
        ("X",),
        {"X": M, "A": M},
    ),
    Case(
        "log1p_expm1",
        HARD,
        "sum(log1p(x.^2).*expm1(x))",
        lambda v: jnp.sum(jnp.log1p(v["x"] ** 2) * jnp.expm1(v["x"])),
        ("x",),
        {"x": V},
        order=3,
    ),
    Case(
        "softplus_mat",
        HARD,
        "sum(softplus(X*W)*v)",
        lambda v: jnp.sum(jax.nn.softplus(v["X"] @ v["W"]) @ v["v"]),
        ("W",),
        {"X": M, "W": M, "v": V},
    ),
    Case(
        "min_elem",
        HARD,
        "sum(min(X*w, c))",
        lambda v: jnp.sum(jnp.minimum(v["X"] @ v["w"], v["c"])),
        ("w",),
        {"X": M, "w": V, "c": S},
    ),
    Case(
        "relu_hess",
        HARD,
        "sum(relu(X*w).^3)",
        lambda v: jnp.sum(jax.nn.relu(v["X"] @ v["w"]) ** 3),
        ("w",),
        {"X": M, "w": V},
        order=3,
    ),
    Case(
        "attention_full",
        HARD,
        "norm2(softmax(X*Wq*Wk'*X'/c, 2)*X*Wv-Y)^2",
        lambda v: jnp.sum(
            (_sm(v["X"] @ v["Wq"] @ v["Wk"].T @ v["X"].T / v["c"], 1) @ v["X"] @ v["Wv"] - v["Y"]) ** 2
        ),
        ("Wq", "Wv", "X"),
        {"X": M, "Wq": M, "Wk": M, "Wv": M, "Y": M, "c": S},
        ranges={"c": (2, 3)},
    ),
    Case(
        "gp_kernel",
        HARD,
        "y'*inv(exp(-D/l)+s*eye)*y",
        lambda v: (
            v["y"] @ jnp.linalg.inv(jnp.exp(-v["D"] / v["l"]) + v["s"] * jnp.eye(v["D"].shape[0])) @ v["y"]
        ),
        ("l", "s"),
        {"y": V, "D": SYM, "l": S, "s": S},
        ranges={"l": (1, 2), "s": (1, 2)},
        mixed=(("l", "s"),),
    ),
    Case(
        "wishart",
        HARD,
        "(n-p-1)/2*logdet(S)-tr(inv(V)*S)/2",
        lambda v: (
            (v["n"] - v["p"] - 1) / 2 * jnp.linalg.slogdet(v["S"])[1]
            - jnp.trace(jnp.linalg.inv(v["V"]) @ v["S"]) / 2
        ),
        ("S", "V"),
        {"S": SYM, "V": SYM, "n": S, "p": S},
        ranges={"n": (6, 8)},
    ),
    Case(
        "mvt",
        HARD,
        "-(n+d)/2*log(1+(x-m)'*inv(S)*(x-m)/n)",
        lambda v: (
            -(v["n"] + v["d"])
            / 2
            * jnp.log1p((v["x"] - v["m"]) @ jnp.linalg.inv(v["S"]) @ (v["x"] - v["m"]) / v["n"])
        ),
        ("m", "S", "n"),
        {"x": V, "m": V, "S": SYM, "n": S, "d": S},
        ranges={"n": (2, 5)},
    ),
)

"""The identity corpus: derivatives with known answers, as data.

Each `Recipe` is one derivative from the Matrix Cookbook (Petersen & Pedersen,
edition of 2012-11-15, chapter 2) or from machine learning, stated in the
input language: the expression, the kinds of its symbols, the variables to
differentiate by (one for a gradient or Jacobian, two for a Hessian or mixed
derivative, three for a third derivative) and, where the textbook gives one,
its closed form.  The test suite checks every recipe against finite
differences; the benchmark and the documentation gallery reuse the same list.

>>> import matcalc as mc
>>> from matcalc.cookbook import IDENTITIES
>>> r = next(r for r in IDENTITIES if r.name == "tr_AXB")
>>> r.source, r.expected
('Matrix Cookbook eq. (101)', "A'*B'")
>>> str(mc.diff(mc.parse(r.expr, r.kinds), *r.wrt))
"A'*B'"

Equation numbers follow the 2012-11-15 edition.  Numbers (33)-(46), (61)-(64),
(69)-(72), (77)-(83) and (99)-(127) agree with independent citations of that
edition; the others were counted in its text between those; where a number
could not be pinned down (§2.4.4), the source names the section instead.  Conventions are matcalc's:
a derivative has the layout ``f.shape + wrt.shape``, the derivative by a symmetric variable
is the gradient on symmetric matrices ``(G+G')/2`` of the entrywise ``G``
(docs/conventions.md), ``logdet(X)`` is ``log|det X|``, and functions
such as ``sin`` act elementwise (so the Cookbook's matrix-function identity
(128) is not in the corpus).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["IDENTITIES", "TOPICS", "Recipe", "by_name"]

#: Topics, in the order of the corpus.
TOPICS = (
    "rules",
    "determinant",
    "inverse",
    "form",
    "trace",
    "norm",
    "ml",
    "hessian",
    "third",
    "jacobian",
    "kronecker",
    "applied",
)


@dataclass(frozen=True, slots=True)
class Recipe:
    """One tested derivative.

    Attributes:
        name: short unique identifier (a test id).
        source: where it comes from: ``"Matrix Cookbook eq. (101)"``,
            ``"Matrix Cookbook §2.4.4"`` or ``"ML: logistic regression"``.
        expr: the function, in the input language.
        kinds: kinds of the symbols whose kind is not the default of their
            first letter (a-g scalar, h-z vector, A-Z matrix).
        wrt: the variables, in the order of differentiation.
        expected: the textbook closed form in the input language, or None.
        closed_form: whether the result must come out in matrix form; False
            for derivatives that are genuinely tensors of order 3 or 4.
        topic: one of `TOPICS`.
        sizes: sizes to use for some symbols' axes (symbol name to one size
            per axis) where the identity needs them, such as a tall ``X`` for
            ``det(X'*A*X)``; other dimensions are random.
        note: conditions of the identity or a remark on the textbook form.
        ranges: intervals to draw some symbols' entries from (symbol name to
            ``(low, high)``) where the identity holds on a domain, such as
            ``p, q > 0`` (passed to `matcalc.testing.random_values`).
    """

    name: str
    source: str
    expr: str
    kinds: Mapping[str, str] = field(default_factory=dict, hash=False)
    wrt: tuple[str, ...] = ("x",)
    expected: str | None = None
    closed_form: bool = True
    topic: str = "form"
    sizes: Mapping[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    note: str = ""
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)

    @property
    def order(self) -> int:
        """How many times the expression is differentiated."""
        return len(self.wrt)

    @property
    def from_cookbook(self) -> bool:
        """Whether the source is the Matrix Cookbook."""
        return self.source.startswith("Matrix Cookbook")

    @property
    def is_ml(self) -> bool:
        """Whether the source is a machine-learning loss."""
        return self.source.startswith("ML:")


def _mc(eq: int | str) -> str:
    """A Matrix Cookbook citation: an equation number, or a section given as text."""
    return f"Matrix Cookbook eq. ({eq})" if isinstance(eq, int) else f"Matrix Cookbook {eq}"


_V, _S, _T, _Q = "vector", "symmetric", "scalar", "square"
_ab = {"a": _V, "b": _V}
_SYM = "S symmetric: the gradient on symmetric matrices (G+G')/2, not §2.8.2's G+G'-diag(G)"
_tall = {"X": (4, 2)}


def _r(
    name: str,
    source: str,
    expr: str,
    wrt: tuple[str, ...],
    expected: str | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    closed_form: bool = True,
    topic: str = "form",
    sizes: Mapping[str, tuple[int, ...]] | None = None,
    note: str = "",
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> Recipe:
    kinds, sizes = dict(kinds or {}), dict(sizes or {})
    ranges = dict(ranges or {})
    return Recipe(name, source, expr, kinds, wrt, expected, closed_form, topic, sizes, note, ranges)


_RULES = (  # the general rules of chapter 2, with a scalar parameter t
    _r("rule_trace", _mc(36), "tr(A+t*B)", ("t",), "tr(B)", kinds={"t": _T}, topic="rules"),
    _r("rule_sum_of_entries", "definition: 1ᵀX1 = Σᵢⱼ Xᵢⱼ", "vector(1)'*(t*X)*vector(1)", ("t",), "sum(X)",
       kinds={"t": _T}, topic="rules"),
    _r("rule_product", _mc(37), "(A+t*B)*(C+t*D)", ("t",), "B*(C+t*D)+(A+t*B)*D",
       kinds={"t": _T}, topic="rules"),
    _r("rule_hadamard", _mc(38), "(A+t*B).*(C+t*D)", ("t",), "B.*(C+t*D)+(A+t*B).*D",
       kinds={"t": _T}, topic="rules"),
    _r("rule_logdet", _mc(43), "logdet(A+t*B)", ("t",), "tr(inv(A+t*B)*B)", kinds={"t": _T},
       topic="rules"),
    _r("rule_transpose", _mc(44), "(A+t*B)'", ("t",), "B'", kinds={"t": _T}, topic="rules"),
)

_DETERMINANT = (
    _r("det_general", _mc(46), "det(A+t*B)", ("t",), "det(A+t*B)*tr(inv(A+t*B)*B)",
       kinds={"t": _T}, topic="determinant"),
    _r("det_X", _mc(49), "det(X)", ("X",), "det(X)*inv(X)'", topic="determinant"),
    _r("det_AXB", _mc(51), "det(A*X*B)", ("X",), "det(A*X*B)*inv(X)'", topic="determinant",
       kinds={"A": _Q, "X": _Q, "B": _Q}, note="A, X and B square (declared: the textbook form needs it)"),
    _r("det_XtAX_square", _mc(52), "det(X'*A*X)", ("X",), "2*det(X'*A*X)*inv(X)'", kinds={"X": _Q},
       topic="determinant", note="X square (declared: the textbook form needs it) and invertible"),
    _r("det_XtSX_tall", _mc(53), "det(X'*S*X)", ("X",), "2*det(X'*S*X)*S*X*inv(X'*S*X)",
       kinds={"S": _S}, sizes=_tall, topic="determinant", note="X not square, S symmetric"),
    _r("det_XtAX_tall", _mc(54), "det(X'*A*X)", ("X",),
       "det(X'*A*X)*(A*X*inv(X'*A*X)+A'*X*inv(X'*A'*X))", sizes=_tall, topic="determinant",
       note="X not square, A not symmetric"),
    _r("logdet_XtX", _mc(55), "logdet(X'*X)", ("X",), "2*X*inv(X'*X)", sizes=_tall,
       topic="determinant", note="2 (X^+)^T with the pseudo-inverse X^+ = inv(X'*X)*X'"),
    _r("logdet_X", _mc(57), "logdet(X)", ("X",), "inv(X)'", topic="determinant"),
    _r("det_X2", _mc(58), "det(X^2)", ("X",), "2*det(X^2)*inv(X)'", topic="determinant",
       note="k = 2"),
    _r("det_X3", _mc(58), "det(X^3)", ("X",), "3*det(X^3)*inv(X)'", topic="determinant",
       note="k = 3"),
    _r("sqrt_det_X", _mc(49), "det(X)^(1/2)", ("X",), "1/2*det(X)^(1/2)*inv(X)'",
       topic="determinant", note="(49) and the chain rule: d det(X)^p = p det(X)^p inv(X)'"),
    _r("det_S", _mc(49), "det(S)", ("S",), "det(S)*inv(S)", kinds={"S": _S}, topic="determinant",
       note=_SYM),
    _r("logdet_S", _mc(57), "logdet(S)", ("S",), "inv(S)", kinds={"S": _S}, topic="determinant",
       note=_SYM),
)

_INVERSE = (
    _r("inv_general", _mc(59), "inv(A+t*B)", ("t",), "-inv(A+t*B)*B*inv(A+t*B)",
       kinds={"t": _T}, topic="inverse"),
    _r("inv_X_entries", _mc(60), "inv(X)", ("X",), None, closed_form=False, topic="inverse",
       note="order 4: d inv(X)[k,l]/dX[i,j] = -inv(X)[k,i]*inv(X)[j,l]"),
    _r("inv_aXb", _mc(61), "a'*inv(X)*b", ("X",), "-inv(X)'*a*b'*inv(X)'", kinds=_ab,
       topic="inverse"),
    _r("det_invX", _mc(62), "det(inv(X))", ("X",), "-det(inv(X))*inv(X)'", topic="inverse"),
    _r("tr_AinvXB_inv", _mc(63), "tr(A*inv(X)*B)", ("X",), "-(inv(X)*B*A*inv(X))'",
       topic="inverse"),
    _r("quadratic_resolvent", _mc(59), "x'*inv(A+c*eye)*x", ("c",), "-x'*inv(A+c*eye)^2*x",
       kinds={"c": _T}, topic="inverse", note="(59) with B the identity, in a quadratic form"),
    _r("tr_inv_XplusA", _mc(64), "tr(inv(X+A))", ("X",), "-(inv(X+A)*inv(X+A))'",
       topic="inverse"),
)

_W = {"W": _S, "s": _V}
_FORMS = (
    _r("xta", _mc(69), "x'*a", ("x",), "a", kinds={"a": _V}),
    _r("atx", _mc(69), "a'*x", ("x",), "a", kinds={"a": _V}),
    _r("aXb", _mc(70), "a'*X*b", ("X",), "a*b'", kinds=_ab),
    _r("aXtb", _mc(71), "a'*X'*b", ("X",), "b*a'", kinds=_ab),
    _r("aXa", _mc(72), "a'*X*a", ("X",), "a*a'", kinds={"a": _V}),
    _r("aXta", _mc(72), "a'*X'*a", ("X",), "a*a'", kinds={"a": _V}),
    _r("xSx_by_S", _mc(72), "x'*S*x", ("S",), "x*x'", kinds={"S": _S}, note=_SYM),
    _r("X_by_X", _mc(73), "X", ("X",), None, closed_form=False,
       note="order 4: the single-entry matrices J^ij"),
    _r("XA_by_X", _mc(74), "X*A", ("X",), None, closed_form=False,
       note="order 4: delta[i,m]*A[n,j]"),
    _r("XtA_by_X", _mc(75), "X'*A", ("X",), None, closed_form=False,
       note="order 4: delta[i,n]*A[m,j]"),
    _r("sumX_squared", _mc(76), "sum(X)^2", ("X",), "2*sum(X)*matrix(1)",
       note="the textbook writes it entry by entry"),
    _r("bXtXc", _mc(77), "b'*X'*X*c", ("X",), "X*(b*c'+c*b')", kinds={"b": _V, "c": _V}),
    _r("affine_bilinear", _mc(78), "(B*x+b)'*C*(D*x+d)", ("x",),
       "B'*C*(D*x+d)+D'*C'*(B*x+b)", kinds={"b": _V, "d": _V}),
    _r("XtBX_by_X", _mc(80), "X'*B*X", ("X",), None, closed_form=False,
       note="order 4; (79) gives its entries"),
    _r("xBx", _mc(81), "x'*B*x", ("x",), "(B+B')*x"),
    _r("bXtDXc", _mc(82), "b'*X'*D*X*c", ("X",), "D'*X*b*c'+D*X*c*b'", kinds={"b": _V, "c": _V}),
    _r("Xbc_D_Xbc", _mc(83), "(X*b+c)'*D*(X*b+c)", ("X",), "(D+D')*(X*b+c)*b'",
       kinds={"b": _V, "c": _V}),
    _r("wls_by_s", _mc(84), "(x-A*s)'*W*(x-A*s)", ("s",), "-2*A'*W*(x-A*s)", kinds=_W,
       note="W symmetric"),
    _r("wdist_by_x", _mc(85), "(x-s)'*W*(x-s)", ("x",), "2*W*(x-s)", kinds=_W),
    _r("wdist_by_s", _mc(86), "(x-s)'*W*(x-s)", ("s",), "-2*W*(x-s)", kinds=_W),
    _r("wls_by_x", _mc(87), "(x-A*s)'*W*(x-A*s)", ("x",), "2*W*(x-A*s)", kinds=_W),
    _r("wls_by_A", _mc(88), "(x-A*s)'*W*(x-A*s)", ("A",), "-2*W*(x-A*s)*s'", kinds=_W),
    _r("X3_by_X", _mc(90), "X^3", ("X",), None, closed_form=False,
       note="order 4: sum over r of X^r J^ij X^(2-r)"),
    _r("aX3b", _mc(91), "a'*X^3*b", ("X",), "a*b'*(X^2)'+X'*a*b'*X'+(X^2)'*a*b'", kinds=_ab,
       note="n = 3"),
    _r("aXntXnb", _mc(92), "a'*(X^2)'*X^2*b", ("X",),
       "X^2*b*a'*X'+X'*X^2*b*a'+X^2*a*b'*X'+X'*X^2*a*b'", kinds=_ab,
       note="n = 2; erratum: the textbook's first sum, X^(n-1-r) a b^T (X^n)^T X^r, is the "
       "transpose of the right one, (X^r)^T X^n b a^T (X^(n-1-r))^T"),
    _r("sAr", _mc(93), "(B*x)'*A*sin(x)", ("x",), "B'*A*sin(x)+diag(cos(x))*A'*B*x",
       note="s(x) = B*x, r(x) = sin(x)"),
    _r("quotient", _mc(94), "(A*x)'*(A*x)/((B*x)'*(B*x))", ("x",),
       "2*A'*A*x/(x'*B'*B*x)-2*(x'*A'*A*x)*B'*B*x/(x'*B'*B*x)^2",
       note="the textbook's denominator x^T B B x should read x^T B^T B x"),
    _r("gradient_quadratic", _mc("§2.4.4"), "x'*A*x+b'*x", ("x",), "(A+A')*x+b", kinds={"b": _V}),
)

_TRACE = (
    _r("tr_X", _mc(99), "tr(X)", ("X",), "eye", topic="trace"),
    _r("tr_XA", _mc(100), "tr(X*A)", ("X",), "A'", topic="trace"),
    _r("tr_SA", _mc(100), "tr(S*A)", ("S",), "(A+A')/2", kinds={"S": _S}, topic="trace",
       note=_SYM),
    _r("tr_AXB", _mc(101), "tr(A*X*B)", ("X",), "A'*B'", topic="trace"),
    _r("tr_AXtB", _mc(102), "tr(A*X'*B)", ("X",), "B*A", topic="trace"),
    _r("tr_XtA", _mc(103), "tr(X'*A)", ("X",), "A", topic="trace"),
    _r("tr_AXt", _mc(104), "tr(A*X')", ("X",), "A", topic="trace"),
    _r("tr_X2", _mc(106), "tr(X^2)", ("X",), "2*X'", topic="trace"),
    _r("tr_S2", _mc(106), "tr(S^2)", ("S",), "2*S", kinds={"S": _S}, topic="trace",
       note=_SYM),
    _r("tr_X2B", _mc(107), "tr(X^2*B)", ("X",), "(X*B+B*X)'", topic="trace"),
    _r("tr_XtBX", _mc(108), "tr(X'*B*X)", ("X",), "B*X+B'*X", topic="trace"),
    _r("tr_BXXt", _mc(109), "tr(B*X*X')", ("X",), "B*X+B'*X", topic="trace"),
    _r("tr_XXtB", _mc(110), "tr(X*X'*B)", ("X",), "B*X+B'*X", topic="trace"),
    _r("tr_XBXt", _mc(111), "tr(X*B*X')", ("X",), "X*B'+X*B", topic="trace"),
    _r("tr_BXtX", _mc(112), "tr(B*X'*X)", ("X",), "X*B'+X*B", topic="trace"),
    _r("tr_XtXB", _mc(113), "tr(X'*X*B)", ("X",), "X*B'+X*B", topic="trace"),
    _r("tr_AXBX", _mc(114), "tr(A*X*B*X)", ("X",), "A'*X'*B'+B'*X'*A'", topic="trace"),
    _r("tr_XtX", _mc(115), "tr(X'*X)", ("X",), "2*X", topic="trace"),
    _r("tr_XXt", _mc(115), "tr(X*X')", ("X",), "2*X", topic="trace"),
    _r("tr_BtXtCXB", _mc(116), "tr(B'*X'*C*X*B)", ("X",), "C'*X*B*B'+C*X*B*B'", topic="trace"),
    _r("tr_XtBXC", _mc(117), "tr(X'*B*X*C)", ("X",), "B*X*C+B'*X*C'", topic="trace"),
    _r("tr_AXBXtC", _mc(118), "tr(A*X*B*X'*C)", ("X",), "A'*C'*X*B'+C*A*X*B", topic="trace"),
    _r("tr_AXBC_squared", _mc(119), "tr((A*X*B+C)*(A*X*B+C)')", ("X",), "2*A'*(A*X*B+C)*B'",
       topic="trace"),
    _r("trX_trX", _mc(120), "tr(X)*tr(X)", ("X",), "2*tr(X)*eye", topic="trace"),
    _r("tr_X3", _mc(121), "tr(X^3)", ("X",), "3*(X^2)'", topic="trace", note="k = 3"),
    _r("tr_X4", _mc(121), "tr(X^4)", ("X",), "4*(X^3)'", topic="trace", note="k = 4"),
    _r("tr_AX3", _mc(122), "tr(A*X^3)", ("X",), "(A*X^2)'+(X*A*X)'+(X^2*A)'", topic="trace",
       note="k = 3"),
    _r("tr_BtXtCXXtCXB", _mc(123), "tr(B'*X'*C*X*X'*C*X*B)", ("X",),
       "C*X*X'*C*X*B*B'+C'*X*B*B'*X'*C'*X+C*X*B*B'*X'*C*X+C'*X*X'*C'*X*B*B'", topic="trace"),
    _r("tr_AinvXB", _mc(124), "tr(A*inv(X)*B)", ("X",), "-inv(X)'*A'*B'*inv(X)'", topic="trace"),
    _r("tr_invS_A", _mc(124), "tr(inv(S)*A)", ("S",), "-inv(S)*(A+A')*inv(S)/2", kinds={"S": _S},
       topic="trace", note=_SYM + "; the textbook's A is the identity here"),
    _r("tr_inv_XtCX_A", _mc(125), "tr(inv(X'*C*X)*A)", ("X",),
       "-(C*X*inv(X'*C*X))*(A+A')*inv(X'*C*X)", kinds={"C": _S}, sizes=_tall, topic="trace",
       note="C symmetric"),
    _r("tr_inv_XtCX_XtBX", _mc(126), "tr(inv(X'*C*X)*(X'*B*X))", ("X",),
       "-2*C*X*inv(X'*C*X)*X'*B*X*inv(X'*C*X)+2*B*X*inv(X'*C*X)", kinds={"B": _S, "C": _S},
       sizes=_tall, topic="trace", note="B and C symmetric"),
    _r("tr_inv_AXtCX_XtBX", _mc(127), "tr(inv(A+X'*C*X)*(X'*B*X))", ("X",),
       "-2*C*X*inv(A+X'*C*X)*X'*B*X*inv(A+X'*C*X)+2*B*X*inv(A+X'*C*X)",
       kinds={"A": _S, "B": _S, "C": _S}, sizes=_tall, topic="trace",
       note="A, B and C symmetric"),
)

_NORM = (
    _r("norm_x_minus_a", _mc(129), "norm2(x-a)", ("x",), "(x-a)/norm2(x-a)", kinds={"a": _V},
       topic="norm"),
    _r("unit_x_minus_a", _mc(130), "(x-a)/norm2(x-a)", ("x",),
       "eye/norm2(x-a)-(x-a)*(x-a)'/norm2(x-a)^3", kinds={"a": _V}, topic="norm"),
    _r("norm_x_squared", _mc(131), "norm2(x)^2", ("x",), "2*x", topic="norm"),
    _r("norm_xtx", _mc(131), "norm2(x'*x)", ("x",), "2*x", topic="norm"),
    _r("frobenius_squared", _mc(132), "norm2(X)^2", ("X",), "2*X", topic="norm"),
)

_GAUSS = "-0.5*logdet(S)-0.5*(x-m)'*inv(S)*(x-m)"
_GK = {"S": _S, "m": _V}
_GP = "-0.5*y'*inv(K)*y-0.5*logdet(K)"
_LOGISTIC = "sum(log(1+exp(-y.*(X*w))))"
_TANH_NET = "norm2(W2*tanh(W1*x)-y)^2"
_XENT_BATCH = "-sum(Y.*log(softmax(X*W, 2)))"
_DIRICHLET = "lgamma(sum(exp(x)))-sum(lgamma(exp(x)))"
_STUDENT = "lgamma((c+1)/2)-lgamma(c/2)-log(c)/2-(c+1)/2*sum(log(1+(y.^2)/c))"

_ML = (
    _r("least_squares", "ML: least squares", "norm2(X*w-y)^2", ("w",), "2*X'*(X*w-y)", topic="ml"),
    _r("ridge", "ML: ridge regression", "norm2(X*w-y)^2+c*norm2(w)^2", ("w",),
       "2*X'*(X*w-y)+2*c*w", topic="ml"),
    _r("lasso", "ML: lasso (L1-regularized least squares)", "norm2(X*w-y)^2+c*norm1(w)", ("w",),
       "2*X'*(X*w-y)+c*sign(w)", topic="ml", note="away from w = 0"),
    _r("logistic", "ML: logistic regression", _LOGISTIC, ("w",),
       "-X'*(y.*sigmoid(-y.*(X*w)))", topic="ml", note="labels y in {-1, 1} or any reals"),
    _r("softmax_xent_W", "ML: softmax cross-entropy", "-y'*log(softmax(W*x))", ("W",),
       "(sum(y)*softmax(W*x)-y)*x'", topic="ml", note="y need not be one-hot"),
    _r("softmax_xent_x", "ML: softmax cross-entropy", "-y'*log(softmax(W*x))", ("x",),
       "W'*(sum(y)*softmax(W*x)-y)", topic="ml"),
    _r("gauss_mu", "ML: Gaussian log-likelihood", _GAUSS, ("m",), "inv(S)*(x-m)", kinds=_GK,
       topic="ml"),
    _r("gauss_sigma", "ML: Gaussian log-likelihood", _GAUSS, ("S",),
       "-0.5*inv(S)+0.5*inv(S)*(x-m)*(x-m)'*inv(S)", kinds=_GK, topic="ml",
       note="S symmetric: the gradient on symmetric matrices"),
    _r("gp_kernel", "ML: Gaussian-process marginal likelihood", _GP, ("K",),
       "0.5*inv(K)*y*y'*inv(K)-0.5*inv(K)", kinds={"K": _S}, topic="ml",
       note="K symmetric (Rasmussen & Williams eq. 5.9, with dK the unit symmetric directions)"),
    _r("factorization_U", "ML: matrix factorization", "norm2(X-U*V')^2", ("U",),
       "-2*(X-U*V')*V", topic="ml"),
    _r("factorization_V", "ML: matrix factorization", "norm2(X-U*V')^2", ("V",),
       "-2*(X-U*V')'*U", topic="ml"),
    _r("tanh_net_W2", "ML: two-layer tanh network", _TANH_NET, ("W2",),
       "2*(W2*tanh(W1*x)-y)*tanh(W1*x)'", topic="ml"),
    _r("tanh_net_W1", "ML: two-layer tanh network", _TANH_NET, ("W1",),
       "2*((W2'*(W2*tanh(W1*x)-y)).*(1-tanh(W1*x).^2))*x'", topic="ml"),
    _r("relu_net_W1", "ML: two-layer ReLU network", "norm2(W2*relu(W1*x)-y)^2", ("W1",),
       "2*((W2'*(W2*relu(W1*x)-y)).*step(W1*x))*x'", topic="ml", note="away from W1*x = 0"),
    _r("poisson", "ML: Poisson regression", "sum(exp(X*w))-y'*X*w", ("w",), "X'*(exp(X*w)-y)",
       topic="ml"),
    _r("rayleigh", "ML: Rayleigh quotient (PCA)", "x'*S*x/(x'*x)", ("x",),
       "2*S*x/(x'*x)-2*(x'*S*x)*x/(x'*x)^2", kinds={"S": _S}, topic="ml"),
    _r("softmax_xent_batch", "ML: batched softmax cross-entropy", _XENT_BATCH, ("W",),
       "X'*(diag(Y*vector(1))*softmax(X*W, 2)-Y)", topic="ml",
       note="rows of X are examples, rows of Y targets; X'*(softmax(X*W, 2)-Y) when each row of Y sums to 1"),
    _r("logsumexp_rows", "ML: log-partition of a batch", "sum(logsumexp(X*W, 2))", ("W",),
       "X'*softmax(X*W, 2)", topic="ml"),
    _r("logsumexp", "ML: log-partition (logsumexp)", "logsumexp(x)", ("x",), "softmax(x)", topic="ml"),
    _r("mean_squared_error", "ML: mean squared error", "mean((X*w-y).^2)", ("w",),
       "2*X'*(X*w-y)/size(X, 1)", topic="ml"),
    _r("softplus_logistic", "ML: logistic regression (softplus form)", "sum(softplus(-y.*(X*w)))", ("w",),
       "-X'*(y.*sigmoid(-y.*(X*w)))", topic="ml", note="the stable form of sum(log(1+exp(-y.*(X*w))))"),
    _r("probit", "ML: probit regression", "sum(log(normcdf(y.*(X*w))))", ("w",),
       "X'*(y.*exp(-(y.*(X*w)).^2/2)./normcdf(y.*(X*w)))/sqrt(2*3.141592653589793)", topic="ml",
       note="labels y in {-1, 1}"),
    _r("gelu_W", "ML: exact GELU layer", "sum((W*x).*normcdf(W*x))", ("W",), None, topic="ml",
       note="GELU(u) = u Φ(u) (Hendrycks & Gimpel)"),
    _r("dirichlet_normalizer", "ML: Dirichlet log-normalizer", _DIRICHLET, ("x",),
       "digamma(sum(exp(x)))*exp(x)-digamma(exp(x)).*exp(x)", topic="ml",
       note="concentrations exp(x): log B(exp(x)) = sum(lgamma(exp(x)))-lgamma(sum(exp(x))) negated"),
    _r("student_t_nu", "ML: Student-t log-likelihood in its degrees of freedom", _STUDENT, ("c",),
       None, kinds={"c": _T}, topic="ml", note="c = nu > 0; the terms of the normalizer"),
    _r("hinge", "ML: support vector machine (hinge loss)", "sum(max(1-y.*(X*w), 0))", ("w",),
       "-X'*(y.*step(1-y.*(X*w)))", topic="ml", note="a subgradient; step is 0 at 0"),
    _r("max_pool_W", "ML: max-over-time pooling (Collobert et al., JMLR 2011)", "sum(max(X*W, [], 1))",
       ("W",), "X'*ismax(X*W, 1)", topic="ml",
       note="rows of X are time steps; a subgradient: at a tie in a column its entries share equally"),
    _r("multiclass_hinge_W", "ML: multiclass hinge loss (Crammer & Singer, JMLR 2001)",
       "sum(max(X*W+1-Y, [], 2))-sum(Y.*(X*W))", ("W",), "X'*(ismax(X*W+1-Y, 2)-Y)", topic="ml",
       note="rows of Y one-hot labels; a subgradient: at a tie in a row its entries share equally"),
    _r("attention_K", "ML: attention by rows", "tr(V'*softmax(Q*K'/c, 2))", ("K",), None, topic="ml",
       note="d/dK of sum(V.*softmax(Q*K'/c, 2))"),
)

_BCE = "sum(-y.*log(sigmoid(X*w))-(1-y).*log(1-sigmoid(X*w)))"
_PRML = "ML: binary cross-entropy (Bishop, Pattern Recognition and Machine Learning, eq. ({}))"
_BARRIER = "Boyd & Vandenberghe, Convex Optimization, §11.2.1 (logarithmic barrier)"
_KL = "statistics: Kullback-Leibler divergence (Cover & Thomas, Elements of Information Theory, eq. (2.26))"
_PQ = {"p": _V, "q": _V}
_Y = {"y": _V}
_POSITIVE = {"p": (0.2, 1.0), "q": (0.2, 1.0)}
_INSIDE = {"b": (6.0, 7.0), "x": (-0.5, 0.5)}  # |A*x| < 6 for the test matrices (3 I + noise, at most 4x4)

_APPLIED = (  # results a paper prints compactly (issue 9)
    _r("bce", _PRML.format("4.91"), _BCE, ("w",), "X'*(sigmoid(X*w)-y)", kinds=_Y, topic="applied",
       note="labels y in [0, 1]"),
    _r("hessian_bce", _PRML.format("4.97"), _BCE, ("w", "w"), "X'*diag(sigmoid(X*w).*(1-sigmoid(X*w)))*X",
       kinds=_Y, topic="applied"),
    _r("least_squares_inner", "ML: least squares", "(X*w-y)'*(X*w-y)", ("w",), "2*X'*(X*w-y)",
       topic="applied"),
    _r("log_cosh", "ML: log-cosh regression loss", "sum(log(cosh(X*w-y)))", ("w",), "X'*tanh(X*w-y)",
       topic="applied", note="d log(cosh(u)) = tanh(u) du"),
    _r("log_sum_exp", "ML: log-partition (logsumexp)", "log(sum(exp(x)))", ("x",), "softmax(x)",
       topic="applied", note="logsumexp written out"),
    _r("hessian_log_sum_exp", "ML: log-partition (logsumexp)", "log(sum(exp(x)))", ("x", "x"),
       "diag(softmax(x))-softmax(x)*softmax(x)'", topic="applied", note="logsumexp written out"),
    _r("softmax_sum", "calculus: softmax(x) sums to 1", "sum(softmax(x))", ("x",), "vector(0)",
       topic="applied", note="identically zero"),
    _r("barrier", _BARRIER, "-sum(log(b-A*x))", ("x",), "A'*(1./(b-A*x))", kinds={"b": _V},
       topic="applied", note="where b-A*x > 0", ranges=_INSIDE),
    _r("hessian_barrier", _BARRIER, "-sum(log(b-A*x))", ("x", "x"), "A'*diag(1./(b-A*x).^2)*A",
       kinds={"b": _V}, topic="applied", note="where b-A*x > 0", ranges=_INSIDE),
    _r("kl_q", _KL, "sum(p.*log(p./q))", ("q",), "-p./q", kinds=_PQ, topic="applied",
       note="p, q > 0", ranges=_POSITIVE),
    _r("hessian_kl_q", _KL, "sum(p.*log(p./q))", ("q", "q"), "diag(p./q.^2)", kinds=_PQ,
       topic="applied", note="p, q > 0", ranges=_POSITIVE),
    _r("centered_squares", "statistics: sum of squared deviations", "0.5*norm2(x-mean(x))^2", ("x",),
       "x-mean(x)", kinds={"x": _V}, topic="applied",
       note="the centring projector is symmetric and idempotent"),
    _r("spring", "mechanics: energy of an elastic spring of rest length d", "0.5*(norm2(p-q)-d)^2", ("p",),
       "(norm2(p-q)-d)*(p-q)/norm2(p-q)", kinds={**_PQ, "d": _T}, topic="applied"),
)

_HESSIAN = (
    _r("hessian_lgamma", "ML: Dirichlet log-normalizer", "sum(lgamma(exp(x)))", ("x", "x"),
       "diag(exp(x).^2.*trigamma(exp(x))+digamma(exp(x)).*exp(x))", topic="hessian"),
    _r("hessian_softplus", "ML: logistic regression (softplus form)", "sum(softplus(X*w))", ("w", "w"),
       "X'*diag(sigmoid(X*w).*(1-sigmoid(X*w)))*X", topic="hessian"),
    _r("hessian_logsumexp", "ML: log-partition (logsumexp)", "logsumexp(x)", ("x", "x"),
       "diag(softmax(x))-softmax(x)*softmax(x)'", topic="hessian"),
    _r("hessian_xent_batch", "ML: batched softmax cross-entropy", _XENT_BATCH, ("W", "W"), None,
       closed_form=False, topic="hessian", note="order 4"),
    _r("hessian_quadratic", _mc("§2.4.4"), "x'*A*x+b'*x", ("x", "x"), "A+A'", kinds={"b": _V},
       topic="hessian"),
    _r("hessian_sym_quadratic", "Matrix Cookbook §2.4.4", "x'*S*x", ("x", "x"), "2*S",
       kinds={"S": _S}, topic="hessian", note="S symmetric"),
    _r("hessian_unit", _mc(130), "norm2(x-a)", ("x", "x"),
       "eye/norm2(x-a)-(x-a)*(x-a)'/norm2(x-a)^3", kinds={"a": _V}, topic="hessian"),
    _r("hessian_least_squares", "ML: least squares", "norm2(X*w-y)^2", ("w", "w"), "2*X'*X",
       topic="hessian"),
    _r("hessian_ridge", "ML: ridge regression", "norm2(X*w-y)^2+c*norm2(w)^2", ("w", "w"),
       "2*X'*X+2*c*eye", topic="hessian"),
    _r("hessian_logistic", "ML: logistic regression", _LOGISTIC, ("w", "w"),
       "X'*diag(y.*y.*sigmoid(y.*(X*w)).*sigmoid(-y.*(X*w)))*X", topic="hessian"),
    _r("hessian_softmax_xent", "ML: softmax cross-entropy", "-y'*log(softmax(W*x))", ("x", "x"),
       "sum(y)*W'*(diag(softmax(W*x))-softmax(W*x)*softmax(W*x)')*W", topic="hessian"),
    _r("hessian_gauss_mu", "ML: Gaussian log-likelihood", _GAUSS, ("m", "m"), "-inv(S)",
       kinds=_GK, topic="hessian"),
    _r("mixed_gauss", "ML: Gaussian log-likelihood", _GAUSS, ("m", "x"), "inv(S)", kinds=_GK,
       topic="hessian", note="mixed derivative, by m then x"),
    _r("mixed_bilinear", "calculus", "x'*A*y", ("x", "y"), "A", topic="hessian",
       note="mixed derivative of the bilinear form"),
    _r("hessian_sum_exp", "calculus", "sum(exp(x))", ("x", "x"), "diag(exp(x))",
       topic="hessian"),
    _r("chain_two_arguments", "calculus", "f(A*x, x+y)", ("x",),
       "A'*partial(f,1)(A*x, x+y)+partial(f,2)(A*x, x+y)", kinds={"f": "scalar function"}, topic="rules",
       note="the chain rule through a function of two arguments"),
    _r("hessian_two_arguments", "calculus", "f(A*x, x+y)", ("x", "x"),
       "A'*partial(f,1,1)(A*x, x+y)*A+A'*partial(f,1,2)(A*x, x+y)+partial(f,1,2)(A*x, x+y)'*A"
       "+partial(f,2,2)(A*x, x+y)", kinds={"f": "scalar function"}, topic="hessian",
       note="the partials commute: the mixed one appears with its transpose"),
    _r("hessian_poisson", "ML: Poisson regression", "sum(exp(X*w))-y'*X*w", ("w", "w"),
       "X'*diag(exp(X*w))*X", topic="hessian"),
    _r("hessian_rayleigh", "ML: Rayleigh quotient (PCA)", "x'*S*x/(x'*x)", ("x", "x"),
       "2*S/(x'*x)-4*(S*x*x'+x*x'*S)/(x'*x)^2-2*(x'*S*x)*eye/(x'*x)^2"
       "+8*(x'*S*x)*x*x'/(x'*x)^3", kinds={"S": _S}, topic="hessian"),
    _r("hessian_norm", _mc(130), "sqrt(x'*x)", ("x", "x"), "eye/sqrt(x'*x)-x*x'/(x'*x)^1.5",
       topic="hessian", note="the Hessian of norm2(x), written with sqrt"),
    _r("hessian_exp_quadratic", "calculus", "exp(x'*A*x)", ("x", "x"),
       "exp(x'*A*x)*((A+A')*x*x'*(A+A')+A+A')", topic="hessian"),
    _r("hessian_gauss_sigma", "ML: Gaussian log-likelihood", _GAUSS, ("S", "S"), None,
       kinds=_GK, closed_form=False, topic="hessian", note="symmetric in each pair of S-axes"),
    _r("hessian_gp_kernel", "ML: Gaussian-process marginal likelihood", _GP, ("K", "K"), None,
       kinds={"K": _S}, closed_form=False, topic="hessian", note="symmetric in each pair of K-axes"),
    _r("hessian_tanh_net_W1", "ML: two-layer tanh network", _TANH_NET, ("W1", "W1"), None,
       closed_form=False, topic="hessian"),
    _r("hessian_inv", _mc(60), "inv(X)", ("X", "X"), None, closed_form=False, topic="hessian",
       note="the derivative of (60), order 6"),
    _r("hessian_logdet", _mc(57), "logdet(X)", ("X", "X"), None, closed_form=False,
       topic="hessian", note="the derivative of (57), order 4: -inv(X)[l,i]*inv(X)[j,k]"),
    _r("hessian_det", _mc(49), "det(X)", ("X", "X"), None, closed_form=False, topic="hessian",
       note="the derivative of (49), order 4"),
    _r("hessian_tr_XtAX", _mc(108), "tr(X'*A*X)", ("X", "X"), None, closed_form=False,
       topic="hessian", note="the derivative of (108), order 4: (A+A')[i,k]*delta[j,l]"),
    _r("hessian_tanh_net_W2", "ML: two-layer tanh network", _TANH_NET, ("W2", "W2"), None,
       closed_form=False, topic="hessian"),
    _r("mixed_factorization", "ML: matrix factorization", "norm2(X-U*V')^2", ("U", "V"), None,
       closed_form=False, topic="hessian"),
)

_THIRD = (
    _r("third_sum_exp", "calculus", "sum(exp(x))", ("x", "x", "x"), None, closed_form=False,
       topic="third", note="exp(x)[i] where i = j = k"),
    _r("third_sum_cube", "calculus", "sum(x.^3)", ("x", "x", "x"), None, closed_form=False,
       topic="third", note="6 where i = j = k"),
    _r("third_xtx_squared", "calculus", "(x'*x)^2", ("x", "x", "x"), None, closed_form=False,
       topic="third", note="8*(x[i]*delta[j,k]+x[j]*delta[i,k]+x[k]*delta[i,j])"),
    _r("third_quadratic", _mc("§2.4.4"), "x'*A*x", ("x", "x", "x"), None, closed_form=False,
       topic="third", note="the derivative of the Hessian A+A': zero"),
    _r("third_least_squares", "ML: least squares", "norm2(X*w-y)^2", ("w", "w", "w"), None,
       closed_form=False, topic="third", note="zero"),
    _r("third_logistic", "ML: logistic regression", _LOGISTIC, ("w", "w", "w"), None,
       closed_form=False, topic="third"),
    _r("third_scalar_exp", "calculus", "exp(2*t)", ("t", "t", "t"), "8*exp(2*t)",
       kinds={"t": _T}, topic="third"),
    _r("third_scalar_logdet", _mc(43), "logdet(A+t*B)", ("t", "t", "t"),
       "2*tr(inv(A+t*B)*B*inv(A+t*B)*B*inv(A+t*B)*B)", kinds={"t": _T}, topic="third",
       note="(43) differentiated twice more"),
    _r("third_logdet_S", _mc(57), "logdet(S)", ("S", "S", "S"), None, kinds={"S": _S},
       closed_form=False, topic="third",
       note="(57) differentiated twice more; symmetric in each pair of S-axes"),
)

_JACOBIAN = (
    _r("jac_softmax_rows", "Jacobian", "softmax(X, 2)", ("X",), None, closed_form=False, topic="jacobian",
       note="order 4: S[i,j]*delta[i,k]*(delta[j,l]-S[i,l]) with S = softmax(X, 2)"),
    _r("jac_logsumexp_cols", "Jacobian", "logsumexp(X*W, 1)", ("W",), None, closed_form=False,
       topic="jacobian"),
    _r("jac_row_sums", "Jacobian", "sum(X*W, 2)", ("W",), None, closed_form=False, topic="jacobian"),
    _r("jac_Wx_by_W", "Jacobian", "W*x", ("W",), None, closed_form=False, topic="jacobian",
       note="order 3: delta[i,j]*x[k]"),
    _r("jac_Wx_by_x", "Jacobian", "W*x", ("x",), "W", topic="jacobian"),
    _r("jac_xtA_by_x", "Jacobian", "x'*A", ("x",), "A'", topic="jacobian"),
    _r("jac_AXB_by_X", "Jacobian", "A*X*B", ("X",), None, closed_form=False, topic="jacobian",
       note="order 4: A[i,k]*B[l,j]"),
    _r("jac_XtX_by_X", "Jacobian", "X'*X", ("X",), None, closed_form=False, topic="jacobian"),
    _r("jac_exp_Xw", "Jacobian", "exp(X*w)", ("w",), "diag(exp(X*w))*X", topic="jacobian"),
    _r("jac_softmax", "Jacobian", "softmax(x)", ("x",),
       "diag(softmax(x))-softmax(x)*softmax(x)'", topic="jacobian"),
    _r("jac_tanh_layer", "Jacobian", "tanh(W*x)", ("x",), "diag(1-tanh(W*x).^2)*W",
       topic="jacobian"),
    _r("jac_hadamard", "Jacobian", "x.*y", ("x",), "diag(y)", topic="jacobian"),
    _r("gradient_sum", "calculus", "sum(x)", ("x",), "vector(1)", topic="jacobian"),
    _r("jac_XX_by_X", "Jacobian", "X.*X", ("X",), None, closed_form=False, topic="jacobian",
       note="order 4: 2*X[i,j]*delta[i,k]*delta[j,l]"),
    _r("jac_diagX", "Jacobian", "diag(X)", ("X",), None, closed_form=False, topic="jacobian"),
    _r("hessian_softmax", "Jacobian", "softmax(x)", ("x", "x"), None, closed_form=False,
       topic="jacobian", note="the second derivative of a vector, order 3"),
    _r("jac_outer", "Jacobian", "x*x'", ("x",), None, closed_form=False, topic="jacobian",
       note="order 3: delta[i,k]*x[j]+x[i]*delta[j,k]"),
    _r("jac_diag", "Jacobian", "diag(x)", ("x",), None, closed_form=False, topic="jacobian"),
    _r("jac_Xw_by_X", "Jacobian", "exp(X*w)", ("X",), None, closed_form=False,
       topic="jacobian"),
    _r("jac_vector_by_scalar", "Jacobian", "exp(t*x)", ("t",), "x.*exp(t*x)", kinds={"t": _T},
       topic="jacobian"),
    _r("jac_logistic_gradient", "Jacobian", "sigmoid(X*w)", ("w",),
       "diag(sigmoid(X*w).*(1-sigmoid(X*w)))*X", topic="jacobian"),
)

_MN = "Magnus & Neudecker ch. 2; Matrix Cookbook §10.2"
_KRON = (
    _r("kron_product_trace", _MN, "tr(kron(A, B)*kron(A', B'))", ("A",), "2*tr(B'*B)*A", topic="kronecker",
       note="(A⊗B)(C⊗D) = AC⊗BD, then tr(A⊗B) = tr(A) tr(B)"),
    _r("kron_bilinear", _MN, "x'*kron(A, B)*y", ("y",), "kron(A', B')*x", topic="kronecker",
       note="(A⊗B)' = A'⊗B'"),
    _r("kron_inverse_form", _MN, "x'*inv(kron(S, T))*x", ("x",), "2*kron(inv(S), inv(T))*x",
       kinds={"S": _S, "T": _S}, topic="kronecker", note="(S⊗T)⁻¹ = S⁻¹⊗T⁻¹"),
    _r("kron_times_vec", _MN, "y'*kron(B, A)*vec(X)+y'*vec(A*X*B')", ("y",), "2*vec(A*X*B')",
       topic="kronecker", note="(B⊗A) vec(X) = vec(A X B')"),
    _r("vec_outer", _MN, "vec(x*y')", ("x",), "kron(y, eye)", topic="kronecker",
       note="vec(x y') = y⊗x"),
    _r("vec_norm", _MN, "vec(X)'*vec(X)", ("X",), "2*X", topic="kronecker",
       note="vec(X)'vec(X) = tr(X'X)"),
    _r("vec_AXB", _MN, "vec(A*X*B)", ("X",), None, closed_form=False, topic="kronecker",
       note="order 3 in index form; its vec form is kron(B', A)"),
    _r("kron_sum_by_scale", _MN, "sum(a*kron(X, Y))", ("a",), "sum(X)*sum(Y)", kinds={"a": _T},
       topic="kronecker", note="sum(A⊗B) = sum(A) sum(B)"),
    _r("kron_sum_by_factor", _MN, "sum(kron(x, A))", ("A",), "sum(x)*matrix(1, size(A, 1), size(A, 2))",
       topic="kronecker", note="(x'⊗I) 1 = (x'1)⊗(I 1): ones over a product are 1⊗1"),
)

#: Every tested identity, grouped by topic.
IDENTITIES: tuple[Recipe, ...] = (
    _RULES + _DETERMINANT + _INVERSE + _FORMS + _TRACE + _NORM + _ML + _HESSIAN + _THIRD + _JACOBIAN
    + _KRON
    + _APPLIED
)

_BY_NAME = {r.name: r for r in IDENTITIES}
if len(_BY_NAME) != len(IDENTITIES):  # pragma: no cover - a mistake in the table above
    raise RuntimeError("identity names must be unique")


def by_name(name: str) -> Recipe:
    """The recipe called ``name``."""
    return _BY_NAME[name]

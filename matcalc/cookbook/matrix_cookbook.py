"""The identities of chapter 2 of the Matrix Cookbook (Petersen & Pedersen, edition of 2012-11-15).

The general rules, then derivatives of determinants, inverses, forms
(linear, quadratic, cubic), traces and norms; `matcalc.cookbook` lists them
with the others.
"""

from __future__ import annotations

from matcalc.cookbook.recipe import SCALAR as _T
from matcalc.cookbook.recipe import SQUARE as _Q
from matcalc.cookbook.recipe import SYMMETRIC as _S
from matcalc.cookbook.recipe import VECTOR as _V
from matcalc.cookbook.recipe import cite as _mc
from matcalc.cookbook.recipe import recipe as _r

__all__ = ["DETERMINANT", "FORMS", "INVERSE", "NORM", "RULES", "TRACE"]

_ab = {"a": _V, "b": _V}
_SYM = "S symmetric: the gradient on symmetric matrices (G+G')/2, not §2.8.2's G+G'-diag(G)"
_tall = {"X": (4, 2)}

RULES = (  # the general rules of chapter 2, with a scalar parameter t
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

DETERMINANT = (
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

INVERSE = (
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
FORMS = (
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

TRACE = (
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

NORM = (
    _r("norm_x_minus_a", _mc(129), "norm2(x-a)", ("x",), "(x-a)/norm2(x-a)", kinds={"a": _V},
       topic="norm"),
    _r("unit_x_minus_a", _mc(130), "(x-a)/norm2(x-a)", ("x",),
       "eye/norm2(x-a)-(x-a)*(x-a)'/norm2(x-a)^3", kinds={"a": _V}, topic="norm"),
    _r("norm_x_squared", _mc(131), "norm2(x)^2", ("x",), "2*x", topic="norm"),
    _r("norm_xtx", _mc(131), "norm2(x'*x)", ("x",), "2*x", topic="norm"),
    _r("frobenius_squared", _mc(132), "norm2(X)^2", ("X",), "2*X", topic="norm"),
)

"""Derivatives of losses and models: machine learning, statistics, optimization, mechanics.

`ML` the losses of machine learning by their parameters, `APPLIED` results a
paper prints compactly (issue 9); the loss texts the second derivatives of
`matcalc.cookbook.higher_order` reuse (`GAUSS`, `LOGISTIC`, ...) are here.
"""

from __future__ import annotations

from matcalc.cookbook.recipe import SCALAR as _T
from matcalc.cookbook.recipe import SYMMETRIC as _S
from matcalc.cookbook.recipe import VECTOR as _V
from matcalc.cookbook.recipe import recipe as _r

__all__ = ["APPLIED", "GAUSS", "GK", "GP", "LOGISTIC", "ML", "TANH_NET", "XENT_BATCH"]

GAUSS = "-0.5*logdet(S)-0.5*(x-m)'*inv(S)*(x-m)"
GK = {"S": _S, "m": _V}
GP = "-0.5*y'*inv(K)*y-0.5*logdet(K)"
LOGISTIC = "sum(log(1+exp(-y.*(X*w))))"
TANH_NET = "norm2(W2*tanh(W1*x)-y)^2"
XENT_BATCH = "-sum(Y.*log(softmax(X*W, 2)))"
_DIRICHLET = "lgamma(sum(exp(x)))-sum(lgamma(exp(x)))"
_STUDENT = "lgamma((c+1)/2)-lgamma(c/2)-log(c)/2-(c+1)/2*sum(log(1+(y.^2)/c))"

ML = (
    _r("least_squares", "ML: least squares", "norm2(X*w-y)^2", ("w",), "2*X'*(X*w-y)", topic="ml"),
    _r("ridge", "ML: ridge regression", "norm2(X*w-y)^2+c*norm2(w)^2", ("w",),
       "2*X'*(X*w-y)+2*c*w", topic="ml"),
    _r("lasso", "ML: lasso (L1-regularized least squares)", "norm2(X*w-y)^2+c*norm1(w)", ("w",),
       "2*X'*(X*w-y)+c*sign(w)", topic="ml", note="away from w = 0"),
    _r("logistic", "ML: logistic regression", LOGISTIC, ("w",),
       "-X'*(y.*sigmoid(-y.*(X*w)))", topic="ml", note="labels y in {-1, 1} or any reals"),
    _r("softmax_xent_W", "ML: softmax cross-entropy", "-y'*log(softmax(W*x))", ("W",),
       "(sum(y)*softmax(W*x)-y)*x'", topic="ml", note="y need not be one-hot"),
    _r("softmax_xent_x", "ML: softmax cross-entropy", "-y'*log(softmax(W*x))", ("x",),
       "W'*(sum(y)*softmax(W*x)-y)", topic="ml"),
    _r("gauss_mu", "ML: Gaussian log-likelihood", GAUSS, ("m",), "inv(S)*(x-m)", kinds=GK,
       topic="ml"),
    _r("gauss_sigma", "ML: Gaussian log-likelihood", GAUSS, ("S",),
       "-0.5*inv(S)+0.5*inv(S)*(x-m)*(x-m)'*inv(S)", kinds=GK, topic="ml",
       note="S symmetric: the gradient on symmetric matrices"),
    _r("gp_kernel", "ML: Gaussian-process marginal likelihood", GP, ("K",),
       "0.5*inv(K)*y*y'*inv(K)-0.5*inv(K)", kinds={"K": _S}, topic="ml",
       note="K symmetric (Rasmussen & Williams eq. 5.9, with dK the unit symmetric directions)"),
    _r("factorization_U", "ML: matrix factorization", "norm2(X-U*V')^2", ("U",),
       "-2*(X-U*V')*V", topic="ml"),
    _r("factorization_V", "ML: matrix factorization", "norm2(X-U*V')^2", ("V",),
       "-2*(X-U*V')'*U", topic="ml"),
    _r("tanh_net_W2", "ML: two-layer tanh network", TANH_NET, ("W2",),
       "2*(W2*tanh(W1*x)-y)*tanh(W1*x)'", topic="ml"),
    _r("tanh_net_W1", "ML: two-layer tanh network", TANH_NET, ("W1",),
       "2*((W2'*(W2*tanh(W1*x)-y)).*(1-tanh(W1*x).^2))*x'", topic="ml"),
    _r("relu_net_W1", "ML: two-layer ReLU network", "norm2(W2*relu(W1*x)-y)^2", ("W1",),
       "2*((W2'*(W2*relu(W1*x)-y)).*step(W1*x))*x'", topic="ml", note="away from W1*x = 0"),
    _r("poisson", "ML: Poisson regression", "sum(exp(X*w))-y'*X*w", ("w",), "X'*(exp(X*w)-y)",
       topic="ml"),
    _r("rayleigh", "ML: Rayleigh quotient (PCA)", "x'*S*x/(x'*x)", ("x",),
       "2*S*x/(x'*x)-2*(x'*S*x)*x/(x'*x)^2", kinds={"S": _S}, topic="ml"),
    _r("softmax_xent_batch", "ML: batched softmax cross-entropy", XENT_BATCH, ("W",),
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
    _r("squared_hinge", "ML: squared hinge loss (L2-SVM; Chang, Hsieh & Lin, JMLR 2008, eq. (5))",
       "sum(max(1-y.*(X*w), 0).^2)", ("w",), "-2*X'*(y.*relu(1-y.*(X*w)))", topic="ml",
       note="relu(u).*step(u) is relu(u)"),
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

APPLIED = (  # results a paper prints compactly (issue 9)
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
    _r("am_hm_product", "inequalities: the AM-HM product (Σx)(Σ1/x) ≥ n², by Cauchy-Schwarz",
       "sum(x)*sum(1./x)", ("x",), "sum(1./x)-sum(x)./x.^2", topic="applied", ranges={"x": (0.5, 2.0)},
       note="x > 0; the gradient vanishes where all entries are equal, the minimum n²"),
)

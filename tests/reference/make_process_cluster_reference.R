#!/usr/bin/env Rscript
# =============================================================================
# make_process_cluster_reference.R -- reference values for surveykit.process(cluster=)
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_process_cluster_reference.R [--simulate] [OUTDIR]   # OUTDIR defaults to "lavaan/"
#
# --simulate  (re)writes data/process_cluster.csv: members nested in 50 branches of 4-20
#             members (set.seed(20261204)), with branch random intercepts in X, W, M and Y and a
#             branch-varying X slope in M (so cluster-robust and ordinary SEs differ), a true
#             moderation X x W -> M and M x W -> Y, a covariate C, a branch id `g` stored as
#             text ("b01".."b50"), and missing values in M (4 rows) and W (2 rows).  The
#             committed CSV is the input; without --simulate it is only read.
#
# Writes OUTDIR/process_cluster.json: PROCESS models 1, 7 and 14 (14 mean-centred) on the rows
# complete on the model's variables (listwise, as PROCESS), each equation fitted by lm() with
#   * V = sandwich::vcovCL(fit, cluster = ~g, type = "HC1") (CR1: G/(G-1) (N-1)/(N-K) times the
#     sandwich of the cluster sums of the scores; checked here against the formula written out);
#   * t tests on G - 1 degrees of freedom (Stata's vce(cluster), statsmodels), i.e.
#     lmtest::coeftest(fit, vcov = V, df = G - 1); the Wald F of all slopes and of the
#     highest-order product term on (q, G - 1) degrees of freedom;
#   * conditional effects g'b at mean -/+ SD of W with se = sqrt(g'Vg), t, p and CI on G - 1 df;
#   * Johnson-Neyman points (closed form, critical t on G - 1 df);
#   * indirect effects and the index of moderated mediation;
# and a cluster bootstrap of model 7 (set.seed(20261205), 5,000 draws): each draw samples G
# branches with replacement, stacks their rows, refits both equations by lm.fit; bootstrap SEs and
# percentile limits (boot's norm.inter rule) of the conditional indirect effects and the index; the
# first 5 draws' branches and coefficients are written out for a draw-by-draw check.
#
# Numbers are written with full precision (digits = NA: 15 significant digits).
# =============================================================================

for (pkg in c("sandwich", "lmtest", "jsonlite")) suppressPackageStartupMessages(library(pkg, character.only = TRUE))

cli <- commandArgs(trailingOnly = TRUE)
simulate <- any(cli == "--simulate")
positional <- cli[cli != "--simulate"]
out_dir <- if (length(positional)) sub("/+$", "", positional[[1]]) else "lavaan"
stopifnot("run this script from tests/reference/ (no ./data directory)" = dir.exists("data"))
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
csv <- file.path("data", "process_cluster.csv")

if (simulate) {
  set.seed(20261204)
  G <- 50
  sizes <- sample(4:20, G, replace = TRUE)
  g <- rep(sprintf("b%02d", seq_len(G)), sizes)
  n <- length(g)
  u <- function(s) rep(rnorm(G, 0, s), sizes)  # a branch effect shared by the branch's members
  X <- 3.3 + u(0.4) + rnorm(n, 0, 0.6)
  W <- 3.0 + u(0.5) + rnorm(n, 0, 0.6)
  C <- round(runif(n, 25, 60))
  M <- 1 + 0.4 * X + 0.2 * W + 0.25 * (X - 3.3) * (W - 3) + u(0.2) * (X - 3.3) + u(0.35) + rnorm(n, 0, 0.5)
  Y <- 0.5 + 0.15 * X + 0.35 * M + 0.1 * W + 0.2 * (M - 3) * (W - 3) + 0.005 * C + u(0.4) + rnorm(n, 0, 0.5)
  d <- data.frame(g, X = round(X, 4), W = round(W, 4), M = round(M, 4), Y = round(Y, 4), C)
  d$M[c(7, 101, 250, 333)] <- NA
  d$W[c(50, 400)] <- NA
  write.csv(d, csv, row.names = FALSE, na = "")
  message("wrote ", csv)
}
cdata <- read.csv(csv, stringsAsFactors = FALSE)
LEVEL <- 0.95
clean <- function(nm) gsub("`", "", nm, fixed = TRUE)

#' CR1 written out: G/(G-1) (N-1)/(N-K) (X'X)^-1 (sum_g X_g' e_g e_g' X_g) (X'X)^-1.
cr1 <- function(fit, cl) {
  X <- model.matrix(fit); e <- residuals(fit)
  n <- nrow(X); k <- ncol(X); G <- length(unique(cl))
  S <- rowsum(X * e, cl)
  B <- solve(crossprod(X))
  G / (G - 1) * (n - 1) / (n - k) * B %*% crossprod(S) %*% B
}

wald <- function(b, V, idx, df2) {
  f <- as.numeric(t(b[idx]) %*% solve(V[idx, idx, drop = FALSE], b[idx])) / length(idx)
  c(f, length(idx), df2, pf(f, length(idx), df2, lower.tail = FALSE))
}

t_inf <- function(est, se, df) {
  t <- est / se; crit <- qt((1 + LEVEL) / 2, df)
  list(est = est, se = se, t = t, pvalue = 2 * pt(abs(t), df, lower.tail = FALSE),
       ci_lower = est - crit * se, ci_upper = est + crit * se)
}

fit_equation <- function(label, outcome, rhs, d, highest) {
  fit <- lm(as.formula(paste(outcome, "~", paste(rhs, collapse = " + "))), data = d)
  b <- coef(fit); names(b) <- clean(names(b))
  V <- vcovCL(fit, cluster = ~g, type = "HC1"); dimnames(V) <- list(names(b), names(b))
  stopifnot(isTRUE(all.equal(unname(V), unname(cr1(fit, d$g)), tolerance = 1e-10)))
  G <- length(unique(d$g)); df2 <- G - 1
  ct <- coeftest(fit, vcov. = V, df = df2)
  inf <- t_inf(unname(b), unname(sqrt(diag(V))), df2)
  stopifnot(isTRUE(all.equal(unname(ct[, 4]), inf$pvalue, tolerance = 1e-12)))
  slopes <- which(names(b) != "(Intercept)")
  list(label = label, outcome = outcome, terms = names(b), n = nrow(d), n_clusters = G, df = df2,
       coefficients = inf, r2 = summary(fit)$r.squared, mse = sum(residuals(fit)^2) / fit$df.residual,
       f = wald(b, V, slopes, df2),
       r2_change = lapply(highest, function(term) {
         red <- update(fit, as.formula(paste(". ~ . -", term)))
         list(term = term, r2_change = summary(fit)$r.squared - summary(red)$r.squared,
              f = wald(b, V, match(term, names(b)), df2))
       }),
       .b = b, .V = V, .df = df2)
}

grad <- function(b, diff, point) {
  g <- setNames(numeric(length(b)), names(b))
  for (nm in names(b)) {
    parts <- strsplit(nm, ":", fixed = TRUE)[[1]]
    if (diff %in% parts) g[[nm]] <- prod(point[setdiff(parts, diff)])
  }
  g
}

effect <- function(eq, diff, point) {
  g <- grad(eq$.b, diff, point)
  t_inf(sum(g * eq$.b), sqrt(as.numeric(t(g) %*% eq$.V %*% g)), eq$.df)
}

jn_roots <- function(eq, diff, mod) {
  g0 <- grad(eq$.b, diff, setNames(0, mod)); g1 <- grad(eq$.b, diff, setNames(1, mod)) - g0
  crit <- qt((1 + LEVEL) / 2, eq$.df); V <- eq$.V
  c0 <- sum(g0 * eq$.b); a <- sum(g1 * eq$.b)
  A <- a^2 - crit^2 * as.numeric(t(g1) %*% V %*% g1)
  B <- 2 * (a * c0 - crit^2 * as.numeric(t(g0) %*% V %*% g1))
  C <- c0^2 - crit^2 * as.numeric(t(g0) %*% V %*% g0)
  disc <- B^2 - 4 * A * C
  if (disc < 0) numeric(0) else sort(c((-B - sqrt(disc)) / (2 * A), (-B + sqrt(disc)) / (2 * A)))
}

probes <- function(v) { m <- mean(v); s <- sd(v); c(max(m - s, min(v)), m, min(m + s, max(v))) }

#' One case: `eqs` list(label, outcome, rhs, highest); `link` list(eq, diff) moderated by W;
#' `path` list of (eq, diff) stages of the indirect effect; `index` function(b) of the coefficients.
run_case <- function(args, vars, eqs, link, path = NULL, index = NULL) {
  d <- cdata[complete.cases(cdata[, vars]), ]
  centered <- list()
  if (isTRUE(args$center)) for (v in args$center_vars) { centered[[v]] <- mean(d[[v]]); d[[v]] <- d[[v]] - mean(d[[v]]) }
  E <- list()
  for (e in eqs) E[[e$label]] <- fit_equation(e$label, e$outcome, e$rhs, d, e$highest)
  pv <- probes(d$W)
  cond <- lapply(pv, function(w) c(list(w = w), effect(E[[link$eq]], link$diff, c(W = w))))
  ind <- if (is.null(path)) list() else lapply(pv, function(w) list(
    w = w, est = prod(sapply(path, function(s) sum(grad(E[[s[1]]]$.b, s[2], c(W = w)) * E[[s[1]]]$.b)))))
  b <- lapply(E, function(e) e$.b)
  list(args = args[setdiff(names(args), "center_vars")], n = nrow(d), n_clusters = length(unique(d$g)),
       probe_values = pv, centered = centered,
       equations = unname(lapply(E, function(e) e[!startsWith(names(e), ".")])),
       conditional = list(equation = link$eq, diff = link$diff, at = cond),
       johnson_neyman = list(equation = link$eq, diff = link$diff, roots = jn_roots(E[[link$eq]], link$diff, "W")),
       indirect = ind, index = if (is.null(index)) NULL else index(b))
}

cases <- list()
cases$m1 <- run_case(list(model = 1, x = "X", y = "Y", w = "W", covariates = list("C")), c("X", "W", "Y", "C", "g"),
  list(list(label = "Y", outcome = "Y", rhs = c("X", "W", "X:W", "C"), highest = list("X:W"))),
  list(eq = "Y", diff = "X"))
cases$m7 <- run_case(list(model = 7, x = "X", m = "M", y = "Y", w = "W", covariates = list("C")),
  c("X", "M", "W", "Y", "C", "g"),
  list(list(label = "M", outcome = "M", rhs = c("X", "W", "X:W", "C"), highest = list("X:W")),
       list(label = "Y", outcome = "Y", rhs = c("X", "M", "C"), highest = list())),
  list(eq = "M", diff = "X"), list(c("M", "X"), c("Y", "M")),
  function(b) b$M[["X:W"]] * b$Y[["M"]])
cases$m14 <- run_case(list(model = 14, x = "X", m = "M", y = "Y", w = "W", center = TRUE, center_vars = c("M", "W")),
  c("X", "M", "W", "Y", "g"),
  list(list(label = "M", outcome = "M", rhs = c("X"), highest = list()),
       list(label = "Y", outcome = "Y", rhs = c("X", "M", "W", "M:W"), highest = list("M:W"))),
  list(eq = "Y", diff = "M"), list(c("M", "X"), c("Y", "M")),
  function(b) b$M[["X"]] * b$Y[["M:W"]])

# -- the cluster bootstrap of model 7: R loop of lm.fit refits on whole branches -----------------------
n_boot <- 5000
boot_seed <- 20261205
d <- cdata[complete.cases(cdata[, c("X", "M", "W", "Y", "C", "g")]), ]
ids <- sort(unique(d$g))
rows_of <- split(seq_len(nrow(d)), factor(d$g, levels = ids))
pv <- probes(d$W)
Xm <- cbind(1, d$X, d$W, d$X * d$W, d$C)
Xy <- cbind(1, d$X, d$M, d$C)
coefs <- function(idx) c(lm.fit(Xm[idx, ], d$M[idx])$coefficients, lm.fit(Xy[idx, ], d$Y[idx])$coefficients)
stat <- function(cf) c(setNames((cf[2] + cf[4] * pv) * cf[8], c("indirect_w_low", "indirect_w_mean", "indirect_w_high")),
                       index = cf[[4]] * cf[[8]])
t0 <- stat(coefs(seq_len(nrow(d))))
set.seed(boot_seed)
picked <- replicate(n_boot, sample.int(length(ids), replace = TRUE), simplify = FALSE)
cf_draws <- t(sapply(picked, function(p) coefs(unlist(rows_of[p], use.names = FALSE))))
draws <- t(apply(cf_draws, 1, stat))
alpha <- c((1 - LEVEL) / 2, (1 + LEVEL) / 2)
boot_ref <- lapply(names(t0), function(k) list(statistic = k, est = t0[[k]], se = sd(draws[, k]),
                                                percentile = boot:::norm.inter(draws[, k], alpha)[, 2]))
names(boot_ref) <- names(t0)

result <- list(
  description = paste("PROCESS models 1, 7, 14 with cluster-robust (CR1) inference on data/process_cluster.csv",
                      "(simulated: 50 branches); sandwich::vcovCL(type = 'HC1'), t and F on G - 1 df; a cluster",
                      "bootstrap of model 7"),
  data = "data/process_cluster.csv", cluster = "g", level = LEVEL,
  call = "lm(); V <- sandwich::vcovCL(fit, cluster = ~g, type = 'HC1'); lmtest::coeftest(fit, vcov. = V, df = G - 1)",
  cases = cases,
  bootstrap = list(case = "m7", n_boot = n_boot, seed = boot_seed, w = pv, clusters = ids,
                   call = paste("sample.int(G, replace = TRUE) branches, their rows stacked; lm.fit refits of",
                                "M ~ X*W + C and Y ~ X + M + C"),
                   statistics = boot_ref,
                   first_draws = lapply(1:5, function(i) list(clusters = ids[picked[[i]]],
                                                              coefficients = unname(cf_draws[i, ])))),
  versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                  lmtest = as.character(packageVersion("lmtest")),
                  jsonlite = as.character(packageVersion("jsonlite"))))

target <- file.path(out_dir, "process_cluster.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE), target)
message("wrote ", target)

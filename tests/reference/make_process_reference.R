#!/usr/bin/env Rscript
# =============================================================================
# make_process_reference.R -- reference values for surveykit.process (PROCESS models)
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_process_reference.R [--simulate] [OUTDIR]   # OUTDIR defaults to "lavaan/"
#
# --simulate  (re)writes data/process.csv, a simulated survey of construct scores (N = 300,
#             set.seed(20240615)) with a true moderation IDE x INS -> STY, a true second-stage
#             moderation STY x ORG -> EXE and heteroscedastic errors.  The committed CSV is the
#             input; without --simulate it is only read.
#
# Writes OUTDIR/process.json: for each case (a PROCESS model and its variables)
#   * every equation fitted by lm(): coefficients, standard errors (ordinary and
#     sandwich::vcovHC type HC0..HC4), R2, MSE, the model F (classical; with an HC matrix the
#     Wald F of all slopes), the R2 change of the highest-order product term(s) with its F
#     (classical = anova(reduced, full); with an HC matrix the Wald F);
#   * conditional effects g'b at the probe values of the moderators (mean -/+ SD clipped to the
#     observed range, or quantile(type = 7) at .16/.50/.84, the two values of a dichotomous
#     moderator, the categories of a categorical one), with se = sqrt(g'Vg) for each matrix;
#   * Johnson-Neyman points: the closed form (roots of a quadratic) for each matrix, checked
#     here against rockchalk::testSlopes for the ordinary matrix;
#   * indirect effects (products of the stage effects) and indices of moderated mediation
#     written out by hand for each model (a3*b, a*b3, ...);
#   * for model 7, a bootstrap: 2,000 resamples of rows (set.seed(20240616)), lm.fit refits,
#     the conditional indirect effect at W = mean + SD and the index of moderated mediation,
#     percentile intervals by boot's norm.inter rule and bias-corrected ones.
#
# Numbers are written with full precision (digits = NA: 15 significant digits).
# =============================================================================

suppressPackageStartupMessages({
  library(sandwich)
  library(rockchalk)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
simulate <- "--simulate" %in% args
args <- setdiff(args, "--simulate")
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
if (!dir.exists("data")) stop("run this script from tests/reference/ (no ./data directory found)")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
csv <- file.path("data", "process.csv")

if (simulate) {
  set.seed(20240615)
  n <- 300
  sc <- function(v) pmin(5, pmax(1, round(v * 5) / 5))  # a mean of five 1-5 items
  IDE <- sc(rnorm(n, 3.4, 0.7))
  INS <- sc(rnorm(n, 3.2, 0.8))
  ORG <- sc(rnorm(n, 3.5, 0.6))
  urban <- rbinom(n, 1, 0.45)
  region <- sample(c("east", "central", "west"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
  age <- round(runif(n, 25, 60))
  rg <- c(east = 0, central = 0.15, west = -0.2)[region]
  STY <- 1.0 + 0.35 * IDE + 0.2 * INS + 0.25 * (IDE - 3.4) * (INS - 3.2) + rg * (IDE - 3.4) +
    rnorm(n, 0, 0.45 * (1 + 0.4 * abs(IDE - 3.4)))
  MEC <- 0.8 + 0.3 * IDE + 0.25 * STY + 0.1 * urban + rnorm(n, 0, 0.5)
  EXE <- 0.3 + 0.12 * IDE + 0.35 * STY + 0.2 * MEC + 0.1 * INS + 0.1 * ORG + 0.4 * (STY - 3.5) * (ORG - 3.5) +
    0.15 * (IDE - 3.4) * urban + 0.005 * age + rnorm(n, 0, 0.5 * (1 + 0.3 * abs(STY - 3.5)))
  d <- data.frame(IDE, STY, MEC, EXE, INS, ORG, urban, region, age)
  for (v in c("STY", "MEC", "EXE")) d[[v]] <- round(d[[v]], 4)
  write.csv(d, csv, row.names = FALSE)
  message("wrote ", csv)
}
procdata <- read.csv(csv, stringsAsFactors = FALSE)
TYPES <- c("ordinary", "HC0", "HC1", "HC2", "HC3", "HC4")
LEVEL <- 0.95

vcov_of <- function(fit, type) if (type == "ordinary") vcov(fit) else sandwich::vcovHC(fit, type = type)
clean <- function(nm) gsub("`", "", nm, fixed = TRUE)

wald <- function(b, V, idx) {
  q <- length(idx)
  f <- as.numeric(t(b[idx]) %*% solve(V[idx, idx, drop = FALSE], b[idx]) / q)
  f
}

#' Fit one equation; `highest`: list of character vectors of coefficient names tested together.
fit_equation <- function(label, outcome, rhs, data, highest) {
  fml <- as.formula(paste(outcome, "~", paste(rhs, collapse = " + ")))
  fit <- lm(fml, data = data)
  b <- coef(fit)
  names(b) <- clean(names(b))
  df2 <- fit$df.residual
  r2 <- summary(fit)$r.squared
  Vs <- lapply(TYPES, function(tp) { V <- vcov_of(fit, tp); dimnames(V) <- list(names(b), names(b)); V })
  names(Vs) <- TYPES
  slopes <- which(names(b) != "(Intercept)")
  ftests <- lapply(Vs, function(V) {
    f <- wald(b, V, slopes)
    c(f, length(slopes), df2, pf(f, length(slopes), df2, lower.tail = FALSE))
  })
  stopifnot(isTRUE(all.equal(ftests$ordinary[[1]], summary(fit)$fstatistic[["value"]], tolerance = 1e-10)))
  changes <- lapply(names(highest), function(nm) {
    drop <- highest[[nm]]
    keep <- setdiff(names(b)[slopes], drop)
    red <- lm(as.formula(paste(outcome, "~", if (length(keep)) paste(quote_term(keep), collapse = " + ")
                                             else "1")), data = data)
    r2_red <- summary(red)$r.squared
    fs <- lapply(Vs, function(V) {
      f <- wald(b, V, match(drop, names(b)))
      c(f, length(drop), df2, pf(f, length(drop), df2, lower.tail = FALSE))
    })
    an <- anova(red, fit)
    stopifnot(isTRUE(all.equal(fs$ordinary[[1]], an$F[2], tolerance = 1e-10)))
    list(term = nm, r2_change = r2 - r2_red, f = fs)
  })
  list(label = label, outcome = outcome, formula = deparse(fml, width.cutoff = 500L),
       terms = names(b), est = unname(b),
       se = lapply(Vs, function(V) unname(sqrt(diag(V)))),
       r2 = r2, mse = sum(residuals(fit)^2) / df2, df = df2, f = ftests, r2_change = changes,
       .fit = fit, .b = b, .V = Vs)
}

quote_term <- function(nm) sapply(strsplit(nm, ":", fixed = TRUE), function(parts)
  paste(ifelse(grepl("[", parts, fixed = TRUE), sprintf("`%s`", parts), parts), collapse = ":"))

grad <- function(b, diff, point) {
  g <- setNames(numeric(length(b)), names(b))
  for (nm in names(b)) {
    parts <- strsplit(nm, ":", fixed = TRUE)[[1]]
    if (all(diff %in% parts)) g[[nm]] <- prod(point[setdiff(parts, diff)])
  }
  g
}

effect <- function(eq, diff, point) {
  g <- grad(eq$.b, diff, point)
  est <- sum(g * eq$.b)
  se <- lapply(eq$.V, function(V) sqrt(as.numeric(t(g) %*% V %*% g)))
  list(est = est, se = se)
}

#' Johnson-Neyman points of the effect of `diff` linear in the moderator `mod` (closed form).
jn_roots <- function(eq, diff, mod) {
  p0 <- setNames(0, mod); p1 <- setNames(1, mod)
  g0 <- grad(eq$.b, diff, p0); g1 <- grad(eq$.b, diff, p1) - g0
  crit <- qt((1 + LEVEL) / 2, eq$df)
  lapply(eq$.V, function(V) {
    c0 <- sum(g0 * eq$.b); a <- sum(g1 * eq$.b)
    v00 <- as.numeric(t(g0) %*% V %*% g0); v01 <- as.numeric(t(g0) %*% V %*% g1)
    v11 <- as.numeric(t(g1) %*% V %*% g1)
    A <- a^2 - crit^2 * v11; B <- 2 * (a * c0 - crit^2 * v01); C <- c0^2 - crit^2 * v00
    disc <- B^2 - 4 * A * C
    if (disc < 0) return(numeric(0))
    sort(c((-B - sqrt(disc)) / (2 * A), (-B + sqrt(disc)) / (2 * A)))
  })
}

probes <- function(v, how) {
  if (is.character(v)) return(sort(unique(v)))
  u <- sort(unique(v))
  if (length(u) == 2) return(u)
  if (how == "percentiles") return(unname(quantile(v, c(.16, .50, .84), type = 7)))
  m <- mean(v); s <- sd(v)
  c(max(m - s, min(v)), m, min(m + s, max(v)))
}

#' The design columns of a moderator value: itself, or the indicators of its category.
point_of <- function(name, value, data) {
  if (is.character(value)) {
    levs <- sort(unique(data[[name]]))[-1]
    setNames(as.numeric(levs == value), sprintf("%s[%s]", name, levs))
  } else setNames(value, name)
}

#' A case: its equations, conditional effects, J-N points, indirect effects and indices.
#' `eqs`: list of list(label, outcome, rhs, highest); `links`: list of list(eq, diff, mods);
#' `paths`: list of list(name, links = list of (eq, diff)); `index`: function(e, pts) -> list.
run_case <- function(name, args, eqs, links, paths = list(), index = NULL, data = procdata) {
  d <- data
  centered <- list()
  if (isTRUE(args$center)) {
    for (v in args$center_vars) { centered[[v]] <- mean(d[[v]]); d[[v]] <- d[[v]] - mean(d[[v]]) }
  }
  for (v in c(args$w, args$z)) if (is.character(d[[v]])) {
    for (lev in sort(unique(d[[v]]))[-1]) d[[sprintf("%s[%s]", v, lev)]] <- as.numeric(d[[v]] == lev)
  }
  how <- if (is.null(args$moderator_values)) "mean_sd" else args$moderator_values
  pv <- list()
  for (v in c(args$w, args$z)) pv[[v]] <- probes(d[[v]], how)
  E <- list()
  for (e in eqs) E[[e$label]] <- fit_equation(e$label, e$outcome, e$rhs, d, e$highest)
  combos <- function(mods) {
    if (!length(mods)) return(list(list(shown = list(), point = numeric(0))))
    grid <- expand.grid(lapply(pv[mods], seq_along), KEEP.OUT.ATTRS = FALSE)
    grid <- grid[do.call(order, as.list(grid)), , drop = FALSE]  # the first moderator varies slowest
    lapply(seq_len(nrow(grid)), function(r) {
      shown <- list(); point <- numeric(0)
      for (v in mods) {
        val <- pv[[v]][[grid[r, v]]]
        shown[[v]] <- val
        point <- c(point, point_of(v, val, d))
      }
      list(shown = shown, point = point)
    })
  }
  cond <- list(); jn <- list()
  for (lk in links) {
    for (cb in combos(lk$mods)) {
      ef <- effect(E[[lk$eq]], lk$diff, cb$point)
      cond[[length(cond) + 1]] <- list(equation = lk$eq, diff = lk$diff, at = cb$shown, est = ef$est, se = ef$se)
    }
    if (length(lk$mods) == 1 && !is.character(d[[lk$mods]]) && length(unique(d[[lk$mods]])) > 2) {
      jn[[length(jn) + 1]] <- list(equation = lk$eq, diff = lk$diff, moderator = lk$mods,
                                   range = range(d[[lk$mods]]), roots = jn_roots(E[[lk$eq]], lk$diff, lk$mods))
    }
  }
  ind <- list()
  for (p in paths) {
    for (cb in combos(p$mods)) {
      est <- prod(sapply(p$links, function(l) effect(E[[l[[1]]]], l[[2]], cb$point)$est))
      ind[[length(ind) + 1]] <- list(path = p$name, at = cb$shown, est = est)
    }
  }
  b <- lapply(E, function(e) e$.b)
  out <- list(args = args[setdiff(names(args), c("center_vars"))], probe_values = pv, centered = centered,
              equations = lapply(E, function(e) e[!startsWith(names(e), ".")]),
              conditional = cond, johnson_neyman = jn, indirect = ind,
              index = if (is.null(index)) list() else index(b, pv))
  names(out$equations) <- NULL
  out
}

M1 <- list(eq = "STY", diff = "IDE")
cases <- list()

# -- model 1 ------------------------------------------------------------------------------------
cases$m1 <- run_case("m1", list(model = 1, x = "IDE", y = "STY", w = "INS", covariates = list("age")),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "IDE:INS", "age"), highest = list("IDE:INS" = "IDE:INS"))),
  list(list(eq = "STY", diff = "IDE", mods = "INS")))
cases$m1_pct_center <- run_case("m1_pct_center",
  list(model = 1, x = "IDE", y = "STY", w = "INS", center = TRUE, center_vars = c("IDE", "INS"),
       moderator_values = "percentiles"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "IDE:INS"), highest = list("IDE:INS" = "IDE:INS"))),
  list(list(eq = "STY", diff = "IDE", mods = "INS")))
cases$m1_dichotomous <- run_case("m1_dichotomous", list(model = 1, x = "IDE", y = "EXE", w = "urban"),
  list(list(label = "EXE", outcome = "EXE", rhs = c("IDE", "urban", "IDE:urban"),
            highest = list("IDE:urban" = "IDE:urban"))),
  list(list(eq = "EXE", diff = "IDE", mods = "urban")))
cases$m1_categorical <- run_case("m1_categorical", list(model = 1, x = "IDE", y = "STY", w = "region"),
  list(list(label = "STY", outcome = "STY",
            rhs = c("IDE", "`region[east]`", "`region[west]`", "IDE:`region[east]`", "IDE:`region[west]`"),
            highest = list("IDE:region" = c("IDE:region[east]", "IDE:region[west]")))),
  list(list(eq = "STY", diff = "IDE", mods = "region")))

# -- models 2 and 3 -------------------------------------------------------------------------------
cases$m2 <- run_case("m2", list(model = 2, x = "IDE", y = "STY", w = "INS", z = "ORG"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "ORG", "IDE:INS", "IDE:ORG"),
            highest = list("IDE:INS" = "IDE:INS", "IDE:ORG" = "IDE:ORG", all = c("IDE:INS", "IDE:ORG")))),
  list(list(eq = "STY", diff = "IDE", mods = c("INS", "ORG"))))
cases$m3 <- run_case("m3", list(model = 3, x = "IDE", y = "EXE", w = "INS", z = "ORG", covariates = list("age")),
  list(list(label = "EXE", outcome = "EXE",
            rhs = c("IDE", "INS", "ORG", "IDE:INS", "IDE:ORG", "INS:ORG", "IDE:INS:ORG", "age"),
            highest = list("IDE:INS:ORG" = "IDE:INS:ORG"))),
  list(list(eq = "EXE", diff = "IDE", mods = c("INS", "ORG")),
       list(eq = "EXE", diff = c("IDE", "INS"), mods = "ORG")))

# -- mediation models ----------------------------------------------------------------------------------
cases$m4 <- run_case("m4", list(model = 4, x = "IDE", m = list("STY", "MEC"), y = "EXE", covariates = list("age")),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "age"), highest = list()),
       list(label = "MEC", outcome = "MEC", rhs = c("IDE", "age"), highest = list()),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "MEC", "age"), highest = list()),
       list(label = "total", outcome = "EXE", rhs = c("IDE", "age"), highest = list())),
  list(),
  list(list(name = "IDE -> STY -> EXE", mods = character(0), links = list(c("STY", "IDE"), c("EXE", "STY"))),
       list(name = "IDE -> MEC -> EXE", mods = character(0), links = list(c("MEC", "IDE"), c("EXE", "MEC")))))
cases$m5 <- run_case("m5", list(model = 5, x = "IDE", m = list("STY"), y = "EXE", w = "urban"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE"), highest = list()),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "urban", "IDE:urban"),
            highest = list("IDE:urban" = "IDE:urban"))),
  list(list(eq = "EXE", diff = "IDE", mods = "urban")),
  list(list(name = "IDE -> STY -> EXE", mods = character(0), links = list(c("STY", "IDE"), c("EXE", "STY")))))
cases$m6 <- run_case("m6", list(model = 6, x = "IDE", m = list("STY", "MEC"), y = "EXE"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE"), highest = list()),
       list(label = "MEC", outcome = "MEC", rhs = c("IDE", "STY"), highest = list()),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "MEC"), highest = list()),
       list(label = "total", outcome = "EXE", rhs = c("IDE"), highest = list())),
  list(),
  list(list(name = "IDE -> STY -> EXE", mods = character(0), links = list(c("STY", "IDE"), c("EXE", "STY"))),
       list(name = "IDE -> MEC -> EXE", mods = character(0), links = list(c("MEC", "IDE"), c("EXE", "MEC"))),
       list(name = "IDE -> STY -> MEC -> EXE", mods = character(0),
            links = list(c("STY", "IDE"), c("MEC", "STY"), c("EXE", "MEC")))))
first_w <- list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "IDE:INS", "age"),
                highest = list("IDE:INS" = "IDE:INS"))
cases$m7 <- run_case("m7", list(model = 7, x = "IDE", m = list("STY"), y = "EXE", w = "INS", covariates = list("age")),
  list(first_w, list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "age"), highest = list())),
  list(list(eq = "STY", diff = "IDE", mods = "INS")),
  list(list(name = "IDE -> STY -> EXE", mods = "INS", links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) list(list(path = "IDE -> STY -> EXE", moderator = "INS",
                            index = b$STY[["IDE:INS"]] * b$EXE[["STY"]])))
cases$m7_categorical <- run_case("m7_categorical", list(model = 7, x = "IDE", m = list("STY"), y = "EXE", w = "region"),
  list(list(label = "STY", outcome = "STY",
            rhs = c("IDE", "`region[east]`", "`region[west]`", "IDE:`region[east]`", "IDE:`region[west]`"),
            highest = list("IDE:region" = c("IDE:region[east]", "IDE:region[west]"))),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY"), highest = list())),
  list(list(eq = "STY", diff = "IDE", mods = "region")),
  list(list(name = "IDE -> STY -> EXE", mods = "region", links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) list(
    list(path = "IDE -> STY -> EXE", moderator = "region", level = "east vs central",
         index = b$STY[["IDE:region[east]"]] * b$EXE[["STY"]]),
    list(path = "IDE -> STY -> EXE", moderator = "region", level = "west vs central",
         index = b$STY[["IDE:region[west]"]] * b$EXE[["STY"]])))
cases$m8 <- run_case("m8", list(model = 8, x = "IDE", m = list("STY"), y = "EXE", w = "INS", covariates = list("age")),
  list(first_w, list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "INS", "IDE:INS", "age"),
                     highest = list("IDE:INS" = "IDE:INS"))),
  list(list(eq = "STY", diff = "IDE", mods = "INS"), list(eq = "EXE", diff = "IDE", mods = "INS")),
  list(list(name = "IDE -> STY -> EXE", mods = "INS", links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) list(list(path = "IDE -> STY -> EXE", moderator = "INS",
                            index = b$STY[["IDE:INS"]] * b$EXE[["STY"]])))
cases$m9 <- run_case("m9", list(model = 9, x = "IDE", m = list("STY"), y = "EXE", w = "INS", z = "ORG"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "ORG", "IDE:INS", "IDE:ORG"),
            highest = list("IDE:INS" = "IDE:INS", "IDE:ORG" = "IDE:ORG", all = c("IDE:INS", "IDE:ORG"))),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY"), highest = list())),
  list(list(eq = "STY", diff = "IDE", mods = c("INS", "ORG"))),
  list(list(name = "IDE -> STY -> EXE", mods = c("INS", "ORG"), links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) list(
    list(path = "IDE -> STY -> EXE", moderator = "INS", index = b$STY[["IDE:INS"]] * b$EXE[["STY"]]),
    list(path = "IDE -> STY -> EXE", moderator = "ORG", index = b$STY[["IDE:ORG"]] * b$EXE[["STY"]])))
cases$m14 <- run_case("m14", list(model = 14, x = "IDE", m = list("STY", "MEC"), y = "EXE", w = "ORG"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE"), highest = list()),
       list(label = "MEC", outcome = "MEC", rhs = c("IDE"), highest = list()),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "MEC", "ORG", "STY:ORG", "MEC:ORG"),
            highest = list("STY:ORG" = "STY:ORG", "MEC:ORG" = "MEC:ORG", all = c("STY:ORG", "MEC:ORG")))),
  list(list(eq = "EXE", diff = "STY", mods = "ORG"), list(eq = "EXE", diff = "MEC", mods = "ORG")),
  list(list(name = "IDE -> STY -> EXE", mods = "ORG", links = list(c("STY", "IDE"), c("EXE", "STY"))),
       list(name = "IDE -> MEC -> EXE", mods = "ORG", links = list(c("MEC", "IDE"), c("EXE", "MEC")))),
  function(b, pv) list(
    list(path = "IDE -> STY -> EXE", moderator = "ORG", index = b$STY[["IDE"]] * b$EXE[["STY:ORG"]]),
    list(path = "IDE -> MEC -> EXE", moderator = "ORG", index = b$MEC[["IDE"]] * b$EXE[["MEC:ORG"]])))
cases$m15 <- run_case("m15", list(model = 15, x = "IDE", m = list("STY"), y = "EXE", w = "ORG", covariates = list("age")),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "age"), highest = list()),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "ORG", "IDE:ORG", "STY:ORG", "age"),
            highest = list("IDE:ORG" = "IDE:ORG", "STY:ORG" = "STY:ORG", all = c("IDE:ORG", "STY:ORG")))),
  list(list(eq = "EXE", diff = "IDE", mods = "ORG"), list(eq = "EXE", diff = "STY", mods = "ORG")),
  list(list(name = "IDE -> STY -> EXE", mods = "ORG", links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) list(list(path = "IDE -> STY -> EXE", moderator = "ORG",
                            index = b$STY[["IDE"]] * b$EXE[["STY:ORG"]])))
cases$m21 <- run_case("m21", list(model = 21, x = "IDE", m = list("STY"), y = "EXE", w = "INS", z = "ORG"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "IDE:INS"), highest = list("IDE:INS" = "IDE:INS")),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "ORG", "STY:ORG"),
            highest = list("STY:ORG" = "STY:ORG"))),
  list(list(eq = "STY", diff = "IDE", mods = "INS"), list(eq = "EXE", diff = "STY", mods = "ORG")),
  list(list(name = "IDE -> STY -> EXE", mods = c("INS", "ORG"), links = list(c("STY", "IDE"), c("EXE", "STY")))),
  function(b, pv) c(
    lapply(pv$ORG, function(z) list(path = "IDE -> STY -> EXE", moderator = "INS", at = z,
                                    index = b$STY[["IDE:INS"]] * (b$EXE[["STY"]] + b$EXE[["STY:ORG"]] * z))),
    lapply(pv$INS, function(w) list(path = "IDE -> STY -> EXE", moderator = "ORG", at = w,
                                    index = b$EXE[["STY:ORG"]] * (b$STY[["IDE"]] + b$STY[["IDE:INS"]] * w)))))
cases$m58_center <- run_case("m58_center",
  list(model = 58, x = "IDE", m = list("STY"), y = "EXE", w = "INS", center = TRUE,
       center_vars = c("IDE", "STY", "INS")),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "INS", "IDE:INS"), highest = list("IDE:INS" = "IDE:INS")),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "INS", "STY:INS"),
            highest = list("STY:INS" = "STY:INS"))),
  list(list(eq = "STY", diff = "IDE", mods = "INS"), list(eq = "EXE", diff = "STY", mods = "INS")),
  list(list(name = "IDE -> STY -> EXE", mods = "INS", links = list(c("STY", "IDE"), c("EXE", "STY")))))
cases$m59 <- run_case("m59", list(model = 59, x = "IDE", m = list("STY"), y = "EXE", w = "ORG"),
  list(list(label = "STY", outcome = "STY", rhs = c("IDE", "ORG", "IDE:ORG"), highest = list("IDE:ORG" = "IDE:ORG")),
       list(label = "EXE", outcome = "EXE", rhs = c("IDE", "STY", "ORG", "IDE:ORG", "STY:ORG"),
            highest = list("IDE:ORG" = "IDE:ORG", "STY:ORG" = "STY:ORG", all = c("IDE:ORG", "STY:ORG")))),
  list(list(eq = "STY", diff = "IDE", mods = "ORG"), list(eq = "EXE", diff = "IDE", mods = "ORG"),
       list(eq = "EXE", diff = "STY", mods = "ORG")),
  list(list(name = "IDE -> STY -> EXE", mods = "ORG", links = list(c("STY", "IDE"), c("EXE", "STY")))))

# -- Johnson-Neyman: the closed form agrees with rockchalk::testSlopes (ordinary matrix) -----------
# rockchalk re-evaluates the model's call and deparses its arguments: call it at top level with
# literal names
fit_jn <- lm(STY ~ IDE * INS + age, data = procdata)
pdf(NULL)
ps_jn <- rockchalk::plotSlopes(fit_jn, plotx = "IDE", modx = "INS", plotPoints = FALSE)
invisible(dev.off())
rockchalk_jn <- sort(unname(suppressMessages(rockchalk::testSlopes(ps_jn))$jn$roots))
for (cs in c("m1", "m7")) {
  stopifnot(isTRUE(all.equal(cases[[cs]]$johnson_neyman[[1]]$roots$ordinary, rockchalk_jn, tolerance = 1e-10)))
}
jn_check <- list(case = "m1", rockchalk_roots = rockchalk_jn)

# -- bootstrap of model 7: R loop of lm.fit refits ------------------------------------------------
n_boot <- 2000
boot_seed <- 20240616
d <- procdata
w_hi <- mean(d$INS) + sd(d$INS)
Xm <- cbind(1, d$IDE, d$INS, d$IDE * d$INS, d$age)
Xy <- cbind(1, d$IDE, d$STY, d$age)
stat <- function(idx) {
  a <- lm.fit(Xm[idx, ], d$STY[idx])$coefficients
  b <- lm.fit(Xy[idx, ], d$EXE[idx])$coefficients
  c(indirect_w_high = (a[[2]] + a[[4]] * w_hi) * b[[3]], index = a[[4]] * b[[3]])
}
t0 <- stat(seq_len(nrow(d)))
set.seed(boot_seed)
draws <- t(replicate(n_boot, stat(sample.int(nrow(d), replace = TRUE))))
alpha <- c((1 - LEVEL) / 2, (1 + LEVEL) / 2)
boot_ref <- lapply(names(t0), function(k) {
  tt <- draws[, k]
  z0 <- qnorm(mean(tt < t0[[k]]))
  list(statistic = k, est = t0[[k]], se = sd(tt),
       percentile = boot:::norm.inter(tt, alpha)[, 2],
       bc = boot:::norm.inter(tt, pnorm(2 * z0 + qnorm(alpha)))[, 2])
})
names(boot_ref) <- names(t0)

result <- list(
  description = paste("PROCESS models on data/process.csv (simulated, N = 300): lm() fits, sandwich::vcovHC",
                      "HC0-HC4, conditional effects, Johnson-Neyman points, indirect effects, indices"),
  data = "data/process.csv",
  level = LEVEL,
  cases = cases,
  rockchalk = jn_check,
  bootstrap = list(case = "m7", n_boot = n_boot, seed = boot_seed, w = w_hi,
                   call = "sample.int(n, replace = TRUE); lm.fit refits of STY ~ IDE*INS + age and EXE ~ IDE + STY + age",
                   statistics = boot_ref),
  versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                  rockchalk = as.character(packageVersion("rockchalk")),
                  boot = as.character(packageVersion("boot")),
                  jsonlite = as.character(packageVersion("jsonlite"))))

target <- file.path(out_dir, "process.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE), target)
message("wrote ", target)

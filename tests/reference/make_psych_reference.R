#!/usr/bin/env Rscript
# =============================================================================
# make_psych_reference.R -- psych reference values for surveykit.psychometrics
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_psych_reference.R [OUTDIR]        # OUTDIR defaults to "psych/"
#
# Complements make_reference.R (whose efa.json / reliability.json cover the
# 5-factor bfi EFA, KMO, Bartlett, fa.parallel, alpha and one-factor omega).
# This script adds: item statistics (describe, omega if dropped, the critical
# ratio t-tests), multi-factor omega (Schmid-Leiman), more EFA variants
# (pa / principal, varimax / promax / geominQ, polychoric, the HS data),
# polychoric correlations, Mardia's tests, KMO/Bartlett on HS, Harman's
# single-factor shares, fa.parallel on HS, and alpha's bootstrap interval.
#
# Conventions as in make_reference.R: jsonlite digits = NA (15 significant
# digits), NA -> null; every block records the R call.  Random blocks
# (fa.parallel, alpha bootstrap) are seeded; tests compare them within Monte
# Carlo error or by the suggested number of factors, never digit for digit.
# The test-suite only reads the JSON files; it never runs R.
# =============================================================================

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "psych")
if (!dir.exists("data")) stop("run this script from tests/reference/")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

save_json <- function(obj, name) {
  target <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null",
                    na = "null", pretty = TRUE), target)
  message("  wrote ", target)
}
quiet <- function(expr) {
  value <- NULL
  utils::capture.output(value <- suppressMessages(suppressWarnings(expr)))
  value
}
matrix_json <- function(m) {
  m <- as.matrix(unclass(m))
  list(rownames = rownames(m), colnames = colnames(m),
       values = lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ]))))
}
read_bench <- function(file) read.csv(file.path("data", file), na.strings = "",
                                      stringsAsFactors = FALSE)

bfi <- read_bench("bfi.csv")
hs  <- read_bench("HolzingerSwineford1939.csv")
bfi_items <- unlist(lapply(c("A", "C", "E", "N", "O"), paste0, 1:5))
items <- bfi[, bfi_items]
items_cc <- items[complete.cases(items), ]
bfi_reversed <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
keyed <- items
keyed[bfi_reversed] <- 7 - keyed[bfi_reversed]
hs9 <- hs[, paste0("x", 1:9)]
bfi_scales <- list(agree = paste0("A", 1:5), consc = paste0("C", 1:5),
                   extra = paste0("E", 1:5), neuro = paste0("N", 1:5),
                   openn = paste0("O", 1:5))
hs_scales <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"),
                  speed = c("x7", "x8", "x9"))

# ---------------------------------------------------------------------------
# 1. Item analysis: describe(), omega if dropped, critical ratio t-tests
# ---------------------------------------------------------------------------
critical_ratio <- function(x, share = 0.27) {
  x <- x[complete.cases(x), , drop = FALSE]
  total <- rowSums(x)
  lo <- quantile(total, share)          # type 7
  hi <- quantile(total, 1 - share)
  low <- total <= lo
  high <- total >= hi
  rows <- lapply(names(x), function(i) {
    w <- t.test(x[high, i], x[low, i])
    s <- t.test(x[high, i], x[low, i], var.equal = TRUE)
    list(item = i, mean_high = mean(x[high, i]), mean_low = mean(x[low, i]),
         t_welch = unname(w$statistic), df_welch = unname(w$parameter), p_welch = w$p.value,
         t_student = unname(s$statistic), df_student = unname(s$parameter), p_student = s$p.value)
  })
  list(n_complete = nrow(x), cut_low = unname(lo), cut_high = unname(hi),
       n_low = sum(low), n_high = sum(high), items = rows,
       call = "total <- rowSums(x[complete.cases(x), ]); low: total <= quantile(total, .27); high: total >= quantile(total, .73); t.test(x[high, i], x[low, i]) and var.equal = TRUE")
}

describe_block <- function(x) {
  d <- describe(x)   # type = 3
  out <- lapply(names(x), function(i) {
    v <- x[[i]]
    list(item = i, n = d[i, "n"], mean = d[i, "mean"], sd = d[i, "sd"],
         skew = d[i, "skew"], kurtosis = d[i, "kurtosis"], se = d[i, "se"],
         skew_type1 = skew(v, type = 1), skew_type2 = skew(v, type = 2),
         kurtosis_type1 = kurtosi(v, type = 1), kurtosis_type2 = kurtosi(v, type = 2))
  })
  out
}

omega_if_dropped <- function(x) {
  if (ncol(x) < 4) return(NULL)
  as.list(setNames(sapply(seq_len(ncol(x)), function(i)
    quiet(omega(x[, -i], nfactors = 1, plot = FALSE))$omega.tot), names(x)))
}

item_case <- function(x) {
  list(describe = describe_block(x),
       omega_total = quiet(omega(x, nfactors = 1, plot = FALSE))$omega.tot,
       omega_if_dropped = omega_if_dropped(x),
       critical_ratio = critical_ratio(x))
}

set.seed(20240602)
boot_agree <- quiet(alpha(keyed[, bfi_scales$agree], n.iter = 2000))$boot.ci

save_json(list(
  case = "items",
  description = "Item statistics: psych::describe (type 3 skew/kurtosis; types 1 and 2 via skew()/kurtosi()), omega(x[, -i], nfactors = 1)$omega.tot, and the critical-ratio t-tests; bfi scales reverse-keyed 7 - x, HS factors raw",
  bfi_reverse_keyed = bfi_reversed,
  bfi = lapply(bfi_scales, function(s) c(list(items = s), item_case(keyed[, s]))),
  hs  = lapply(hs_scales, function(s) c(list(items = s), item_case(hs[, s]))),
  alpha_bootstrap = list(
    call = "set.seed(20240602); alpha(bfi_keyed[, A1..A5], n.iter = 2000)$boot.ci",
    seed = 20240602, n_iter = 2000,
    boot_ci = as.list(setNames(as.numeric(boot_agree), c("lower", "median", "upper"))),
    note = "random: compare within Monte Carlo error")
), "items")

# ---------------------------------------------------------------------------
# 2. Omega (Schmid-Leiman) with several group factors
# ---------------------------------------------------------------------------
omega_block <- function(x, nfactors, call, fm = "minres", rotate = "oblimin") {
  om <- quiet(omega(x, nfactors = nfactors, fm = fm, rotate = rotate, plot = FALSE))
  grp <- om$omega.group
  list(call = call, nfactors = nfactors, fm = fm, rotate = rotate,
       omega_h = om$omega_h, omega_total = om$omega.tot, omega_limit = om$omega.lim,
       alpha = om$alpha, G6 = om$G6, ECV = unname(om$ECV),
       key = as.numeric(om$key),
       omega_group = list(rownames = rownames(grp), total = grp$total,
                          general = grp$general, group = grp$group),
       schmid_sl = matrix_json(om$schmid$sl),
       schmid_phi = matrix_json(om$schmid$phi),
       gloading = as.numeric(om$schmid$gloading))
}

save_json(list(
  case = "omega",
  description = "psych::omega (Schmid-Leiman on a minres/oblimin solution of the pairwise correlations; general factor from fa() of the factor correlations)",
  hs_3 = omega_block(hs9, 3, "omega(HS[, x1..x9], nfactors = 3)"),
  bfi_keyed_5 = omega_block(keyed, 5, "omega(bfi_keyed[, 1:25], nfactors = 5)"),
  bfi_raw_5 = omega_block(items, 5, "omega(bfi[, 1:25], nfactors = 5)  # flips items with negative g loadings"),
  bfi_keyed_3_promax = omega_block(keyed, 3, "omega(bfi_keyed[, 1:25], nfactors = 3, rotate = \"promax\")",
                                   rotate = "promax")
), "omega")

# ---------------------------------------------------------------------------
# 3. EFA variants
# ---------------------------------------------------------------------------
fa_block <- function(f, call) {
  out <- list(
    call = call,
    loadings = matrix_json(f$loadings),
    structure = matrix_json(f$Structure),
    communalities = as.list(if (is.null(f$communality)) f$communalities else f$communality),
    uniquenesses = as.list(f$uniquenesses),
    Vaccounted = matrix_json(f$Vaccounted),
    objective = if (is.null(f$objective)) NA else f$objective,
    statistic = if (is.null(f$STATISTIC)) NA else f$STATISTIC,
    dof = f$dof,
    pvalue = if (is.null(f$PVAL)) NA else f$PVAL,
    rmsea = if (is.null(f$RMSEA)) NA else as.numeric(f$RMSEA[1:3]),
    tli = if (is.null(f$TLI)) NA else f$TLI,
    bic = if (is.null(f$BIC)) NA else f$BIC,
    e_values = if (is.null(f$e.values)) NA else f$e.values)
  if (!is.null(f$Phi)) out$Phi <- matrix_json(f$Phi)
  out
}
efa_fa <- function(x, nf, fm, rotate, label, ...) {
  f <- quiet(fa(x, nfactors = nf, fm = fm, rotate = rotate, ...))
  fa_block(f, sprintf('fa(%s, nfactors = %d, fm = "%s", rotate = "%s"%s)', label, nf, fm, rotate,
                      if (length(list(...))) paste0(", ", paste(names(list(...)), "=", sapply(list(...), deparse), collapse = ", ")) else ""))
}
efa_pc <- function(x, nf, rotate, label) {
  f <- quiet(principal(x, nfactors = nf, rotate = rotate))
  fa_block(f, sprintf('principal(%s, nfactors = %d, rotate = "%s")', label, nf, rotate))
}

save_json(list(
  case = "efa",
  description = "psych::fa / principal variants (pairwise correlations unless cor = \"poly\")",
  bfi_pa_oblimin      = efa_fa(items, 5, "pa", "oblimin", "bfi[, 1:25]"),
  bfi_minres_varimax  = efa_fa(items, 5, "minres", "varimax", "bfi[, 1:25]"),
  bfi_ml_promax       = efa_fa(items, 5, "ml", "promax", "bfi[, 1:25]"),
  bfi_minres_geominQ  = efa_fa(items, 5, "minres", "geominQ", "bfi[, 1:25]"),
  bfi_pc_varimax      = efa_pc(items, 5, "varimax", "bfi[, 1:25]"),
  bfi_pc_oblimin      = efa_pc(items, 5, "oblimin", "bfi[, 1:25]"),
  bfi_pc_none         = efa_pc(items, 5, "none", "bfi[, 1:25]"),
  bfi_pc_promax       = efa_pc(items, 5, "promax", "bfi[, 1:25]"),
  bfi_poly_minres_oblimin = efa_fa(items[, 1:10], 2, "minres", "oblimin", "bfi[, 1:10]", cor = "poly"),
  hs_ml_oblimin       = efa_fa(hs9, 3, "ml", "oblimin", "HS[, x1..x9]"),
  hs_ml_varimax       = efa_fa(hs9, 3, "ml", "varimax", "HS[, x1..x9]"),
  hs_ml_none          = efa_fa(hs9, 3, "ml", "none", "HS[, x1..x9]"),
  hs_minres_promax    = efa_fa(hs9, 3, "minres", "promax", "HS[, x1..x9]"),
  hs_pa_geominQ       = efa_fa(hs9, 3, "pa", "geominQ", "HS[, x1..x9]"),
  hs_ml_1             = efa_fa(hs9, 1, "ml", "none", "HS[, x1..x9]")
), "efa")

# ---------------------------------------------------------------------------
# 4. Polychoric correlations
# ---------------------------------------------------------------------------
poly_block <- function(x, call) {
  p <- quiet(polychoric(x))
  list(call = call, rho = matrix_json(p$rho), tau = matrix_json(p$tau), n_obs = p$n.obs)
}
save_json(list(
  case = "polychoric",
  description = "psych::polychoric (global thresholds from each item's marginal, ML rho per pair by optimize(); smoothing only if not positive definite)",
  bfi_A_complete = poly_block(items_cc[, paste0("A", 1:5)], "polychoric(bfi_cc[, A1..A5])"),
  bfi_all_pairwise = poly_block(items, "polychoric(bfi[, 1:25])  # pairwise-present tables, thresholds from all answers of each item")
), "polychoric")

# ---------------------------------------------------------------------------
# 5. Sampling adequacy, Harman, Mardia, parallel analysis on HS (and bfi)
# ---------------------------------------------------------------------------
harman_block <- function(x) {
  r <- cor(x, use = "pairwise")
  f1 <- quiet(fa(x, nfactors = 1, rotate = "none", fm = "minres"))
  list(first_eigenvalue = eigen(r)$values[1], n_items = ncol(x),
       pca_share = eigen(r)$values[1] / ncol(x),
       fa_minres_share = unname(f1$Vaccounted["Proportion Var", 1]),
       call = "eigen(cor(x, use = 'pairwise'))$values[1] / ncol(x); fa(x, 1, rotate = 'none')$Vaccounted['Proportion Var', 1]")
}
mardia_block <- function(x, call) {
  m <- quiet(mardia(x, plot = FALSE))
  list(call = call, n = m$n.obs, p = m$n.var, b1p = m$b1p, b2p = m$b2p, skew = m$skew,
       p_skew = m$p.skew, small_skew = m$small.skew, p_small = m$p.small,
       kurtosis = m$kurtosis, p_kurt = m$p.kurt)
}
parallel_runs <- function(x, seeds, label) {
  lapply(seeds, function(s) {
    set.seed(s)
    pa <- quiet(fa.parallel(x, fm = "minres", fa = "both", n.iter = 20, plot = FALSE))
    list(seed = s, nfact = pa$nfact, ncomp = pa$ncomp, fa_values = pa$fa.values,
         pc_values = pa$pc.values, fa_sim = pa$fa.sim, pc_sim = pa$pc.sim,
         call = sprintf('set.seed(%d); fa.parallel(%s, fm = "minres", fa = "both", n.iter = 20)', s, label))
  })
}
kmo <- KMO(hs9)
bart <- quiet(cortest.bartlett(hs9))
save_json(list(
  case = "adequacy",
  description = "KMO, Bartlett, Harman single-factor shares, Mardia, fa.parallel",
  hs_kmo = list(MSA = kmo$MSA, MSAi = as.list(kmo$MSAi), n = nrow(hs9)),
  hs_bartlett = list(chisq = bart$chisq, df = bart$df, p = bart$p.value, n = nrow(hs9)),
  harman_bfi = harman_block(items),
  harman_hs = harman_block(hs9),
  mardia_hs = mardia_block(hs9, "mardia(HS[, x1..x9])"),
  mardia_bfi_A = mardia_block(items[, paste0("A", 1:5)], "mardia(bfi[, A1..A5])  # na.omit: complete cases"),
  parallel_hs = parallel_runs(hs9, c(1, 2, 3), "HS[, x1..x9]"),
  parallel_bfi = parallel_runs(items, c(1, 2, 3), "bfi[, 1:25]"),
  parallel_note = "random: depends on seed and R's RNG; tests compare only the suggested numbers (nfact, ncomp), which are the same for every seed here"
), "adequacy")

save_json(list(
  R = R.version.string,
  psych = as.character(packageVersion("psych")),
  GPArotation = as.character(packageVersion("GPArotation")),
  jsonlite = as.character(packageVersion("jsonlite")),
  platform = R.version$platform,
  generated_by = "make_psych_reference.R"
), "VERSIONS")
message("done")

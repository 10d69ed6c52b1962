#!/usr/bin/env Rscript
# =============================================================================
# make_difftest_reference.R -- lavTestLRT() for nested models under every kind of
# scaled test statistic (lavaan 0.6.14 defaults: Satorra-Bentler 2001 for
# satorra.bentler / yuan.bentler(.mplus); Satorra 2000 with the "delta" A matrix for
# scaled.shifted (scaled and shifted) and mean.var.adjusted (Satterthwaite)).
# =============================================================================
# Usage (from tests/reference/):   Rscript make_difftest_reference.R [OUTDIR]
# Writes OUTDIR/difftest.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
HS <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
bfi <- read.csv(file.path("data", "bfi.csv"), na.strings = "")
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ord_model <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ord_items <- c(paste0("A", 1:5), paste0("C", 1:5))
bfi_ord <- bfi[complete.cases(bfi[, c(ord_items, "gender")]), c(ord_items, "gender")]

pair <- function(id, description, call1, call2, method = "default", scaled.shifted = TRUE) {
  m1 <- eval(parse(text = call1))
  m0 <- eval(parse(text = call2))
  lrt <- lavTestLRT(m1, m0, method = method, scaled.shifted = scaled.shifted)
  list(id = id, description = description, call_less_restricted = call1, call_more_restricted = call2,
       method_arg = method, scaled_shifted = scaled.shifted,
       chisq = lrt[["Chisq"]], df = lrt[["Df"]], chisq_diff = lrt[["Chisq diff"]][2],
       df_diff = lrt[["Df diff"]][2], pvalue = lrt[["Pr(>Chisq)"]][2], method = attr(lrt, "heading"))
}
# three nested ML models: the standard test with the RMSEA of each difference
chain <- function(id, description, calls) {
  fits <- lapply(calls, function(x) eval(parse(text = x)))
  lrt <- do.call(lavTestLRT, unname(fits))
  list(id = id, description = description, calls = calls, chisq = lrt[["Chisq"]], df = lrt[["Df"]],
       aic = lrt[["AIC"]], bic = lrt[["BIC"]], chisq_diff = lrt[["Chisq diff"]], rmsea = lrt[["RMSEA"]],
       df_diff = lrt[["Df diff"]], pvalue = lrt[["Pr(>Chisq)"]])
}
cases <- list(
  pair("hs_mlm_orthogonal", "HS CFA vs orthogonal factors, MLM (Satorra-Bentler 2001)",
       "cfa(hs_model, data = HS, estimator = 'MLM')",
       "cfa(hs_model, data = HS, estimator = 'MLM', orthogonal = TRUE)"),
  pair("hs_mlr_metric", "HS by school: configural vs metric, MLR (Satorra-Bentler 2001)",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLR')",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLR', group.equal = 'loadings')"),
  pair("hs_mlmv_metric", "HS by school: configural vs metric, MLMV (Satorra 2000, scaled and shifted)",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLMV')",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLMV', group.equal = 'loadings')"),
  pair("hs_mlmvs_orthogonal", "HS CFA vs orthogonal factors, MLMVS (Satorra 2000, Satterthwaite)",
       "cfa(hs_model, data = HS, estimator = 'MLMVS')",
       "cfa(hs_model, data = HS, estimator = 'MLMVS', orthogonal = TRUE)"),
  pair("bfi_wlsmv_thresholds", "bfi ordinal by gender: configural vs thresholds, WLSMV (Satorra 2000)",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender')",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender', group.equal = 'thresholds')"),
  pair("bfi_wlsmv_loadings", "bfi ordinal by gender: thresholds vs thresholds + loadings, WLSMV (Satorra 2000)",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender', group.equal = 'thresholds')",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender', group.equal = c('thresholds', 'loadings'))"),
  pair("hs_mlmv_metric_satterthwaite", "HS by school: configural vs metric, MLMV, Satorra 2000 not shifted (Satterthwaite df)",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLMV')",
       "cfa(hs_model, data = HS, group = 'school', estimator = 'MLMV', group.equal = 'loadings')",
       scaled.shifted = FALSE),
  pair("hs_mlm_orthogonal_satorra2000", "HS CFA vs orthogonal factors, MLM, method satorra.2000 not shifted (mean scaled)",
       "cfa(hs_model, data = HS, estimator = 'MLM')",
       "cfa(hs_model, data = HS, estimator = 'MLM', orthogonal = TRUE)",
       method = "satorra.2000", scaled.shifted = FALSE),
  pair("hs_mlm_orthogonal_satorra2000_shifted", "HS CFA vs orthogonal factors, MLM, method satorra.2000 scaled and shifted",
       "cfa(hs_model, data = HS, estimator = 'MLM')",
       "cfa(hs_model, data = HS, estimator = 'MLM', orthogonal = TRUE)",
       method = "satorra.2000"),
  pair("bfi_wlsmv_loadings_satterthwaite", "bfi ordinal by gender: thresholds vs thresholds + loadings, WLSMV, not shifted",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender', group.equal = 'thresholds')",
       "cfa(ord_model, data = bfi_ord, ordered = ord_items, group = 'gender', group.equal = c('thresholds', 'loadings'))",
       scaled.shifted = FALSE)
)
chains <- list(
  chain("hs_ml_invariance", "HS by school, ML: configural, metric, scalar (standard test, RMSEA of the difference)",
        c("cfa(hs_model, data = HS, group = 'school')",
          "cfa(hs_model, data = HS, group = 'school', group.equal = 'loadings')",
          "cfa(hs_model, data = HS, group = 'school', group.equal = c('loadings', 'intercepts'))"))
)
out <- list(description = "lavTestLRT(less restricted, more restricted) with lavaan 0.6.14's default method",
            lavaan = as.character(packageVersion("lavaan")),
            data = list(hs = "data/HolzingerSwineford1939.csv", bfi = "data/bfi.csv (complete rows on the items and gender)"),
            models = list(hs = hs_model, ordinal = ord_model), cases = cases, chains = chains)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "difftest.json"))

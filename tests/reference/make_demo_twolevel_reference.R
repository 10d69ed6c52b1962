#!/usr/bin/env Rscript
# =============================================================================
# make_demo_twolevel_reference.R -- lavaan 0.6.14 on the demo analysis' two-level CFA of execution
# capacity (design.two_level in analyses/demo.yaml): a within and a between factor of the six EXE
# items, the items' between-level residual variances fixed at 0, ML with cluster = "branch_id".
# data/demo_twolevel_exe.csv is the demo's analysis sample (after screening; items keyed, declared
# missing codes as NA) with its branch column, exported by surveykit's pipeline; lavaan deletes
# incomplete rows listwise, as surveykit does.
# =============================================================================
# Usage (from tests/reference/):   Rscript make_demo_twolevel_reference.R [OUTDIR]
# Writes OUTDIR/demo_twolevel.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
d <- read.csv(file.path("data", "demo_twolevel_exe.csv"))
items <- paste0("exe_", 1:6)
model <- paste(
  "level: 1",
  paste("  EXE_w =~", paste(items, collapse = " + ")),
  "level: 2",
  paste("  EXE_b =~", paste(items, collapse = " + ")),
  paste0("  ", items, " ~~ 0*", items, collapse = "\n"),
  sep = "\n")
fit <- sem(model, data = d, cluster = "branch_id", estimator = "ML")
pe <- parameterEstimates(fit, standardized = TRUE)
fm <- fitMeasures(fit, c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "srmr_within",
                         "srmr_between", "logl", "aic", "bic"))
icc <- lavInspect(fit, "icc")
out <- list(
  lavaan = as.character(packageVersion("lavaan")),
  model = model,
  nobs = lavInspect(fit, "nobs"),
  nclusters = lavInspect(fit, "nclusters"),
  parameters = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, level = pe$level, est = pe$est,
                          se = pe$se, std_all = pe$std.all),
  fit_measures = as.list(unclass(fm)),
  icc = as.list(unclass(icc)))
target <- file.path(out_dir, "demo_twolevel.json")
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), target)
cat("  wrote", target, "\n")

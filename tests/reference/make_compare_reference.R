#!/usr/bin/env Rscript
# =============================================================================
# make_compare_reference.R -- lavTestLRT() values for nested-model comparisons
# =============================================================================
# Usage (from tests/reference/):   Rscript make_compare_reference.R [OUTDIR]
# Holzinger-Swineford 3-factor CFA vs the same model with orthogonal factors,
# estimated by ML (likelihood-ratio test) and by MLR (lavTestLRT's default for MLR:
# the Satorra-Bentler 2001 scaled difference test).
# =============================================================================
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
HS <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
one <- function(estimator) {
  free <- cfa(model, data = HS, estimator = estimator)
  orth <- cfa(model, data = HS, estimator = estimator, orthogonal = TRUE)
  lrt <- lavTestLRT(free, orth)
  list(estimator = estimator,
       chisq_diff = lrt[["Chisq diff"]][2], df_diff = lrt[["Df diff"]][2], p = lrt[["Pr(>Chisq)"]][2],
       method = attr(lrt, "heading"))
}
out <- list(
  case = "compare",
  description = "lavTestLRT(cfa(model), cfa(model, orthogonal = TRUE)) on HS39 with ML and MLR",
  data = "data/HolzingerSwineford1939.csv",
  model = model,
  ML = one("ML"),
  MLR = one("MLR")
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "compare.json"))

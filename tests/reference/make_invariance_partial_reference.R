#!/usr/bin/env Rscript
# =============================================================================
# make_invariance_partial_reference.R -- lavaan values for the partial-invariance search
# =============================================================================
# Usage (from tests/reference/):   Rscript make_invariance_partial_reference.R [OUTDIR]
#
# Holzinger-Swineford 3-factor CFA by school:
#   * lavTestScore() on the scalar model: univariate score tests for releasing each
#     equality constraint (loadings and intercepts), with the parameters they name;
#   * the scalar model with group.partial = c("x3~1", "x7~1") (fit measures, latent means).
# =============================================================================
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

HS <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
scalar <- cfa(model, data = HS, group = "school", group.equal = c("loadings", "intercepts"))
st <- lavTestScore(scalar)
pt <- parTable(scalar)
# name each constraint ".pX. == .pY." by the parameter of its left-hand side
uni <- st$uni
lhs_id <- as.integer(sub("^\\.p([0-9]+)\\.$", "\\1", uni$lhs))
uni$parameter <- paste(pt$lhs[lhs_id], pt$op[lhs_id], pt$rhs[lhs_id])
uni$parameter <- trimws(uni$parameter)

partial <- cfa(model, data = HS, group = "school", group.equal = c("loadings", "intercepts"),
               group.partial = c("x3~1", "x7~1"))
pe <- parameterEstimates(partial)
means <- pe[pe$op == "~1" & pe$lhs %in% c("visual", "textual", "speed") & pe$group == 2,
            c("lhs", "est", "se", "z", "pvalue")]

out <- list(
  case = "invariance_partial",
  description = paste("HS39 by school: lavTestScore() univariate score tests on the scalar model;",
                      "scalar model with group.partial = c('x3~1', 'x7~1')"),
  data = "data/HolzingerSwineford1939.csv",
  model = model,
  score_uni = uni[, c("parameter", "X2", "df", "p.value")],
  partial_fit = as.list(fitMeasures(partial, c("npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr"))),
  partial_latent_means = means
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "invariance_partial.json"))

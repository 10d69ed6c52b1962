#!/usr/bin/env Rscript
# =============================================================================
# make_bootstrap_reference.R -- bootstrap reference for surveykit (slow case)
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_bootstrap_reference.R [OUTDIR]   # OUTDIR defaults to "lavaan/"
#
# Writes OUTDIR/pd_sem_bootstrap.json: the PoliticalDemocracy SEM of case
# pd_sem_ml (without the comment lines in the syntax) refitted with a
# 5,000-draw nonparametric bootstrap, and lavaan's percentile and bca.simple
# intervals for every parameter, including the defined indirect/total effects.
#
# Same conventions as make_reference.R (full-precision JSON, NA -> null).
#
# The draws are seeded through lavaan's `iseed`, so the same R + lavaan
# versions reproduce the numbers exactly; across versions the intervals are
# random and should be compared within Monte Carlo error.  lavaan warns that
# some draws give nonadmissible (Heywood) solutions; it keeps them and drops
# only non-converged draws.  This takes a few minutes.
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
if (!dir.exists("data")) {
  stop("run this script from tests/reference/ (no ./data directory found)")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

pd <- read.csv(file.path("data", "PoliticalDemocracy.csv"),
               na.strings = "", stringsAsFactors = FALSE)

model <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind   := a*b
total := c + a*b
"

n_boot <- 5000
boot_seed <- 20261126

fit <- sem(model, data = pd, se = "bootstrap", bootstrap = n_boot,
           iseed = boot_seed)

#' Parameter table with bootstrap SEs and the requested interval type.
boot_intervals <- function(type) {
  pe <- parameterEstimates(fit, boot.ci.type = type)
  pe <- as.data.frame(pe)[, c("lhs", "op", "rhs", "label", "est", "se",
                              "ci.lower", "ci.upper")]
  rownames(pe) <- NULL
  pe
}

result <- list(
  case        = "pd_sem_bootstrap",
  description = sprintf("PoliticalDemocracy SEM, nonparametric bootstrap, %d draws (lavaan iseed = %d)",
                        n_boot, boot_seed),
  call        = sprintf('sem(model, data = pd, se = "bootstrap", bootstrap = %d, iseed = %d)',
                        n_boot, boot_seed),
  model       = model,
  nboot       = n_boot,
  percentile  = boot_intervals("perc"),
  bca_simple  = boot_intervals("bca.simple"),
  versions    = list(R = R.version.string,
                     lavaan = as.character(packageVersion("lavaan"))))

target <- file.path(out_dir, "pd_sem_bootstrap.json")
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, null = "null",
                  na = "null", pretty = TRUE), target)
message("wrote ", target)

#!/usr/bin/env Rscript
# =============================================================================
# make_normality_reference.R -- psych::mardia and psych::describe on the demo's
# analysis sample, the values of the report's normality section
# =============================================================================
#
# Usage (from tests/reference/):   Rscript make_normality_reference.R [OUTDIR]
#
# data/demo_keyed.csv is the analysis sample of the shipped demo survey (see
# make_demo_reference.R).  This script writes psych/demo_normality.json:
#   * mardia(items, na.rm = TRUE): b1p, b2p, the skewness chi-square (df =
#     p(p+1)(p+2)/6) and its small-sample version, the kurtosis z, their p values,
#     on the complete rows;
#   * describe(items) (type 3): each item's skew and (excess) kurtosis on its
#     answered rows.
# jsonlite digits = NA (15 significant digits).  Tests never run R.
# =============================================================================

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "psych")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

demo <- read.csv(file.path("data", "demo_keyed.csv"))
items <- demo[, grepl("^(ide|org|cap|sty|int|ins|mec|exe)_[0-9]+$", names(demo))]

m <- mardia(items, na.rm = TRUE, plot = FALSE)
d <- describe(items, type = 3)
p <- ncol(items)

out <- list(
  call = "mardia(items, na.rm = TRUE, plot = FALSE); describe(items, type = 3)",
  data = "data/demo_keyed.csv, the 42 items (columns ide_1 .. exe_6)",
  R = R.version.string, psych = as.character(packageVersion("psych")),
  mardia = list(n = m$n.obs, p = p, b1p = m$b1p, b2p = m$b2p, skew = m$skew,
                skew_df = p * (p + 1) * (p + 2) / 6, skew_pvalue = m$p.skew,
                small_skew = m$small.skew, small_skew_pvalue = m$p.small,
                kurtosis = m$kurtosis, kurtosis_pvalue = m$p.kurt),
  items = lapply(setNames(seq_len(p), names(items)), function(j)
    list(n = d$n[j], skew = d$skew[j], kurtosis = d$kurtosis[j]))
)
target <- file.path(out_dir, "demo_normality.json")
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE), target)
message("  wrote ", target)

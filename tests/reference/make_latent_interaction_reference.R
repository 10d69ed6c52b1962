#!/usr/bin/env Rscript
# =============================================================================
# make_latent_interaction_reference.R -- latent interactions by double-mean-centered
# product indicators: semTools::indProd(match = TRUE/FALSE, meanC = TRUE,
# residualC = FALSE, doubleMC = TRUE) and lavaan::sem() with the product latent
# (lavaan 0.6.14, semTools 0.5-6).  All-pairs models let the residuals of two
# products that share an indicator covary (Marsh, Wen & Hau 2004).
# =============================================================================
# Usage (from tests/reference/):   Rscript make_latent_interaction_reference.R [OUTDIR]
# Writes OUTDIR/latent_interaction.json (OUTDIR defaults to "lavaan").
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
HS <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
SIM <- read.csv(file.path("data", "latent_interaction.csv"))

shared_covs <- function(v1, v2) {
  pairs <- expand.grid(b = v2, a = v1, stringsAsFactors = FALSE)[, c("a", "b")]
  out <- character(0)
  for (i in seq_len(nrow(pairs) - 1)) for (j in (i + 1):nrow(pairs)) {
    if (pairs$a[i] == pairs$a[j] || pairs$b[i] == pairs$b[j])
      out <- c(out, sprintf("%s.%s ~~ %s.%s", pairs$a[i], pairs$b[i], pairs$a[j], pairs$b[j]))
  }
  out
}

one_case <- function(id, data_file, data, base, f1, v1, f2, v2, outcome, match, missing = "listwise") {
  dat <- indProd(data, var1 = v1, var2 = v2, match = match, meanC = TRUE, residualC = FALSE, doubleMC = TRUE)
  prods <- setdiff(names(dat), names(data))
  prod <- paste0(f1, ".", f2)
  lines <- c(base, sprintf("%s =~ %s", prod, paste(prods, collapse = " + ")),
             sprintf("%s ~ %s + %s + %s", outcome, f1, f2, prod))
  if (!match) lines <- c(lines, shared_covs(v1, v2))
  model <- paste(lines, collapse = "\n")
  call <- sprintf(paste("sem(model, data = indProd(data, var1 = c(%s), var2 = c(%s), match = %s, meanC = TRUE,",
                        "residualC = FALSE, doubleMC = TRUE), missing = \"%s\")"),
                  paste0('"', v1, '"', collapse = ", "), paste0('"', v2, '"', collapse = ", "), match, missing)
  fit <- sem(model, data = dat, missing = missing)
  pe <- parameterEstimates(fit)
  fm <- fitMeasures(fit, c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"))
  list(id = id, data = data_file, match = match, missing = missing, model = model, call = call,
       surveykit_model = sprintf("%s\n%s ~ %s + %s + %s:%s", base, outcome, f1, f2, f1, f2),
       product_names = prods, product_means = unname(colMeans(dat[, prods], na.rm = TRUE)),
       product_first_rows = unname(as.list(as.data.frame(t(as.matrix(dat[1:3, prods]))))),
       parameters = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se),
       fit = as.list(fm), nobs = lavInspect(fit, "nobs"))
}

# HS with holes (FIML): x2 missing where id %% 7 == 0, x5 where id %% 11 == 0 (the tests make the same holes)
HS_NA <- HS
HS_NA$x2[HS_NA$id %% 7 == 0] <- NA
HS_NA$x5[HS_NA$id %% 11 == 0] <- NA
hs_base <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
sim_base <- "X =~ x1 + x2 + x3\nW =~ w1 + w2 + w3\nY =~ y1 + y2 + y3"
cases <- list(
  one_case("hs_matched", "HolzingerSwineford1939.csv", HS, hs_base, "visual", c("x1", "x2", "x3"),
           "textual", c("x4", "x5", "x6"), "speed", TRUE),
  one_case("hs_all_pairs", "HolzingerSwineford1939.csv", HS, hs_base, "visual", c("x1", "x2", "x3"),
           "textual", c("x4", "x5", "x6"), "speed", FALSE),
  one_case("hs_matched_fiml", "HolzingerSwineford1939.csv", HS_NA, hs_base, "visual", c("x1", "x2", "x3"),
           "textual", c("x4", "x5", "x6"), "speed", TRUE, missing = "ml"),
  one_case("sim_matched", "latent_interaction.csv", SIM, sim_base, "X", c("x1", "x2", "x3"),
           "W", c("w1", "w2", "w3"), "Y", TRUE),
  one_case("sim_all_pairs", "latent_interaction.csv", SIM, sim_base, "X", c("x1", "x2", "x3"),
           "W", c("w1", "w2", "w3"), "Y", FALSE)
)
out <- list(description = paste("Latent interactions by double-mean-centered product indicators (semTools indProd,",
                                "meanC = TRUE, residualC = FALSE, doubleMC = TRUE) fitted by lavaan sem() with ML."),
            versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))),
            cases = cases)
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(out_dir, "latent_interaction.json"))
cat("wrote", file.path(out_dir, "latent_interaction.json"), "\n")

#!/usr/bin/env Rscript
# =============================================================================
# make_validity_reference.R -- semTools/lavaan values for surveykit.sem.validity
#                              and surveykit.sem.cmb
# =============================================================================
#
# Usage (from tests/reference/):   Rscript make_validity_reference.R [OUTDIR]
#
# OUTDIR defaults to "lavaan/" (overwrites the committed files).  Writes
#
#   validity.json   construct validity of four CFAs (see CASES below):
#                     * semTools::compRelSEM(fit, obs.var = FALSE)  (model-implied denominator)
#                     * semTools::compRelSEM(fit, obs.var = TRUE)   (sample denominator; the default)
#                     * semTools::AVE(fit)                          (obs.var = TRUE, the default)
#                     * semTools::AVE(fit, obs.var = FALSE)
#                     * semTools::htmt(model, data)                 (htmt2 = TRUE, the 0.5-6 default:
#                                                                    geometric means of |r|)
#                     * semTools::htmt(model, data, htmt2 = FALSE) (Henseler et al. 2015: arithmetic means
#                                                                    of |r|, absolute = TRUE default)
#                     * lavInspect(fit, "cor.lv")                   (model-implied factor correlations)
#                     * the completely standardized loadings (std.all), and, computed here by hand from
#                       cor.lv and std.all: msv, asv and the mean squared standardized loading
#   cmb.json        model-based common-method-bias checks on the HS, demo and bfi CFAs:
#                     * single-factor test: one factor measured by every item vs the measurement
#                       model; fitMeasures of both and anova() (lavTestLRT, standard chi-square
#                       difference for ML)
#                     * ULMC (unmeasured latent method construct): the measurement model plus a
#                       factor "method" measured by every item and uncorrelated with the substantive
#                       factors, with free loadings (method variance fixed to 1) and with equal
#                       loadings (all fixed to 1, method variance free); fitMeasures, anova() against
#                       the measurement model, and the completely standardized loadings
#
# lavaan warns three times while this runs, on purpose: the ULMC models are often
# inadmissible, and these are kept as reference cases for surveykit's admissibility flag.
#   * hs, ULMC with free loadings: "some estimated lv variances are negative" (visual; the
#     method factor absorbs the visual factor);
#   * hs, ULMC with equal loadings: "covariance matrix of latent variables is not positive
#     definite" (a factor correlation of -4.9);
#   * demo, ULMC with equal loadings: "some estimated lv variances are negative" (method: the
#     simulated demo data have no common method variance).
#
# All fits use lavaan defaults: ML, listwise deletion, marker identification, expected
# information.  htmt(model, data) gives lavCor(data[, items], missing = "listwise"): Pearson
# correlations on the rows complete on the model's indicators, which for a CFA are the rows
# lavaan uses for the fit.
#
# Numbers are written with full precision (jsonlite digits = NA, 15 significant digits),
# NA -> null.  Everything is deterministic.  The test-suite reads the JSON; it never runs R.
#
# Versions used for the committed files: R 4.2.2, lavaan 0.6.14, semTools 0.5.6, jsonlite 1.8.4
# (recorded in the JSON as "versions").
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
if (!dir.exists("data")) stop("run this script from tests/reference/ (no ./data directory found)")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

save_json <- function(obj, name) {
  writeLines(toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
             file.path(out_dir, paste0(name, ".json")))
}

versions <- list(R = R.version.string,
                 lavaan = as.character(packageVersion("lavaan")),
                 semTools = as.character(packageVersion("semTools")),
                 jsonlite = as.character(packageVersion("jsonlite")))

# a named vector -> named list (JSON object); a matrix -> {row: {col: value}}
as_obj <- function(x) as.list(setNames(as.numeric(x), names(x)))
as_mat <- function(m) {
  m <- unclass(m)
  out <- lapply(rownames(m), function(r) as.list(setNames(as.numeric(m[r, ]), colnames(m))))
  setNames(out, rownames(m))
}

# ---------------------------------------------------------------------------
# Data and models
# ---------------------------------------------------------------------------
hs <- read.csv(file.path("data", "HolzingerSwineford1939.csv"))
demo <- read.csv(file.path("data", "demo_keyed.csv"))
# bfi with the reverse-keyed items recoded 7 - x, as in make_reference.R (reliability.json)
bfi <- read.csv(file.path("data", "bfi.csv"))
bfi_reversed_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi[bfi_reversed_items] <- 7 - bfi[bfi_reversed_items]

hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
# the same model with a cross-loading (x9 on visual) and a residual covariance (x2 ~~ x3),
# the largest and the eighth-largest modification index: checks what compRelSEM/AVE/htmt do
# with them.  (x7 ~~ x8, the second-largest, gives a Heywood case here.)  With x9 in two
# factors, htmt(model, data) stops (lavCor on a data frame with a duplicated column is not
# positive definite), so this case uses htmt(model, sample.cov = <the fit's sample covariance>),
# which keeps x9 in both blocks (the heterotrait block visual-speed then contains r(x9, x9) = 1).
hs_mod_model <- "
visual  =~ x1 + x2 + x3 + x9
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
x2 ~~ x3
"
# the eight-factor, 42-item demo measurement model, as fitted in make_demo_reference.R
demo_model <- fromJSON(file.path("lavaan", "demo_cfa_ml.json"))$model

# the five-factor bfi model (25 items, listwise: 2,436 complete rows)
bfi_model <- "
agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
openn =~ O1 + O2 + O3 + O4 + O5
"

CASES <- list(
  hs     = list(data = hs,   data_file = "data/HolzingerSwineford1939.csv", model = hs_model),
  hs_mod = list(data = hs,   data_file = "data/HolzingerSwineford1939.csv", model = hs_mod_model),
  demo   = list(data = demo, data_file = "data/demo_keyed.csv",             model = demo_model),
  bfi    = list(data = bfi,  data_file = "data/bfi.csv (A1, C4, C5, E1, E2, O2, O5 recoded 7 - x)",
                model = bfi_model)
)

# ---------------------------------------------------------------------------
# validity.json
# ---------------------------------------------------------------------------
validity_case <- function(cs) {
  fit <- cfa(cs$model, data = cs$data)
  std <- standardizedSolution(fit)
  load <- std[std$op == "=~", c("lhs", "rhs", "est.std")]
  cor_lv <- lavInspect(fit, "cor.lv")
  f <- rownames(cor_lv)
  r2 <- cor_lv^2
  diag(r2) <- NA
  items <- lavaanify(cs$model)
  items <- items$rhs[items$op == "=~"]
  if (anyDuplicated(items)) {
    S <- lavInspect(fit, "sampstat")$cov
    ht2 <- htmt(cs$model, sample.cov = S)
    ht1 <- htmt(cs$model, sample.cov = S, htmt2 = FALSE)
    ht_call <- "htmt(model, sample.cov = lavInspect(fit, 'sampstat')$cov) and the same with htmt2 = FALSE; absolute = TRUE"
  } else {
    ht2 <- htmt(cs$model, data = cs$data)
    ht1 <- htmt(cs$model, data = cs$data, htmt2 = FALSE)
    ht_call <- "htmt(model, data) and htmt(model, data, htmt2 = FALSE); missing = 'listwise', absolute = TRUE"
  }
  list(
    data = cs$data_file,
    model = cs$model,
    call = "fit <- cfa(model, data)",
    nobs = lavInspect(fit, "nobs"),
    compRelSEM_implied = as_obj(compRelSEM(fit, obs.var = FALSE)),
    compRelSEM_obsvar  = as_obj(compRelSEM(fit, obs.var = TRUE)),
    AVE_obsvar  = as_obj(AVE(fit)),                     # the default, obs.var = TRUE
    AVE_implied = as_obj(AVE(fit, obs.var = FALSE)),
    htmt2        = as_mat(ht2),    # htmt2 = TRUE (the semTools 0.5-6 default)
    htmt_classic = as_mat(ht1),    # htmt2 = FALSE
    htmt_call = ht_call,
    cor_lv = as_mat(cor_lv),
    std_loadings = lapply(split(load, load$lhs)[unique(load$lhs)],
                          function(d) as.list(setNames(d$est.std, d$rhs))),
    by_hand = list(
      note = "msv = max_j r_ij^2, asv = mean_j r_ij^2 over the other factors (cor.lv); ave_std = mean(std.all^2) of the factor's loadings",
      msv = as.list(setNames(apply(r2, 1, max, na.rm = TRUE), f)),
      asv = as.list(setNames(apply(r2, 1, mean, na.rm = TRUE), f)),
      ave_std = as.list(tapply(load$est.std^2, factor(load$lhs, levels = unique(load$lhs)), mean))
    )
  )
}

save_json(c(list(case = "validity",
                 description = "semTools compRelSEM / AVE / htmt and lavaan cor.lv for CFAs (lavaan defaults)",
                 versions = versions),
            lapply(CASES, validity_case)),
          "validity")

# ---------------------------------------------------------------------------
# cmb.json
# ---------------------------------------------------------------------------
FIT_NAMES <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")

# factor -> items of a measurement model (only =~ rows between a factor and observed items)
items_of <- function(model) {
  pt <- lavaanify(model)
  pt <- pt[pt$op == "=~", ]
  unique(pt$rhs)
}
factors_of <- function(model) {
  pt <- lavaanify(model)
  unique(pt$lhs[pt$op == "=~"])
}

lrt <- function(restricted, general) {
  a <- anova(restricted, general)
  list(delta_chisq = a[["Chisq diff"]][2], delta_df = a[["Df diff"]][2], pvalue = a[["Pr(>Chisq)"]][2])
}

# completely standardized loadings (standardizedSolution) and the p-values of the
# unstandardized method loadings (parameterEstimates; NA when fixed, as with equal loadings).
# With free loadings the method factor's sign is arbitrary (its variance is fixed to 1):
# lavaan's orientation is recorded as is.
method_share <- function(fit, substantive) {
  std <- standardizedSolution(fit)
  pe <- parameterEstimates(fit)
  l <- std[std$op == "=~", ]
  m <- l[l$lhs == "method", ]
  s <- l[l$lhs %in% substantive, ]
  pm <- pe[pe$op == "=~" & pe$lhs == "method", ]
  list(method_loadings = as.list(setNames(m$est.std, m$rhs)),
       method_loadings_p = as.list(setNames(pm$pvalue, pm$rhs)),
       substantive_loadings = as.list(setNames(s$est.std, s$rhs)),
       mean_method_variance = mean(m$est.std^2),
       mean_substantive_variance = mean(s$est.std^2))
}

cmb_case <- function(cs) {
  items <- items_of(cs$model)
  facs <- factors_of(cs$model)
  measurement <- cfa(cs$model, data = cs$data)

  one_model <- paste("general =~", paste(items, collapse = " + "))
  one <- cfa(one_model, data = cs$data)

  method_free <- paste0(
    cs$model, "\n",
    "method =~ ", paste(c(paste0("NA*", items[1]), items[-1]), collapse = " + "), "\n",
    "method ~~ 1*method\n",
    "method ~~ ", paste0("0*", facs, collapse = " + "), "\n")
  method_equal <- paste0(
    cs$model, "\n",
    "method =~ ", paste0("1*", items, collapse = " + "), "\n",
    "method ~~ ", paste0("0*", facs, collapse = " + "), "\n")
  ulmc_free <- cfa(method_free, data = cs$data)
  ulmc_equal <- cfa(method_equal, data = cs$data)

  fm <- function(fit) as.list(fitMeasures(fit, FIT_NAMES))
  list(
    data = cs$data_file,
    model = cs$model,
    nobs = lavInspect(measurement, "nobs"),
    measurement_fit = fm(measurement),
    single_factor = list(model = one_model, call = "cfa(one_model, data); anova(one, measurement)",
                         converged = lavInspect(one, "converged"),
                         fit = fm(one), lrt = lrt(measurement, one)),
    ulmc_free = c(list(model = method_free, call = "cfa(model, data); anova(measurement, ulmc)",
                       converged = lavInspect(ulmc_free, "converged"),
                       fit = fm(ulmc_free), lrt = lrt(ulmc_free, measurement)),
                  method_share(ulmc_free, facs)),
    ulmc_equal = c(list(model = method_equal, call = "cfa(model, data); anova(measurement, ulmc)",
                        converged = lavInspect(ulmc_equal, "converged"),
                        fit = fm(ulmc_equal), lrt = lrt(ulmc_equal, measurement)),
                   method_share(ulmc_equal, facs))
  )
}

save_json(c(list(case = "cmb",
                 description = "Common-method-bias checks: single-factor CFA vs measurement model; ULMC (method factor on every item, orthogonal to the substantive factors) with free and with equal loadings",
                 versions = versions),
            lapply(CASES[c("hs", "demo", "bfi")], cmb_case)),
          "cmb")

#!/usr/bin/env Rscript
# =============================================================================
# make_reference.R -- regenerate surveykit's R reference values
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_reference.R [OUTDIR]        # OUTDIR defaults to "lavaan/"
#
# Reads the benchmark data in data/ (HolzingerSwineford1939.csv,
# PoliticalDemocracy.csv, bfi.csv) and writes one JSON file per reference case
# plus VERSIONS.json into OUTDIR.  The slow bootstrap case lives in
# make_bootstrap_reference.R.
#
# Requirements (Debian/Ubuntu packages; CRAN is not needed):
#     apt-get install -y r-base-core r-cran-lavaan r-cran-psych r-cran-semtools \
#                        r-cran-gparotation r-cran-jsonlite r-cran-haven
#
# Conventions
#   * Numbers are written with full precision: jsonlite's digits = NA
#     (15 significant digits), NA -> null, length-1 vectors unboxed.
#   * Every case records the data file it used, the lavaan model syntax and
#     the R call (or a description of it) so that a reader of the JSON does not
#     need this script to know what was computed.
#   * Everything is deterministic except psych::fa.parallel (case "efa"),
#     which is seeded but still random (see the note written into efa.json).
#
# The test-suite only reads the JSON files; it never runs R.
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(semTools)
  library(GPArotation)   # rotations used by psych::fa(rotate = "oblimin")
  library(jsonlite)
})

# ---------------------------------------------------------------------------
# 0. Command line and paths
# ---------------------------------------------------------------------------
args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(args) >= 1) args[[1]] else "lavaan")
data_dir <- "data"

if (!dir.exists(data_dir)) {
  stop("run this script from tests/reference/ (no ./data directory found)")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------------------
# 1. Small helpers
# ---------------------------------------------------------------------------

#' Serialise `obj` to OUTDIR/<name>.json with full numeric precision.
save_json <- function(obj, name) {
  target <- file.path(out_dir, paste0(name, ".json"))
  txt <- toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null",
                na = "null", pretty = TRUE)
  writeLines(txt, target)
  message("  wrote ", target)
  invisible(target)
}

#' Read one of the benchmark CSV files (empty cells are missing values).
read_bench <- function(file) {
  read.csv(file.path(data_dir, file), na.strings = "", stringsAsFactors = FALSE)
}

#' Evaluate `expr` without its printed output, messages or warnings (psych
#' functions are chatty; none of what they print is written to the JSON).
quiet <- function(expr) {
  value <- NULL
  utils::capture.output(
    value <- suppressMessages(suppressWarnings(expr)))
  value
}

#' A matrix as {rownames, colnames, values = list of rows}.
matrix_json <- function(m) {
  m <- as.matrix(m)
  rows <- lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))
  list(rownames = rownames(m), colnames = colnames(m), values = rows)
}

#' A data.frame without row names (serialised row-wise by jsonlite).
plain_df <- function(df, columns = names(df)) {
  df <- as.data.frame(df)
  df <- df[, intersect(columns, names(df)), drop = FALSE]
  rownames(df) <- NULL
  df
}

#' lavaan's parameter table with unstandardised and standardised solutions
#' and 95% Wald intervals.  Columns that lavaan leaves out (label when no
#' parameter is labelled, block/group for single-group models) stay out.
PARAM_COLUMNS <- c("lhs", "op", "rhs", "label", "block", "group",
                   "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                   "std.lv", "std.all")
param_rows <- function(fit) {
  pe <- parameterEstimates(fit, ci = TRUE, level = 0.95, standardized = TRUE)
  plain_df(pe, PARAM_COLUMNS)
}

#' A named list of the requested fitMeasures(), in the requested order,
#' silently skipping measures lavaan does not report for this estimator.
fit_subset <- function(fit, wanted) {
  fm <- fitMeasures(fit)
  wanted <- wanted[wanted %in% names(fm)]
  as.list(setNames(as.numeric(fm[wanted]), wanted))
}

#' Header common to every single-model case: sample size, convergence and the
#' lavaan options that decide which numbers come out.
fit_header <- function(fit) {
  o <- lavInspect(fit, "options")
  list(
    nobs       = lavInspect(fit, "nobs"),
    ntotal     = lavInspect(fit, "ntotal"),
    npar       = as.integer(fitMeasures(fit, "npar")),
    converged  = lavInspect(fit, "converged"),
    iterations = lavInspect(fit, "iterations"),
    fmin       = as.numeric(fitMeasures(fit, "fmin")),
    options    = list(
      estimator        = o$estimator,
      se               = o$se,
      test             = o$test,
      information      = o$information,
      likelihood       = o$likelihood,
      meanstructure    = o$meanstructure,
      missing          = o$missing,
      fixed.x          = o$fixed.x,
      std.lv           = o$std.lv,
      parameterization = o$parameterization
    )
  )
}

#' Build a single-model case: identification fields, then the fit header,
#' then the case-specific results.
model_case <- function(case, description, data, model, call, fit, results,
                       extra_ids = list()) {
  ids <- c(list(case = case, description = description, data = data),
           extra_ids,
           list(model = model, call = call))
  c(ids, fit_header(fit), results)
}

# Sets of fit measures written for the different estimators.
FIT_ML <- c("npar", "fmin", "chisq", "df", "pvalue",
            "baseline.chisq", "baseline.df", "baseline.pvalue",
            "cfi", "tli", "nnfi", "nfi", "rfi", "ifi", "rni",
            "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
            "srmr", "srmr_bentler", "rmr", "aic", "bic", "bic2", "logl",
            "unrestricted.logl", "gfi", "agfi", "pgfi", "cn_05", "ecvi", "ntotal")
FIT_MLR <- c("npar", "chisq", "df", "pvalue",
             "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
             "baseline.chisq", "baseline.chisq.scaled", "baseline.chisq.scaling.factor",
             "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
             "rmsea", "rmsea.scaled", "rmsea.robust",
             "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
             "srmr", "logl", "aic", "bic")
FIT_WLSMV <- c("npar", "chisq", "df", "pvalue",
               "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
               "baseline.chisq", "baseline.chisq.scaled",
               "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea", "rmsea.scaled",
               "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "srmr", "wrmr")
FIT_LS <- c("npar", "fmin", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")
FIT_GROUPS <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr",
                "aic", "bic", "logl")

# ---------------------------------------------------------------------------
# 2. Data
# ---------------------------------------------------------------------------
HS_FILE  <- "data/HolzingerSwineford1939.csv"
PD_FILE  <- "data/PoliticalDemocracy.csv"
BFI_FILE <- "data/bfi.csv"

hs  <- read_bench("HolzingerSwineford1939.csv")   # N = 301, school = 2 groups
pd  <- read_bench("PoliticalDemocracy.csv")       # N = 75
bfi <- read_bench("bfi.csv")                      # N = 2800, items have NAs

bfi_items <- unlist(lapply(c("A", "C", "E", "N", "O"), paste0, 1:5))
bfi_complete <- bfi[complete.cases(bfi[, bfi_items]), bfi_items]  # listwise

# Reverse-keyed bfi items (see ?psych::bfi), recoded 7 - x for reliability.
bfi_reversed_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi_keyed <- bfi
bfi_keyed[bfi_reversed_items] <- 7 - bfi_keyed[bfi_reversed_items]

# ---------------------------------------------------------------------------
# 3. Models (lavaan syntax; written verbatim into the JSON)
# ---------------------------------------------------------------------------
hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

pd_model <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
# regressions
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
# defined parameters (delta-method SE)
ind   := a*b
total := c + a*b
"

pd_path_model <- "
y1 ~ a*x1 + x2
y5 ~ b*y1 + c*x1
ind   := a*b
total := c + a*b
"

bfi_model <- "
agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5
extra =~ E1 + E2 + E3 + E4 + E5
neuro =~ N1 + N2 + N3 + N4 + N5
openn =~ O1 + O2 + O3 + O4 + O5
"

# ---------------------------------------------------------------------------
# 4. Cases.  Each function returns the list that becomes <case>.json.
# ---------------------------------------------------------------------------

# The baseline HS fit is reused by the reliability case.
hs_ml_fit <- cfa(hs_model, data = hs, estimator = "ML")

## 4.1 HS three-factor CFA, ML -------------------------------------------------
case_hs_cfa_ml <- function() {
  fit <- hs_ml_fit
  mi <- modindices(fit, sort. = TRUE, maximum.number = 10)
  model_case(
    "hs_cfa_ml",
    "HolzingerSwineford1939 3-factor CFA, ML (lavaan defaults: marker-variable identification, N-divisor sample covariance, expected information)",
    HS_FILE, hs_model, 'cfa(model, data = HS, estimator = "ML")', fit,
    list(params           = param_rows(fit),
         fit              = fit_subset(fit, FIT_ML),
         modindices_top10 = plain_df(mi, c("lhs", "op", "rhs", "mi", "epc",
                                           "sepc.lv", "sepc.all")),
         rsquare          = as.list(lavInspect(fit, "rsquare")),
         sample_cov       = matrix_json(lavInspect(fit, "sampstat")$cov),
         implied_cov      = matrix_json(lavInspect(fit, "implied")$cov)))
}

## 4.2 HS variants: std.lv identification, mean structure, GLS, ULS, MLR -----
case_hs_cfa_stdlv <- function() {
  fit <- cfa(hs_model, data = hs, std.lv = TRUE)
  model_case(
    "hs_cfa_stdlv",
    "Case hs_cfa_ml identified by fixing factor variances to 1 (std.lv = TRUE); all loadings free",
    HS_FILE, hs_model, "cfa(model, data = HS, std.lv = TRUE)", fit,
    list(params = param_rows(fit), fit = fit_subset(fit, FIT_ML)))
}

case_hs_cfa_means <- function() {
  fit <- cfa(hs_model, data = hs, meanstructure = TRUE)
  model_case(
    "hs_cfa_means",
    "Case hs_cfa_ml with meanstructure = TRUE (intercepts estimated); estimates/chisq identical to hs_cfa_ml, adds intercepts",
    HS_FILE, hs_model, "cfa(model, data = HS, meanstructure = TRUE)", fit,
    list(params = param_rows(fit), fit = fit_subset(fit, FIT_ML)))
}

hs_least_squares_case <- function(estimator) {
  fit <- cfa(hs_model, data = hs, estimator = estimator)
  model_case(
    paste0("hs_cfa_", tolower(estimator)),
    paste("Case hs_cfa_ml with estimator =", estimator),
    HS_FILE, hs_model,
    sprintf('cfa(model, data = HS, estimator = "%s")', estimator), fit,
    list(params = param_rows(fit), fit = fit_subset(fit, FIT_LS)))
}
case_hs_cfa_gls <- function() hs_least_squares_case("GLS")
case_hs_cfa_uls <- function() hs_least_squares_case("ULS")

case_hs_cfa_mlr <- function() {
  fit <- cfa(hs_model, data = hs, estimator = "MLR")
  # Same robust fit, but the sandwich uses the EXPECTED information.
  fit_expected <- cfa(hs_model, data = hs, estimator = "MLR",
                      information = "expected")
  model_case(
    "hs_cfa_mlr",
    "Case hs_cfa_ml with estimator MLR: Huber-White robust SEs (observed information), Yuan-Bentler (Mplus) scaled test statistic",
    HS_FILE, hs_model, 'cfa(model, data = HS, estimator = "MLR")', fit,
    list(params               = param_rows(fit),
         fit                  = fit_subset(fit, FIT_MLR),
         params_expected_info = param_rows(fit_expected)))
}

## 4.3 PoliticalDemocracy: full SEM and an observed-variable path model ------
case_pd_sem_ml <- function() {
  fit <- sem(pd_model, data = pd)
  model_case(
    "pd_sem_ml",
    "PoliticalDemocracy SEM from the lavaan tutorial, ML, with labelled paths and defined indirect/total effects (delta method)",
    PD_FILE, pd_model, "sem(model, data = PoliticalDemocracy)", fit,
    list(params      = param_rows(fit),
         fit         = fit_subset(fit, FIT_ML),
         rsquare     = as.list(lavInspect(fit, "rsquare")),
         implied_cov = matrix_json(lavInspect(fit, "implied")$cov)))
}

case_pd_path_obs <- function() {
  fit <- sem(pd_path_model, data = pd)   # fixed.x = TRUE (lavaan default)
  model_case(
    "pd_path_obs",
    "Observed-variable path model on PoliticalDemocracy with a defined indirect effect; exogenous x1, x2 treated as fixed (fixed.x = TRUE)",
    PD_FILE, pd_path_model, "sem(model, data = PoliticalDemocracy)", fit,
    list(params  = param_rows(fit),
         fit     = fit_subset(fit, FIT_ML),
         rsquare = as.list(lavInspect(fit, "rsquare"))))
}

## 4.4 bfi five-factor CFA: FIML on the raw items, WLSMV on complete cases ---
case_bfi_cfa_fiml <- function() {
  fit <- cfa(bfi_model, data = bfi, missing = "fiml", estimator = "ML")
  # lavaan's FIML default is observed information; also give expected-info SEs.
  fit_expected <- cfa(bfi_model, data = bfi, missing = "fiml", estimator = "ML",
                      information = "expected")
  model_case(
    "bfi_cfa_fiml",
    "bfi 5-factor CFA (raw items, no reverse scoring), ML with full-information ML for missing data (meanstructure implied)",
    BFI_FILE, bfi_model,
    'cfa(model, data = bfi, missing = "fiml", estimator = "ML")', fit,
    list(params               = param_rows(fit),
         fit                  = fit_subset(fit, FIT_ML),
         params_expected_info = param_rows(fit_expected)))
}

case_bfi_cfa_wlsmv <- function() {
  fit <- cfa(bfi_model, data = bfi_complete, ordered = bfi_items,
             estimator = "WLSMV")
  a_items <- paste0("A", 1:5)
  poly_a    <- lavCor(bfi_complete[, a_items], ordered = a_items)
  poly_a_th <- lavCor(bfi_complete[, a_items], ordered = a_items, output = "th")
  model_case(
    "bfi_cfa_wlsmv",
    "bfi 5-factor CFA, all 25 items ordered, WLSMV (DWLS estimates, robust SEs, mean-and-variance adjusted test), listwise complete cases on the 25 items; delta parameterization",
    BFI_FILE, bfi_model,
    'cfa(model, data = bfi_cc, ordered = items, estimator = "WLSMV")', fit,
    list(params                  = param_rows(fit),
         fit                     = fit_subset(fit, FIT_WLSMV),
         polychoric_A            = matrix_json(poly_a),
         polychoric_A_thresholds = as.list(poly_a_th),
         polychoric_A_call       = "lavCor(bfi_cc[, A1..A5], ordered = A1..A5)",
         # the fit's sample statistics are the 25 x 25 polychoric correlations
         polychoric_all25        = matrix_json(lavInspect(fit, "sampstat")$cov)),
    extra_ids = list(subset = "rows complete on A1..O5 (listwise)"))
}

## 4.5 Measurement invariance across HS schools -----------------------------
case_invariance <- function() {
  steps <- list(configural = character(0),
                metric     = "loadings",
                scalar     = c("loadings", "intercepts"),
                strict     = c("loadings", "intercepts", "residuals"))
  fits <- lapply(steps, function(eq) {
    if (length(eq) == 0) cfa(hs_model, data = hs, group = "school")
    else cfa(hs_model, data = hs, group = "school", group.equal = eq)
  })

  lrt <- as.data.frame(lavTestLRT(fits$configural, fits$metric,
                                  fits$scalar, fits$strict))
  names(lrt)[names(lrt) == "Pr(>Chisq)"] <- "p"
  lrt$model <- names(steps)
  rownames(lrt) <- NULL

  labels <- lavInspect(fits$configural, "group.label")
  list(
    case        = "invariance",
    description = "HS39 3-factor CFA by group = school: configural, metric, scalar, strict; lavTestLRT between successive models",
    data        = HS_FILE,
    model       = hs_model,
    group_labels = labels,
    group_n     = as.list(setNames(lavInspect(fits$configural, "nobs"), labels)),
    fit         = lapply(fits, fit_subset, wanted = FIT_GROUPS),
    lrt         = lrt,
    configural_params = param_rows(fits$configural))
}

## 4.6 Reliability: psych::alpha / omega, semTools::compRelSEM / AVE ---------

# Fornell-Larcker composite reliability from standardised loadings.
fornell_larcker <- function(std_loadings) {
  s <- sum(std_loadings)^2
  s / (s + sum(1 - std_loadings^2))
}

# psych::alpha (pairwise) with its Feldt and Duhachek intervals.
alpha_block <- function(x) {
  # quiet(): psych prints a note about "number of categories" for continuous items
  a <- quiet(psych::alpha(x, check.keys = FALSE))

  total <- as.list(a$total)
  names(total) <- c("raw_alpha", "std.alpha", "G6", "average_r", "S/N", "ase",
                    "mean", "sd", "median_r")[seq_along(total)]

  drop <- as.data.frame(a$alpha.drop)
  names(drop)[names(drop) == "G6(smc)"] <- "G6"
  drop$item <- rownames(drop)

  stats <- as.data.frame(a$item.stats)
  stats$item <- rownames(stats)

  list(total       = total,
       feldt_ci    = list(lower = as.numeric(a$feldt$lower.ci),
                          alpha = as.numeric(a$feldt$alpha),
                          upper = as.numeric(a$feldt$upper.ci)),
       duhachek_ci = list(lower = total$raw_alpha - 1.96 * total$ase,
                          upper = total$raw_alpha + 1.96 * total$ase),
       n_rows      = nrow(x),
       n_complete  = sum(complete.cases(x)),
       alpha_drop  = plain_df(drop),
       item_stats  = plain_df(stats))
}

# psych::omega with a single factor.
omega_block <- function(x) {
  om <- quiet(psych::omega(x, nfactors = 1, plot = FALSE))
  list(omega_total = om$omega.tot,
       omega_h     = as.numeric(om$omega_h),
       alpha       = om$alpha,
       note = "psych::omega(x, nfactors = 1): minres on the pairwise correlation matrix, i.e. standardized-item omega; omega_h is not meaningful with one factor")
}

# One-factor CFA (listwise, lavaan default) and the semTools reliabilities.
one_factor_block <- function(items, data) {
  syntax <- paste("f =~", paste(items, collapse = " + "))
  fit <- cfa(syntax, data = data)
  pe <- parameterEstimates(fit, standardized = TRUE)
  loadings  <- pe[pe$op == "=~", ]
  residuals <- pe[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs %in% items, ]
  list(model        = syntax,
       nobs         = lavInspect(fit, "nobs"),
       loadings     = setNames(as.list(loadings$est), loadings$rhs),
       std_loadings = setNames(as.list(loadings$std.all), loadings$rhs),
       residuals    = setNames(as.list(residuals$est), residuals$lhs),
       factor_var   = pe$est[pe$op == "~~" & pe$lhs == "f" & pe$rhs == "f"],
       omega_compRelSEM_obsvar  = as.numeric(compRelSEM(fit)),
       omega_compRelSEM_implied = as.numeric(compRelSEM(fit, obs.var = FALSE)),
       alpha_compRelSEM_taueq   = as.numeric(compRelSEM(fit, tau.eq = TRUE)),
       cr_fornell_larcker = fornell_larcker(loadings$std.all),
       ave          = as.numeric(AVE(fit)))
}

case_reliability <- function() {
  bfi_scales <- list(agree = paste0("A", 1:5), consc = paste0("C", 1:5),
                     extra = paste0("E", 1:5), neuro = paste0("N", 1:5),
                     openn = paste0("O", 1:5))
  bfi_part <- lapply(bfi_scales, function(items) {
    list(items       = items,
         reversed    = intersect(items, bfi_reversed_items),
         alpha       = alpha_block(bfi_keyed[, items]),
         omega_psych = omega_block(bfi_keyed[, items]),
         cfa_1factor = one_factor_block(items, bfi_keyed))
  })

  hs_scales <- list(visual  = c("x1", "x2", "x3"),
                    textual = c("x4", "x5", "x6"),
                    speed   = c("x7", "x8", "x9"))
  hs_pe <- parameterEstimates(hs_ml_fit, standardized = TRUE)
  hs_part <- lapply(names(hs_scales), function(factor_name) {
    std_l <- hs_pe$std.all[hs_pe$op == "=~" & hs_pe$lhs == factor_name]
    list(items              = hs_scales[[factor_name]],
         alpha              = alpha_block(hs[, hs_scales[[factor_name]]]),
         cr_fornell_larcker = fornell_larcker(std_l),
         ave_by_hand        = mean(std_l^2))
  })
  names(hs_part) <- names(hs_scales)

  list(
    case        = "reliability",
    description = "Reliability: psych::alpha (pairwise), psych::omega(nfactors=1), semTools::compRelSEM / AVE on 1-factor CFAs per bfi scale (reverse-keyed items recoded 7 - x) and on the 3-factor HS39 CFA (case hs_cfa_ml)",
    bfi_reverse_keyed = bfi_reversed_items,
    bfi_reverse_rule  = "7 - x",
    bfi = bfi_part,
    hs  = list(scales             = hs_part,
               compRelSEM_obsvar  = as.list(compRelSEM(hs_ml_fit)),
               compRelSEM_implied = as.list(compRelSEM(hs_ml_fit, obs.var = FALSE)),
               AVE                = as.list(AVE(hs_ml_fit))))
}

## 4.7 Exploratory factor analysis of the 25 bfi items -----------------------
efa_block <- function(items, fm, rotate) {
  f <- quiet(psych::fa(items, nfactors = 5, fm = fm, rotate = rotate))
  out <- list(
    fm            = fm,
    rotate        = rotate,
    call          = sprintf('psych::fa(bfi[, 1:25], nfactors = 5, fm = "%s", rotate = "%s")  # pairwise correlations', fm, rotate),
    loadings      = matrix_json(unclass(f$loadings)),
    communalities = as.list(f$communality),
    uniquenesses  = as.list(f$uniquenesses),
    Vaccounted    = matrix_json(f$Vaccounted),
    objective     = f$objective,
    statistic     = f$STATISTIC,
    dof           = f$dof,
    rmsea         = as.numeric(f$RMSEA[1]),
    tli           = f$TLI)
  if (!is.null(f$Phi)) out$Phi <- matrix_json(f$Phi)   # oblique rotations only
  out
}

case_efa <- function() {
  items    <- bfi[, bfi_items]
  items_cc <- items[complete.cases(items), ]

  kmo <- function(x) {
    k <- psych::KMO(x)
    list(MSA = k$MSA, MSAi = as.list(k$MSAi), n = nrow(x))
  }
  bartlett <- function(x) {
    b <- quiet(psych::cortest.bartlett(x))   # R computed from the raw data
    list(chisq = b$chisq, df = b$df, p = b$p.value, n = nrow(x))
  }

  parallel_seed <- 20240601
  set.seed(parallel_seed)
  pa <- quiet(psych::fa.parallel(items, fm = "minres", fa = "both",
                                 n.iter = 20, plot = FALSE))

  list(
    case        = "efa",
    description = "EFA of the 25 bfi items (pairwise correlations, psych defaults), KMO, Bartlett, parallel analysis",
    data        = BFI_FILE,
    fa_ml_oblimin     = efa_block(items, "ml", "oblimin"),
    fa_minres_oblimin = efa_block(items, "minres", "oblimin"),
    fa_ml_none        = efa_block(items, "ml", "none"),
    fa_minres_none    = efa_block(items, "minres", "none"),
    cor_pairwise      = matrix_json(cor(items, use = "pairwise")),
    kmo_pairwise      = kmo(items),
    kmo_complete      = kmo(items_cc),
    bartlett_pairwise = bartlett(items),
    bartlett_complete = bartlett(items_cc),
    parallel = list(
      nfact = pa$nfact, ncomp = pa$ncomp, seed = parallel_seed, n.iter = 20,
      fm = "minres", fa = "both",
      note = "random: depends on seed and R's RNG; treat as a range, not an exact value",
      fa_values = pa$fa.values, pc_values = pa$pc.values))
}

# ---------------------------------------------------------------------------
# 5. Run every case, then record the software versions.
# ---------------------------------------------------------------------------
cases <- list(
  hs_cfa_ml     = case_hs_cfa_ml,
  pd_sem_ml     = case_pd_sem_ml,
  hs_cfa_mlr    = case_hs_cfa_mlr,
  bfi_cfa_fiml  = case_bfi_cfa_fiml,
  bfi_cfa_wlsmv = case_bfi_cfa_wlsmv,
  reliability   = case_reliability,
  efa           = case_efa,
  invariance    = case_invariance,
  hs_cfa_stdlv  = case_hs_cfa_stdlv,
  hs_cfa_means  = case_hs_cfa_means,
  hs_cfa_gls    = case_hs_cfa_gls,
  hs_cfa_uls    = case_hs_cfa_uls,
  pd_path_obs   = case_pd_path_obs
)

message("writing reference values to ", out_dir)
for (name in names(cases)) {
  save_json(cases[[name]](), name)
}

pkg_version <- function(p) as.character(packageVersion(p))
save_json(list(
  R            = R.version.string,
  lavaan       = pkg_version("lavaan"),
  psych        = pkg_version("psych"),
  semTools     = pkg_version("semTools"),
  GPArotation  = pkg_version("GPArotation"),
  haven        = pkg_version("haven"),      # wrote data/bfi.sav; not used here
  jsonlite     = pkg_version("jsonlite"),
  platform     = R.version$platform,
  blas         = tryCatch(extSoftVersion()[["BLAS"]], error = function(e) NA),
  generated_by = "make_reference.R"
), "VERSIONS")

message("done")

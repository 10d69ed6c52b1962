#!/usr/bin/env Rscript
# =============================================================================
# make_corpus_reference.R -- a broad lavaan-parity corpus for surveykit
# =============================================================================
#
# Usage (from tests/reference/):
#
#     Rscript make_corpus_reference.R [OUTDIR]   # OUTDIR defaults to "lavaan/corpus"
#
# Fits well over a hundred lavaan models (model x data x options) and writes
#
#   * OUTDIR/<case_id>.json   one file per case (layout below),
#   * OUTDIR/INDEX.json       the case ids with a one-line description, class
#                             and status, plus the R / lavaan / semTools versions,
#   * OUTDIR/README.md        what the corpus is and a table of the cases,
#   * data/corpus/*.csv       the derived data sets the cases use (always written
#                             to data/corpus/, whatever OUTDIR is).
#
# The derived data are written first and then READ BACK from the CSV files, so
# every case is fitted to exactly the numbers a reader of the CSV gets (write.csv
# keeps 15 significant digits, not the full double).
#
# Requirements (Debian/Ubuntu packages; CRAN is not needed):
#     apt-get install -y r-base-core r-cran-lavaan r-cran-semtools r-cran-jsonlite
#
# Conventions
#   * Numbers are written with full precision: jsonlite's digits = NA
#     (15 significant digits), NA/NaN/Inf -> null, length-1 vectors unboxed
#     (except where a field is documented as always being an array).
#   * Data files are read with read.csv(file, na.strings = "",
#     stringsAsFactors = FALSE): empty cell = missing; HS `school` stays text, so
#     lavaan's group order is the order of first appearance ("Pasteur",
#     "Grant-White"); bfi `gender` is numeric (groups "1", "2" in that order).
#   * The "call" of a case is the deparsed R call that was evaluated, with
#     `model` = the case's "model" string and `d` = the case's "data" file read
#     as above.  "args" holds the same arguments (lavaan's names and values).
#     group.equal, group.partial and a character `ordered` are always arrays.
#   * lavaan defaults everywhere unless the case says otherwise.
#   * A case where lavaan errors is still written, with "error" = lavaan's
#     message and null results.  Warnings raised while fitting are recorded in
#     "warnings" (and muffled); warnings/errors raised while extracting results
#     (fitMeasures, modindices, ...) go to "extract_warnings"/"extract_errors".
#   * Everything is deterministic: the only random numbers are the derived data
#     sets, each generated with a fixed seed.  Two runs with the versions in
#     INDEX.json produce byte-identical files.
#
# The test-suite only reads the JSON files; it never runs R.
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

# ---------------------------------------------------------------------------
# 0. Command line and paths
# ---------------------------------------------------------------------------
cmd_args <- commandArgs(trailingOnly = TRUE)
out_dir <- sub("/+$", "", if (length(cmd_args) >= 1) cmd_args[[1]] else "lavaan/corpus")
data_dir <- "data"
corpus_data_dir <- file.path(data_dir, "corpus")

if (!dir.exists(data_dir)) {
  stop("run this script from tests/reference/ (no ./data directory found)")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
dir.create(corpus_data_dir, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------------------
# 1. Helpers: JSON and serialisation of lavaan objects
# ---------------------------------------------------------------------------
to_json <- function(obj) {
  toJSON(obj, digits = NA, auto_unbox = TRUE, null = "null", na = "null",
         pretty = TRUE)
}

save_json <- function(obj, name) {
  target <- file.path(out_dir, paste0(name, ".json"))
  writeLines(to_json(obj), target)
  invisible(target)
}

#' One data frame as a JSON array with one row object per line (the rows are
#' the same objects jsonlite writes; only the whitespace differs).  Splitting
#' jsonlite's compact output at "},{" is safe for lavaan's tables (no string
#' contains "},{"); the row count is checked all the same.
rows_json <- function(df, indent = "  ") {
  if (nrow(df) == 0) return("[]")
  flat <- as.character(toJSON(df, digits = NA, auto_unbox = TRUE, null = "null",
                              na = "null", dataframe = "rows"))
  flat <- substr(flat, 3, nchar(flat) - 2)            # drop "[{" and "}]"
  rows <- strsplit(flat, "},{", fixed = TRUE)[[1]]
  if (length(rows) != nrow(df)) stop("rows_json: could not split the rows")
  paste0("[\n", paste0(indent, "  {", rows, "}", collapse = ",\n"),
         "\n", indent, "]")
}

#' A case: pretty-printed like the other reference files, except that the
#' top-level tables (partable, estimates, modindices) have one row per line,
#' which keeps the corpus about a third smaller and diffs readable.
save_case_json <- function(obj, name) {
  target <- file.path(out_dir, paste0(name, ".json"))
  fields <- vapply(names(obj), function(k) {
    v <- obj[[k]]
    key <- as.character(toJSON(k, auto_unbox = TRUE))
    val <- if (is.null(v)) "null"
           else if (is.data.frame(v)) rows_json(v)
           else gsub("\n", "\n  ", as.character(to_json(v)), fixed = TRUE)
    paste0("  ", key, ": ", val)
  }, "")
  writeLines(c("{", paste(fields, collapse = ",\n"), "}"), target)
  invisible(target)
}

read_bench <- function(file) {
  read.csv(file.path(data_dir, file), na.strings = "", stringsAsFactors = FALSE)
}

#' Write a derived data set to data/corpus/<name> and return it as read back.
write_derived <- function(df, name) {
  path <- file.path(corpus_data_dir, name)
  write.csv(df, path, row.names = FALSE, na = "")
  read_bench(file.path("corpus", name))
}

#' A matrix as {rownames, colnames, values = list of rows}; always arrays.
matrix_json <- function(m) {
  m <- as.matrix(m)
  rows <- lapply(seq_len(nrow(m)), function(i) I(unname(as.numeric(m[i, ]))))
  list(rownames = I(as.character(rownames(m))),
       colnames = I(as.character(colnames(m))),
       values = rows)
}

#' A named numeric vector as a JSON object (name -> value); unnamed -> array.
vector_json <- function(v) {
  if (is.null(names(v))) return(I(as.numeric(v)))
  as.list(setNames(as.numeric(v), names(v)))
}

#' One group's element of lavInspect(fit, "implied" / "sampstat").
stat_block_json <- function(x) {
  lapply(x, function(el) {
    if (is.matrix(el)) matrix_json(el)
    else if (is.numeric(el)) vector_json(el)
    else el
  })
}

#' Mirror lavaan's shape: single group -> the block itself; several groups ->
#' an object keyed by group label.
per_group <- function(x, ngroups, fun) {
  if (ngroups > 1) lapply(x, fun) else fun(x)
}

plain_df <- function(df) {
  df <- as.data.frame(df, stringsAsFactors = FALSE)
  rownames(df) <- NULL
  for (nm in names(df)) {
    if (inherits(df[[nm]], "lavaan.vector") || is.numeric(df[[nm]])) {
      if (!is.integer(df[[nm]])) df[[nm]] <- as.numeric(df[[nm]])
    }
  }
  df
}

OPTION_NAMES <- c("estimator", "se", "test", "information", "h1.information",
                  "observed.information", "missing", "fixed.x", "conditional.x",
                  "meanstructure", "parameterization", "likelihood", "mimic",
                  "std.lv", "orthogonal", "int.ov.free", "int.lv.free",
                  "auto.fix.first", "auto.fix.single", "auto.var",
                  "auto.cov.lv.x", "auto.cov.y", "auto.th", "auto.delta",
                  "group.equal", "group.partial")
OPTION_ARRAYS <- c("test", "information", "h1.information",
                   "observed.information", "group.equal", "group.partial")

options_json <- function(fit) {
  o <- lavInspect(fit, "options")
  out <- lapply(OPTION_NAMES, function(nm) {
    v <- o[[nm]]
    if (nm %in% OPTION_ARRAYS) I(as.character(v)) else v
  })
  setNames(out, OPTION_NAMES)
}

ARG_ARRAYS <- c("group.equal", "group.partial")
args_json <- function(a) {
  if (length(a) == 0) return(setNames(list(), character(0)))
  for (nm in names(a)) {
    if (nm %in% ARG_ARRAYS || (nm == "ordered" && is.character(a[[nm]]))) {
      a[[nm]] <- I(a[[nm]])
    }
  }
  a
}

# Columns of the parameter table that describe the model (not the solution);
# used to check that parTable(fit) equals the table of a do.fit = FALSE call.
STRUCT_COLUMNS <- c("id", "lhs", "op", "rhs", "user", "block", "group",
                    "level", "free", "ustart", "exo", "label", "plabel",
                    "lower", "upper", "start")

# ---------------------------------------------------------------------------
# 2. Data: the benchmark files and the derived corpus data sets
# ---------------------------------------------------------------------------
hs  <- read_bench("HolzingerSwineford1939.csv")   # N = 301, grade has 1 NA
pd  <- read_bench("PoliticalDemocracy.csv")       # N = 75
bfi <- read_bench("bfi.csv")                      # N = 2800, items have NAs

## 2.1 HS with MCAR missingness: every x1..x9 cell missing with probability
##     0.10, ageyr missing with probability 0.05 (independently; seeded).
make_hs_mcar <- function() {
  set.seed(20240611)
  d <- hs
  for (v in paste0("x", 1:9)) d[[v]][runif(nrow(d)) < 0.10] <- NA
  d$ageyr[runif(nrow(d)) < 0.05] <- NA
  d
}
hs_mcar <- write_derived(make_hs_mcar(), "hs_mcar.csv")

## 2.2 The lavaan tutorial's mediation data ("A mediation analysis" section).
make_mediation <- function() {
  set.seed(1234)
  X <- rnorm(100)
  M <- 0.5 * X + rnorm(100)
  Y <- 0.7 * M + rnorm(100)
  data.frame(X = X, Y = Y, M = M)
}
mediation <- write_derived(make_mediation(), "mediation.csv")

## 2.3 lavaan's Demo.growth (N = 400: t1..t4, x1, x2, c1..c4), as shipped.
demo_growth <- write_derived(lavaan::Demo.growth, "demo_growth.csv")

## 2.4 A simulated two-factor data set that gives a Heywood case: N = 120,
##     y1 has a population loading of 0.97 (standardised), so its residual
##     variance is close to zero and is estimated negative with seed 8.
make_heywood <- function() {
  set.seed(8)
  n <- 120
  f1 <- rnorm(n)
  f2 <- 0.4 * f1 + sqrt(1 - 0.16) * rnorm(n)
  data.frame(y1 = 0.97 * f1 + sqrt(1 - 0.97^2) * rnorm(n),
             y2 = 0.6 * f1 + 0.8 * rnorm(n),
             y3 = 0.5 * f1 + sqrt(0.75) * rnorm(n),
             y4 = 0.7 * f2 + sqrt(0.51) * rnorm(n),
             y5 = 0.7 * f2 + sqrt(0.51) * rnorm(n),
             y6 = 0.6 * f2 + 0.8 * rnorm(n))
}
sim_heywood <- write_derived(make_heywood(), "sim_heywood.csv")

## 2.5 lavaan's Demo.twolevel (2,500 members of 200 clusters: y1..y6, x1..x3, w1, w2,
##     cluster) with a sampling weight wt (uniform on 0.5..2, seeded) and a copy of
##     y1..y3 with 5% MCAR cells (y1m..y3m, seeded), for the cluster= and
##     sampling.weights= cases.
make_twolevel <- function() {
  set.seed(20261203)
  d <- lavaan::Demo.twolevel
  d$wt <- round(runif(nrow(d), 0.5, 2), 3)
  for (v in c("y1", "y2", "y3")) {
    m <- d[[v]]
    m[runif(nrow(d)) < 0.05] <- NA
    d[[paste0(v, "m")]] <- m
  }
  d
}
demo_twolevel <- write_derived(make_twolevel(), "demo_twolevel.csv")

DATA <- list(
  "HolzingerSwineford1939.csv" = hs,
  "PoliticalDemocracy.csv"     = pd,
  "bfi.csv"                    = bfi,
  "corpus/hs_mcar.csv"         = hs_mcar,
  "corpus/mediation.csv"       = mediation,
  "corpus/demo_growth.csv"     = demo_growth,
  "corpus/sim_heywood.csv"     = sim_heywood,
  "corpus/demo_twolevel.csv"   = demo_twolevel
)

# ---------------------------------------------------------------------------
# 3. Models (lavaan syntax exactly as passed)
# ---------------------------------------------------------------------------
lines <- function(...) paste(c(...), collapse = "\n")

HS3 <- lines("visual  =~ x1 + x2 + x3",
             "textual =~ x4 + x5 + x6",
             "speed   =~ x7 + x8 + x9")

PD_TUTORIAL <- lines(
  "# measurement model",
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + y2 + y3 + y4",
  "dem65 =~ y5 + y6 + y7 + y8",
  "# regressions",
  "dem60 ~ ind60",
  "dem65 ~ ind60 + dem60",
  "# residual correlations",
  "y1 ~~ y5",
  "y2 ~~ y4 + y6",
  "y3 ~~ y7",
  "y4 ~~ y8",
  "y6 ~~ y8")

PD_LABELS <- lines(
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + a*y2 + b*y3 + c*y4",
  "dem65 =~ y5 + a*y6 + b*y7 + c*y8",
  "dem60 ~ ind60",
  "dem65 ~ ind60 + dem60",
  "y1 ~~ y5",
  "y2 ~~ y4 + y6",
  "y3 ~~ y7",
  "y4 ~~ y8",
  "y6 ~~ y8")

PD_INDIRECT <- lines(
  "ind60 =~ x1 + x2 + x3",
  "dem60 =~ y1 + y2 + y3 + y4",
  "dem65 =~ y5 + y6 + y7 + y8",
  "dem60 ~ a*ind60",
  "dem65 ~ c*ind60 + b*dem60",
  "y1 ~~ y5",
  "y2 ~~ y4 + y6",
  "y3 ~~ y7",
  "y4 ~~ y8",
  "y6 ~~ y8",
  "indirect := a*b",
  "total := c + a*b")

MEDIATION <- lines(
  "# direct effect",
  "Y ~ c*X",
  "# mediator",
  "M ~ a*X",
  "Y ~ b*M",
  "# indirect effect (a*b)",
  "ab := a*b",
  "# total effect",
  "total := c + (a*b)")

HS_SECOND_ORDER <- lines(HS3, "g =~ visual + textual + speed")

HS_BIFACTOR <- lines("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
                     "visual  =~ x1 + x2 + x3",
                     "textual =~ x4 + x5 + x6",
                     "speed   =~ x7 + x8 + x9")

HS_MIMIC <- lines(HS3,
                  "visual  ~ sex + ageyr + grade",
                  "textual ~ sex + ageyr + grade",
                  "speed   ~ sex + ageyr + grade")

HS_MIMIC_AGE <- lines(HS3, "visual + textual + speed ~ sex + ageyr")

HS_SEM_REG <- lines(HS3, "speed ~ visual + textual")

PD_PATH <- lines("y1 ~ x1 + x2 + x3",
                 "y5 ~ y1 + x1 + x2")

HS_PATH <- lines("x9 ~ a*x7 + x8 + ageyr",
                 "x7 ~ b*ageyr + sex",
                 "ind := a*b")

BFI_A <- "agree =~ A1 + A2 + A3 + A4 + A5"
BFI2 <- lines("agree =~ A1 + A2 + A3 + A4 + A5",
              "consc =~ C1 + C2 + C3 + C4 + C5")
BFI3 <- lines(BFI2, "neuro =~ N1 + N2 + N3 + N4 + N5")
BFI2_MIMIC <- lines(BFI2, "agree + consc ~ gender + age")
BFI2_MIMIC_EDU <- lines(BFI2, "agree + consc ~ gender + age + education")
BFI2_ORD_MIMIC <- lines(BFI2, "agree ~ age", "consc ~ age")
BFI2_ORD_MIMIC2 <- lines(BFI2, "agree + consc ~ age + gender")
BFI3_ORD_DEFINED <- lines(
  "agree =~ A1 + A2 + A3 + A4 + A5",
  "consc =~ C1 + C2 + C3 + C4 + C5",
  "extra =~ E1 + E2 + E3 + E4 + E5",
  "consc ~ a*agree",
  "extra ~ b*consc + agree",
  "ind := a*b")
BFI_ORD_SMALL2 <- lines("agree =~ A2 + A3 + A5",
                        "consc =~ C1 + C2 + C3")

GROWTH <- lines("i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4",
                "s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4")
GROWTH_SEM <- lines(GROWTH,
                    "i ~ 1",
                    "s ~ 1",
                    "t1 ~ 0*1",
                    "t2 ~ 0*1",
                    "t3 ~ 0*1",
                    "t4 ~ 0*1")
GROWTH_TIC <- lines(GROWTH, "i ~ x1 + x2", "s ~ x1 + x2")
GROWTH_TVC <- lines(
  "# intercept and slope with fixed coefficients",
  "i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4",
  "s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4",
  "# regressions",
  "i ~ x1 + x2",
  "s ~ x1 + x2",
  "# time-varying covariates",
  "t1 ~ c1",
  "t2 ~ c2",
  "t3 ~ c3",
  "t4 ~ c4")
GROWTH_TVC_SEM <- lines(GROWTH_TVC, "i ~ 1", "s ~ 1",
                        "t1 + t2 + t3 + t4 ~ 0*1")
GROWTH_QUAD <- lines("i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4",
                     "s =~ 0*t1 + 1*t2 + 2*t3 + 3*t4",
                     "q =~ 0*t1 + 1*t2 + 4*t3 + 9*t4")
GROWTH_BASIS <- lines("i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4",
                      "s =~ 0*t1 + t2 + t3 + 1*t4")

HS_SINGLE <- lines("visual  =~ x1 + x2 + x3",
                   "textual =~ x5",
                   "speed   =~ x7 + x8 + x9")
HS_SINGLE_FIXED <- lines(HS_SINGLE, "x5 ~~ 0.3*x5")
HS_SINGLE_SEM <- lines(HS_SINGLE, "speed ~ visual + textual")

# ---------------------------------------------------------------------------
# 4. The cases
# ---------------------------------------------------------------------------
CASES <- list()
add_case <- function(id, class, description, data, fun, model, args = list()) {
  if (!is.null(CASES[[id]])) stop("duplicate case id ", id)
  CASES[[id]] <<- list(id = id, class = class, description = description,
                       data = data, fun = fun, model = model, args = args)
}
HSF <- "HolzingerSwineford1939.csv"
PDF <- "PoliticalDemocracy.csv"
BFIF <- "bfi.csv"
MCARF <- "corpus/hs_mcar.csv"
MEDF <- "corpus/mediation.csv"
GROWF <- "corpus/demo_growth.csv"
HEYF <- "corpus/sim_heywood.csv"
TLF <- "corpus/demo_twolevel.csv"

## 4.1 lavaan tutorial models ----------------------------------------------
C <- "tutorial"
add_case("hs_cfa_ml", C, "HS 3-factor CFA from the lavaan tutorial, ML, lavaan defaults (marker loadings fixed to 1)", HSF, "cfa", HS3)
add_case("hs_cfa_stdlv", C, "HS 3-factor CFA identified by std.lv = TRUE (factor variances 1, all loadings free)", HSF, "cfa", HS3, list(std.lv = TRUE))
add_case("hs_cfa_meanstructure", C, "HS 3-factor CFA with meanstructure = TRUE (observed intercepts estimated)", HSF, "cfa", HS3, list(meanstructure = TRUE))
add_case("hs_cfa_orthogonal", C, "HS 3-factor CFA with orthogonal = TRUE (factor covariances fixed to 0)", HSF, "cfa", HS3, list(orthogonal = TRUE))
add_case("hs_cfa_orthogonal_stdlv", C, "HS 3-factor CFA with orthogonal = TRUE and std.lv = TRUE", HSF, "cfa", HS3, list(orthogonal = TRUE, std.lv = TRUE))
add_case("hs_sem_reg", C, "HS 3 factors with a structural regression speed ~ visual + textual via sem()", HSF, "sem", HS_SEM_REG)
add_case("pd_sem_tutorial", C, "PoliticalDemocracy SEM from the lavaan tutorial (with its # comments) with residual covariances, ML", PDF, "sem", PD_TUTORIAL)
add_case("pd_sem_tutorial_stdlv", C, "PoliticalDemocracy tutorial SEM with std.lv = TRUE", PDF, "sem", PD_TUTORIAL, list(std.lv = TRUE))
add_case("pd_sem_tutorial_meanstructure", C, "PoliticalDemocracy tutorial SEM with meanstructure = TRUE", PDF, "sem", PD_TUTORIAL, list(meanstructure = TRUE))
add_case("pd_sem_labels", C, "PoliticalDemocracy tutorial SEM with loadings equal across time by shared labels a, b, c", PDF, "sem", PD_LABELS)
add_case("pd_sem_labels_mlr", C, "PoliticalDemocracy labelled-equality SEM, estimator MLR", PDF, "sem", PD_LABELS, list(estimator = "MLR"))
add_case("pd_sem_indirect", C, "PoliticalDemocracy SEM with labelled structural paths and := indirect and total effects", PDF, "sem", PD_INDIRECT)
add_case("pd_sem_gls", C, "PoliticalDemocracy tutorial SEM, estimator GLS", PDF, "sem", PD_TUTORIAL, list(estimator = "GLS"))
add_case("pd_sem_uls", C, "PoliticalDemocracy tutorial SEM, estimator ULS", PDF, "sem", PD_TUTORIAL, list(estimator = "ULS"))
add_case("med_tutorial", C, "lavaan tutorial mediation model (X -> M -> Y, set.seed(1234) data) with := ab and total, ML", MEDF, "sem", MEDIATION)
add_case("med_tutorial_fixedx_false", C, "tutorial mediation model with fixed.x = FALSE (variance of X estimated)", MEDF, "sem", MEDIATION, list(fixed.x = FALSE))
add_case("med_tutorial_meanstructure", C, "tutorial mediation model with meanstructure = TRUE", MEDF, "sem", MEDIATION, list(meanstructure = TRUE))
add_case("med_tutorial_mlr", C, "tutorial mediation model with estimator MLR", MEDF, "sem", MEDIATION, list(estimator = "MLR"))
add_case("med_tutorial_se_robust", C, "tutorial mediation model with se = \"robust.huber.white\"", MEDF, "sem", MEDIATION, list(se = "robust.huber.white"))

## 4.2 Higher-order and bifactor ---------------------------------------------
C <- "higher_order"
add_case("hs_second_order", C, "HS second-order factor g =~ visual + textual + speed, ML", HSF, "cfa", HS_SECOND_ORDER)
add_case("hs_second_order_stdlv", C, "HS second-order factor with std.lv = TRUE", HSF, "cfa", HS_SECOND_ORDER, list(std.lv = TRUE))
add_case("hs_second_order_mlr", C, "HS second-order factor, estimator MLR", HSF, "cfa", HS_SECOND_ORDER, list(estimator = "MLR"))
add_case("hs_bifactor", C, "HS bifactor: general factor on x1..x9 plus three specific factors, orthogonal = TRUE, std.lv = TRUE", HSF, "cfa", HS_BIFACTOR, list(orthogonal = TRUE, std.lv = TRUE))
add_case("hs_bifactor_mlr", C, "HS bifactor (orthogonal, std.lv) with estimator MLR", HSF, "cfa", HS_BIFACTOR, list(orthogonal = TRUE, std.lv = TRUE, estimator = "MLR"))

## 4.3 MIMIC and observed path models with covariates ---------------------
C <- "covariates"
add_case("hs_mimic_fixedx", C, "HS 3 factors regressed on sex, ageyr, grade (fixed.x = TRUE default; grade has 1 NA -> listwise)", HSF, "sem", HS_MIMIC)
add_case("hs_mimic_fixedx_false", C, "HS MIMIC (factors ~ sex + ageyr + grade) with fixed.x = FALSE", HSF, "sem", HS_MIMIC, list(fixed.x = FALSE))
add_case("hs_mimic_meanstructure", C, "HS MIMIC with meanstructure = TRUE (fixed.x = TRUE)", HSF, "sem", HS_MIMIC, list(meanstructure = TRUE))
add_case("hs_mimic_fixedx_false_meanstructure", C, "HS MIMIC with fixed.x = FALSE and meanstructure = TRUE", HSF, "sem", HS_MIMIC, list(fixed.x = FALSE, meanstructure = TRUE))
add_case("hs_mimic_mlr", C, "HS MIMIC (fixed.x = TRUE) with estimator MLR", HSF, "sem", HS_MIMIC, list(estimator = "MLR"))
add_case("hs_mimic_multi_lhs", C, "HS MIMIC written with a multi-lhs formula 'visual + textual + speed ~ sex + ageyr'", HSF, "sem", HS_MIMIC_AGE)
add_case("bfi_mimic_fixedx", C, "bfi agree/consc factors (A1..A5, C1..C5) ~ gender + age, fixed.x = TRUE, listwise on model variables", BFIF, "sem", BFI2_MIMIC)
add_case("bfi_mimic_fixedx_false", C, "bfi agree/consc MIMIC on gender + age with fixed.x = FALSE", BFIF, "sem", BFI2_MIMIC, list(fixed.x = FALSE))
add_case("pd_path_fixedx", C, "observed path model on PoliticalDemocracy: y1 ~ x1 + x2 + x3; y5 ~ y1 + x1 + x2 (fixed.x = TRUE)", PDF, "sem", PD_PATH)
add_case("pd_path_fixedx_false", C, "observed path model on PoliticalDemocracy with fixed.x = FALSE", PDF, "sem", PD_PATH, list(fixed.x = FALSE))
add_case("pd_path_meanstructure", C, "observed path model on PoliticalDemocracy with meanstructure = TRUE (fixed.x = TRUE)", PDF, "sem", PD_PATH, list(meanstructure = TRUE))
add_case("pd_path_fixedx_false_meanstructure", C, "observed path model on PoliticalDemocracy with fixed.x = FALSE and meanstructure = TRUE", PDF, "sem", PD_PATH, list(fixed.x = FALSE, meanstructure = TRUE))
add_case("hs_path_defined", C, "observed path model on HS with covariates ageyr, sex and a := indirect effect (fixed.x = TRUE)", HSF, "sem", HS_PATH)
add_case("hs_path_defined_fixedx_false", C, "observed path model on HS with := indirect effect and fixed.x = FALSE", HSF, "sem", HS_PATH, list(fixed.x = FALSE))

## 4.4 Growth models ---------------------------------------------------------
C <- "growth"
add_case("growth_linear", C, "Demo.growth linear growth via growth()", GROWF, "growth", GROWTH)
add_case("growth_linear_sem", C, "Demo.growth linear growth written in sem() syntax (i ~ 1, s ~ 1, observed intercepts fixed to 0)", GROWF, "sem", GROWTH_SEM)
add_case("growth_linear_mlr", C, "Demo.growth linear growth via growth(), estimator MLR", GROWF, "growth", GROWTH, list(estimator = "MLR"))
add_case("growth_tic", C, "Demo.growth linear growth with time-invariant covariates x1, x2 (fixed.x = TRUE)", GROWF, "growth", GROWTH_TIC)
add_case("growth_tic_fixedx_false", C, "Demo.growth linear growth with time-invariant covariates x1, x2, fixed.x = FALSE", GROWF, "growth", GROWTH_TIC, list(fixed.x = FALSE))
add_case("growth_tvc", C, "lavaan tutorial growth model with time-invariant x1, x2 and time-varying covariates c1..c4", GROWF, "growth", GROWTH_TVC)
add_case("growth_tvc_sem", C, "the tutorial time-varying-covariate growth model in sem() syntax (i ~ 1, s ~ 1, t1 + t2 + t3 + t4 ~ 0*1)", GROWF, "sem", GROWTH_TVC_SEM)
add_case("growth_quadratic", C, "Demo.growth quadratic growth (i, s, q) via growth(): 1 df", GROWF, "growth", GROWTH_QUAD)
add_case("growth_latent_basis", C, "Demo.growth latent-basis growth (s loadings on t2, t3 free) via growth()", GROWF, "growth", GROWTH_BASIS)

## 4.5 Single-indicator factors ---------------------------------------------
C <- "single_indicator"
add_case("hs_single_indicator", C, "HS with a single-indicator factor textual =~ x5 (lavaan's auto.fix.single fixes x5's residual variance to 0)", HSF, "cfa", HS_SINGLE)
add_case("hs_single_indicator_stdlv", C, "HS single-indicator factor textual =~ x5 with std.lv = TRUE", HSF, "cfa", HS_SINGLE, list(std.lv = TRUE))
add_case("hs_single_indicator_fixed_resid", C, "HS single-indicator factor textual =~ x5 with the residual variance fixed explicitly (x5 ~~ 0.3*x5)", HSF, "cfa", HS_SINGLE_FIXED)
add_case("hs_single_indicator_sem", C, "HS single-indicator factor used as a predictor: speed ~ visual + textual", HSF, "sem", HS_SINGLE_SEM)
add_case("hs_single_indicator_no_autofix", C, "HS single-indicator factor with auto.fix.single = FALSE passed to cfa(), which overrides it (options show auto.fix.single TRUE; same fit as hs_single_indicator)", HSF, "cfa", HS_SINGLE, list(auto.fix.single = FALSE))

## 4.6 Labels, fixed values, starts, constraints ---------------------------
C <- "constraints"
add_case("hs_equal_loadings", C, "HS CFA with x2 and x3 loadings equal via the shared label a", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + a*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"))
add_case("hs_equal_loadings_across_factors", C, "HS CFA with one label shared by loadings of different factors (x2, x5, x8)", HSF, "cfa",
         lines("visual  =~ x1 + l*x2 + x3", "textual =~ x4 + l*x5 + x6", "speed   =~ x7 + l*x8 + x9"))
add_case("hs_fixed_loading", C, "HS CFA with the x2 loading fixed to 0.5", HSF, "cfa",
         lines("visual  =~ x1 + 0.5*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"))
add_case("hs_fixed_cov_zero", C, "HS CFA with one factor covariance fixed to zero (visual ~~ 0*speed)", HSF, "cfa",
         lines(HS3, "visual ~~ 0*speed"))
add_case("hs_fixed_resid_var", C, "HS CFA with the residual variance of x1 fixed to 0.5", HSF, "cfa",
         lines(HS3, "x1 ~~ 0.5*x1"))
add_case("hs_resid_cov", C, "HS CFA with residual covariances x7 ~~ x8 and x2 ~~ x3", HSF, "cfa",
         lines(HS3, "x7 ~~ x8", "x2 ~~ x3"))
add_case("hs_na_star_stdlv", C, "HS CFA freeing the first loadings with NA* together with std.lv = TRUE", HSF, "cfa",
         lines("visual  =~ NA*x1 + x2 + x3", "textual =~ NA*x4 + x5 + x6", "speed   =~ NA*x7 + x8 + x9"), list(std.lv = TRUE))
add_case("hs_na_star_fixed_var", C, "HS CFA freeing the first loadings with NA* and fixing factor variances with 1* (no std.lv)", HSF, "cfa",
         lines("visual  =~ NA*x1 + x2 + x3", "textual =~ NA*x4 + x5 + x6", "speed   =~ NA*x7 + x8 + x9",
               "visual ~~ 1*visual", "textual ~~ 1*textual", "speed ~~ 1*speed"))
add_case("hs_marker_other", C, "HS CFA using x2 as the marker of visual (NA*x1 + 1*x2)", HSF, "cfa",
         lines("visual  =~ NA*x1 + 1*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"))
add_case("hs_start_values", C, "HS CFA with start values given by start() and by ?", HSF, "cfa",
         lines("visual  =~ x1 + start(0.8)*x2 + x3", "textual =~ x4 + x5 + 0.9?x6", "speed   =~ x7 + x8 + x9"))
add_case("hs_constraint_equal", C, "HS CFA with labels a, b and an explicit constraint a == b", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a == b"))
add_case("hs_constraint_linear", C, "HS CFA with a linear equality constraint a == 2*b between two loadings", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a == 2*b"))
add_case("hs_constraint_nonlinear", C, "HS CFA with a nonlinear equality constraint a == b^2", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a == b^2"))
add_case("hs_constraint_ineq_inactive", C, "HS CFA with an inequality a > 0 that is not active at the ML solution", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a > 0"))
add_case("hs_constraint_ineq_active", C, "HS CFA with an inequality b < 0.5 on the x3 loading (ML estimate about 0.73, so active)", HSF, "cfa",
         lines("visual  =~ x1 + x2 + b*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "b < 0.5"))
add_case("hs_defined_ratio", C, "HS CFA with := defined parameters (ratio and difference of loadings)", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + b*x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9",
               "ratio := a/b", "diff := a - b"))
add_case("hs_lv_cov_labels", C, "HS CFA with two factor covariances equal via a shared label", HSF, "cfa",
         lines(HS3, "visual ~~ r*textual", "textual ~~ r*speed"))
add_case("hs_fixed_intercept", C, "HS CFA with meanstructure from syntax: x1 intercept fixed to 5 via x1 ~ 5*1", HSF, "cfa",
         lines(HS3, "x1 ~ 5*1"))

## 4.7 Estimators and se / test / information variants (HS 3-factor CFA) ---
C <- "estimators"
for (est in c("ML", "MLR", "MLM", "MLMV", "MLMVS", "MLF", "GLS", "WLS", "ULS", "DWLS")) {
  add_case(paste0("hs_est_", tolower(est)), C,
           sprintf("HS 3-factor CFA with estimator = \"%s\" (continuous data)", est),
           HSF, "cfa", HS3, list(estimator = est))
}
add_case("hs_ml_info_observed", C, "HS CFA, ML with information = \"observed\"", HSF, "cfa", HS3, list(information = "observed"))
add_case("hs_ml_info_first_order", C, "HS CFA, ML with information = \"first.order\"", HSF, "cfa", HS3, list(information = "first.order"))
add_case("hs_ml_se_robust_sem", C, "HS CFA, ML with se = \"robust.sem\"", HSF, "cfa", HS3, list(se = "robust.sem"))
add_case("hs_ml_se_robust_huber_white", C, "HS CFA, ML with se = \"robust.huber.white\"", HSF, "cfa", HS3, list(se = "robust.huber.white"))
add_case("hs_ml_test_satorra_bentler", C, "HS CFA, ML with test = \"satorra.bentler\"", HSF, "cfa", HS3, list(test = "satorra.bentler"))
add_case("hs_ml_test_yuan_bentler", C, "HS CFA, ML with test = \"yuan.bentler\"", HSF, "cfa", HS3, list(test = "yuan.bentler"))
add_case("hs_ml_test_yuan_bentler_mplus", C, "HS CFA, ML with test = \"yuan.bentler.mplus\"", HSF, "cfa", HS3, list(test = "yuan.bentler.mplus"))
add_case("hs_ml_test_mean_var_adjusted", C, "HS CFA, ML with test = \"mean.var.adjusted\"", HSF, "cfa", HS3, list(test = "mean.var.adjusted"))
add_case("hs_ml_test_scaled_shifted", C, "HS CFA, ML with test = \"scaled.shifted\"", HSF, "cfa", HS3, list(test = "scaled.shifted"))
add_case("hs_ml_se_robust_sem_test_sb", C, "HS CFA, ML with se = \"robust.sem\" and test = \"satorra.bentler\" (what MLM sets)", HSF, "cfa", HS3, list(se = "robust.sem", test = "satorra.bentler"))
add_case("hs_ml_wishart", C, "HS CFA, ML with likelihood = \"wishart\"", HSF, "cfa", HS3, list(likelihood = "wishart"))
add_case("hs_ml_mimic_eqs", C, "HS CFA, ML with mimic = \"EQS\"", HSF, "cfa", HS3, list(mimic = "EQS"))
add_case("hs_ml_mimic_mplus", C, "HS CFA, ML with mimic = \"Mplus\"", HSF, "cfa", HS3, list(mimic = "Mplus"))
add_case("hs_mlr_info_expected", C, "HS CFA, MLR with information = \"expected\"", HSF, "cfa", HS3, list(estimator = "MLR", information = "expected"))
add_case("hs_ml_se_none", C, "HS CFA, ML with se = \"none\" (no standard errors)", HSF, "cfa", HS3, list(se = "none"))
add_case("hs_ml_meanstructure_mlr", C, "HS CFA, MLR with meanstructure = TRUE", HSF, "cfa", HS3, list(estimator = "MLR", meanstructure = TRUE))

## 4.8 Multiple groups (HS by school) --------------------------------------
C <- "groups"
HS_RESCOV <- lines(HS3, "x7 ~~ x8")
add_case("hs_mg_configural", C, "HS 3-factor CFA by school, configural (no equality constraints)", HSF, "cfa", HS3, list(group = "school"))
add_case("hs_mg_metric", C, "HS by school with group.equal = \"loadings\"", HSF, "cfa", HS3, list(group = "school", group.equal = "loadings"))
add_case("hs_mg_scalar", C, "HS by school with group.equal = c(\"loadings\", \"intercepts\") (latent means free in group 2)", HSF, "cfa", HS3, list(group = "school", group.equal = c("loadings", "intercepts")))
add_case("hs_mg_strict", C, "HS by school with group.equal = c(\"loadings\", \"intercepts\", \"residuals\")", HSF, "cfa", HS3, list(group = "school", group.equal = c("loadings", "intercepts", "residuals")))
add_case("hs_mg_intercepts_only", C, "HS by school with group.equal = \"intercepts\" only (loadings free)", HSF, "cfa", HS3, list(group = "school", group.equal = "intercepts"))
add_case("hs_mg_residual_covariances", C, "HS + x7 ~~ x8 by school with group.equal = c(\"loadings\", \"residual.covariances\")", HSF, "cfa", HS_RESCOV, list(group = "school", group.equal = c("loadings", "residual.covariances")))
add_case("hs_mg_lv_variances", C, "HS by school with group.equal = c(\"loadings\", \"lv.variances\")", HSF, "cfa", HS3, list(group = "school", group.equal = c("loadings", "lv.variances")))
add_case("hs_mg_lv_covariances", C, "HS by school with group.equal = c(\"loadings\", \"lv.covariances\")", HSF, "cfa", HS3, list(group = "school", group.equal = c("loadings", "lv.covariances")))
add_case("hs_mg_means", C, "HS by school with group.equal = c(\"loadings\", \"intercepts\", \"means\") (latent means equal)", HSF, "cfa", HS3, list(group = "school", group.equal = c("loadings", "intercepts", "means")))
add_case("hs_mg_all", C, "HS + x7 ~~ x8 by school with every continuous group.equal type at once", HSF, "cfa", HS_RESCOV,
         list(group = "school", group.equal = c("loadings", "intercepts", "means", "residuals", "residual.covariances", "lv.variances", "lv.covariances")))
add_case("hs_mg_regressions", C, "HS SEM (speed ~ visual + textual) by school with group.equal = c(\"loadings\", \"regressions\")", HSF, "sem", HS_SEM_REG, list(group = "school", group.equal = c("loadings", "regressions")))
add_case("hs_mg_partial", C, "HS by school, scalar with group.partial = c(\"visual=~x2\", \"x3~1\")", HSF, "cfa", HS3,
         list(group = "school", group.equal = c("loadings", "intercepts"), group.partial = c("visual=~x2", "x3~1")))
add_case("hs_mg_partial_intercepts", C, "HS by school, scalar with the intercepts of x3 and x7 released (group.partial = c(\"x3~1\", \"x7~1\"))", HSF, "cfa", HS3,
         list(group = "school", group.equal = c("loadings", "intercepts"), group.partial = c("x3~1", "x7~1")))
add_case("hs_mg_partial_spaces", C, "HS by school, metric with group.partial written with spaces (\"visual =~ x2\")", HSF, "cfa", HS3,
         list(group = "school", group.equal = "loadings", group.partial = c("visual =~ x2")))
add_case("hs_mg_partial_residual", C, "HS by school, strict with the residual variance of x1 released (group.partial = \"x1~~x1\")", HSF, "cfa", HS3,
         list(group = "school", group.equal = c("loadings", "intercepts", "residuals"), group.partial = "x1~~x1"))
add_case("hs_mg_group_labels", C, "HS by school with group-specific labels visual =~ x1 + c(a1, a2)*x2 + x3 (no equality)", HSF, "cfa",
         lines("visual  =~ x1 + c(a1, a2)*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"), list(group = "school"))
add_case("hs_mg_group_labels_equal", C, "HS by school with c(a, a)*x2: the x2 loading equal across groups by label", HSF, "cfa",
         lines("visual  =~ x1 + c(a, a)*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"), list(group = "school"))
add_case("hs_mg_group_values", C, "HS by school with c(1, NA)*x2: x2 loading fixed to 1 in group 1, free in group 2", HSF, "cfa",
         lines("visual  =~ x1 + c(1, NA)*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9"), list(group = "school"))
add_case("hs_mg_group_defined", C, "HS by school with group labels and := the difference of the x2 loadings", HSF, "cfa",
         lines("visual  =~ x1 + c(a1, a2)*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "d := a1 - a2"), list(group = "school"))
add_case("hs_mg_group_constraint", C, "HS by school with group labels and an explicit constraint a1 == a2", HSF, "cfa",
         lines("visual  =~ x1 + c(a1, a2)*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a1 == a2"), list(group = "school"))
add_case("hs_mg_mlr", C, "HS by school, metric invariance, estimator MLR", HSF, "cfa", HS3, list(group = "school", group.equal = "loadings", estimator = "MLR"))
add_case("hs_mg_mlm", C, "HS by school, metric invariance, estimator MLM", HSF, "cfa", HS3, list(group = "school", group.equal = "loadings", estimator = "MLM"))
add_case("hs_mg_stdlv", C, "HS by school, configural with std.lv = TRUE", HSF, "cfa", HS3, list(group = "school", std.lv = TRUE))
add_case("hs_mg_stdlv_metric", C, "HS by school, std.lv = TRUE with group.equal = \"loadings\" (group-2 factor variances free)", HSF, "cfa", HS3, list(group = "school", std.lv = TRUE, group.equal = "loadings"))
add_case("hs_mg_stdlv_scalar", C, "HS by school, std.lv = TRUE with group.equal = c(\"loadings\", \"intercepts\")", HSF, "cfa", HS3, list(group = "school", std.lv = TRUE, group.equal = c("loadings", "intercepts")))
add_case("hs_mg_mimic", C, "HS MIMIC (factors ~ sex + ageyr) by school, metric invariance", HSF, "sem", HS_MIMIC_AGE, list(group = "school", group.equal = "loadings"))
add_case("hs_mg_meanstructure_false", C, "HS by school with meanstructure = FALSE", HSF, "cfa", HS3, list(group = "school", meanstructure = FALSE))
add_case("hs_path_groups", C, "HS observed path model with := indirect effect by school, with group-specific labels", HSF, "sem",
         lines("x9 ~ c(a1, a2)*x7 + x8 + ageyr", "x7 ~ c(b1, b2)*ageyr + sex", "ind1 := a1*b1", "ind2 := a2*b2"), list(group = "school"))

## 4.9 FIML for missing data --------------------------------------------------
C <- "fiml"
HS_MCAR_MIMIC <- lines(HS3, "visual + textual + speed ~ sex + ageyr")
add_case("bfi_fiml_2f", C, "bfi 2-factor CFA (A1..A5, C1..C5) with missing = \"ml\" on all 2800 rows", BFIF, "cfa", BFI2, list(missing = "ml"))
add_case("bfi_fiml_2f_mlr", C, "bfi 2-factor CFA with missing = \"ml\" and estimator MLR (robust FIML)", BFIF, "cfa", BFI2, list(missing = "ml", estimator = "MLR"))
add_case("bfi_fiml_3f", C, "bfi 3-factor CFA (A, C, N items) with missing = \"ml\"", BFIF, "cfa", BFI3, list(missing = "ml"))
add_case("bfi_fiml_2f_info_expected", C, "bfi 2-factor CFA with missing = \"ml\" and information = \"expected\"", BFIF, "cfa", BFI2, list(missing = "ml", information = "expected"))
add_case("bfi_fiml_mimic", C, "bfi 2-factor MIMIC on gender + age (complete covariates), missing = \"ml\", fixed.x = TRUE", BFIF, "sem", BFI2_MIMIC, list(missing = "ml"))
add_case("bfi_fiml_mimic_fixedx_false", C, "bfi 2-factor MIMIC on gender + age, missing = \"ml\", fixed.x = FALSE", BFIF, "sem", BFI2_MIMIC, list(missing = "ml", fixed.x = FALSE))
add_case("bfi_fiml_mimic_edu", C, "bfi MIMIC on gender + age + education (education has 223 NA), missing = \"ml\", fixed.x = TRUE", BFIF, "sem", BFI2_MIMIC_EDU, list(missing = "ml"))
add_case("bfi_fiml_mimic_edu_fixedx_false", C, "bfi MIMIC on gender + age + education, missing = \"ml\", fixed.x = FALSE", BFIF, "sem", BFI2_MIMIC_EDU, list(missing = "ml", fixed.x = FALSE))
add_case("bfi_fiml_mimic_edu_mlx", C, "bfi MIMIC on gender + age + education, missing = \"ml.x\"", BFIF, "sem", BFI2_MIMIC_EDU, list(missing = "ml.x"))
add_case("bfi_fiml_groups", C, "bfi 2-factor CFA by gender with missing = \"ml\", metric invariance", BFIF, "cfa", BFI2, list(missing = "ml", group = "gender", group.equal = "loadings"))
add_case("hs_mcar_fiml", C, "HS 3-factor CFA on HS with 10% MCAR cells, missing = \"ml\"", MCARF, "cfa", HS3, list(missing = "ml"))
add_case("hs_mcar_fiml_mlr", C, "HS MCAR 3-factor CFA, missing = \"ml\", estimator MLR", MCARF, "cfa", HS3, list(missing = "ml", estimator = "MLR"))
add_case("hs_mcar_fiml_stdlv", C, "HS MCAR 3-factor CFA, missing = \"ml\", std.lv = TRUE", MCARF, "cfa", HS3, list(missing = "ml", std.lv = TRUE))
add_case("hs_mcar_fiml_info_expected", C, "HS MCAR 3-factor CFA, missing = \"ml\", information = \"expected\"", MCARF, "cfa", HS3, list(missing = "ml", information = "expected"))
add_case("hs_mcar_listwise", C, "HS MCAR 3-factor CFA with lavaan's default listwise deletion (contrast to FIML)", MCARF, "cfa", HS3)
add_case("hs_mcar_pairwise_ml", C, "HS MCAR 3-factor CFA, ML with missing = \"pairwise\"", MCARF, "cfa", HS3, list(missing = "pairwise"))
add_case("hs_mcar_fiml_mimic", C, "HS MCAR MIMIC on sex + ageyr (ageyr 5% missing), missing = \"ml\", fixed.x = TRUE", MCARF, "sem", HS_MCAR_MIMIC, list(missing = "ml"))
add_case("hs_mcar_fiml_mimic_fixedx_false", C, "HS MCAR MIMIC on sex + ageyr, missing = \"ml\", fixed.x = FALSE", MCARF, "sem", HS_MCAR_MIMIC, list(missing = "ml", fixed.x = FALSE))
add_case("hs_mcar_fiml_mimic_mlx", C, "HS MCAR MIMIC on sex + ageyr, missing = \"ml.x\"", MCARF, "sem", HS_MCAR_MIMIC, list(missing = "ml.x"))
add_case("hs_mcar_fiml_mimic_mlr", C, "HS MCAR MIMIC on sex + ageyr, missing = \"ml\", estimator MLR", MCARF, "sem", HS_MCAR_MIMIC, list(missing = "ml", estimator = "MLR"))
add_case("hs_mcar_fiml_groups", C, "HS MCAR by school, configural, missing = \"ml\"", MCARF, "cfa", HS3, list(missing = "ml", group = "school"))
add_case("hs_mcar_fiml_groups_scalar", C, "HS MCAR by school, scalar invariance, missing = \"ml\"", MCARF, "cfa", HS3, list(missing = "ml", group = "school", group.equal = c("loadings", "intercepts")))
add_case("hs_mcar_fiml_groups_mlr", C, "HS MCAR by school, metric invariance, missing = \"ml\", estimator MLR", MCARF, "cfa", HS3, list(missing = "ml", group = "school", group.equal = "loadings", estimator = "MLR"))
add_case("hs_mcar_fiml_path", C, "HS MCAR observed path model with := indirect effect, missing = \"ml\"", MCARF, "sem", HS_PATH, list(missing = "ml"))

## 4.10 Ordinal indicators -------------------------------------------------
C <- "ordinal"
A5 <- paste0("A", 1:5)
AC10 <- c(paste0("A", 1:5), paste0("C", 1:5))
ACE15 <- c(AC10, paste0("E", 1:5))
SMALL6 <- c("A2", "A3", "A5", "C1", "C2", "C3")
add_case("bfi_ord_wlsmv", C, "bfi 2-factor CFA, A1..A5 and C1..C5 ordered, default estimator (WLSMV), listwise on the 10 items", BFIF, "cfa", BFI2, list(ordered = AC10))
add_case("bfi_ord_wlsmv_explicit", C, "bfi 2-factor ordered CFA with estimator = \"WLSMV\" given explicitly", BFIF, "cfa", BFI2, list(ordered = AC10, estimator = "WLSMV"))
add_case("bfi_ord_ordered_true", C, "bfi 2-factor CFA with ordered = TRUE (all model variables ordered)", BFIF, "cfa", BFI2, list(ordered = TRUE))
add_case("bfi_ord_dwls", C, "bfi 2-factor ordered CFA, estimator DWLS", BFIF, "cfa", BFI2, list(ordered = AC10, estimator = "DWLS"))
add_case("bfi_ord_ulsmv", C, "bfi 2-factor ordered CFA, estimator ULSMV", BFIF, "cfa", BFI2, list(ordered = AC10, estimator = "ULSMV"))
add_case("bfi_ord_uls", C, "bfi 2-factor ordered CFA, estimator ULS", BFIF, "cfa", BFI2, list(ordered = AC10, estimator = "ULS"))
add_case("bfi_ord_wls", C, "bfi 1-factor ordered CFA on A1..A5 (small, full weight matrix), estimator WLS", BFIF, "cfa", BFI_A, list(ordered = A5, estimator = "WLS"))
add_case("bfi_ord_1f_wlsmv", C, "bfi 1-factor ordered CFA on A1..A5, WLSMV", BFIF, "cfa", BFI_A, list(ordered = A5))
add_case("bfi_ord_theta", C, "bfi 2-factor ordered CFA, WLSMV with parameterization = \"theta\"", BFIF, "cfa", BFI2, list(ordered = AC10, parameterization = "theta"))
add_case("bfi_ord_stdlv", C, "bfi 2-factor ordered CFA, WLSMV with std.lv = TRUE", BFIF, "cfa", BFI2, list(ordered = AC10, std.lv = TRUE))
add_case("bfi_ord_mixed", C, "bfi 2-factor CFA with only A1..A5 ordered and C1..C5 continuous, WLSMV", BFIF, "cfa", BFI2, list(ordered = A5))
add_case("bfi_ord_pairwise", C, "bfi 2-factor ordered CFA, WLSMV with missing = \"pairwise\" (all 2800 rows)", BFIF, "cfa", BFI2, list(ordered = AC10, missing = "pairwise"))
add_case("bfi_ord_mimic_age", C, "bfi 2-factor ordered CFA with factors ~ age (conditional.x), WLSMV", BFIF, "sem", BFI2_ORD_MIMIC, list(ordered = AC10))
add_case("bfi_ord_mimic_age_gender", C, "bfi 2-factor ordered MIMIC on age + gender, WLSMV", BFIF, "sem", BFI2_ORD_MIMIC2, list(ordered = AC10))
add_case("bfi_ord_mimic_theta", C, "bfi 2-factor ordered MIMIC on age, WLSMV with parameterization = \"theta\"", BFIF, "sem", BFI2_ORD_MIMIC, list(ordered = AC10, parameterization = "theta"))
add_case("bfi_ord_mimic_age_by_gender", C, "bfi 2-factor ordered MIMIC on age by gender (conditional.x in two groups), WLSMV", BFIF, "sem", BFI2_ORD_MIMIC, list(ordered = AC10, group = "gender"))
add_case("bfi_ord_pairwise_by_gender", C, "bfi 2-factor ordered CFA by gender, WLSMV with missing = \"pairwise\"", BFIF, "cfa", BFI2, list(ordered = AC10, group = "gender", missing = "pairwise"))
add_case("bfi_ord_mimic_sem_uls", C, "bfi ordered MIMIC on age + gender with agree ~ consc, estimator ULSMV", BFIF, "sem", lines(BFI2, "agree ~ consc + age + gender", "consc ~ age"), list(ordered = AC10, estimator = "ULSMV"))
add_case("bfi_ord_defined", C, "bfi 3-factor ordered SEM (A, C, E items) with labelled regressions and a := indirect effect, WLSMV", BFIF, "sem", BFI3_ORD_DEFINED, list(ordered = ACE15))
add_case("bfi_ord_mg_configural", C, "bfi 2-factor ordered CFA (A2, A3, A5; C1, C2, C3) by gender, configural, WLSMV", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender"))
add_case("bfi_ord_mg_thresholds", C, "bfi small ordered CFA by gender with group.equal = \"thresholds\"", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender", group.equal = "thresholds"))
add_case("bfi_ord_mg_thresholds_loadings", C, "bfi small ordered CFA by gender with group.equal = c(\"thresholds\", \"loadings\")", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender", group.equal = c("thresholds", "loadings")))
add_case("bfi_ord_mg_thr_load_int", C, "bfi small ordered CFA by gender with group.equal = c(\"thresholds\", \"loadings\", \"intercepts\")", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender", group.equal = c("thresholds", "loadings", "intercepts")))
add_case("bfi_ord_mg_theta_thr_load", C, "bfi small ordered CFA by gender, theta parameterization, group.equal = c(\"thresholds\", \"loadings\")", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender", group.equal = c("thresholds", "loadings"), parameterization = "theta"))
add_case("bfi_ord_mg_partial", C, "bfi small ordered CFA by gender, thresholds + loadings equal with group.partial = \"A2|t1\"", BFIF, "cfa", BFI_ORD_SMALL2, list(ordered = SMALL6, group = "gender", group.equal = c("thresholds", "loadings"), group.partial = "A2|t1"))
add_case("bfi_ord_ml", C, "bfi 1-factor CFA with A1..A5 ordered and estimator = \"ML\" (not supported by lavaan for ordered data)", BFIF, "cfa", BFI_A, list(ordered = A5, estimator = "ML"))
add_case("bfi_ord_mlr", C, "bfi 1-factor CFA with A1..A5 ordered and estimator = \"MLR\" (not supported by lavaan for ordered data)", BFIF, "cfa", BFI_A, list(ordered = A5, estimator = "MLR"))
add_case("bfi_ord_fiml", C, "bfi 1-factor CFA with A1..A5 ordered, WLSMV and missing = \"ml\"", BFIF, "cfa", BFI_A, list(ordered = A5, missing = "ml"))
add_case("bfi_cont_1f_ml", C, "continuous counterpart of the ordinal cases: bfi 1-factor CFA on A1..A5 treated as continuous, ML, listwise", BFIF, "cfa", BFI_A)

## 4.11 Deliberately odd models ----------------------------------------------
C <- "design"
TL_CFA <- "fw =~ y1 + y2 + y3"
TL_SEM <- lines("fw =~ y1 + y2 + y3", "fw ~ x1 + x2")
TL_MISS <- lines("fw =~ y1m + y2m + y3m", "fw ~ x1 + x2")
add_case("tl_cluster_cfa", C, "Demo.twolevel 1-factor CFA (single level) with cluster = \"cluster\": cluster-robust SEs and Yuan-Bentler (Mplus) test", TLF, "cfa", TL_CFA, list(cluster = "cluster"))
add_case("tl_cluster_sem_mlr", C, "Demo.twolevel single-level SEM fw ~ x1 + x2 with cluster = \"cluster\", estimator MLR", TLF, "sem", TL_SEM, list(cluster = "cluster", estimator = "MLR"))
add_case("tl_cluster_sem_mlm", C, "the same with estimator MLM (robust.cluster.sem, Satorra-Bentler)", TLF, "sem", TL_SEM, list(cluster = "cluster", estimator = "MLM"))
add_case("tl_weights_sem", C, "Demo.twolevel single-level SEM with sampling.weights = \"wt\" (ML)", TLF, "sem", TL_SEM, list(sampling.weights = "wt"))
add_case("tl_weights_sem_mlr", C, "the same with estimator MLR", TLF, "sem", TL_SEM, list(sampling.weights = "wt", estimator = "MLR"))
add_case("tl_weights_cluster", C, "single-level SEM with sampling.weights = \"wt\" and cluster = \"cluster\"", TLF, "sem", TL_SEM, list(sampling.weights = "wt", cluster = "cluster"))
add_case("tl_cluster_fiml", C, "single-level SEM on y1m..y3m (5% MCAR) with missing = \"ml\" and cluster = \"cluster\"", TLF, "sem", TL_MISS, list(missing = "ml", cluster = "cluster"))

C <- "odd"
add_case("sim_heywood", C, "simulated 2-factor data (seed 8) where ML gives a negative residual variance for y1 (Heywood case)", HEYF, "cfa",
         lines("f1 =~ y1 + y2 + y3", "f2 =~ y4 + y5 + y6"))
add_case("sim_heywood_stdlv", C, "the Heywood data with std.lv = TRUE", HEYF, "cfa",
         lines("f1 =~ y1 + y2 + y3", "f2 =~ y4 + y5 + y6"), list(std.lv = TRUE))
add_case("sim_heywood_bounded", C, "the Heywood data with the residual variance of y1 bounded below by an inequality constraint (v1 > 0)", HEYF, "cfa",
         lines("f1 =~ y1 + y2 + y3", "f2 =~ y4 + y5 + y6", "y1 ~~ v1*y1", "v1 > 0"))
add_case("hs_underidentified", C, "one factor with two indicators (df = -1): not identified", HSF, "cfa", "f =~ x1 + x2")
add_case("hs_empirical_underid", C, "two uncorrelated factors with two indicators each (f1 ~~ 0*f2): not identified", HSF, "cfa",
         lines("f1 =~ x1 + x2", "f2 =~ x4 + x5", "f1 ~~ 0*f2"))
add_case("hs_nonconverged", C, "HS 3-factor CFA with the optimizer stopped after 5 iterations (control = list(iter.max = 5))", HSF, "cfa", HS3, list(control = list(iter.max = 5)))
add_case("hs_just_identified", C, "one factor with three indicators (df = 0, saturated)", HSF, "cfa", "f =~ x1 + x2 + x3")
add_case("hs_one_factor_misfit", C, "one factor for all nine HS tests (badly misfitting)", HSF, "cfa", "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9")
add_case("hs_error_unknown_variable", C, "model naming a variable that is not in the data (x99): lavaan error", HSF, "cfa",
         lines("visual  =~ x1 + x2 + x99", "textual =~ x4 + x5 + x6"))
add_case("hs_error_syntax", C, "syntactically invalid model (dangling +): lavaan error", HSF, "cfa", "visual =~ x1 + x2 +")
add_case("hs_error_unknown_group", C, "group = a variable that is not in the data: lavaan error", HSF, "cfa", HS3, list(group = "district"))
add_case("hs_error_estimator", C, "unknown estimator name: lavaan error", HSF, "cfa", HS3, list(estimator = "XYZ"))
add_case("hs_group_equal_no_group", C, "group.equal = \"loadings\" without a group argument", HSF, "cfa", HS3, list(group.equal = "loadings"))
add_case("bfi_fiml_mlm", C, "estimator MLM with missing = \"ml\" (lavaan refuses or changes it)", BFIF, "cfa", BFI2, list(estimator = "MLM", missing = "ml"))
add_case("hs_error_undefined_label_constraint", C, "constraint naming a label that does not exist (a == zz)", HSF, "cfa",
         lines("visual  =~ x1 + a*x2 + x3", "textual =~ x4 + x5 + x6", "speed   =~ x7 + x8 + x9", "a == zz"))

# ---------------------------------------------------------------------------
# 5. Running one case
# ---------------------------------------------------------------------------
build_call <- function(cs, extra = list()) {
  as.call(c(list(as.name(cs$fun), as.name("model")),
            list(data = as.name("d")), cs$args, extra))
}

deparse_call <- function(cl) {
  paste(deparse(cl, width.cutoff = 500L), collapse = " ")
}

run_case <- function(cs) {
  env <- new.env()
  env$model <- cs$model
  env$d <- DATA[[cs$data]]
  cl <- build_call(cs)

  out <- list(id = cs$id, description = cs$description, data = cs$data,
              "function" = cs$fun, model = cs$model, args = args_json(cs$args),
              call = deparse_call(cl))

  warns <- character(0)
  fit <- tryCatch(
    withCallingHandlers(eval(cl, env), warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) e)

  empty <- list(converged = NULL, iterations = NULL, warnings = I(warns),
                options = NULL, nobs = NULL, ntotal = NULL, ngroups = NULL,
                group_labels = NULL, partable = NULL, estimates = NULL,
                fit = NULL, r2 = NULL, modindices = NULL, vcov_free = NULL,
                implied = NULL, sampstat = NULL, lavaanify = NULL,
                extract_warnings = setNames(list(), character(0)),
                extract_errors = setNames(list(), character(0)))
  if (inherits(fit, "error")) {
    return(c(out, list(error = conditionMessage(fit)), empty))
  }

  xwarn <- list()
  xerr <- list()
  grab <- function(stage, expr) {
    ws <- character(0)
    val <- tryCatch(
      withCallingHandlers(expr, warning = function(w) {
        ws <<- c(ws, conditionMessage(w))
        invokeRestart("muffleWarning")
      }),
      error = function(e) {
        xerr[[stage]] <<- conditionMessage(e)
        NULL
      })
    if (length(ws)) xwarn[[stage]] <<- I(ws)
    val
  }

  ngroups <- lavInspect(fit, "ngroups")
  res <- list(
    error        = NULL,
    converged    = lavInspect(fit, "converged"),
    iterations   = lavInspect(fit, "iterations"),
    warnings     = I(warns),
    options      = options_json(fit),
    nobs         = I(as.integer(lavInspect(fit, "nobs"))),
    ntotal       = as.integer(lavInspect(fit, "ntotal")),
    ngroups      = as.integer(ngroups),
    group_labels = I(as.character(lavInspect(fit, "group.label"))),
    partable     = grab("partable", plain_df(parTable(fit))),
    estimates    = grab("estimates", plain_df(parameterEstimates(
                      fit, standardized = TRUE, ci = TRUE, rsquare = FALSE))),
    fit          = grab("fit", {
                      fm <- fitMeasures(fit)
                      as.list(setNames(as.numeric(fm), names(fm)))
                    }),
    r2           = grab("r2", per_group(lavInspect(fit, "r2"), ngroups,
                                        vector_json)),
    modindices   = grab("modindices", plain_df(modindices(fit, sort. = FALSE))),
    vcov_free    = NULL,
    implied      = grab("implied", per_group(lavInspect(fit, "implied"),
                                             ngroups, stat_block_json)),
    sampstat     = grab("sampstat", per_group(lavInspect(fit, "sampstat"),
                                              ngroups, stat_block_json)),
    lavaanify    = grab("lavaanify", lavaanify_block(cs, env, fit))
  )
  res$extract_warnings <- if (length(xwarn)) xwarn else setNames(list(), character(0))
  res$extract_errors <- if (length(xerr)) xerr else setNames(list(), character(0))
  c(out, res)
}

#' The parameter table of the same call with do.fit = FALSE, compared with
#' parTable(fit) on the model-describing columns.  The table is written only
#' when it differs (it never did with lavaan 0.6.14).
lavaanify_block <- function(cs, env, fit) {
  cl0 <- build_call(cs, list(do.fit = FALSE))
  fit0 <- suppressWarnings(eval(cl0, env))
  pt0 <- as.data.frame(parTable(fit0))
  pt1 <- as.data.frame(parTable(fit))
  cols <- intersect(STRUCT_COLUMNS, intersect(names(pt0), names(pt1)))
  same <- nrow(pt0) == nrow(pt1) &&
    isTRUE(all.equal(pt0[, cols], pt1[, cols], check.attributes = FALSE,
                     tolerance = 0))
  list(source = "parTable(fit) (field \"partable\")",
       do_fit_false_call = deparse_call(cl0),
       compared_columns = I(cols),
       identical_to_partable = same,
       do_fit_false_partable = if (same) NULL else plain_df(pt0))
}

# ---------------------------------------------------------------------------
# 6. Run every case; INDEX.json and README.md
# ---------------------------------------------------------------------------
message("writing ", length(CASES), " cases to ", out_dir)
index_rows <- list()
t_all <- proc.time()[["elapsed"]]
for (cs in CASES) {
  t0 <- proc.time()[["elapsed"]]
  res <- run_case(cs)
  save_case_json(res, cs$id)
  status <- if (!is.null(res$error)) "error"
            else if (!isTRUE(res$converged)) "not converged"
            else if (length(res$warnings)) "warnings" else "ok"
  index_rows[[length(index_rows) + 1]] <- list(
    id = cs$id, class = cs$class, description = cs$description,
    data = cs$data, "function" = cs$fun, status = status,
    error = res$error, n_warnings = length(res$warnings))
  message(sprintf("  %-40s %-14s %6.2fs", cs$id, status,
                  proc.time()[["elapsed"]] - t0))
}
message(sprintf("total %.1fs", proc.time()[["elapsed"]] - t_all))

pkg_version <- function(p) as.character(packageVersion(p))
versions <- list(
  R        = R.version.string,
  lavaan   = pkg_version("lavaan"),
  semTools = pkg_version("semTools"),
  jsonlite = pkg_version("jsonlite"),
  platform = R.version$platform,
  blas     = tryCatch(extSoftVersion()[["BLAS"]], error = function(e) NA)
)
statuses <- vapply(index_rows, `[[`, "", "status")
save_json(list(
  generated_by = "make_corpus_reference.R",
  versions     = versions,
  n_cases      = length(index_rows),
  n_status     = as.list(table(factor(statuses, levels = c("ok", "warnings", "not converged", "error")))),
  derived_data = I(sort(list.files(corpus_data_dir, pattern = "\\.csv$"))),
  cases        = index_rows
), "INDEX")

md_escape <- function(x) gsub("|", "\\|", x, fixed = TRUE)
readme <- c(
  "# lavaan parity corpus",
  "",
  "Reference results from R's **lavaan** for a broad set of models (model x data x",
  "options), for checking surveykit's SEM engine against lavaan 0.6.14 case by case.",
  "Each `<case_id>.json` holds one `cfa()` / `sem()` / `growth()` call and",
  "everything lavaan reports for it. `INDEX.json` lists the cases (id, class,",
  "description, data, status) and the software versions.",
  "",
  "Generated by `tests/reference/make_corpus_reference.R`; the test-suite never runs R.",
  "",
  "## Regenerating",
  "",
  "```sh",
  "cd tests/reference",
  "Rscript make_corpus_reference.R /tmp/corpus_new     # OUTDIR defaults to lavaan/corpus",
  "python3 compare_reference.py lavaan/corpus /tmp/corpus_new",
  "```",
  "",
  "The script also (re)writes the derived data sets in `tests/reference/data/corpus/`",
  "(always there, whatever OUTDIR is), deterministically:",
  "",
  "| file | what |",
  "|---|---|",
  "| `corpus/hs_mcar.csv` | HolzingerSwineford1939 with MCAR missingness: each x1..x9 cell missing with probability 0.10, `ageyr` with probability 0.05 (`set.seed(20240611)`; `runif` per variable in the order x1..x9, ageyr) |",
  "| `corpus/mediation.csv` | the lavaan tutorial's mediation data: `set.seed(1234); X <- rnorm(100); M <- 0.5*X + rnorm(100); Y <- 0.7*M + rnorm(100)`; columns X, Y, M |",
  "| `corpus/demo_growth.csv` | `lavaan::Demo.growth` exported (N = 400; t1..t4, x1, x2, c1..c4) |",
  "| `corpus/sim_heywood.csv` | simulated two-factor data, N = 120 (`set.seed(8)`), population standardised loading of y1 = 0.97, giving a negative ML residual variance for y1 |",
  "",
  "Every case is fitted to the data **as read back from the CSV** (`read.csv(file,",
  "na.strings = \"\", stringsAsFactors = FALSE)`), so reading the CSV gives the exact",
  "numbers lavaan saw. With the same R/lavaan versions (see `INDEX.json`) two runs",
  "produce byte-identical files.",
  "",
  "Data conventions: empty cell = missing. HS `school` is text, so lavaan's group",
  "order is the order of first appearance (`Pasteur`, `Grant-White`); bfi `gender` is",
  "numeric (groups `1`, `2`). lavaan's default `missing = \"listwise\"` drops rows",
  "with a missing value on any *model* variable (and the group variable) only, so",
  "item subsets of bfi need no separate data file.",
  "",
  "## JSON layout of a case",
  "",
  "| key | content |",
  "|---|---|",
  "| `id`, `description` | case id (= file name) and one sentence |",
  "| `data` | data file relative to `tests/reference/data` |",
  "| `function` | `cfa`, `sem` or `growth` |",
  "| `model` | the lavaan model syntax exactly as passed |",
  "| `args` | the other arguments exactly as passed, lavaan's names and values (`group.equal`, `group.partial` and a character `ordered` are always arrays; `ordered` may be `true`) |",
  "| `call` | the deparsed R call, with `model` = the model string and `d` = the data file read as above |",
  "| `error` | `null`, or lavaan's error message (then every result field below is `null`) |",
  "| `converged`, `iterations` | `lavInspect(fit, \"converged\")`, `lavInspect(fit, \"iterations\")` |",
  "| `warnings` | warning messages raised by the fitting call (captured and muffled) |",
  "| `options` | selected `lavInspect(fit, \"options\")`: estimator, se, test, information, h1.information, observed.information, missing, fixed.x, conditional.x, meanstructure, parameterization, likelihood, mimic, std.lv, orthogonal, int.ov.free, int.lv.free, auto.fix.first, auto.fix.single, auto.var, auto.cov.lv.x, auto.cov.y, auto.th, auto.delta, group.equal, group.partial |",
  "| `nobs`, `ntotal`, `ngroups`, `group_labels` | per-group N used (array), total N, number of groups, `lavInspect(fit, \"group.label\")` (array, empty for one group) |",
  "| `partable` | rows of `parTable(fit)`, all columns (id, lhs, op, rhs, user, block, group, free, ustart, exo, label, plabel, start, est, se, ...) |",
  "| `estimates` | rows of `parameterEstimates(fit, standardized = TRUE, ci = TRUE, rsquare = FALSE)`, all columns (lhs, op, rhs, [block, group,] [label,] est, se, z, pvalue, ci.lower, ci.upper, std.lv, std.all[, std.nox]) |",
  "| `fit` | every element of `fitMeasures(fit)` as name -> number (`null` for NA) |",
  "| `r2` | `lavInspect(fit, \"r2\")`: name -> value; with several groups an object keyed by group label |",
  "| `modindices` | rows of `modindices(fit, sort. = FALSE)`, all columns; `null` where lavaan refuses (message in `extract_errors`) |",
  "| `vcov_free` | always `null` (not stored) |",
  "| `implied`, `sampstat` | `lavInspect(fit, \"implied\")` / `lavInspect(fit, \"sampstat\")`: per element (cov, mean, th, res.cov, res.slopes, cov.x, ...) a matrix `{rownames, colnames, values: [rows]}` or a vector name -> value; with several groups an object keyed by group label |",
  "| `lavaanify` | `{source, do_fit_false_call, compared_columns, identical_to_partable, do_fit_false_partable}`: the same call with `do.fit = FALSE` compared with `parTable(fit)` on the model-describing columns; the table is stored only if it differs (`partable` is lavaan's lavaanified table) |",
  "| `extract_warnings`, `extract_errors` | warnings / errors raised while extracting the results above, keyed by field name |",
  "",
  "Numbers have 15 significant digits (jsonlite `digits = NA`); NA, NaN and Inf are `null`.",
  "",
  "## Cases",
  "",
  "| id | class | status | description |",
  "|---|---|---|---|",
  vapply(index_rows, function(r) {
    sprintf("| `%s` | %s | %s | %s |", r$id, r$class, r$status,
            md_escape(r$description))
  }, ""),
  "",
  "Status: `ok`; `warnings` = converged but lavaan warned (see the file's `warnings`);",
  "`not converged`; `error` = lavaan refused the call (see the file's `error`).",
  "",
  "## Versions",
  "",
  sprintf("%s, lavaan %s, semTools %s, jsonlite %s, %s.", versions$R,
          versions$lavaan, versions$semTools, versions$jsonlite, versions$platform)
)
writeLines(readme, file.path(out_dir, "README.md"))
message("done")

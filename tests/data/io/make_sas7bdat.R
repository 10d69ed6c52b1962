# Makes tests/data/io/survey.sas7bdat, the one static fixture of the io tests:
# pyreadstat cannot write .sas7bdat, so the test cannot generate it itself.
# Run from the repository root: Rscript tests/data/io/make_sas7bdat.R
# Made with R version 4.2.2 Patched and haven 2.5.1 (haven::write_sas, which pyreadstat reads).
library(haven)
n <- 25
d <- data.frame(
  id = seq_len(n),
  q1 = c(1:5, 5:1, 1:5, 5:1, 1:4, NA),
  name = rep(c("alpha", "beta", "gamma", "delta", "epsilon"), 5)
)
attr(d$q1, "label") <- "Satisfaction"
write_sas(d, "tests/data/io/survey.sas7bdat")

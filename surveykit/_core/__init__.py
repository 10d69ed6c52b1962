"""numpy/scipy kernels: no pandas, no surveykit imports above ``errors``."""

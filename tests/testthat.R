library(testthat)
library(mlnmf)

test_check("mlnmf")

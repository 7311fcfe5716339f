## The shipped results (inst/extdata/*.rds) carry a stamp (R/stamp.R): the
## package version, the defaults of mlnmf() and a probe of the stopping
## rule when they were made.  The Figure 1 vignette's main table and sweep
## claim to show what the defaults give: their files must match the
## installed package's defaults (rerun inst/scripts/figure1.R and
## figure1-sweep.R when this fails).

shipped <- function(f) {
  path <- system.file("extdata", f, package = "mlnmf")
  if (!nzchar(path)) path <- test_path("..", "..", "inst", "extdata", f)
  readRDS(path)
}

test_that("every shipped result carries a stamp with version and settings", {
  for (f in c("figure1.rds", "figure1-sweep.rds", "figure1-sensitivity.rds",
              "figure1-blas.rds")) {
    st <- shipped(f)$stamp
    expect_true(is.list(st), info = f)
    expect_match(st$mlnmf, "^[0-9]+[.][0-9]+[.][0-9]+", info = f)
    expect_true(is.list(st$settings) && length(st$settings) > 0L, info = f)
    expect_setequal(names(st$defaults),
                    c("method", "init", "normalize", "maxit", "tol", "eps",
                      "inner_max", "inner_alpha", "inner_delta", "extrapolate"))
    expect_true(is.integer(st$probe_iter) && length(st$probe_iter) == 3L, info = f)
  }
})

test_that("the Figure 1 results and the sweep were made with the installed defaults", {
  now <- mlnmf:::results_stamp()
  main <- shipped("figure1.rds")
  expect_identical(mlnmf:::stamp_differences(main$stamp, now), character())
  ## the main table uses the defaults: the solver settings of the fits are
  ## the installed package's defaults
  expect_equal(main$settings[c("method", "init", "normalize", "maxit", "tol")],
               now$defaults[c("method", "init", "normalize", "maxit", "tol")],
               ignore_attr = TRUE)
  sw <- shipped("figure1-sweep.rds")
  expect_identical(mlnmf:::stamp_differences(sw$stamp, now), character())
  d <- sw$datasets[sw$datasets$level == "defaults", ]
  expect_gt(nrow(d), 0L)
  expect_true(all(d$maxit_used == now$defaults$maxit & d$tol_used == now$defaults$tol))
})

test_that("stamp_differences() names a changed default and a changed rule", {
  now <- mlnmf:::results_stamp(list(x = 1))
  expect_identical(mlnmf:::stamp_differences(now, now), character())
  old <- now
  old$defaults$tol <- now$defaults$tol * 10
  d <- mlnmf:::stamp_differences(old, now)
  expect_length(d, 1L)
  expect_match(d, "default tol")
  old <- now
  old$probe_iter <- now$probe_iter * 3L
  expect_match(mlnmf:::stamp_differences(old, now), "stopping rule differs")
  ## one iteration more or less (another BLAS) is not a different rule
  old$probe_iter <- now$probe_iter + 1L
  expect_identical(mlnmf:::stamp_differences(old, now), character())
  expect_match(mlnmf:::stamp_differences(NULL, now), "no stamp")
  ## the box says nothing when everything matches, and names the file if not
  expect_identical(mlnmf:::stamp_box(list(a = list(stamp = now))), "")
  expect_match(mlnmf:::stamp_box(list(a = list(stamp = NULL))), "<code>a</code>")
})

test_that("the probe leaves the caller's random stream alone", {
  set.seed(42)
  before <- .Random.seed
  mlnmf:::stamp_probe()
  expect_identical(.Random.seed, before)
})

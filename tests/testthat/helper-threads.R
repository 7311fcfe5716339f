## The tests use at most two threads (CRAN's limit during checks), however
## many cores the machine has; default_threads() reads this option.
options(mlnmf.threads = min(2L, mlnmf::default_threads()))

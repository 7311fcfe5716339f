"""scikit-learn's NMF(solver="mu", beta_loss=) on data written by bench/beta.R.

Usage: beta_sklearn.py DIR BETA MAXIT REPS
DIR holds X (X.mtx, Matrix Market, or X.bin + dims.txt, column-major
doubles), W0.bin (d x k) and H0.bin (k x N), the same start as mlnmf's.
Prints the BLAS numpy loaded, then one line: CPU seconds (best of REPS) and the beta-divergence after MAXIT
iterations (tol = 0, so exactly MAXIT iterations and no divergence
measured inside the loop).
"""
import os, sys, time
import numpy as np
import scipy.io, scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.decomposition._nmf import _beta_divergence

d, beta, maxit, reps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
m, n, k = [int(v) for v in open(os.path.join(d, "dims.txt")).read().split()]
if os.path.exists(os.path.join(d, "X.mtx")):
    X = sp.csr_matrix(scipy.io.mmread(os.path.join(d, "X.mtx")))
else:
    X = np.fromfile(os.path.join(d, "X.bin")).reshape((m, n), order="F").copy()
W0 = np.fromfile(os.path.join(d, "W0.bin")).reshape((m, k), order="F").copy()
H0 = np.fromfile(os.path.join(d, "H0.bin")).reshape((k, n), order="F").copy()
best = np.inf
for r in range(reps):
    est = NMF(n_components=k, solver="mu", beta_loss=beta, init="custom",
              max_iter=maxit, tol=0)
    t0 = time.process_time()
    W = est.fit_transform(X, W=W0.copy(), H=H0.copy())
    best = min(best, time.process_time() - t0)
    H = est.components_
try:
    import threadpoolctl
    print("BLAS:", [i.get("filepath") for i in threadpoolctl.threadpool_info()])
except Exception:
    print("BLAS: (threadpoolctl not available)")
print(best, _beta_divergence(X, W, H, beta), est.n_iter_)

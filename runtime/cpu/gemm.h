// Row-major GEMM for float and double over OpenBLAS, and a guard that keeps OpenBLAS on the
// calling thread while a kernel parallelises with OpenMP around its GEMM calls.
#pragma once

#include <cblas.h>

#include <cstdint>

namespace segrt::cpu {

// C = alpha * op(A) * op(B) + beta * C; op(A) is m x k, op(B) is k x n, all row-major.
inline void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
inline void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
                 int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

// While alive, OpenBLAS runs each call on the calling thread. The pthreads OpenBLAS would
// otherwise start its own workers from inside our OpenMP region and oversubscribe the cores.
class BlasSingleThread {
 public:
  BlasSingleThread() : prev_(openblas_get_num_threads()) {
    if (prev_ != 1) openblas_set_num_threads(1);
  }
  ~BlasSingleThread() {
    if (prev_ != 1) openblas_set_num_threads(prev_);
  }
  BlasSingleThread(const BlasSingleThread&) = delete;
  BlasSingleThread& operator=(const BlasSingleThread&) = delete;

 private:
  int prev_;
};

}  // namespace segrt::cpu

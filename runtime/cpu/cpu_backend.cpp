#include "runtime/cpu/cpu_backend.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "graph/op_registry.h"

#ifdef _OPENMP
#include <omp.h>
#endif

extern "C" void openblas_set_num_threads(int);

namespace segrt::cpu {

static std::map<std::string, KernelPair>& kernels() {
  static std::map<std::string, KernelPair> k;
  return k;
}

void register_kernel(const std::string& op, KernelPair k) {
  kernels()[op] = k;
}

const KernelPair* find_kernel(const std::string& op) {
  auto it = kernels().find(op);
  return it == kernels().end() ? nullptr : &it->second;
}

static int g_threads = 0;

void set_threads(int n) {
  g_threads = n;
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#endif
  if (n > 0) openblas_set_num_threads(n);
}

int threads() {
#ifdef _OPENMP
  return g_threads > 0 ? g_threads : omp_get_max_threads();
#else
  return 1;
#endif
}

template <typename T>
CpuProgram<T>::CpuProgram(const Graph& g, const std::vector<int>& outputs) : g_(g) {
  schedule_ = g_.schedule(outputs);
  plan_ = plan_memory(g_, schedule_, outputs);
  arena_.assign(static_cast<size_t>(plan_.arena_elems), T(0));
  persistent_.resize(g_.values().size());
  for (auto& v : g_.values())
    if (v.kind != ValueKind::Activation)
      persistent_[v.id].assign(static_cast<size_t>(numel(v.shape)), T(0));
  for (int n : schedule_) {
    const Node& node = g_.node(n);
    const KernelPair* k = find_kernel(node.op);
    if (!k) throw Error("cpu backend: no kernel for op '" + node.op + "'");
    Step s{&node, nullptr, node.inputs, node.outputs};
    if constexpr (std::is_same_v<T, float>)
      s.fn = k->f32;
    else
      s.fn = k->f64;
    steps_.push_back(s);
  }
}

template <typename T>
T* CpuProgram<T>::data(int value) {
  const Value& v = g_.value(value);
  if (v.kind != ValueKind::Activation) return persistent_[value].data();
  if (plan_.offset[value] < 0)
    throw Error("cpu program: value " + std::to_string(value) + " is not computed by this program");
  return arena_.data() + plan_.offset[value];
}

template <typename T>
void CpuProgram<T>::write(int value, const float* src) {
  T* d = data(value);
  int64_t n = numel(g_.value(value).shape);
  for (int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(src[i]);
}

template <typename T>
void CpuProgram<T>::read(int value, float* dst) const {
  const T* d = data(value);
  int64_t n = numel(g_.value(value).shape);
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(d[i]);
}

template <typename T>
size_t CpuProgram<T>::persistent_bytes() const {
  size_t b = 0;
  for (auto& p : persistent_) b += p.size() * sizeof(T);
  return b;
}

template <typename T>
void CpuProgram<T>::run() {
  // SEGRT_PROFILE=1 prints the time per op kind after each run (to stderr).
  static const bool env_profile = std::getenv("SEGRT_PROFILE") != nullptr;
  const bool timed = profiling_ || env_profile;
  if (timed) times_.clear();
  for (auto& s : steps_) {
    Args<T> a{*s.node, {}, {}};
    for (int v : s.in) a.in.push_back({data(v), g_.value(v).shape});
    for (int v : s.out) a.out.push_back({data(v), g_.value(v).shape});
    if (!timed) {
      s.fn(a);
      continue;
    }
    auto t0 = std::chrono::steady_clock::now();
    s.fn(a);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    times_.push_back({node_label(*s.node), s.node->op, s.node->op, ms});
  }
  if (env_profile) {
    std::map<std::string, double> per_op;
    for (auto& t : times_) per_op[t.op] += t.ms;
    std::vector<std::pair<double, std::string>> rows;
    double total = 0;
    for (auto& [k, v] : per_op) rows.push_back({v, k}), total += v;
    std::sort(rows.rbegin(), rows.rend());
    std::fprintf(stderr, "cpu profile: %.1f ms\n", total);
    for (auto& [v, k] : rows)
      std::fprintf(stderr, "  %-28s %9.2f ms %5.1f%%\n", k.c_str(), v, 100 * v / total);
  }
  if (!profiling_) times_.clear();
}

template class CpuProgram<float>;
template class CpuProgram<double>;

bool CpuBackend::supports(const Node& n) const {
  return find_kernel(n.op) != nullptr;
}

std::unique_ptr<Program> CpuBackend::compile(const Graph& g, const std::vector<int>& outputs) {
  check_supported(*this, g, g.schedule(outputs));
  return std::make_unique<CpuProgram<float>>(g, outputs);
}

}  // namespace segrt::cpu

// Runs every declared op case: CPU f32 against CPU f64 (forward and backward), gradients
// against central differences in f64, and every other backend present against the CPU.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "graph/autodiff.h"
#include "graph/op_registry.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/fp16.h"
#include "runtime/philox.h"
#include "tests/ops/op_case.h"

namespace segrt::test {

std::vector<OpCase>& op_cases() {
  static std::vector<OpCase> c;
  return c;
}

double uniform(uint64_t seed, uint64_t index, double lo, double hi) {
  return lo + (hi - lo) * philox_uniform(seed, 0x5e9u, index);
}

namespace {

struct Built {
  Graph g;
  std::vector<int> ins;    // input value ids, in case order
  std::vector<int> outs;   // forward outputs
  std::vector<int> grads;  // gradient value per input (-1 if none)
  int seed_value = -1;     // incoming gradient of output 0
};

Built build(const OpCase& c, bool with_backward) {
  Built b;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    b.ins.push_back(b.g.add_input("in" + std::to_string(i), c.inputs[i]));
  b.outs = b.g.add(c.op, b.ins, c.attrs, c.name);
  b.grads.assign(b.ins.size(), -1);
  if (with_backward) {
    b.seed_value = b.g.add_input("dy", b.g.value(b.outs[0]).shape);
    std::vector<int> wrt;
    for (size_t i = 0; i < b.ins.size(); ++i)
      if (std::find(c.no_grad.begin(), c.no_grad.end(), int(i)) == c.no_grad.end())
        wrt.push_back(b.ins[i]);
    auto gm = add_backward(b.g, {{b.outs[0], b.seed_value}}, wrt);
    for (size_t i = 0; i < b.ins.size(); ++i)
      if (gm.count(b.ins[i])) b.grads[i] = gm[b.ins[i]];
  }
  return b;
}

std::vector<std::vector<double>> make_inputs(const OpCase& c, const Built& b) {
  std::vector<std::vector<double>> data;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    std::vector<double> d(static_cast<size_t>(numel(c.inputs[i])));
    for (size_t k = 0; k < d.size(); ++k) d[k] = uniform(c.seed * 131 + i, k);
    if (c.fill) c.fill(static_cast<int>(i), d, c.seed * 131 + i);
    data.push_back(std::move(d));
  }
  if (b.seed_value >= 0) {
    std::vector<double> d(static_cast<size_t>(numel(b.g.value(b.seed_value).shape)));
    for (size_t k = 0; k < d.size(); ++k) d[k] = uniform(c.seed * 7 + 99, k);
    data.push_back(std::move(d));
  }
  return data;
}

double nmse(const std::vector<float>& got, const std::vector<double>& ref, bool& nan_mismatch) {
  double num = 0, den = 0;
  nan_mismatch = false;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isfinite(ref[i]) != std::isfinite(double(got[i]))) nan_mismatch = true;
    double d = double(got[i]) - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? num / den : num;
}

// Everything the case computes that a backend must match: outputs, mutated inputs, gradients.
std::vector<int> checked_values(const OpCase& c, const Built& b) {
  std::vector<int> v = b.outs;
  for (int m : OpRegistry::get().at(c.op).mutates) v.push_back(b.ins.at(m));
  for (int gv : b.grads)
    if (gv >= 0) v.push_back(gv);
  return v;
}

std::vector<int> feeds(const Built& b) {
  std::vector<int> f = b.ins;
  if (b.seed_value >= 0) f.push_back(b.seed_value);
  return f;
}

void run_f64(cpu::CpuProgram<double>& p, const std::vector<int>& f,
             const std::vector<std::vector<double>>& data) {
  for (size_t i = 0; i < f.size(); ++i) std::copy(data[i].begin(), data[i].end(), p.data(f[i]));
  p.run();
}

// Scalar L = sum(dy * y0) in double for the gradient check.
double loss_f64(const OpCase& c, const std::vector<std::vector<double>>& data, const double* dy) {
  Built b = build(c, false);
  cpu::CpuProgram<double> p(b.g, b.outs);
  run_f64(p, b.ins, data);
  const double* y = p.data(b.outs[0]);
  double l = 0;
  for (int64_t i = 0; i < numel(b.g.value(b.outs[0]).shape); ++i) l += dy[i] * y[i];
  return l;
}

void check_gradients(const OpCase& c, const Built& b, cpu::CpuProgram<double>& p,
                     const std::vector<std::vector<double>>& data) {
  const double* dy = data.back().data();
  for (size_t i = 0; i < b.ins.size(); ++i) {
    if (b.grads[i] < 0) continue;
    const double* ana = p.data(b.grads[i]);
    const int64_t n = numel(c.inputs[i]);
    // Up to 24 elements spread over the tensor (first, last and strided between).
    std::vector<int64_t> idx;
    const int64_t want = std::min<int64_t>(n, 24);
    for (int64_t k = 0; k < want; ++k) idx.push_back(want == 1 ? 0 : k * (n - 1) / (want - 1));
    int checked = 0;
    for (int64_t j : idx) {
      auto d = data;
      d.pop_back();
      const double x0 = d[i][j];
      const double h = c.eps * std::max(1.0, std::abs(x0));
      const double l0 = loss_f64(c, d, dy);
      d[i][j] = x0 + h;
      const double lp = loss_f64(c, d, dy);
      d[i][j] = x0 - h;
      const double lm = loss_f64(c, d, dy);
      const double fwd = (lp - l0) / h, bwd = (l0 - lm) / h, num = (lp - lm) / (2 * h);
      const double scale = std::max({1.0, std::abs(fwd), std::abs(bwd)});
      if (std::abs(fwd - bwd) > 1e-3 * scale) continue;  // a kink between x-h and x+h
      ++checked;
      INFO(c.name << ": d/d in" << i << "[" << j << "] analytic " << ana[j] << " numeric " << num);
      CHECK(std::abs(ana[j] - num) <= 1e-5 * std::max({1.0, std::abs(ana[j]), std::abs(num)}));
    }
    INFO(c.name << ": input " << i << " had no smooth element to check");
    CHECK(checked > 0);
  }
}

}  // namespace

// Per backend: cases whose every check passed, and cases it cannot run (an op without a
// kernel in the forward or backward graph), which count as unsupported, not failed; the fp16
// tier also counts the cases that opt out of it (skipped). worst: the largest NMSE seen per
// tier (elementwise, reduction).
struct Tally {
  int passed = 0, failed = 0, unsupported = 0, skipped = 0;
  double worst[2] = {0, 0};
  std::string worst_case[2];
};

// Runs the case on `be` with inputs `data` and checks every value against `ref` within `tol`.
bool check_backend(const std::string& bn, Backend& be, const OpCase& c, const Built& b,
                   const std::vector<std::vector<double>>& data, cpu::CpuProgram<double>& ref,
                   double tol, Tally& t) {
  const std::vector<int> f = feeds(b), checked = checked_values(c, b);
  bool ok = true;
  auto prog = be.compile(b.g, checked);
  for (size_t i = 0; i < f.size(); ++i) {
    std::vector<float> v(data[i].begin(), data[i].end());
    prog->write(f[i], v);
  }
  prog->run();
  const int tier = c.tier == Tier::Elementwise ? 0 : 1;
  for (int v : checked) {
    std::vector<double> r(ref.data(v), ref.data(v) + numel(b.g.value(v).shape));
    bool nan_mismatch = false;
    double e = nmse(prog->read(v), r, nan_mismatch);
    INFO(bn << " value %" << v << " " << shape_str(b.g.value(v).shape) << " nmse " << e);
    CHECK_FALSE(nan_mismatch);
    CHECK(e <= tol);
    ok = ok && !nan_mismatch && e <= tol;
    if (e > t.worst[tier]) t.worst[tier] = e, t.worst_case[tier] = c.name;
  }
  return ok;
}

// A Vulkan backend storing fp16, or nullptr (with `why`) where there is none.
std::unique_ptr<Backend> fp16_backend(const std::vector<std::string>& backends, std::string& why) {
  if (std::find(backends.begin(), backends.end(), "vulkan") == backends.end()) {
    why = "not built or no device";
    return nullptr;
  }
  try {
    return make_backend("vulkan", Precision::Fp16);
  } catch (const Error& e) {
    why = e.what();
    return nullptr;
  }
}

bool supports_all(const Backend& be, const Graph& g, const std::vector<int>& wanted) {
  for (int n : g.schedule(wanted))
    if (!be.supports(g.node(n))) return false;
  return true;
}

TEST_CASE("operator suite: every case forward and backward on every backend") {
  REQUIRE(!op_cases().empty());
  std::set<std::string> names;
  int run_cases = 0, grad_cases = 0;
  const std::vector<std::string> backends = backend_names();
  std::vector<std::unique_ptr<Backend>> bes;
  for (const std::string& bn : backends) bes.push_back(make_backend(bn));
  std::vector<Tally> tally(backends.size());
  // The fp16 storage tier: Vulkan again, storing fp16, against the reference from the same
  // inputs rounded to fp16 (so it measures the kernels' storage rounding, not the inputs').
  std::string fp16_why;
  std::unique_ptr<Backend> fp16 = fp16_backend(backends, fp16_why);
  Tally fp16_tally;
  for (const OpCase& c : op_cases()) {
    INFO("case " << c.name);
    CHECK_MESSAGE(names.insert(c.name).second, "duplicate case name");
    const bool backward = c.check_grad && OpRegistry::get().at(c.op).grad != nullptr;
    Built b = build(c, backward);
    auto data = make_inputs(c, b);
    auto f = feeds(b);
    auto checked = checked_values(c, b);

    // Reference: CPU in double.
    cpu::CpuProgram<double> ref(b.g, checked);
    run_f64(ref, f, data);

    // Every backend in f32 against the double reference.
    for (size_t bi = 0; bi < backends.size(); ++bi) {
      const std::string& bn = backends[bi];
      Backend& be = *bes[bi];
      if (!supports_all(be, b.g, checked)) {
        INFO(bn << " lacks an op of this case");
        CHECK(bn != "cpu");  // the reference supports everything
        ++tally[bi].unsupported;
        continue;
      }
      const bool ok = check_backend(bn, be, c, b, data, ref, tier_nmse(c.tier), tally[bi]);
      ++(ok ? tally[bi].passed : tally[bi].failed);
    }
    if (fp16 && !c.fp16_skip.empty()) {
      ++fp16_tally.skipped;
    } else if (fp16) {
      auto data16 = data;
      for (auto& d : data16)
        for (double& x : d) x = round_to_half(static_cast<float>(x));
      cpu::CpuProgram<double> ref16(b.g, checked);
      run_f64(ref16, f, data16);
      const bool ok = check_backend("vulkan-fp16", *fp16, c, b, data16, ref16,
                                    tier_nmse_fp16(c.tier), fp16_tally);
      ++(ok ? fp16_tally.passed : fp16_tally.failed);
    }
    if (backward) {
      check_gradients(c, b, ref, data);
      ++grad_cases;
    }
    ++run_cases;
  }
  std::printf("operator suite: %d cases (%d with gradient checks)\n", run_cases, grad_cases);
  auto worst = [](const Tally& t) {
    std::printf("      worst nmse: elementwise %.2g (%s), reduction %.2g (%s)\n", t.worst[0],
                t.worst_case[0].c_str(), t.worst[1], t.worst_case[1].c_str());
  };
  for (size_t bi = 0; bi < backends.size(); ++bi) {
    std::printf("  %-11s %d passed, %d failed, %d unsupported\n", backends[bi].c_str(),
                tally[bi].passed, tally[bi].failed, tally[bi].unsupported);
    worst(tally[bi]);
  }
  if (fp16) {
    std::printf("  %-11s %d passed, %d failed, %d skipped (not meaningful in fp16)\n",
                "vulkan-fp16", fp16_tally.passed, fp16_tally.failed, fp16_tally.skipped);
    worst(fp16_tally);
  } else {
    std::printf("  %-11s %s: skipped\n", "vulkan-fp16", fp16_why.c_str());
  }
  for (const char* absent : {"vulkan", "cuda"})
    if (std::find(backends.begin(), backends.end(), absent) == backends.end())
      std::printf("  %-11s not built or no device: skipped\n", absent);
  // The CPU and the Vulkan backend cover the whole op set: nothing falls back.
  for (size_t bi = 0; bi < backends.size(); ++bi)
    if (backends[bi] == "cpu" || backends[bi] == "vulkan") {
      INFO(backends[bi]);
      CHECK(tally[bi].unsupported == 0);
    }
}

TEST_CASE("operator suite covers every registered op, forward and backward") {
  std::set<std::string> covered;
  for (const OpCase& c : op_cases()) {
    bool backward = c.check_grad && OpRegistry::get().at(c.op).grad != nullptr;
    Built b = build(c, backward);
    for (auto& n : b.g.nodes()) covered.insert(n.op);
  }
  for (const std::string& op : OpRegistry::get().names()) {
    INFO("op '" << op << "' appears in no operator case (forward, or backward graph of one)");
    CHECK(covered.count(op) == 1);
  }
}

}  // namespace segrt::test

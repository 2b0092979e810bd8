// Operator cases pinned to PyTorch: tests/pinned/*.txt hold inputs, an upstream gradient and
// PyTorch's float64 outputs, gradients and in-place updates (scripts/gen_pinned.py). Each runs
// here as a one-op graph, with its backward from autodiff, on the CPU backend in float32. The
// operator suite checks backends against our own CPU kernels and gradients against our own
// forward; only these say the forward and backward mean what an independent framework computes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "graph/autodiff.h"
#include "runtime/backend.h"
#include "tests/ops/op_case.h"

namespace segrt::test {
namespace {

// The expected values are exact (float64) and the inputs tiny, so float32 rounding is all that
// separates us from them: the bounds are far tighter than the operator suite's tiers, tight
// enough that a convention slip (an eps, a momentum, a padding) of 1e-3 relative shows.
double pinned_nmse(Tier t) {
  return t == Tier::Elementwise ? 1e-10 : 1e-9;
}

struct Tensor {
  int index = -1;
  bool grad = false;  // inputs: takes a gradient
  Shape shape;
  std::vector<double> v;
};

struct Pinned {
  std::string name, op;
  Tier tier = Tier::Reduction;
  Attrs attrs;
  std::vector<Tensor> inputs, outputs, after, grads;
  std::optional<Tensor> dy;
};

Error bad(const std::string& file, int line, const std::string& what) {
  return Error(file + ":" + std::to_string(line) + ": " + what);
}

// Reads one case file (format: the docstring of scripts/gen_pinned.py).
Pinned parse(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::ifstream f(path);
  if (!f) throw Error("cannot open " + path.string());
  Pinned c;
  c.name = path.stem().string();
  std::string line;
  int ln = 0;
  while (std::getline(f, line)) {
    ++ln;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream h(line);
    std::string key;
    h >> key;
    if (key == "op") {
      h >> c.op;
    } else if (key == "tier") {
      std::string t;
      h >> t;
      if (t != "elementwise" && t != "reduction") throw bad(file, ln, "unknown tier " + t);
      c.tier = t == "elementwise" ? Tier::Elementwise : Tier::Reduction;
    } else if (key == "attr") {
      std::string name, type;
      h >> name >> type;
      if (type == "int") {
        int64_t v;
        h >> v;
        c.attrs.set(name, v);
      } else if (type == "real") {
        double v;
        h >> v;
        c.attrs.set(name, v);
      } else if (type == "str") {
        std::string v;
        h >> v;
        c.attrs.set(name, v);
      } else if (type == "ints") {
        std::vector<int64_t> v;
        for (int64_t e; h >> e;) v.push_back(e);
        c.attrs.set(name, v);
      } else {
        throw bad(file, ln, "unknown attribute type " + type);
      }
      if (h.fail() && !h.eof()) throw bad(file, ln, "bad attribute value");
    } else if (key == "input" || key == "dy" || key == "output" || key == "after" ||
               key == "grad") {
      Tensor t;
      h >> t.index;
      if (key == "input") {
        std::string flag;
        h >> flag;
        if (flag != "grad" && flag != "nograd") throw bad(file, ln, "grad or nograd expected");
        t.grad = flag == "grad";
      }
      for (int64_t d; h >> d;) t.shape.push_back(d);
      if (t.index < 0 || t.shape.empty()) throw bad(file, ln, "bad tensor header");
      t.v.resize(static_cast<size_t>(numel(t.shape)));
      for (double& e : t.v)
        if (!(f >> e)) throw bad(file, ln, "too few values for " + key);
      if (key == "input") {
        if (t.index != int(c.inputs.size())) throw bad(file, ln, "inputs out of order");
        c.inputs.push_back(std::move(t));
      } else if (key == "dy") {
        c.dy = std::move(t);
      } else {
        (key == "output" ? c.outputs : key == "after" ? c.after : c.grads).push_back(std::move(t));
      }
    } else {
      throw bad(file, ln, "unknown line '" + line + "'");
    }
  }
  if (c.op.empty() || c.inputs.empty() || c.outputs.empty())
    throw Error(file + ": op, inputs and outputs are required");
  if (!c.grads.empty() && !c.dy) throw Error(file + ": gradients without dy");
  return c;
}

struct Compared {
  double nmse = 0, max_abs = 0;
  size_t worst = 0;
};

Compared compare(const std::vector<float>& got, const std::vector<double>& want) {
  Compared r;
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::isfinite(got[i]) ? double(got[i]) - want[i] : HUGE_VAL;
    num += d * d;
    den += want[i] * want[i];
    if (!(std::abs(d) <= r.max_abs)) r.max_abs = std::abs(d), r.worst = i;
  }
  r.nmse = den > 0 ? num / den : num;
  return r;
}

std::vector<std::filesystem::path> case_files() {
  const std::filesystem::path dir = std::filesystem::path(SEGRT_SOURCE_DIR) / "tests" / "pinned";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir))
    for (auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string label(const char* kind, const Tensor& t) {
  return std::string(kind) + " " + std::to_string(t.index) + " " + shape_str(t.shape);
}

}  // namespace

TEST_CASE("pinned: ops match PyTorch float64 values, forward and backward") {
  const auto files = case_files();
  REQUIRE_MESSAGE(!files.empty(), "no case files in tests/pinned");
  double worst = 0;
  std::string worst_at;
  for (const auto& path : files) {
    const Pinned c = parse(path);
    INFO("case " << c.name << " (" << c.op << " " << c.attrs.str() << ")");

    Graph g;
    std::vector<int> ins;
    for (const Tensor& t : c.inputs)
      ins.push_back(g.add_input("in" + std::to_string(t.index), t.shape));
    const std::vector<int> outs = g.add(c.op, ins, c.attrs);
    int seed = -1;
    std::map<int, int> grad_of;
    if (c.dy) {
      REQUIRE(c.dy->index < int(outs.size()));
      seed = g.add_input("dy", c.dy->shape);
      std::vector<int> wrt;
      for (const Tensor& t : c.inputs)
        if (t.grad) wrt.push_back(ins[t.index]);
      grad_of = add_backward(g, {{outs[c.dy->index], seed}}, wrt);
    }

    // Every value the file pins, as (graph value, expected tensor, label).
    std::vector<std::tuple<int, const Tensor*, std::string>> checks;
    for (const Tensor& t : c.outputs) {
      REQUIRE(t.index < int(outs.size()));
      checks.emplace_back(outs[t.index], &t, label("output", t));
    }
    for (const Tensor& t : c.after) {
      REQUIRE(t.index < int(ins.size()));
      checks.emplace_back(ins[t.index], &t, label("after", t));
    }
    for (const Tensor& t : c.grads) {
      REQUIRE(t.index < int(ins.size()));
      INFO("autodiff gave no gradient for input " << t.index);
      REQUIRE(grad_of.count(ins[t.index]) == 1);
      checks.emplace_back(grad_of.at(ins[t.index]), &t, label("grad", t));
    }
    std::vector<int> wanted;
    for (auto& [v, t, l] : checks) {
      INFO(l << ": our shape " << shape_str(g.value(v).shape));
      REQUIRE(g.value(v).shape == t->shape);
      wanted.push_back(v);
    }

    auto prog = make_backend("cpu")->compile(g, wanted);
    for (const Tensor& t : c.inputs)
      prog->write(ins[t.index], std::vector<float>(t.v.begin(), t.v.end()));
    if (c.dy) prog->write(seed, std::vector<float>(c.dy->v.begin(), c.dy->v.end()));
    prog->run();

    const double tol = pinned_nmse(c.tier);
    for (auto& [v, t, l] : checks) {
      const Compared r = compare(prog->read(v), t->v);
      INFO(l << ": nmse " << r.nmse << " (bound " << tol << "), max abs error " << r.max_abs
             << " at element " << r.worst << " (PyTorch " << t->v[r.worst] << ")");
      CHECK(r.nmse <= tol);
      if (r.nmse / tol > worst) worst = r.nmse / tol, worst_at = c.name + " " + l;
    }
  }
  std::printf("pinned: %zu PyTorch cases; closest to its bound: %s at %.3g of it\n", files.size(),
              worst_at.c_str(), worst);
}

}  // namespace segrt::test

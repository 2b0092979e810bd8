#include "graph/init.h"

#include <cmath>

#include "runtime/philox.h"

namespace segrt {
namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Four uniform 32-bit words for (element, attempt) of one value's stream.
std::array<uint32_t, 4> draw(uint64_t key, int64_t i, uint32_t attempt) {
  return philox4x32_10({uint32_t(i), uint32_t(uint64_t(i) >> 32), attempt, 0x1a17u},
                       {uint32_t(key), uint32_t(key >> 32)});
}

// (0, 1]: never zero, so log() is finite.
double unit(uint32_t w) {
  return (double(w) + 1.0) * (1.0 / 4294967296.0);
}

}  // namespace

std::vector<float> init_value(const std::string& name, const Shape& shape, const Init& init,
                              uint64_t seed) {
  const int64_t n = numel(shape);
  const std::string& k = init.kind;
  if (k == "zeros" || k == "ones" || k == "const")
    return std::vector<float>(size_t(n), float(k == "zeros"  ? 0.0
                                               : k == "ones" ? 1.0
                                                             : init.value));
  // Mixing the seed with the name gives each value its own Philox key.
  const uint64_t key = seed * 0x9E3779B97F4A7C15ull ^ fnv1a(name);
  std::vector<float> v(static_cast<size_t>(n));
  auto need_fans = [&](bool out) {
    if (init.fan_in <= 0 || (out && init.fan_out <= 0))
      throw Error("init of '" + name + "': " + k + " needs fan_in" + (out ? " and fan_out" : ""));
  };
  if (k == "glorot_uniform" || k == "he_uniform") {
    need_fans(k == "glorot_uniform");
    double limit = k == "he_uniform" ? std::sqrt(6.0 / double(init.fan_in))
                                     : std::sqrt(6.0 / double(init.fan_in + init.fan_out));
    for (int64_t i = 0; i < n; ++i)
      v[size_t(i)] = float(limit * (2 * unit(draw(key, i, 0)[0]) - 1));
  } else if (k == "he_normal") {
    need_fans(false);
    // Keras: normal truncated at two standard deviations, scaled so the variance is 2/fan_in.
    double sd = std::sqrt(2.0 / double(init.fan_in)) / 0.87962566103423978;
    for (int64_t i = 0; i < n; ++i) {
      double z = 3;
      for (uint32_t t = 0; std::abs(z) > 2; ++t) {
        auto w = draw(key, i, t);
        z = std::sqrt(-2 * std::log(unit(w[0]))) * std::cos(6.283185307179586 * unit(w[1]));
      }
      v[size_t(i)] = float(sd * z);
    }
  } else {
    throw Error("init of '" + name + "': unknown kind '" + k + "'");
  }
  return v;
}

ParamStore init_params(const Graph& g, uint64_t seed) {
  ParamStore s;
  for (const Value& v : g.values())
    if (v.kind == ValueKind::Param || v.kind == ValueKind::State)
      s[v.name] = init_value(v.name, v.shape, v.init, seed);
  return s;
}

void check_params(const Graph& g, const ParamStore& s, bool allow_extra) {
  std::string problems;
  size_t known = 0;
  for (const Value& v : g.values()) {
    if (v.kind != ValueKind::Param && v.kind != ValueKind::State) continue;
    auto it = s.find(v.name);
    if (it == s.end()) {
      problems += "\n  missing '" + v.name + "' " + shape_str(v.shape);
    } else {
      ++known;
      if (int64_t(it->second.size()) != numel(v.shape))
        problems += "\n  '" + v.name + "' has " + std::to_string(it->second.size()) +
                    " values, the model needs " + shape_str(v.shape);
    }
  }
  if (!allow_extra && known != s.size())
    for (auto& [name, data] : s) {
      int id = g.find(name);
      if (id < 0 || (g.value(id).kind != ValueKind::Param && g.value(id).kind != ValueKind::State))
        problems += "\n  unexpected '" + name + "'";
    }
  if (!problems.empty()) throw Error("parameters do not match the model:" + problems);
}

}  // namespace segrt

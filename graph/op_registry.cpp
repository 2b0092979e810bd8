#include "graph/op_registry.h"

#include <map>
#include <memory>

namespace segrt {

static std::map<std::string, OpDef>& table() {
  static std::map<std::string, OpDef> t;
  return t;
}

OpRegistry& OpRegistry::get() {
  static OpRegistry r;
  return r;
}

void OpRegistry::add(OpDef def) {
  if (!def.infer) throw Error("op '" + def.name + "' has no shape inference");
  table()[def.name] = std::move(def);
}

const OpDef* OpRegistry::find(const std::string& name) const {
  auto it = table().find(name);
  return it == table().end() ? nullptr : &it->second;
}

const OpDef& OpRegistry::at(const std::string& name) const {
  if (auto d = find(name)) return *d;
  throw Error("unknown op '" + name + "'");
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> r;
  for (auto& [k, v] : table()) r.push_back(k);
  return r;
}

void expect_rank(const Shape& s, size_t rank, const std::string& op, const std::string& what) {
  if (s.size() != rank)
    throw Error(op + ": " + what + " must have rank " + std::to_string(rank) + ", got " +
                shape_str(s));
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const std::string& op) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(op + ": shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = std::max(da, db);
  }
  return out;
}

int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
  return (in + 2 * pad - dil * (k - 1) - 1) / stride + 1;
}

}  // namespace segrt

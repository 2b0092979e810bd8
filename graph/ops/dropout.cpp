// Dropout with counter-based masks: the mask is a pure function of (seed, key, element), so the
// gradient is the same op applied to dy, and every backend draws the same mask.
#include "graph/op_registry.h"

namespace segrt {
namespace {

// dropout(x, key) -> y. key is a 1-element input holding the step counter (an integer value),
// the Philox stream; seed tells dropout nodes apart. spatial = 1 drops whole (n, c) channels
// (Keras SpatialDropout2D). Kept values are scaled by 1 / (1 - p).
SEGRT_REGISTER_OP((OpDef{
    .name = "dropout",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = [](const std::vector<Shape>& in, const Attrs& a) -> std::vector<Shape> {
      const double p = a.f("p");
      if (!(p >= 0 && p < 1)) throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
      if (a.i("seed", 0) < 0) throw Error("dropout: seed must be non-negative");
      const int64_t spatial = a.i("spatial", 0);
      if (spatial != 0 && spatial != 1) throw Error("dropout: spatial must be 0 or 1");
      if (spatial && in[0].size() < 2)
        throw Error("dropout: spatial dropout needs [N, C, ...], got " + shape_str(in[0]));
      if (numel(in[1]) != 1)
        throw Error("dropout: key must hold one element, got " + shape_str(in[1]));
      return {in[0]};
    },
    .grad = [](GradContext& c) -> std::vector<int> {
      return {c.g.add1("dropout", {c.dy[0], c.in(1)}, c.node.attrs), -1};
    },
    .random = true,
}));

}  // namespace
}  // namespace segrt
